from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from jobsub_compat import cli, manpages, options
from jobsub_compat.commands import credentials
from tests.conftest import ROOT

MAN1 = ROOT / "man" / "man1"
PAGES = manpages.pages()


def test_man_pages_are_fresh() -> None:
    on_disk = {p.name: p.read_text(encoding="ascii") for p in MAN1.glob("*")}
    stale = sorted(n for n in set(on_disk) | set(PAGES) if on_disk.get(n) != PAGES.get(n))
    assert not stale, (f"man/man1 is stale ({', '.join(stale)}): run "
                       "`rm man/man1/*; bin/jobsub-compat man man/man1`")


def test_pages_do_not_depend_on_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")  # argparse wraps its usage lines to the terminal
    assert manpages.pages() == PAGES


def test_every_dropin_and_subcommand_has_a_page() -> None:
    launchers = {p.name for d in (ROOT / "bin", ROOT / "bin" / "credentials")
                 for p in d.iterdir() if p.is_file() and not p.name.endswith(".py")}
    subcommands = {f"jobsub-compat-{name}" for name in manpages._coordinator_parsers()}
    assert {"explain", "matrix", "doctor", "report", "migrate", "man"} <= {
        name.split("-", 2)[2] for name in subcommands}
    assert {f"{name}.1" for name in launchers | subcommands} == set(PAGES)


@pytest.mark.parametrize("command", sorted(options.TABLES))
def test_every_option_row_is_on_its_page(command: str) -> None:
    page = PAGES[f"{command}.1"]
    for row in options.TABLES[command]:
        for spelling in row.legacy or row.lite:
            assert f"\\fB{manpages._escape(spelling)}\\fR" in page, (command, spelling)
        assert manpages._inline(row.meaning.split(" (")[0]) in page, (command, row.key)
        if row.code:
            assert f"({row.code})" in page


def test_fates_say_what_the_matrix_says() -> None:
    by_key = {r.key: r for r in options.SUBMIT}
    assert manpages._fate(by_key["memory"]) == (
        "Rewritten to `--memory` (JC111): `--memory` without a unit means MB in both "
        "clients; the unit is written out. Write the unit, e.g. --memory=2000MB.")
    assert manpages._fate(by_key["continue_on_failure"]).startswith("Refused (JC108): ")
    assert " Fix: Remove it" in manpages._fate(by_key["continue_on_failure"])
    assert manpages._fate(by_key["group"]) == "Passed to jobsub_lite unchanged."
    assert manpages._fate(by_key["help"]) == \
        "Emulated: `-h` is answered by the drop-in."


def test_credential_pages_list_the_accepted_options() -> None:
    for tool, accepted in manpages.CREDENTIAL_OPTIONS.items():
        page = PAGES[f"{tool}.1"]
        for name, takes_value in accepted.items():
            word = f"\\fB\\-{manpages._escape(name)}\\fR"
            assert word + (" \\fIVALUE\\fR" if takes_value else "") in page, (tool, name)
    assert set(manpages.CREDENTIAL_OPTIONS) <= set(credentials.TOOLS)


def test_environment_names_every_setting() -> None:
    page = PAGES["jobsub_submit.1"]
    for var in ("JOBSUB_COMPAT_BACKEND", "JOBSUB_COMPAT_SILENCE", "JOBSUB_COMPAT_STRICT",
                "JOBSUB_COMPAT_LOG", "HTGETTOKENOPTS", "JOBSUB_COMPAT_DRY_RUN"):
        assert f"\\fB{manpages._escape(var)}\\fR" in page


@pytest.mark.parametrize(("text", "roff"), [
    pytest.param("a-b", "a\\-b", id="hyphen-minus"),
    pytest.param("C:\\x", "C:\\ex", id="backslash"),
    pytest.param("– (emulated)", "\\[u2013] (emulated)", id="non-ascii"),
])
def test_escape(text: str, roff: str) -> None:
    assert manpages._escape(text) == roff


def test_text_lines_never_start_a_request() -> None:
    assert manpages._line(".profile") == "\\&.profile"
    assert manpages._line("'quoted'") == "\\&'quoted'"
    for name, page in PAGES.items():
        for line in page.splitlines():
            assert not line.startswith("'"), (name, line)
            assert line.isascii(), (name, line)


def test_paragraphs_fill_prose_and_tag_indented_lines() -> None:
    assert manpages._paragraphs("one\ntwo\n\n  JC1  first code\n  plain\n") == [
        ".PP", "one two", ".TP", "\\fBJC1\\fR", "first code", ".nf", "\\&  plain", ".fi"]


def test_synopsis_keeps_usage_lines_and_joins_wrapped_ones() -> None:
    assert manpages._synopsis("tool", "tool [-a]\n    [-b]\n       tool --other") == [
        "\\fBtool\\fR [\\-a] [\\-b]", ".br", "\\fBtool\\fR \\-\\-other"]


def test_the_man_subcommand_writes_the_pages(tmp_path: Path) -> None:
    assert cli.main(["man", str(tmp_path / "man1")]) == 0
    written = {p.name: p.read_text(encoding="ascii") for p in (tmp_path / "man1").iterdir()}
    assert written == PAGES


def _render(page: Path) -> subprocess.CompletedProcess[str]:
    """groff's man(7) rendering, with its warnings on (what man(1) shows a user)."""
    return subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-P-cbou", "-rLL=80n", str(page)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})


@pytest.mark.skipif(shutil.which("groff") is None,
                    reason="groff is not installed (apt-get install groff-base)")
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_render_without_warnings(name: str) -> None:
    done = _render(MAN1 / name)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    text = done.stdout
    assert "NAME" in text and "SYNOPSIS" in text
    title = name[:-2]
    assert f"{title} - " in text.replace("\u2010", "-").replace("\u2212", "-")


@pytest.mark.skipif(shutil.which("man") is None, reason="man-db is not installed")
def test_man_reads_a_page_as_a_user_would() -> None:
    done = subprocess.run(["man", "-l", str(MAN1 / "jobsub_submit.1")], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat",
                               "LC_ALL": "C.UTF-8"})
    assert done.returncode == 0, done.stderr
    plain = done.stdout.replace("\u2010", "-").replace("\u2212", "-")
    assert "--append_condor_requirements" in plain and "JC111" in plain
