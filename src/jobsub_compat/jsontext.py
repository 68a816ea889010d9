"""JSON for the drop-ins without paying for `import json` on every call.

Each drop-in is a short-lived process with a start-up budget, and `import json` costs ~8 ms
of it: json's decoder, scanner and encoder import re, which imports enum, functools and
collections. This gives the same text and values as json, from json's C accelerator _json.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from typing import Any, Callable

WHITESPACE = " \t\n\r"  # JSON's; str.strip() with no argument would also take \f, \v, ...
_SPECIAL = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}  # float repr -> JSON's
_CONSTANTS = {None: "null", True: "true", False: "false"}


class _Context:  # json.loads's defaults, as the attributes _json.make_scanner reads
    strict, parse_float, parse_int = True, float, int
    object_hook = object_pairs_hook = array_hook = None  # array_hook: read from 3.15 on
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"),
                      "-Infinity": float("-inf")}.__getitem__


_quote: Callable[[str], str]
_scan: Callable[[str, int], tuple[Any, int]]
try:
    from _json import encode_basestring_ascii, make_scanner

    _quote, _scan = encode_basestring_ascii, make_scanner(_Context())  # type: ignore[arg-type]
except ImportError:  # not CPython: the json package, imported only when first needed
    def _quote(s: str) -> str:
        from json import dumps
        return dumps(s)  # a str alone is written by encode_basestring_ascii

    def _scan(text: str, pos: int) -> tuple[Any, int]:
        from json.decoder import JSONDecoder
        return JSONDecoder().raw_decode(text, pos)


def dumps(value: Any) -> str:
    """json.dumps(value, separators=(",", ":"), ensure_ascii=True, default=str), byte for
    byte. Circular references are not tracked: where json raises ValueError("Circular
    reference detected"), this recurses until RecursionError."""
    # json's C encoder's order and reprs: bool before int, and a subclass (IntEnum, numpy
    # float64) written as the plain number, not through its own __repr__.
    if value is None or value is True or value is False:
        return _CONSTANTS[value]
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _SPECIAL.get(float.__repr__(value)) or float.__repr__(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(map(dumps, value)) + "]"
    if isinstance(value, dict):
        return "{" + ",".join([_key(k) + ":" + dumps(v) for k, v in value.items()]) + "}"
    return _quote(str(value))


def _key(k: Any) -> str:
    if isinstance(k, str):
        return _quote(k)
    if k is None or isinstance(k, (int, float)):  # json quotes their JSON text
        return _quote(dumps(k))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")


def raw_decode(text: str, pos: int = 0) -> tuple[Any, int]:
    """json.JSONDecoder().raw_decode(text, pos): the value starting exactly at pos (no
    whitespace skipped) and the index just past it; ValueError if none starts there."""
    try:
        return _scan(text, pos)
    except StopIteration as stop:  # the scanner's "no value here"; json raises this instead
        raise ValueError(f"Expecting value: char {stop.value}") from None
    except SystemError:
        # Python 3.10 and 3.11's scanner looks its JSONDecodeError up in json.decoder without
        # importing it, and fails like this if no one has. Malformed input only: pay here.
        import json.decoder  # noqa: F401
        return _scan(text, pos)


def loads(text: str) -> Any:
    """json.loads(text): ValueError for empty text, trailing data or malformed JSON."""
    value, end = raw_decode(text, len(text) - len(text.lstrip(WHITESPACE)))
    if end < len(text.rstrip(WHITESPACE)):  # the value never ends in whitespace itself
        raise ValueError(f"Extra data: char {end}")
    return value
