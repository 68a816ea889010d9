"""Signals end a drop-in as they end jobsub_lite called directly (backend.py's docstring):
the shell sees the signal, nothing is left behind, never a traceback.

Nothing here orders events with a sleep: a stand-in backend says it runs by printing a
line (read before the signal is sent), and "random moments" are chosen by counting the
drop-in's own Python events (sys.setprofile) and signalling from inside at the Nth one.
"""

from __future__ import annotations

import os
import random
import resource
import select
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from jobsub_compat import backend
from tests.conftest import ROOT

SUBMIT = ROOT / "bin" / "jobsub_submit"
SUBMIT_DAG = ROOT / "bin" / "jobsub_submit_dag"
ENDING = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]
DAG = "<serial>\njobsub -G gm2 -M file:///x.sh\n</serial>\n"  # -M: a translated copy


def no_core() -> None:
    """SIGQUIT's default action dumps core: not into the test's directory."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def stand_in(tmp_path: Path, body: str, version_file: bool = True) -> dict[str, str]:
    """A stand-in jobsub_lite install: bin/jobsub_submit is a shell script running `body`
    (and answering --version as jobsub_lite does); lib/version.py when asked."""
    bin_dir = tmp_path / "lite" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    if version_file:
        (tmp_path / "lite" / "lib").mkdir(exist_ok=True)
        (tmp_path / "lite" / "lib" / "version.py").write_text('version = "1.12"\n')
    script = bin_dir / "jobsub_submit"
    script.write_text('#!/bin/sh\nif [ "$1" = --version ]; then echo "jobsub_lite version '
                      '1.12"; exit 0; fi\n' + body)
    script.chmod(0o755)
    # Silenced: a token another user left in the shared /tmp must not add warnings here.
    return {"JOBSUB_COMPAT_BACKEND": str(bin_dir), "JOBSUB_COMPAT_LOG": "off",
            "JOBSUB_COMPAT_SILENCE": "all"}


def read_line(stream: IO[str]) -> str:
    """The next line; a safety net of a minute so that a broken drop-in fails the test
    instead of hanging it (no order of events rests on it)."""
    ready, _, _ = select.select([stream], [], [], 60)
    assert ready, "no line within a minute"
    return stream.readline()


@pytest.mark.parametrize("sig", ENDING, ids=lambda s: signal.Signals(s).name)
def test_a_backend_killed_by_a_signal_ends_the_dropin_by_it(environ: dict[str, str],
                                                           tmp_path: Path,
                                                           sig: signal.Signals) -> None:
    env = {**environ, **stand_in(tmp_path, f"kill -{int(sig)} $$\n")}
    done = subprocess.run([sys.executable, str(SUBMIT), "-G", "gm2", "file:///x.sh"], env=env,
                          capture_output=True, text=True, timeout=60, preexec_fn=no_core)
    assert done.returncode == -sig, done.stderr
    assert done.stderr == ""


def test_ctrl_c_stops_a_bash_loop(environ: dict[str, str], tmp_path: Path) -> None:
    """`for ...; do jobsub_submit ...; done` and ^C (SIGINT to the whole process group,
    as a terminal sends it): bash stops the loop, as with jobsub_lite called directly."""
    runs = tmp_path / "runs"
    env = {**environ, **stand_in(tmp_path, f"echo run >> {runs}\n"
                                 f'if [ "$(wc -l < {runs})" -gt 1 ]; then exit 0; fi\n'
                                 "echo started\nexec sleep 600\n")}
    loop = (f'for i in 1 2 3; do "{sys.executable}" "{SUBMIT}" -G gm2 file:///x.sh; '
            'echo "rc=$?"; done')
    proc = subprocess.Popen(["bash", "-c", loop], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout is not None and read_line(proc.stdout) == "started\n"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGINT, (out, err)
    assert "rc=" not in out and runs.read_text() == "run\n"


def test_a_signal_is_forwarded_to_the_running_backend(environ: dict[str, str],
                                                      tmp_path: Path) -> None:
    env = {**environ, **stand_in(tmp_path, "trap 'echo got TERM; exit 7' TERM\n"
                                 "echo started\nwhile :; do sleep 1; done\n")}
    proc = subprocess.Popen([sys.executable, str(SUBMIT), "-G", "gm2", "file:///x.sh"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and read_line(proc.stdout) == "started\n"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    # The backend handled it and exited 7: its status passes, as called directly.
    assert (proc.returncode, out, err) == (7, "got TERM\n", "")


def test_an_ignored_hangup_stays_ignored_for_the_backend(environ: dict[str, str],
                                                         tmp_path: Path) -> None:
    """nohup jobsub_submit ...: the backend must not die when the terminal goes."""
    env = {**environ, **stand_in(tmp_path, "grep SigIgn /proc/$$/status\n")}

    def ignore_hangup() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    done = subprocess.run([sys.executable, str(SUBMIT), "-G", "gm2", "file:///x.sh"], env=env,
                          capture_output=True, text=True, timeout=60, preexec_fn=ignore_hangup)
    ignored = int(done.stdout.split()[1], 16)
    assert ignored & (1 << (signal.SIGHUP - 1))  # still ignored
    assert not ignored & (1 << (signal.SIGPIPE - 1))  # Python's own SIG_IGN is not passed on


@pytest.mark.parametrize("sig", ENDING, ids=lambda s: signal.Signals(s).name)
def test_a_signal_during_submit_dag_leaves_no_copy(environ: dict[str, str], tmp_path: Path,
                                                    sig: signal.Signals) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    dag = tmp_path / "my.dag"
    dag.write_text(DAG)
    env = {**environ, "TMPDIR": str(tmp),
           **stand_in(tmp_path, 'for a; do case "$a" in file://*) echo "$a";; esac; done\n'
                      "exec sleep 600\n")}
    proc = subprocess.Popen([sys.executable, str(SUBMIT_DAG), "-G", "gm2", f"file://{dag}"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=no_core)
    assert proc.stdout is not None
    copy = Path(read_line(proc.stdout).strip()[len("file://"):])
    assert copy.parent.parent == tmp and copy.read_text().startswith("<serial>")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -sig, err
    assert list(tmp.iterdir()) == []
    assert dag.read_text() == DAG


def test_a_signal_before_the_backend_starts_starts_none(tmp_path: Path) -> None:
    """A signal that comes while the call writes its files is kept: no backend starts,
    and the call ends by it once the files are gone."""
    started = tmp_path / "started"
    with backend.Interruptions() as watch:
        os.kill(os.getpid(), signal.SIGTERM)
        status = backend.run(["/bin/sh", "-c", f"touch {started}"], {}, lambda line: line,
                             None, watch)
    assert (status, watch.ended_by()) == (128 + signal.SIGTERM, signal.SIGTERM)
    assert not started.exists()


# -- signals at random moments ------------------------------------------------------------

# Runs a launcher and sends itself SIG at the AT-th Python event (call, return, C call)
# from the launcher's first line on; with AT 0, writes the number of events to COUNT
# when the launcher ends (os._exit, as launch() ends). Event 1 is the launcher's module
# frame starting, before its first line: no Python code can catch a signal there (the
# interpreter's own start-up window), so moments start at 2.
AT_EVENT = """\
import os, runpy, sys
target, sig, at, count_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
count = 0
started = False

def hook(frame, event, arg):
    global count, started
    if not started:
        if event != "call" or frame.f_code.co_filename != target:
            return
        started = True
    count += 1
    if count == at:
        sys.setprofile(None)
        os.kill(os.getpid(), sig)

real_exit = os._exit

def counted_exit(status):
    sys.setprofile(None)
    with open(count_file, "w") as handle:
        handle.write(str(count))
    real_exit(status)

os._exit = counted_exit
sys.argv = [target] + sys.argv[5:]
sys.setprofile(hook)
runpy.run_path(target, run_name="__main__")
"""

MOMENTS = 6  # per drop-in and signal, one in each sixth of the call's events


@pytest.mark.parametrize("launcher", [SUBMIT, SUBMIT_DAG], ids=lambda p: p.name)
def test_signals_at_random_moments(environ: dict[str, str], tmp_path: Path,
                                   launcher: Path) -> None:
    """At any moment of a call (start-up, the version probe, translation, the DAG copy,
    the backend's run, the log, the exit), SIGINT/TERM/HUP/QUIT end the drop-in by that
    signal (or, once the backend is done, let it finish): no traceback, no copy left."""
    wrapper = tmp_path / "at_event.py"
    wrapper.write_text(AT_EVENT)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    dag = tmp_path / "my.dag"
    dag.write_text(DAG)
    executable = f"file://{dag}" if launcher == SUBMIT_DAG else "file:///x.sh"
    base = {**environ, "TMPDIR": str(tmp), "PYTHONHASHSEED": "0", "JOBSUB_COMPAT_LOG": "off",
            **stand_in(tmp_path, "echo 'Use job id 1.0@jobsub01.fnal.gov to retrieve output'\n",
                       version_file=False)}  # no lib/version.py: the version probe runs
    count_file = tmp_path / "count"

    def call(sig: int, at: int, n: int) -> subprocess.CompletedProcess[str]:
        env = {**base, "XDG_CACHE_HOME": str(tmp_path / f"cache{n}")}  # a probe every time
        # int(): str() of a Signals member is "Signals.SIGINT" before Python 3.11
        return subprocess.run([sys.executable, "-S", str(wrapper), str(launcher),
                               str(int(sig)), str(at), str(count_file), "-G", "gm2",
                               executable], env=env,
                              capture_output=True, text=True, timeout=120, preexec_fn=no_core)

    done = call(0, 0, 0)
    assert done.returncode == 0 and "1.0@jobsub01.fnal.gov" in done.stdout, done.stderr
    events = int(count_file.read_text())
    assert events > 1000
    rng = random.Random(f"{launcher.name}-12")
    n = 0
    for sig in ENDING:
        for part in range(MOMENTS):
            n += 1
            at = 2 + rng.randrange(part * events // MOMENTS, (part + 1) * events // MOMENTS)
            done = call(sig, at, n)
            where = f"{signal.Signals(sig).name} at event {at} of {events}"
            assert done.returncode in (-sig, 0), (where, done.returncode, done.stderr)
            assert "Traceback" not in done.stderr and "Exception" not in done.stderr, where
            if done.returncode == 0:
                assert "1.0@jobsub01.fnal.gov" in done.stdout, where
            assert list(tmp.iterdir()) == [], where
