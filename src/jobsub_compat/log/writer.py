"""Writing the migration log: locked appends with rotation, a shared directory, syslog.

Destinations (from config.settings):
- the per-user file: `$XDG_STATE_HOME/jobsub_compat/migration.jsonl` (else
  `~/.local/state/...`; paths.py); the `log` setting (JOBSUB_COMPAT_LOG) names another
  file, `off` disables it;
- `log_dir` (site config): a shared directory that also gets every record, in the
  caller's own `<user>.jsonl` (mode 0640; its group is the directory's when the directory
  is setgid);
- `syslog = on`: also one line of JSON to syslog (facility user, ident jobsub-compat).

Scripts submit in parallel (50 at once), so each record is ONE os.write of one line on a
file opened with O_APPEND, under an exclusive flock. The lock also makes rotation safe:
when a file would grow past MAX_BYTES it is renamed to `<name>.1` (one old file kept) by
the writer holding the lock, and a writer that waited on the renamed file notices (its
descriptor no longer is the path's file) and opens the new one.

Logging never breaks a call: write() returns one warning line instead of raising.
fcntl and syslog are imported when used.
"""

from __future__ import annotations

import errno
import os
import stat

from .. import config, paths
from .record import encode, user

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

MAX_BYTES = 20 * 1024 * 1024  # a log file is rotated before it grows past this
USER_MODE = 0o600  # the per-user file (its new directories get 0700)
SHARED_MODE = 0o640  # files in the shared log_dir: the site's group may read them


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def user_log(environ: Mapping[str, str], setting: str) -> str | None:
    """The per-user log file, or None when the `log` setting is `off`."""
    if setting == "off":
        return None
    if setting:
        if setting == "~" or setting.startswith("~/"):
            return paths.home(environ) + setting[1:]
        return os.path.expanduser(setting)
    return paths.state_file(environ, "migration.jsonl")


def _makedirs(directory: str, mode: int) -> None:
    """Create `directory` and missing parents, each with `mode`."""
    missing = []
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for path in reversed(missing):
        try:
            os.mkdir(path, mode)
        except FileExistsError:
            pass


def _open(path: str, mode: int, shared: bool) -> int:
    flags = (os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK
             | getattr(os, "O_CLOEXEC", 0))
    if shared:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | os.O_EXCL, mode)
    except FileExistsError:
        fd = os.open(path, flags, mode)
    else:
        try:
            os.fchmod(fd, mode)  # not narrowed by the umask: the site's group may read
        except OSError:
            pass
    if shared:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            os.close(fd)
            raise PermissionError(errno.EPERM, "not a regular file of one's own")
    return fd


def _rotate(path: str) -> bool:
    """Rename `path` to `path.1` (replacing it); the caller holds the lock on `path`."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        os.replace(path, path + ".1")
    except OSError:
        return False
    return True


def _write_all(fd: int, data: bytes, undo_size: int | None) -> None:
    written = 0
    try:
        while written < len(data):
            written += os.write(fd, data[written:])
    except OSError:
        if written and undo_size is not None:  # no half line for the next record to join
            try:
                os.ftruncate(fd, undo_size)
            except OSError:
                pass
        raise


def append(path: str, data: bytes, mode: int = USER_MODE, shared: bool = False,
           limit: int | None = None) -> None:
    """Append one line to `path` atomically, rotating first when it would exceed `limit`.

    Raises OSError when the file cannot be written.
    """
    import fcntl

    limit = MAX_BYTES if limit is None else limit
    attempts = 8
    for attempt in range(attempts):
        fd = _open(path, mode, shared)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                locked = True
            except OSError:  # no locks here (some NFS mounts): append, never rotate
                locked = False
            st = os.fstat(fd)
            regular = stat.S_ISREG(st.st_mode)
            if locked and regular and attempt < attempts - 1:
                try:
                    now = os.stat(path)
                    moved = (now.st_ino, now.st_dev) != (st.st_ino, st.st_dev)
                except FileNotFoundError:
                    moved = True
                if moved:  # rotated while this writer waited for the lock
                    continue
                if st.st_size and st.st_size + len(data) > limit and _rotate(path):
                    continue
            _write_all(fd, data, st.st_size if locked and regular else None)
            return
        finally:
            os.close(fd)


def _send_syslog(line: str) -> None:
    import syslog

    syslog.openlog(ident="jobsub-compat", logoption=syslog.LOG_PID,
                   facility=syslog.LOG_USER)
    try:
        syslog.syslog(syslog.LOG_INFO, line)
    finally:
        syslog.closelog()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def write(record: dict[str, Any], environ: Mapping[str, str],
          settings: dict[str, config.Setting] | None = None) -> str | None:
    """Append the record to every destination the settings (the call's, else read now)
    configure.

    Returns None, or one warning line (no code) when a destination could not be written.
    Never raises.
    """
    problems: list[str] = []
    advice: list[str] = []
    try:
        values = config.settings(environ) if settings is None else settings
        data = encode(record)
    except Exception as exc:  # logging never breaks a call
        return (f"cannot write the migration log ({_reason(exc)}); the job goes on. "
                "Set JOBSUB_COMPAT_LOG to a writable file or off.")
    path = user_log(environ, values["log"].value)
    if path is not None:
        try:
            _makedirs(os.path.dirname(os.path.abspath(path)), 0o700)
            append(path, data, USER_MODE)
        except Exception as exc:
            problems.append(f"cannot write the migration log {_one_line(path)} "
                            f"({_reason(exc)})")
            advice.append("Set JOBSUB_COMPAT_LOG to a writable file or off.")
    shared = values["log_dir"]
    if shared.value:
        name = user(environ).replace("/", "_").lstrip(".") or str(os.getuid())
        path = os.path.join(os.path.expanduser(shared.value), name + ".jsonl")
        try:
            append(path, data, SHARED_MODE, shared=True)
        except Exception as exc:
            problems.append(f"cannot write the shared migration log {_one_line(path)} "
                            f"({_reason(exc)})")
            advice.append(f"Ask the site to fix log_dir ({_one_line(shared.source)}).")
    if values["syslog"].value.strip().lower() in ("on", "1", "yes", "true"):
        try:
            _send_syslog(data.decode("ascii").rstrip("\n"))
        except Exception as exc:
            problems.append(f"cannot send the migration record to syslog ({_reason(exc)})")
    if not problems:
        return None
    return "; ".join(problems) + "; the job goes on." + "".join(" " + a for a in advice)
