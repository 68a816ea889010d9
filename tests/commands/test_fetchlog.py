from __future__ import annotations

import json
import shlex
import stat
from pathlib import Path

import pytest

from jobsub_compat.commands import fetchlog
from jobsub_compat.dropin import run

ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2", "USER": "alice"}


@pytest.mark.parametrize(("line", "expected", "warned"), [
    pytest.param("--jobid=1.0@s.fnal.gov --dest-dir=out", "--jobid=1.0@s.fnal.gov "
                 "--dest-dir=out", [], id="plain"),
    pytest.param("-G gm2 --job=1.0@s.fnal.gov --unzip=out", "-G gm2 --jobid=1.0@s.fnal.gov "
                 "--unzip=out", [], id="abbreviations"),
    pytest.param("-J 1.0@s.fnal.gov --jobsub-server=x --user=alice --timeout 60",
                 "-J 1.0@s.fnal.gov", ["JC101", "JC166", "JC167"], id="legacy-only-dropped"),
    pytest.param("1.0@s.fnal.gov --archive-format tar --partial",
                 "--partial 1.0@s.fnal.gov", [], id="positional-id"),
    pytest.param("--jobid 1.0@s.fnal.gov --archive-format zip", "--jobid 1.0@s.fnal.gov",
                 ["JC168"], id="zip-fetched-as-tar"),
    pytest.param("--jobid 1.0@s.fnal.gov --verbose 1 --condor",
                 "--jobid 1.0@s.fnal.gov --verbose 1 --condor", [], id="lite-options"),
])
def test_translations(line: str, expected: str, warned: list[str]) -> None:
    plan = fetchlog.translate(shlex.split(line), ENV)
    assert plan.error is None, plan.error
    assert plan.backend_argv[1:] == shlex.split(expected)
    assert sorted(w.code for w in plan.warnings) == warned


# client/jobsub_fetchlog parse_opts: missing arguments, jid_callback, check_id exit 1;
# optparse (unknown option, --timeout not an int) exit 2.
@pytest.mark.parametrize(("argv", "fragment", "status"), [
    pytest.param(["-G", "gm2"], "--jobid", 1, id="no-job"),
    pytest.param(["--jobid", "1.0@s.fnal.gov"], "no group", 1, id="no-group"),
    pytest.param(["--jobid", "12345.0"], "missing an '@'", 1, id="no-schedd"),
    pytest.param(["--jobid", "1.0@s.fnal.gov,2.0@s.fnal.gov"], "malformed", 1, id="a-list"),
    pytest.param(["--jobid", "1.0@s.fnal.gov", "--timeout", "soon"], "invalid integer", 2,
                 id="timeout-not-int"),
    pytest.param(["--jobid", "1.0@s.fnal.gov", "--frob"], "unknown option --frob", 2,
                 id="unknown"),
])
def test_usage_errors(argv: list[str], fragment: str, status: int) -> None:
    env = {"PATH": "/usr/bin"} if fragment == "no group" else ENV
    plan = fetchlog.translate(argv, env)
    assert plan.exit_code == status and plan.error and fragment in plan.error


def test_legacy_messages(capsys: pytest.CaptureFixture[str]) -> None:
    plan = fetchlog.translate(["--jobid", "1.@s.fnal.gov", "--destdir", "out"], ENV)
    out = fetchlog.FetchOutput(plan)
    assert out.finish(0) == 0
    assert capsys.readouterr().out == "Downloaded to 1.@s.fnal.gov.tgz\nMoved files to out\n"
    assert out.finish(1) == 1 and capsys.readouterr().out == ""


def _tgz(path: Path, files: dict[str, bytes]) -> None:
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1700000000, 0o640
            archive.addfile(info, io.BytesIO(data))


def test_the_archive_is_named_after_the_id_as_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    _tgz(tmp_path / "7@s.fnal.gov.tgz", {"job.out": b"out\n"})  # jobsub_lite's name
    plan = fetchlog.translate(["--jobid", "7.@s.fnal.gov"], ENV)
    assert fetchlog.FetchOutput(plan).finish(0) == 0
    assert capsys.readouterr().out == "Downloaded to 7.@s.fnal.gov.tgz\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["7.@s.fnal.gov.tgz"]


def test_zip_is_repacked_as_the_legacy_server_zipped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """server/webapp/util.py zipdir: entries `<jobid>/<file>`, directories flattened."""
    import zipfile

    monkeypatch.chdir(tmp_path)
    job = "7.0@s.fnal.gov"
    _tgz(tmp_path / f"{job}.tgz", {"job.out": b"out\n", "sub/job.err": b"err\n"})
    plan = fetchlog.translate(["--jobid", job, "--archive-format=zip"], ENV)
    assert fetchlog.FetchOutput(plan).finish(0) == 0
    assert capsys.readouterr().out == f"Downloaded to {job}.zip\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{job}.zip"]
    with zipfile.ZipFile(tmp_path / f"{job}.zip") as archive:
        assert archive.namelist() == [f"{job}/job.out", f"{job}/job.err"]
        assert archive.read(f"{job}/job.err") == b"err\n"
        assert archive.getinfo(f"{job}/job.out").compress_type == zipfile.ZIP_STORED


def test_a_broken_archive_is_one_line_and_exit_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    job = "7.0@s.fnal.gov"
    (tmp_path / f"{job}.tgz").write_bytes(b"not a tarball")
    plan = fetchlog.translate(["--jobid", job, "--archive-format", "zip"], ENV)
    assert fetchlog.FetchOutput(plan).finish(0) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--archive-format tar" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{job}.tgz"]


def fake_tool(directory: Path, name: str, jobs: list[dict[str, object]]) -> None:
    directory.mkdir(exist_ok=True)
    script = directory / name
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(jobs)}\nEOF\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_list_sandboxes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    fake_tool(tmp_path, "jobsub_q", [{"GlobalJobId": "jobsub01.fnal.gov#5.0#1", "QDate": 0}])
    fake_tool(tmp_path, "jobsub_history", [{"GlobalJobId": "jobsub02.fnal.gov#4.0#1",
                                            "QDate": 86400}])
    env = {**ENV, "JOBSUB_COMPAT_BACKEND": str(tmp_path), "HOME": str(tmp_path)}
    assert run("jobsub_fetchlog", ["-G", "gm2", "--list", "--user", "bob"], env) == 0
    assert capsys.readouterr().out == (
        "JobsubJobID CreationDate for user bob in Accounting Group gm2\n"
        "5.0@jobsub01.fnal.gov   Thu Jan  1 00:00:00 1970\n"
        "JobsubJobID CreationDate for user bob in Accounting Group gm2\n"
        "4.0@jobsub02.fnal.gov   Fri Jan  2 00:00:00 1970\n")
