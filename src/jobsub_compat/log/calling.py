"""The caller: the command line of the process that ran the drop-in, and the script it runs.

The parent's /proc/PID/cmdline, redacted, is the record's `caller.cmdline`. The script is
the one that command line runs (`bash -x run.sh`, `python3 sub.py`, a shebang's
`/bin/bash ./run.sh`, `bash < run.sh`), made absolute (by the files the shell has open,
else by its working directory); when the parent only launches the drop-in (xargs, env,
timeout, `sh -c '...'`) it is looked for in the parent's parents, up to CALLER_DEPTH of
them. An unreadable /proc means no caller, never an error.
"""

from __future__ import annotations

import os

from .. import userfiles
from .redaction import _DIGITS, _LOWER, redact

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

PROC = "/proc"  # tests point this elsewhere
CALLER_DEPTH = 4  # how many launchers (xargs, sh -c, ...) to look through for the script
PROC_LIMIT = 8 * userfiles.MiB  # /proc/PID/cmdline is at most ARG_MAX (a quarter of the stack)

_SHELLS = frozenset(("sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "csh",
                     "tcsh", "fish", "yash", "ash", "busybox"))
_SCRIPTED = frozenset(("perl", "ruby", "rscript", "node", "lua", "tclsh", "wish", "php",
                       "jython", "pypy", "pypy3"))
# Programs that only launch the drop-in for a script: look at their parent instead.
_LAUNCHERS = frozenset(("xargs", "parallel", "sem", "env", "nohup", "timeout", "nice",
                        "ionice", "time", "setsid", "stdbuf", "flock", "watch", "chronic"))
_VERSION_CHARS = _DIGITS | {"."}


def _read(path: str) -> bytes | None:
    """A /proc file (a regular file of at most PROC_LIMIT bytes), or None."""
    try:
        return userfiles.read_bytes(path, PROC_LIMIT, "the process file")
    except userfiles.UserFileError:
        return None


def _cmdline(pid: int) -> list[str] | None:
    data = _read(f"{PROC}/{pid}/cmdline")
    if data is None:
        return None
    return [os.fsdecode(w) for w in data.split(b"\0")[:-1 if data.endswith(b"\0") else None]]


def _parent_of(pid: int) -> int | None:
    data = _read(f"{PROC}/{pid}/stat")
    if not data:
        return None
    try:
        return int(data[data.rindex(b")") + 2:].split()[1])
    except (ValueError, IndexError):
        return None


def _program(argv: list[str]) -> str:
    name = os.path.basename(argv[0]).lstrip("-").lower() if argv else ""
    return name


def _is_python(name: str) -> bool:
    """`python[0-9.]*[a-z]?` matches all of `name`: python, python3.11, python3.13t."""
    if not name.startswith("python"):
        return False
    version = name[6:]
    if version and version[-1] in _LOWER:
        version = version[:-1]
    return _VERSION_CHARS.issuperset(version)


def script_argument(argv: list[str]) -> tuple[str | None, bool]:
    """(the script an interpreter command line runs, whether it runs a command string).

    `bash -x /p/run.sh a` -> ("/p/run.sh", False); `bash -c 'cmd'` -> (None, True);
    `python3 -u x.py` -> ("x.py", False); `-bash` or `make` -> (None, False).
    """
    name = _program(argv)
    if name in _SHELLS:
        kind = "shell"
    elif _is_python(name) or name in ("pypy", "pypy3"):
        kind = "python"
    elif name in _SCRIPTED:
        kind = "other"
    else:
        return None, False
    words = argv[1:]
    if kind == "shell" and name == "busybox":
        if not words or words[0] not in _SHELLS:
            return None, False
        words = words[1:]
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            i += 1
            break
        if word in ("-", "-s") or not word.startswith(("-", "+")) or word == "+":
            break
        if kind == "shell":
            if word in ("--rcfile", "--init-file", "--init_file"):
                i += 2
                continue
            if word == "--command" or word.startswith("--command="):
                return None, True
            if word.startswith("--"):
                i += 1
                continue
            flags = word[1:]
            if "c" in flags:
                return None, True
            if word in ("-s",) or ("s" in flags and word[0] == "-"):
                return None, False
            i += 2 if ("o" in flags or "O" in flags) else 1
            continue
        if kind == "python":
            if word in ("-c", "-m") or word.startswith(("-c", "-m")):
                return None, word.startswith("-c")
            i += 2 if word in ("-W", "-X", "-Q") else 1
            continue
        if word in ("-e", "-E") or word.startswith(("-e", "-E")):
            return None, True
        i += 2 if word in ("-I", "-r", "-M") else 1
    if i < len(words) and words[i] not in ("-", "-s"):
        return words[i], False
    return None, False


def _resolve(pid: int, path: str) -> str | None:
    """An absolute path for the script `path` of process `pid`.

    A relative path is matched against the files the process has open (bash keeps its
    script open, as fd 255; dash as fd 10+), so a script that cd'd elsewhere still
    resolves right; else it is joined to the process's working directory. `/dev/fd/N`
    (`bash <(...)`, `bash /dev/stdin < run.sh`) is the file behind it, or None (a pipe).
    """
    for prefix in ("/dev/fd/", "/proc/self/fd/", "/dev/stdin"):
        if path.startswith(prefix):
            fd = path[len(prefix):] if prefix != "/dev/stdin" else "0"
            try:
                target = os.readlink(f"{PROC}/{pid}/fd/{fd}")
            except OSError:
                return None
            return target if target.startswith("/") and not target.startswith("/dev/") \
                else None
    if os.path.isabs(path):
        return os.path.normpath(path)
    rel = os.path.normpath(path)
    fd_dir = f"{PROC}/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        fds = []
    matches = set()
    for fd in fds:
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue
        if target.endswith("/" + rel) and target.startswith("/"):
            matches.add(target)
    if len(matches) == 1:
        return matches.pop()
    try:
        cwd = os.readlink(f"{PROC}/{pid}/cwd")
    except OSError:
        return path
    return os.path.normpath(os.path.join(cwd, path))


def _stdin_script(pid: int) -> str | None:
    """`bash < run.sh`: the script is the shell's standard input."""
    try:
        target = os.readlink(f"{PROC}/{pid}/fd/0")
    except OSError:
        return None
    if target.startswith("/") and not target.startswith("/dev/") and os.path.isfile(target):
        return target
    return None


def caller(pid: int | None = None, secrets: Iterable[str] = ()) -> dict[str, Any] | None:
    """{"cmdline": the parent's argv (redacted), "script": the script path or None}.

    When the parent only launches the drop-in (xargs, env, timeout, `sh -c '...'`), the
    script is looked for in its parents. None when the parent cannot be read.
    """
    pid = os.getppid() if pid is None else pid
    first = _cmdline(pid)
    if first is None:
        return None
    argv: list[str] | None = first
    script = None
    for _ in range(CALLER_DEPTH):
        if not argv:
            break
        found, command_string = script_argument(argv)
        if found:
            script = _resolve(pid, found)
            break
        name = _program(argv)
        if not command_string and name in _SHELLS and len(argv) == 1:
            script = _stdin_script(pid)
            break
        if not command_string and name not in _LAUNCHERS:
            break
        parent = _parent_of(pid)
        if parent is None or parent <= 1:
            break
        pid, argv = parent, _cmdline(parent)
    return {"cmdline": redact(first, secrets), "script": script}
