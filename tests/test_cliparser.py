"""cliparser.py: ConfigArgParse gives the subcommands the settings the drop-ins' own reader
(config.settings) gives, value and source, for any config files and environment; the
command line comes first."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsub_compat import config
from jobsub_compat.cliparser import Parser
from jobsub_compat.warnings import RuntimeFailure


def every_setting() -> Parser:
    parser = Parser(prog="test")
    for name in config.DEFAULTS:
        parser.setting(name, "X", "a setting")
    return parser


KEY = st.sampled_from(sorted(config.KEYS) + ["other", "--other", "LOG"])
VALUE = st.sampled_from(["/a", "off", "on", "'q x'", '"y"', "1 # c", "", "a=b", "[1, 2]",
                         "-a h", "~/l"])
LINE = st.one_of(st.tuples(KEY, st.sampled_from([" = ", ":", " ", "="]), VALUE).map("".join),
                 st.sampled_from(["# c", "[s]", "", "strict", "= bad"]))
FILE = st.one_of(st.none(), st.lists(LINE, max_size=5).map("\n".join))
ENV = st.dictionaries(st.sampled_from([config.variable(n) for n in config.DEFAULTS]),
                      st.sampled_from(["", "/e", "-a e"]), max_size=3)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user=FILE, site=FILE, env=ENV)
def test_configargparse_gives_what_the_drop_ins_read(user: str | None, site: str | None,
                                                    env: dict[str, str],
                                                    tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path / "home"), "JOBSUB_COMPAT_SITE_CONFIG":
               str(tmp_path / "site.conf"), **env}
    for path, text in ((tmp_path / "home" / ".config" / "jobsub_compat.conf", user),
                       (tmp_path / "site.conf", site)):
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(text)
    try:
        expected = config.settings(environ)
    except RuntimeFailure as refused:
        with pytest.raises(RuntimeFailure) as caught:
            every_setting().parse_settings([], environ)
        assert str(caught.value) == str(refused)
        return
    _, found = every_setting().parse_settings([], environ)
    assert {n: (s.value, s.source) for n, s in found.items()} == \
        {n: (s.value, s.source) for n, s in expected.items()}


def test_the_command_line_wins(tmp_path: Path) -> None:
    (tmp_path / "site.conf").write_text("log_dir = /site\nsilence = JC1\n")
    environ = {"HOME": str(tmp_path), "JOBSUB_COMPAT_SITE_CONFIG": str(tmp_path / "site.conf"),
               "JOBSUB_COMPAT_LOG_DIR": "/environment"}
    _, found = every_setting().parse_settings(["--log_dir", "/line", "--silence="], environ)
    assert (found["log_dir"].value, found["log_dir"].source) == ("/line", "command line")
    assert (found["silence"].value, found["silence"].source) == ("", "command line")
    _, found = every_setting().parse_settings([], environ)
    assert (found["log_dir"].value, found["log_dir"].source) == \
        ("/environment", "environment JOBSUB_COMPAT_LOG_DIR")
    assert (found["silence"].value, found["silence"].source) == \
        ("JC1", f"site config {tmp_path / 'site.conf'}")
