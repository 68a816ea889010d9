"""Opt-in credential drop-ins: kx509, cigetcert, voms-proxy-init, voms-proxy-info and
voms-proxy-destroy on tokens (tokens.md §5).

Legacy scripts get a KCA certificate, turn it into a VOMS proxy with a role, check it and
destroy it. Here voms-proxy-init gets the equivalent bearer token with htgettoken and
stores it where jobsub_lite and WLCG tools read it; voms-proxy-info answers from that
token with the legacy shapes and exit statuses (the FQANs and VO are derived from
`wlcg.groups`); kx509 and cigetcert have nothing to do; voms-proxy-destroy removes the
token file, and every file voms-proxy-init made (it keeps their list in
`$XDG_STATE_HOME/jobsub_compat/voms-proxy-init.json`), and nothing else. Each parses its
legacy options; an unknown option is a usage error (exit 2).

They run as every drop-in runs (dropin.run: strict mode, silence, the migration log):
translate() parses the call and says what it will do (its warnings, an answer printed, or
a "local" Plan), and answer() does what needs doing then (voms-proxy-init gets the
token, voms-proxy-destroy removes files).

htgettoken runs through tokens.run_tool (sh: argv words, stdin /dev/null, stdout never
read, a timeout), so it can never wait for a browser login: OIDC is off (`--nooidc`),
and a failure gives htgettoken's own last stderr line and the next step (kinit, managed
tokens) at once, exit 1.
"""

from __future__ import annotations

import getopt
import os
import shlex
import sys
import time

from .. import __version__, codes, config, proxies, tokens, userfiles
from ..paths import state_file
from ..plan import Plan, one_line
from ..warnings import RuntimeFailure, UsageError
from . import COMMANDS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Callable

DEFAULT_VAULT = "htvaultprod.fnal.gov"
HTGETTOKEN_TIMEOUT = 120  # seconds; Kerberos or a vault token answers in a few
OWN_VOS = ("dune", "lsst", "des", "fermilab")  # VOs of their own; the rest sit in fermilab
# voms-clients options (C++ voms-proxy-*): name -> takes a value.
INIT_OPTIONS = {
    "help": False, "usage": False, "version": False, "debug": False, "q": False,
    "quiet": False, "voms": True, "valid": True, "hours": True, "vomslife": True,
    "list": False, "rfc": False, "noregen": False, "old": False, "limited": False,
    "verify": False, "pwstdin": False, "dont-verify-ac": False, "ignorewarn": False,
    "failonwarn": False, "out": True, "cert": True, "key": True, "certdir": True,
    "bits": True, "proxyver": True, "globus": True, "policy": True, "policy-language": True,
    "pl": True, "path-length": True, "separate": True, "include": True, "includeac": True,
    "target": True, "order": True, "timeout": True, "conf": True, "confile": True,
    "userconf": True, "vomses": True,
}
INFO_OPTIONS = {
    "help": False, "usage": False, "version": False, "debug": False, "file": True,
    "exists": False, "e": False, "acexists": True, "chain": False, "conf": True,
    "subject": False, "issuer": False, "identity": False, "type": False, "timeleft": False,
    "strength": False, "path": False, "all": False, "text": False, "vo": False, "fqan": False,
    "acsubject": False, "acissuer": False, "actimeleft": False, "serial": False,
    "valid": True, "bits": True, "hours": True, "dont-verify-ac": False, "targets": False,
    "included-file": False, "uri": False,
}
DESTROY_OPTIONS = {
    "help": False, "usage": False, "version": False, "debug": False, "file": True,
    "dry": False, "dryrun": False, "q": False, "quiet": False, "conf": True,
}
LIFETIME = {"valid", "hours", "vomslife"}
INFO_NO_EQUIVALENT = {"chain", "text", "strength", "serial", "targets", "included-file", "bits",
                      "conf"}


def voms_options(argv: list[str], spec: Mapping[str, bool]) -> list[tuple[str, str | None]]:
    """voms-clients option words: `-name`, `--name`, `-name value`, `-name=value`."""
    found: list[tuple[str, str | None]] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if not word.startswith("-") or word in ("-", "--"):
            raise UsageError(f"unexpected argument {word!r}")
        body = word[2:] if word.startswith("--") else word[1:]
        name, eq, value = body.partition("=")
        if name not in spec:
            raise UsageError(f"unknown option {word.split('=', 1)[0]}")
        if spec[name]:
            if not eq:
                if i >= len(argv):
                    raise UsageError(f"option -{name} needs a value")
                value = argv[i]
                i += 1
            found.append((name, value))
        elif eq:
            raise UsageError(f"option -{name} takes no value")
        else:
            found.append((name, None))
    return found


def _names(options: list[tuple[str, str | None]]) -> set[str]:
    return {name for name, _ in options}


def _print(plan: Plan, text: str) -> None:
    plan.action, plan.text = "print", text


def _version(plan: Plan) -> None:
    _print(plan, f"{plan.command} (jobsub-compat {__version__}: legacy X.509 command on "
           "bearer tokens)\n")


def _usage(plan: Plan) -> None:
    _print(plan, f"usage: {COMMANDS[plan.command].usage}\n"
           f"jobsub-compat drop-in: {codes.text(_CODE[plan.command])}\n")


def _words(words: list[str]) -> str:
    """Words as one details value (NUL cannot be in an argv word or a path)."""
    return "\0".join(words)


def _unwords(value: str) -> list[str]:
    return value.split("\0") if value else []


def _terminal() -> bool:
    """Could a person answer a browser login (htgettoken's own test: any TTY)?"""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.isatty():
                return True
        except (AttributeError, OSError, ValueError):
            continue
    return False


def _write_token(path: str, token: str) -> None:
    """Atomically replace `path` by a 0600 file holding the token (as htgettoken does)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(token + "\n")
        os.replace(tmp, path)
    except OSError:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def _made_list(environ: Mapping[str, str]) -> str:
    """Where voms-proxy-init lists the token files it made, for voms-proxy-destroy."""
    return state_file(environ, "voms-proxy-init.json")


def made(environ: Mapping[str, str]) -> list[str]:
    """The token files voms-proxy-init made (a damaged or hostile list is no list)."""
    from .. import jsontext

    try:
        paths = jsontext.loads(userfiles.read_text(_made_list(environ), 64 * 1024,
                                                   "the list of voms-proxy-init's files"))
    except (ValueError, RecursionError):
        return []
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def _store_made(environ: Mapping[str, str], paths: list[str]) -> None:
    from .. import jsontext

    target = _made_list(environ)
    if not paths:
        try:
            os.remove(target)
        except OSError:
            pass
        return
    os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
    _write_token(target, jsontext.dumps(sorted(set(paths))))


def _timeleft(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


# -- kx509 and cigetcert ----------------------------------------------------------------


def plan_kx509(plan: Plan, argv: list[str], environ: Mapping[str, str]) -> None:
    try:
        options, rest = getopt.getopt(argv, "dqhs:o:k:")
    except getopt.GetoptError as exc:
        raise UsageError(str(exc)) from None
    if rest:
        raise UsageError(f"unexpected argument {rest[0]!r}")
    if any(name == "-h" for name, _ in options):
        return _usage(plan)
    out = next((value for name, value in options if name == "-o"), None)
    where = f" (no certificate is written to {out})" if out else ""
    plan.warn(codes.KX509, f"KCA certificates are retired; jobsub_lite uses tokens, which "
              f"htgettoken (and voms-proxy-init here) get with your Kerberos ticket{where}. "
              "Replace kx509 with htgettoken -a htvaultprod.fnal.gov -i <experiment>")
    _print(plan, "")


CIGETCERT_LONG = [
    "version", "help", "verbose", "debug", "quiet", "optserver=", "institution=",
    "listinstitutions", "idplisturl=", "spurl=", "cafile=", "capath=", "kerberos",
    "nokerberos", "noprompt", "promptstr=", "username=", "out=", "reuseonly", "noreuseonly",
    "minhours=", "hours=", "proxyhours=", "proxy", "myproxyserver=", "myproxyusername=",
    "myproxyretrievers=", "myproxyhours=",
]


def plan_cigetcert(plan: Plan, argv: list[str], environ: Mapping[str, str]) -> None:
    try:
        options, rest = getopt.getopt(argv, "hvdqs:i:knp:u:o:", CIGETCERT_LONG)
    except getopt.GetoptError as exc:
        raise UsageError(str(exc)) from None
    if rest:
        raise UsageError(f"unexpected argument {rest[0]!r}")
    names = {name for name, _ in options}
    if names & {"-h", "--help"}:
        return _usage(plan)
    if "--version" in names:
        return _version(plan)
    out = next((value for name, value in options if name in ("-o", "--out")), None)
    where = f" (nothing is written to {out})" if out else ""
    plan.warn(codes.CIGETCERT, "jobsub_lite uses tokens, so no CILogon certificate is "
              f"fetched{where}; replace cigetcert with htgettoken -a htvaultprod.fnal.gov "
              "-i <experiment>")
    _print(plan, "")


# -- voms-proxy-init --------------------------------------------------------------------


class Fqan:
    """A -voms request: the VO, the experiment (vault issuer, -i) and the role (None for
    Analysis: no -r)."""

    __slots__ = ("vo", "experiment", "role")

    def __init__(self, vo: str, experiment: str, role: str | None) -> None:
        self.vo, self.experiment, self.role = vo, experiment, role


def parse_fqan(value: str) -> Fqan:
    """`fermilab:/fermilab/gm2/Role=Production` -> (fermilab, gm2, Production)."""
    vo, _, path = value.partition(":")
    vo = vo.strip()
    if not vo:
        raise UsageError(f"-voms {value!r} names no VO")
    groups: list[str] = []
    role = None
    for part in path.split("/"):
        if part.startswith("Role="):
            role = part[len("Role="):]
        elif part and "=" not in part:
            groups.append(part)
    if groups and groups[0] == "fermilab" and len(groups) > 1:
        experiment = groups[1]
    elif groups:
        experiment = groups[0]
    else:
        experiment = vo
    if role is not None and (not role or role.upper() == "NULL" or tokens.same(role, "Analysis")):
        role = None
    return Fqan(vo, tokens.issuer_for(experiment), role)


def htgettoken_argv(fqan: Fqan, outfile: str, environ: Mapping[str, str]) -> list[str]:
    """htgettoken's command line for an FQAN; `-a` from htgettoken_opts/HTGETTOKENOPTS."""
    setting = config.settings(environ)["htgettoken_opts"]
    try:
        words = shlex.split(setting.value)
    except ValueError as exc:
        raise RuntimeFailure(f"{setting.source} cannot be split into words ({exc}); fix its "
                             "quoting") from None
    argv = ["htgettoken"]
    if not setting.source.startswith("environment"):
        argv += words  # htgettoken reads $HTGETTOKENOPTS itself
    names_server = any(w in ("-a", "--vaultserver", "-s", "--optserver")
                       or w.startswith(("--vaultserver=", "--optserver="))
                       or (w.startswith(("-a", "-s")) and not w.startswith("--"))
                       for w in words)
    if not names_server:
        argv += ["-a", DEFAULT_VAULT]
    argv += ["-i", fqan.experiment]
    if fqan.role:
        argv += ["-r", fqan.role.lower()]  # token-world roles are lower case
    return [*argv, "--nooidc", "-o", outfile]


def _next_step(fqan: Fqan, run: tokens.ToolRun) -> str:
    """Why htgettoken gave no token, with its own last word (stderr) and what to do."""
    role = f" -r {fqan.role.lower()}" if fqan.role else ""
    manual = f"htgettoken -a {DEFAULT_VAULT} -i {fqan.experiment}{role}"
    if run.timed_out:
        return (f"{run.problem} (is the vault server reachable?); run {manual} -v yourself "
                "to see where it stops")
    if run.status is None:
        return f"htgettoken could not be run: {run.problem}"
    how = f"exit {run.status}" if run.status > 0 else f"killed by signal {-run.status}"
    how += f": {run.stderr}" if run.stderr else ""
    if run.status == 2:
        return f"htgettoken rejected its options ({how}); check HTGETTOKENOPTS or the " \
               "htgettoken_opts setting"
    if _terminal():
        return (f"htgettoken failed ({how}) without a browser login; run kinit and "
                f"try again, or run {manual} yourself to log in with a browser")
    return (f"htgettoken failed ({how}) and there is no terminal for a browser "
            "login; run kinit first (in cron: kcron or a keytab), and production accounts use "
            f"managed tokens ({manual} --nooidc --nokerberos --credkey=<principal>)")


def plan_voms_proxy_init(plan: Plan, argv: list[str], environ: Mapping[str, str]) -> None:
    options = voms_options(argv, INIT_OPTIONS)
    names = _names(options)
    if names & {"help", "usage"}:
        return _usage(plan)
    if "version" in names:
        return _version(plan)
    if "list" in names:
        raise UsageError("-list has no token equivalent; htdecodetoken shows a token's groups "
                         "and scopes")
    vomses = [value or "" for name, value in options if name == "voms"]
    if not vomses:
        raise RuntimeFailure("no -voms: a token is for one experiment; use -voms "
                             "fermilab:/fermilab/<experiment>/Role=Analysis (or run htgettoken "
                             f"-a {DEFAULT_VAULT} -i <experiment>)")
    fqan = parse_fqan(vomses[0])
    quiet = bool(names & {"q", "quiet"}) and "debug" not in names
    if len(vomses) > 1:
        plan.warn(codes.EXTRA_VOMS, f"several -voms options; a token is for one experiment "
                  f"and role, so only -voms {vomses[0]} is used")
    lifetime = sorted(f"-{n}" for n in names & LIFETIME)
    if lifetime:
        plan.warn(codes.LIFETIME_OPTION, f"{', '.join(lifetime)} ignored: the issuer fixes a "
                  "token's lifetime (about 3 h); jobsub_lite renews tokens itself")
    x509_only = sorted(f"-{n}" for n in names - LIFETIME - {"voms", "q", "quiet", "debug"})
    if x509_only:
        plan.warn(codes.X509_ONLY_OPTION, f"{', '.join(x509_only)} ignored: no X.509 proxy "
                  "is made, a token is")
    named = environ.get("BEARER_TOKEN_FILE", "")
    role_name = fqan.role or tokens.DEFAULT_ROLE
    outfile = named or tokens.lite_default_path(fqan.experiment, role_name, environ)
    command = htgettoken_argv(fqan, outfile, environ)
    plan.warn(codes.VOMS_PROXY_INIT, f"VOMS proxies are replaced by tokens: getting the "
              f"token for -voms {vomses[0]} with {shlex.join(command[:-2])} into {outfile}")
    plan.action = "local"
    plan.details = {"htgettoken": _words(command), "outfile": outfile, "voms": vomses[0],
                    "named": "yes" if named else "", "experiment": fqan.experiment,
                    "role": fqan.role or "", "quiet": "yes" if quiet else "",
                    "debug": "yes" if "debug" in names else ""}


def answer_voms_proxy_init(plan: Plan, environ: Mapping[str, str],
                           flush: Callable[[], None]) -> int:
    """htgettoken, the token checked, stored where WLCG tools look, noted for
    voms-proxy-destroy; then the legacy lines."""
    details = plan.details
    command, outfile, voms = _unwords(details["htgettoken"]), details["outfile"], details["voms"]
    fqan = Fqan("", details["experiment"], details["role"] or None)
    role_name = fqan.role or tokens.DEFAULT_ROLE
    if details["debug"]:
        sys.stderr.write(f"{plan.command}: running {shlex.join(command)}\n")
    run = tokens.run_tool(command, environ, HTGETTOKEN_TIMEOUT)
    if run.status != 0:
        raise RuntimeFailure(_next_step(fqan, run))
    token = tokens.read_token_file(outfile)
    if token is None:
        raise RuntimeFailure(f"htgettoken succeeded but {outfile} holds no token; run "
                             f"{shlex.join(command[:-2])} -v to see why")
    payload, problem = tokens.claims(token, environ)
    if payload is None and problem != tokens.NO_PYJWT:
        raise RuntimeFailure(f"htgettoken wrote something that is not a token to {outfile} "
                             f"({problem})")
    expiry = time.time() + 3 * 3600
    if payload is not None:
        pair = tokens.group_and_role(payload)
        if pair is None or not tokens.same(pair[0], fqan.experiment) \
                or not tokens.same(pair[1], role_name):
            got = f"group {pair[0]} role {pair[1]}" if pair else "no usable wlcg.groups"
            raise RuntimeFailure(f"htgettoken returned a token with {got} for -voms "
                                 f"{voms} (group {fqan.experiment} role {role_name}); "
                                 "check the vault issuer and role, or HTGETTOKENOPTS")
        left = tokens.seconds_left(payload)
        expiry = time.time() + left if left is not None else expiry
    copies = [outfile]
    if not details["named"]:  # WLCG tools and voms-proxy-info find it at discovery's default
        default = tokens.wlcg_default_path(environ)
        try:
            _write_token(default, token)
            copies.append(default)
        except OSError as exc:
            plan.warn(codes.VOMS_PROXY_INIT, f"could not also store the token in {default} "
                      f"({exc.strerror}); WLCG tools will not find it there")
    try:
        _store_made(environ, made(environ) + copies)
    except OSError as exc:
        plan.warn(codes.VOMS_PROXY_INIT, f"could not note {', '.join(copies)} for "
                  f"voms-proxy-destroy ({exc.strerror}); remove them yourself when done")
    if environ.get("BEARER_TOKEN", "").strip():
        plan.warn(codes.BEARER_TOKEN_SHADOWS, "BEARER_TOKEN is set and hides the new token "
                  "from WLCG tools and voms-proxy-info; unset BEARER_TOKEN")
    flush()
    if not details["quiet"]:
        print(f"Created proxy in {' and '.join(copies)}.")
        print()
        until = time.strftime("%a %b %d %H:%M:%S %Z %Y", time.localtime(expiry))
        print(f"Your proxy is valid until {until}")
    return 0


# -- voms-proxy-info --------------------------------------------------------------------


class View:
    """What voms-proxy-info shows, from a token ("token") or a proxy ("proxy")."""

    __slots__ = ("kind", "path", "subject", "issuer", "identity", "type", "not_after", "vo",
                 "fqans", "ac_not_after", "uri")

    def __init__(self, kind: str, path: str | None, subject: str, issuer: str, identity: str,
                 type: str, not_after: float, vo: str | None, fqans: tuple[str, ...],
                 ac_not_after: float | None, uri: str | None) -> None:
        self.kind, self.path, self.subject, self.issuer = kind, path, subject, issuer
        self.identity, self.type, self.not_after, self.vo = identity, type, not_after, vo
        self.fqans, self.ac_not_after, self.uri = fqans, ac_not_after, uri


def fqans_for(group: str, role: str) -> tuple[str, tuple[str, ...]]:
    """The VO and FQANs a legacy proxy for a token's (group, role) carried."""
    if "/" in group:
        base, vo = f"/{group}", group.split("/")[0]
    elif group in OWN_VOS:
        base, vo = f"/{group}", group
    else:
        base, vo = f"/fermilab/{group}", "fermilab"
    shown = tokens.DEFAULT_ROLE if tokens.same(role, tokens.DEFAULT_ROLE) else role.capitalize()
    fqans = [f"{base}/Role={shown}/Capability=NULL", f"{base}/Role=NULL/Capability=NULL"]
    if base != f"/{vo}":
        fqans.append(f"/{vo}/Role=NULL/Capability=NULL")
    return vo, tuple(fqans)


def token_view(found: tokens.Found, environ: Mapping[str, str]) -> View | None:
    payload, _ = tokens.claims(found.token, environ)
    if payload is None:
        return None
    left = tokens.seconds_left(payload, 0.0)  # seconds after the epoch: exp itself
    not_after = left if left is not None else 0.0  # no exp: treated as expired
    iss = str(payload.get("iss", ""))
    sub = str(payload.get("sub", ""))
    pair = tokens.group_and_role(payload)
    vo: str | None
    if pair:
        vo, fqans = fqans_for(*pair)
    else:
        vo, fqans = (iss.rstrip("/").rsplit("/", 1)[-1] or None), ()
    return View("token", found.path, sub, iss, sub, "bearer token (WLCG JWT)", not_after, vo,
                fqans, not_after, iss or None)


def proxy_view(proxy: proxies.Proxy) -> View:
    return View("proxy", proxy.path, proxy.subject, proxy.issuer, proxy.issuer,
                "RFC compliant proxy", proxy.not_after, proxy.vo, proxy.fqans,
                proxy.ac_not_after, proxy.uri)


def _view_for(plan: Plan, file: str | None, environ: Mapping[str, str]) -> View | None:
    if file:
        proxy = proxies.load(file)
        if proxy is not None:
            return proxy_view(proxy)
        text = tokens.read_token_file(file)
        if text is not None:
            return token_view(tokens.Found("-file", file, text), environ)
    found = tokens.discover(environ)
    if found is not None:
        if file:
            plan.warn(codes.VOMS_PROXY_INFO, f"-file {file} is neither a proxy nor a token; "
                      f"answering from the token in {found.path or 'BEARER_TOKEN'}")
        return token_view(found, environ)
    proxy = proxies.find(environ)
    return proxy_view(proxy) if proxy is not None else None


def _hours_minutes(value: str) -> int:
    hours, sep, minutes = value.partition(":")
    try:
        total = int(hours) * 3600 + (int(minutes) * 60 if sep else 0)
    except ValueError:
        raise UsageError(f"-valid {value!r}: the value must be in the format H:M") from None
    if not sep:
        raise UsageError(f"-valid {value!r}: the value must be in the format H:M")
    return total


def plan_voms_proxy_info(plan: Plan, argv: list[str], environ: Mapping[str, str]) -> None:
    """The answer, read now: the lines printed and the legacy status ("local" when there
    is nothing to answer from)."""
    options = voms_options(argv, INFO_OPTIONS)
    names = _names(options)
    values = {name: value for name, value in options}
    if names & {"help", "usage"}:
        return _usage(plan)
    if "version" in names:
        return _version(plan)
    needed = 0
    if "valid" in values:
        needed = _hours_minutes(values["valid"] or "")
    if "hours" in values:
        try:
            needed = max(needed, int(values["hours"] or "") * 3600)
        except ValueError:
            raise UsageError(f"-hours {values['hours']!r} is not a number") from None
    ignored = sorted(f"-{n}" for n in names & INFO_NO_EQUIVALENT)
    if ignored:
        plan.warn(codes.X509_ONLY_OPTION, f"{', '.join(ignored)} ignored: a token has no "
                  "such X.509 property")
    view = _view_for(plan, values.get("file"), environ)
    if view is None:
        plan.action = "local"  # answer_voms_proxy_info says so
        return None
    if view.kind == "token":
        plan.warn(codes.VOMS_PROXY_INFO, f"answering from the bearer token "
                  f"{view.path or '(BEARER_TOKEN)'}: VOMS proxies are replaced by tokens")
    now = time.time()
    left = max(0, int(view.not_after - now))
    ac_left = max(0, int((view.ac_not_after or 0) - now))
    exists = bool(names & {"exists", "e"})
    printing = {"subject", "issuer", "identity", "type", "timeleft", "strength", "path", "text",
                "vo", "fqan", "acsubject", "acissuer", "actimeleft", "serial", "targets",
                "included-file", "uri"}
    default = not (names & printing) and not exists and "acexists" not in names
    out: list[str] = []
    ok = True
    if default or names & {"all", "text"}:
        out += [f"subject   : {view.subject}", f"issuer    : {view.issuer}",
                f"identity  : {view.identity}", f"type      : {view.type}",
                f"path      : {view.path or ''}", f"timeleft  : {_timeleft(left)}"]
    if "all" in names and view.fqans:
        out += [f"=== VO {view.vo} extension information ===", f"VO        : {view.vo}",
                f"subject   : {view.subject}", f"issuer    : {view.issuer}"]
        out += [f"attribute : {fqan}" for fqan in view.fqans]
        out += [f"timeleft  : {_timeleft(ac_left)}", f"uri       : {view.uri or ''}"]
    single = [("subject", view.subject), ("issuer", view.issuer), ("identity", view.identity),
              ("type", view.type), ("path", view.path or ""), ("timeleft", str(left))]
    for name, text in single:
        if name in names:
            if name == "path" and not view.path:
                ok = False  # $BEARER_TOKEN has no file
                continue
            out.append(text)
    if view.fqans:
        for name, text in (("vo", view.vo or ""), ("acsubject", view.subject),
                           ("acissuer", view.issuer), ("uri", view.uri or ""),
                           ("actimeleft", str(ac_left))):
            if name in names:
                out.append(text)
        if "fqan" in names:
            out.extend(view.fqans)
    elif names & {"vo", "fqan", "acsubject", "acissuer", "actimeleft", "uri"}:
        ok = False  # no VOMS attributes (no wlcg.groups)
    if exists and (left == 0 or left < needed):
        ok = False
    wanted_vo = values.get("acexists")
    if wanted_vo is not None and wanted_vo != view.vo:
        ok = False
    _print(plan, "".join(line + "\n" for line in out))
    plan.exit_code = 0 if ok else 1
    return None


def answer_voms_proxy_info(plan: Plan, environ: Mapping[str, str],
                           flush: Callable[[], None]) -> int:
    """No token and no proxy to answer from: the legacy line, exit 1."""
    sys.stderr.write("Couldn't find a valid proxy.\n")
    return 1


# -- voms-proxy-destroy -----------------------------------------------------------------


def _removable(path: str) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    # A managed credential is pushed read-only (mode 0400): the owner's write bit decides,
    # whoever runs this (os.access would say yes to root).
    return info.st_uid == os.geteuid() and bool(info.st_mode & 0o200)


def plan_voms_proxy_destroy(plan: Plan, argv: list[str], environ: Mapping[str, str]) -> None:
    """What would be removed: -file, else the proxy, the token file discovery finds and
    every file voms-proxy-init made; read-only or foreign files are left alone."""
    options = voms_options(argv, DESTROY_OPTIONS)
    names = _names(options)
    values = {name: value for name, value in options}
    if names & {"help", "usage"}:
        return _usage(plan)
    if "version" in names:
        return _version(plan)
    targets: list[str] = []
    if values.get("file"):
        targets.append(str(values["file"]))
    else:
        proxy = proxies.proxy_path(environ)
        if proxy and proxies.load(proxy) is not None:
            targets.append(proxy)
        found = tokens.discover_file(environ)
        if found and found.path:
            targets.append(found.path)
        targets += [p for p in made(environ) if os.path.lexists(p) and p not in targets]
    kept = [t for t in targets if os.path.exists(t) and not _removable(t)]
    targets = [t for t in targets if _removable(t)]
    for path in kept:
        plan.warn(codes.VOMS_PROXY_DESTROY, f"{path} is read-only or not yours (a managed "
                  "credential?); left alone")
    if environ.get("BEARER_TOKEN", "").strip():
        plan.warn(codes.BEARER_TOKEN_SHADOWS, "BEARER_TOKEN is set and still holds a token; "
                  "unset BEARER_TOKEN as well")
    if targets:
        plan.warn(codes.VOMS_PROXY_DESTROY, f"removing {', '.join(targets)} (tokens replace "
                  "VOMS proxies; the vault token is kept, so htgettoken needs no new login)")
    plan.action = "local"
    plan.details = {"targets": _words(targets), "quiet": "yes" if names & {"q", "quiet"} else "",
                    "dry": "yes" if names & {"dry", "dryrun"} else ""}


def answer_voms_proxy_destroy(plan: Plan, environ: Mapping[str, str],
                              flush: Callable[[], None]) -> int:
    targets = _unwords(plan.details["targets"])
    quiet, dry = plan.details["quiet"], plan.details["dry"]
    if not targets:
        if not quiet:
            sys.stderr.write("\nProxy file doesn't exist or has bad permissions\n\n")
        return 1
    for path in targets:
        if dry:
            if not quiet:
                sys.stderr.write(f"Would remove {path}\n")
            continue
        try:
            os.remove(path)
        except OSError as exc:
            raise RuntimeFailure(f"cannot remove {path}: {exc.strerror}") from None
    if not dry:
        try:
            _store_made(environ, [p for p in made(environ) if os.path.lexists(p)])
        except OSError:
            pass  # the list only names files that are gone: harmless
    return 0


# -- entry points -----------------------------------------------------------------------

_CODE = {"kx509": codes.KX509, "cigetcert": codes.CIGETCERT,
         "voms-proxy-init": codes.VOMS_PROXY_INIT, "voms-proxy-info": codes.VOMS_PROXY_INFO,
         "voms-proxy-destroy": codes.VOMS_PROXY_DESTROY}
_PLANS: dict[str, Callable[[Plan, list[str], Mapping[str, str]], None]] = {
    "kx509": plan_kx509, "cigetcert": plan_cigetcert, "voms-proxy-init": plan_voms_proxy_init,
    "voms-proxy-info": plan_voms_proxy_info, "voms-proxy-destroy": plan_voms_proxy_destroy}
_ANSWERS: dict[str, Callable[[Plan, Mapping[str, str], Callable[[], None]], int]] = {
    "voms-proxy-init": answer_voms_proxy_init, "voms-proxy-info": answer_voms_proxy_info,
    "voms-proxy-destroy": answer_voms_proxy_destroy}
TOOLS = tuple(_PLANS)


def translate(argv: list[str], environ: Mapping[str, str], lite_version: str | None = None,
              backend_path: str | None = None, command: str = "kx509") -> Plan:
    """The Plan of one call of the credential drop-in `command`: a usage error (exit 2),
    no credential to be had (exit 1), an answer printed, or a "local" Plan for answer()."""
    plan = Plan(command)
    try:
        _PLANS[command](plan, argv, environ)
    except UsageError as exc:
        plan.error, plan.exit_code = one_line(f"{exc}; usage: {COMMANDS[command].usage}"), 2
    except RuntimeFailure as exc:
        plan.error, plan.exit_code = one_line(str(exc)), 1
    return plan


def answer(plan: Plan, environ: Mapping[str, str], flush: Callable[[], None]) -> int:
    """What a "local" Plan of a credential drop-in does (dropin.run calls it)."""
    return _ANSWERS[plan.command](plan, environ, flush)
