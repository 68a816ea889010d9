"""jobsub_compat.legacy: the legacy server's re-split and the legacy option grammar."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jobsub_compat import options
from jobsub_compat.legacy import Grammar, find_executable, parse, resplit
from jobsub_compat.warnings import UsageError

QUOTEY = st.text(alphabet="'\"\\ \n\tab=", max_size=10)
WORDS = st.lists(st.one_of(st.text(max_size=10), QUOTEY), max_size=8)
# Words that re-split to themselves on their own: no whitespace, quotes or backslashes.
PLAIN = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters="'\"\\ \t\n\r\x0b\x0c"),
                min_size=1, max_size=8)


def legacy_split(raw: list[str]) -> list[str] | None:
    try:
        return shlex.split(" ".join(raw))
    except ValueError:
        return None


# --- resplit -------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(WORDS)
@example(["--append_condor_requirements='(TARGET.Arch", "==", "\"X86_64\")'"])
@example(["a", "", "b"])
@example(["'a", "", "b'"])
@example(["a\\", "b"])
def test_resplit_is_the_legacy_servers_split(raw: list[str]) -> None:
    words, origin = resplit(raw)
    expected = legacy_split(raw)
    if expected is None:  # unbalanced quotes: the words as given, empty ones dropped
        assert words == [w for w in raw if w != ""]
        assert origin == [(i,) for i, w in enumerate(raw) if w != ""]
    else:
        assert words == expected
    assert len(origin) == len(words)


@settings(max_examples=300, deadline=None)
@given(WORDS)
def test_resplit_origin_is_ordered_and_covers_every_word(raw: list[str]) -> None:
    words, origin = resplit(raw)
    for indexes in origin:
        assert indexes, "every word comes from some raw word"
        assert list(indexes) == sorted(set(indexes))
        assert all(raw[i] != "" for i in indexes)
        assert list(indexes) == [i for i in range(indexes[0], indexes[-1] + 1) if raw[i]]
    for before, after in zip(origin, origin[1:]):
        assert before[-1] <= after[0]
    used = {i for indexes in origin for i in indexes}
    assert {i for i, w in enumerate(raw) if w.strip()} <= used


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(PLAIN, st.just("")), max_size=8))
def test_resplit_of_plain_words_is_the_identity(raw: list[str]) -> None:
    words, origin = resplit(raw)
    assert words == [w for w in raw if w]
    assert origin == [(i,) for i, w in enumerate(raw) if w]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", " ", "  ", "\t"]), st.one_of(PLAIN, st.just("")),
                          st.sampled_from(["", " ", "  ", "\t"])), max_size=6))
@example([("", "a", "  "), ("", "b", "")])
def test_resplit_origin_ignores_padding(padded: list[tuple[str, str, str]]) -> None:
    """Whitespace around a word separates words; it is not where a word came from."""
    raw = ["".join(parts) for parts in padded]
    words, origin = resplit(raw)
    assert words == [core for _, core, _ in padded if core]
    assert origin == [(i,) for i, (_, core, _) in enumerate(padded) if core]


@pytest.mark.parametrize(("raw", "words", "origin"), [
    pytest.param(["--append_condor_requirements='(TARGET.Arch", "==", "\"X86_64\")'"],
                 ["--append_condor_requirements=(TARGET.Arch == \"X86_64\")"], [(0, 1, 2)],
                 id="requirement-split-over-three-words"),
    pytest.param(["-G", "gm2", "--lines='+A=\"x", "y\"'", "file:///x.sh"],
                 ["-G", "gm2", "--lines=+A=\"x y\"", "file:///x.sh"],
                 [(0,), (1,), (2, 3), (4,)], id="lines-split-over-two-words"),
    pytest.param(["a b", "c"], ["a", "b", "c"], [(0,), (0,), (1,)], id="word-with-space"),
    pytest.param(["", "a", ""], ["a"], [(1,)], id="empty-words"),
    pytest.param(["'a", "", "b'"], ["a  b"], [(0, 2)], id="empty-word-inside-quotes"),
    pytest.param(["a\\", "b"], ["a b"], [(0, 1)], id="trailing-backslash-escapes-space"),
    pytest.param(["a", " b"], ["a", "b"], [(0,), (1,)], id="leading-space"),
    pytest.param(["a  ", "b"], ["a", "b"], [(0,), (1,)], id="trailing-spaces"),
    pytest.param(["'a", "b"], ["'a", "b"], [(0,), (1,)], id="unbalanced-kept-as-given"),
    pytest.param(["#x", "y"], ["#x", "y"], [(0,), (1,)], id="hash-is-not-a-comment"),
])
def test_resplit_table(raw: list[str], words: list[str], origin: list[tuple[int, ...]]) -> None:
    assert resplit(raw) == (words, origin)


# --- find_executable -------------------------------------------------------------------

@pytest.mark.parametrize(("words", "index"), [
    pytest.param(["-G", "gm2", "file:///x.sh", "a"], 2, id="first-file-url"),
    pytest.param(["-f", "file:///in", "file:///x.sh"], 2, id="skips-value-of-f"),
    pytest.param(["-f", "file:///in"], None, id="only-an-input-file"),
    pytest.param(["file:///x.sh", "-f", "file:///y"], 0, id="first-wins"),
    pytest.param(["--f", "file:///in"], 1, id="only-exact-f-is-skipped"),
    pytest.param(["-G", "gm2"], None, id="none"),
    pytest.param([], None, id="empty"),
])
def test_find_executable(words: list[str], index: int | None) -> None:
    assert find_executable(words) == index


# --- Grammar and parse -----------------------------------------------------------------

def grammar(group: str | None = "gm2") -> Grammar:
    return Grammar(options.rows_for("jobsub_submit", group))


def items(words: list[str], group: str | None = "gm2") -> list[tuple[object, ...]]:
    """(key, seen, values, form, notes) of each option occurrence."""
    return [(i.row.key, i.seen, i.values, i.form, i.notes)
            for i in parse(words, grammar(group)).items]


@pytest.mark.parametrize(("words", "expected"), [
    pytest.param(["--expected", "3h"],
                 [("expected_lifetime", "--expected", ["3h"], "sep", ("abbrev",))],
                 id="unique-prefix"),
    pytest.param(["--expected=3h"],
                 [("expected_lifetime", "--expected", ["3h"], "eq", ("abbrev",))],
                 id="unique-prefix-eq"),
    pytest.param(["--memory=2000MB"], [("memory", "--memory", ["2000MB"], "eq", ())],
                 id="opt-eq-value"),
    pytest.param(["--memory", "2000MB"], [("memory", "--memory", ["2000MB"], "sep", ())],
                 id="opt-sep-value"),
    pytest.param(["--lines=a=b"], [("lines", "--lines", ["a=b"], "eq", ())],
                 id="eq-splits-at-first-equals"),
    pytest.param(["-N10"], [("N", "-N", ["10"], "glued", ("glued",))], id="glued-N"),
    pytest.param(["-N", "10"], [("N", "-N", ["10"], "sep", ())], id="short-sep"),
    pytest.param(["-dOUT", "DIR"], [("d", "-d", ["OUT", "DIR"], "glued", ("glued",))],
                 id="glued-d"),
    pytest.param(["-d", "OUT", "DIR"], [("d", "-d", ["OUT", "DIR"], "sep", ())],
                 id="d-two-values"),
    pytest.param(["-append_condor_requirements=X"],
                 [("append_condor_requirements", "-append_condor_requirements", ["X"], "eq",
                   ("one-dash",))], id="one-dash-long"),
    pytest.param(["--N", "10"], [("N", "--N", ["10"], "sep", ("two-dash",))],
                 id="two-dash-short"),
    pytest.param(["", "-N", "1", ""], [("N", "-N", ["1"], "sep", ())], id="empty-words-ignored"),
    pytest.param(["--verbose"], [("verbose", "--verbose", [], "flag", ())], id="bare-verbose"),
    pytest.param(["-v"], [("verbose", "-v", [], "flag", ())], id="bare-v"),
    pytest.param(["--verbose", "2"], [("verbose", "--verbose", ["2"], "sep", ())],
                 id="verbose-level"),
    pytest.param(["--verbose=3"], [("verbose", "--verbose", ["3"], "eq", ())],
                 id="verbose-eq"),
    pytest.param(["--verbose", "-N", "2"],
                 [("verbose", "--verbose", [], "flag", ()), ("N", "-N", ["2"], "sep", ())],
                 id="verbose-before-option"),
    pytest.param(["-M"], [("mail_always", "-M", [], "flag", ())], id="legacy-flag"),
    pytest.param(["--mail_al"], [("mail_always", "--mail_al", [], "flag", ("abbrev",))],
                 id="abbreviated-flag"),
    pytest.param(["-c", "-1"], [("append_condor_requirements", "-c", ["-1"], "sep", ())],
                 id="value-that-looks-like-a-number"),
    pytest.param(["-e", "A", "-e", "B=1"],
                 [("environment", "-e", ["A"], "sep", ()),
                  ("environment", "-e", ["B=1"], "sep", ())], id="repeated"),
])
def test_parse_options(words: list[str], expected: list[tuple[object, ...]]) -> None:
    assert items(words) == expected


@pytest.mark.parametrize("words", [
    pytest.param(["--mail"], id="ambiguous-prefix"),
    pytest.param(["-cpu=2"], id="ambiguous-one-dash-or-glued"),
    pytest.param(["--nosuch"], id="unknown-long"),
    pytest.param(["-Z"], id="unknown-short"),
    pytest.param(["stray", "file:///x.sh"], id="stray-word"),
    pytest.param(["-"], id="lone-dash"),
    pytest.param(["-N"], id="missing-value"),
    pytest.param(["-N", "-M"], id="option-is-not-a-value"),
    pytest.param(["-d", "OUT"], id="d-needs-two-values"),
    pytest.param(["-M=1"], id="flag-with-value"),
])
def test_parse_refuses(words: list[str]) -> None:
    with pytest.raises(UsageError) as exc:
        parse(words, grammar())
    assert "\n" not in str(exc.value)


def test_ambiguous_one_dash_names_both_readings() -> None:
    with pytest.raises(UsageError, match="--cpu=2") as exc:
        parse(["-cpu=2"], grammar())
    assert "-c" in str(exc.value)


def test_everything_after_the_executable_is_arguments() -> None:
    got = parse(["-G", "gm2", "file:///x.sh", "-N", "--nosuch", "stray", "", "-f"],
                grammar())
    assert got.executable == "file:///x.sh"
    assert got.arguments == ["-N", "--nosuch", "stray", "", "-f"]
    assert [i.row.key for i in got.items] == ["group"]


def test_value_of_f_is_not_the_executable() -> None:
    got = parse(["-f", "file:///in", "file:///x.sh", "a"], grammar())
    assert got.executable == "file:///x.sh"
    assert got.arguments == ["a"]
    assert [(i.row.key, i.values) for i in got.items] == [("f", ["file:///in"])]


def test_no_executable() -> None:
    got = parse(["-G", "gm2"], grammar())
    assert (got.executable, got.arguments) == (None, [])
    assert [i.row.key for i in got.items] == ["group"]


def test_item_words_are_the_legacy_word_indexes() -> None:
    got = parse(["", "-N", "1", "-dOUT", "/x", "--memory=1GB"], grammar())
    assert [i.words for i in got.items] == [(1, 2), (3, 4), (5,)]


# Group-specific rows: minerva's -O is a flag, minos's takes a value, other groups
# have no -O at all.
@pytest.mark.parametrize(("group", "words", "expected"), [
    pytest.param("minerva", ["-O", "file:///x.sh"], [("minerva_O", "-O", [], "flag", ())],
                 id="minerva-O-flag"),
    pytest.param("minos", ["-O", "v1"], [("minos_O", "-O", ["v1"], "sep", ())],
                 id="minos-O-value"),
    pytest.param("minerva", ["-y", "f"], [("minerva_y", "-y", ["f"], "sep", ())],
                 id="minerva-y"),
    pytest.param("cdf", ["--dataset", "d"], [("cdf_dataset", "--dataset", ["d"], "sep", ())],
                 id="cdf-takes-over-dataset"),
    pytest.param("gm2", ["--dataset", "d"],
                 [("dataset_definition", "--dataset", ["d"], "sep", ())],
                 id="lite-dataset-for-others"),
])
def test_group_specific_rows(group: str, words: list[str],
                             expected: list[tuple[object, ...]]) -> None:
    assert items(words, group) == expected


@pytest.mark.parametrize(("group", "words"), [
    pytest.param("gm2", ["-O"], id="gm2-O"),
    pytest.param("gm2", ["-O", "v1"], id="gm2-O-value"),
    pytest.param("nova", ["-O", "file:///x.sh"], id="nova-O"),
    pytest.param(None, ["-O", "v1"], id="no-group-O"),
    pytest.param("gm2", ["-y", "f"], id="gm2-y"),
    pytest.param("nova", ["--prefix", "p"], id="nova-prefix"),
    pytest.param("gm2", ["--sendtkt"], id="gm2-cdf-option"),
])
def test_group_rows_unknown_to_other_groups(group: str | None, words: list[str]) -> None:
    with pytest.raises(UsageError):
        parse(words, grammar(group))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["-N", "10", "-M", "--mail", "-dOUT", "DIR", "-cpu=2",
                                 "--expected", "", "x", "-", "--", "-O", "-G", "gm2"]),
                max_size=6),
       st.lists(st.text(max_size=6), max_size=4))
def test_parse_arguments_are_untouched(words: list[str], args: list[str]) -> None:
    """Whatever the options are, parse either refuses them with a UsageError or gives
    the words after file:// unchanged."""
    try:
        got = parse([*words, "file:///x.sh", *args], grammar())
    except UsageError:
        return
    assert got.executable == "file:///x.sh"
    assert got.arguments == args
