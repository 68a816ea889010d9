"""classads: the plain-subset recognizer never vouches for text the bindings reject."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobsub_compat import classads

classad2 = pytest.importorskip("classad2")

PIECES = st.sampled_from(["TARGET", ".", "Arch", "My", "a", "b", "is", "isnt", "true",
                          "undefined", "==", "!=", "=?=", "=!=", "&&", "||", "<", ">=", "+",
                          "-", "*", "/", "%", "!", "(", ")", ",", '"x"', '"a\\"b"', "1",
                          "2.5", "1e5", " ", "f", "regexp", "'", "[", "]", "{", "}", "?",
                          ":", "=", ";", "\\", "$"])


def bindings_accept(text: str) -> bool:
    try:
        classad2.ExprTree(text)
    except Exception:
        return False
    return True


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_surely_valid_implies_valid(text: str) -> None:
    if classads.surely_valid(text):
        assert bindings_accept(text), text


@pytest.mark.parametrize("text", [
    pytest.param('(TARGET.Arch == "X86_64")', id="g2-requirement"),
    pytest.param("TARGET.HAS_Singularity==true", id="boolean"),
    pytest.param('regexp("x", Name) && a isnt undefined', id="call-and-is"),
])
def test_common_requirements_need_no_bindings(text: str) -> None:
    assert classads.surely_valid(text)


@pytest.mark.parametrize("text", ["/cvmfs/x", "a b", "(a", "a ==", "", "MyFlag==True x"])
def test_the_rest_goes_to_the_bindings(text: str) -> None:
    assert not classads.surely_valid(text)
    assert classads.valid_expression(text) == bindings_accept(text)


def test_lines() -> None:
    assert classads.valid_line('+SingularityImage="/cvmfs/x:latest"')
    assert classads.valid_line("''") and classads.valid_line("")
    assert not classads.valid_line("MyFlag==True")
