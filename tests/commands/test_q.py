"""jobsub_q translations (Plans) and its output handling."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from jobsub_compat.codes import GROUP_FROM_ENV, GROUP_FROM_TOKEN, IGNORED_BESIDE
from jobsub_compat.commands import q
from tests.test_tokens import make_token, write_token

ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2"}


def lite_words(line: str) -> list[str]:
    plan = q.translate(shlex.split(line), ENV)
    assert plan.error is None, plan.error
    return plan.backend_argv[1:]


JOB = "1.0@jobsub01.fnal.gov"


@pytest.mark.parametrize(("line", "expected", "mode"), [
    pytest.param("-G gm2", "-G gm2 -json", "default", id="all-of-group"),
    # condor_commands.py constructFilter: Owner=="%s" (ClassAd ==) AND the group.
    pytest.param("--user=alice", "--constraint 'Owner==\"alice\"&&Jobsub_Group=?=\"gm2\"' "
                 "-allusers -json", "default", id="user-keeps-to-the-group"),
    pytest.param("-G gm2 --user alice --role=Production", "-G gm2 --role=Production "
                 "--constraint 'Owner==\"alice\"&&Jobsub_Group=?=\"gm2\"' -allusers -json",
                 "default", id="role"),
    pytest.param(f"--jobid={JOB} --hold", f"--jobid={JOB} -json", "hold", id="job"),
    pytest.param(f"--user alice --jobid {JOB}", f"--jobid {JOB} --constraint "
                 "'Owner==\"alice\"&&Jobsub_Group=?=\"gm2\"' -allusers -json", "default",
                 id="user-and-job-and-group"),
    pytest.param("--dag", "-json", "dag", id="dag"),
    pytest.param("--run", "-json", "run", id="run"),
    pytest.param("--summary", "-json", "summary", id="summary"),
    pytest.param("--hold --run", "-json", "run", id="last-view-wins"),
    pytest.param("--long --user alice", "-long --constraint "
                 "'Owner==\"alice\"&&Jobsub_Group=?=\"gm2\"' -allusers", "",
                 id="long-is-condors"),
    pytest.param("--better-analyze --jobid 1.0@s.fnal.gov",
                 "-better-analyze --jobid 1.0@s.fnal.gov", "", id="better-analyze"),
    # jobsubClient.py JobSubClient.__init__ folds the user in, unparenthesised; the server's
    # constraint.py doGET applies it alone (no group) and ignores --jobid.
    pytest.param("--user alice --constraint JobStatus==5",
                 "--constraint 'Owner=?=\"alice\"&&JobStatus==5' -allusers -json", "default",
                 id="user-and-constraint-folded-as-legacy"),
    pytest.param("--user alice --constraint 'Owner==\"alice\"||JobStatus==5'",
                 "--constraint 'Owner==\"alice\"||JobStatus==5' -allusers -json", "default",
                 id="user-named-in-constraint-not-folded"),
    pytest.param("-G gm2 --constraint 'JobStatus==1||JobStatus==2'",
                 "-G gm2 --constraint 'JobStatus==1||JobStatus==2' -allusers -json", "default",
                 id="constraint-alone-no-group"),
    # A bare cluster (jobsub_lite-era) keeps jobsub_lite's meaning: no group filter.
    pytest.param("--jobid 12345678", "--jobid 12345678 -json", "default", id="bare-cluster"),
    pytest.param("--jobid 12345678.3,12345679", "--jobid 12345678.3,12345679 -json",
                 "default", id="bare-list"),
    pytest.param("-G gm2 -af ClusterId Owner", "-G gm2 -af ClusterId Owner", "",
                 id="condor-options-pass"),
    pytest.param("-G gm2 -allusers -constraint 'Owner==\"a\\\\b\"'",
                 "-G gm2 --constraint 'Owner==\"a\\\\b\"' -allusers -allusers", "",
                 id="no-quote-layer"),
    pytest.param(f"--jobsub-server=https://fifebatch.fnal.gov:8443 --jobid {JOB}",
                 f"--jobid {JOB} -json", "default", id="jobsub-server-dropped"),
])
def test_translations(line: str, expected: str, mode: str) -> None:
    plan = q.translate(shlex.split(line), ENV)
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:] == shlex.split(expected)
    assert plan.mode == mode


def test_constraint_alone_drops_the_jobid_and_filters_no_view() -> None:
    plan = q.translate(["--constraint", "JobStatus==5", "--jobid", JOB, "--run"], ENV)
    assert plan.backend_argv[1:] == ["--constraint", "JobStatus==5", "-allusers", "-json"]
    assert sorted(w.code for w in plan.warnings) == ["JC162", IGNORED_BESIDE]
    assert plan.details["view_filter"] == "off"
    out = q.QOutput(plan)
    assert out.render([{"GlobalJobId": "s#1.0#1", "JobStatus": 1}]).count("1.0@s") == 1


# jobsubClient.py jid_callback/check_id and client/jobsub_q required_args_present: exit 1;
# optparse's own errors: exit 2.
@pytest.mark.parametrize(("line", "fragment", "status"), [
    pytest.param("--jobid=12345.0@jobsub01", "is malformed", 1, id="schedd-not-fnal"),
    pytest.param("--jobid=alice", "missing an '@'", 1, id="jobid-a-name"),
    pytest.param(f"--jobid={JOB},", "'' is malformed", 1, id="trailing-comma"),
    pytest.param("--jobid=12345,", "missing an '@'", 1, id="bare-trailing-comma"),
    pytest.param("--summary --user alice", "--summary cannot be combined", 1, id="summary-user"),
    pytest.param("--better-analyze", "needs --jobid", 1, id="better-analyze-alone"),
    pytest.param("--foo bar", "unknown option --foo", 2, id="unknown-option"),
    pytest.param("-frobnicate", "unknown option -frobnicate", 2, id="unknown-one-dash"),
    pytest.param("--j 1", "ambiguous", 2, id="ambiguous-prefix"),
    pytest.param("--user", "needs a value", 2, id="missing-value"),
    pytest.param("--long=yes", "takes no value", 2, id="flag-with-value"),
])
def test_usage_errors(line: str, fragment: str, status: int) -> None:
    plan = q.translate(shlex.split(line), ENV)
    assert plan.exit_code == status and plan.error and fragment in plan.error
    assert plan.backend_argv == []


@pytest.mark.parametrize(("word", "action"), [("--hel", "print"), ("--vers", "version")])
def test_abbreviated_help_and_version_are_answered(word: str, action: str) -> None:
    """optparse read --hel as --help (jobsub_lite would print its own help instead)."""
    from jobsub_compat.commands import common

    plan = q.translate(["-G", "gm2", word], ENV)
    assert (plan.action, plan.error, plan.backend_argv) == (action, None, [])
    assert action == "version" or plan.text == common.help_text("jobsub_q")


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


# --- no group: the token's -----------------------------------------------------------------

def no_group_env(tmp_path: Path) -> dict[str, str]:
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    return {"PATH": "/usr/bin", "HOME": str(tmp_path / "home"), "TMPDIR": str(tmpdir)}


def test_no_group_takes_the_group_of_bearer_token_file(tmp_path: Path) -> None:
    env = no_group_env(tmp_path)
    token = write_token(tmp_path / "bt", make_token(["/dune", "/dune/production"]))
    env["BEARER_TOKEN_FILE"] = str(token)
    plan = q.translate(["--user", "alice"], env)
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:3] == ["-G", "dune"]
    assert "Jobsub_Group=?=\"dune\"" in " ".join(plan.backend_argv)
    assert plan.details["group"] == "dune"
    assert [w.code for w in plan.warnings] == [GROUP_FROM_TOKEN]
    assert str(token) in plan.warnings[0].message and "-G dune" in plan.warnings[0].message


def test_no_group_takes_the_one_group_of_jobsub_lites_token_files(tmp_path: Path) -> None:
    env = no_group_env(tmp_path)
    uid = os.getuid()
    for role in ("Analysis", "Production"):
        write_token(Path(env["TMPDIR"]) / f"bt_token_gm2_{role}_{uid}",
                    make_token(["/gm2", f"/gm2/{role.lower()}"]))
    write_token(Path(env["TMPDIR"]) / f"bt_token_dune_Analysis_{uid + 1}",  # someone else's
                make_token(["/dune"]))
    plan = q.translate([], env)
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:] == ["-G", "gm2", "-json"]
    assert [w.code for w in plan.warnings] == [GROUP_FROM_TOKEN]


@pytest.mark.parametrize("tokens", [
    pytest.param({}, id="no-token"),
    pytest.param({"gm2": ["/gm2"], "dune": ["/dune"]}, id="two-groups"),
    pytest.param({"gm2": []}, id="token-without-groups"),
])
def test_no_group_and_no_one_group_of_tokens_is_a_usage_error(
        tmp_path: Path, tokens: dict[str, list[str]]) -> None:
    env = no_group_env(tmp_path)
    for group, groups in tokens.items():
        write_token(Path(env["TMPDIR"]) / f"bt_token_{group}_Analysis_{os.getuid()}",
                    make_token(groups))
    plan = q.translate(["--user", "alice"], env)
    assert plan.exit_code == 1 and plan.error
    assert "no group" in plan.error and "-G GROUP" in plan.error
    assert plan.backend_argv == []


def test_a_group_given_is_never_replaced_by_the_tokens(tmp_path: Path) -> None:
    env = no_group_env(tmp_path)
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(["/dune"])))
    plan = q.translate(["-G", "gm2"], {**env})
    assert plan.backend_argv[1:] == ["-G", "gm2", "-json"] and not plan.warnings
    plan = q.translate([], {**env, "GROUP": "gm2"})
    assert plan.backend_argv[1:] == ["-json"]
    assert [w.code for w in plan.warnings] == [GROUP_FROM_ENV]  # legacy read no $GROUP
    assert "export JOBSUB_GROUP=gm2" in plan.warnings[0].message


@pytest.mark.parametrize(("line", "failed"), [
    pytest.param("ERROR:root:importing tracing\n", False, id="jobsub_lites-own-logging"),
    pytest.param("Error: Can't find address for schedd jobsub09.fnal.gov\n", True,
                 id="condors-error"),
    pytest.param("ERROR: Failed to connect\n", True, id="condors-upper-case"),
    pytest.param("ERROR\n", True, id="condors-bare"),
])
def test_jobsub_lites_logging_is_not_a_condor_failure(line: str, failed: bool) -> None:
    """lib/tracing.py logs `ERROR:root:importing tracing` on every call when the optional
    opentelemetry is missing; condor's own messages have a space after `Error:`."""
    out = q.QOutput(q.translate(["-G", "gm2"], ENV))
    out.error_line(line)
    assert out.finish(0) == (1 if failed else 0)
