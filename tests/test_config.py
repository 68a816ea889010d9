"""config.py: the drop-ins' reader of the config files gives exactly what ConfigArgParse's
own parser gives (it defines the format), and the settings built on it follow
ConfigArgParse's precedence."""

from __future__ import annotations

import io
from importlib.metadata import version
from pathlib import Path

import configargparse
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jobsub_compat import config
from jobsub_compat.warnings import RuntimeFailure


def reference(text: str) -> list[tuple[str, object]] | None:
    """ConfigArgParse's parse of the text as it reads a file (text mode), or None where it
    refuses the file."""
    try:
        parsed = configargparse.DefaultConfigFileParser().parse(io.StringIO(text, newline=None))
    except configargparse.ConfigFileParserException:
        return None
    return list(parsed.items())


def ours(text: str) -> list[tuple[str, object]] | None:
    try:
        return list(config.parse(text).items())
    except config.ConfigError:
        return None


def test_configargparse_is_the_version_the_format_was_checked_against() -> None:
    assert version("ConfigArgParse") == "1.9.0"


KEYS = st.sampled_from(["backend", "log", "log_dir", "log-dir", "--silence", "-x", "---x",
                        "strict", "a'b", 'k"', "[x]", "x]", "é", "k\\", "--", "a,b"])
SEPARATORS = st.sampled_from(["=", ":", " ", "\t", " = ", " : ", "  ", "=:", ":=", "==",
                              " \t= ", "\u00a0", "\x0c", ""])
PIECES = st.sampled_from([" ", "  ", "\t", "#", ";", " #", " ;", "# c", " ; c", "'", '"',
                          "''", '""', "[", "]", ",", ", ", "[a, b]", '["a", 1]', "[1,",
                          "[]", "[ ]", "[[1]]", "[NaN]", "=", ":", "\\", "a", "b c", "x=y",
                          "/opt/x", "~/my log", "JC101,JC104", "-a host", "on", "1", "é",
                          "\u00a0", "\x85", "\u2028", "\x0b", "\x1c", "\x00", "---", "true"])
VALUES = st.lists(PIECES, max_size=7).map("".join)
LINE = st.one_of(
    st.tuples(st.sampled_from(["", " ", "\t"]), KEYS, SEPARATORS, VALUES).map("".join),
    st.tuples(st.sampled_from(["#", ";", "[", "---", " [", "=", ":", "  "]), VALUES
              ).map("".join),  # comments, sections, lines that are no setting, indented
    st.tuples(KEYS, SEPARATORS, VALUES, st.just("\\")).map("".join),  # continued?
    st.just(""),
    st.text(max_size=20),
)
ENDS = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\n  \n"])
TEXT = st.lists(st.tuples(LINE, ENDS).map("".join), max_size=6).map("".join)


@settings(max_examples=2000, deadline=None)
@given(TEXT)
@example("backend = /opt/jobsub_lite/bin\nlog = off\n")
@example('log = "~/my log"\nsilence = JC101  # noisy\nbackend /opt/x\n')
@example("htgettoken_opts: -a host --x=y\nstrict\nlog_dir =\n")
@example('a ""\na\t""\na=""\na="" # c\na "x" y"\na = # c\na=b#c\n')
@example("a#b\n")
@example("=x\n")
@example("a = [1, 2]\nb = [x, y]\nc = [[1]\n")
def test_the_reader_is_configargparse_s_parser(text: str) -> None:
    assert repr(ours(text)) == repr(reference(text))  # repr: a NaN in a list is equal too


@pytest.mark.parametrize(("line", "value"), [
    pytest.param("silence = JC101  # too noisy", "JC101", id="comment"),
    pytest.param("silence = JC101#JC104", "JC101#JC104", id="hash-inside"),
    pytest.param('log = "~/my log"', "~/my log", id="quotes"),
    pytest.param("log = '~/x' ; old", "~/x", id="quotes-comment"),
    pytest.param("log ~/x", "~/x", id="space"),
    pytest.param("log: ~/x", "~/x", id="colon"),
    pytest.param("log = a=b:c", "a=b:c", id="equals-inside"),
    pytest.param("log =", "", id="empty"),
    pytest.param('log = ""', "", id="empty-quotes"),
    pytest.param("log", "true", id="bare"),
    pytest.param('log ""', "true", id="bare-quotes"),
    pytest.param("log = [a, b]", ["a", "b"], id="list"),
    pytest.param("log = [1, 2]", [1, 2], id="json-list"),
])
def test_values(line: str, value: object) -> None:
    assert config.parse(f"[site]\n# c\n; c\n---\n{line}\n") == {"log" if "log" in line
                                                                   else "silence": value}


@pytest.mark.parametrize("line", ["= x", ": x", "log#x", "log;", "strict# on"])
def test_lines_configargparse_refuses(line: str) -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(f"log = a\n\n{line}\n")
    assert caught.value.number == 3


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_a_refused_line_stops_the_call_naming_file_and_line(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "JOBSUB_COMPAT_SITE_CONFIG":
           write(tmp_path / "site.conf", "backend = /x\n= oops\n")}
    with pytest.raises(RuntimeFailure) as caught:
        config.settings(env)
    assert "site config" in str(caught.value) and "site.conf: line 2 is no setting" in \
        str(caught.value) and "name = value" in str(caught.value)


def test_a_setting_given_a_list_is_refused(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    write(tmp_path / ".config" / "jobsub_compat.conf", "other = [1, 2]\nsilence = [a, b]\n")
    with pytest.raises(RuntimeFailure, match=r"gives silence a list .*silence = a,b"):
        config.settings(env)


def test_keys_are_setting_names_with_either_dash_and_optional_prefix(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "JOBSUB_COMPAT_SITE_CONFIG": str(tmp_path / "none")}
    write(tmp_path / ".config" / "jobsub_compat.conf",
          "log-dir = /a\n--syslog on\n--htgettoken-opts = -a h\nLOG = x\n-strict = 1\n")
    found = {n: s.value for n, s in config.settings(env).items() if s.value}
    assert found == {"log_dir": "/a", "syslog": "on", "htgettoken_opts": "-a h"}
