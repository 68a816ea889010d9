"""What every drop-in does with its Plan: explain it, refuse it, answer it, or run it.

run() is the one runner: every command of the registry (commands/__init__.py) whose
runner is PLAN goes through it, so strict mode, silence and the migration log mean the
same for each; main() is what bin/'s launcher runs."""

from __future__ import annotations

import os
import sys
import time

from . import __version__, backend, codes, commands, config
from .plan import Plan
from .warnings import CompatWarning, RuntimeFailure

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:  # typing costs an import on every call; only the type checker needs it
    from collections.abc import Mapping
    from typing import Callable, Protocol

    from .commands import Translate

    class Output(Protocol):
        """Turns the backend's output into what the legacy client printed (and may also
        read its stderr, with an `error_line` method of the same shape as `line`)."""

        def line(self, text: str) -> str | None: ...

        def finish(self, status: int) -> int: ...

    # A drop-in's own answer to a "local" Plan: (plan, environ, flush) -> status, where
    # flush() prints the warnings added to the plan since (silence honoured).
    Answer = Callable[[Plan, Mapping[str, str], Callable[[], None]], int]


STRICT = {"1", "yes", "true", "on"}


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def plan_for(command: str, translate: Translate, argv: list[str],
             environ: Mapping[str, str], backend_command: str | None = None,
             settings: dict[str, config.Setting] | None = None
             ) -> tuple[Plan, backend.Backend | None, str | None]:
    """The Plan, the backend it would run (if found) and why none was found. The backend
    is the registry's (`backend_command` another), none for a command without one. The
    settings are the call's (config.settings(environ) when not given); the Plan keeps
    them for the drop-in's own answer."""
    if settings is None:
        settings = config.settings(environ)
    entry = commands.COMMANDS.get(command)
    wanted = backend_command or (entry.backend if entry else command)
    found: backend.Backend | None = None
    missing = None
    if wanted:
        try:
            found = backend.find(wanted, environ, settings)
        except RuntimeFailure as exc:
            missing = str(exc)
    plan = translate(argv, environ, found.version if found else None,
                     found.path if found else wanted or command)
    plan.settings = settings
    if entry is not None and entry.preflight and plan.action == "run" and not plan.error \
            and plan.details.get("group"):
        credentials(plan, environ)
    return plan, found, missing


def credentials(plan: Plan, environ: Mapping[str, str]) -> None:
    """The token (and proxy) jobsub_lite will use for this call: tokens.preflight."""
    from . import tokens

    try:
        checked = tokens.preflight(plan.details["group"], plan.details.get("role"), environ)
    except (OSError, ValueError) as exc:  # odd paths in the environment: say so, go on
        plan.warn(codes.TOKEN_UNUSABLE, f"the credentials could not be checked ({exc}); "
                  "jobsub_lite will look for them itself. Check BEARER_TOKEN_FILE and "
                  "X509_USER_PROXY.")
        return
    plan.env.update(checked.env)
    for code, message in checked.warnings:
        plan.warn(code, message)
    if checked.role and plan.backend_argv:
        plan.backend_argv.insert(1, f"--role={checked.role}")


def version_line(command: str, found: backend.Backend | None) -> str:
    behind = (f"jobsub_lite version {found.version or 'unknown'} ({found.path})" if found
              else "no jobsub_lite found")
    return f"{command} (jobsub-compat {__version__}, legacy jobsub_client emulation) on {behind}"


def _write_files(files: dict[str, str]) -> None:
    for path, content in files.items():
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(content)


def _remove_files(files: dict[str, str]) -> None:
    for path in files:
        try:
            os.remove(path)
            os.rmdir(os.path.dirname(path))
        except OSError:
            pass


class _Call:
    """What is known of a call so far, for its log record."""

    __slots__ = ("plan", "found", "status")

    def __init__(self) -> None:
        self.plan: Plan | None = None
        self.found: backend.Backend | None = None
        self.status = 1


class _Shown:
    """Prints a call's warnings as they come, each once, but the silenced codes."""

    __slots__ = ("command", "plan", "silenced", "done")

    def __init__(self, command: str, plan: Plan, silence: str) -> None:
        self.command, self.plan = command, plan
        self.silenced = {c.strip() for c in silence.split(",") if c.strip()}
        self.done = 0

    def pending(self) -> list[CompatWarning]:
        """The warnings not shown yet, but the silenced ones."""
        return [w for w in self.plan.warnings[self.done:]
                if "all" not in self.silenced and w.code not in self.silenced]

    def flush(self) -> None:
        for warning in self.pending():
            _err(warning.line(self.command))
        self.done = len(self.plan.warnings)


def main() -> int:
    """What bin/'s launcher runs (through backend.launch): the command it was called as.

    Every name in bin/ and bin/credentials/ is a symlink to that one launcher; the name
    (argv[0]'s, a `.py` twin included) picks the registry's command."""
    called = os.path.basename(sys.argv[0])
    entry = commands.find(called)
    if entry is None:
        _err(f"{called}: error: not a name of jobsub-compat's launcher; call it as one of "
             f"{', '.join(commands.COMMANDS)} (the registry, "
             "src/jobsub_compat/commands/__init__.py)")
        return 1
    if entry.runner == commands.PLAN:
        return run(entry.name)
    own: Callable[[], int] = entry.load("main")  # type: ignore[assignment]
    return own()


def run(command: str, argv: list[str] | None = None,
        environ: Mapping[str, str] | None = None) -> int:
    """The drop-in `command` (a registry name): do the call, then write its record to the
    migration log (never for dry runs).

    A call that ends by a signal returns 128 + N and leaves the signal to backend.launch;
    a closed standard output is logged as 141 (SIGPIPE). ^C before anything ran stops it
    unlogged (KeyboardInterrupt)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    environ = os.environ if environ is None else environ
    started = time.monotonic()
    call = _Call()
    logged = environ.get("JOBSUB_COMPAT_DRY_RUN") != "1"
    settings: dict[str, config.Setting] | None = None  # none: no log can be found either
    try:
        settings = config.settings(environ)  # the call's, built once and handed down
        _call(call, commands.COMMANDS[command], argv, environ, settings)
    except KeyboardInterrupt:
        logged = False
        raise
    except BrokenPipeError:
        call.status = 128 + backend.SIGPIPE
        backend.end_by(backend.SIGPIPE)
    except RuntimeFailure as exc:  # a config file that cannot be read; no credential
        call.status = 1
        _err(exc.line(command))
    finally:
        if logged and settings is not None:
            _log(command, argv, call, time.monotonic() - started, environ, settings)
    return call.status


def _log(command: str, argv: list[str], call: _Call, duration: float,
         environ: Mapping[str, str], settings: dict[str, config.Setting]) -> None:
    if settings["log"].value == "off" and not settings["log_dir"].value and \
            settings["syslog"].value != "on":
        return  # every destination is off: spare the import
    from . import log

    plan, found = call.plan, call.found
    record = log.make_record(
        command, argv, plan.backend_argv if plan else [],
        [w.code for w in plan.warnings] if plan else [], found.path if found else None,
        found.version if found else None, call.status, duration, environ)
    problem = log.write(record, environ, settings)
    if problem:
        _err(f"{command}: warning: {problem}")


def _call(call: _Call, entry: commands.Command, argv: list[str],
          environ: Mapping[str, str], settings: dict[str, config.Setting]) -> None:
    """The call; its status in call.status."""
    command = entry.name
    if command in environ.get(backend.MARKER, "").split(","):
        _err(f"{command}: error: the jobsub_lite backend called {command} again, i.e. this "
             "shim; set JOBSUB_COMPAT_BACKEND to jobsub_lite's own bin directory")
        return
    plan, found, missing = plan_for(command, commands.translator(command), argv, environ,
                                    settings=settings)
    call.plan, call.found = plan, found
    call.status = plan.exit_code
    if environ.get("JOBSUB_COMPAT_DRY_RUN") == "1":
        sys.stdout.write(plan.as_text())
        return
    shown = _Shown(command, plan, settings["silence"].value)
    if settings["strict"].value in STRICT and shown.pending() and not plan.error:
        for warning in shown.pending():  # each deprecation is an error in strict mode
            _err(f"{command}: error [{warning.code}]: {warning.message}")
        _err(f"{command}: error: strict mode ({settings['strict'].source}): fix the legacy "
             "usages above, or silence their codes")
        call.status = 2
        return
    shown.flush()
    if plan.error:
        _err(f"{command}: error: {plan.error}")
        return
    if plan.action == "print":
        sys.stdout.write(plan.text)
        return
    if plan.action == "version":
        print(version_line(command, found))
        call.status = 0 if found else 1
        return
    call.status = 1
    if plan.action == "local":  # the drop-in answers the call itself
        answer: Answer = entry.load(entry.answer)  # type: ignore[assignment]
        try:
            call.status = answer(plan, environ, shown.flush)
        finally:
            shown.flush()
        return
    if found is None:
        _err(f"{command}: error: {missing}")
        return
    env = {k: v for k, v in environ.items() if plan.env.get(k, "") is not None}
    env.update({k: v for k, v in plan.env.items() if v is not None})
    marker = environ.get(backend.MARKER)
    env[backend.MARKER] = f"{marker},{command}" if marker else command
    make_output: Callable[[Plan], Output] = entry.load(str(entry.output))  # type: ignore[assignment]
    output = make_output(plan)
    if plan.text:
        sys.stdout.write(plan.text)
        sys.stdout.flush()
    status: int | None = None
    with backend.Interruptions() as watch:  # the DAG copy never outlives the call
        try:
            try:
                _write_files(plan.files)
            except OSError as exc:
                raise RuntimeFailure(f"cannot write {exc.filename}: {exc.strerror}; set "
                                     "TMPDIR to a writable directory") from None
            status = backend.run(plan.backend_argv, env, output.line,
                                 getattr(output, "error_line", None), watch)
        except RuntimeFailure as exc:
            _err(exc.line(command))
        finally:
            _remove_files(plan.files)
    ended = watch.ended_by()
    if ended is not None:  # no legacy output after a ^C: the process ends by the signal
        backend.end_by(ended)
        call.status = 128 + ended
    elif status is not None:
        call.status = output.finish(status)
