"""End to end: the job-management drop-ins in a process, with the jobsub_lite doubles over
a fake condor pool (tests/doubles/jobsub_lite/lib/condor_double.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.conftest import DOUBLE_BIN, ROOT
from tests.test_tokens import make_token, write_token

sys.path.insert(0, str(DOUBLE_BIN.parent / "lib"))
import condor_double  # noqa: E402


@pytest.fixture
def pool(double_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The double's default pool in a state file, as alice in group fermilab, in UTC."""
    state = tmp_path / "state.json"
    state.write_text(json.dumps(condor_double.default_state()))
    return {**double_env, "JOBSUB_LITE_DOUBLE_STATE": str(state), "USER": "alice",
            "JOBSUB_GROUP": "fermilab", "TZ": "UTC", "JOBSUB_LITE_DOUBLE_NOW": "1764151800"}


def run(tool: str, argv: list[str], env: dict[str, str], cwd: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "bin" / tool), *argv], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def rows(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.splitlines() if "@" in line.split(" ")[0]]


def test_q_legacy_columns(pool: dict[str, str]) -> None:
    done = run("jobsub_q", ["--user", "alice"], pool)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["JOBSUBJOBID", "OWNER", "SUBMITTED", "RUN_TIME", "ST", "PRI",
                                "SIZE", "CMD"]
    ids = [r[0] for r in rows(done.stdout)]
    assert ids == ["1001.0@jobsub01.fnal.gov", "1001.1@jobsub01.fnal.gov",
                   "2001.0@jobsub02.fnal.gov"]  # the dune job of alice is not fermilab's
    assert [r[5] for r in rows(done.stdout)] == ["R", "I", "I"]  # awk '{print $6}'
    assert lines[-1] == "3 jobs; 0 completed, 0 removed, 2 idle, 1 running, 0 held, 0 suspended"


def test_q_without_a_group_lists_the_tokens_group(pool: dict[str, str],
                                                  tmp_path: Path) -> None:
    """Scripts run `jobsub_q --user X` without -G (the legacy client listed every group's
    jobs); jobsub_lite needs a group, so the token's is used, with a warning."""
    env = {k: v for k, v in pool.items() if k not in ("JOBSUB_GROUP", "GROUP")}
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(["/fermilab"])))
    done = run("jobsub_q", ["--user", "alice"], env)
    assert done.returncode == 0, done.stderr
    assert [r[0] for r in rows(done.stdout)] == ["1001.0@jobsub01.fnal.gov",
                                                 "1001.1@jobsub01.fnal.gov",
                                                 "2001.0@jobsub02.fnal.gov"]
    assert "warning [JC303]" in done.stderr and "-G fermilab" in done.stderr


def test_q_hold_view(pool: dict[str, str]) -> None:
    done = run("jobsub_q", ["-G", "fermilab", "--hold"], pool)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split()[:3] == ["JOBSUBJOBID", "OWNER", "HELD_SINCE"]
    assert [r[0] for r in rows(done.stdout)] == ["1002.0@jobsub01.fnal.gov"]


def test_rm_then_q(pool: dict[str, str]) -> None:
    done = run("jobsub_rm", ["--jobid=1001.1@jobsub01.fnal.gov"], pool)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "Removing job with jobid=1001.1@jobsub01.fnal.gov"
    ids = [r[0] for r in rows(run("jobsub_q", ["--user", "alice"], pool).stdout)]
    assert "1001.1@jobsub01.fnal.gov" not in ids


def test_rm_of_a_missing_job_fails(pool: dict[str, str]) -> None:
    done = run("jobsub_rm", ["--jobid=4242.0@jobsub01.fnal.gov"], pool)
    assert done.returncode == 1, done.stdout + done.stderr


def test_rm_denied_fails(pool: dict[str, str]) -> None:
    done = run("jobsub_rm", ["--user", "alice"], {**pool, "JOBSUB_LITE_DOUBLE_DENY": "1"})
    assert done.returncode == 1
    assert done.stdout.startswith("removing jobs owned by alice\n")


def test_hold_and_release_by_user(pool: dict[str, str]) -> None:
    assert run("jobsub_hold", ["--user", "alice"], pool).returncode == 0
    held = [r[0] for r in rows(run("jobsub_q", ["--hold"], pool).stdout)]
    assert "1001.0@jobsub01.fnal.gov" in held and "2001.0@jobsub02.fnal.gov" in held
    assert run("jobsub_release", ["--user", "alice"], pool).returncode == 0
    held = [r[0] for r in rows(run("jobsub_q", ["--hold"], pool).stdout)]
    assert held == ["1002.0@jobsub01.fnal.gov"]  # bob's, untouched


def test_history_legacy_columns(pool: dict[str, str]) -> None:
    done = run("jobsub_history", ["--user", "alice"], pool)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split() == ["JOBSUBJOBID", "OWNER", "SUBMITTED",
                                                   "FINISHED", "ST", "CMD"]
    assert [r[0] for r in rows(done.stdout)] == ["900.0@jobsub01.fnal.gov"]


def test_history_by_jobid_asks_its_schedd(pool: dict[str, str], tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    done = run("jobsub_history", ["--jobid", "901.0@jobsub01.fnal.gov"],
               {**pool, "JOBSUB_LITE_DOUBLE_RECORD": str(record)})
    assert done.returncode == 0, done.stderr
    argv = json.loads(record.read_text().splitlines()[0])["argv"]
    assert argv[argv.index("-name") + 1] == "jobsub01.fnal.gov"


def test_fetchlog_dest_dir(pool: dict[str, str], tmp_path: Path) -> None:
    done = run("jobsub_fetchlog", ["--job=1001.0@jobsub01.fnal.gov", "--unzip=logs",
                                   "--jobsub-server=https://fifebatch.fnal.gov:8443"],
               pool, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["Downloaded to 1001.0@jobsub01.fnal.gov.tgz",
                                             "Moved files to logs"]
    assert any((tmp_path / "logs").iterdir())


def test_fetchlog_archive(pool: dict[str, str], tmp_path: Path) -> None:
    done = run("jobsub_fetchlog", ["-J", "1001.0@jobsub01.fnal.gov"], pool, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / "1001.0@jobsub01.fnal.gov.tgz") as archive:
        assert archive.getnames()


def test_fetchlog_list(pool: dict[str, str]) -> None:
    done = run("jobsub_fetchlog", ["--list", "--user", "alice"], pool)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "JobsubJobID CreationDate for user alice in Accounting Group fermilab"
    assert any(line.startswith("900.0@jobsub01.fnal.gov   ") for line in lines)


@pytest.mark.parametrize("tool", ["jobsub_q.py", "jobsub_rm.py", "jobsub_history.py"])
def test_py_twins(tool: str, pool: dict[str, str]) -> None:
    assert run(tool, ["--help"], pool).stdout.startswith(f"usage: {tool[:-3]}")
