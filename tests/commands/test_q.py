"""jobsub_q translations (Plans) and its output handling."""

from __future__ import annotations

import shlex

import pytest

from jobsub_compat.commands import q

ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2"}


def lite_words(line: str) -> list[str]:
    plan = q.translate(shlex.split(line), ENV)
    assert plan.error is None, plan.error
    return plan.backend_argv[1:]


@pytest.mark.parametrize(("line", "expected", "mode"), [
    pytest.param("-G gm2", "-G gm2 -json", "default", id="all-of-group"),
    pytest.param("--user=alice", "--constraint '(Owner=?=\"alice\")&&Jobsub_Group=?=\"gm2\"' "
                 "-allusers -json", "default", id="user-keeps-to-the-group"),
    pytest.param("-G gm2 --user alice --role=Production", "-G gm2 --role=Production "
                 "--constraint '(Owner=?=\"alice\")&&Jobsub_Group=?=\"gm2\"' -allusers -json",
                 "default", id="role"),
    pytest.param("--jobid=1.0@jobsub01.fnal.gov --hold", "--jobid=1.0@jobsub01.fnal.gov -json",
                 "hold", id="hold"),
    pytest.param("--dag", "-json", "dag", id="dag"),
    pytest.param("--run", "-json", "run", id="run"),
    pytest.param("--summary", "-json", "summary", id="summary"),
    pytest.param("--hold --run", "-json", "run", id="last-view-wins"),
    pytest.param("--long --user alice", "-long --constraint "
                 "'(Owner=?=\"alice\")&&Jobsub_Group=?=\"gm2\"' -allusers", "",
                 id="long-is-condors"),
    pytest.param("--better-analyze --jobid 1.0@s.fnal.gov",
                 "-better-analyze --jobid 1.0@s.fnal.gov", "", id="better-analyze"),
    pytest.param("--user alice --constraint JobStatus==5",
                 "--constraint '(Owner=?=\"alice\"&&JobStatus==5)&&Jobsub_Group=?=\"gm2\"' "
                 "-allusers -json", "default", id="user-and-constraint-folded-as-legacy"),
    pytest.param("-G gm2 -af ClusterId Owner", "-G gm2 -af ClusterId Owner", "",
                 id="condor-options-pass"),
    pytest.param("--jobsub-server=https://fifebatch.fnal.gov:8443 --jobid 1@s.fnal.gov",
                 "--jobid 1@s.fnal.gov -json", "default", id="jobsub-server-dropped"),
])
def test_translations(line: str, expected: str, mode: str) -> None:
    plan = q.translate(shlex.split(line), ENV)
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:] == shlex.split(expected)
    assert plan.mode == mode


@pytest.mark.parametrize(("line", "fragment"), [
    pytest.param("--jobid=12345.0", "missing an '@'", id="jobid-without-schedd"),
    pytest.param("--summary --user alice", "--summary cannot be combined", id="summary-user"),
    pytest.param("--better-analyze", "needs --jobid", id="better-analyze-alone"),
])
def test_usage_errors(line: str, fragment: str) -> None:
    plan = q.translate(shlex.split(line), ENV)
    assert plan.exit_code == 2 and plan.error and fragment in plan.error


def test_group_is_required() -> None:
    plan = q.translate(["--user", "alice"], {"PATH": "/usr/bin"})
    assert plan.exit_code == 2 and plan.error and "no group" in plan.error


def test_output_reports_condor_failures(capsys: pytest.CaptureFixture[str]) -> None:
    plan = q.translate(["--user", "alice"], ENV)
    out = q.QOutput(plan)
    assert out.line("[]\n") is None
    assert out.error_line("-- Failed to fetch ads from: <1.2.3.4:9618> : jobsub01.fnal.gov\n")
    assert out.finish(0) == 1
    assert out.finish(3) == 3


def test_raw_output_passes_through() -> None:
    plan = q.translate(["--long", "--user", "alice"], ENV)
    out = q.QOutput(plan)
    assert out.line("ClusterId = 1\n") == "ClusterId = 1\n"
    assert out.finish(0) == 0
