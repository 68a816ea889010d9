"""The job-management drop-ins on jobsub_lite 1.12's own command code.

Each test runs our bin/jobsub_q (rm, hold, release, history, fetchlog, submit_dag) with the
real jobsub_lite 1.12 behind it (harness.py); only the outside world is replaced:
condor_q/condor_rm/condor_hold/condor_release/condor_history answer from the fixed job
ads below with HTCondor's own ClassAd library (standins/condor_tools.py), the sandbox web
service fetchlog downloads from is an HTTPS stand-in (standins/landscape.py). Each checks
what legacy did, from its source (ddbox/jobsub, cited per test): the jobs selected
(recorded by the condor stand-ins, and the rows printed), the legacy layout, the file
written, and the exit status.
"""

from __future__ import annotations

import json
import shlex
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import harness

pytestmark = pytest.mark.jobsub_lite

S1, S3 = "jobsub01.fnal.gov", "jobsub03.fnal.gov"
NOW = 1_700_000_000
LEGACY_HEADER = ("JOBSUBJOBID                           OWNER           SUBMITTED     RUN_TIME"
                 "   ST PRI SIZE CMD")


def ad(schedd: str, cluster: int, proc: int, owner: str, group: str, status: int,
       **extra: Any) -> dict[str, Any]:
    """A job ad as jobsub_lite's submit file makes it (+Jobsub_Group, +AccountingGroup)."""
    qdate = NOW - 3600 * cluster % 86400
    job = {"ClusterId": cluster, "ProcId": proc, "Owner": owner, "Jobsub_Group": group,
           "AccountingGroup": f"group_{group}.{owner}", "JobStatus": status, "QDate": qdate,
           "GlobalJobId": f"{schedd}#{cluster}.{proc}#{qdate}", "JobPrio": 0,
           "ImageSize": 2048, "Cmd": f"/home/{owner}/js_x/run_{cluster}.sh",
           "JobsubCmd": f"run_{cluster}.sh", "Args": "", "RemoteWallClockTime": 0.0,
           "ServerTime": NOW, "EnteredCurrentStatus": NOW - 60}
    if status == 2:
        job.update(JobCurrentStartDate=NOW - 125, ShadowBday=NOW - 125)
    if status == 5:
        job["HoldReason"] = "via condor_hold"
    if status in (3, 4):
        job["CompletionDate"] = NOW - 30
    job.update(extra)
    return job


JOBS = {
    S1: [ad(S1, 100, 0, "alice", "gm2", 1), ad(S1, 100, 1, "alice", "gm2", 2),
         ad(S1, 101, 0, "bob", "gm2", 1), ad(S1, 102, 0, "alice", "nova", 1),
         ad(S1, 103, 0, "carol", "gm2", 5), ad(S1, 104, 0, "alice", "gm2", 5),
         ad(S1, 105, 0, "alice", "nova", 5)],
    S3: [ad(S3, 100, 0, "alice", "gm2", 1), ad(S3, 200, 0, "bob", "nova", 2),
         ad(S3, 202, 0, "bob", "nova", 5)],
}
HISTORY = {
    S1: [ad(S1, 90, 0, "alice", "gm2", 4), ad(S1, 91, 0, "bob", "gm2", 4),
         ad(S1, 92, 0, "alice", "nova", 4), ad(S1, 93, 0, "alice", "gm2", 3)],
    S3: [ad(S3, 90, 0, "alice", "gm2", 4)],
}
SANDBOX = {"run_100.sh_20231114_221320_1_0_1.cmd": "universe = vanilla\n",
           "run_100.sh_20231114_221320_1_0_1_100.0.out": "hello from 100.0\n",
           "run_100.sh_20231114_221320_1_0_1_100.0.err": ""}


@pytest.fixture
def pool(tmp_path: Path) -> Path:
    schedds = [dict(s) for s in harness.DEFAULT_POOL["schedds"]]  # type: ignore[index]
    schedds.append({**schedds[0], "Name": S3, "Machine": S3,
                    "MyAddress": f"<127.0.0.1:9618?alias={S3}>"})
    path = tmp_path / "pool.json"
    path.write_text(json.dumps({"schedds": schedds, "jobs": JOBS, "history": HISTORY,
                                "sandboxes": {f"100.0@{S1}": SANDBOX,
                                              f"100@{S1}": SANDBOX}}))
    return path


@pytest.fixture
def landscape(lite: harness.Sandbox, pool: Path) -> Iterator[Any]:
    from .standins.landscape import LandscapeServer

    server = LandscapeServer(str(pool), str(lite.cert), str(lite.cert_key)).start()
    yield server
    server.stop()


class Run:
    """One drop-in (or jobsub_lite) run and what the condor stand-ins saw."""

    def __init__(self, render: harness.Render, record: Path) -> None:
        self.render = render
        self.status, self.stdout, self.stderr = render.status, render.stdout, render.stderr
        log = record / "condor_tools.jsonl"
        self.calls = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() \
            else []

    def __repr__(self) -> str:
        return f"Run({self.render!r},\ncalls={self.calls!r})"

    def matched(self, tool: str) -> set[str]:
        return {j for c in self.calls if c["tool"] == tool for j in c["matched"]}

    def acted(self) -> list[str]:
        return [j for c in self.calls for j in c.get("acted", [])]

    def rows(self) -> list[str]:
        """The job ids of the legacy table's rows (first field, as scripts cut it)."""
        return [line.split()[0] for line in self.stdout.splitlines()
                if line and line[0].isdigit() and "@" in line.split()[0]]


def run(lite: harness.Sandbox, pool: Path, tmp_path: Path, command: str, line: str,
        dropin: bool = True, env: dict[str, str] | None = None, cwd: Path | None = None
        ) -> Run:
    record = tmp_path / f"record_{len(list(tmp_path.glob('record_*')))}"
    full = {"JOBSUB_LITE_STANDIN_POOL": str(pool), "JOBSUB_LITE_STANDIN_RECORD": str(record),
            **(env or {})}
    render = lite.execute(harness.Request(shlex.split(line), env=full, cwd=cwd,
                                          command=command, dropin=dropin))
    return Run(render, record)


def legacy_table(result: Run, ids: set[str]) -> None:
    """client/jobsubClient.py print_msg + report_counts on condor_commands.py's format: the
    header, one row per job (id first, status letter sixth), an empty line, the counts."""
    lines = result.stdout.splitlines()
    assert lines[0] == LEGACY_HEADER, result
    assert set(result.rows()) == ids, result
    assert lines[-2] == "" and lines[-1].startswith(f"{len(ids)} jobs; "), result


# --- jobsub_q ------------------------------------------------------------------------------

def test_q_lists_the_groups_jobs_on_every_schedd(lite: harness.Sandbox, pool: Path,
                                                 tmp_path: Path) -> None:
    """constructFilter(acctgroup): every user's jobs of the group (server/webapp/
    condor_commands.py), from every schedd (ui_condor_q loops over schedd_list)."""
    result = run(lite, pool, tmp_path, "jobsub_q", "-G gm2")
    assert result.status == 0, result
    want = {f"100.0@{S1}", f"100.1@{S1}", f"101.0@{S1}", f"103.0@{S1}", f"104.0@{S1}",
            f"100.0@{S3}"}
    legacy_table(result, want)
    assert result.matched("condor_q") == want
    statuses = {line.split()[0]: line.split()[5] for line in result.stdout.splitlines()[1:-2]}
    assert statuses[f"100.1@{S1}"] == "R" and statuses[f"103.0@{S1}"] == "H"


def test_q_user_keeps_to_the_group(lite: harness.Sandbox, pool: Path, tmp_path: Path) -> None:
    """users/<u>/jobs/acctgroup/<g>/: constructFilter(acctgroup, uid) = group AND
    Owner=="u". jobsub_lite alone hands condor_q the name as a word and drops the group
    filter, so alice's nova job appears."""
    result = run(lite, pool, tmp_path, "jobsub_q", "--user alice",
                 env={"JOBSUB_GROUP": "gm2"})
    assert result.status == 0, result
    legacy_table(result, {f"100.0@{S1}", f"100.1@{S1}", f"104.0@{S1}", f"100.0@{S3}"})
    lite_alone = run(lite, pool, tmp_path, "jobsub_q", "-G gm2 --user alice -json",
                     dropin=False)
    assert f"102.0@{S1}" in lite_alone.matched("condor_q")


def test_q_constraint_alone(lite: harness.Sandbox, pool: Path, tmp_path: Path) -> None:
    """server/webapp/constraint.py doGET: `condor_q -constraint C`, no group filter; the
    client folded --user in as `Owner=?="u"&&C` (jobsubClient.py __init__), unbracketed:
    `A&&B||C` is (A&&B)||C."""
    held = run(lite, pool, tmp_path, "jobsub_q", "-G gm2 --constraint JobStatus==5")
    assert held.status == 0, held
    legacy_table(held, {f"103.0@{S1}", f"104.0@{S1}", f"105.0@{S1}", f"202.0@{S3}"})
    folded = run(lite, pool, tmp_path, "jobsub_q",
                 "-G gm2 --user alice --constraint 'JobStatus==1||JobStatus==2'")
    assert folded.status == 0, folded
    legacy_table(folded, {f"100.0@{S1}", f"102.0@{S1}", f"100.0@{S3}",  # alice, idle
                          f"100.1@{S1}", f"200.0@{S3}"})  # anyone, running


def test_q_job_ids(lite: harness.Sandbox, pool: Path, tmp_path: Path) -> None:
    """A legacy id names one schedd's job; a bare cluster (jobsub_lite-era, which legacy
    refused) keeps jobsub_lite's meaning: that cluster on every schedd of the group."""
    one = run(lite, pool, tmp_path, "jobsub_q", f"-G gm2 --jobid 100.0@{S1}")
    assert one.status == 0, one
    legacy_table(one, {f"100.0@{S1}"})
    bare = run(lite, pool, tmp_path, "jobsub_q", "-G gm2 --jobid 100")
    assert bare.status == 0, bare
    legacy_table(bare, {f"100.0@{S1}", f"100.1@{S1}", f"100.0@{S3}"})


@pytest.mark.parametrize(("line", "status"), [
    pytest.param("-G gm2 --foo bar", 2, id="unknown-option-optparse"),
    pytest.param(f"-G gm2 --jobid 100.0@{S1},", 1, id="trailing-comma-check_id"),
    pytest.param("-G gm2 --summary --user alice", 1, id="summary-conflict"),
])
def test_q_usage_errors(lite: harness.Sandbox, pool: Path, tmp_path: Path, line: str,
                        status: int) -> None:
    result = run(lite, pool, tmp_path, "jobsub_q", line)
    assert result.status == status and result.calls == [], result
    assert result.stderr.count("\n") == 1 and "jobsub_q: error" in result.stderr


def test_q_group_from_group_variable(lite: harness.Sandbox, pool: Path,
                                     tmp_path: Path) -> None:
    """The legacy client read only $JOBSUB_GROUP; $GROUP is taken, as jobsub_lite does,
    with JC304."""
    result = run(lite, pool, tmp_path, "jobsub_q", "--user alice", env={"GROUP": "gm2"})
    assert result.status == 0, result
    assert "warning [JC304]" in result.stderr
    legacy_table(result, {f"100.0@{S1}", f"100.1@{S1}", f"104.0@{S1}", f"100.0@{S3}"})


# --- jobsub_history -----------------------------------------------------------------------

# sqlite_commands.py fmtStr() "%-38s  %-19s  %-19s %-19s %-3s      %s" on the names.
HISTORY_HEADER = (f"{'JOBSUBJOBID':<38}  {'OWNER':<19}  {'SUBMITTED':<19} {'FINISHED':<19} "
                  f"{'ST':<3}      CMD")


def test_history_selects_group_and_user_and_job(lite: harness.Sandbox, pool: Path,
                                                tmp_path: Path) -> None:
    """server/webapp/sqlite_commands.py constructQuery: acctgroup AND Owner AND jobid.
    jobsub_lite alone hands condor_history the user and the cluster as words, which
    condor ORs (every alice job, and bob's cluster 90 would be in), with no group."""
    line = f"-G gm2 --user alice --jobid 90.0@{S1}"
    result = run(lite, pool, tmp_path, "jobsub_history", line)
    assert result.status == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == HISTORY_HEADER and result.rows() == [f"90.0@{S1}"], result
    assert result.matched("condor_history") == {f"90.0@{S1}"}
    lite_alone = run(lite, pool, tmp_path, "jobsub_history", line + " -json", dropin=False,
                     env={"_condor_SCHEDD_HOST": S1})
    assert lite_alone.matched("condor_history") == {f"90.0@{S1}", f"92.0@{S1}",
                                                    f"93.0@{S1}"}


def test_history_user_keeps_to_the_group(lite: harness.Sandbox, pool: Path,
                                         tmp_path: Path) -> None:
    result = run(lite, pool, tmp_path, "jobsub_history", "-G gm2 --user alice",
                 env={"_condor_SCHEDD_HOST": S1})
    assert result.status == 0, result
    assert set(result.rows()) == {f"90.0@{S1}", f"93.0@{S1}"}, result
    st = {line.split()[0]: line[101:104].strip() for line in result.stdout.splitlines()[1:3]}
    assert st == {f"90.0@{S1}": "C", f"93.0@{S1}": "X"}, result  # sqlite_commands fmtStr


# --- jobsub_rm, jobsub_hold, jobsub_release -------------------------------------------------

def test_rm_list_with_trailing_comma(lite: harness.Sandbox, pool: Path, tmp_path: Path) -> None:
    """client/jobsub_rm main: each id printed, then removed; the empty one after the comma
    is `remove requires either a jobid or uid or constraint` (JobSubClientError, exit 1),
    after the two before it were removed."""
    result = run(lite, pool, tmp_path, "jobsub_rm",
                 f"-G gm2 --jobid 100.0@{S1},100.0@{S3},")
    assert result.status == 1, result
    assert result.stdout.splitlines()[:3] == [
        f"Removing job with jobid=100.0@{S1}", f"Removing job with jobid=100.0@{S3}",
        "Removing job with jobid="]
    assert result.stdout.count("Job 100.0 marked for removal") == 2
    assert sorted(result.acted()) == [f"100.0@{S1}", f"100.0@{S3}"]
    assert result.stderr.rstrip().splitlines()[-1].startswith(
        "jobsub_rm: error: [JC160] remove requires either a jobid or uid or constraint")
    queue = json.loads(pool.read_text())["jobs"]
    assert [j["ClusterId"] for j in queue[S3]] == [200, 202]


def test_rm_job_id_without_schedd(lite: harness.Sandbox, pool: Path, tmp_path: Path) -> None:
    """jobsubClient.py jid_callback: `jobid (123.0) is missing an '@'`, sys.exit: 1."""
    result = run(lite, pool, tmp_path, "jobsub_rm", "-G gm2 --jobid 123.0")
    assert result.status == 1 and result.calls == [], result
    assert "missing an '@'" in result.stderr


def test_rm_user_beside_job_removes_the_job(lite: harness.Sandbox, pool: Path,
                                            tmp_path: Path) -> None:
    """server/webapp/util.py doJobAction: with a job id the constraint is the job's (the
    user only checked); jobsub_lite with both would also remove every alice job."""
    result = run(lite, pool, tmp_path, "jobsub_rm", f"-G gm2 --user alice --jobid 100.1@{S1}")
    assert result.status == 0, result
    assert result.acted() == [f"100.1@{S1}"] and "warning [JC305]" in result.stderr


def test_hold_user_keeps_to_the_group(lite: harness.Sandbox, pool: Path,
                                      tmp_path: Path) -> None:
    """doJobAction(user): `regexp(group) && (Owner =?= "alice")` on every schedd."""
    result = run(lite, pool, tmp_path, "jobsub_hold", "-G gm2 --user alice")
    assert result.status == 0, result
    assert result.stdout.splitlines()[0] == "Holding jobs owned by alice"
    assert sorted(result.acted()) == [f"100.0@{S1}", f"100.0@{S3}", f"100.1@{S1}"]
    assert f"102.0@{S1}" not in result.matched("condor_hold")


def test_release_constraint_keeps_to_the_group(lite: harness.Sandbox, pool: Path,
                                               tmp_path: Path) -> None:
    """doJobAction(constraint): the group is added (its name is not in the constraint);
    carol's held gm2 job is matched but not hers to release (condor's permission)."""
    result = run(lite, pool, tmp_path, "jobsub_release", "-G gm2 --constraint JobStatus==5")
    assert result.status == 0, result
    assert result.acted() == [f"104.0@{S1}"]
    assert result.matched("condor_release") == {f"103.0@{S1}", f"104.0@{S1}"}


def test_release_nothing_released_exits_1(lite: harness.Sandbox, pool: Path,
                                          tmp_path: Path) -> None:
    """The legacy status for --user/--constraint: 0 only if some schedd acted."""
    result = run(lite, pool, tmp_path, "jobsub_release", "-G gm2 --user bob")
    assert result.status == 1 and result.acted() == [], result


# --- jobsub_fetchlog ------------------------------------------------------------------------

def test_fetchlog_writes_the_tgz_in_the_current_directory(
        lite: harness.Sandbox, pool: Path, tmp_path: Path, landscape: Any) -> None:
    """client/jobsub_fetchlog get_sandbox: `<jobid>.tgz` in the cwd, `Downloaded to`."""
    here = tmp_path / "here"
    here.mkdir()
    result = run(lite, pool, tmp_path, "jobsub_fetchlog", f"-G gm2 --jobid 100.0@{S1}",
                 env={"JOBSUB_FETCHLOG_URL": landscape.url}, cwd=here)
    assert result.status == 0, result
    assert result.stdout.splitlines()[-1] == f"Downloaded to 100.0@{S1}.tgz"
    assert [p.name for p in here.iterdir()] == [f"100.0@{S1}.tgz"]
    with tarfile.open(here / f"100.0@{S1}.tgz") as archive:
        assert sorted(archive.getnames()) == sorted(SANDBOX)


def test_fetchlog_zip_is_repacked_where_legacy_wrote_it(
        lite: harness.Sandbox, pool: Path, tmp_path: Path, landscape: Any) -> None:
    """Legacy wrote `<jobid>.zip` (entries `<jobid>/<file>`, server util.py zipdir);
    jobsub_lite's web-service fetch refuses zip, so the drop-in repacks its tar."""
    here = tmp_path / "here"
    here.mkdir()
    env = {"JOBSUB_FETCHLOG_URL": landscape.url}
    lite_alone = run(lite, pool, tmp_path, "jobsub_fetchlog",
                     f"-G gm2 --jobid 100.0@{S1} --archive-format zip", dropin=False,
                     env=env, cwd=here)
    assert lite_alone.status == 1 and "unsupported archive format" in lite_alone.stderr
    result = run(lite, pool, tmp_path, "jobsub_fetchlog",
                 f"-G gm2 --jobid 100.0@{S1} --archive-format zip", env=env, cwd=here)
    assert result.status == 0, result
    assert result.stdout.splitlines()[-1] == f"Downloaded to 100.0@{S1}.zip"
    assert [p.name for p in here.iterdir()] == [f"100.0@{S1}.zip"]
    with zipfile.ZipFile(here / f"100.0@{S1}.zip") as archive:
        assert sorted(archive.namelist()) == sorted(f"100.0@{S1}/{n}" for n in SANDBOX)
        assert archive.read(f"100.0@{S1}/run_100.sh_20231114_221320_1_0_1_100.0.out") == \
            b"hello from 100.0\n"


def test_fetchlog_cluster_id_keeps_its_spelling(
        lite: harness.Sandbox, pool: Path, tmp_path: Path, landscape: Any) -> None:
    """`100.@S` was the file `100.@S.tgz` for the legacy client; jobsub_lite asks for and
    writes `100@S`."""
    here = tmp_path / "here"
    here.mkdir()
    result = run(lite, pool, tmp_path, "jobsub_fetchlog", f"-G gm2 --jobid 100.@{S1}",
                 env={"JOBSUB_FETCHLOG_URL": landscape.url}, cwd=here)
    assert result.status == 0, result
    assert [p.name for p in here.iterdir()] == [f"100.@{S1}.tgz"]


def test_fetchlog_dest_dir(lite: harness.Sandbox, pool: Path, tmp_path: Path,
                           landscape: Any) -> None:
    here = tmp_path / "here"
    here.mkdir()
    result = run(lite, pool, tmp_path, "jobsub_fetchlog",
                 f"-G gm2 --jobid 100.0@{S1} --dest-dir out --archive-format zip",
                 env={"JOBSUB_FETCHLOG_URL": landscape.url}, cwd=here)
    assert result.status == 0, result
    assert result.stdout.splitlines()[-2:] == [f"Downloaded to 100.0@{S1}.zip",
                                               "Moved files to out"]
    assert sorted(p.name for p in (here / "out").iterdir()) == sorted(SANDBOX)
    assert [p.name for p in here.iterdir()] == ["out"]


# --- submissions ----------------------------------------------------------------------------

def test_dag_node_with_n_jobs_queues_them(lite: harness.Sandbox, probe: Path,
                                          tmp_path: Path) -> None:
    """The legacy dagNabbit submitted the node with -N 50 jobs; jobsub_lite 1.12 renders
    the node's stage with `queue 50` (lib/dagnabbit.py: the line's N over its default 1)."""
    dag = tmp_path / "n.dag"
    dag.write_text(f"<serial>\njobsub -G gm2 -N 50 file://{probe}\n"
                   f"jobsub -G gm2 file://{probe} b\n</serial>\n")
    render = lite.dropin(["-G", "gm2", f"file://{dag}"], command="jobsub_submit_dag",
                         cwd=tmp_path)
    assert render.status == 0, render
    counts = sorted(len(render.node_ads(node)) for node in render.nodes)
    assert counts == [1, 50], render.nodes.keys()


@pytest.mark.parametrize("env", [{}, {"SETUP_NAME": ""}], ids=["unset", "empty"])
def test_environment_name_unset_is_refused(lite: harness.Sandbox, probe: Path,
                                           env: dict[str, str]) -> None:
    """lib/groupsettings/JobSettings.py checkSanity: `you used -e NAME , but $NAME must be
    set first!` (the client sent only non-empty values): nothing submitted, exit 1."""
    render = lite.dropin(["-G", "gm2", "-e", "SETUP_NAME", f"file://{probe}"], env=env)
    assert render.status == 1 and render.submissions == [], render
    assert render.stderr.splitlines() == [
        "jobsub_submit: error: [JC302] you used -e SETUP_NAME, but $SETUP_NAME must be set "
        f"first! ($SETUP_NAME is {'empty' if env else 'unset'}; the legacy server refused "
        "this too) Export SETUP_NAME=VALUE, or write -e SETUP_NAME=VALUE."]
