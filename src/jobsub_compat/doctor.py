"""`jobsub-compat doctor`: one screen about this user's jobsub set-up.

Which jobsub_submit a script gets, the jobsub_lite behind it, the token and proxy (never
the token itself), the settings and where each came from, and whether the migration log
can be written. Exit 0 when a backend was found and the config files could be read, 1
otherwise (the screen says why).
"""

from __future__ import annotations

import os
import sys

from . import backend, config, log, proxies, tokens
from .warnings import RuntimeFailure

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping


def _first_on_path(command: str, environ: Mapping[str, str]) -> str | None:
    for entry in environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(entry or ".", command)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _writable(path: str) -> str:
    directory = os.path.dirname(path)
    while directory and not os.path.exists(directory):
        directory = os.path.dirname(directory)
    target = path if os.path.exists(path) else directory
    if target and os.access(target, os.W_OK):
        return f"{path} (writable)"
    return f"{path} (NOT writable: set JOBSUB_COMPAT_LOG to a writable file, or off)"


def lines(environ: Mapping[str, str]) -> tuple[list[tuple[str, str]], bool]:
    out: list[tuple[str, str]] = []
    first = _first_on_path("jobsub_submit", environ)
    if first is None:
        out.append(("jobsub_submit on PATH", "none"))
    else:
        kind = "jobsub-compat (this shim)" if backend.is_shim(first) else "NOT the shim"
        out.append(("jobsub_submit on PATH", f"{first} - {kind}"))
    try:
        found: backend.Backend | None = backend.find("jobsub_submit", environ)
    except RuntimeFailure as exc:
        found = None
        out.append(("jobsub_lite", f"not found: {exc}"))
    if found is not None:
        out.append(("jobsub_lite", f"{found.path} version {found.version or 'unknown'} "
                                   f"(chosen by {found.source})"))
    for kind, described in (("token", tokens.describe(environ)),
                            ("proxy", proxies.describe(environ))):
        out += [(label if label.startswith(kind) else f"{kind} {label}", value)
                for label, value in described]
    for label, path in config.config_files(environ):
        out.append((label, path if os.path.exists(path) else f"{path} (absent)"))
    try:
        settings = config.settings(environ)
    except RuntimeFailure as exc:
        out.append(("settings", f"ERROR: {exc}"))
        return out, False
    for name, setting in settings.items():
        out.append((f"setting {name}", f"{setting.value or '(empty)'} from {setting.source}"))
    user_log = log.user_log(environ, settings["log"].value)
    out.append(("migration log", _writable(user_log) if user_log else "off"))
    return out, found is not None


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    found_lines, ok = lines(os.environ if environ is None else environ)
    width = max(len(label) for label, _ in found_lines)
    for label, value in found_lines:
        sys.stdout.write(f"{label:<{width}}  {value}\n")
    return 0 if ok else 1
