"""Find, version and run the real jobsub_lite: the project's one door to processes.

Lookup order for the directory holding the real executables: $JOBSUB_COMPAT_BACKEND,
the `backend` setting of the config files, $JOBSUB_CLIENT_DIR (POMS's convention for
"where the real client lives"), /opt/jobsub_lite/bin, then PATH. Any candidate that is
this shim (same real path, or a file that launches jobsub_compat) is skipped, and the
environment marker JOBSUB_COMPAT_ACTIVE stops a call that comes back to itself.
"""

from __future__ import annotations

import os
import sys

from . import config
from .warnings import RuntimeFailure

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:  # typing, subprocess and threading cost an import each call
    from collections.abc import Mapping
    from types import FrameType
    from typing import Callable, Optional, TextIO

    LineFilter = Callable[[str], Optional[str]]


DEFAULT_DIR = "/opt/jobsub_lite/bin"
MARKER = "JOBSUB_COMPAT_ACTIVE"
_SELF_SIGNATURE = b"jobsub-compat drop-in"  # the comment line of bin/ launchers
_VERSION_NAMES = ("__version__", "version")
_QUOTES = ("\"", "'")


class Backend:
    __slots__ = ("path", "source", "version")

    def __init__(self, path: str, source: str, version: str | None) -> None:
        self.path, self.source, self.version = path, source, version


def is_shim(path: str) -> bool:
    """Is this executable one of ours (a launcher of jobsub_compat)?"""
    try:
        with open(path, "rb") as handle:
            return _SELF_SIGNATURE in handle.read(4096)
    except OSError:
        return False


# This checkout's bin/: never a backend, whatever PATH says.
OWN_BIN = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", "..", "bin"))


def _usable(path: str) -> bool:
    if os.path.realpath(os.path.dirname(path)) == OWN_BIN:
        return False
    return os.path.isfile(path) and os.access(path, os.X_OK) and not is_shim(path)


def candidates(setting: config.Setting, environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(directory, how it was chosen) in lookup order, before any checks."""
    found: list[tuple[str, str]] = []
    if setting.value:
        found.append((setting.value, setting.source))
    if environ.get("JOBSUB_CLIENT_DIR"):
        found.append((environ["JOBSUB_CLIENT_DIR"], "JOBSUB_CLIENT_DIR"))
    found.append((DEFAULT_DIR, "default install"))
    for entry in environ.get("PATH", "").split(os.pathsep):
        if entry:
            found.append((entry, "PATH"))
    return found


def find(command: str, environ: Mapping[str, str]) -> Backend:
    setting = config.settings(environ)["backend"]
    for directory, source in candidates(setting, environ):
        path = os.path.join(directory, command)
        if _usable(path):
            return Backend(path, source, detect_version(path, environ))
        if source == setting.source and setting.value:
            # An explicit choice that does not work is an error, not a reason to guess.
            raise RuntimeFailure(
                f"{source} names {directory}, which has no executable {command} of "
                "jobsub_lite; point it at jobsub_lite's bin directory (e.g. /opt/jobsub_lite/bin)")
    raise RuntimeFailure(
        f"jobsub_lite's {command} was not found (looked in JOBSUB_CLIENT_DIR, {DEFAULT_DIR} "
        "and PATH); install jobsub_lite or set JOBSUB_COMPAT_BACKEND to its bin directory")


def _version_from_install(path: str) -> str | None:
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(path)))
    try:
        with open(os.path.join(prefix, "lib", "version.py"), encoding="utf-8",
                  errors="replace") as handle:
            text = handle.read(65536)
    except OSError:
        return None
    for line in text.split("\n"):
        version = version_assignment(line)
        if version:
            return version
    return None


def version_assignment(line: str) -> str | None:
    """The version in a line `version = "1.12"` (or `__version__:`, either quote), as the
    regex `^\\s*(?:__version__|version)\\s*[:=]\\s*["']([^"']+)["']` reads one line.
    String methods because importing re would cost every call ~5 ms."""
    rest = line.lstrip()
    for name in _VERSION_NAMES:
        if rest.startswith(name):
            rest = rest[len(name):].lstrip()
            break
    else:
        return None
    if rest[:1] not in (":", "=") or rest[1:].lstrip()[:1] not in _QUOTES:
        return None
    rest = rest[1:].lstrip()[1:]
    end = min((i for i in (rest.find(q) for q in _QUOTES) if i >= 0), default=-1)
    return rest[:end] if end > 0 else None


def _cache_path(environ: Mapping[str, str]) -> str:
    home = environ.get("HOME", os.path.expanduser("~"))
    base = environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    return os.path.join(base, "jobsub_compat", "backend-versions.json")


def detect_version(path: str, environ: Mapping[str, str]) -> str | None:
    """The installed jobsub_lite version, without a process on every call.

    First its lib/version.py; else a cache keyed by the executable's real path and
    mtime, filled by running `--version` once.
    """
    version = _version_from_install(path)
    if version:
        return version
    real = os.path.realpath(path)
    try:
        key = f"{real}:{os.stat(real).st_mtime_ns}"
    except OSError:
        return None
    cache_file = _cache_path(environ)
    from . import jsontext

    try:
        with open(cache_file, encoding="utf-8") as handle:
            cache = jsontext.loads(handle.read())
        if not isinstance(cache, dict):
            cache = {}
    except (OSError, ValueError, RecursionError):  # a damaged cache is no cache
        cache = {}
    if key in cache:
        return cache[key] or None
    # Once per install; a backend that hangs on --version must not hold every call long.
    status, output = capture([path, "--version"], {**environ, MARKER: "version"}, timeout=15)
    version = version_in_output(output) if status == 0 else None
    cache[key] = version or ""
    try:
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        tmp = f"{cache_file}.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(jsontext.dumps(cache))
        os.replace(tmp, cache_file)
    except OSError:
        pass  # an unwritable cache only costs a process next time
    return version


def version_in_output(text: str) -> str | None:
    """X in the first `jobsub_lite version X` of `--version`'s output (the regex
    `jobsub_lite version (\\S+)`)."""
    marker = "jobsub_lite version "
    start = text.find(marker)
    while start >= 0:
        words = text[start + len(marker):].split(None, 1)
        if words and text.startswith(words[0], start + len(marker)):
            return words[0]
        start = text.find(marker, start + 1)
    return None


def capture(argv: list[str], env: Mapping[str, str], timeout: float = 300) -> tuple[int, str]:
    """Run a helper command (never a shell) and return its status and stdout."""
    import subprocess

    try:
        done = subprocess.run(argv, env=dict(env), capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return 127, str(exc)
    return done.returncode, done.stdout.decode("utf-8", "surrogateescape")


def run(argv: list[str], env: Mapping[str, str], on_stdout: LineFilter,
        on_stderr: LineFilter | None = None) -> int:
    """Run the backend with live stdout (through `on_stdout`) and stderr; its status.

    `on_stdout` gets each line and returns the text to print (None to hold it back);
    `on_stderr`, when given, sees each stderr line the same way (else stderr is the
    caller's own). SIGINT and SIGTERM are forwarded; death by signal N gives 128 + N.
    os.posix_spawn rather than subprocess: every drop-in call runs this, and subprocess
    costs a few milliseconds of imports each time.
    """
    if TYPE_CHECKING:
        import signal
    else:  # the C module itself: the `signal` wrapper imports enum (~4 ms a call)
        import _signal as signal

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe() if on_stderr else (-1, -1)
    actions = [(os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_CLOSE, out_r)]
    if on_stderr:
        actions += [(os.POSIX_SPAWN_DUP2, err_w, 2), (os.POSIX_SPAWN_CLOSE, err_r)]
    try:
        pid = os.posix_spawn(argv[0], argv, dict(env), file_actions=actions)
    except OSError as exc:
        for fd in (out_r, out_w, err_r, err_w):
            if fd >= 0:
                os.close(fd)
        raise RuntimeFailure(f"cannot run {argv[0]}: {exc.strerror}; check the jobsub_lite "
                             "install or JOBSUB_COMPAT_BACKEND") from None
    os.close(out_w)
    if err_w >= 0:
        os.close(err_w)
    done: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        if not done:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _relay({out_r: (on_stdout, sys.stdout), **({err_r: (on_stderr, sys.stderr)}
                                                  if on_stderr else {})})
        _, wait_status = os.waitpid(pid, 0)
        done.append(wait_status)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    status = os.waitstatus_to_exitcode(wait_status)
    return 128 - status if status < 0 else status


def _relay(streams: dict[int, tuple[LineFilter, TextIO]]) -> None:
    """Pass the backend's lines on as they come, each through its filter, until both
    pipes close (poll, not a thread per pipe: threading is one more import per call)."""
    import select

    poller = select.poll()
    pending = {fd: b"" for fd in streams}
    for fd in streams:
        poller.register(fd, select.POLLIN | select.POLLHUP)
    sys.stdout.flush()

    def emit(fd: int, raw: bytes) -> None:
        line_filter, stream = streams[fd]
        text = line_filter(raw.decode("utf-8", "surrogateescape"))
        if text:
            stream.flush()
            stream.buffer.write(text.encode("utf-8", "surrogateescape"))
            stream.buffer.flush()

    while pending:
        for fd, _ in poller.poll():
            chunk = os.read(fd, 65536)
            if not chunk:
                if pending[fd]:
                    emit(fd, pending[fd])
                poller.unregister(fd)
                os.close(fd)
                del pending[fd]
                continue
            *lines, pending[fd] = (pending[fd] + chunk).split(b"\n")
            for line in lines:
                emit(fd, line + b"\n")
