"""Bearer tokens: find them as WLCG discovery and jobsub_lite do, read their claims, and
check them before a drop-in runs jobsub_lite (the pre-flight).

Two lookups matter (tokens.md §2, jobsub-lite.md §2):
- WLCG bearer token discovery, used by condor, gfal, xrootd, htdecodetoken and the
  voms-proxy-info drop-in: $BEARER_TOKEN (the token itself), $BEARER_TOKEN_FILE,
  $XDG_RUNTIME_DIR/bt_u<euid> (the variable read as htgettoken reads it, not by the XDG
  rule: paths.runtime_token_file), /tmp/bt_u<euid>; whitespace stripped, empty = absent.
- jobsub_lite: $BEARER_TOKEN_FILE if that file exists, else
  ${TMPDIR:-/tmp}/bt_token_<issuer>_<role>_<uid> (issuer = group, samdev -> fermilab),
  and it refuses a token whose first `wlcg.groups` entry names another group or role.

Never print or log a token: only paths, claims and digests leave this module.

Speed: the pre-flight runs on every jobsub_submit. Claims are read with pyjwt, imported
plainly where a token is decoded (decode()), and the claims of a token already seen are
kept in a small cache keyed by checksums of the token, so a loop of submits with the same
token imports no pyjwt at all. No dataclasses or typing either (each an import on every
call). Credential tools (htgettoken, klist) run through sh (run_tool), imported there
only.
"""

from __future__ import annotations

import binascii
import os
import stat
import time

from . import proxies, site_packages, userfiles
from .codes import (
    BEARER_TOKEN_SHADOWS,
    PRODUCTION_PROXY,
    PROXY_EXPIRED,
    PROXY_IN_USE,
    PROXY_IS_TOKEN,
    ROLE_FROM_PROXY,
    ROLE_FROM_TOKEN,
    TOKEN_EXPIRING,
    TOKEN_FILE_READABLE,
    TOKEN_FILE_UNSAFE,
    TOKEN_REDIRECTED,
    TOKEN_UNUSABLE,
)
from .paths import cache_file, runtime_token_file

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

TMP = "/tmp"  # the fixed directory of the discovery spec and jobsub_lite; tests move it
TOKEN_LIMIT = 64 * 1024  # a token file larger than this holds no token (they are ~1-2 kB)
ROLE_LIMIT = 4096  # jobsub_default_role_<group>_<uid>: one word
CACHE_LIMIT = 1 * userfiles.MiB  # the claims cache (16 entries of a few hundred bytes)
DEFAULT_ROLE = "Analysis"
EXPIRY_MARGIN = 600  # warn when the token has less than this many seconds left
_WHITESPACE = " \t\n\v\f\r"  # C isspace(), as the discovery spec says
_CACHED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "nbf", "scope", "wlcg.groups", "wlcg.ver")
_CACHE_SIZE = 16
NO_PYJWT = "pyjwt is not installed, so its claims cannot be read"

class Found:
    """A discovered token: where it came from, and the token (never in its repr)."""

    __slots__ = ("source", "path", "token")

    def __init__(self, source: str, path: str | None, token: str) -> None:
        self.source = source  # "BEARER_TOKEN", "BEARER_TOKEN_FILE", "XDG_RUNTIME_DIR", "/tmp"
        self.path = path  # None for $BEARER_TOKEN
        self.token = token

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Found) and (self.source, self.path, self.token) == (
            other.source, other.path, other.token)

    def __repr__(self) -> str:
        return f"Found(source={self.source!r}, path={self.path!r}, token=<{len(self.token)} chars>)"


class Preflight:
    """What a drop-in changes before it runs jobsub_lite."""

    __slots__ = ("env", "warnings", "role")

    def __init__(self) -> None:
        self.env: dict[str, str | None] = {}  # None: unset
        self.warnings: list[tuple[str, str]] = []  # (code, one line)
        self.role: str | None = None  # pass as --role (the call had none; the proxy had one)

    def warn(self, code: str, message: str) -> None:
        self.warnings.append((code, message.replace("\n", " ")))

    def __repr__(self) -> str:
        return f"Preflight(env={self.env!r}, warnings={self.warnings!r}, role={self.role!r})"


# -- names -------------------------------------------------------------------------------

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def valid_name(name: str, dots: bool = True) -> bool:
    """A group, role or subgroup name: ASCII letters, digits, `_`, `.` and `-`, not
    starting with `.` or `-`.

    Neither jobsub_lite 1.12 (lib/get_parser.py takes -G/--role/--subgroup as any
    string) nor its token code checks them, yet it builds file names of them
    (`${TMPDIR:-/tmp}/bt_token_<group>_<role>_<uid>`, `jobsub_default_role_<group>_<uid>`)
    and passes the group to htgettoken as `-i <group>`; the legacy client put them into
    the server's URL path (`/jobsub/acctgroups/<group>--ROLE--<role>/`, legacy-jobsub.md
    §1), whose server knew only its configured groups. Real names follow the WLCG token
    profile's `[a-zA-Z0-9][a-zA-Z0-9_.-]*` (tokens.md §3: a token's `wlcg.groups`), so
    the rule keeps what is safe there: no `/`, no leading `.` (`..`), no leading `-` (an
    option), nothing a shell or a ClassAd would read twice. A subgroup has no `.` either:
    it is one level of the ClassAd `AccountingGroup = "group_<grp>.<subgroup>.<user>"`.
    String methods: re costs every call ~5 ms.
    """
    return bool(name) and name[0] not in ".-" and _NAME_CHARS.issuperset(name) and (
        dots or "." not in name)


def check_name(kind: str, name: str, where: str) -> None:
    """UsageError unless valid_name(): `kind` is group, role or subgroup."""
    if not valid_name(name, dots=kind != "subgroup"):
        from .warnings import UsageError

        allowed = "letters, digits, '_' and '-'" if kind == "subgroup" else \
            "letters, digits, '_', '.' and '-'"
        raise UsageError(f"{where} {name!r} is not a {kind} name ({allowed}, not starting "
                         f"with '.' or '-', as in a token's wlcg.groups); give the "
                         f"experiment's {kind}")


def private_file_problem(path: str) -> str | None:
    """Why a file in a shared directory must not be trusted as the caller's token file
    (a symbolic link, not a regular file, another user's, open to group or others), or
    None when it is a regular file of the caller's own with mode 0600 (or stricter)."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"cannot be checked ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if info.st_uid != os.getuid():
        return f"belongs to uid {info.st_uid}, not to you"
    if info.st_mode & 0o077:
        return f"has mode {stat.S_IMODE(info.st_mode):04o}, not 0600"
    return None


# -- where tokens are -------------------------------------------------------------------


def issuer_for(group: str) -> str:
    """jobsub_lite's vault issuer for a group: the group itself, samdev -> fermilab."""
    return "fermilab" if group == "samdev" else group


def read_token(path: str) -> str:
    """The stripped text of a token file ("" when empty). UserFileError when it is not a
    regular file of at most TOKEN_LIMIT bytes that can be read."""
    data = userfiles.read_bytes(path, TOKEN_LIMIT, "the token file")
    return data.decode("utf-8", "replace").strip(_WHITESPACE)


def read_token_file(path: str) -> str | None:
    """The stripped token in a file; None when missing, unreadable, not a regular file,
    oversized or empty (discovery then looks further)."""
    try:
        return read_token(path) or None
    except userfiles.UserFileError:
        return None


def _default_files(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(source, path) of the files discovery reads when BEARER_TOKEN_FILE gives no token,
    in its order: $XDG_RUNTIME_DIR/bt_u<euid> (when the variable is set), /tmp/bt_u<euid>."""
    runtime = runtime_token_file(environ)
    files = [("XDG_RUNTIME_DIR", runtime)] if runtime else []
    return files + [("/tmp", os.path.join(TMP, f"bt_u{os.geteuid()}"))]


def wlcg_default_path(environ: Mapping[str, str]) -> str:
    """Discovery's default file (htgettoken's default -o when BEARER_TOKEN_FILE is unset)."""
    return _default_files(environ)[0][1]


def discover(environ: Mapping[str, str]) -> Found | None:
    """WLCG bearer token discovery, in its order."""
    token = environ.get("BEARER_TOKEN", "").strip(_WHITESPACE)
    if token:
        return Found("BEARER_TOKEN", None, token)
    candidates = [("BEARER_TOKEN_FILE", environ.get("BEARER_TOKEN_FILE", "")),
                  *_default_files(environ)]
    for source, path in candidates:
        text = read_token_file(path) if path else None
        if text:
            return Found(source, path, text)
    return None


def discover_file(environ: Mapping[str, str]) -> Found | None:
    """Discovery without $BEARER_TOKEN: the file htgettoken wrote and BEARER_TOKEN hides."""
    return discover({k: v for k, v in environ.items() if k != "BEARER_TOKEN"})


def lite_default_path(issuer: str, role: str, environ: Mapping[str, str]) -> str:
    """jobsub_lite's own token file for an issuer and role."""
    tmp = environ.get("TMPDIR", "/tmp")
    return f"{tmp}/bt_token_{issuer}_{role}_{os.getuid()}"


def group_from_tokens(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The group of the caller's tokens, for a call that names none: (group, token file).

    The token in BEARER_TOKEN_FILE when that file exists (jobsub_lite would use it);
    else jobsub_lite's own token files (${TMPDIR:-/tmp}/bt_token_*_<uid>, the caller's),
    when they all belong to one group. None when that does not name exactly one group.
    """
    named = environ.get("BEARER_TOKEN_FILE", "")
    if named and os.path.isfile(named):
        paths = [named]
    else:
        tmp = environ.get("TMPDIR", "/tmp")
        uid = os.getuid()
        try:
            names = sorted(os.listdir(tmp))
        except OSError:
            names = []
        paths = [os.path.join(tmp, n) for n in names
                 if n.startswith("bt_token_") and n.endswith(f"_{uid}")]
        paths = [p for p in paths if private_file_problem(p) is None]
    found: dict[str, str] = {}
    for path in paths:
        token = read_token_file(path)
        payload = claims(token, environ)[0] if token else None
        entry = group_and_role(payload) if payload else None
        if entry and valid_name(entry[0]):
            found.setdefault(entry[0].lower(), path)
    if len(found) != 1:
        return None
    return next(iter(found.items()))


def default_role_file(group: str, environ: Mapping[str, str]) -> str | None:
    """jobsub_lite's default role for a group (pushed by managed tokens, or the user's):
    only from a file of the caller's own, and only a valid role name."""
    uid = os.getuid()
    home = environ.get("HOME", os.path.expanduser("~"))
    for directory in (TMP, os.path.join(home, ".config")):
        path = os.path.join(directory, f"jobsub_default_role_{group}_{uid}")
        try:
            if os.stat(path).st_uid != uid:
                continue
            role = userfiles.read_text(path, ROLE_LIMIT, "the default role file").strip()
        except (OSError, userfiles.UserFileError):
            continue
        if valid_name(role):
            return role
    return None


# -- claims -----------------------------------------------------------------------------

def decode(token: str) -> tuple[dict[str, Any] | None, str | None]:
    """The token's claims, or None and why not.

    No signature check, on purpose: the shim only routes calls and warns. The schedd,
    the credd and the storage endpoints verify every token they are given, and a token
    that fails there fails exactly as it would without the shim.

    pyjwt is imported plainly, cryptography with it (pyjwt's own choice). Its cost is
    paid only on a claims-cache miss, once per token not seen before: a jobsub_submit
    then takes ~70 ms more than with the claims cached (~50 ms when cryptography was
    held back from the import, which saved ~20 ms of it); measured with
    bin/jobsub_submit on benchmarks/run.py's stand-in, its claims cache removed before
    each call, 2026-12-02, Python 3.11, the shared 2-core machine: ~9.5x a bare
    python3 start, ~7.5x held back, over the 4x budget either way. That path is taken
    once per new token (they last about 3 h at Fermilab and jobsub_lite renews one only
    when under 60 s are left), so a loop of submits pays it once per renewal, and the
    budget's everyday calls (benchmarks/run.py, tests/test_startup.py: a token already
    seen) never import pyjwt.
    """
    site_packages()
    try:
        import jwt
    except ImportError:
        return None, NO_PYJWT
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        return None, f"it is not a JWT ({type(exc).__name__})"
    if not isinstance(claims, dict):
        return None, "its payload is not a JSON object"
    return claims, None


def _cache_path(environ: Mapping[str, str]) -> str:
    return cache_file(environ, "token-claims.json")


def _load_cache(path: str) -> dict[str, Any]:
    from . import jsontext  # only when there is a token to look up

    try:
        data = jsontext.loads(userfiles.read_text(path, CACHE_LIMIT, "the claims cache"))
    except (ValueError, RecursionError):  # a damaged cache (or none) is no cache
        return {}
    return data if isinstance(data, dict) else {}


def _store_cache(path: str, cache: dict[str, Any]) -> None:
    from . import jsontext

    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(jsontext.dumps(cache))
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs a decode next time


def cache_key(token: str) -> str:
    """The claims cache's key: length and two CRC-32s (forward and backward) of the token.

    Not a secure hash, on purpose: hashlib costs an OpenSSL load on every call, and the
    cache is no security boundary (claims are read unverified anyway, from a file the
    user controls). 64 bits of checksum over a 16-entry cache make a collision moot.
    """
    data = token.encode("utf-8", "surrogateescape")
    return f"{len(data)}-{binascii.crc32(data):08x}-{binascii.crc32(data[::-1]):08x}"


def claims(token: str, environ: Mapping[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """decode(), through a cache of claims keyed by cache_key() (never the token)."""
    key = cache_key(token)
    path = _cache_path(environ)
    cache = _load_cache(path)
    hit = cache.get(key)
    if isinstance(hit, dict):
        return hit, None
    found, problem = decode(token)
    if found is not None:
        kept = {name: found[name] for name in _CACHED_CLAIMS if name in found}
        fresh = {key: kept}
        fresh.update((k, v) for k, v in list(cache.items())[:_CACHE_SIZE - 1] if k != key)
        _store_cache(path, fresh)
        return kept, None
    return None, problem


def group_and_role(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(group, role) as jobsub_lite reads `wlcg.groups`: the first `/<grp>/<role>` entry,
    else the first `/<grp>` with role Analysis; None when the claim is missing or malformed."""
    groups = payload.get("wlcg.groups")
    if not groups or not isinstance(groups, list):
        return None
    split = [_group_entry(g) for g in groups if isinstance(g, str)]
    for group, role in (s for s in split if s):
        if role is not None:
            return group, role
    for group, _ in (s for s in split if s):
        return group, DEFAULT_ROLE
    return None


def _group_entry(name: str) -> tuple[str, str | None] | None:
    """What jobsub_lite's re.match(r"/(.+)/(.+)", name), else re.match(r"/(.+)", name),
    finds: (group, role), (group, None), or None. (Text methods: see options.Fate.)"""
    line = name.split("\n", 1)[0]  # `.` stops at a line break
    if not line.startswith("/") or len(line) < 2:
        return None
    body = line[1:]
    cut = body.rfind("/", 1, len(body) - 1)  # greedy: the last '/' with text on both sides
    return (body[:cut], body[cut + 1:]) if cut >= 1 else (body, None)


def seconds_left(payload: Mapping[str, Any], now: float | None = None) -> float | None:
    exp = payload.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return None
    return float(exp) - (time.time() if now is None else now)


def same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def readable_by_others(path: str) -> str | None:
    """The file's mode as octal text when group or others may read it."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None
    return f"{mode:04o}" if mode & 0o044 else None


def _duration(seconds: float) -> str:
    seconds = abs(int(seconds))
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


# -- credential tools -------------------------------------------------------------------

TOOL_OUTPUT_LINES = 4096  # what sh keeps of a tool's stdout and stderr (the oldest go first)


class ToolRun:
    """How a credential tool run by run_tool() ended.

    `status`: its exit status, -N when signal N ended it, None when it could not be run or
    did not finish (`problem` then says why and what to do, for a message; `timed_out`
    tells the second from the first); `stdout`: what it printed, only when asked for;
    `stderr`: its last line on standard error, without the tool's `name: ` prefix and
    with anything token-like in it redacted (never more: a tool's debug output may hold
    secrets)."""

    __slots__ = ("status", "problem", "timed_out", "stdout", "stderr")

    def __init__(self, status: int | None, problem: str = "", timed_out: bool = False,
                 stdout: str = "", stderr: str = "") -> None:
        self.status, self.problem, self.timed_out = status, problem, timed_out
        self.stdout, self.stderr = stdout, stderr

    def __repr__(self) -> str:
        return f"ToolRun(status={self.status!r}, problem={self.problem!r}, stderr={self.stderr!r})"


def run_tool(argv: list[str], environ: Mapping[str, str], timeout: float,
             keep_stdout: bool = False) -> ToolRun:
    """Run a credential tool (htgettoken for voms-proxy-init, klist for doctor) with sh.

    The tool is looked up on `environ`'s PATH and gets `environ` (its own rules read it:
    HTGETTOKENOPTS, KRB5CCNAME); argv words, never a shell. Its stdin is /dev/null, so it
    can never wait for an answer. Its stdout goes to /dev/null unless `keep_stdout`:
    htgettoken prints the vault token there when it is asked to (`--vaulttokenfile
    /dev/stdout`, HTGETTOKENOPTS), and what is never read can never be printed or logged.
    Its stderr is read, and its last line kept (ToolRun.stderr) for the message that
    names the next step. A tool still running after `timeout` seconds is killed. ^C
    (KeyboardInterrupt) kills it too and goes on up: the drop-in then ends by SIGINT
    with no traceback (backend.launch), and no tool outlives the call. SIGHUP keeps the
    disposition the caller gave it (sh's background mode would ignore it).

    sh rather than backend.capture: a tool's exit status, stderr, timeout and kill come
    from one call, with no hand-written poll loop. sh is imported here only, as the
    design asks: its import costs ~75 ms (asyncio, logging, threading, inspect; measured
    with `python3 -S -c 'import site; site.main(); import sh'` against the same without
    sh, 2026-12-02, Python 3.11, the shared 2-core machine), which is nothing next to
    htgettoken itself (a Python program and round trips to the vault: about a second)
    and a small part of `jobsub-compat doctor`, run by a person once. Its logger is
    silenced: sh logs what it reads from a tool at debug level, and nothing a tool
    writes may reach a log.
    """
    site_packages()
    try:
        import sh
    except ImportError:
        return ToolRun(None, "the Python package sh is not installed for "
                             "this interpreter (install python3-sh, or pip install sh)")
    import logging
    import signal

    logging.getLogger("sh").setLevel(logging.CRITICAL + 1)
    try:
        command = sh.Command(argv[0], search_paths=environ.get("PATH", os.defpath)
                             .split(os.pathsep))
    except sh.CommandNotFound:
        return ToolRun(None, f"{argv[0]} is not on PATH; install it or add its directory "
                             "to PATH")
    hangup = signal.getsignal(signal.SIGHUP)

    def restore_hangup() -> None:  # in the child, before exec
        signal.signal(signal.SIGHUP, signal.SIG_IGN if hangup == signal.SIG_IGN
                      else signal.SIG_DFL)

    with open(os.devnull, "rb") as stdin, open(os.devnull, "wb") as sink:
        try:
            running = command(*argv[1:], _env=dict(environ), _in=stdin,
                              _out=None if keep_stdout else sink, _tty_out=False,
                              _timeout=timeout, _bg=True, _bg_exc=False,
                              _internal_bufsize=TOOL_OUTPUT_LINES, _preexec_fn=restore_hangup)
        except (sh.ForkException, OSError) as exc:
            why = (str(exc).strip().splitlines() or [type(exc).__name__])[-1].strip()
            return ToolRun(None, f"{argv[0]} could not be started ({why}); check its first "
                                 "line (#!) or install it again")
        try:
            running.wait()
            status: int | None = running.exit_code
            problem, timed_out = "", False
        except sh.TimeoutException:
            status, problem = None, f"{argv[0]} did not finish within {timeout:g} s"
            timed_out = True
        except sh.ErrorReturnCode as exc:
            status, problem, timed_out = exc.exit_code, "", False
        except BaseException:  # ^C: no tool outlives the call
            try:
                running.process.kill()
                running.wait()
            except Exception:  # it ended meanwhile, or its exit is the kill's
                pass
            raise
    return ToolRun(status, problem, timed_out,
                   _text(running.process.stdout) if keep_stdout else "",
                   _last_line(running.process.stderr, argv[0]))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _last_line(data: bytes, tool: str) -> str:
    """The last non-empty line of a tool's stderr, without its `<tool>: ` prefix (which
    scrub would read as a name and its secret value), token-like words redacted."""
    from . import log

    lines = [line.strip() for line in _text(data).splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1]
    prefix = f"{os.path.basename(tool)}: "
    return log.scrub(line[len(prefix):] if line.startswith(prefix) else line)[:300]


# -- the pre-flight ---------------------------------------------------------------------


def _check(path: str, issuer: str, role: str | None, environ: Mapping[str, str]
           ) -> tuple[dict[str, Any] | None, str | None]:
    """The claims of the token in `path`, and why jobsub_lite would not accept it for
    (issuer, role) (role None: any role, as jobsub_lite then takes the token's own)."""
    try:
        token = read_token(path)
    except userfiles.UserFileError as exc:
        return None, f"it {exc.reason}"
    if not token:
        return None, "it is empty"
    payload, problem = claims(token, environ)
    if payload is None:
        return None, problem
    found = group_and_role(payload)
    if found is None:
        return payload, "its wlcg.groups claim is missing or malformed"
    token_group, token_role = found
    if not same(token_group, issuer) or (role is not None and not same(token_role, role)):
        return payload, f"it is for group {token_group} role {token_role}"
    return payload, None


def _proxy_checks(result: Preflight, role: str | None, environ: Mapping[str, str],
                  now: float) -> str | None:
    """Warnings about X.509 proxies; the role the legacy client would have taken."""
    named = environ.get("X509_USER_PROXY", "")
    if named:
        experiment = proxies.production_experiment(named)
        if os.path.isfile(named) and proxies.load(named) is None and read_token_file(named):
            result.env["X509_USER_PROXY"] = None
            result.warn(PROXY_IS_TOKEN, f"X509_USER_PROXY={named} is a bearer token file, not "
                        "a proxy; unset for jobsub_lite. Use BEARER_TOKEN_FILE for tokens")
        elif experiment:
            result.warn(PRODUCTION_PROXY, f"X509_USER_PROXY={named} is the managed production "
                        f"proxy of {experiment}pro; jobsub_lite uses tokens now: move "
                        f"{experiment}pro to managed tokens (htgettoken -i {experiment} -r "
                        "production --nooidc --nokerberos --credkey=...)")
        else:
            result.warn(PROXY_IN_USE, f"X509_USER_PROXY={named} is set; jobsub_lite uses "
                        "tokens now (the proxy only goes along where the site's auth methods "
                        "include proxy); get tokens with htgettoken")
    if role:
        return None
    proxy = proxies.find(environ)
    if proxy is None or not proxy.fqans:
        return None
    proxy_role = proxies.role_of(proxy.fqans[0])
    if not proxy_role or not valid_name(proxy_role):
        return None
    if proxy.seconds_left(now) <= 0:
        result.warn(PROXY_EXPIRED, f"the proxy {proxy.path} (FQAN {proxy.fqans[0]}) has "
                    "expired, so its role is not used; give --role if you meant it")
        return None
    result.role = proxy_role
    result.warn(ROLE_FROM_PROXY, f"no --role: the legacy client used the role of the proxy "
                f"{proxy.path} (FQAN {proxy.fqans[0]}); passing --role={proxy_role}. "
                f"Add --role={proxy_role} to the command")
    return proxy_role


def _unsafe(result: Preflight, path: str) -> bool:
    """Warn and say True when `path`, jobsub_lite's token file in a shared directory,
    exists but is not a private file of the caller's (private_file_problem)."""
    if not os.path.lexists(path):
        return False
    problem = private_file_problem(path)
    if problem is None:
        return False
    result.warn(TOKEN_FILE_UNSAFE, f"{path} {problem}: it is not used, and this call is left "
                "to jobsub_lite as it is. Remove it (jobsub_lite then gets a new token there)")
    return True


def preflight(group: str, role: str | None, environ: Mapping[str, str],
              now: float | None = None) -> Preflight:
    """Check the credentials a jobsub_lite call of (group, role) will use."""
    now = time.time() if now is None else now
    result = Preflight()
    proxy_role = _proxy_checks(result, role, environ, now)
    issuer = issuer_for(group)
    wanted = role or proxy_role or default_role_file(group, environ)
    named = environ.get("BEARER_TOKEN_FILE", "")
    in_use: str | None = None
    payload: dict[str, Any] | None = None
    if named and os.path.exists(named):
        payload, problem = _check(named, issuer, wanted, environ)
        in_use = named
        if problem == NO_PYJWT:
            payload = None  # cannot tell: leave the call as it is
        elif problem and os.path.realpath(named) == os.path.realpath(
                lite_default_path(issuer, wanted or DEFAULT_ROLE, environ)):
            result.warn(TOKEN_UNUSABLE, f"BEARER_TOKEN_FILE={named} cannot serve this call "
                        f"({problem}); remove it so that jobsub_lite gets a new token")
        elif problem and _unsafe(result, lite_default_path(issuer, wanted or DEFAULT_ROLE,
                                                           environ)):
            pass  # the per-group file is not the caller's: jobsub_lite decides
        elif problem:
            target = lite_default_path(issuer, wanted or DEFAULT_ROLE, environ)
            result.env["BEARER_TOKEN_FILE"] = target
            result.warn(TOKEN_REDIRECTED, f"BEARER_TOKEN_FILE={named} cannot serve this call "
                        f"({problem}; this call is group {group} role "
                        f"{wanted or DEFAULT_ROLE}): jobsub_lite would refuse or overwrite "
                        f"it; using {target} instead. Set BEARER_TOKEN_FILE per group and "
                        "role in the script")
            in_use = target
            payload = None
            if os.path.exists(target):
                payload, problem = _check(target, issuer, wanted or DEFAULT_ROLE, environ)
                if problem and problem != NO_PYJWT:
                    result.warn(TOKEN_UNUSABLE, f"{target} cannot serve this call either "
                                f"({problem}); remove it so that jobsub_lite gets a new token")
        elif not wanted and payload is not None:
            found = group_and_role(payload)
            if found and not same(found[1], DEFAULT_ROLE):
                result.warn(ROLE_FROM_TOKEN, f"no --role: jobsub_lite takes role "
                            f"{found[1].capitalize()} from the token in BEARER_TOKEN_FILE "
                            f"({named}); the legacy client used Analysis. Give --role "
                            "explicitly")
    else:
        path = lite_default_path(issuer, wanted or DEFAULT_ROLE, environ)
        if os.path.lexists(path) and not _unsafe(result, path):
            in_use = path
            payload, problem = _check(path, issuer, wanted or DEFAULT_ROLE, environ)
            if problem and problem != NO_PYJWT:
                result.warn(TOKEN_UNUSABLE, f"jobsub_lite's token file {path} cannot serve "
                            f"this call ({problem}); remove it so that jobsub_lite gets a new "
                            "token")
    if payload is not None and in_use is not None:
        left = seconds_left(payload, now)
        if left is not None and left < EXPIRY_MARGIN:
            when = (f"expired {_duration(left)} ago" if left <= 0
                    else f"expires in {_duration(left)}")
            result.warn(TOKEN_EXPIRING, f"the token in {in_use} {when}; jobsub_lite renews it "
                        "with htgettoken only under 60 s left. Run htgettoken (or kinit) first")
    shadow = environ.get("BEARER_TOKEN", "").strip(_WHITESPACE)
    if shadow:
        hidden = discover_file(environ)
        what = f"shadows {hidden.path}" if hidden else "is used before any token file"
        differs = " and holds a different token" if hidden and hidden.token != shadow else ""
        result.warn(BEARER_TOKEN_SHADOWS, f"BEARER_TOKEN is set: for WLCG tools it {what}"
                    f"{differs}; jobsub_lite and htgettoken use files. Unset BEARER_TOKEN")
    seen: set[str] = set()
    discovered = discover_file(environ)
    for candidate in (in_use, discovered.path if discovered else None):
        if not candidate or os.path.realpath(candidate) in seen:
            continue
        seen.add(os.path.realpath(candidate))
        mode = readable_by_others(candidate)
        if mode:
            result.warn(TOKEN_FILE_READABLE, f"the token file {candidate} is readable by "
                        f"others (mode {mode}); run chmod 600 {candidate}")
    return result


# -- doctor -----------------------------------------------------------------------------


def _expiry(payload: Mapping[str, Any], now: float) -> str:
    left = seconds_left(payload, now)
    if left is None:
        return "no exp claim"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(payload["exp"])))
    return f"{stamp} (expired {_duration(left)} ago)" if left <= 0 else \
        f"{stamp} ({_duration(left)} left)"


def describe(environ: Mapping[str, str], now: float | None = None) -> list[tuple[str, str]]:
    """Doctor lines about the bearer token: where, issuer, groups, scopes, expiry."""
    now = time.time() if now is None else now
    lines: list[tuple[str, str]] = []
    found = discover(environ)
    if found is None:
        looked = ["BEARER_TOKEN", "BEARER_TOKEN_FILE",
                  *(path for _, path in _default_files(environ))]
        lines.append(("token", f"none found (looked at {', '.join(looked)}); run htgettoken "
                      "-a htvaultprod.fnal.gov -i <experiment>"))
    else:
        where = found.path or "the BEARER_TOKEN variable"
        lines.append(("token", f"{where} (from {found.source})"))
        if found.source == "BEARER_TOKEN":
            hidden = discover_file(environ)
            if hidden:
                lines.append(("BEARER_TOKEN", f"set; shadows {hidden.path}"))
        payload, problem = claims(found.token, environ)
        if payload is None:
            lines.append(("token claims", f"unreadable: {problem}"))
        else:
            groups = payload.get("wlcg.groups")
            pair = group_and_role(payload)
            lines.append(("token issuer", str(payload.get("iss", "none"))))
            lines.append(("token subject", str(payload.get("sub", "none"))))
            lines.append(("token groups", ", ".join(map(str, groups))
                          if isinstance(groups, list) else "none"))
            lines.append(("token group/role", f"{pair[0]} / {pair[1]}" if pair
                          else "unknown (jobsub_lite will refuse this token)"))
            lines.append(("token scopes", str(payload.get("scope", "none"))))
            lines.append(("token expiry", _expiry(payload, now)))
        if found.path:
            mode = readable_by_others(found.path)
            if mode:
                lines.append(("token file mode", f"{mode}: readable by others; chmod 600"))
    group = environ.get("JOBSUB_GROUP") or environ.get("GROUP")
    if group:
        named = environ.get("BEARER_TOKEN_FILE", "")
        if named and os.path.exists(named):
            lines.append(("jobsub_lite token", f"{named} (BEARER_TOKEN_FILE)"))
        else:
            role = default_role_file(group, environ) or DEFAULT_ROLE
            path = lite_default_path(issuer_for(group), role, environ)
            state = "present" if os.path.exists(path) else "absent: jobsub_lite will run htgettoken"
            lines.append(("jobsub_lite token", f"{path} for group {group} ({state})"))
    return lines
