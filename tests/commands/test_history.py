from __future__ import annotations

import shlex
import time

import pytest

from jobsub_compat.commands import history

ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2"}


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


GROUP = 'Jobsub_Group=?="gm2"'


# server/webapp/sqlite_commands.py constructQuery: acctgroup AND Owner AND job AND dates.
@pytest.mark.parametrize(("line", "expected"), [
    pytest.param("-G gm2", f"-G gm2 -constraint '{GROUP}' -json", id="group"),
    pytest.param("-G gm2 --user alice", f"-G gm2 -constraint '{GROUP} && Owner=?=\"alice\"' "
                 "-json", id="user-and-group"),
    pytest.param("--jobid 7.0@jobsub02.fnal.gov", "-name jobsub02.fnal.gov -constraint "
                 f"'{GROUP} && ClusterId==7 && ProcId==0' -json", id="job-on-its-schedd"),
    pytest.param("--user alice --jobid 7.@jobsub02.fnal.gov", "-name jobsub02.fnal.gov "
                 f"-constraint '{GROUP} && Owner=?=\"alice\" && ClusterId==7' -json",
                 id="user-and-cluster"),
    pytest.param("--qdate-ge 2024-01-02", f"-constraint '{GROUP} && QDate >= 1704153600' "
                 "-json", id="date"),
    pytest.param("--qdate-ge '2024-01-02 03:04:05' --qdate-le 2024-02-01",
                 f"-constraint '{GROUP} && QDate >= 1704164645 && QDate <= 1706745600' -json",
                 id="both-date-forms"),
    pytest.param("--constraint 'JobStatus==3||JobStatus==4'",
                 f"-constraint '{GROUP} && (JobStatus==3||JobStatus==4)' -json",
                 id="constraint-anded"),
    pytest.param("-G gm2 -af ClusterId", f"-G gm2 -constraint '{GROUP}' -af ClusterId",
                 id="condor-options-pass"),
])
def test_translations(line: str, expected: str) -> None:
    plan = history.translate(shlex.split(line), ENV)
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:] == shlex.split(expected)


def test_a_single_quote_survives_os_system() -> None:
    """bin/jobsub_history runs `condor_history 'WORD' ...` with os.system."""
    plan = history.translate(["--user", "o'neil"], ENV)
    assert plan.backend_argv[1:] == ["-constraint", GROUP + " && Owner=?=\"o'\\''neil\"",
                                     "-json"]


@pytest.mark.parametrize("value", ["2024/01/02", "yesterday", "2024-01-02T03:04:05"])
def test_bad_dates(value: str) -> None:
    """jobsubClient.py date_callback: sys.exit(message), exit 1."""
    plan = history.translate(["--qdate-ge", value], ENV)
    assert plan.exit_code == 1 and plan.error and "invalid date format" in plan.error


@pytest.mark.parametrize(("argv", "fragment"), [
    pytest.param(["--jobid", "7"], "missing an '@'", id="bare-cluster"),
    pytest.param(["--jobid", "7.0@jobsub02.fnal.gov,8.0@jobsub02.fnal.gov"], "malformed",
                 id="a-list"),
])
def test_job_ids_checked_as_legacy(argv: list[str], fragment: str) -> None:
    plan = history.translate(argv, ENV)
    assert plan.exit_code == 1 and plan.error and fragment in plan.error


def test_no_group_is_missing_arguments() -> None:
    plan = history.translate(["--user", "alice"], {"PATH": "/usr/bin"})
    assert plan.exit_code == 1 and plan.error and "no group" in plan.error


def test_role_is_jobsub_lites() -> None:
    plan = history.translate(["--role", "Production"], ENV)
    assert plan.backend_argv[1:] == ["--role", "Production", "-constraint", GROUP, "-json"]
