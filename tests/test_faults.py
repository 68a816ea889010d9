"""Fault tests: what a drop-in does when the backend or its surroundings misbehave."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SHIM = ROOT / "bin" / "jobsub_submit"


def backend(tmp_path: Path, body: str, mode: int = 0o755) -> dict[str, str]:
    """A stand-in jobsub_lite install: bin/jobsub_submit running `body`, lib/version.py."""
    (tmp_path / "lib").mkdir(exist_ok=True)
    (tmp_path / "lib" / "version.py").write_text('__version__ = "1.12"\n')
    directory = tmp_path / "bin"
    directory.mkdir(exist_ok=True)
    script = directory / "jobsub_submit"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(mode)
    return {"JOBSUB_COMPAT_BACKEND": str(directory)}


def submit(env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SHIM), "-G", "gm2", *extra, "file:///x.sh"],
                          env=env, capture_output=True, text=True, timeout=60)


def test_backend_not_executable(environ: dict[str, str], tmp_path: Path) -> None:
    done = submit({**environ, **backend(tmp_path, "exit 0\n", mode=0o644)})
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and "JOBSUB_COMPAT_BACKEND" in done.stderr


def test_backend_crashing(environ: dict[str, str], tmp_path: Path) -> None:
    done = submit({**environ, **backend(tmp_path, "echo 'Traceback: boom' >&2\nexit 1\n")})
    assert done.returncode == 1 and "boom" in done.stderr


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV])
def test_backend_killed_by_a_signal(environ: dict[str, str], tmp_path: Path,
                                    sig: signal.Signals) -> None:
    done = submit({**environ, **backend(tmp_path, f"kill -{int(sig)} $$\n")})
    assert done.returncode == 128 + int(sig)


def test_backend_hanging_then_terminated(environ: dict[str, str], tmp_path: Path) -> None:
    env = {**environ, **backend(tmp_path, "echo started\nexec sleep 60\n")}
    proc = subprocess.Popen([sys.executable, str(SHIM), "-G", "gm2", "file:///x.sh"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "started\n"
    proc.send_signal(signal.SIGTERM)  # forwarded to the backend, whose death ends us too
    assert proc.wait(timeout=30) == -signal.SIGTERM
    proc.stdout.close()
    assert proc.stderr is not None
    proc.stderr.close()


def test_concurrent_submissions_all_logged(double_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "migration.jsonl"
    env = {**double_env, "JOBSUB_COMPAT_LOG": str(log)}
    procs = [subprocess.Popen([sys.executable, str(SHIM), "-G", "gm2", "-M", f"-N{i + 1}",
                               "file:///x.sh"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for i in range(30)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) == 30
    assert sorted(r["argv"][3] for r in records) == sorted(f"-N{i + 1}" for i in range(30))


def test_unreadable_token_file_is_not_fatal(double_env: dict[str, str], tmp_path: Path) -> None:
    directory = tmp_path / "token-is-a-directory"
    directory.mkdir()
    done = submit({**double_env, "BEARER_TOKEN_FILE": str(directory)})
    assert done.returncode == 0 and "Traceback" not in done.stderr


def test_log_directory_read_only(double_env: dict[str, str], tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anyway; /proc is read-only for everyone
        target = "/proc/jobsub-compat/migration.jsonl"
    else:  # pragma: no cover - CI runs as root
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        target = str(locked / "migration.jsonl")
    done = submit({**double_env, "JOBSUB_COMPAT_LOG": target})
    assert done.returncode == 0 and "cannot write the migration log" in done.stderr


def test_backend_whose_interpreter_is_missing(environ: dict[str, str], tmp_path: Path) -> None:
    """ENOENT from posix_spawn on a file that exists: its #! interpreter is what is missing."""
    env = {**environ, **backend(tmp_path, "exit 0\n"), "JOBSUB_COMPAT_SILENCE": "all"}
    script = tmp_path / "bin" / "jobsub_submit"
    script.write_text("#!/opt/no-such-python/bin/python3 -u\nprint('never')\n")
    done = submit(env)
    assert done.returncode == 1
    assert done.stderr == (f"jobsub_submit: error: cannot run {script}: its interpreter "
                           "/opt/no-such-python/bin/python3 (its first line is "
                           "#!/opt/no-such-python/bin/python3 -u) does not exist; install it, "
                           "or check the jobsub_lite install or JOBSUB_COMPAT_BACKEND\n")


@pytest.mark.parametrize("kind", ["directory", "unreadable", "empty"])
def test_an_unusable_token_file_says_what_it_is(double_env: dict[str, str], tmp_path: Path,
                                                kind: str) -> None:
    path = tmp_path / "bt"
    if kind == "directory":
        path.mkdir()
        reason = "it is a directory, not a regular file"
    elif kind == "unreadable":  # a regular file whose read fails, for root too
        path = Path("/proc/self/mem")
        reason = "it cannot be read (Input/output error)"
    else:
        path.write_text("\n")
        reason = "it is empty"
    done = submit({**double_env, "BEARER_TOKEN_FILE": str(path)})
    assert done.returncode == 0
    assert f"BEARER_TOKEN_FILE={path} cannot serve this call ({reason}; " in done.stderr
