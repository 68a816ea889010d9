"""The bin/ launchers as a shell runs them: on a too old python3, and with a closed pipe."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DOUBLE_BIN, ROOT

sys.path.insert(0, str(DOUBLE_BIN.parent / "lib"))
import condor_double  # noqa: E402

LAUNCHERS = sorted(p for p in (ROOT / "bin").iterdir() if p.is_file()) + sorted(
    (ROOT / "bin" / "credentials").iterdir())
# EL8's 3.6 and other pythons older than 3.9, wherever this machine has them.
OLD = sorted({os.path.realpath(p) for pattern in ("/usr/bin/python3.[678]",
                                                  "/root/.pyenv/versions/3.[678].*/bin/python3.[678]")
              for p in glob.glob(pattern)})


@pytest.mark.skipif(not OLD, reason="no Python older than 3.9 on this machine")
@pytest.mark.parametrize("python", OLD)
def test_an_old_python_first_on_path_gets_one_line(python: str, tmp_path: Path) -> None:
    (tmp_path / "python3").symlink_to(python)
    version = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "HOME": str(tmp_path)}
    for launcher in LAUNCHERS:
        done = subprocess.run([str(launcher), "--help"], env=env, capture_output=True,
                              text=True, timeout=60)
        assert (done.returncode, done.stdout) == (1, ""), (launcher, done.stderr)
        assert done.stderr == (f"{launcher.name}: jobsub-compat needs Python 3.9 or newer, and "
                               f"python3 is {version} ({tmp_path / 'python3'}); put a Python 3.9 "
                               "or newer first on PATH\n"), launcher


def closed_pipe_run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run with standard output a pipe nobody reads any more (`... | head -1` once head
    is gone): the first write meets EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(argv, env=env, stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("argv", [
    ["jobsub-compat", "matrix"],
    ["jobsub-compat", "doctor"],
    ["jobsub-compat", "explain", "--", "jobsub_submit", "-G", "gm2", "file:///x.sh"],
    ["jobsub_submit", "--help"],
    ["jobsub_submit", "-G", "gm2", "file:///x.sh"],
    ["jobsub_q", "-G", "fermilab"],
    ["jobsub_q", "-G", "fermilab", "--long"],
    ["jobsub_history", "-G", "fermilab"],
    ["credentials/voms-proxy-info", "--help"],
], ids=" ".join)
def test_a_closed_pipe_ends_quietly_by_sigpipe(argv: list[str], double_env: dict[str, str],
                                               tmp_path: Path) -> None:
    """As cat or grep end: killed by SIGPIPE (141 in the shell), nothing on stderr but
    the call's own warnings, and no advice about TMPDIR."""
    state = tmp_path / "state.json"
    state.write_text(json.dumps(condor_double.default_state()))
    env = {**double_env, "JOBSUB_LITE_DOUBLE_STATE": str(state), "USER": "alice",
           "JOBSUB_COMPAT_SILENCE": "all", "TZ": "UTC"}
    done = closed_pipe_run([sys.executable, str(ROOT / "bin" / argv[0]), *argv[1:]], env)
    assert done.returncode == -13, done.stderr
    assert done.stderr == ""


def test_the_console_script_runs_as_the_launcher(environ: dict[str, str]) -> None:
    """`jobsub-compat` installed by pip (cli.entry) ends a closed pipe the same way."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); sys.argv[1:] = ['matrix'];"
            "from jobsub_compat.cli import entry; entry()")
    done = closed_pipe_run([sys.executable, "-c", code, str(ROOT / "src")], environ)
    assert (done.returncode, done.stderr) == (-13, "")
