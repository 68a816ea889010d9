"""Smoke tests of an installed jobsub-compat, run as a user who cannot write the tree
(`nobody` when the suite runs as root): the drop-ins work from the install, every module
comes from the install's bytecode, and nothing is written into the tree.

JOBSUB_COMPAT_INSTALL_ROOT names a root that holds an install, such as the scratch root
.ci/run installs the RPM into with `rpm --root` (the install is then in ROOT/opt/
jobsub_compat, or ROOT$JOBSUB_COMPAT_INSTALL_PREFIX); the root and the path down to it
must be readable by `nobody`. Without it, this module makes its own install with the
README's site-install command (DESTDIR a scratch root) and makes it root's, or read-only.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from benchmarks.run import DROPINS, STAND_IN, unsigned_token

from jobsub_compat import __version__, matrix
from tests.test_site_install import copy_checkout, launcher_python, site_install, snapshot

PREFIX = os.environ.get("JOBSUB_COMPAT_INSTALL_PREFIX", "/opt/jobsub_compat")


def unprivileged() -> list[str]:
    """The argv prefix that runs a command as `nobody` (when root), else nothing."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return []
    nobody = pwd.getpwnam("nobody")
    return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
            "--clear-groups"]


def _writable_again(path: Path) -> None:
    for item in [path, *path.rglob("*")]:
        if item.is_dir() and not item.is_symlink():
            item.chmod(0o755)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """A directory `nobody` can reach (pytest's own tmp_path is private to this user)."""
    made = Path(tempfile.mkdtemp(prefix="jobsub-compat-installed-"))
    made.chmod(0o755)
    try:
        yield made
    finally:
        _writable_again(made)
        shutil.rmtree(made)


@pytest.fixture(scope="module")
def root(scratch: Path) -> Path:
    """The root holding the install: the given one, or one made here."""
    given = os.environ.get("JOBSUB_COMPAT_INSTALL_ROOT")
    if given:
        return Path(given)
    made = scratch / "root"
    done = site_install(copy_checkout(scratch / "checkout"), scratch, PREFIX=PREFIX,
                        DESTDIR=str(made))
    assert done.returncode == 0, done.stderr
    if os.geteuid() != 0:  # the tree is this user's: make it one they cannot write
        for item in [made, *made.rglob("*")]:
            if item.is_dir() and not item.is_symlink():
                item.chmod(0o555)
    return made


@pytest.fixture(scope="module")
def tree(root: Path) -> Path:
    prefix = Path(f"{root}{PREFIX}")
    assert (prefix / "bin" / "jobsub_submit").is_file(), f"no install in {prefix}"
    return prefix


@pytest.fixture(scope="module")
def env(scratch: Path, root: Path, tree: Path) -> dict[str, str]:
    """An everyday call's environment, for the unprivileged user: a gm2 token, the
    migration log on, a stand-in jobsub_lite (the benchmark's), the installed site config."""
    work = scratch / "user"
    backend = work / "backend"
    backend.mkdir(parents=True)
    for name in DROPINS:
        (backend / name).write_text(STAND_IN)
        (backend / name).chmod(0o755)
    home = work / "home"
    home.mkdir()
    token = home / "bt_gm2"
    token.write_text(unsigned_token({"wlcg.groups": ["/gm2"], "sub": "alice",
                                     "iss": "https://cilogon.org/gm2",
                                     "exp": int(time.time()) + 86400}))
    token.chmod(0o600)
    if unprivileged():
        nobody = pwd.getpwnam("nobody")
        for path in (home, token):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    work.chmod(0o755)
    return {"PATH": f"{tree / 'bin'}:{tree / 'bin' / 'credentials'}:/usr/bin:/bin",
            "HOME": str(home), "TMPDIR": str(home), "USER": "alice", "LC_ALL": "C.UTF-8",
            "JOBSUB_COMPAT_BACKEND": str(backend), "BEARER_TOKEN_FILE": str(token),
            "JOBSUB_COMPAT_SITE_CONFIG": str(root / "etc" / "jobsub_compat" /
                                             "jobsub_compat.conf")}


@pytest.fixture(scope="module")
def before(tree: Path, env: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    return snapshot(tree)


def run(argv: list[str], env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*unprivileged(), *argv], env={**env, **extra}, capture_output=True,
                          text=True, timeout=120)


def test_the_launchers_run_this_machines_python3(root: Path, tree: Path) -> None:
    python = launcher_python(tree)
    assert os.path.isabs(python) and os.access(python, os.X_OK)
    assert not python.startswith(f"{root}/"), "the drop-ins run the machine's python3"


def test_version(env: dict[str, str], before: object) -> None:
    done = run(["jobsub_submit", "--version"], env)
    assert done.returncode == 0, done.stderr
    assert f"jobsub-compat {__version__}" in done.stdout


def test_dry_run_submit(env: dict[str, str]) -> None:
    done = run(["jobsub_submit", "-G", "gm2", "file:///x.sh"], env, JOBSUB_COMPAT_DRY_RUN="1")
    assert done.returncode == 0, done.stderr
    assert f"jobsub_lite: {env['JOBSUB_COMPAT_BACKEND']}/jobsub_submit -G gm2 file:///x.sh" \
        in done.stdout


def test_q_help(env: dict[str, str]) -> None:
    done = run(["jobsub_q", "--help"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: jobsub_q") and "--user USER" in done.stdout


def test_matrix(env: dict[str, str]) -> None:
    done = run(["bash", "-c", "jobsub-compat matrix | head"], env)
    assert done.returncode == 0
    assert done.stdout.splitlines() == matrix.render().splitlines()[:10]
    assert run(["jobsub-compat", "matrix"], env).stdout == matrix.render()


def test_everyday_calls_against_a_stand_in(env: dict[str, str]) -> None:
    q = run(["jobsub_q", *DROPINS["jobsub_q"]], env)
    assert q.returncode == 0, q.stderr
    assert "42.0@jobsub01.fnal.gov" in q.stdout
    submit = run(["jobsub_submit", *DROPINS["jobsub_submit"]], env)
    assert submit.returncode == 0, submit.stderr
    assert "JobsubJobId of first job: 42.0@jobsub01.fnal.gov" in submit.stdout
    log = Path(env["HOME"]) / ".local" / "state" / "jobsub_compat" / "migration.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["command"], r["status"]) for r in records[-2:]] == [
        ("jobsub_q", 0), ("jobsub_submit", 0)]
    if unprivileged():
        assert {r["user"] for r in records} == {"nobody"}


def test_credential_dropins(env: dict[str, str]) -> None:
    done = run(["voms-proxy-info", "--version"], env)
    assert done.returncode == 0 and "jobsub-compat" in done.stdout, done.stderr


def test_every_module_comes_from_the_installs_bytecode(tree: Path, env: dict[str, str]
                                                       ) -> None:
    src = str(tree / "src") + "/"
    for argv in (["jobsub_q", *DROPINS["jobsub_q"]], ["jobsub_submit", *DROPINS["jobsub_submit"]],
                 ["jobsub-compat", "doctor"]):
        done = run(argv, env, PYTHONVERBOSE="1")
        loaded = [line.split(" from ", 1)[1] for line in done.stderr.splitlines()
                  if line.startswith("# code object from ") and src in line]
        assert len(loaded) > 10, (argv, done.stderr[-2000:])
        from_source = [path for path in loaded if not path.endswith(".pyc'")]
        assert from_source == [], argv


def test_doctor_says_compiled_and_who_can_write(tree: Path, env: dict[str, str]) -> None:
    done = run(["jobsub-compat", "doctor"], env)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("bytecode "))
    assert "modules byte-compiled for CPython" in line and "(unchecked-hash)" in line
    if unprivileged() or os.geteuid() != 0:
        assert line.endswith(f"{tree}/src/jobsub_compat is read-only for you")


@pytest.mark.skipif(shutil.which("man") is None, reason="man-db is not installed")
def test_man_finds_the_pages_through_path(tree: Path, env: dict[str, str]) -> None:
    done = run(["man", "-w", "jobsub_submit"], {k: v for k, v in env.items() if k != "MANPATH"})
    assert done.stdout.strip() == str(tree / "share" / "man" / "man1" / "jobsub_submit.1")


def test_nothing_was_written_into_the_tree(tree: Path, before: dict[str, tuple[int, int, int]]
                                           ) -> None:
    assert snapshot(tree) == before
