"""Shared code of the jobsub_lite 1.12 test doubles: a fake HTCondor pool and the condor tools.

The doubles of jobsub_q/rm/hold/release/history/fetchlog parse their command line as
jobsub_lite 1.12 does (lib/get_parser.py, lib/mains/cmd.py, bin/jobsub_history,
lib/mains/fetchlog.py) and then, instead of running /usr/bin/condor_*, call the small
emulations of condor_q, condor_rm/hold/release and condor_history below, which read and
change a fake pool kept in a JSON file.

State file (named by $JOBSUB_LITE_DOUBLE_STATE; a small built-in pool when unset, in which
case rm/hold/release changes are not kept; writers hold a lock on FILE.lock beside it):

    {
      "schedds": {                       # the job queue of each jobsub_lite schedd
        "jobsub01.fnal.gov": [ {job ClassAd}, ... ],
        "jobsub02.fnal.gov": [ ... ]
      },
      "history": {                       # each schedd's history file, oldest first
        "jobsub01.fnal.gov": [ {job ClassAd}, ... ]
      },
      "local_schedd": "jobsub01.fnal.gov",   # optional: whose history condor_history reads
                                             # without -name (default: every schedd's)
      "superusers": ["root"]                 # optional: QUEUE_SUPER_USERS
    }

A job ClassAd is a JSON object of real attribute names (ClusterId, ProcId, GlobalJobId
"schedd#C.P#qdate", Owner, JobStatus 1..7, QDate, JobPrio, ImageSize, Cmd, Args,
JobsubCmd, Jobsub_Group, AccountingGroup "group_<grp>.<user>", HoldReason,
EnteredCurrentStatus, DAGManJobId, DAGNodeName, JobsubJobId, RemoteWallClockTime,
ServerTime, ShadowBday, ...) with literal values; null means undefined. make_job() builds
one. The schedd (condor_rm/hold/release) keeps only the owner's jobs (Owner == $USER, or a
user in "superusers") changeable; others get "Permission denied".

jobsub_fetchlog serves, for a job of the queue or the history, a flat archive of the files
sandbox_files() lists: <stem>.cmd, <stem>.sh, <stem>.log (not with --partial) and
<stem>_<cluster>.<proc>.out/.err for the job (--partial) or every job of its cluster, where
<stem> is the JobsubCmd (else Cmd) file name up to its first dot.

Constraints (-constraint, --constraint, the jobsub_q group constraint, the jobsub_history
date constraints) are evaluated with the HTCondor bindings when importable (`classad2`,
else `classad`: ExprTree(expr).eval(ad)). Without them (or with
JOBSUB_LITE_DOUBLE_NO_BINDINGS=1) a fallback understands `Attr OP literal` comparisons
(OP one of == != =?= =!= < <= > >=, literals strings/numbers/true/false/undefined) joined
by && and ||, with parentheses around terms; anything else is reported as an error of the
double on stderr.

Knobs (environment): JOBSUB_LITE_DOUBLE_STATE=FILE (above); JOBSUB_LITE_DOUBLE_RECORD=FILE
(each command appends {"command", "argv"} as one JSON line before acting);
JOBSUB_LITE_DOUBLE_DENY=1 (the schedd refuses every job: condor's permission-denied
results); JOBSUB_LITE_DOUBLE_EMPTY_JSON=brackets (a schedd with no matching jobs prints
`[]` for -json instead of nothing, HTCondor's CondorClassAdListWriter behaviour);
JOBSUB_LITE_DOUBLE_NO_BINDINGS=1 (use the fallback evaluator);
JOBSUB_LITE_DOUBLE_NO_FETCHLOG_URL=1 (behave as if JOBSUB_FETCHLOG_URL were unset even
when the double supplies its default); JOBSUB_LITE_DOUBLE_NOW=EPOCH (the clock).

Texts modelled, from the public sources: HTCondor src/condor_rm.V6/rm.cpp (cluster, user
and constraint actions: `All jobs in cluster 123 have been marked for removal`,
`Couldn't find/remove all jobs in cluster 123`, `All jobs of user "alice" have been held`,
`... matching constraint (EXPR) ...`, `You did not specify any jobs`, `Unrecognized option:
-user`, `-totals` counts), src/condor_daemon_client/dc_schedd.cpp JobActionResults (per job:
`Job 123.0 marked for removal`, `Job 123.4 not found`, `Permission denied to remove job
123.0`, `Job 123.0 not held to be released`, `Job 123.0 already held`), src/condor_q.V6/
queue.cpp (option prefixes, `Error: unrecognized argument -x`, `All queues are empty` when
-schedd-constraint finds no schedd with jobs) and the JSON list writer in
condor_utils/compat_classad.cpp (`[` ... `,` ... `]`, nothing for no ads).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import importlib
import io
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any, Optional

LITE_VERSION = "1.12"
SUPPORT_EMAIL = "jobsub-support@fnal.gov"
DEFAULT_FETCHLOG_URL = "https://jobsub-fetchlog.double.invalid"
STATUS_LETTERS = "UIRXCHE"  # jobsub_lite's substr("UIRXCHE", JobStatus, 1)
IDLE, RUNNING, REMOVED, COMPLETED, HELD, TRANSFERRING, SUSPENDED = 1, 2, 3, 4, 5, 6, 7


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()


def now() -> int:
    return int(os.environ.get("JOBSUB_LITE_DOUBLE_NOW") or time.time())


def current_user() -> str:
    return os.environ.get("USER") or getpass.getuser()


# --------------------------------------------------------------------------- state


def make_job(schedd: str, cluster: int, proc: int = 0, owner: str = "alice",
             group: str = "fermilab", status: int = IDLE, qdate: int = 1764147600,
             cmd: str = "/home/alice/myscript.sh", args: str = "", **extra: Any) -> dict:
    """A job ClassAd as jobsub_lite's submit file and the schedd would give it."""
    stamp = f"{schedd}#{cluster}.{proc}#{qdate}"
    ad = {
        "ClusterId": cluster, "ProcId": proc, "GlobalJobId": stamp, "Owner": owner,
        "User": f"{owner}@fnal.gov", "JobStatus": status, "QDate": qdate, "JobPrio": 0,
        "ImageSize": 250, "Cmd": cmd, "Args": args, "JobUniverse": 5,
        "JobsubCmd": os.path.basename(cmd), "Jobsub_Group": group,
        "AccountingGroup": f"group_{group}.{owner}",
        "JobsubJobId": f"{cluster}.{proc}@{schedd}",
        "Iwd": f"/home/{owner}", "SUBMIT_Iwd": f"/home/{owner}",
        "EnteredCurrentStatus": qdate, "RemoteWallClockTime": 0.0, "CompletionDate": 0,
        "NumJobStarts": 0,
    }
    if status == RUNNING:
        ad.update(ShadowBday=qdate + 60, JobCurrentStartDate=qdate + 60,
                  ServerTime=qdate + 660, NumJobStarts=1)
    if status == HELD:
        ad.update(HoldReason=f"via condor_hold (by user {owner})", HoldReasonCode=1,
                  HoldReasonSubCode=0)
    if status == COMPLETED:
        ad.update(CompletionDate=qdate + 600, RemoteWallClockTime=540.0, ExitCode=0)
    ad.update(extra)
    return ad


def default_state() -> dict:
    s1, s2 = "jobsub01.fnal.gov", "jobsub02.fnal.gov"
    return {
        "schedds": {
            s1: [make_job(s1, 1001, 0, status=RUNNING, args="run 1"),
                 make_job(s1, 1001, 1, args="run 2"),
                 make_job(s1, 1002, 0, owner="bob", status=HELD, cmd="/home/bob/bob.sh"),
                 make_job(s1, 1003, 0, group="dune", cmd="/home/alice/dune.sh")],
            s2: [make_job(s2, 2001, 0, qdate=1764151200)],
        },
        "history": {
            s1: [make_job(s1, 900, 0, status=COMPLETED, qdate=1764061200),
                 make_job(s1, 901, 0, owner="bob", status=REMOVED, qdate=1764064800,
                          cmd="/home/bob/bob.sh")],
        },
    }


def state_path() -> Optional[str]:
    return os.environ.get("JOBSUB_LITE_DOUBLE_STATE") or None


def load_state() -> dict:
    path = state_path()
    if not path:
        return default_state()
    with open(path, encoding="utf-8") as handle:
        state = json.load(handle)
    state.setdefault("schedds", {})
    state.setdefault("history", {})
    return state


@contextlib.contextmanager
def changing_state() -> Iterator[dict]:
    """The state, written back (under an exclusive lock) when the block ends normally."""
    path = state_path()
    if not path:
        yield default_state()
        return
    import fcntl  # POSIX only, like jobsub_lite

    with open(path + ".lock", "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = load_state()
        yield state
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
        os.replace(tmp, path)


def write_state(path: str, state: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)


def record(command: str) -> None:
    path = os.environ.get("JOBSUB_LITE_DOUBLE_RECORD")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"command": command, "argv": sys.argv[1:]}) + "\n")


# ------------------------------------------------------------------ ClassAd values


def lookup(ad: dict, attr: str) -> Any:
    """Case-insensitive attribute lookup, as ClassAds do; UNDEFINED when absent or null."""
    if attr in ad:
        value = ad[attr]
    else:
        lowered = attr.lower()
        value = next((v for k, v in ad.items() if k.lower() == lowered), None)
    return UNDEFINED if value is None else value


def unparse(value: Any) -> str:
    """A literal in old ClassAd syntax, as condor_q -long prints it."""
    if value is UNDEFINED or value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "{ " + ",".join(unparse(v) for v in value) + " }"
    if isinstance(value, dict):
        return "[ " + "; ".join(f"{k} = {unparse(v)}" for k, v in value.items()) + " ]"
    return str(value)


def plain(value: Any) -> str:
    """A value as -format %s / -af prints it (strings unquoted)."""
    if isinstance(value, str):
        return value
    return unparse(value)


def sorted_attrs(ad: dict) -> list:
    # condor sorts with a case-insensitive std::set (classad::References)
    return sorted((k for k, v in ad.items() if v is not None), key=str.lower)


def json_ad(ad: dict) -> str:
    return json.dumps({k: ad[k] for k in sorted_attrs(ad)}, indent=2)


def long_ad(ad: dict) -> str:
    return "".join(f"{k} = {unparse(ad[k])}\n" for k in sorted_attrs(ad)) + "\n"


def json_list(ads: list) -> str:
    """CondorClassAdListWriter for -json: `[`, ads separated by `,`, `]`; nothing if none."""
    if not ads:
        if os.environ.get("JOBSUB_LITE_DOUBLE_EMPTY_JSON") == "brackets":
            return "[]\n"
        return ""
    return "[\n" + ",\n".join(json_ad(ad) + "\n" for ad in ads) + "]\n"


# ------------------------------------------------------------------ expressions


class ConstraintError(Exception):
    """An expression the double cannot parse or evaluate."""


def _bindings() -> Any:
    if os.environ.get("JOBSUB_LITE_DOUBLE_NO_BINDINGS"):
        return None
    for name in ("classad2", "classad"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _to_classad(module: Any, ad: dict) -> Any:
    result = module.ClassAd()
    for key, value in ad.items():
        if value is None:
            continue
        try:
            result[key] = value
        except Exception:  # the bindings' own exception classes
            result[key] = module.ExprTree(unparse(value))
    return result


def _from_binding(module: Any, value: Any) -> Any:
    value_enum = getattr(module, "Value", None)
    if value_enum is not None and isinstance(value, value_enum):
        return UNDEFINED  # Undefined or Error
    return value


def _split_top(text: str, op: str) -> list:
    parts, depth, quote, start, i = [], 0, False, 0, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and text.startswith(op, i):
            parts.append(text[start:i])
            start = i + len(op)
            i += len(op)
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth, quote, i = 0, False, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


_COMPARISON = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)\s*(=\?=|=!=|==|!=|<=|>=|<|>)\s*(.+)$",
                         re.DOTALL)


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "undefined":
        return UNDEFINED
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise ConstraintError(text) from None


def _identical(left: Any, right: Any) -> bool:
    if left is UNDEFINED or right is UNDEFINED:
        return left is right
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if isinstance(left, str) != isinstance(right, str):
        return False
    return bool(left == right)


def _compare(left: Any, op: str, right: Any) -> Any:
    if op == "=?=":
        return _identical(left, right)
    if op == "=!=":
        return not _identical(left, right)
    if left is UNDEFINED or right is UNDEFINED:
        return UNDEFINED
    if isinstance(left, str) and isinstance(right, str):
        left, right = left.lower(), right.lower()  # == on strings ignores case
    elif isinstance(left, str) or isinstance(right, str):
        return UNDEFINED if op in ("==", "!=") else False
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _fallback(expr: str, ad: dict) -> Any:
    expr = _strip_parens(expr)
    alternatives = _split_top(expr, "||")
    if len(alternatives) > 1:
        return any(_fallback(a, ad) is True for a in alternatives)
    terms = _split_top(expr, "&&")
    if len(terms) > 1:
        return all(_fallback(t, ad) is True for t in terms)
    if expr.lower() in ("true", "false"):
        return expr.lower() == "true"
    match = _COMPARISON.match(expr)
    if not match:
        raise ConstraintError(expr)
    attr, op, text = match.groups()
    return _compare(lookup(ad, attr), op, _literal(text))


def check_expression(expr: str) -> None:
    """Raise ConstraintError when the expression does not parse."""
    module = _bindings()
    if module is not None:
        try:
            module.ExprTree(expr)
        except Exception as exc:
            raise ConstraintError(expr) from exc
    else:
        _fallback(expr, {})


def evaluate(expr: str, ad: dict) -> Any:
    module = _bindings()
    if module is None:
        return _fallback(expr, ad)
    try:
        tree = module.ExprTree(expr)
    except Exception as exc:
        raise ConstraintError(expr) from exc
    return _from_binding(module, tree.eval(_to_classad(module, ad)))


def matches(expr: str, ad: dict) -> bool:
    value = evaluate(expr, ad)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    return False


def _fmt_time(epoch: Any, fmt: str = "%m/%d %H:%M") -> Any:
    if not isinstance(epoch, (int, float)) or isinstance(epoch, bool):
        return UNDEFINED
    return time.strftime(fmt, time.localtime(epoch))


def _jobsub_id(ad: dict) -> Any:
    gid = lookup(ad, "GlobalJobId")
    if not isinstance(gid, str) or gid.count("#") < 2:
        return UNDEFINED
    schedd, jid, _ = gid.split("#", 2)
    return f"{jid}@{schedd}"


def _runtime(ad: dict) -> Any:
    wall = lookup(ad, "RemoteWallClockTime")
    if lookup(ad, "JobStatus") == RUNNING:
        start = lookup(ad, "ShadowBday")
        server = lookup(ad, "ServerTime")
        server = now() if server is UNDEFINED else server
        if start is UNDEFINED or wall is UNDEFINED:
            return UNDEFINED
        return (server - start) + wall
    return wall


def _status_letter(ad: dict) -> Any:
    status = lookup(ad, "JobStatus")
    if not isinstance(status, int):
        return UNDEFINED
    return STATUS_LETTERS[status:status + 1]


def _dag_owner(ad: dict) -> Any:
    node = lookup(ad, "DAGNodeName")
    return " |-" + str(node) if node is not UNDEFINED else lookup(ad, "Owner")


def _image_mb(ad: dict) -> Any:
    size = lookup(ad, "ImageSize")
    return UNDEFINED if size is UNDEFINED else size / 1024.0


def _command(ad: dict) -> Any:
    cmd = lookup(ad, "JobsubCmd")
    return lookup(ad, "Cmd") if cmd is UNDEFINED else cmd


# The expressions jobsub_lite's default jobsub_q/jobsub_history formats use, computed here
# so the table does not depend on the bindings' support for list subscripts.
KNOWN_EXPRESSIONS: dict[str, Callable[[dict], Any]] = {
    'strcat(split(GlobalJobId,"#")[1],"@",split(GlobalJobId,"#")[0])': _jobsub_id,
    "(DAGNodeName=!=''?strcat(\" |-\",DAGNodeName):Owner)": _dag_owner,
    'formatTime(QDate,"%m/%d %H:%M")': lambda ad: _fmt_time(lookup(ad, "QDate")),
    'formatTime(CompletionDate,"%m/%d %H:%M")':
        lambda ad: _fmt_time(lookup(ad, "CompletionDate")),
    "IfThenElse(JobStatus == 2, (ServerTime - ShadowBday) + RemoteWallClockTime, "
    "RemoteWallClockTime)": _runtime,
    'substr("UIRXCHE",JobStatus,1)': _status_letter,
    "ImageSize/1024.0": _image_mb,
    "JobsubCmd=!=''?JobsubCmd:Cmd": _command,
}

_ATTR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def value_of(expr: str, ad: dict) -> Any:
    """What condor's -format/-af prints for EXPR (UNDEFINED when it would skip it)."""
    known = KNOWN_EXPRESSIONS.get(expr)
    if known is not None:
        return known(ad)
    if _ATTR.match(expr):
        return lookup(ad, expr)
    try:
        return evaluate(expr, ad)
    except ConstraintError:
        return UNDEFINED


def duration(seconds: Any) -> str:
    secs = int(seconds)
    return f"{secs // 86400}+{secs % 86400 // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


_SPEC = re.compile(r"%([-+ 0#]*)(\d*)(?:\.(\d+))?([diouxXeEfgGcsTvV])")


def printf(fmt: str, value: Any) -> str:
    """condor's -format: one printf conversion applied to the value."""
    match = _SPEC.search(fmt)
    if match is None:
        return fmt.replace("%%", "%")
    flags, width, prec, conv = match.groups()
    if conv == "T":
        text: Any = duration(value) if isinstance(value, (int, float)) else plain(value)
        spec = f"%{flags}{width}s"
    elif conv in "diouxXc":
        text = int(value) if isinstance(value, (int, float)) else 0
        spec = f"%{flags}{width}{'.' + prec if prec else ''}{'d' if conv in 'iu' else conv}"
    elif conv in "eEfgG":
        text = float(value) if isinstance(value, (int, float)) else 0.0
        spec = f"%{flags}{width}{'.' + prec if prec else ''}{conv}"
    else:
        text = unparse(value) if conv in "vV" else plain(value)
        spec = f"%{flags}{width}{'.' + prec if prec else ''}s"
    head = fmt[:match.start()].replace("%%", "%")
    tail = fmt[match.end():].replace("%%", "%")
    return head + (spec % text) + tail


# ------------------------------------------------------------------ condor tools


def dash_prefix(arg: str, word: str, least: int) -> bool:
    """HTCondor's is_dash_arg_(colon_)prefix: -w, -wo, ... --word, with an optional :opts."""
    if not arg.startswith("-"):
        return False
    body = arg[2:] if arg.startswith("--") else arg[1:]
    body = body.split(":", 1)[0]
    return len(body) >= least and word.startswith(body)


class Result:
    """What one condor tool run printed, and its exit status."""

    def __init__(self) -> None:
        self.out = io.StringIO()
        self.err = io.StringIO()
        self.rc = 0

    def emit(self) -> None:
        # jobsub_lite reads the whole stdout of each condor run, then its stderr
        sys.stdout.write(self.out.getvalue())
        sys.stderr.write(self.err.getvalue())
        sys.stdout.flush()
        sys.stderr.flush()


def _jobs(state: dict, schedd: str) -> list:
    return state["schedds"].get(schedd, [])


def _proc_id(text: str) -> Optional[tuple[int, Optional[int]]]:
    match = re.fullmatch(r"(\d+)(?:\.(\d*))?", text)
    if not match:
        return None
    proc = match.group(2)
    return int(match.group(1)), (int(proc) if proc else None)


def _select(ads: list, ids: list, owners: list, constraints: list, myjobs: Optional[str],
            status: Optional[Callable[[Any], bool]] = None) -> list:
    chosen = []
    for ad in ads:
        if ids or owners:
            hit = any(lookup(ad, "ClusterId") == c and (p is None or lookup(ad, "ProcId") == p)
                      for c, p in ids)
            hit = hit or any(lookup(ad, "Owner") == o for o in owners)
            if not hit:
                continue
        if myjobs is not None and lookup(ad, "Owner") != myjobs:
            continue
        if status is not None and not status(lookup(ad, "JobStatus")):
            continue
        if all(matches(c, ad) for c in constraints):
            chosen.append(ad)
    return chosen


def _summary(ads: list) -> str:
    counts = {s: 0 for s in range(1, 8)}
    for ad in ads:
        status = lookup(ad, "JobStatus")
        if status in counts:
            counts[status] += 1
    return (f"{len(ads)} jobs; {counts[COMPLETED]} completed, {counts[REMOVED]} removed, "
            f"{counts[IDLE]} idle, {counts[RUNNING] + counts[TRANSFERRING]} running, "
            f"{counts[HELD]} held, {counts[SUSPENDED]} suspended")


def _schedd_banner(schedd: str) -> str:
    stamp = time.strftime("%m/%d/%y %H:%M:%S", time.localtime(now()))
    return f"\n\n-- Schedd: {schedd} : <131.225.0.1:9618?... @ {stamp}\n"


def _nobatch_rows(ads: list) -> str:
    lines = [" ID        OWNER            SUBMITTED     RUN_TIME ST PRI SIZE CMD\n"]
    for ad in ads:
        runtime = _runtime(ad)
        jid = f"{lookup(ad, 'ClusterId')}.{lookup(ad, 'ProcId')}"
        size = _image_mb(ad)
        lines.append(
            f"{jid:<9} {plain(lookup(ad, 'Owner')):<14} {plain(_fmt_time(lookup(ad, 'QDate'))):>11}"
            f" {duration(runtime) if runtime is not UNDEFINED else '0+00:00:00':>12}"
            f" {plain(_status_letter(ad)):<2} {plain(lookup(ad, 'JobPrio')):<3}"
            f" {size if size is not UNDEFINED else 0.0:<4.1f} "
            + (plain(lookup(ad, "Cmd")) + " " + plain(lookup(ad, "Args"))).strip() + "\n")
    return "".join(lines)


def _hold_rows(ads: list) -> str:
    lines = [" ID         OWNER          HELD_SINCE  HOLD_REASON\n"]
    for ad in ads:
        jid = f"{lookup(ad, 'ClusterId')}.{lookup(ad, 'ProcId')}"
        since = plain(_fmt_time(lookup(ad, "EnteredCurrentStatus")))
        lines.append(f"{jid:<10} {plain(lookup(ad, 'Owner')):<14} {since:<11} "
                     f"{plain(lookup(ad, 'HoldReason'))}\n")
    return "".join(lines)


def _batch_rows(ads: list) -> str:
    lines = ["OWNER BATCH_NAME      SUBMITTED   DONE   RUN    IDLE   HOLD  TOTAL JOB_IDS\n"]
    clusters: dict[tuple, list] = {}
    for ad in ads:
        clusters.setdefault((lookup(ad, "Owner"), lookup(ad, "ClusterId")), []).append(ad)
    for (owner, cluster), group in sorted(clusters.items(), key=lambda kv: kv[0][1]):
        done, run, idle, held = (
            str(n) if n else "_" for n in
            (sum(1 for ad in group if lookup(ad, "JobStatus") == status)
             for status in (COMPLETED, RUNNING, IDLE, HELD)))
        procs = sorted(lookup(ad, "ProcId") for ad in group)
        ids = f"{cluster}.{procs[0]}" + (f"-{procs[-1]}" if len(procs) > 1 else "")
        submitted = plain(_fmt_time(lookup(group[0], "QDate")))
        lines.append(f"{owner:<5} ID: {cluster:<10} {submitted:<11} {done:>4} {run:>6} "
                     f"{idle:>6} {held:>6} {len(group):>6} {ids}\n")
    return "".join(lines)


Q_OPTIONS = [  # condor_q's options in the order queue.cpp tests them: (word, least, values)
    ("wide", 1, 0), ("long", 1, 0), ("xml", 3, 0), ("json", 2, 0), ("limit", 3, 1),
    ("pool", 1, 1), ("name", 1, 1), ("direct", 1, 1), ("submitter", 1, 1),
    ("constraint", 1, 1), ("slotconstraint", 5, 1), ("mconstraint", 2, 1), ("machine", 2, 1),
    ("address", 1, 1), ("autocluster", 2, 0), ("group-by", 2, 0), ("factory", 4, 0),
    ("jobset", 5, 0), ("attributes", 2, 1), ("format", 1, 2), ("autoformat", 5, -1),
    ("af", 2, -1), ("print-format", 2, 1), ("global", 1, 0), ("allusers", 2, 0),
    ("all-users", 2, 0), ("schedd-constraint", 5, 1), ("help", 1, 0),
    ("better-analyze", 2, 0), ("better-analyse", 2, 0), ("analyze", 2, 0), ("analyse", 2, 0),
    ("reverse-analyze", 3, 0), ("unmatchable", 5, 0), ("dry-run", 3, 0),
    ("capture-raw-results", 7, 0), ("verbose", 4, 0), ("run", 1, 0), ("hold", 2, 0),
    ("held", 2, 0), ("idle", 3, 0), ("goodput", 2, 0), ("cputime", 2, 0),
    ("currentrun", 3, 0), ("cumulative-time", 3, 0), ("grid", 2, 0), ("debug", 3, 0),
    ("io", 2, 0), ("dag", 2, 0), ("batch", 2, 0), ("progress", 3, 0), ("nobatch", 3, 0),
    ("totals", 3, 0), ("expert", 1, 0), ("jobads", 1, 1), ("userlog", 1, 1),
    ("slotads", 1, 1), ("userprios", 5, 1), ("nouserprios", 7, 0), ("version", 1, 0),
    ("profile", 4, 0), ("stream-results", 2, 0),
]


def _q_option(arg: str) -> Optional[tuple[str, int]]:
    if arg == "-D":
        return "D", 1
    for word, least, nvalues in Q_OPTIONS:
        if dash_prefix(arg, word, least):
            return word, nvalues
    return None


def _running(status: Any) -> bool:
    return status in (RUNNING, TRANSFERRING, SUSPENDED)


def _held(status: Any) -> bool:
    return bool(status == HELD)


def _idle(status: Any) -> bool:
    return bool(status == IDLE)


def condor_q(state: dict, schedd: str, argv: list, user: str) -> Result:
    """condor_q -name SCHEDD ARGV... against the fake pool."""
    res = Result()
    ids: list = []
    owners: list = []
    constraints: list = []
    formats: list = []
    autoformat: list = []
    attributes: Optional[list] = None
    out_format, view, status_filter = "", "", None
    allusers = is_global = totals = False
    limit = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-"):
            pid = _proc_id(arg)
            if pid is not None and (pid[1] is not None or "." not in arg):
                ids.append(pid)
            else:
                owners.append(arg)
            i += 1
            continue
        option = _q_option(arg)
        if option is None:
            res.err.write(f"Error: unrecognized argument {arg}\n")
            res.err.write("Usage: condor_q [general-opts] [restriction-list] "
                          "[output-opts | analyze-opts]\n")
            res.rc = 1
            return res
        word, nvalues = option
        values = argv[i + 1:i + 1 + max(nvalues, 0)]
        if nvalues > 0 and len(values) < nvalues:
            res.err.write(f"Error: -{word} requires another parameter\n")
            res.rc = 1
            return res
        if word in ("long", "json", "xml"):
            out_format = "json" if word == "json" else "long"
        elif word == "constraint":
            try:
                check_expression(values[0])
            except ConstraintError:
                res.err.write(f"Error: Argument {i + 1} ({values[0]}) is not a valid "
                              "constraint\n")
                res.rc = 1
                return res
            constraints.append(values[0])
        elif word == "format":
            formats.append((values[0], values[1]))
        elif word in ("autoformat", "af"):
            j = i + 1
            while j < len(argv) and not argv[j].startswith("-"):
                autoformat.append(argv[j])
                j += 1
            if not autoformat:
                res.err.write("Error: -autoformat requires at least one attribute "
                              "parameter\n")
                res.rc = 1
                return res
            i = j
            continue
        elif word == "attributes":
            attributes = [a for a in re.split(r"[,\s]+", values[0]) if a]
        elif word in ("allusers", "all-users"):
            allusers = True
        elif word in ("global", "schedd-constraint"):
            is_global = True
        elif word == "limit":
            limit = int(values[0])
        elif word == "run":
            status_filter, view = _running, view or "nobatch"
        elif word in ("hold", "held"):
            status_filter, view = _held, "hold"
        elif word == "idle":
            status_filter = _idle
        elif word == "totals":
            totals = True
        elif word in ("nobatch", "dag", "io", "goodput", "cputime"):
            view = view or "nobatch"
        elif word in ("batch", "progress"):
            view = "batch"
        elif word in ("better-analyze", "better-analyse", "analyze", "analyse"):
            view = "analyze"
        elif word == "help":
            res.out.write("Usage: condor_q [general-opts] [restriction-list] "
                          "[output-opts | analyze-opts]\n")
            return res
        elif word == "version":
            res.out.write("$CondorVersion: 24.0.0 (test double) $\n$CondorPlatform: "
                          "x86_64_AlmaLinux9 $\n")
            return res
        i += 1 + max(nvalues, 0)
    queue = _jobs(state, schedd)
    if schedd not in state["schedds"] or (is_global and not queue):
        # -schedd-constraint makes condor_q query only schedds that have jobs
        if is_global:
            res.out.write("All queues are empty\n")
        else:
            res.err.write("Error: Collector has no record of schedd/submitter\n")
        res.rc = 1
        return res
    myjobs = None if (allusers or owners) else user
    scope = "all users" if myjobs is None else myjobs
    mine = queue if myjobs is None else [a for a in queue if lookup(a, "Owner") == myjobs]
    try:
        ads = _select(queue, ids, owners, constraints, myjobs, status_filter)
    except ConstraintError as exc:
        res.err.write(f"condor_q (test double): cannot evaluate {exc} without the HTCondor "
                      "bindings\n")
        res.rc = 1
        return res
    ads = sorted(ads, key=lambda ad: (lookup(ad, "ClusterId"), lookup(ad, "ProcId")))
    if limit:
        ads = ads[:limit]
    if attributes is not None:
        wanted = {a.lower() for a in attributes}
        ads = [{k: v for k, v in ad.items() if k.lower() in wanted} for ad in ads]
    if out_format == "json":
        res.out.write(json_list(ads))
    elif out_format == "long":
        res.out.write("".join(long_ad(ad) for ad in ads))
    elif totals:
        res.out.write(_schedd_banner(schedd) + "\n")
        res.out.write(f"Total for query: {_summary(ads)}\nTotal for {scope}: {_summary(mine)}\n")
    elif formats:
        for ad in ads:
            for fmt, expr in formats:
                value = value_of(expr, ad)
                if value is not UNDEFINED:
                    res.out.write(printf(fmt, value))
    elif autoformat:
        for ad in ads:
            res.out.write(" ".join(plain(value_of(a, ad)) for a in autoformat) + "\n")
    else:
        res.out.write(_schedd_banner(schedd))
        if view == "hold":
            res.out.write(_hold_rows(ads))
        elif view == "analyze":
            for ad in ads:
                res.out.write(f"\nThe Requirements expression for job "
                              f"{lookup(ad, 'ClusterId')}.{lookup(ad, 'ProcId')} is\n\n"
                              "    true\n\n")
        elif view == "nobatch":
            res.out.write(_nobatch_rows(ads))
        else:
            res.out.write(_batch_rows(ads))
        res.out.write(f"\nTotal for query: {_summary(ads)}\nTotal for {scope}: "
                      f"{_summary(mine)}\n\n")
    return res


# ---- condor_rm / condor_hold / condor_release

ACTIONS = {
    "condor_rm": {"past": "marked for removal", "verb": "remove", "reason": "RemoveReason"},
    "condor_hold": {"past": "held", "verb": "hold", "reason": "HoldReason"},
    "condor_release": {"past": "released", "verb": "release", "reason": "ReleaseReason"},
}

ACT_OPTIONS = [  # rm.cpp's order: (word, least, takes a value)
    ("debug", 1, False), ("long", 1, False), ("totals", 3, False), ("constraint", 1, True),
    ("all", 1, False), ("addr", 2, True), ("reason", 1, True), ("subcode", 1, True),
    ("forcex", 1, False), ("fast", 2, False), ("name", 1, True), ("pool", 1, True),
    ("version", 1, False), ("help", 1, False),
]


def _act_option(tool: str, arg: str) -> Optional[tuple[str, bool]]:
    for word, least, takes_value in ACT_OPTIONS:
        if word == "forcex" and tool != "condor_rm":
            least = 2  # -forcex needs two letters outside condor_rm
        if dash_prefix(arg, word, least):
            return word, takes_value
    return None


def act_usage(tool: str) -> str:
    word = {"condor_rm": "remove", "condor_hold": "hold", "condor_release": "release"}[tool]
    lines = [f"Usage: {tool} [options] [constraints]", " where [options] is zero or more of:",
             "  -help               Display this message and exit",
             "  -version            Display version information and exit",
             "  -long               Display full result classad",
             "  -totals             Display success/failure totals",
             "  -debug              Display debugging information while running",
             "  -name schedd_name   Connect to the given schedd",
             "  -pool hostname      Use the given central manager to find daemons",
             '  -addr <ip:port>     Connect directly to the given "sinful string"']
    if tool == "condor_rm":
        lines.append("  -reason reason      Use the given RemoveReason")
    elif tool == "condor_release":
        lines.append("  -reason reason      Use the given ReleaseReason")
    else:
        lines += ["  -reason reason      Use the given HoldReason",
                  "  -subcode number     Set HoldReasonSubCode"]
    if tool == "condor_rm":
        lines += ["  -forcex             Force the immediate local removal of jobs in the X "
                  "state", "                      (only affects jobs already being removed)"]
    lines += [" and where [constraints] is one of:",
              f"  cluster.proc        {word} the given job",
              f"  cluster             {word} the given cluster of jobs",
              f"  user                {word} all jobs owned by user",
              f"  -constraint expr    {word} all jobs matching the boolean expression",
              f"  -all                {word} all jobs (cannot be used with other constraints)"]
    return "\n".join(lines) + "\n"


def _apply(tool: str, ad: dict, state: dict, schedd: str, user: str, reason: str) -> None:
    stamp = now()
    previous = lookup(ad, "JobStatus")
    ad["LastJobStatus"] = previous
    ad["EnteredCurrentStatus"] = stamp
    if tool == "condor_rm":
        ad["JobStatus"] = REMOVED
        ad["RemoveReason"] = f"{reason} (by user {user})"
        ad.setdefault("CompletionDate", 0)
        state["schedds"][schedd].remove(ad)
        state["history"].setdefault(schedd, []).append(ad)
    elif tool == "condor_hold":
        if previous == RUNNING:
            start = lookup(ad, "ShadowBday")
            if isinstance(start, (int, float)):
                ad["RemoteWallClockTime"] = float(lookup(ad, "RemoteWallClockTime") or 0) \
                    + stamp - start
        ad["JobStatus"] = HELD
        ad["HoldReason"] = f"{reason} (by user {user})"
        ad["HoldReasonCode"] = 1
        ad["HoldReasonSubCode"] = 0
    else:
        ad["JobStatus"] = IDLE
        ad["ReleaseReason"] = f"{reason} (by user {user})"
        for attr in ("HoldReason", "HoldReasonCode", "HoldReasonSubCode"):
            ad.pop(attr, None)


def _may_change(state: dict, ad: dict, user: str) -> bool:
    if os.environ.get("JOBSUB_LITE_DOUBLE_DENY") not in (None, "", "0"):
        return False
    return lookup(ad, "Owner") == user or user in state.get("superusers", [])


# result codes of JobActionResults
AR_SUCCESS, AR_NOT_FOUND, AR_PERMISSION_DENIED, AR_BAD_STATUS, AR_ALREADY_DONE = range(5)


def _job_result(tool: str, state: dict, ad: Optional[dict], user: str) -> int:
    if ad is None:
        return AR_NOT_FOUND
    if not _may_change(state, ad, user):
        return AR_PERMISSION_DENIED
    status = lookup(ad, "JobStatus")
    if tool == "condor_rm" and status == REMOVED:
        return AR_ALREADY_DONE
    if tool == "condor_hold":
        if status == HELD:
            return AR_ALREADY_DONE
        if status in (REMOVED, COMPLETED):
            return AR_BAD_STATUS
    if tool == "condor_release" and status != HELD:
        return AR_BAD_STATUS
    return AR_SUCCESS


def _job_message(tool: str, result: int, cluster: int, proc: int) -> str:
    """JobActionResults::getResultString."""
    jid = f"{cluster}.{proc}"
    if result == AR_SUCCESS:
        return f"Job {jid} {ACTIONS[tool]['past']}"
    if result == AR_NOT_FOUND:
        return f"Job {jid} not found"
    if result == AR_PERMISSION_DENIED:
        return f"Permission denied to {ACTIONS[tool]['verb']} job {jid}"
    if result == AR_BAD_STATUS:
        if tool == "condor_release":
            return f"Job {jid} not held to be released"
        return f"Invalid result for job {jid}"
    if tool == "condor_hold":
        return f"Job {jid} already held"
    if tool == "condor_rm":
        return f"Job {jid} already marked for removal"
    return f"Invalid result for job {jid}"


def _status_allows(tool: str, status: Any) -> bool:
    # the schedd narrows a constraint action to jobs the action applies to
    if tool == "condor_rm":
        return bool(status != REMOVED)
    if tool == "condor_hold":
        return status not in (HELD, REMOVED, COMPLETED)
    return bool(status == HELD)


def condor_act(tool: str, state: dict, schedd: str, argv: list, user: str) -> Result:
    """condor_rm/condor_hold/condor_release -name SCHEDD ARGV... (rm.cpp's flow)."""
    res = Result()
    info = ACTIONS[tool]
    job_ids: list = []
    usercluster: list = []  # ("cluster", n) / ("user", name), or'ed together
    constraint, constraint_type = "", ""
    reason = f"via {tool}"
    totals = False
    had_error = False
    any_arg = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("-"):
            option = _act_option(tool, arg)
            if option is None:
                res.err.write(f"Unrecognized option: {arg}\n" + act_usage(tool))
                res.rc = 1
                return res
            word, takes_value = option
            value = argv[i + 1] if takes_value and i + 1 < len(argv) else None
            if takes_value and (value is None or (word == "constraint" and value[:1] == "-")):
                res.err.write(f"{tool}: -{word} requires another argument\n")
                res.rc = 1
                return res
            if word == "constraint":
                try:
                    check_expression(value or "")
                except ConstraintError:
                    pass  # the schedd refuses it below, as condor's DCSchedd does
                if constraint_type in ("", "all"):
                    constraint, constraint_type = value or "", "simple"
                else:
                    constraint, constraint_type = f"({constraint}) && ({value})", "complex"
                any_arg = True
            elif word == "all":
                if constraint_type or usercluster:
                    res.err.write(f"{tool}: can't mix -all with other constraints\n")
                    res.rc = 1
                    return res
                constraint, constraint_type, any_arg = "ClusterId >= 0", "all", True
            elif word == "reason":
                reason = value or reason
            elif word == "totals":
                totals = True
            elif word == "forcex" and tool != "condor_rm":
                res.err.write("-forcex is only valid with condor_rm\n" + act_usage(tool))
                res.rc = 1
                return res
            elif word == "fast":
                res.err.write("-fast is only valid with condor_vacate_job\n" + act_usage(tool))
                res.rc = 1
                return res
            elif word == "help":
                res.err.write(act_usage(tool))
                return res
            elif word == "version":
                res.out.write("$CondorVersion: 24.0.0 (test double) $\n$CondorPlatform: "
                              "x86_64_AlmaLinux9 $\n")
                return res
            i += 2 if takes_value else 1
            continue
        if constraint_type == "all":
            res.err.write(act_usage(tool))
            res.rc = 1
            return res
        any_arg = True
        if re.fullmatch(r"[+-]?\d+(\.\d*)?", arg):
            match = re.fullmatch(r"[+-]?(\d+)(?:\.(\d*))?", arg)
            assert match is not None
            cluster = int(arg.split(".")[0])
            if cluster <= 0:
                res.err.write(f"Invalid cluster # from {arg}.\n")
                had_error = True
            elif match.group(2) is None:
                usercluster.append(("cluster", cluster))
            else:
                job_ids.append((cluster, int(match.group(2) or 0)))
        elif re.fullmatch(r"\d+\.\d+\D.*", arg):
            res.err.write(f'Warning: unrecognized "{arg}" skipped.\n')
        else:
            usercluster.append(("user", arg))
        i += 1
    if not any_arg and not job_ids:
        res.err.write("You did not specify any jobs\n" + act_usage(tool))
        res.rc = 1
        return res
    if schedd not in state["schedds"]:
        res.err.write(f"Error: cannot get address of schedd {schedd}\n")
        res.rc = 1
        return res
    queue = _jobs(state, schedd)
    counts = [0, 0, 0, 0, 0]
    if job_ids:
        if constraint_type:
            res.err.write("Warning, -constraint is ignored for fully qualified job ids\n")
        results = []
        for cluster, proc in job_ids:
            ad = next((a for a in queue if lookup(a, "ClusterId") == cluster
                       and lookup(a, "ProcId") == proc), None)
            result = _job_result(tool, state, ad, user)
            counts[result] += 1
            if result == AR_SUCCESS and ad is not None:
                _apply(tool, ad, state, schedd, user, reason)
            results.append((cluster, proc, result))
        if not any(r == AR_SUCCESS for _, _, r in results):
            had_error = True
            res.err.write("\n")  # condor prints its (empty) error stack first
        if totals:
            res.out.write(_totals_line(counts))
        for cluster, proc, result in results:
            stream = res.out if result == AR_SUCCESS else res.err
            stream.write(_job_message(tool, result, cluster, proc) + "\n")
    if usercluster:
        parts = [f"ClusterId == {v}" if kind == "cluster" else f'Owner == "{v}"'
                 for kind, v in usercluster]
        uc_type = ("complex" if len(parts) > 1 else usercluster[0][0])
        uc_expr = " || ".join(parts)
        if constraint_type in ("", "all"):
            constraint, constraint_type = uc_expr, uc_type
        elif constraint_type == "complex":
            constraint = f"{constraint} && ({uc_expr})"
        else:
            constraint, constraint_type = f"({constraint}) && ({uc_expr})", "complex"
    if constraint_type:
        if constraint_type == "user":
            message = " of user " + constraint.split(" == ", 1)[1]
        elif constraint_type == "cluster":
            message = " in cluster " + constraint.split(" == ", 1)[1]
        elif constraint_type == "all":
            message = ""
        else:
            message = f" matching constraint ({constraint})"
        try:
            check_expression(constraint)
            chosen = [ad for ad in queue if matches(constraint, ad)]
        except ConstraintError:
            res.err.write("DCSchedd::actOnJobs:1:Can't insert constraint into ClassAd\n")
            res.err.write(f"Couldn't find/{info['verb']} all jobs{message}\n")
            res.rc = 1
            return res
        done = 0
        for ad in list(chosen):
            if not _status_allows(tool, lookup(ad, "JobStatus")):
                continue
            if not _may_change(state, ad, user):
                counts[AR_PERMISSION_DENIED] += 1
                continue
            _apply(tool, ad, state, schedd, user, reason)
            counts[AR_SUCCESS] += 1
            done += 1
        if totals:
            res.out.write(_totals_line(counts))
        if done:
            res.out.write(f"All jobs{message} have been {info['past']}\n")
        elif not queue:
            res.err.write(f"{tool}:0:There are no jobs in the queue\n")
        else:
            had_error = True
            res.err.write("\n")
            res.err.write(f"Couldn't find/{info['verb']} all jobs{message}\n")
    res.rc = 1 if had_error else 0
    return res


def _totals_line(counts: list) -> str:
    return (f"{counts[AR_SUCCESS]} Succeeded, 0 Failed, {counts[AR_NOT_FOUND]} Not Found, "
            f"{counts[AR_BAD_STATUS]} Bad Status, {counts[AR_ALREADY_DONE]} Already Done, "
            f"{counts[AR_PERMISSION_DENIED]} Permission Denied\n")


# ---- condor_history

H_OPTIONS = [  # (word, least, number of values; -1: a list of words)
    ("help", 1, 0), ("name", 1, 1), ("pool", 1, 1), ("file", 2, 1), ("debug", 1, 0),
    ("constraint", 1, 1), ("long", 1, 0), ("json", 2, 0), ("xml", 3, 0), ("format", 1, 2),
    ("autoformat", 5, -1), ("af", 2, -1), ("attributes", 2, 1), ("limit", 3, 1),
    ("match", 1, 1), ("backwards", 1, 0), ("forwards", 4, 0), ("completedsince", 3, 1),
    ("wide", 1, 0), ("version", 1, 0),
]


def condor_history(state: dict, argv: list) -> Result:
    res = Result()
    ids: list = []
    owners: list = []
    constraints: list = []
    formats: list = []
    autoformat: list = []
    out_format, name, forwards, limit = "", None, False, None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-"):
            pid = _proc_id(arg)
            if pid is not None:
                ids.append(pid)
            else:
                owners.append(arg)
            i += 1
            continue
        option = next(((w, n) for w, least, n in H_OPTIONS if dash_prefix(arg, w, least)),
                      None)
        if option is None:
            res.err.write(f"Error: Unknown argument {arg}\n")
            res.err.write("Use \"condor_history -help\" for details\n")
            res.rc = 1
            return res
        word, nvalues = option
        values = argv[i + 1:i + 1 + max(nvalues, 0)]
        if nvalues > 0 and len(values) < nvalues:
            res.err.write(f"Error: Argument -{word} requires another parameter\n")
            res.rc = 1
            return res
        if word in ("long", "json", "xml"):
            out_format = "json" if word == "json" else "long"
        elif word == "name":
            name = values[0]
        elif word == "constraint":
            constraints.append(values[0])
        elif word == "format":
            formats.append((values[0], values[1]))
        elif word in ("autoformat", "af"):
            j = i + 1
            while j < len(argv) and not argv[j].startswith("-"):
                autoformat.append(argv[j])
                j += 1
            i = j
            continue
        elif word in ("limit", "match"):
            limit = int(values[0])
        elif word == "forwards":
            forwards = True
        elif word == "backwards":
            forwards = False
        i += 1 + max(nvalues, 0)
    if name is not None:
        if name not in state["schedds"] and name not in state["history"]:
            res.err.write(f"Unable to locate remote schedd (name={name}, pool=(null)).\n")
            res.rc = 1
            return res
        source = list(state["history"].get(name, []))
    elif state.get("local_schedd"):
        source = list(state["history"].get(state["local_schedd"], []))
    else:
        source = [ad for s in sorted(state["history"]) for ad in state["history"][s]]
    try:
        ads = _select(source, ids, owners, constraints, None)
    except ConstraintError as exc:
        res.err.write(f"condor_history (test double): cannot evaluate {exc} without the "
                      "HTCondor bindings\n")
        res.rc = 1
        return res
    if not forwards:
        ads = list(reversed(ads))  # newest first: the history file read backwards
    if limit:
        ads = ads[:limit]
    if out_format == "json":
        res.out.write(json_list(ads))
    elif out_format == "long":
        res.out.write("".join(long_ad(ad) for ad in ads))
    elif formats:
        for ad in ads:
            for fmt, expr in formats:
                value = value_of(expr, ad)
                if value is not UNDEFINED:
                    res.out.write(printf(fmt, value))
    elif autoformat:
        for ad in ads:
            res.out.write(" ".join(plain(value_of(a, ad)) for a in autoformat) + "\n")
    else:
        res.out.write(" ID     OWNER          SUBMITTED   RUN_TIME     ST COMPLETED   CMD\n")
        for ad in ads:
            wall = lookup(ad, "RemoteWallClockTime")
            jid = f"{lookup(ad, 'ClusterId')}.{lookup(ad, 'ProcId')}"
            runtime = duration(wall) if wall is not UNDEFINED else "0+00:00:00"
            res.out.write(
                f"{jid:<6} {plain(lookup(ad, 'Owner')):<14} "
                f"{plain(_fmt_time(lookup(ad, 'QDate'))):<11} {runtime:<12} "
                f"{plain(_status_letter(ad)):<2} "
                f"{plain(_fmt_time(lookup(ad, 'CompletionDate'))):<11} "
                + (plain(lookup(ad, "Cmd")) + " " + plain(lookup(ad, "Args"))).strip() + "\n")
    return res


# --------------------------------------------------------------- jobsub_lite layer


class StoreGroupInEnvironment(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None
                 ) -> None:
        os.environ["GROUP"] = values
        setattr(namespace, self.dest, values)


class ConvertDebugToVerbose(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None
                 ) -> None:
        setattr(namespace, self.dest, True)
        namespace.verbose = 1


def base_parser(prog: Optional[str] = None) -> argparse.ArgumentParser:
    """jobsub_lite 1.12's get_base_parser (options every jobsub_* command has)."""
    if os.environ.get("JOBSUB_GROUP", ""):
        os.environ["GROUP"] = os.environ["JOBSUB_GROUP"]
    parser = argparse.ArgumentParser(prog=prog)
    group = parser.add_argument_group("general arguments")
    group.add_argument("-G", "--group", action=StoreGroupInEnvironment,
                       default=os.environ.get("GROUP", None))
    group.add_argument("--role", default=None)
    group.add_argument("--subgroup")
    group.add_argument("--auth-methods",
                       default=os.environ.get("JOBSUB_AUTH_METHODS", "") or "token,proxy")
    group.add_argument("--verbose", type=int, default=0)
    group.add_argument("--debug", action=ConvertDebugToVerbose, nargs=0)
    group.add_argument("--global-pool", default="")
    group.add_argument("--devserver", default=False, action="store_true")
    group.add_argument("--version", action="store_true", default=False)
    group.add_argument("--support-email", action="store_true", default=False)
    group.add_argument("--schedd-for-testing", help=argparse.SUPPRESS)
    return parser


def jobid_parser(prog: Optional[str] = None) -> argparse.ArgumentParser:
    parser = base_parser(prog)
    parser.add_argument("-J", "--jobid", dest="jobid", help="job/submission ID")
    parser.add_argument("--constraint", help="Condor constraint for jobs")
    return parser


def cmd_parser(is_q: bool, prog: Optional[str] = None) -> argparse.ArgumentParser:
    parser = jobid_parser(prog)
    parser.add_argument("-name", help="Set schedd name", default=None)
    parser.add_argument("--jobsub_server", help="backwards compatability; ignored",
                        default=None)
    if is_q:
        parser.add_argument("--user", help="username to query", default=None)
    return parser


class HTTPError(Exception):
    """requests.exceptions.HTTPError, as jobsub_fetchlog lets it escape."""


def _need_group() -> None:
    if os.environ.get("GROUP", None) is None:
        raise NameError(f"{sys.argv[0]} needs -G group or $GROUP in the environment.")


def _check_auth_methods(value: str) -> None:
    supported = ("token", "proxy")
    methods = [m for m in (value or "").split(",") if m]
    for method in methods:
        if method not in supported:
            raise ValueError(f"Invalid auth method {method}.  Supported auth methods are "
                             f"{', '.join(supported)}")
    required = os.environ.get("JOBSUB_REQUIRED_AUTH_METHODS", "token")
    for method in (m for m in required.split(",") if m):
        if methods and method not in methods:
            raise ValueError(f"Required auth method(s) {required} not included in "
                             f"--auth-methods {value}")


def _print_version_or_email(args: argparse.Namespace) -> bool:
    if args.version:
        print(f"jobsub_lite version {LITE_VERSION}")
        return True
    if args.support_email:
        print(f"Email {SUPPORT_EMAIL} for help.")
        return True
    return False


class Verbosity:
    level = 0


def run_main(command: str, body: Callable[[], Optional[int]]) -> int:
    """jobsub_lite's top-level handler: `Error: <Class>: <message>` on stderr, exit 1."""
    record(command)
    try:
        return body() or 0
    except Exception as exc:
        if Verbosity.level:
            raise
        sys.stderr.write(f"\n\nError: {exc.__class__.__name__}: {exc}\n\n")
        return 1


JOBSUB_Q_FORMATS = [
    ("%-40s", 'strcat(split(GlobalJobId,"#")[1],"@",split(GlobalJobId,"#")[0])'),
    ("%-10s\t", "(DAGNodeName=!=''?strcat(\" |-\",DAGNodeName):Owner)"),
    ("%-11s ", 'formatTime(QDate,"%m/%d %H:%M")'),
    ("%T ", "IfThenElse(JobStatus == 2, (ServerTime - ShadowBday) + RemoteWallClockTime, "
            "RemoteWallClockTime)"),
    (" %s ", 'substr("UIRXCHE",JobStatus,1)'),
    (" %3d ", "JobPrio"),
    ("%6.1f ", "ImageSize/1024.0"),
    ("%s", "JobsubCmd=!=''?JobsubCmd:Cmd"),
    (" %-.20s", "Args"),
    (" %-.20s", "Arguments"),
    ("\n", "Owner"),
]
JOBSUB_Q_HEADER = ("JOBSUBJOBID                             OWNER       \tSUBMITTED     RUNTIME"
                   "   ST PRIO   SIZE  COMMAND")
HISTORY_HEADER = ("JOBSUBJOBID                             OWNER                "
                  "SUBMITTED           FINISHED            ST       CMD")
FORMATTING = ["-autoformat", "-batch", "-better-analyze", "-dag", "-format", "-hold", "-io",
              "-json", "-long", "-nobatch", "-xml"]
HISTORY_FORMATTING = ["-autoformat", "-batch", "-better-analyze", "-dag", "-format", "-io",
                      "-json", "-long", "-nobatch", "-xml"]
CONSTRAINING = ["-allusers", "-autocluster", "-better-analyze", "-constraint", "-factory",
                "-unmatchable"]


def jobsub_totals(lines: list) -> str:
    """bin/jobsub_totals: echo the lines, then `N total; C completed, ...`."""
    names = [("T", "total; "), ("C", "completed, "), ("X", "removed, "), ("I", "idle, "),
             ("R", "running, "), ("H", "held, "), ("S", "suspended")]
    totals = {"T": 0}
    text = []
    for line in lines:
        text.append(line)
        words = re.split(r"\s+", line)
        if len(words) > 5:
            totals[words[5]] = totals.get(words[5], 0) + 1
        totals["T"] += 1
    return "".join(text) + "".join(f"{totals.get(k, 0)} {v}" for k, v in names) + "\n"


def _sort_key(line: str) -> tuple[str, str]:
    # `sort -k 3,4`: the SUBMITTED date and time fields, then the whole line
    words = line.split()
    return (" ".join(words[2:4]), line)


def jobsub_cmd(command: str) -> int:
    """lib/mains/cmd.py: jobsub_q/rm/hold/release run condor_X once per schedd."""
    def body() -> Optional[int]:
        is_q = sys.argv[0].find("jobsub_q") >= 0 or command == "jobsub_q"
        parser = cmd_parser(is_q)
        parser.set_defaults(command=command)
        arglist, passthru = parser.parse_known_args(sys.argv[1:])
        Verbosity.level = arglist.verbose
        if _print_version_or_email(arglist):
            return 0
        if arglist.verbose:
            passthru.append("-debug")
        if arglist.jobid:
            passthru.extend(arglist.jobid.split(","))
        if getattr(arglist, "user", None):
            passthru.append(arglist.user)
        if arglist.constraint:
            passthru.extend(["-constraint", arglist.constraint])
        _need_group()
        execargs: list = []
        schedds: set = set()
        per_schedd: dict[str, list] = {}
        if arglist.name:
            schedds.add(arglist.name)
        default_formatting = default_constraint = True
        for word in passthru:
            match = re.match(r"([\d.]*)@([\w.]+)", word)
            if match:
                jobid, schedd = match.groups()
                schedds.add(schedd)
                if jobid:
                    per_schedd.setdefault(schedd, []).append(jobid.strip("."))
                continue
            if word.startswith("--"):
                word = word[1:]
            if word in FORMATTING:
                default_formatting = False
            if word in CONSTRAINING or word[:1].isalnum():
                default_constraint = False
            execargs.append(word)
        _check_auth_methods(arglist.auth_methods)
        state = load_state()
        if not schedds:
            schedds = set(state["schedds"])
        tool = command.replace("jobsub_", "condor_")
        user = current_user()
        table = command == "jobsub_q" and default_formatting
        if command == "jobsub_q":
            execargs[:0] = ["-schedd-constraint", "IsJobsubLite==True"]
            if default_constraint:
                execargs += ["-allusers", "-constraint",
                             f'Jobsub_Group=?="{os.environ["GROUP"]}"']
            if default_formatting:
                for fmt, expr in JOBSUB_Q_FORMATS:
                    execargs += ["-format", fmt, expr]
                print(JOBSUB_Q_HEADER)
                sys.stdout.flush()
        if arglist.verbose:
            print("schedd list:", schedds)
        lines: list = []
        for schedd in sorted(schedds):
            these = ["-name", schedd] + execargs + per_schedd.get(schedd, [])
            if arglist.verbose:
                print("running:", [f"/usr/bin/{tool}"] + these)
            if tool == "condor_q":
                res = condor_q(state, schedd, these[2:], user)
            elif tool in ACTIONS:
                with changing_state() as live:
                    res = condor_act(tool, live, schedd, these[2:], user)
            else:  # condor_wait and friends are not modelled
                res = Result()
                res.err.write(f"{tool} (test double): not modelled\n")
            if table:
                lines += res.out.getvalue().splitlines(keepends=True)
                sys.stderr.write(res.err.getvalue())
            else:
                res.emit()
        if table:
            sys.stdout.write(jobsub_totals(sorted(lines, key=_sort_key)))
        return 0

    return run_main(command, body)


def jobsub_history() -> int:
    """bin/jobsub_history: condor_history -backwards ... on the local schedd."""
    def body() -> Optional[int]:
        parser = jobid_parser()
        parser.add_argument("--user", default="")
        parser.add_argument("--qdate-ge", default="")
        parser.add_argument("--qdate-le", default="")
        arglist, passthru = parser.parse_known_args(sys.argv[1:])
        Verbosity.level = arglist.verbose
        passthru.append("-backwards")
        if arglist.verbose:
            passthru.append("-debug")
        if arglist.jobid:
            passthru.append(arglist.jobid)
        if arglist.user:
            passthru.append(arglist.user)
        if arglist.qdate_ge:
            since = int(time.mktime(time.strptime(arglist.qdate_ge, "%Y-%m-%d")))
            passthru += ["-constraint", f"QDate > {since}"]
        if arglist.qdate_le:
            since = int(time.mktime(time.strptime(arglist.qdate_le, "%Y-%m-%d")))
            passthru += ["-constraint", f"QDate < {since}"]
        _need_group()
        default_formatting = True
        out = []
        for word in passthru:
            match = re.match(r"([\d.]*)@([\w.]+)", word)
            if match:
                word = match.group(1)  # the schedd is dropped: jobsub_history never uses it
                if not word:
                    continue
            if word.startswith("--"):
                word = word[1:]
            if word in HISTORY_FORMATTING:
                default_formatting = False
            out.append(word)
        if default_formatting:
            out += ["-format", "%-30s",
                    'strcat(split(GlobalJobId,"#")[1],"@",split(GlobalJobId,"#")[0])',
                    "-format", "%-10s\t", "Owner",
                    "-format", "%-11s ", 'formatTime(QDate,"%m/%d %H:%M")',
                    "-format", "%-11s ", 'formatTime(CompletionDate,"%m/%d %H:%M")',
                    "-format", " %s ", 'substr("UIRXCHE",JobStatus,1)',
                    "-format", "%s", "JobsubCmd", "-format", " %-.20s", "Args",
                    "-format", "\n", "Owner"]
            print(HISTORY_HEADER)
            sys.stdout.flush()
        condor_history(load_state(), out).emit()  # os.system: its status is not used
        return 0

    return run_main("jobsub_history", body)


def sandbox_files(jobs: list, partial: bool) -> dict[str, bytes]:
    """What the double's fetchlog archive holds for these jobs (a flat list of files)."""
    first = jobs[0]
    command = str(lookup(first, "JobsubCmd") if lookup(first, "JobsubCmd") is not UNDEFINED
                  else lookup(first, "Cmd"))
    stem = os.path.basename(command).split(".")[0] or "job"
    cluster = lookup(first, "ClusterId")
    files = {
        f"{stem}.cmd": f"# submit file of cluster {cluster}\nexecutable = {stem}.sh\n"
                       "queue\n".encode(),
        f"{stem}.sh": f"#!/bin/bash\n# jobsub_lite wrapper of {command}\n".encode(),
    }
    if not partial:
        files[f"{stem}.log"] = f"000 ({cluster:03d}.000.000) Job submitted\n".encode()
    for ad in jobs:
        jid = f"{lookup(ad, 'ClusterId')}.{lookup(ad, 'ProcId')}"
        files[f"{stem}_{jid}.out"] = f"stdout of job {jid}\n".encode()
        files[f"{stem}_{jid}.err"] = f"stderr of job {jid}\n".encode()
    return files


def _find_jobs(state: dict, jobid: str, partial: bool) -> list:
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?@([\w.]+)", jobid)
    if not match:
        return []
    cluster, proc, schedd = int(match.group(1)), match.group(2), match.group(3)
    ads = state["schedds"].get(schedd, []) + state["history"].get(schedd, [])
    ads = [ad for ad in ads if lookup(ad, "ClusterId") == cluster]
    if proc is not None:
        if not any(lookup(ad, "ProcId") == int(proc) for ad in ads):
            return []
        if partial:
            ads = [ad for ad in ads if lookup(ad, "ProcId") == int(proc)]
    return sorted(ads, key=lambda ad: lookup(ad, "ProcId"))


def _write_tgz(path: str, files: dict[str, bytes]) -> int:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = now()
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return os.path.getsize(path)


def jobsub_fetchlog() -> int:
    """lib/mains/fetchlog.py: the web service (default) or --condor."""
    def body() -> Optional[int]:
        parser = jobid_parser()
        parser.add_argument("--destdir", "--dest-dir", "--unzipdir")
        parser.add_argument("--archive-format", default="tar")
        parser.add_argument("--partial", action="store_true", default=False)
        parser.add_argument("--condor", action="store_true", default=False)
        parser.add_argument("job_id", nargs="?")
        args = parser.parse_args(sys.argv[1:])
        Verbosity.level = args.verbose
        if _print_version_or_email(args):
            return 0
        if "token" not in args.auth_methods:
            raise NameError("jobsub_fetchlog only supports token authentication.  Please "
                            "either omit the --auth-methods flag or make sure tokens is "
                            "included in the value of that flag")
        if not args.jobid and not args.job_id:
            raise NameError("jobid is required.")
        jobid = (args.jobid or args.job_id).replace(".@", "@")
        _need_group()
        state = load_state()
        if args.condor:
            return _fetch_condor(state, jobid, args)
        return _fetch_web(state, jobid, args)

    return run_main("jobsub_fetchlog", body)


def _fetch_web(state: dict, jobid: str, args: argparse.Namespace) -> int:
    if args.archive_format != "tar":
        raise Exception(f'unknown/unsupported archive format "{args.archive_format}"')
    base = os.environ.get("JOBSUB_FETCHLOG_URL")
    if base is None and not os.environ.get("JOBSUB_LITE_DOUBLE_NO_FETCHLOG_URL"):
        base = DEFAULT_FETCHLOG_URL  # what the site's /etc/profile.d/jobsub_lite.sh sets
    if base is None:
        raise NameError("JOBSUB_FETCHLOG_URL not set in the environment. You may still be "
                        "able to download with --condor")
    url = f"{base}/job/{jobid}.tar.gz" + ("?partial" if args.partial else "")
    owd = os.getcwd()
    if args.destdir is not None:
        owd = args.destdir
        if not os.path.exists(owd):
            os.makedirs(owd, mode=0o750)
    if args.verbose:
        print(f"making request for archive from {url}")
    jobs = _find_jobs(state, jobid, args.partial)
    if not jobs:
        print(f"Got error from landscape:\n{{\"detail\":\"job {jobid} not found\"}}")
        raise HTTPError(f"404 Client Error: Not Found for url: {url}")
    archive = os.path.join(owd, f"{jobid}.tgz")
    if args.verbose:
        print(f"downloading archive to {archive}")
    size = _write_tgz(archive, sandbox_files(jobs, args.partial))
    if args.verbose:
        print(f"{size} bytes downloaded to {archive}")
    if args.destdir is not None:
        if args.verbose:
            print(f'running "{["/usr/bin/tar", "-C", owd, "-xzf", archive]}"')
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                if member.isfile() and "/" not in member.name and member.name != "..":
                    handle = tar.extractfile(member)
                    assert handle is not None
                    with open(os.path.join(owd, member.name), "wb") as out:
                        out.write(handle.read())
        os.unlink(archive)
    return 0


def _fetch_condor(state: dict, jobid: str, args: argparse.Namespace) -> int:
    jobs = _find_jobs(state, jobid, args.partial)
    if not jobs:
        raise Exception(f"Job {jobid} not found")
    iwd = tempfile.mkdtemp(prefix="jobsub_fetchlog_double_")
    try:
        if args.verbose:
            print(f"job output to {iwd}")
        for name, data in sandbox_files(jobs, args.partial).items():
            with open(os.path.join(iwd, name), "wb") as out:
                out.write(data)
        files = sorted(os.listdir(iwd))
        if args.destdir is not None:
            if not os.path.exists(args.destdir):
                os.makedirs(args.destdir, mode=0o750)
            for name in files:
                shutil.copy2(os.path.join(iwd, name), args.destdir)
        elif args.archive_format == "tar":
            with tarfile.open(f"{jobid}.tgz", "w:gz") as tar:
                for name in files:
                    tar.add(os.path.join(iwd, name), arcname=name)
        elif args.archive_format == "zip":
            with zipfile.ZipFile(f"{jobid}.zip", "w") as archive:
                for name in files:
                    archive.write(os.path.join(iwd, name), arcname=name)
        else:
            raise Exception(f'unknown archive format "{args.archive_format}"')
    finally:
        shutil.rmtree(iwd, ignore_errors=True)
    return 0
