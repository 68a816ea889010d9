from __future__ import annotations

import json
import shlex
import stat
from pathlib import Path

import pytest

from jobsub_compat.commands import fetchlog

ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2", "USER": "alice"}


@pytest.mark.parametrize(("line", "expected", "warned"), [
    pytest.param("--jobid=1.0@s.fnal.gov --dest-dir=out", "--jobid=1.0@s.fnal.gov "
                 "--dest-dir=out", [], id="plain"),
    pytest.param("-G gm2 --job=1.0@s.fnal.gov --unzip=out", "-G gm2 --jobid=1.0@s.fnal.gov "
                 "--unzip=out", [], id="abbreviations"),
    pytest.param("-J 1.0@s.fnal.gov --jobsub-server=x --user=alice --timeout 60",
                 "-J 1.0@s.fnal.gov", ["JC101", "JC166", "JC167"], id="legacy-only-dropped"),
    pytest.param("1.0@s.fnal.gov --archive-format zip --partial",
                 "--archive-format zip --partial 1.0@s.fnal.gov", [], id="positional-id"),
])
def test_translations(line: str, expected: str, warned: list[str]) -> None:
    plan = fetchlog.translate(shlex.split(line), ENV)
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:] == shlex.split(expected)
    assert sorted(w.code for w in plan.warnings) == warned


def test_needs_a_job() -> None:
    plan = fetchlog.translate(["-G", "gm2"], ENV)
    assert plan.exit_code == 2 and plan.error and "--jobid" in plan.error


def test_legacy_messages(capsys: pytest.CaptureFixture[str]) -> None:
    plan = fetchlog.translate(["--jobid", "1.@s.fnal.gov", "--destdir", "out"], ENV)
    out = fetchlog.FetchOutput(plan)
    assert out.finish(0) == 0
    assert capsys.readouterr().out == "Downloaded to 1@s.fnal.gov.tgz\nMoved files to out\n"
    assert out.finish(1) == 1 and capsys.readouterr().out == ""


def fake_tool(directory: Path, name: str, jobs: list[dict[str, object]]) -> None:
    directory.mkdir(exist_ok=True)
    script = directory / name
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(jobs)}\nEOF\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_list_sandboxes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    fake_tool(tmp_path, "jobsub_q", [{"GlobalJobId": "jobsub01.fnal.gov#5.0#1", "QDate": 0}])
    fake_tool(tmp_path, "jobsub_history", [{"GlobalJobId": "jobsub02.fnal.gov#4.0#1",
                                            "QDate": 86400}])
    env = {**ENV, "JOBSUB_COMPAT_BACKEND": str(tmp_path), "HOME": str(tmp_path)}
    assert fetchlog.main(["-G", "gm2", "--list", "--user", "bob"], env) == 0
    assert capsys.readouterr().out == (
        "JobsubJobID CreationDate for user bob in Accounting Group gm2\n"
        "5.0@jobsub01.fnal.gov   Thu Jan  1 00:00:00 1970\n"
        "JobsubJobID CreationDate for user bob in Accounting Group gm2\n"
        "4.0@jobsub02.fnal.gov   Fri Jan  2 00:00:00 1970\n")
