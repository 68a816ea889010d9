"""jobsub_submit_dag: Plans, and end to end with the jobsub_lite double."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobsub_compat import lite
from jobsub_compat.commands import submit_dag
from tests.conftest import ROOT

ENV = {"PATH": "/usr/bin:/bin", "USER": "alice"}
LEGACY_DAG = """\
<serial>
jobsub -n -G gm2 -M file:///abs/a.sh 1
</serial>
<parallel>
jobsub -n --expected-lifetime=600 file:///abs/b.sh 2
jobsub -n file:///abs/c.sh 3
</parallel>
"""
LITE_DAG = "<serial>\njobsub file:///abs/a.sh 1\n</serial>\n"


def write(tmp_path: Path, text: str) -> Path:
    dag = tmp_path / "x.dag"
    dag.write_text(text)
    return dag


def test_legacy_dag_gets_a_translated_copy(tmp_path: Path) -> None:
    dag = write(tmp_path, LEGACY_DAG)
    plan = submit_dag.translate(["-G", "gm2", "--maxRunning", "2", f"file://{dag}"], ENV)
    assert plan.error is None
    assert plan.backend_argv[1:5] == ["--dag", "-G", "gm2", "--maxConcurrent"]
    (copy, text), = plan.files.items()
    assert plan.backend_argv[-1] == f"file://{copy}" and copy != str(dag)
    assert "jobsub -G gm2 --mail_always file:///abs/a.sh 1" in text
    assert "--expected-lifetime=600s" in text and " -n " not in text
    assert {"JC140", "JC104", "JC113", "JC150", "JC156"} <= {w.code for w in plan.warnings}
    assert dag.read_text() == LEGACY_DAG  # never modified


def test_lite_ready_dag_is_passed_as_is(tmp_path: Path) -> None:
    dag = write(tmp_path, LITE_DAG)
    plan = submit_dag.translate(["-G", "gm2", f"file://{dag}"], ENV)
    assert plan.backend_argv[1:] == ["--dag", "-G", "gm2", f"file://{dag}"]
    assert plan.files == {} and plan.warnings == []


def test_dag_errors_name_file_and_line(tmp_path: Path) -> None:
    dag = write(tmp_path, "<serial>\njobsub --override A B file:///a\n</serial>\n")
    plan = submit_dag.translate(["-G", "gm2", f"file://{dag}"], ENV)
    assert plan.exit_code == 1 and plan.error and plan.error.startswith(f"{dag}:2: ")


@pytest.mark.parametrize(("argv", "fragment"), [
    pytest.param(["-manual"], "dagNabbit", id="manual"),
    pytest.param(["--help"], "usage: jobsub_submit_dag", id="help"),
])
def test_printed_answers(argv: list[str], fragment: str) -> None:
    plan = submit_dag.translate(argv, ENV)
    assert plan.action == "print" and fragment in plan.text


def test_missing_dag_file() -> None:
    plan = submit_dag.translate(["-G", "gm2", "file:///nonexistent.dag"], ENV)
    assert plan.exit_code == 1 and plan.error
    assert "the DAG file /nonexistent.dag cannot be read" in plan.error


def test_continue_on_failure_refused(tmp_path: Path) -> None:
    plan = submit_dag.translate(["-G", "gm2", "--continue-on-failure",
                                 f"file://{write(tmp_path, LITE_DAG)}"], ENV)
    assert plan.error and plan.error.startswith("[JC141]")


def run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "bin" / "jobsub_submit_dag"), *argv],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_end_to_end(tmp_path: Path, double_env: dict[str, str]) -> None:
    dag = write(tmp_path, LEGACY_DAG.replace("file:///abs/a.sh", "file://a.sh"))
    before = dag.read_text()
    record = tmp_path / "record.jsonl"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**double_env, "JOBSUB_LITE_DOUBLE_RECORD": str(record), "TMPDIR": str(tmpdir)}
    done = run(["-G", "gm2", "-m", "2", "file://x.dag"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "JobsubJobId of first job: 4242.0@jobsub01.fnal.gov" in done.stdout
    records = [json.loads(line) for line in record.read_text().splitlines()]
    assert records[0]["args"]["dag"] is True and records[0]["args"]["maxConcurrent"] == "2"
    nodes = records[1]["nodes"]
    assert [n["args"]["executable"] for n in nodes] == [
        f"file://{tmp_path}/a.sh", "file:///abs/b.sh", "file:///abs/c.sh"]
    assert nodes[0]["args"]["mail"] == "always"
    assert list(tmpdir.iterdir()) == []  # the translated copy is gone
    assert "x.dag:2: -M is the legacy spelling" in done.stderr
    assert dag.read_text() == before


def test_end_to_end_refusal(tmp_path: Path, double_env: dict[str, str]) -> None:
    """The legacy server refused a bad DAG file and the client exited 1."""
    write(tmp_path, "<serial>\njobsub --override A B file:///a\n</serial>\n")
    done = run(["-G", "gm2", "file://x.dag"], double_env, tmp_path)
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("jobsub_submit_dag: error: x.dag:2: [JC128] --override")

def test_explain_shows_the_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from jobsub_compat import cli

    dag = write(tmp_path, LEGACY_DAG)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["explain", "--json", "--", "jobsub_submit_dag", "-G", "gm2",
                     f"file://{dag}"]) == 0
    data = json.loads(capsys.readouterr().out)
    (text,) = data["files"].values()
    assert "--mail_always" in text
    words = [lite.escape_layer(x) for x in data["backend_argv"][1:]]
    assert lite.submit_parser().parse_args(words).dag is True


def test_dry_run_environment_writes_nothing(tmp_path: Path, double_env: dict[str, str]) -> None:
    write(tmp_path, LEGACY_DAG)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    done = run(["-G", "gm2", "file://x.dag"],
               {**double_env, "JOBSUB_COMPAT_DRY_RUN": "1", "TMPDIR": str(tmpdir)}, tmp_path)
    assert done.returncode == 0 and "file " in done.stdout
    assert list(tmpdir.iterdir()) == [] and os.path.exists(tmp_path / "x.dag")
