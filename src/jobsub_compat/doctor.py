"""`jobsub-compat doctor`: one screen about this user's jobsub set-up.

Which jobsub_submit a script gets, whether the install it runs from has bytecode for the
running interpreter, the jobsub_lite behind it, the token and proxy (never the token
itself), the Kerberos ticket and htgettoken that renew tokens, the settings and where
each came from, and whether the migration log can be written. Exit 0 when a backend was
found and the config files could be read, 1 otherwise (the screen says why).
"""

from __future__ import annotations

import os
import sys

from . import backend, commands, config, log, proxies, tokens
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


PACKAGE = os.path.dirname(os.path.abspath(__file__))
# What a missing bytecode costs, measured once (benchmarks/run.py, 2026-12-02: the site
# install run by `nobody`, who cannot write the tree, Python 3.11 on the 2-core CI
# machine): every call compiles every module it imports.
UNCOMPILED_COST = ("jobsub_q then costs 4.8x a bare python3 start instead of 1.4x, "
                   "jobsub_submit 5.7x instead of 2.3x")


def _pyc_state(source: str, pyc: str, magic: bytes) -> str:
    """ok, missing (none, or another interpreter's) or stale (for another source), and
    the invalidation mode, of one module's bytecode (PEP 552 header)."""
    try:
        with open(pyc, "rb") as handle:
            header = handle.read(16)
    except OSError:
        return "missing"
    if len(header) < 16 or header[:4] != magic:
        return "missing"
    flags = int.from_bytes(header[4:8], "little")
    try:
        if flags & 1:
            from importlib.util import source_hash

            with open(source, "rb") as handle:
                same = source_hash(handle.read()) == header[8:16]
            mode = "checked-hash" if flags & 2 else "unchecked-hash"
        else:
            info = os.stat(source)
            same = header[8:16] == ((int(info.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
                                    + (info.st_size & 0xFFFFFFFF).to_bytes(4, "little"))
            mode = "timestamp"
    except OSError:
        return "missing"
    return f"ok {mode}" if same else f"stale {mode}"


def _can_write(directory: str) -> bool:
    while directory and not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    return os.access(directory, os.W_OK)


def bytecode(package: str = PACKAGE) -> str:
    """Whether every module of the package has bytecode for this interpreter, and whether
    this user could write what is missing (what makes the drop-ins fast, or not)."""
    from importlib.util import MAGIC_NUMBER, cache_from_source

    name = "CPython" if sys.implementation.name == "cpython" else sys.implementation.name
    impl = f"{name} {sys.version_info[0]}.{sys.version_info[1]}"
    states: list[str] = []
    where = ""
    for directory, subdirs, files in os.walk(package):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            source = os.path.join(directory, name)
            try:
                pyc = cache_from_source(source)
            except NotImplementedError:
                return f"{impl} keeps no bytecode (sys.implementation.cache_tag is None)"
            where = where or os.path.dirname(pyc)
            states.append(_pyc_state(source, pyc, MAGIC_NUMBER))
    missing = states.count("missing")
    stale = [s for s in states if s.startswith("stale")]
    writes = _can_write(where) and not sys.dont_write_bytecode
    access = "writable by you" if _can_write(package) else "read-only for you"
    notes = []
    if sys.pycache_prefix:
        notes.append(f"PYTHONPYCACHEPREFIX={sys.pycache_prefix} makes Python look for "
                     "bytecode there, not in the install's __pycache__")
    if sys.flags.optimize:
        notes.append(f"-O/PYTHONOPTIMIZE looks for .opt-{sys.flags.optimize}.pyc files")
    note = "".join(f"; {n}" for n in notes)
    if not missing and not stale:
        modes = sorted({s.split()[1] for s in states})
        return (f"{len(states)} modules byte-compiled for {impl} ({', '.join(modes)}); "
                f"{package} is {access}{note}")
    said = []
    if missing and writes:
        said.append(f"{missing} of {len(states)} modules have no bytecode for {impl} yet: "
                    f"each is compiled once, on first use, into {where} (writable by you)")
    elif missing:
        why = ("PYTHONDONTWRITEBYTECODE keeps Python from storing it" if sys.dont_write_bytecode
               else f"{where} is not writable by you")
        fix = (f"Compile it: {sys.executable} -m compileall {package}" if _can_write(package)
               else f"Install with packaging/install.py as root (PYTHON={sys.executable})")
        said.append(f"{missing} of {len(states)} modules have no bytecode for {impl} and "
                    f"{why}: every call compiles them again; {UNCOMPILED_COST}. {fix}")
    if any(s.endswith("unchecked-hash") for s in stale):
        said.append(f"{len(stale)} modules differ from their bytecode, which Python runs "
                    "anyway (unchecked-hash): install again")
    elif stale:
        said.append(f"{len(stale)} modules changed since they were compiled, so they are "
                    "compiled again" + (" on every call" if not writes else " once"))
    return "; ".join(said) + f"; {package} is {access}{note}"


def _dropins_on_path(environ: Mapping[str, str]) -> str:
    """Whether a script calling any drop-in of the registry gets this shim: the bin/ ones,
    and the opt-in bin/credentials/ ones."""
    said = []
    for directory in ("bin", "bin/credentials"):
        names = [c.name for c in commands.COMMANDS.values() if c.directory == directory]
        found = {name: _first_on_path(name, environ) for name in names}
        others = [f"{name} ({path or 'none'})" for name, path in found.items()
                  if path is None or not backend.is_shim(path)]
        if not others:
            said.append(f"all {len(names)} of {directory}/ are this shim's")
        elif directory == "bin/credentials" and len(others) == len(names):
            said.append("the credential drop-ins are not first on PATH (opt-in: put the "
                        "install's bin/credentials before their X.509 tools)")
        else:
            said.append(f"NOT this shim: {', '.join(others)}; put the install's {directory} "
                        "first on PATH")
    return "; ".join(said)


KLIST_TIMEOUT = 10  # seconds; klist reads a local file (or asks a KCM daemon)


def kerberos(environ: Mapping[str, str]) -> str:
    """The Kerberos ticket htgettoken authenticates with (jobsub_lite's renewals and the
    voms-proxy-init drop-in): `klist -s`, whose exit status scripts test, then the
    principal from `klist`'s "Default principal:" line (Heimdal: "Principal:").

    klist runs through tokens.run_tool (sh), as every credential tool the shim runs does:
    sh's import (~75 ms) is most of this line's cost, and doctor is run by a person, once."""
    valid = tokens.run_tool(["klist", "-s"], environ, KLIST_TIMEOUT)
    if valid.status is None:
        return f"cannot be checked: {valid.problem} (htgettoken needs a ticket: kinit)"
    if valid.status != 0:
        return (f"no valid ticket (klist -s exit {valid.status}); run kinit (htgettoken needs "
                "it to renew tokens, unless a vault token is still valid)")
    listing = tokens.run_tool(["klist"], environ, KLIST_TIMEOUT, keep_stdout=True)
    for line in listing.stdout.splitlines():
        label, _, value = line.partition(":")
        if label in ("Default principal", "Principal") and value.strip():
            return f"valid ticket for {value.strip()}"
    return "valid ticket (klist -s)"


def htgettoken(environ: Mapping[str, str]) -> str:
    """Where htgettoken is (found as jobsub_lite's os.system finds it: PATH); not run, as
    its path is all this line needs."""
    path = _first_on_path("htgettoken", environ)
    return path or ("NOT on PATH: jobsub_lite cannot get or renew tokens; install "
                    "htgettoken (or add its directory to PATH)")


def lines(environ: Mapping[str, str]) -> tuple[list[tuple[str, str]], bool]:
    out: list[tuple[str, str]] = []
    first = _first_on_path("jobsub_submit", environ)
    if first is None:
        out.append(("jobsub_submit on PATH", "none"))
    else:
        kind = "jobsub-compat (this shim)" if backend.is_shim(first) else "NOT the shim"
        out.append(("jobsub_submit on PATH", f"{first} - {kind}"))
    out.append(("drop-ins on PATH", _dropins_on_path(environ)))
    out.append(("bytecode", bytecode()))
    try:
        settings: dict[str, config.Setting] | None = config.settings(environ)
    except RuntimeFailure as exc:
        settings, unreadable = None, exc
    try:  # without settings, find() reads the files again and fails alike
        found: backend.Backend | None = backend.find("jobsub_submit", environ, settings)
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
    out.append(("kerberos", kerberos(environ)))
    out.append(("htgettoken", htgettoken(environ)))
    for label, path in config.config_files(environ):
        out.append((label, path if os.path.exists(path) else f"{path} (absent)"))
    if settings is None:
        out.append(("settings", f"ERROR: {unreadable}"))
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
