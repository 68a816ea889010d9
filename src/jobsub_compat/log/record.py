"""The record: one JSON-able dict per drop-in call, and its one line of JSON.

Its fields, in order: time (when the call started, UTC), host, user, command, caller
(calling.caller: the parent's command line and script), cwd, argv and backend_argv
(redacted), warnings (each code once), backend, backend_version, status, duration_ms.
logrecords.py reads them back.
"""

from __future__ import annotations

import os
import time

from .calling import caller
from .redaction import environment_secrets, redact

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

def user(environ: Mapping[str, str]) -> str:
    """The caller's user name."""
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # no passwd entry (a container): trust the environment
        return environ.get("USER") or environ.get("LOGNAME") or str(os.getuid())


def iso_time(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def make_record(command: str, argv: list[str], backend_argv: list[str], codes: list[str],
                backend_path: str | None, backend_version: str | None, status: int,
                duration: float, environ: Mapping[str, str]) -> dict[str, Any]:
    """One JSON-able record of a drop-in call; `time` is when the call started (UTC)."""
    secrets = environment_secrets(environ)
    try:
        cwd: str | None = os.getcwd()
    except OSError:
        cwd = None
    try:
        found = caller(secrets=secrets)
    except Exception:  # /proc oddities must never stop a call
        found = None
    return {
        "time": iso_time(time.time() - max(duration, 0.0)),
        "host": os.uname().nodename,
        "user": user(environ),
        "command": command,
        "caller": found,
        "cwd": cwd,
        "argv": redact(argv, secrets),
        "backend_argv": redact(backend_argv, secrets),
        "warnings": list(dict.fromkeys(codes)),
        "backend": backend_path,
        "backend_version": backend_version,
        "status": status,
        "duration_ms": int(round(duration * 1000)),
    }


def encode(record: dict[str, Any]) -> bytes:
    """The record as one line of JSON (ASCII: undecodable argv bytes stay escaped)."""
    from ..jsontext import dumps  # json.dumps's text, without json's imports

    return (dumps(record) + "\n").encode("ascii")
