"""jobsub_compat.lite: the model of jobsub_lite 1.12's quote layer and of its parser."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jobsub_compat import lite

# Words heavy in what the quote layer touches: quotes, backslashes, newlines, spaces.
QUOTEY = st.text(alphabet="'\"\\ \n\tab=+-()", max_size=20)
ANY_WORD = st.one_of(st.text(), QUOTEY)


# --- escape_layer ----------------------------------------------------------------------

@pytest.mark.parametrize(("word", "expected"), [
    # The documented jobsub_lite 1.12 examples (reference/jobsub-lite.md, quoting layer).
    pytest.param("--lines='+A=\\\"v\\\"'", '--lines=+A="v"', id="lines-single-quoted-escaped"),
    pytest.param('--lines=+A=\\"v\\"', '--lines=+A="v"', id="lines-escaped-double-quotes"),
    pytest.param("+CAT='\"a,b\"'", '+CAT="a,b"', id="single-quotes-around-double"),
    pytest.param('(TARGET.Site\\ isnt\\ \\"X\\")', '(TARGET.Site isnt "X")',
                 id="escaped-spaces-and-quotes"),
    pytest.param("--lines=''", "--lines=''", id="empty-single-quotes-stay"),
    # One layer only: each step is applied once.
    pytest.param("'a'", "a", id="quote-pair-removed"),
    pytest.param("''a''", "'a'", id="greedy-outer-pair-only"),
    pytest.param("\\\\", "\\", id="escaped-backslash"),
    pytest.param("\\\\\\\\", "\\\\", id="two-escaped-backslashes"),
    pytest.param("a\\ b", "a b", id="escaped-space"),
    pytest.param("\\'", "'", id="escaped-single-quote"),
    pytest.param("'a\\'", "'a'", id="closing-quote-after-backslash-not-a-pair"),
    # The (?!\\) lookahead of jobsub_lite's regex looks at the quote itself, so a
    # backslash before the opening quote does not protect the pair.
    pytest.param("\\'x'", "x", id="backslash-before-opening-quote-no-protection"),
])
def test_escape_layer_fixes(word: str, expected: str) -> None:
    assert lite.escape_layer(word) == expected


@pytest.mark.parametrize("word", [
    pytest.param("file:///x.sh", id="url"),
    pytest.param("-G", id="short-option"),
    pytest.param("--memory=2000MB", id="long-option-eq"),
    pytest.param('+A="v"', id="double-quotes"),
    pytest.param("''", id="empty-single-quotes"),
    pytest.param("'", id="lone-single-quote"),
    pytest.param("a'b", id="inner-single-quote"),
    pytest.param("(TARGET.Arch == \"X86_64\")", id="classad-expression"),
    pytest.param("", id="empty"),
    pytest.param("a\\", id="trailing-backslash"),
    pytest.param("\\\n", id="backslash-newline"),
    pytest.param("dé ☃", id="unicode"),
])
def test_escape_layer_noop(word: str) -> None:
    assert lite.escape_layer(word) == word


@pytest.mark.parametrize(("word", "expected"), [
    pytest.param("'a'", "\\'a\\'", id="quote-pair"),
    pytest.param("a\\ b", "a\\\\ b", id="backslash"),
    pytest.param("--lines='+A=\\\"v\\\"'", "--lines=\\'+A=\\\\\"v\\\\\"\\'", id="lines"),
    pytest.param("+A=1", "+A=1", id="unchanged-when-possible"),
    pytest.param("a'b", "a'b", id="lone-quote-unchanged"),
])
def test_quote_for_lite_table(word: str, expected: str) -> None:
    assert lite.quote_for_lite(word) == expected
    assert lite.escape_layer(expected) == word


@settings(max_examples=300, deadline=None)
@given(ANY_WORD)
@example("'\n'")
@example("\\\n")
@example("'\\'")
@example("\\'x'")
@example("''''")
def test_quote_for_lite_round_trips(word: str) -> None:
    assert lite.escape_layer(lite.quote_for_lite(word)) == word


@settings(max_examples=300, deadline=None)
@given(ANY_WORD)
def test_quote_for_lite_leaves_fixed_points_alone(word: str) -> None:
    if lite.escape_layer(word) == word:
        assert lite.quote_for_lite(word) == word
    else:
        assert lite.quote_for_lite(word) != word


# --- submit_parser -------------------------------------------------------------------

def parse(words: list[str]) -> argparse.Namespace:
    return lite.submit_parser().parse_args(words)


def test_parser_accepts_a_lite_line() -> None:
    args = parse(["-G", "gm2", "--mail_always", "file:///x", "a", "-1"])
    assert args.group == "gm2"
    assert args.mail == "always"
    assert args.executable == "file:///x"
    assert args.exe_arguments == ["a", "-1"]


@pytest.mark.parametrize(("words", "attr", "expected"), [
    pytest.param(["-Q", "file:///x"], "mail", "never", id="mail-never-short"),
    pytest.param(["--mail_on_error", "file:///x"], "mail", "error", id="mail-on-error"),
    pytest.param(["--debug", "file:///x"], "verbose", 1, id="debug-is-verbose-1"),
    pytest.param(["--verbose", "2", "file:///x"], "verbose", 2, id="verbose-level"),
    pytest.param(["-N", "10", "file:///x"], "N", 10, id="N-int"),
    pytest.param(["-d", "OUT", "/x", "-d", "LOG", "/y", "file:///x"], "d",
                 [["OUT", "/x"], ["LOG", "/y"]], id="d-two-values-append"),
    pytest.param(["-c", "a", "--append-condor-requirements=b", "file:///x"],
                 "append_condor_requirements", ["a", "b"], id="c-append-both-spellings"),
    pytest.param(["--lines=", "file:///x"], "lines", [""], id="empty-line"),
    pytest.param(["--blacklist", "S", "file:///x"], "blacklist", "S", id="blacklist-alias"),
    pytest.param(["--schedd-for-testing", "s", "file:///x"], "schedd", "s",
                 id="schedd-for-testing"),
    pytest.param(["file:///x", "--memory", "3GB"], "exe_arguments", ["--memory", "3GB"],
                 id="options-after-executable-are-arguments"),
    pytest.param(["file:///x", " lead"], "exe_arguments", [" lead"], id="leading-space-arg"),
])
def test_parser_reads(words: list[str], attr: str, expected: object) -> None:
    assert getattr(parse(words), attr) == expected


@pytest.mark.parametrize("words", [
    pytest.param(["-M", "file:///x"], id="legacy-M"),
    pytest.param(["--jobsub-server", "x", "file:///x"], id="jobsub-server"),
    pytest.param(["--verbose", "file:///x"], id="bare-verbose"),
    pytest.param(["-G", "gm2", "stray", "file:///x"], id="stray-word"),
    pytest.param(["-dOUT", "/x", "file:///x"], id="glued-d"),
    pytest.param(["-q", "file:///x"], id="legacy-q"),
    pytest.param(["--mail", "file:///x"], id="ambiguous-prefix"),
    pytest.param(["x.sh"], id="executable-without-file-url"),
    pytest.param(["-N", "ten", "file:///x"], id="N-not-int"),
])
def test_parser_rejects(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse(words)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_parser_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"jobsub_lite version {lite.LITE_VERSION}"


@settings(max_examples=200, deadline=None)
@given(st.lists(ANY_WORD, max_size=5))
def test_quoted_arguments_reach_the_script(words: list[str]) -> None:
    """Words written with quote_for_lite come out of the layer and the parser unchanged
    (first word kept away from '--', which argparse reads before REMAINDER)."""
    if words and words[0] == "--":
        words = ["a", *words]
    argv = ["-G", "gm2", "file:///x", *words]
    layered = [lite.escape_layer(lite.quote_for_lite(w)) for w in argv]
    try:
        args = parse(layered)
    except SystemExit:
        # argparse scans every word for options: an ambiguous `--prefix` after the
        # executable is still an error. Only such words may make it fail.
        assert any(w.startswith("--") for w in words)
        return
    assert args.exe_arguments == words
