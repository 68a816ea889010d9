"""jsontext against the json package it replaces: the same text out of dumps, the same values
and the same failures out of loads and raw_decode (hypothesis), the fallback for
interpreters without _json, and what a fresh `python3 -S` imports for it."""

from __future__ import annotations

import collections
import enum
import fractions
import importlib
import json
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobsub_compat import jsontext

SRC = Path(__file__).resolve().parents[1] / "src"


def json_dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True, default=str)


def outcome(func: Callable[..., object], *args: object) -> tuple[str, ...]:
    """("ok", repr of the result) or ("ValueError",). repr compares NaN (and -0.0, int
    against float, key order) where == would not; any other exception fails the test."""
    try:
        return ("ok", repr(func(*args)))
    except ValueError:
        return ("ValueError",)


TEXT = st.text(alphabet=st.characters(exclude_categories=()))  # lone surrogates too
INTS = st.integers() | st.integers(min_value=-(10**400), max_value=10**400) | st.sampled_from(
    [2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**4299, -(10**4299)])  # 4300 digits: int's limit
FLOATS = st.floats() | st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 5e-324,
                                        1e16, 1.7976931348623157e308])
SCALARS = st.none() | st.booleans() | INTS | FLOATS | TEXT
KEYS = TEXT | st.none() | st.booleans() | INTS | FLOATS
OTHERS = (st.binary(max_size=5) | st.decimals() | st.fractions() | st.complex_numbers()
          | st.frozensets(st.integers(), max_size=3) | st.just(object))  # written via str()


def nested(leaves: st.SearchStrategy[object], keys: st.SearchStrategy[object]
           ) -> st.SearchStrategy[object]:
    return st.recursive(leaves, lambda kids: st.lists(kids, max_size=5)
                        | st.lists(kids, max_size=5).map(tuple)
                        | st.dictionaries(keys, kids, max_size=5), max_leaves=25)


VALUES = nested(SCALARS | OTHERS, KEYS)
JSON_VALUES = nested(SCALARS, KEYS)
SPACE = st.text(alphabet=" \t\n\r", max_size=3)
JSONISH = st.text(alphabet=' \t\n\r\f\v\x00\x1f\x85\xa0\u2028\ufeff"\\/[]{}:,.+-eE0123456789'
                  "truefalsnNIiy\u00e9\ud800", max_size=20)


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    """Valid JSON as json writes it in any of its styles, with JSON whitespace around it."""
    text = json.dumps(draw(JSON_VALUES), ensure_ascii=draw(st.booleans()), default=str,
                      indent=draw(st.sampled_from([None, 0, 2, "\t"])),
                      separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])))
    return draw(SPACE) + text + draw(SPACE)


@st.composite
def mutants(draw: st.DrawFn) -> str:
    """Valid JSON with a few characters inserted, deleted or replaced: mostly just invalid."""
    text = draw(json_texts())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        char = draw(st.sampled_from(' \t\n\f"\\[]{}:,.-e0x\x00\ufeffnN'))
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        if edit == "insert":
            text = text[:at] + char + text[at:]
        else:
            text = text[:at] + (char if edit == "replace" else "") + text[at + 1:]
    return text


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_dumps_writes_what_json_writes(value: object) -> None:
    assert jsontext.dumps(value) == json_dumps(value)


class Colour(enum.IntEnum):
    RED = 1


class Celsius(float):
    def __repr__(self) -> str:
        return "Celsius!"


Point = collections.namedtuple("Point", "x y")


class Name(str):
    def __str__(self) -> str:
        return "not used"


@pytest.mark.parametrize("value", [
    "", "\x00\x1f\"\\/\u2028\ud800\U0001f600", Name("n"), Colour.RED, Celsius(2.5),
    True, False, None, 0, -0.0, 1e100, 10**4299, float("nan"), [], (), {}, [[]], {"": {}},
    collections.OrderedDict([("b", 1), ("a", 2)]), Point(1, 2),
    {2: "int", 2.5: "float", True: "bool", False: "false", None: "none"}, {Colour.RED: "enum"},
    {float("nan"): 1, float("inf"): 2, float("-inf"): 3, -0.0: 4, 10**30: 5},
    {"set": {1}, "bytes": b"\xff", "dec": Decimal("NaN"), "frac": fractions.Fraction(1, 3),
     "complex": 1j, "type": int, "func": len},
], ids=repr)
def test_dumps_examples(value: object) -> None:
    assert jsontext.dumps(value) == json_dumps(value)


@pytest.mark.parametrize("value", [{(1, 2): 0}, {b"k": 0}, [{"a": {frozenset(): 0}}]])
def test_dumps_rejects_keys_json_rejects(value: object) -> None:
    with pytest.raises(TypeError) as theirs:
        json_dumps(value)
    with pytest.raises(TypeError) as ours:
        jsontext.dumps(value)
    assert str(ours.value) == str(theirs.value)


def test_dumps_fails_like_json_past_int_digit_limit() -> None:
    with pytest.raises(ValueError):
        json_dumps([10**4300])
    with pytest.raises(ValueError):
        jsontext.dumps([10**4300])


def test_dumps_circular_reference_ends_in_recursion_error() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(RecursionError):
        jsontext.dumps({"a": loop})


@settings(max_examples=500, deadline=None)
@given(json_texts())
def test_loads_reads_what_json_reads(text: str) -> None:
    assert repr(jsontext.loads(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", ["NaN", "[NaN, Infinity, -Infinity]", '{"x": NaN}',
                                  " \t\n\r1\r\n\t ", '"\\ud800"', "-0", "1E400", "-1e-400"])
def test_loads_examples(text: str) -> None:
    assert repr(jsontext.loads(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", ["", " ", "\ufeff1", "1 2", "[1] x", "[1,]", "nan", "\f1",
                                  "1\v", '"\x01"', "1" * 4301, "[", '{"a" 1}', "'a'", "01"])
def test_loads_rejects_what_json_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        jsontext.loads(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=20) | TEXT | JSONISH | mutants())
def test_loads_fails_exactly_when_json_fails(text: str) -> None:
    assert outcome(jsontext.loads, text) == outcome(json.loads, text)


@settings(max_examples=500, deadline=None)
@given(st.data(), JSONISH | st.just(""), json_texts() | JSONISH | mutants(), JSONISH)
def test_raw_decode_matches_json_at_any_position(data: st.DataObject, before: str, middle: str,
                                                  after: str) -> None:
    text = before + middle + after
    pos = data.draw(st.integers(-2, len(text) + 2) | st.just(len(before)))
    assert (outcome(jsontext.raw_decode, text, pos)
            == outcome(json.JSONDecoder().raw_decode, text, pos))


def test_raw_decode_reads_documents_back_to_back() -> None:
    text, pos, found = '[1,2]["a"] [{"b":null}]', 0, []
    while pos < len(text):
        value, pos = jsontext.raw_decode(text, pos)
        found.append(value)
        while text[pos:pos + 1].isspace():
            pos += 1
    assert found == [[1, 2], ["a"], [{"b": None}]]
    with pytest.raises(ValueError):
        jsontext.raw_decode(text, 5 + 5)  # the space between two documents


def test_fallback_without_the_c_accelerator(monkeypatch: pytest.MonkeyPatch) -> None:
    """A non-CPython interpreter: no _json, so json's pure-Python code, imported late."""
    try:
        with monkeypatch.context() as patch:
            patch.setitem(sys.modules, "_json", None)  # import _json now fails
            for name in [name for name in sys.modules if name.split(".")[0] == "json"]:
                patch.delitem(sys.modules, name)  # so json re-imports without _json too
            importlib.reload(jsontext)
            assert "json" not in sys.modules
            value = {"a": [1, 2.5, None, float("inf"), "\u00e9\ud800"], "b": {1: True}}
            assert jsontext.dumps(value) == json_dumps(value)
            text = ' [1, {"x": NaN}, -0.0, "\\ud800"]\n'
            assert repr(jsontext.loads(text)) == repr(json.loads(text))
            assert jsontext.raw_decode('[1]["a"]', 3) == (["a"], 8)
            for bad in ["", "[1] x", '"abc', "[1 2]"]:
                with pytest.raises(ValueError):
                    jsontext.loads(bad)
            assert sys.modules["json.scanner"].c_make_scanner is None  # really pure Python
    finally:
        importlib.reload(jsontext)
    assert type(jsontext._scan).__module__ == "_json"


def run_fresh(code: str) -> str:
    """Run code in a new `python -S` (as the bin/ launchers do), src first on its path."""
    prelude = f"import sys; sys.path.insert(0, {str(SRC)!r}); "
    proc = subprocess.run([sys.executable, "-S", "-c", prelude + code], capture_output=True,
                          text=True, check=True)
    return proc.stdout.strip()


def test_fresh_interpreter_imports_nothing_heavy() -> None:
    out = run_fresh("import jobsub_compat.jsontext as j; j.loads(j.dumps({'a': [1, 2.5, None]}));"
                    " print(sorted(m for m in ('re','json','enum','typing') if m in sys.modules))")
    assert out == "[]"


def test_fresh_interpreter_malformed_json_is_value_error() -> None:
    """Python 3.10/3.11's scanner raises SystemError for malformed JSON unless json.decoder
    was imported first, which in the tests' own process it always is."""
    out = run_fresh("import jobsub_compat.jsontext as j\n"
                    "for bad in ['\"abc', '[1 2]', '{1:2}', '\"\\\\x\"', '[1,', '', '[1] x']:\n"
                    "    try: j.loads(bad)\n"
                    "    except ValueError: print('ValueError')\n")
    assert out.split() == ["ValueError"] * 7
