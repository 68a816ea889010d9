"""ClassAd syntax checks for the quoting tie-break, with the HTCondor bindings.

The bindings cost tens of milliseconds to import, so they are loaded only when a value
reads differently as written and as the legacy server re-split it, and then only when
`surely_valid` (a recognizer of a small, plain subset of ClassAd expressions: literals,
attribute references, function calls, parentheses and the usual operators) cannot vouch
for the text itself. The recognizer never rejects: anything outside its subset goes to
the bindings, which decide.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

from . import site_packages

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from typing import Any


# A submit-file line jobsub_lite accepts: an optional `+`, an attribute name, `=`, and a
# ClassAd expression. Empty lines and the literal `''`/`""` are dropped by jobsub_lite.
_LINE = re.compile(r"^\s*\+?[A-Za-z_][A-Za-z0-9_.]*\s*=(.*)$", re.DOTALL)
_EMPTY_LINES = ("", "''", '""')


class Unavailable(Exception):
    """No HTCondor Python bindings in this interpreter."""


def _bindings() -> ModuleType:
    # HTCondor 25 ships only `classad2`; EL9's python3-condor 23/24 ships `classad`.
    site_packages()
    for name in ("classad2", "classad"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise Unavailable("no HTCondor Python bindings (classad2 or classad) found")


_TOKEN = re.compile(r"""\s*(?:
      (?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    | (?P<str>"(?:[^"\\\n]|\\["\\])*")
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>=\?=|=!=|==|!=|<=|>=|\|\||&&|[<>+\-*/%!(),.]))""", re.VERBOSE)
_BINARY = {"||", "&&", "==", "!=", "=?=", "=!=", "<=", ">=", "<", ">", "+", "-", "*", "/",
           "%", "is", "isnt"}
_LITERALS = {"true", "false", "undefined", "error"}


def _tokens(text: str) -> list[str] | None:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            return None if text[pos:].strip() else out
        kind = match.lastgroup
        word = match.group(kind or "op")
        lower = word.lower()
        out.append(lower if kind == "name" and lower in _BINARY | _LITERALS else
                   ("N" + word if kind == "name" else word if kind == "op" else "L"))
        pos = match.end()
    return out


def surely_valid(text: str) -> bool:
    """Is `text` a ClassAd expression of the plain subset? False means "not sure"."""
    tokens = _tokens(text)
    if not tokens:
        return False
    at = 0

    def expression() -> bool:
        nonlocal at
        if not unary():
            return False
        while at < len(tokens) and tokens[at] in _BINARY:
            at += 1
            if not unary():
                return False
        return True

    def unary() -> bool:
        nonlocal at
        while at < len(tokens) and tokens[at] in ("!", "-", "+"):
            at += 1
        if at >= len(tokens):
            return False
        token = tokens[at]
        at += 1
        if token == "L" or token in _LITERALS:
            return True
        if token == "(":
            if not expression() or at >= len(tokens) or tokens[at] != ")":
                return False
            at += 1
            return True
        if not token.startswith("N"):
            return False
        while at + 1 < len(tokens) and tokens[at] == "." and tokens[at + 1].startswith("N"):
            at += 2
        if at < len(tokens) and tokens[at] == "(":  # a function call
            at += 1
            if at < len(tokens) and tokens[at] == ")":
                at += 1
                return True
            while expression():
                if at < len(tokens) and tokens[at] == ",":
                    at += 1
                    continue
                if at < len(tokens) and tokens[at] == ")":
                    at += 1
                    return True
                return False
            return False
        return True

    return expression() and at == len(tokens)


def valid_expression(text: str) -> bool:
    if surely_valid(text):
        return True
    module: Any = _bindings()
    try:
        module.ExprTree(text)
    except Exception:  # the bindings raise their own exception classes
        return False
    return True


def same_expression(first: str, second: str) -> bool:
    """Do two texts parse to the same ClassAd expression?"""
    module: Any = _bindings()
    try:
        return str(module.ExprTree(first)) == str(module.ExprTree(second))
    except Exception:
        return False


def valid_line(text: str) -> bool:
    if text.strip() in _EMPTY_LINES:
        return True
    match = _LINE.match(text)
    return match is not None and valid_expression(match.group(1))
