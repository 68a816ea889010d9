"""The registry (commands/__init__.py) is the one list of commands, and adding a drop-in is
one module plus one entry: every entry has its names in bin/ (symlinks to the one
launcher), a module that answers it, a man page and, where it has an option table, a
matrix section; nothing in bin/ is missing from it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobsub_compat import commands, manpages, matrix, options
from tests.conftest import ROOT

LAUNCHER = ROOT / "bin" / "jobsub-compat"
ENTRIES = sorted(commands.COMMANDS)


def in_bin() -> dict[str, Path]:
    """Every name in bin/ and bin/credentials/ -> its path."""
    return {p.name: p for d in (ROOT / "bin", ROOT / "bin" / "credentials")
            for p in d.iterdir() if not p.is_dir()}


def test_bin_holds_the_registry_s_names_and_nothing_else() -> None:
    assert sorted(in_bin()) == sorted(commands.NAMES)


@pytest.mark.parametrize("name", ENTRIES)
def test_each_name_is_a_relative_link_to_the_one_launcher(name: str) -> None:
    command = commands.COMMANDS[name]
    for called in command.names:
        path = ROOT / command.directory / called
        assert path.resolve() == LAUNCHER.resolve(), called
        if path != LAUNCHER:
            assert path.is_symlink() and not os.path.isabs(os.readlink(path)), called
    assert commands.find(f"/any/where/{command.name}") is command


def test_one_launcher_file() -> None:
    files = [p for p in in_bin().values() if not p.is_symlink()]
    assert files == [LAUNCHER]


@pytest.mark.parametrize("name", ENTRIES)
def test_each_entry_is_answered_by_its_module(name: str) -> None:
    command = commands.COMMANDS[name]
    if command.runner == commands.MAIN:
        assert callable(command.load("main"))
        return
    assert command.runner == commands.PLAN
    flag = "--help" if command.table else "-h" if name in ("kx509", "cigetcert") else "-help"
    plan = commands.translator(name)([flag], {})
    assert plan.command == name and plan.action == "print" and plan.exit_code == 0
    assert plan.text.startswith(f"usage: {command.usage}")
    if command.output:
        assert callable(command.load(command.output))
    if command.answer != "answer" or command.directory == "bin/credentials":
        assert callable(command.load(command.answer))


@pytest.mark.parametrize("name", ENTRIES)
def test_each_entry_has_a_man_page(name: str) -> None:
    page = manpages.pages()[f"{name}.1"]
    summary = commands.COMMANDS[name].summary.replace("`", "")
    assert f"{manpages._escape(name)} \\- {manpages._escape(summary)}" in page


def test_the_matrix_has_a_section_per_table() -> None:
    text = matrix.render()
    tabled = [c.table for c in commands.COMMANDS.values() if c.table]
    assert sorted(tabled) == sorted(options.TABLES)  # no table without its command
    for name in tabled:
        assert f"\n## `{name}`\n" in text


def test_drop_ins_are_the_commands_with_jobsub_lite_behind() -> None:
    assert set(commands.DROPINS) == {n for n, c in commands.COMMANDS.items() if c.backend}
    assert all(n.startswith("jobsub_") for n in commands.DROPINS)
    assert "kx509" not in commands.DROPINS and "jobsub" not in commands.DROPINS


@pytest.mark.parametrize("called", ["jobsub_frob", "jobsub_q.sh", "python3"])
def test_an_unknown_name_is_one_line_exit_1(called: str, tmp_path: Path,
                                           environ: dict[str, str]) -> None:
    link = tmp_path / called
    link.symlink_to(LAUNCHER)
    done = subprocess.run([sys.executable, str(link), "--help"], env=environ,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (1, "")
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"{called}: error: not a name of jobsub-compat's launcher; ")
    assert "jobsub_submit" in done.stderr and "commands/__init__.py" in done.stderr


@pytest.mark.parametrize("called", ["jobsub_q", "jobsub_q.py"])
def test_the_name_called_picks_the_command(called: str, environ: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bin" / called), "--help"], env=environ,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {commands.COMMANDS['jobsub_q'].usage}\n")


@pytest.mark.parametrize(("argv", "status", "out", "err"), [
    pytest.param(["/x/jobsub_q.py", "--help"], 0, "usage: jobsub_q ", "", id="plan-twin"),
    pytest.param(["/x/jobsub"], 0, "jobsub has been replaced", "", id="main-runner"),
    pytest.param(["/x/frob", "--help"], 1, "", "frob: error: not a name of", id="unknown"),
])
def test_main_dispatches_by_the_name_called(argv: list[str], status: int, out: str, err: str,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """dropin.main, what the launcher runs, in this process."""
    from jobsub_compat import dropin

    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setenv("JOBSUB_COMPAT_LOG", "off")
    assert dropin.main() == status
    got = capsys.readouterr()
    assert got.out.startswith(out) and got.err.startswith(err)
