"""jobsub_rm, jobsub_hold, jobsub_release: translations, legacy lines, exit statuses."""

from __future__ import annotations

import shlex
from types import SimpleNamespace

import pytest

from jobsub_compat import commands
from jobsub_compat.commands import rm

# jobsub_hold and jobsub_release are rm.py's too: their translations, from the registry.
hold = SimpleNamespace(translate=commands.translator("jobsub_hold"))
release = SimpleNamespace(translate=commands.translator("jobsub_release"))

ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2"}


A, B = "1.0@jobsub01.fnal.gov", "2@jobsub02.fnal.gov"
GROUP = 'Jobsub_Group=?="gm2"'


# client/jobsub_rm main + jobsubClient.py remove/hold/release + server/webapp/util.py
# doJobAction: the lines printed, and the selection each target made.
@pytest.mark.parametrize(("module", "line", "expected", "preface"), [
    pytest.param(rm, f"--jobid={A},{B}", f"--jobid={A},{B}",
                 f"Removing job with jobid={A}\nRemoving job with jobid={B}\n", id="rm-jobids"),
    pytest.param(rm, "-G gm2 --user alice",
                 f"-G gm2 --constraint '{GROUP} && (Owner =?= \"alice\")'",
                 "removing jobs owned by alice\n", id="rm-user-keeps-to-the-group"),
    pytest.param(rm, "--constraint 'JobStatus==5'", f"--constraint '{GROUP} && JobStatus==5'",
                 "removing jobs with constraint=JobStatus==5\n", id="rm-constraint"),
    pytest.param(rm, "--constraint 'JobStatus==5||JobStatus==1'",
                 f"--constraint '{GROUP} && JobStatus==5||JobStatus==1'",
                 "removing jobs with constraint=JobStatus==5||JobStatus==1\n",
                 id="rm-constraint-as-written"),
    pytest.param(rm, "--constraint 'Jobsub_Group==\"gm2\"'",
                 "--constraint 'Jobsub_Group==\"gm2\"'",
                 "removing jobs with constraint=Jobsub_Group==\"gm2\"\n",
                 id="rm-group-named-in-constraint"),
    pytest.param(rm, "--user=alice --constraint=JobStatus==5",
                 f"--constraint '{GROUP} && (Owner =?= \"alice\") && JobStatus==5'",
                 "removing jobs owned by alice\nremoving jobs with constraint=JobStatus==5\n",
                 id="rm-user-and-constraint"),
    pytest.param(rm, "--user=alice --constraint='Owner==\"alice\"'",
                 f"--constraint '{GROUP} && Owner==\"alice\"'",
                 "removing jobs owned by alice\nremoving jobs with constraint=Owner==\"alice\"\n",
                 id="rm-user-named-in-constraint"),
    pytest.param(rm, f"--user alice --jobid {A}", f"--jobid {A}",
                 f"Removing job with jobid={A}\n", id="rm-user-beside-jobid"),
    pytest.param(rm, f"--jobid {A} --constraint JobStatus==5",
                 f"--constraint '{GROUP} && JobStatus==5'",
                 f"Removing job with jobid={A}\n", id="rm-jobid-beside-constraint"),
    pytest.param(rm, "--jobid 3@s.fnal.gov --forcex", "-forcex --jobid 3@s.fnal.gov",
                 "Removing job with jobid=3@s.fnal.gov\n", id="rm-forcex"),
    pytest.param(rm, "-G gm2 -name jobsub01.fnal.gov 1234", "-G gm2 -name jobsub01.fnal.gov 1234",
                 "", id="rm-condor-words-pass"),
    pytest.param(hold, "--jobid 3.@s.fnal.gov", "--jobid 3.@s.fnal.gov",
                 "Holding job with jobid=3.@s.fnal.gov\n", id="hold"),
    pytest.param(release, "--user bob", f"--constraint '{GROUP} && (Owner =?= \"bob\")'",
                 "Releasing jobs owned by bob\n", id="release"),
])
def test_translations(module: object, line: str, expected: str, preface: str) -> None:
    plan = module.translate(shlex.split(line), ENV)  # type: ignore[attr-defined]
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:] == shlex.split(expected)
    assert plan.text == preface


# jobsubClient.py jid_callback (no '@' in the whole value) and check_id (malformed), and
# the missing-arguments check: exit 1; optparse's own errors: exit 2.
@pytest.mark.parametrize(("module", "line", "fragment", "status"), [
    pytest.param(rm, "-G gm2", "give --jobid", 1, id="no-target"),
    pytest.param(rm, "--jobid 123.0", "missing an '@'", 1, id="no-schedd"),
    pytest.param(rm, "--jobid 12,13", "missing an '@'", 1, id="list-without-schedds"),
    pytest.param(rm, "--jobid 12@jobsub01,1.0@jobsub01.fnal.gov", "'12@jobsub01' is malformed", 1,
                 id="first-malformed"),
    pytest.param(rm, "--jobid ,1.0@jobsub01.fnal.gov", "remove requires", 1,
                 id="leading-comma"),
    pytest.param(hold, "--jobid ,1.0@jobsub01.fnal.gov", "'' is malformed", 1,
                 id="hold-checks-every-id"),
    pytest.param(hold, "--constraint X --jobid ,1.0@jobsub01.fnal.gov", "'' is malformed", 1,
                 id="hold-checks-ids-beside-constraint"),
    pytest.param(rm, "--forcex --user a --frob", "unknown option --frob", 2, id="unknown"),
    pytest.param(rm, "--user a --tot", "", 0, id="condor-option-prefix"),
    pytest.param(rm, "--user a --to", "unknown option", 2, id="too-short-for-condor"),
    pytest.param(rm, "--user", "needs a value", 2, id="missing-value"),
])
def test_usage_errors(module: object, line: str, fragment: str, status: int) -> None:
    plan = module.translate(shlex.split(line), ENV)  # type: ignore[attr-defined]
    assert plan.exit_code == status
    if status:
        assert plan.error and fragment in plan.error and plan.backend_argv == []


@pytest.mark.parametrize(("module", "value", "acted", "fragment"), [
    pytest.param(rm, f"{A},{B},", f"{A},{B}", "remove requires", id="rm-trailing-comma"),
    pytest.param(hold, f"{A},", A, "'' is malformed", id="hold-trailing-comma"),
    pytest.param(release, f"{A},12", A, "'12' is malformed", id="release-bad-second"),
])
def test_a_bad_id_after_good_ones(module: object, value: str, acted: str, fragment: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The legacy client acted on each id in turn and stopped at the bad one with exit 1:
    the ones before it were removed (held, released)."""
    plan = module.translate(["--jobid", value], ENV)  # type: ignore[attr-defined]
    assert plan.error is None and plan.backend_argv[1:] == ["--jobid", acted]
    assert plan.text.count("\n") == len(acted.split(",")) + 1  # the bad one's line too
    out = rm.ActionOutput(plan)
    for job in acted.split(","):
        out.line(f"Job {job.split('@')[0]} {out.action.done}\n")
    assert out.finish(0) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "[JC160]" in err


@pytest.mark.parametrize(("targets", "lines", "status"), [
    pytest.param(f"--jobid {A}", ["Job 1.0 marked for removal\n"], 0, id="done"),
    pytest.param(f"--jobid {A},{B}", ["Job 1.0 marked for removal\n",
                                      "Couldn't find/remove all jobs in cluster 2\n"], 1,
                 id="one-failed"),
    pytest.param(f"--jobid {A},{B}", ["Job 1.0 marked for removal\n"], 1,
                 id="one-unanswered"),
    pytest.param("--user a", ["Couldn't find/remove all jobs of user a\n",
                              "All jobs of user \"a\" have been marked for removal\n"], 0,
                 id="user-one-schedd-enough"),
    pytest.param("--user a", ["Couldn't find/remove all jobs of user a\n"], 1,
                 id="user-nothing-done"),
    pytest.param("--user a", [], 1, id="user-no-schedd-answered"),
])
def test_exit_status_from_condor_lines(targets: str, lines: list[str], status: int) -> None:
    plan = rm.translate(shlex.split(targets), ENV)
    out = rm.ActionOutput(plan)
    for text in lines:
        assert out.line(text) == text
    assert out.finish(0) == status
    assert out.finish(7) == 7
