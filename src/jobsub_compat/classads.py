"""ClassAd syntax checks for the quoting tie-break, with the HTCondor bindings.

The bindings cost tens of milliseconds to import, so they are loaded only when a value
reads differently as written and as the legacy server re-split it.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

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
    for name in ("classad2", "classad"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise Unavailable("no HTCondor Python bindings (classad2 or classad) found")


def valid_expression(text: str) -> bool:
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
