"""Find, version and run the real jobsub_lite: the project's one door to processes.

Lookup order for the directory holding the real executables: $JOBSUB_COMPAT_BACKEND,
the `backend` setting of the config files, $JOBSUB_CLIENT_DIR (POMS's convention for
"where the real client lives"), /opt/jobsub_lite/bin, then PATH. Any candidate that is
this shim (same real path, or a file that launches jobsub_compat) is skipped, and the
environment marker JOBSUB_COMPAT_ACTIVE stops a call that comes back to itself.

Signals and closed pipes end a drop-in as they end jobsub_lite called directly, so that a
calling shell loop stops on ^C (bash stops only when its child died of SIGINT):
- while the backend runs, SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to it, and
  when it dies of one of them the drop-in dies of the same signal (launch());
- one that comes while the drop-in has files to clean up but no backend running (the
  DAG copy being written or removed) is kept until they are gone, then ends the process;
- before that, SIGINT stops the call where it is (KeyboardInterrupt, never a traceback)
  and ends the process by SIGINT; SIGTERM, SIGHUP and SIGQUIT keep their default action;
- a closed standard output (`jobsub_q | head -1`) ends the process by SIGPIPE, as it ends
  cat or grep (141 in the shell, no message), once the backend has finished (its output
  is read and dropped meanwhile, so a submission or removal is never cut halfway) and
  the call is logged. SIGPIPE rather than a quiet status 1 because 1 already means "the
  query or action failed" to the scripts of the legacy client.
bin/'s launcher (every drop-in's name links to it) runs its entry point through launch(),
which does all of this.
"""

from __future__ import annotations

import os
import sys

from . import config, paths, userfiles
from .warnings import RuntimeFailure

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:  # typing, subprocess and threading cost an import each call
    import signal
    from collections.abc import Mapping
    from types import FrameType, TracebackType
    from typing import Any, Callable, NoReturn, Optional, TextIO

    LineFilter = Callable[[str], Optional[str]]
else:  # the C module itself: the `signal` wrapper imports enum (~4 ms a call)
    import _signal as signal


DEFAULT_DIR = "/opt/jobsub_lite/bin"
MARKER = "JOBSUB_COMPAT_ACTIVE"
_SELF_SIGNATURE = b"jobsub-compat drop-in"  # the comment line of bin/'s launcher
_VERSION_NAMES = ("__version__", "version")
_QUOTES = ("\"", "'")
SIGINT, SIGPIPE = signal.SIGINT, signal.SIGPIPE
ENDING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)  # forwarded, re-raised
# Python ignores these at start-up; a backend gets their default back, as subprocess does.
_RESTORED = (signal.SIGPIPE, signal.SIGXFSZ)
HEAD = 64 * 1024  # how much of a backend's executable or lib/version.py is looked at
VERSION_CACHE_LIMIT = 1 * userfiles.MiB
CAPTURE_LIMIT = 1 * userfiles.MiB  # a helper printing more is stopped (capture)
CAPTURE_TOO_LONG = -1000  # capture's status for a helper stopped for printing too much


class Backend:
    __slots__ = ("path", "source", "version")

    def __init__(self, path: str, source: str, version: str | None) -> None:
        self.path, self.source, self.version = path, source, version


def is_shim(path: str) -> bool:
    """Is this executable one of ours (a launcher of jobsub_compat)?"""
    try:
        return _SELF_SIGNATURE in userfiles.read_head(path, 4096, "the executable")
    except userfiles.UserFileError:
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


def find(command: str, environ: Mapping[str, str],
         settings: dict[str, config.Setting] | None = None) -> Backend:
    """The jobsub_lite `command` that a call with these settings (the call's, else read
    now) runs."""
    setting = (config.settings(environ) if settings is None else settings)["backend"]
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
    """The version assigned in the install's lib/version.py (its first 64 KiB: a regular
    file of a few lines in every jobsub_lite; anything else there is no version)."""
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(path)))
    try:
        data = userfiles.read_head(os.path.join(prefix, "lib", "version.py"), HEAD,
                                   "jobsub_lite's lib/version.py")
    except userfiles.UserFileError:
        return None
    for line in data.decode("utf-8", "replace").split("\n"):
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
    return paths.cache_file(environ, "backend-versions.json")


def detect_version(path: str, environ: Mapping[str, str]) -> str | None:
    """The installed jobsub_lite version, without a process on every call.

    First its lib/version.py; else a cache keyed by the executable's real path and
    mtime, filled by running `--version` once (a cache file that is not a regular file of
    at most 1 MiB is no cache; a probe that a signal ended is not remembered).
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
        cache = jsontext.loads(userfiles.read_text(cache_file, VERSION_CACHE_LIMIT,
                                                   "the version cache"))
        if not isinstance(cache, dict):
            cache = {}
    except (ValueError, RecursionError):  # a damaged cache (or none) is no cache
        cache = {}
    if key in cache:
        return cache[key] or None
    # Once per install; a backend that hangs on --version must not hold every call long.
    status, output = capture([path, "--version"], {**environ, MARKER: "version"}, timeout=15)
    version = version_in_output(output) if status == 0 else None
    if CAPTURE_TOO_LONG < status < 0:  # a signal (^C) stopped it: ask again next time
        return version
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


def capture(argv: list[str], env: Mapping[str, str], timeout: float = 300,
            limit: int = CAPTURE_LIMIT) -> tuple[int, str]:
    """Run a helper command (never a shell) and return its status and stdout.

    Its stdin is closed and its stderr discarded. A helper still running after `timeout`
    seconds is killed (status 127, with the reason as the output); one that prints more
    than `limit` bytes is killed at once (status CAPTURE_TOO_LONG: `--version` or a DAG
    macro never needs that much, and `yes` must not fill the node's memory). A negative
    status -N: a signal N ended it. ^C here kills the helper before it stops the call.
    Its helpers are jobsub_lite's own (`--version`, jobsub_q/jobsub_history for fetchlog
    --list) and a DAG's `<macros>` commands, on the drop-ins' paths: hand-written rather
    than sh (which runs the credential tools, tokens.run_tool) for sh's import (~75 ms)
    and for the byte limit, which sh's buffers do not have.
    """
    import subprocess
    import time

    try:
        proc = subprocess.Popen(argv, env=dict(env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        return 127, str(exc)
    assert proc.stdout is not None
    out = proc.stdout.fileno()
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + timeout
    try:
        import select

        poller = select.poll()
        poller.register(out, select.POLLIN | select.POLLHUP)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait()
                return 127, f"{argv[0]} did not finish within {timeout:g} s"
            if not poller.poll(int(left * 1000) + 1):
                continue
            chunk = os.read(out, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                proc.kill()
                proc.wait()
                return CAPTURE_TOO_LONG, ""
        status = proc.wait(max(deadline - time.monotonic(), 0.001))
    except subprocess.TimeoutExpired:  # closed its stdout but went on running
        proc.kill()
        proc.wait()
        return 127, f"{argv[0]} did not finish within {timeout:g} s"
    except BaseException:  # ^C: no helper outlives the call
        proc.kill()
        proc.wait()
        raise
    finally:
        proc.stdout.close()
    return status, b"".join(chunks).decode("utf-8", "surrogateescape")


class Interruptions:
    """SIGINT, SIGTERM, SIGHUP and SIGQUIT while a call has a backend or files to look
    after (a `with` block from before the DAG copy is written until it is removed).

    While the backend runs, each one is forwarded to it: it decides, as it would called
    directly, and died_of says how it ended. One that comes while no backend runs (before
    it started or after it ended) is kept in `kept`: the call starts no backend, finishes
    its cleanup and ends by it. A signal the caller ignores (nohup) stays ignored, for the
    drop-in and for the backend.
    """

    def __init__(self) -> None:
        self.pid: int | None = None  # the running backend (None: not started, or reaped)
        self.kept: list[int] = []  # signals that came while no backend ran
        self.died_of: int | None = None  # the signal that killed the backend
        self.stdout_closed = False  # the reader of standard output went away
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Interruptions:
        if SIGINT in _ENDED_BY:  # a ^C whose KeyboardInterrupt Python dropped
            self.kept.append(SIGINT)
        for signum in ENDING:
            if signal.getsignal(signum) != signal.SIG_IGN:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.pid is None:
            self.kept.append(signum)
            return
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def started(self, pid: int) -> None:
        self.pid = pid
        while self.kept:  # came while posix_spawn ran: the backend gets them now
            self._handle(self.kept.pop(0), None)

    def ended_by(self) -> int | None:
        """The signal this call ends by, if any: the backend's death, a kept signal, or
        SIGPIPE for a closed standard output."""
        if self.died_of in ENDING:
            return self.died_of
        if self.kept:
            return self.kept[0]
        return SIGPIPE if self.stdout_closed else None


def run(argv: list[str], env: Mapping[str, str], on_stdout: LineFilter,
        on_stderr: LineFilter | None, watch: Interruptions) -> int:
    """Run the backend with live stdout (through `on_stdout`) and stderr; its status.

    `on_stdout` gets each line and returns the text to print (None to hold it back);
    `on_stderr`, when given, sees each stderr line the same way (else stderr is the
    caller's own). `watch` (entered by the caller) forwards signals; death by signal N
    gives 128 + N. A signal kept before the start means no backend is started.
    os.posix_spawn rather than subprocess: every drop-in call runs this, and subprocess
    costs a few milliseconds of imports each time.
    """
    if watch.kept:
        return 128 + watch.kept[0]
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe() if on_stderr else (-1, -1)
    actions = [(os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_CLOSE, out_r)]
    if on_stderr:
        actions += [(os.POSIX_SPAWN_DUP2, err_w, 2), (os.POSIX_SPAWN_CLOSE, err_r)]
    try:
        pid = os.posix_spawn(argv[0], argv, dict(env), file_actions=actions,
                             setsigdef=_RESTORED)
    except OSError as exc:
        for fd in (out_r, out_w, err_r, err_w):
            if fd >= 0:
                os.close(fd)
        raise RuntimeFailure(_spawn_problem(argv[0], exc)) from None
    watch.started(pid)
    os.close(out_w)
    if err_w >= 0:
        os.close(err_w)
    _relay({out_r: (on_stdout, sys.stdout), **({err_r: (on_stderr, sys.stderr)}
                                              if on_stderr else {})}, watch)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # ended, not reaped: pid not reused
    watch.pid = None
    _, wait_status = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(wait_status)
    if status < 0:
        watch.died_of = -status
    return 128 - status if status < 0 else status


def _spawn_problem(path: str, exc: OSError) -> str:
    """Why the backend could not start, naming what is missing: ENOENT for a file that
    exists is its `#!` interpreter (the kernel's execve says no more)."""
    fix = "check the jobsub_lite install or JOBSUB_COMPAT_BACKEND"
    if exc.errno == 2 and os.path.isfile(path):
        try:
            first = userfiles.read_head(path, 256, "the backend").split(b"\n", 1)[0]
        except userfiles.UserFileError:
            first = b""
        line = first[2:].decode("utf-8", "replace").strip() if first.startswith(b"#!") else ""
        if line:
            return (f"cannot run {path}: its interpreter {line.split()[0]} (its first line "
                    f"is #!{line}) does not exist; install it, or {fix}")
        return f"cannot run {path}: the system cannot start it (ENOENT); {fix}"
    return f"cannot run {path}: {exc.strerror}; {fix}"


def _relay(streams: dict[int, tuple[LineFilter, TextIO]], watch: Interruptions) -> None:
    """Pass the backend's lines on as they come, each through its filter, until both
    pipes close (poll, not a thread per pipe: threading is one more import per call).

    When the reader of our stdout (or stderr) has gone away, the backend's lines for it
    are still read and dropped: the backend finishes what it does (a submission, a
    removal) instead of dying halfway on a closed pipe, whatever the timing."""
    import select

    poller = select.poll()
    pending = {fd: b"" for fd in streams}
    closed: set[int] = set()
    for fd in streams:
        poller.register(fd, select.POLLIN | select.POLLHUP)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the next write says so again
        pass

    def emit(fd: int, raw: bytes) -> None:
        line_filter, stream = streams[fd]
        text = line_filter(raw.decode("utf-8", "surrogateescape"))
        if text and fd not in closed:
            try:
                stream.flush()
                stream.buffer.write(text.encode("utf-8", "surrogateescape"))
                stream.buffer.flush()
            except BrokenPipeError:
                closed.add(fd)
                if stream is sys.stdout:
                    watch.stdout_closed = True

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


_ENDED_BY: list[int] = []  # the signal this process ends by (set by a call, read by launch)


def end_by(signum: int) -> None:
    """Make launch() end this process by `signum` once the entry point has returned."""
    _ENDED_BY.append(signum)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT outside a backend call: stop the call where it is, once; a second ^C ends
    the process at once (the default action), whatever the clean-up is doing. It is also
    remembered, because Python drops an exception raised in some places (a weakref
    callback of the import system, a __del__): then no backend is started, and the
    process still ends by SIGINT."""
    signal.signal(SIGINT, signal.SIG_DFL)
    end_by(SIGINT)
    raise KeyboardInterrupt


def _unraisable(unraisable: Any) -> None:
    """sys.unraisablehook: a ^C that Python had to drop is no error to print (_interrupt
    remembered it)."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


def die(signum: int) -> NoReturn:
    """End this process by `signum` (its default action), as the shell must see it."""
    signal.signal(SIGINT, signal.SIG_DFL)  # from here on ^C only hastens the end
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    if signum == signal.SIGQUIT:  # the backend dumped its core if it could; the shim's is useless
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # pragma: no cover - only if the signal could not end us


def launch(module: str, function: str) -> NoReturn:
    """What bin/'s launcher runs (dropin.main): `module.function()` as the whole process.

    Its status is the process's; a call that ended by a signal (end_by), ^C at any
    moment (KeyboardInterrupt) and a closed pipe (BrokenPipeError) end the process by
    that signal, with no traceback. The process ends with os._exit once the standard
    streams are flushed: nothing is left to finalize, and a late ^C meets no Python code
    of the interpreter's shutdown."""
    sys.unraisablehook = _unraisable
    try:
        if signal.getsignal(SIGINT) != signal.SIG_IGN:  # a background job's ^C stays ignored
            signal.signal(SIGINT, _interrupt)
        main = getattr(__import__(module, fromlist=[function]), function)
        status = main()
        sys.stdout.flush()
        sys.stderr.flush()
        if not _ENDED_BY:
            os._exit(status)
        ended = _ENDED_BY[0]
    except KeyboardInterrupt:
        ended = SIGINT
    except BrokenPipeError:
        ended = SIGPIPE
    die(ended)
