"""ClassAd syntax checks: the quoting tie-break, and jobsub_lite 1.12's own --lines check.

jobsub_lite 1.12 checks every `--lines` value with the v1 `classad.parseOne` of the
HTCondor 24 bindings it imports (lib/utils.py, sanitize_lines) and fails the whole
submission on a value it refuses. `lite_accepts_line` gives that verdict: with the v1
module when this interpreter has it (on a site where jobsub_lite 1.12 runs, the system
python3's HTCondor 24 bindings provide it, and the drop-ins run on that python3), else
with classad2 plus the one rule where classad2 is more lenient than v1 (measured against
v1 by tests/jobsub_lite/test_classad_check.py): v1 reads a line NAME = rest at the first
`=` and refuses it when rest does not start with a whole expression (`NAME==VALUE`,
`NAME=?=VALUE`, `NAME=!=VALUE`, `NAME=`, `NAME=(1`), while classad2 reads such a line as
a bare expression and accepts it. (v1 also refuses some lines that are garbage before
any `=`; the fallback leaves those to jobsub_lite.) Lines starting with `+` are never
refused by v1 (it skips them), and neither are plain `NAME = expression` lines; both are
vouched for without the bindings. `legacy_submit_effect` says what the legacy submit
file made of such a line, with HTCondor's submit library.

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
    # jobsub_lite 1.12 imports the v1 `classad` of HTCondor 24; HTCondor 25 ships only
    # `classad2`. Expressions parse the same in both (one C++ parser); parseOne does not.
    site_packages()
    for name in ("classad", "classad2"):
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


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_. ]*$")


def _inside_token(left: str, right: str) -> bool:
    """Would a cut between these two characters split a name or a number?"""
    name = left.isalpha() or left == "_"
    return (name and (right.isalnum() or right == "_")) or (left.isdigit() and right.isdigit())

# What can follow `NAME=` in a line v1 parseOne accepts: anything that starts an expression.
_NOT_AN_EXPRESSION_START = ("=", "!=", "?", ":", ")", "]", "}", ",", ";", "*", "/", "%",
                            "&", "|", "^", "<", ">")


_CONTINUES = ("&", "|", "<", ">", "==", "!=", "=?=", "=!=", "+", "-", "*", "/", "%", "?", ".",
              "^")


def _starts_with_expression(module: Any, rest: str) -> bool:
    """v1 reads the longest expression at the start of `rest` and ignores what follows
    when that cannot continue an expression (`A = 1 junk` passes, `A = 1 &` does not)."""
    for cut in range(len(rest), 0, -1):
        head, tail = rest[:cut], rest[cut:].lstrip()
        if cut < len(rest) and _inside_token(rest[cut - 1], rest[cut]):
            continue
        if not head.strip() or (tail and tail.startswith(_CONTINUES)):
            continue
        try:
            module.ExprTree(head)
        except Exception:
            continue
        return True
    return False


def _v1_refuses(module: Any, text: str) -> bool:
    """Where v1 parseOne refuses what classad2's accepts (see the module docstring)."""
    for line in text.split("\n"):
        name, eq, rest = line.partition("=")
        if not eq or not _NAME.match(name.strip()):
            continue
        rest = rest.strip()
        if not rest or rest.startswith(_NOT_AN_EXPRESSION_START) or not (
                _starts_with_expression(module, rest)):
            return True
    return False


def _plainly_accepted(text: str) -> bool:
    lines = text.split("\n")
    for line in lines:
        stripped = line.strip()
        if stripped in _EMPTY_LINES or stripped.startswith("+"):
            continue
        match = _LINE.match(line)
        if not (match and surely_valid(match.group(1))):
            return False
    return True


def lite_accepts_line(text: str) -> bool:
    """Does jobsub_lite 1.12's --lines check (v1 classad.parseOne) accept `text`?"""
    if _plainly_accepted(text):
        return True
    module: Any = _bindings()
    if module.__name__ == "classad2" and _v1_refuses(module, text):
        return False
    try:
        module.parseOne(text)
    except Exception:  # the bindings raise their own exception classes
        return False
    return True


def legacy_submit_effect(line: str) -> str | None:
    """What a submit file line did to the legacy job, read by HTCondor's submit library:
    None when the job came out the same without it (e.g. a plain macro definition), else
    a few words saying what it did ("condor_submit refused it: ..." or the attributes it
    changed)."""
    site_packages()
    module: Any = None
    for name in ("htcondor", "htcondor2"):  # v1 first: HTCondor 25's Submit.jobs() is a stub
        try:
            module = importlib.import_module(name)
            break
        except ImportError:
            continue
    if module is None or not hasattr(module, "Submit"):
        raise Unavailable("no HTCondor Python bindings (htcondor2 or htcondor) found")
    base = "executable = /bin/true\n"
    try:
        without = next(iter(module.Submit(base + "queue\n").jobs(count=1)))
    except Exception:  # HTCondor 25: "Let us know what you need this for."
        raise Unavailable("HTCondor's submit library cannot make job ads here") from None
    try:
        with_line = next(iter(module.Submit(base + line + "\nqueue\n").jobs(count=1)))
    except Exception as exc:
        first = str(exc).strip().split("\n")[0]
        return f"condor_submit refused it: {first}"
    ignored = {"QDate", "EnteredCurrentStatus"}
    changed = sorted(k for k in set(with_line.keys()) | set(without.keys())
                     if k not in ignored and str(with_line.get(k)) != str(without.get(k)))
    return f"it set {', '.join(changed)} in the job" if changed else None
