"""Every place a drop-in reads a path, pointed at a FIFO, /dev/zero, a directory and an
oversized file: never a hang, never the node's memory, never a traceback; where the file
matters, one line naming it and what it is, with the right status.

A hang would show as the subprocess timeout below (a safety net, not a measurement).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from jobsub_compat import log
from jobsub_compat.log import calling
from tests.conftest import ROOT

KINDS = {"fifo": "a FIFO (named pipe), not a regular file",
         "zero": "a character device, not a regular file",
         "directory": "a directory, not a regular file",
         "huge": "larger than"}
HUGE = 40 * 1024 * 1024  # over every limit (the DAG file's 16 MiB is the largest)


def hostile(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"hostile-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    else:
        with open(path, "wb") as handle:  # sparse: nothing is written but its size
            handle.truncate(HUGE)
    return path


def point(link: Path, target: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def run(command: str, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "bin" / command), *argv], env=env,
                          capture_output=True, text=True, timeout=60)


def stand_in(tmp_path: Path, version_py: Path | None = None) -> str:
    """A jobsub_lite stand-in without lib/version.py (or with `version_py` there)."""
    bin_dir = tmp_path / "lite" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "jobsub_submit"
    script.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "jobsub_lite version 1.12"; '
                      'exit 0; }\necho "Use job id 1.0@jobsub01.fnal.gov to retrieve output"\n')
    script.chmod(0o755)
    if version_py is not None:
        point(tmp_path / "lite" / "lib" / "version.py", version_py)
    return str(bin_dir)


def token_file(tmp_path: Path) -> str:
    path = tmp_path / "bt_gm2"
    path.write_text(jwt.encode({"wlcg.groups": ["/gm2"], "exp": int(time.time()) + 7200,
                                "iss": "https://cilogon.org/gm2"}, "k" * 32, algorithm="HS256"))
    path.chmod(0o600)
    return str(path)


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def env(double_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return {**double_env, "JOBSUB_COMPAT_LOG": "off", "TMPDIR": str(tmp)}


def one_error(done: subprocess.CompletedProcess[str], status: int, *parts: str) -> None:
    assert done.returncode == status, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and all(p in lines[0] for p in parts), done.stderr


def test_dag_file(env: dict[str, str], tmp_path: Path, kind: str) -> None:
    path = hostile(tmp_path, kind)
    one_error(run("jobsub_submit_dag", ["-G", "gm2", f"file://{path}"], env), 1,
              f"the DAG file {path} ", KINDS[kind], "check the file:// path")


def test_json_config(env: dict[str, str], tmp_path: Path, kind: str) -> None:
    path = hostile(tmp_path, kind)
    one_error(run("jobsub_submit", ["-G", "gm2", "--json-config", str(path), "file:///x.sh"],
                  env), 1, f"--json-config {path} ", KINDS[kind])


@pytest.mark.parametrize("label", ["user", "site"])
def test_config_files(env: dict[str, str], tmp_path: Path, kind: str, label: str) -> None:
    path = hostile(tmp_path, kind)
    if label == "user":
        config = Path(env["XDG_CONFIG_HOME"]) / "jobsub_compat.conf"
        point(config, path)
    else:
        config = path
        env = {**env, "JOBSUB_COMPAT_SITE_CONFIG": str(path)}
    one_error(run("jobsub_submit", ["-G", "gm2", "file:///x.sh"], env), 1,
              f"{label} config {config} ", KINDS[kind], "fix it or remove it")


def test_token_file(env: dict[str, str], tmp_path: Path, kind: str) -> None:
    path = hostile(tmp_path, kind)
    done = run("jobsub_submit", ["-G", "gm2", "file:///x.sh"], {**env, "BEARER_TOKEN_FILE":
                                                               str(path)})
    assert done.returncode == 0, done.stderr
    assert f"BEARER_TOKEN_FILE={path} cannot serve this call (it is {KINDS[kind]}" in \
        done.stderr, done.stderr
    assert "empty" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("place", ["X509_USER_PROXY", "executable", "version cache",
                                   "version.py", "claims cache", "default role"])
def test_files_that_only_inform(env: dict[str, str], tmp_path: Path, kind: str,
                                place: str) -> None:
    """Files a call only looks at: it goes on (status 0) without them."""
    path = hostile(tmp_path, kind)
    argv = ["-G", "gm2", "file:///x.sh"]
    cache = Path(env["XDG_CACHE_HOME"]) / "jobsub_compat"
    if place == "X509_USER_PROXY":
        env = {**env, "X509_USER_PROXY": str(path)}
    elif place == "executable":  # sniffed for DAG tags
        argv = ["-G", "gm2", "--dag", f"file://{path}"]
    elif place == "version cache":
        env = {**env, "JOBSUB_COMPAT_BACKEND": stand_in(tmp_path)}
        point(cache / "backend-versions.json", path)
    elif place == "version.py":
        env = {**env, "JOBSUB_COMPAT_BACKEND": stand_in(tmp_path, version_py=path)}
    elif place == "claims cache":
        env = {**env, "BEARER_TOKEN_FILE": token_file(tmp_path)}
        point(cache / "token-claims.json", path)
    else:
        point(Path(env["HOME"]) / ".config" / f"jobsub_default_role_gm2_{os.getuid()}", path)
    done = run("jobsub_submit", argv, env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "JobsubJobId of first job: " in done.stdout, done.stdout


def test_voms_proxy_info_file(env: dict[str, str], tmp_path: Path, kind: str) -> None:
    """-file names no proxy or token: it says so and answers from the token discovery
    finds (BEARER_TOKEN here, so that no token in the machine's /tmp decides)."""
    path = hostile(tmp_path, kind)
    done = run("credentials/voms-proxy-info", ["-file", str(path)],
               {**env, "BEARER_TOKEN": "not-a-token"})
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"voms-proxy-info: warning [JC523]: -file {path} is neither a proxy nor a token; "
        "answering from the token in BEARER_TOKEN", "Couldn't find a valid proxy."]


def test_jobsub_q_group_from_the_token(env: dict[str, str], tmp_path: Path, kind: str) -> None:
    path = hostile(tmp_path, kind)
    one_error(run("jobsub_q", ["--user", "alice"], {**env, "BEARER_TOKEN_FILE": str(path)}), 1,
              "no group")


def test_proc_files_of_the_caller(tmp_path: Path, kind: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The log reads the caller's /proc/PID/{cmdline,stat}: never a hang or a blow-up."""
    proc = tmp_path / "proc"
    path = hostile(tmp_path, kind)
    for name in ("cmdline", "stat"):
        point(proc / "4242" / name, path)
    monkeypatch.setattr(calling, "PROC", str(proc))
    assert log.caller(4242) is None


def test_a_macro_that_never_stops_printing(env: dict[str, str], tmp_path: Path) -> None:
    """A backtick macro's output is bounded too (`yes` would fill the node's memory)."""
    dag = tmp_path / "my.dag"
    dag.write_text("<macros>\nX = `yes`\n</macros>\n<serial>\njobsub -G gm2 file:///X.sh\n"
                   "</serial>\n")
    one_error(run("jobsub_submit_dag", ["-G", "gm2", f"file://{dag}"], env), 1,
              f"{dag}:2: macro X = `yes` printed more than 1 MiB")
