"""log/writer.py: destinations, concurrent appends, rotation, failures, syslog."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import stat
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

from jobsub_compat import log
from jobsub_compat.log import writer
from tests.log.common import ADVICE, ME, SRC, jsonl_files, lines, record


def _state(environ: dict[str, str]) -> Path:
    return Path(environ["HOME"]) / ".local" / "state" / "jobsub_compat" / "migration.jsonl"


@pytest.mark.parametrize(("changes", "where"), [
    pytest.param({}, "{home}/.local/state/jobsub_compat/migration.jsonl", id="default"),
    pytest.param({"XDG_STATE_HOME": "{tmp}/xdg"}, "{tmp}/xdg/jobsub_compat/migration.jsonl",
                 id="xdg"),
    pytest.param({"XDG_STATE_HOME": "relative/xdg"},
                 "{home}/.local/state/jobsub_compat/migration.jsonl", id="xdg-relative"),
    pytest.param({"JOBSUB_COMPAT_LOG": "{tmp}/mine/m.jsonl"}, "{tmp}/mine/m.jsonl",
                 id="override"),
    pytest.param({"JOBSUB_COMPAT_LOG": "~/logs/m.jsonl"}, "{home}/logs/m.jsonl",
                 id="override-tilde"),
])
def test_destination(environ: dict[str, str], tmp_path: Path, changes: dict[str, str],
                     where: str) -> None:
    fill = {"home": environ["HOME"], "tmp": str(tmp_path)}
    env = {**environ, **{k: v.format(**fill) for k, v in changes.items()}}
    rec = record()
    assert log.write(rec, env) is None
    expected = Path(where.format(**fill))
    assert lines(expected) == [rec]
    assert jsonl_files(tmp_path) == [expected]
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    assert log.write(record(status=7), env) is None
    assert [r["status"] for r in lines(expected)] == [0, 7]


def test_created_state_directories_are_private(environ: dict[str, str]) -> None:
    old = os.umask(0o022)
    try:
        assert log.write(record(), environ) is None
    finally:
        os.umask(old)
    path = _state(environ)
    for directory in (path.parent, path.parent.parent, path.parent.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


def test_log_off(environ: dict[str, str], tmp_path: Path) -> None:
    assert log.write(record(), {**environ, "JOBSUB_COMPAT_LOG": "off"}) is None
    assert jsonl_files(tmp_path) == []


def test_log_from_user_config(environ: dict[str, str], tmp_path: Path) -> None:
    conf = Path(environ["XDG_CONFIG_HOME"]) / "jobsub_compat.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(f"log = {tmp_path}/conf.jsonl\n")
    assert log.write(record(), environ) is None
    assert jsonl_files(tmp_path) == [tmp_path / "conf.jsonl"]


def _site(environ: dict[str, str], text: str) -> None:
    Path(environ["JOBSUB_COMPAT_SITE_CONFIG"]).write_text(text)


def test_shared_log_dir(environ: dict[str, str], tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    _site(environ, f"[jobsub_compat]\nlog_dir = {shared}\n")
    rec = record()
    old = os.umask(0o077)
    try:
        assert log.write(rec, environ) is None
    finally:
        os.umask(old)
    mine = shared / f"{ME}.jsonl"
    assert lines(mine) == [rec]
    assert lines(_state(environ)) == [rec]
    assert stat.S_IMODE(mine.stat().st_mode) == 0o640


def test_shared_log_dir_only(environ: dict[str, str], tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    _site(environ, f"log_dir = {shared}\n")
    assert log.write(record(), {**environ, "JOBSUB_COMPAT_LOG": "off"}) is None
    assert jsonl_files(tmp_path) == [shared / f"{ME}.jsonl"]


def test_shared_log_dir_setgid_group(environ: dict[str, str], tmp_path: Path) -> None:
    groups = [g for g in os.getgroups() if g != os.getgid()]
    if os.geteuid() != 0 and not groups:
        pytest.skip("needs a second group (or root) to tell the directory's group apart")
    group = groups[0] if groups and os.geteuid() != 0 else 4242
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chown(shared, -1, group)
    shared.chmod(0o2770)
    _site(environ, f"log_dir = {shared}\n")
    assert log.write(record(), environ) is None
    st = (shared / f"{ME}.jsonl").stat()
    assert st.st_gid == group != os.getgid()
    assert stat.S_IMODE(st.st_mode) == 0o640


@pytest.mark.parametrize("plant", ["symlink", "foreign-owner"])
def test_shared_log_dir_refuses_planted_files(environ: dict[str, str], tmp_path: Path,
                                              plant: str) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    target = shared / f"{ME}.jsonl"
    if plant == "symlink":
        target.symlink_to(victim)
    else:
        if os.geteuid() != 0:
            pytest.skip("only root can make a file owned by another user")
        target.write_text("")
        os.chown(target, 4242, -1)
    _site(environ, f"log_dir = {shared}\n")
    message = log.write(record(), environ)
    assert message is not None
    assert message.startswith(f"cannot write the shared migration log {target} (")
    assert "log_dir (site config " in message
    assert victim.read_text() == "keep\n"
    assert target.is_symlink() or target.read_text() == ""
    assert len(lines(_state(environ))) == 1  # the per-user log still got it


# --- concurrency and rotation ------------------------------------------------------------

WRITER = textwrap.dedent("""\
    import os, sys
    sys.path.insert(0, os.environ["SRC"])
    from jobsub_compat import log
    rec = log.make_record("jobsub_submit", ["-N", os.environ["N"], "x" * 8000], [], [],
                          None, None, 0, 0.0, os.environ)
    print("ready", flush=True)
    sys.stdin.read()  # the go: the test closes every writer's stdin at once
    message = log.write(rec, os.environ)
    sys.exit(0 if message is None else message)
""")


def test_fifty_processes_append(environ: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    env = {**environ, "SRC": SRC, "JOBSUB_COMPAT_LOG": str(path)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER], env={**env, "N": str(n)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for n in range(50)]
    for proc in procs:  # every writer has its record ready before any writes
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.close()
    assert [p.wait(timeout=120) for p in procs] == [0] * 50
    for proc in procs:
        assert proc.stdout is not None
        proc.stdout.close()
    found = lines(path)
    assert len(found) == 50
    assert sorted(int(r["argv"][1]) for r in found) == list(range(50))


def _write_all(recs: list[dict[str, Any]], env: dict[str, str], barrier: Any,
               results: Any) -> None:
    barrier.wait()
    results.put([log.write(rec, env) for rec in recs])


def _records(count: int) -> list[dict[str, Any]]:
    return [record(argv=["-N", f"{n:04d}", "x" * 300]) for n in range(count)]


def test_rotation_under_concurrency(environ: dict[str, str], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """50 processes append 20 records each; the 601st record rotates the file, once."""
    path = tmp_path / "m.jsonl"
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    recs = _records(1000)
    size = len(log.encode(recs[0]))
    assert {len(log.encode(r)) for r in recs} == {size}
    monkeypatch.setattr(writer, "MAX_BYTES", 600 * size + size // 2)
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(50), ctx.Queue()
    procs = [ctx.Process(target=_write_all, args=(recs[n::50], env, barrier, results))
             for n in range(50)]
    for p in procs:
        p.start()
    messages = [m for _ in procs for m in results.get(timeout=120)]
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * 50
    assert messages == [None] * 1000
    old, new = lines(Path(f"{path}.1")), lines(path)
    assert (len(old), len(new)) == (600, 400)
    assert sorted(r["argv"][1] for r in old + new) == [f"{n:04d}" for n in range(1000)]
    assert jsonl_files(tmp_path) == [path, Path(f"{path}.1")]


def test_writer_waiting_during_rotation_reopens(environ: dict[str, str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that opened the file, then waited for the lock while another writer
    rotated it, writes into the new file, not into the rotated one."""
    import fcntl

    path = tmp_path / "m.jsonl"
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    assert log.write(record(status=1), env) is None
    real = fcntl.flock
    calls: list[int] = []

    def rotate_first(fd: int, operation: int) -> None:
        if not calls:  # meanwhile, another writer rotates and writes a record
            os.rename(path, f"{path}.1")
            path.write_bytes(log.encode(record(status=2)))
        calls.append(fd)
        real(fd, operation)

    monkeypatch.setattr(fcntl, "flock", rotate_first)
    assert log.write(record(status=3), env) is None
    monkeypatch.undo()
    assert len(calls) == 2
    assert [r["status"] for r in lines(Path(f"{path}.1"))] == [1]
    assert [r["status"] for r in lines(path)] == [2, 3]


def test_rotation_keeps_one_old_file(environ: dict[str, str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.jsonl"
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    recs = _records(7)
    size = len(log.encode(recs[0]))
    monkeypatch.setattr(writer, "MAX_BYTES", 2 * size)
    for rec in recs:
        assert log.write(rec, env) is None
    assert [r["argv"][1] for r in lines(Path(f"{path}.1"))] == ["0004", "0005"]
    assert [r["argv"][1] for r in lines(path)] == ["0006"]
    assert jsonl_files(tmp_path) == [path, Path(f"{path}.1")]


def test_oversized_record_still_written(environ: dict[str, str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.jsonl"
    monkeypatch.setattr(writer, "MAX_BYTES", 10)
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    assert log.write(record(), env) is None  # an empty file is never rotated
    assert log.write(record(status=1), env) is None
    assert [r["status"] for r in lines(path)] == [1]
    assert [r["status"] for r in lines(Path(f"{path}.1"))] == [0]


# --- failures ----------------------------------------------------------------------------

def _raise(code: int) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))
    return fail


@pytest.mark.parametrize("case", ["readonly-dir", "sysfs", "erofs", "enospc", "dev-full",
                                  "parent-is-a-file"])
def test_unwritable_log(environ: dict[str, str], tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                        case: str) -> None:
    path = tmp_path / "ro" / "m.jsonl"
    reason = "Permission denied"
    if case == "readonly-dir":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only directories (see erofs and sysfs)")
        path.parent.mkdir()
        path.parent.chmod(0o555)
    elif case == "sysfs":
        if not os.path.isdir("/sys/kernel"):
            pytest.skip("no sysfs")
        path = Path("/sys/kernel/jobsub_compat_test/m.jsonl")
        reason = "("  # EACCES or EPERM or EROFS, depending on the kernel
    elif case == "erofs":
        monkeypatch.setattr(os, "open", _raise(errno.EROFS))
        reason = os.strerror(errno.EROFS)
    elif case == "enospc":
        monkeypatch.setattr(os, "write", _raise(errno.ENOSPC))
        reason = os.strerror(errno.ENOSPC)
    elif case == "dev-full":
        path = Path("/dev/full")
        reason = os.strerror(errno.ENOSPC)
    else:
        (tmp_path / "ro").write_text("a file")
        reason = os.strerror(errno.ENOTDIR)
    message = log.write(record(), {**environ, "JOBSUB_COMPAT_LOG": str(path)})
    monkeypatch.undo()
    assert message is not None
    assert message.startswith(f"cannot write the migration log {path} (")
    assert reason in message
    assert message.endswith(ADVICE)
    assert "\n" not in message and "Traceback" not in message
    assert capsys.readouterr() == ("", "")


def test_full_disk_leaves_no_half_line(environ: dict[str, str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.jsonl"
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    assert log.write(record(status=1), env) is None
    real = os.write
    calls = []

    def half_then_full(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", half_then_full)
    message = log.write(record(status=2), env)
    monkeypatch.undo()
    assert message is not None and "No space left on device" in message
    assert len(calls) == 2
    assert log.write(record(status=3), env) is None
    assert [r["status"] for r in lines(path)] == [1, 3]


def test_two_failures_one_message(environ: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    _site(environ, f"log_dir = {tmp_path}/missing\n")
    message = log.write(record(), {**environ, "JOBSUB_COMPAT_LOG": f"{tmp_path}/file/m"})
    assert message == (
        f"cannot write the migration log {tmp_path}/file/m (Not a directory); cannot write "
        f"the shared migration log {tmp_path}/missing/{ME}.jsonl (No such file or "
        "directory); the job goes on. Set JOBSUB_COMPAT_LOG to a writable file or off. "
        f"Ask the site to fix log_dir (site config {environ['JOBSUB_COMPAT_SITE_CONFIG']}).")


def test_unserializable_record_does_not_raise(environ: dict[str, str]) -> None:
    class Odd:
        def __repr__(self) -> str:
            return "odd"

    assert log.write(record(status=Odd()), environ) is None
    assert lines(_state(environ))[0]["status"] == "odd"


# --- syslog ------------------------------------------------------------------------------

class FakeSyslog(types.ModuleType):
    LOG_PID, LOG_USER, LOG_INFO = 1, 8, 6

    def __init__(self, fail: bool = False) -> None:
        super().__init__("syslog")
        self.calls: list[tuple[Any, ...]] = []
        self.fail = fail

    def openlog(self, ident: str, logoption: int, facility: int) -> None:
        self.calls.append(("openlog", ident, logoption, facility))

    def syslog(self, priority: int, message: str) -> None:
        if self.fail:
            raise OSError(errno.ENOENT, "No such file or directory")
        self.calls.append(("syslog", priority, message))

    def closelog(self) -> None:
        self.calls.append(("closelog",))


@pytest.mark.parametrize(("source", "sent"), [
    pytest.param("env", True, id="environment"),
    pytest.param("site", True, id="site-config"),
    pytest.param("", False, id="off-by-default"),
])
def test_syslog(environ: dict[str, str], monkeypatch: pytest.MonkeyPatch, source: str,
                sent: bool) -> None:
    fake = FakeSyslog()
    monkeypatch.setitem(sys.modules, "syslog", fake)
    env = {**environ, "JOBSUB_COMPAT_LOG": "off"}
    if source == "env":
        env["JOBSUB_COMPAT_SYSLOG"] = "on"
    elif source == "site":
        _site(environ, "syslog = on\n")
    rec = record(argv=["-e", "A=secret"])
    assert log.write(rec, env) is None
    if not sent:
        assert fake.calls == []
        return
    assert fake.calls[0] == ("openlog", "jobsub-compat", fake.LOG_PID, fake.LOG_USER)
    assert fake.calls[1][:2] == ("syslog", fake.LOG_INFO)
    assert "\n" not in fake.calls[1][2]
    assert json.loads(fake.calls[1][2]) == rec
    assert "secret" not in fake.calls[1][2]
    assert fake.calls[2] == ("closelog",)


def test_syslog_failure_is_a_warning(environ: dict[str, str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "syslog", FakeSyslog(fail=True))
    env = {**environ, "JOBSUB_COMPAT_SYSLOG": "on"}
    message = log.write(record(), env)
    assert message == ("cannot send the migration record to syslog (No such file or "
                       "directory); the job goes on.")
    assert len(lines(_state(environ))) == 1
