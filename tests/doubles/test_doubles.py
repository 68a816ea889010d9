"""Tests of the jobsub_lite 1.12 test doubles themselves (jobsub_q/rm/hold/release/history/
fetchlog), run as subprocesses the way the drop-ins run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

BIN = Path(__file__).resolve().parent / "jobsub_lite" / "bin"
sys.path.insert(0, str(BIN.parent / "lib"))
import condor_double as cd  # noqa: E402

S1, S2, S3 = "jobsub01.fnal.gov", "jobsub02.fnal.gov", "jobsub03.fnal.gov"
COMMANDS = ["jobsub_q", "jobsub_rm", "jobsub_hold", "jobsub_release", "jobsub_history",
            "jobsub_fetchlog"]


def has_bindings() -> bool:
    try:
        __import__("classad2")
    except ImportError:
        try:
            __import__("classad")
        except ImportError:
            return False
    return True


def pool_state() -> dict:
    return {
        "schedds": {
            S1: [cd.make_job(S1, 100, 0, status=cd.RUNNING, args="a b"),
                 cd.make_job(S1, 100, 1),
                 cd.make_job(S1, 101, 0, owner="bob", status=cd.HELD, cmd="/home/bob/b.sh"),
                 cd.make_job(S1, 102, 0, group="dune")],
            S2: [cd.make_job(S2, 200, 0, qdate=1764151200),
                 cd.make_job(S2, 201, 0, owner="bob")],
            S3: [],
        },
        "history": {
            S1: [cd.make_job(S1, 90, 0, status=cd.COMPLETED, qdate=1763974800),
                 cd.make_job(S1, 91, 0, owner="bob", status=cd.REMOVED, qdate=1764061200)],
        },
    }


@pytest.fixture
def env(tmp_path: Path) -> dict:
    state = tmp_path / "state.json"
    cd.write_state(str(state), pool_state())
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "USER": "alice",
        "TZ": "UTC",
        "JOBSUB_LITE_DOUBLE_STATE": str(state),
        "JOBSUB_LITE_DOUBLE_RECORD": str(tmp_path / "record.jsonl"),
    }


def run(command: str, *args: str, env: dict, cwd: Path | None = None, **extra: str
        ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BIN / command), *args], env={**env, **extra},
                          cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def state_of(env: dict) -> dict:
    return json.loads(Path(env["JOBSUB_LITE_DOUBLE_STATE"]).read_text())


def job(state: dict, schedd: str, cluster: int, proc: int, where: str = "schedds") -> dict:
    return next(ad for ad in state[where].get(schedd, [])
                if ad["ClusterId"] == cluster and ad["ProcId"] == proc)


def json_arrays(text: str) -> list:
    """condor's -json output of several schedds: JSON arrays back to back."""
    decoder, arrays, pos = json.JSONDecoder(), [], 0
    while text[pos:].strip():
        pos += len(text[pos:]) - len(text[pos:].lstrip())
        value, pos = decoder.raw_decode(text, pos)
        arrays.append(value)
    return arrays


def ids(ads: list) -> list:
    return [ad["JobsubJobId"] for ad in ads]


# ------------------------------------------------------------------ jobsub_q


def test_q_json_fans_out_over_schedds_in_order(env: dict) -> None:
    result = run("jobsub_q", "-G", "fermilab", "-json", env=env)
    assert result.returncode == 0, result.stderr
    arrays = json_arrays(result.stdout.replace("All queues are empty\n", ""))
    assert [ids(a) for a in arrays] == [
        [f"100.0@{S1}", f"100.1@{S1}", f"101.0@{S1}"], [f"200.0@{S2}", f"201.0@{S2}"]]
    assert result.stdout.startswith("[\n{\n  \"AccountingGroup\"")
    assert "}\n,\n{" in result.stdout  # condor's list writer separates ads with a lone comma
    assert result.stdout.endswith("All queues are empty\n")  # jobsub03 has no jobs


@pytest.mark.parametrize("extra, expected", [
    pytest.param({}, "", id="condor-prints-nothing"),
    pytest.param({"JOBSUB_LITE_DOUBLE_EMPTY_JSON": "brackets"}, "[]\n", id="brackets-knob"),
])
def test_q_json_schedd_without_matches(env: dict, extra: dict, expected: str) -> None:
    result = run("jobsub_q", "-G", "fermilab", "--json", "-name", S2, "--user", "nobody",
                 env=env, **extra)
    assert result.returncode == 0
    assert result.stdout == expected


@pytest.mark.parametrize("args, expected", [
    pytest.param([], [f"100.0@{S1}", f"100.1@{S1}", f"101.0@{S1}", f"200.0@{S2}",
                      f"201.0@{S2}"], id="group-all-users"),
    pytest.param(["-G", "dune"], [f"102.0@{S1}"], id="other-group"),
    pytest.param(["--user", "bob"], [f"101.0@{S1}", f"201.0@{S2}"], id="user-any-group"),
    pytest.param(["bob"], [f"101.0@{S1}", f"201.0@{S2}"], id="positional-owner"),
    pytest.param(["-J", f"100.1@{S1}"], [f"100.1@{S1}"], id="jobid"),
    pytest.param(["-J", f"100@{S1},200.@{S2}"], [f"100.0@{S1}", f"100.1@{S1}", f"200.0@{S2}"],
                 id="jobid-list"),
    pytest.param(["-J", f"102.0@{S1}"], [], id="jobid-outside-group"),
    pytest.param(["--constraint", "JobStatus == 5"], [], id="constraint-only-mine"),
    pytest.param(["--constraint", "JobStatus == 5", "-allusers"], [f"101.0@{S1}"],
                 id="constraint-allusers"),
    pytest.param(["-name", S2], [f"200.0@{S2}", f"201.0@{S2}"], id="name"),
    pytest.param(["--held"], [f"101.0@{S1}"], id="held-filter"),
    pytest.param(["--run"], [f"100.0@{S1}"], id="run-filter"),
])
def test_q_selection(env: dict, args: list, expected: list) -> None:
    base = ["-G", "fermilab"] if "-G" not in args else []
    result = run("jobsub_q", *base, *args, "-json", env=env)
    assert result.returncode == 0, result.stderr
    text = result.stdout.replace("All queues are empty\n", "")
    assert [i for a in json_arrays(text) for i in ids(a)] == expected


def test_q_default_table(env: dict) -> None:
    result = run("jobsub_q", "-G", "fermilab", env=env)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == ("JOBSUBJOBID                             OWNER       \tSUBMITTED     "
                        "RUNTIME   ST PRIO   SIZE  COMMAND")
    assert lines[1] == (f"{'100.0@' + S1:<40}alice     \t11/26 09:00 0+00:10:00  R    0"
                        "    0.2 myscript.sh a b")
    rows = {line.split()[0]: line.split()[5] for line in lines[1:-1] if "@" in line}
    assert rows == {f"100.0@{S1}": "R", f"100.1@{S1}": "I", f"101.0@{S1}": "H",
                    f"200.0@{S2}": "I", f"201.0@{S2}": "I"}
    assert "All queues are empty" in lines  # from the empty jobsub03, counted by jobsub_totals
    assert lines[-1] == "6 total; 0 completed, 0 removed, 3 idle, 1 running, 1 held, 0 suspended"


def test_q_long_blocks(env: dict) -> None:
    result = run("jobsub_q", "-G", "fermilab", "-long", "-J", f"100.0@{S1}", env=env)
    assert result.returncode == 0
    assert 'Owner = "alice"\n' in result.stdout and "JobStatus = 2\n" in result.stdout
    assert result.stdout.endswith("\n\n")


def test_q_unknown_condor_option_still_exits_0(env: dict) -> None:
    result = run("jobsub_q", "-G", "fermilab", "--jobsub-server", "https://x", "-json",
                 env=env)
    assert result.returncode == 0
    assert "Error: unrecognized argument -jobsub-server" in result.stderr


# ------------------------------------------------------------------ rm / hold / release


def test_rm_then_q_shows_job_gone(env: dict) -> None:
    result = run("jobsub_rm", "-G", "fermilab", "-J", f"100.1@{S1}", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "Job 100.1 marked for removal\n", "")
    after = run("jobsub_q", "-G", "fermilab", "-json", "-name", S1, env=env)
    assert ids(json_arrays(after.stdout)[0]) == [f"100.0@{S1}", f"101.0@{S1}"]
    gone = job(state_of(env), S1, 100, 1, where="history")
    assert gone["JobStatus"] == 3
    assert gone["RemoveReason"] == "via condor_rm (by user alice)"
    history = run("jobsub_history", "-G", "fermilab", "-json", env=env)
    assert f"100.1@{S1}" in ids(json_arrays(history.stdout)[0])


@pytest.mark.parametrize("command, args, out, err", [
    pytest.param("jobsub_rm", ["-J", f"100@{S1}"],
                 "All jobs in cluster 100 have been marked for removal\n", "", id="rm-cluster"),
    pytest.param("jobsub_rm", ["-J", f"100.7@{S1}"], "", "\nJob 100.7 not found\n",
                 id="rm-missing-job"),
    pytest.param("jobsub_rm", ["-J", f"77@{S1}"], "",
                 "\nCouldn't find/remove all jobs in cluster 77\n", id="rm-missing-cluster"),
    pytest.param("jobsub_rm", ["-J", f"101.0@{S1}"], "",
                 "\nPermission denied to remove job 101.0\n", id="rm-not-owner"),
    pytest.param("jobsub_rm", ["-name", S2, "alice"],
                 'All jobs of user "alice" have been marked for removal\n', "", id="rm-user"),
    pytest.param("jobsub_rm", ["-name", S2, "--constraint", "ProcId == 0"],
                 "All jobs matching constraint (ProcId == 0) have been marked for removal\n", "",
                 id="rm-constraint"),
    pytest.param("jobsub_rm", ["-name", S3, "9"], "",
                 "condor_rm:0:There are no jobs in the queue\n", id="rm-empty-queue"),
    pytest.param("jobsub_hold", ["-J", f"100.0@{S1}"], "Job 100.0 held\n", "", id="hold-job"),
    pytest.param("jobsub_hold", ["-J", f"100@{S1}"], "All jobs in cluster 100 have been held\n",
                 "", id="hold-cluster"),
    pytest.param("jobsub_hold", ["-J", f"101.0@{S1}"], "",
                 "\nPermission denied to hold job 101.0\n", id="hold-not-owner"),
    pytest.param("jobsub_release", ["-J", f"100.0@{S1}"], "",
                 "\nJob 100.0 not held to be released\n", id="release-not-held"),
    pytest.param("jobsub_release", ["-J", f"100@{S1}"], "",
                 "\nCouldn't find/release all jobs in cluster 100\n", id="release-cluster-none"),
])
def test_action_texts(env: dict, command: str, args: list, out: str, err: str) -> None:
    result = run(command, "-G", "fermilab", *args, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, out, err)


def test_hold_then_release_changes_state(env: dict) -> None:
    held = run("jobsub_hold", "-G", "fermilab", "-J", f"100@{S1}", env=env)
    assert held.stdout == "All jobs in cluster 100 have been held\n"
    for proc in (0, 1):
        ad = job(state_of(env), S1, 100, proc)
        assert (ad["JobStatus"], ad["HoldReason"], ad["HoldReasonCode"]) == (
            5, "via condor_hold (by user alice)", 1)
    again = run("jobsub_hold", "-G", "fermilab", "-J", f"100.0@{S1}", env=env)
    assert again.stderr == "\nJob 100.0 already held\n"
    table = run("jobsub_q", "-G", "fermilab", "-name", S1, env=env)
    assert table.stdout.splitlines()[-1].startswith("3 total; 0 completed, 0 removed, 0 idle, "
                                                    "0 running, 3 held")
    released = run("jobsub_release", "-G", "fermilab", "-J", f"100.1@{S1}", env=env)
    assert released.stdout == "Job 100.1 released\n"
    ad = job(state_of(env), S1, 100, 1)
    assert ad["JobStatus"] == 1 and "HoldReason" not in ad
    assert ad["ReleaseReason"] == "via condor_release (by user alice)"


def test_actions_fan_out_and_plain_cluster(env: dict) -> None:
    result = run("jobsub_rm", "-G", "fermilab", "200", env=env)
    assert result.returncode == 0
    assert result.stdout == "All jobs in cluster 200 have been marked for removal\n"
    assert result.stderr == ("\nCouldn't find/remove all jobs in cluster 200\n"
                             "condor_rm:0:There are no jobs in the queue\n")


@pytest.mark.parametrize("command", ["jobsub_rm", "jobsub_hold", "jobsub_release"])
def test_user_option_reaches_condor_and_is_refused(env: dict, command: str) -> None:
    result = run(command, "-G", "fermilab", "--user", "alice", "-name", S1, env=env)
    tool = command.replace("jobsub_", "condor_")
    assert result.returncode == 0 and result.stdout == ""
    assert result.stderr.startswith(f"Unrecognized option: -user\nUsage: {tool} [options]")
    assert state_of(env) == pool_state()


def test_no_jobs_named(env: dict) -> None:
    result = run("jobsub_rm", "-G", "fermilab", "-name", S1, env=env)
    assert result.returncode == 0
    assert result.stderr.startswith("You did not specify any jobs\nUsage: condor_rm")


@pytest.mark.parametrize("command, args, err", [
    pytest.param("jobsub_rm", ["-J", f"100.0@{S1}"], "\nPermission denied to remove job 100.0\n",
                 id="rm-job"),
    pytest.param("jobsub_hold", ["-J", f"100@{S1}"],
                 "\nCouldn't find/hold all jobs in cluster 100\n", id="hold-cluster"),
    pytest.param("jobsub_release", ["-J", f"101.0@{S1}"],
                 "\nPermission denied to release job 101.0\n", id="release-job"),
    pytest.param("jobsub_rm", ["-name", S1, "-constraint", "ClusterId == 100"],
                 "\nCouldn't find/remove all jobs matching constraint (ClusterId == 100)\n",
                 id="rm-constraint"),
])
def test_permission_denied_knob(env: dict, command: str, args: list, err: str) -> None:
    result = run(command, "-G", "fermilab", *args, env=env, JOBSUB_LITE_DOUBLE_DENY="1")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", err)
    assert state_of(env) == pool_state()


def test_superuser_may_act_on_others(env: dict) -> None:
    state = pool_state()
    state["superusers"] = ["alice"]
    cd.write_state(env["JOBSUB_LITE_DOUBLE_STATE"], state)
    result = run("jobsub_release", "-G", "fermilab", "-J", f"101.0@{S1}", env=env)
    assert result.stdout == "Job 101.0 released\n"


# ------------------------------------------------------------------ constraints

EVALUATORS = [
    pytest.param({}, id="bindings", marks=pytest.mark.skipif(not has_bindings(),
                                                             reason="no HTCondor bindings")),
    pytest.param({"JOBSUB_LITE_DOUBLE_NO_BINDINGS": "1"}, id="fallback"),
]


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("constraint, expected", [
    pytest.param('Owner == "bob"', [f"101.0@{S1}"], id="string-eq"),
    pytest.param('Owner=="BOB"', [f"101.0@{S1}"], id="eq-ignores-case"),
    pytest.param('Owner =?= "BOB"', [], id="is-identical-case"),
    pytest.param("ClusterId == 100 && ProcId == 1", [f"100.1@{S1}"], id="conjunction"),
    pytest.param("(ClusterId == 101) || (ClusterId == 102)", [f"101.0@{S1}", f"102.0@{S1}"],
                 id="disjunction"),
    pytest.param('Jobsub_Group =?= "dune"', [f"102.0@{S1}"], id="group"),
    pytest.param("NoSuchAttr == 1", [], id="undefined"),
])
def test_constraints(env: dict, evaluator: dict, constraint: str, expected: list) -> None:
    result = run("jobsub_q", "-G", "fermilab", "-name", S1, "-allusers", "--constraint",
                 constraint, "-json", env=env, **evaluator)
    assert result.returncode == 0, result.stderr
    arrays = json_arrays(result.stdout)
    assert (ids(arrays[0]) if arrays else []) == expected


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_constraint_action(env: dict, evaluator: dict) -> None:
    result = run("jobsub_hold", "-G", "fermilab", "-name", S1, "--constraint",
                 "ClusterId == 100 && ProcId == 0", env=env, **evaluator)
    assert result.stdout == ("All jobs matching constraint (ClusterId == 100 && ProcId == 0) "
                             "have been held\n")
    assert job(state_of(env), S1, 100, 0)["JobStatus"] == 5
    assert job(state_of(env), S1, 100, 1)["JobStatus"] == 1


def test_fallback_evaluator_reports_what_it_cannot_read(env: dict) -> None:
    result = run("jobsub_q", "-G", "fermilab", "-name", S1, "--constraint",
                 "regexp(\"a\", Owner)", "-json", env=env, JOBSUB_LITE_DOUBLE_NO_BINDINGS="1")
    assert result.returncode == 0
    assert "is not a valid constraint" in result.stderr


def test_fallback_evaluator_unit() -> None:
    ad = cd.make_job(S1, 5, 1, owner="carol")
    assert cd._fallback('Owner == "carol" && ProcId >= 1', ad) is True
    assert cd._fallback("ProcId != 1", ad) is False
    assert cd._fallback("Missing == 1", ad) is cd.UNDEFINED
    assert cd._fallback("Missing =?= undefined", ad) is True
    assert cd._fallback("((ClusterId == 5))", ad) is True


# ------------------------------------------------------------------ jobsub_history


@pytest.mark.parametrize("args, expected", [
    pytest.param([], [f"91.0@{S1}", f"90.0@{S1}"], id="newest-first"),
    pytest.param(["--user", "bob"], [f"91.0@{S1}"], id="user"),
    pytest.param(["--qdate-ge", "2025-11-25"], [f"91.0@{S1}"], id="qdate-ge"),
    pytest.param(["--qdate-le", "2025-11-25"], [f"90.0@{S1}"], id="qdate-le"),
    pytest.param(["-J", f"90.0@{S1}"], [f"90.0@{S1}"], id="jobid"),
    pytest.param(["--constraint", "ClusterId == 90"], [f"91.0@{S1}", f"90.0@{S1}"],
                 id="constraint-ignored"),
])
def test_history_json(env: dict, args: list, expected: list) -> None:
    result = run("jobsub_history", "-G", "fermilab", "-json", *args, env=env)
    assert result.returncode == 0, result.stderr
    arrays = json_arrays(result.stdout)
    assert (ids(arrays[0]) if arrays else []) == expected


def test_history_table(env: dict) -> None:
    result = run("jobsub_history", "-G", "fermilab", env=env)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("JOBSUBJOBID                             OWNER                SUB")
    assert lines[1] == f"91.0@{S1}        bob       \t11/25 09:00 01/01 00:00  X myscript.sh "
    assert lines[2] == f"90.0@{S1}        alice     \t11/24 09:00 11/24 09:10  C myscript.sh "


def test_history_bad_date(env: dict) -> None:
    result = run("jobsub_history", "-G", "fermilab", "--qdate-ge", "11/25/2025", env=env)
    assert result.returncode == 1
    assert "Error: ValueError: time data '11/25/2025' does not match format" in result.stderr


# ------------------------------------------------------------------ jobsub_fetchlog


def test_fetchlog_archive_in_cwd(env: dict, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = run("jobsub_fetchlog", "-G", "fermilab", "-J", f"100.0@{S1}", env=env, cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    archive = work / f"100.0@{S1}.tgz"
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
    assert names == sorted(cd.sandbox_files([job(pool_state(), S1, 100, 0),
                                             job(pool_state(), S1, 100, 1)], False))
    assert "myscript_100.0.out" in names and "myscript.log" in names


@pytest.mark.parametrize("args, files", [
    pytest.param(["--destdir", "logs/d1", f"100.1@{S1}"],
                 ["myscript.cmd", "myscript.log", "myscript.sh", "myscript_100.0.err",
                  "myscript_100.0.out", "myscript_100.1.err", "myscript_100.1.out"],
                 id="destdir-cluster"),
    pytest.param(["--unzip=logs/d1", "--partial", "-J", f"100.1.@{S1}"],
                 ["myscript.cmd", "myscript.sh", "myscript_100.1.err", "myscript_100.1.out"],
                 id="unzipdir-partial"),
    pytest.param(["--dest-dir", "logs/d1", "--job", f"90.0@{S1}"],
                 ["myscript.cmd", "myscript.log", "myscript.sh", "myscript_90.0.err",
                  "myscript_90.0.out"], id="finished-job"),
])
def test_fetchlog_destdir(env: dict, tmp_path: Path, args: list, files: list) -> None:
    result = run("jobsub_fetchlog", "-G", "fermilab", *args, env=env, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert sorted(os.listdir(tmp_path / "logs" / "d1")) == files
    assert not list(tmp_path.glob("**/*.tgz"))


def test_fetchlog_condor_zip(env: dict, tmp_path: Path) -> None:
    result = run("jobsub_fetchlog", "-G", "fermilab", "--condor", "--archive-format", "zip",
                 "--partial", f"200.0@{S2}", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / f"200.0@{S2}.zip") as archive:
        assert "myscript_200.0.out" in archive.namelist()


@pytest.mark.parametrize("args, out, err", [
    pytest.param(["-J", f"55.0@{S1}"], "Got error from landscape:\n",
                 f"Error: HTTPError: 404 Client Error: Not Found for url: "
                 f"{cd.DEFAULT_FETCHLOG_URL}/job/55.0@{S1}.tar.gz", id="unknown-job"),
    pytest.param(["-J", "100.0"], "Got error from landscape:\n", "404 Client Error",
                 id="no-schedd"),
    pytest.param([], "", "Error: NameError: jobid is required.", id="no-jobid"),
    pytest.param(["--archive-format", "zip", f"100.0@{S1}"], "",
                 'Error: Exception: unknown/unsupported archive format "zip"', id="zip-web"),
    pytest.param(["--auth-methods", "proxy", f"100.0@{S1}"], "",
                 "Error: NameError: jobsub_fetchlog only supports token authentication.",
                 id="no-token"),
])
def test_fetchlog_errors(env: dict, tmp_path: Path, args: list, out: str, err: str) -> None:
    result = run("jobsub_fetchlog", "-G", "fermilab", *args, env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(out)
    assert err in result.stderr
    assert not list(tmp_path.glob("*.tgz"))


def test_fetchlog_url_unset_knob(env: dict, tmp_path: Path) -> None:
    result = run("jobsub_fetchlog", "-G", "fermilab", f"100.0@{S1}", env=env, cwd=tmp_path,
                 JOBSUB_LITE_DOUBLE_NO_FETCHLOG_URL="1")
    assert result.returncode == 1
    assert "Error: NameError: JOBSUB_FETCHLOG_URL not set in the environment." in result.stderr


# ------------------------------------------------------------------ common behaviour


@pytest.mark.parametrize("command, args, message", [
    pytest.param("jobsub_fetchlog", ["--list-sandboxes", f"1.0@{S1}"],
                 "unrecognized arguments: --list-sandboxes", id="fetchlog-list-sandboxes"),
    pytest.param("jobsub_fetchlog", ["--user", "alice", "-J", f"1.0@{S1}"],
                 "unrecognized arguments: --user", id="fetchlog-user"),
    pytest.param("jobsub_fetchlog", ["--jobsub-server", "https://x", "-J", f"1.0@{S1}"],
                 "unrecognized arguments: --jobsub-server", id="fetchlog-jobsub-server"),
    pytest.param("jobsub_q", ["--job", "1"], "ambiguous option: --job could match --jobid, "
                 "--jobsub_server", id="q-ambiguous-job"),
    pytest.param("jobsub_q", ["-hold"], "ignored explicit argument 'old'", id="q-dash-hold"),
    pytest.param("jobsub_rm", ["--verbose", "-J", f"1@{S1}"], "expected one argument",
                 id="rm-verbose-no-int"),
    pytest.param("jobsub_hold", ["--verbose", "x"], "invalid int value: 'x'", id="hold-verbose"),
    pytest.param("jobsub_history", ["-J"], "expected one argument", id="history-jobid"),
])
def test_argparse_errors_exit_2(env: dict, command: str, args: list, message: str) -> None:
    result = run(command, "-G", "fermilab", *args, env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"{command}: error:")


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_group_exit_1(env: dict, command: str) -> None:
    result = run(command, f"1.0@{S1}", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"\n\nError: NameError: {BIN / command} needs -G group or $GROUP "
                             "in the environment.\n\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_group_from_environment(env: dict, command: str, tmp_path: Path) -> None:
    result = run(command, f"100.0@{S1}", env=env, cwd=tmp_path, JOBSUB_GROUP="fermilab",
                 GROUP="dune")
    assert result.returncode == 0, result.stderr
    assert "NameError" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_version_and_record(env: dict, command: str) -> None:
    result = run(command, "--version", env=env)
    if command == "jobsub_history":  # bin/jobsub_history parses --version and ignores it
        assert (result.returncode, result.stdout) == (1, "")
        assert "Error: NameError" in result.stderr
    else:
        assert (result.returncode, result.stdout) == (0, "jobsub_lite version 1.12\n")
    run(command, "--bogus-option", "x y", env=env)
    lines = Path(env["JOBSUB_LITE_DOUBLE_RECORD"]).read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"command": command, "argv": ["--version"]},
        {"command": command, "argv": ["--bogus-option", "x y"]}]


def test_default_state_without_state_file(env: dict) -> None:
    del env["JOBSUB_LITE_DOUBLE_STATE"]
    first = run("jobsub_rm", "-G", "fermilab", "-J", f"1001.1@{S1}", env=env)
    assert first.stdout == "Job 1001.1 marked for removal\n"
    again = run("jobsub_rm", "-G", "fermilab", "-J", f"1001.1@{S1}", env=env)
    assert again.stdout == "Job 1001.1 marked for removal\n"  # changes are not kept
