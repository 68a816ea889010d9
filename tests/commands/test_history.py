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


@pytest.mark.parametrize(("line", "expected"), [
    pytest.param("-G gm2 --user alice", "-G gm2 --user alice -json", id="user"),
    pytest.param("--jobid 7.0@jobsub02.fnal.gov", "--jobid 7.0@jobsub02.fnal.gov "
                 "-name jobsub02.fnal.gov -json", id="schedd-of-jobid-honoured"),
    pytest.param("--qdate-ge 2024-01-02", "-constraint 'QDate >= 1704153600' -json",
                 id="date"),
    pytest.param("--qdate-ge '2024-01-02 03:04:05' --qdate-le 2024-02-01",
                 "-constraint '(QDate >= 1704164645) && (QDate <= 1706745600)' -json",
                 id="both-date-forms"),
    pytest.param("--constraint JobStatus==3", "-constraint JobStatus==3 -json",
                 id="constraint-handed-to-condor"),
    pytest.param("-G gm2 -af ClusterId", "-G gm2 -af ClusterId", id="condor-options-pass"),
])
def test_translations(line: str, expected: str) -> None:
    plan = history.translate(shlex.split(line), ENV)
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:] == shlex.split(expected)


@pytest.mark.parametrize("value", ["2024/01/02", "yesterday", "2024-01-02T03:04:05"])
def test_bad_dates(value: str) -> None:
    plan = history.translate(["--qdate-ge", value], ENV)
    assert plan.exit_code == 2 and plan.error and "invalid date format" in plan.error


def test_role_is_not_a_history_option() -> None:
    plan = history.translate(["--role", "Production"], ENV)
    assert plan.backend_argv[1:] == ["--role", "Production"]  # handed on, not ours
