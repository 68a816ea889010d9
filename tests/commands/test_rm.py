"""jobsub_rm, jobsub_hold, jobsub_release: translations, legacy lines, exit statuses."""

from __future__ import annotations

import shlex

import pytest

from jobsub_compat.commands import hold, release, rm

ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2"}


@pytest.mark.parametrize(("module", "line", "expected", "preface"), [
    pytest.param(rm, "--jobid=1.0@jobsub01.fnal.gov,2@jobsub02.fnal.gov",
                 "--jobid=1.0@jobsub01.fnal.gov,2@jobsub02.fnal.gov",
                 "Removing job with jobid=1.0@jobsub01.fnal.gov\n"
                 "Removing job with jobid=2@jobsub02.fnal.gov\n", id="rm-jobids"),
    pytest.param(rm, "-G gm2 --user alice",
                 "-G gm2 --constraint '(Owner=?=\"alice\")&&Jobsub_Group=?=\"gm2\"'",
                 "removing jobs owned by alice\n", id="rm-user-keeps-to-the-group"),
    pytest.param(rm, "--constraint 'JobStatus==5'",
                 "--constraint '(JobStatus==5)&&Jobsub_Group=?=\"gm2\"'",
                 "removing jobs with constraint=JobStatus==5\n", id="rm-constraint"),
    pytest.param(rm, "--user=alice --constraint=JobStatus==5",
                 "--constraint '(Owner=?=\"alice\"&&JobStatus==5)&&Jobsub_Group=?=\"gm2\"'",
                 "removing jobs owned by alice\nremoving jobs with constraint=JobStatus==5\n",
                 id="rm-user-and-constraint"),
    pytest.param(rm, "--jobid 3@s.fnal.gov --forcex", "--jobid 3@s.fnal.gov -forcex",
                 "Removing job with jobid=3@s.fnal.gov\n", id="rm-forcex"),
    pytest.param(hold, "--jobid 3.@s.fnal.gov", "--jobid 3.@s.fnal.gov",
                 "Holding job with jobid=3.@s.fnal.gov\n", id="hold"),
    pytest.param(release, "--user bob",
                 "--constraint '(Owner=?=\"bob\")&&Jobsub_Group=?=\"gm2\"'",
                 "Releasing jobs owned by bob\n", id="release"),
])
def test_translations(module: object, line: str, expected: str, preface: str) -> None:
    plan = module.translate(shlex.split(line), ENV)  # type: ignore[attr-defined]
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:] == shlex.split(expected)
    assert plan.text == preface


@pytest.mark.parametrize(("line", "fragment"), [
    pytest.param("-G gm2", "give --jobid", id="no-target"),
    pytest.param("--jobid 12345", "missing an '@'", id="no-schedd"),
    pytest.param("--jobid 1@s,12", "(12)", id="one-bad-in-list"),
    pytest.param("--forcex --user a --frob", "", id="unknown-words-pass"),
])
def test_usage_errors(line: str, fragment: str) -> None:
    plan = rm.translate(shlex.split(line), ENV)
    if not fragment:
        assert plan.error is None and plan.backend_argv[-1] == "--frob"
        return
    assert plan.exit_code == 2 and plan.error and fragment in plan.error


@pytest.mark.parametrize(("targets", "lines", "status"), [
    pytest.param("--jobid 1@s", ["Job 1.0 marked for removal\n"], 0, id="done"),
    pytest.param("--jobid 1@s,2@s", ["All jobs in cluster 1 have been marked for removal\n",
                                     "Couldn't find/remove all jobs in cluster 2\n"], 1,
                 id="one-failed"),
    pytest.param("--user a", ["Couldn't find/remove all jobs of user a\n",
                              "All jobs of user \"a\" have been marked for removal\n"], 0,
                 id="user-one-schedd-enough"),
    pytest.param("--user a", ["Couldn't find/remove all jobs of user a\n"], 1,
                 id="user-nothing-done"),
])
def test_exit_status_from_condor_lines(targets: str, lines: list[str], status: int) -> None:
    plan = rm.translate(shlex.split(targets.replace("@s", "@s.fnal.gov")), ENV)
    out = rm.ActionOutput(plan)
    for text in lines:
        assert out.line(text) == text
    assert out.finish(0) == status
    assert out.finish(7) == 7
