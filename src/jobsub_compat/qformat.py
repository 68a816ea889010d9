"""The text the legacy jobsub server printed for jobsub_q and jobsub_history, from job ads.

Input is what jobsub_lite's condor_q / condor_history print with -json. Every layout fact
below comes from the legacy source (ddbox/jobsub, and shreyb/jobsub_lite's copy of the
same tree up to v1.3.4.1, which also holds format.py, ifront_q.sh, fill_jobsub_history.py
and the later client): condor_commands.py (`condor_header`, `condor_format`,
`constructFilter`), queued_jobstatus.py / queued_hold.py / queued_outformat.py (which
filter each view uses), summary.py + ifront_q.sh (--summary), sqlite_commands.py +
admin/fill_jobsub_history.py (history), jobsubClient.py (`print_msg`, `report_counts`:
how the client printed the server's lines and counted them).

Legacy columns came from `condor_q -format` with ClassAd expressions, so attribute names
are looked up case-insensitively here, as ClassAds do.
"""

from __future__ import annotations

import posixpath
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from typing import Any

VIEWS = ("default", "run", "idle", "hold", "dag", "summary")

# condor_commands.py condor_header(). The reference's "--dag adds DAG_INFO" matches this
# (later) version; an older one had "OWNER/NODE NAME" and a 20-wide CMD.
_HEADER = (
    "JOBSUBJOBID                           OWNER           SUBMITTED     RUN_TIME   ST PRI SIZE CMD"
)
_DAG_HEADER = (
    "JOBSUBJOBID                           OWNER    DAG_INFO          SUBMITTED"
    "     RUN_TIME   ST PRI SIZE CMD"
)
_HOLD_HEADER = "JOBSUBJOBID                           OWNER           HELD_SINCE    HOLDREASON"

# sqlite_commands.py fmtStr(); the same string formats the header and the rows.
_HISTORY_FMT = "%-38s  %-19s  %-19s %-19s %-3s      %s"
_HISTORY_HEADER = _HISTORY_FMT % ("JOBSUBJOBID", "OWNER", "SUBMITTED", "FINISHED", "ST", "CMD")

# ifront_q.sh: its header, its awk printf for owner and TOTALS rows, the glidein line.
_SUMMARY_HEADER = " OWNER        RUN   IDLE   HELD     OLDEST_JOB"
_SUMMARY_COUNTS = "%-10s %6d %6d %6d "
_SUMMARY_GLIDEINS = "Farm glideins:  R=%d I=%d H=%d"

# The server filtered these views with `JobStatus==N` (constructFilter's JOBSTATUS_DICT).
_VIEW_STATUS = {"run": 2, "idle": 1, "hold": 5}

# Regular expressions are matched with str methods below: importing `re` costs jobsub_q
# milliseconds of start-up on every call. Each helper gives what Python's re gave for the
# expression it names, for every input: `.` stops at "\n" (and only there), groups are
# greedy, and a search takes the earliest match. tests/test_qformat.py checks each one
# against the expression itself.
_DIGITS = "0123456789"  # [0-9]: ASCII digits only (str.isdigit takes other scripts' too)


def parse_json_stream(text: str) -> list[dict[str, Any]]:
    """Jobs from condor_q/condor_history -json output that may hold several JSON arrays back
    to back (one per schedd; a schedd with no jobs may print nothing or []), with blank lines
    or stray non-JSON lines between them (ignore those, but never lose a job)."""
    from .jsontext import raw_decode  # json's own import would cost every call ~8 ms

    jobs: list[dict[str, Any]] = []
    marks = _json_marks(text)
    pos = 0
    while True:
        pos = marks.find("{", pos)
        if pos < 0:
            return jobs
        try:
            value, end = raw_decode(text, pos)
        except ValueError:
            # A broken array (say a warning line inside it) is re-read one ad at a time,
            # so stepping past one character is enough to reach the next "{".
            pos += 1
            continue
        items = value if isinstance(value, list) else [value]
        jobs.extend(item for item in items if isinstance(item, dict))
        pos = end


def job_id(ad: dict[str, Any]) -> str:
    """`cluster.proc@schedd` from GlobalJobId `schedd#cluster.proc#qdate`, else JobsubJobId,
    else ClusterId.ProcId."""
    a = _lower(ad)
    gid = a.get("globaljobid")
    if isinstance(gid, str):
        groups = _global_job_id(gid)
        if groups:
            return f"{groups[1]}@{groups[0]}"
    jsid = a.get("jobsubjobid")
    if isinstance(jsid, str) and jsid:
        return jsid
    return f"{_int(a, 'clusterid')}.{_int(a, 'procid')}"


def format_q(jobs: list[dict[str, Any]], view: str = "default", now: float | None = None,
             by_status: bool = True) -> str:
    """Legacy jobsub_q output for view in {"default", "run", "idle", "hold", "dag",
    "summary"}; "run"/"idle"/"hold" keep only running/idle/held jobs (not with `by_status`
    False: the --constraint path, constraint.py doGET, gave the view's layout to every job
    the constraint matched) and "run"/"idle" use the default layout; `now`
    (epoch) for run times of running jobs (default: the ad's ServerTime, which is what the
    legacy expression used, else time.time()). Returns the whole text including the header,
    rows and the summary line (omitted when there are no job rows, as legacy did)."""
    if view not in VIEWS:
        raise ValueError(f"unknown jobsub_q view {view!r}; expected one of {', '.join(VIEWS)}")
    ads = [_lower(job) for job in jobs]
    if view == "summary":
        return _summary(ads, now)
    if view in _VIEW_STATUS and by_status:
        ads = [a for a in ads if _int(a, "jobstatus") == _VIEW_STATUS[view]]
    if view == "hold":
        header, rows = _HOLD_HEADER, [_hold_row(a) for a in ads]
    elif view == "dag":
        header, rows = _DAG_HEADER, [_dag_row(a, now) for a in ads]
    else:
        header, rows = _HEADER, [_q_row(a, now) for a in ads]
    # The server sent header + condor_q's text split on "\n"; that text ended in a newline,
    # so the client printed one empty line after the rows (also when there were none).
    lines = [header, *rows, ""]
    return "\n".join(lines) + "\n" + _counts(lines)


def format_history(jobs: list[dict[str, Any]]) -> str:
    """Legacy jobsub_history output (header + rows).

    The client asked each jobsub server in turn and each answered from its own schedd's
    history database, so there is one header + rows + count line per schedd, in order of
    first appearance. The count line is jobsubClient.py report_counts(), which the client
    ran on history answers too."""
    blocks: dict[str, list[str]] = {}
    for job in jobs:
        jid = job_id(job)
        blocks.setdefault(jid.partition("@")[2], []).append(_history_row(_lower(job), jid))
    out = []
    for rows in blocks.values() or [[]]:
        lines = [_HISTORY_HEADER, *rows]
        out.append("\n".join(lines) + "\n" + _counts(lines))
    return "".join(out)


# --- one row per view (condor_commands.py condor_format) --------------------------------


def _render(fields: list[tuple[str, Any]]) -> str:
    """The `-format FMT EXPR` pairs of one condor_q call, printed one after the other."""
    return "".join(fmt % (value,) for fmt, value in fields)


def _q_row(a: dict[str, Any], now: float | None) -> str:
    return _render([
        ("%-37s", job_id(a) + " "),
        (" %-14s ", _str(a, "owner")),
        (" %-11s ", _local("%m/%d %H:%M", _num(a, "qdate"))),
        *_run_time(a, now),
        (" %-2s", _status_letter(a)),
        ("%3d ", _int(a, "jobprio")),
        (" %4.1f ", _num(a, "imagesize") / 1024.0),
        ("%-30s ", _cmd_basename(a)),
    ])


def _dag_row(a: dict[str, Any], now: float | None) -> str:
    # ifthenelse(dagmanjobid =?= UNDEFINED, owner, dagnodename): the bare node name, no
    # " |-" (that indent is condor_q's own -dag layout, which -format replaces).
    who = _str(a, "owner") if a.get("dagmanjobid") is None else _str(a, "dagnodename")
    progress = ""
    if a.get("dag_nodesdone") is not None and a.get("dag_nodestotal") is not None:
        progress = f" {a['dag_nodesdone']}/{a['dag_nodestotal']} done"
    return _render([
        ("%-37s", job_id(a) + " "),
        (" %-1s ", " "),
        (" %-16s ", who),
        (" %-11s ", _local("%m/%d %H:%M", _num(a, "qdate"))),
        *_run_time(a, now),
        (" %-2s", _status_letter(a)),
        ("%3d ", _int(a, "jobprio")),
        (" %4.1f ", _num(a, "imagesize") / 1024.0),
        ("%-30s", _cmd_basename(a)),
        ("%-10s", progress),
    ])


def _hold_row(a: dict[str, Any]) -> str:
    fields = [
        ("%-37s", job_id(a) + " "),
        (" %-14s ", _str(a, "owner")),
        (" %-11s ", _local("%m/%d %H:%M", _num(a, "enteredcurrentstatus"))),
    ]
    # condor_q -format prints nothing for an attribute the ad lacks.
    if a.get("holdreason") is not None:
        fields.append(("  %s", a["holdreason"]))
    return _render(fields)


def _history_row(a: dict[str, Any], jid: str) -> str:
    # fill_jobsub_history.py stored 'X' for JobStatus 3 and 'C' for anything else, dates as
    # sqlite datetime(epoch, 'unixepoch', 'localtime'), undefined values as 0, and the
    # basename of Cmd; it took OWNER from the Iwd path (a legacy jobsub layout jobsub_lite
    # does not have), so Owner stands in for it here.
    status = "X" if _int(a, "jobstatus") == 3 else "C"
    finished = " " if status == "X" else _local("%Y-%m-%d %H:%M:%S", _num(a, "completiondate"))
    cmd = _cmd_suffix_to_space(posixpath.basename(_str(a, "cmd")))
    submitted = _local("%Y-%m-%d %H:%M:%S", _num(a, "qdate"))
    return _HISTORY_FMT % (jid, _str(a, "owner"), submitted, finished, status, cmd)


def _counts(lines: list[str]) -> str:
    """jobsubClient.py report_counts(): a job is a line starting `N.N@`, and its state is the
    first of ' C  ', ' X  ', ' I  ', ' R  ', ' H  ', ' S  ' found anywhere in the line. So a
    priority of 100 or more hides a running job's state, --hold rows (no status column) are
    counted as jobs in no state, and suspended jobs (shown as "7") never count as suspended."""
    tally = {key: 0 for key in "CXIRHS"}
    jobs = 0
    for line in lines:
        if not _is_job_line(line):
            continue
        jobs += 1
        for key in tally:
            if f" {key}  " in line:
                tally[key] += 1
                break
    if not jobs:
        return ""
    return (
        f"{jobs} jobs; {tally['C']} completed, {tally['X']} removed, {tally['I']} idle, "
        f"{tally['R']} running, {tally['H']} held, {tally['S']} suspended\n"
    )


# --- --summary (summary.py: `condor_status -submitter -wide`, then ifront_q.sh) -----------


def _summary(ads: list[dict[str, Any]], now: float | None) -> str:
    """ifront_q.sh's table, read from plain `condor_q` lines with awk and grep as it did:
    owners sorted, `grep OWNER` is a substring match, condor_dagman jobs are left out of
    the counts (not of OLDEST_JOB), gfactory is the glidein factory's owner.

    Not reproducible from job ads, so left out: the pool-wide `condor_status -submitter`
    block the server printed first. The script's second line was condor_q's
    "-- Submitter: <schedd> ..." line renamed "-- Summary of ..."; here it names the
    schedds the jobs came from."""
    qlines = [_condor_q_line(a, now) for a in ads]
    schedds = dict.fromkeys(job_id(a).partition("@")[2] for a in ads)
    lines = ["", "-- Summary of " + ", ".join(s for s in schedds if s), _SUMMARY_HEADER]
    for owner in sorted({ln.split()[1] for ln in qlines} - {"gfactory"}):
        mine = [ln for ln in qlines if owner in ln]
        counted = [ln for ln in mine if "condor_dagman" not in ln]
        # awk printed its running counts after every line and `tail -1` kept the last, so
        # the name shown is the last counted line's own OWNER field.
        status = _owner_counts(counted[-1].split()[1], counted) if counted else ""
        first = mine[0].split()
        lines.append(f"{status}    {first[2]} {first[3]} {first[4]} {first[-1]:<18}")
    totals = [ln for ln in qlines if "gfactory" not in ln and "condor_dagman" not in ln]
    factory = [ln for ln in qlines if "gfactory" in ln]
    glideins = _SUMMARY_GLIDEINS % _states(factory) if factory else ""
    lines += ["", _owner_counts("TOTALS", totals) if totals else "", "", glideins, ""]
    # The server split the script's output on "\n"; its final newline became one more
    # empty line on the client.
    return "\n".join(lines) + "\n\n"


def _owner_counts(name: str, qlines: list[str]) -> str:
    return _SUMMARY_COUNTS % (name, *_states(qlines))


def _states(qlines: list[str]) -> tuple[int, int, int]:
    """ifront_q.sh's awk: how many lines have R, I, H as field 6 (ST)."""
    states = [ln.split()[5] for ln in qlines]
    return states.count("R"), states.count("I"), states.count("H")


def _condor_q_line(a: dict[str, Any], now: float | None) -> str:
    """A job's line in plain `condor_q` output, as whitespace-split fields: ID OWNER
    SUBMITTED(2 fields) RUN_TIME ST PRI SIZE CMD [ARGS]. RUN_TIME here is condor_q's own
    (RemoteWallClockTime, plus the current run since ShadowBday), not the jobsub column's.
    condor_q's 80-column truncation of CMD is not reproduced."""
    total = int(_num(a, "remotewallclocktime"))
    shadow = _num(a, "shadowbday")
    if _int(a, "jobstatus") in (2, 7) and shadow:
        total += int(_now(a, now) - shadow)
    days, rest = divmod(total, 86400)
    clock = f"{days}+{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    letter = {3: "X", 4: "C", 5: "H", 6: "E", 7: "S"}.get(_int(a, "jobstatus"))
    args = _str(a, "arguments") or _str(a, "args")
    fields = [
        f"{_int(a, 'clusterid')}.{_int(a, 'procid')}",
        _str(a, "owner"),
        _local("%m/%d %H:%M", _num(a, "qdate")),
        clock,
        letter or _status_letter(a),
        str(_int(a, "jobprio")),
        f"{_num(a, 'imagesize') / 1024.0:.1f}",
        posixpath.basename(_str(a, "cmd")),
        args,
    ]
    return " ".join(field for field in fields if field)


# --- ClassAd values ------------------------------------------------------------------------


def _run_time(a: dict[str, Any], now: float | None) -> list[tuple[str, int]]:
    """condor_format()'s runTimeStr: 0 before the first start; running jobs count from
    JobCurrentStartDate to now, others to EnteredCurrentStatus. Split into D+HH:MM:SS with
    ClassAd int(), which truncates toward zero."""
    start = a.get("jobcurrentstartdate")
    if not isinstance(start, (int, float)) or isinstance(start, bool):
        seconds = 0
    elif _int(a, "jobstatus") == 2:
        seconds = int(_now(a, now) - start)
    else:
        seconds = int(_num(a, "enteredcurrentstatus") - start)
    days = _div(seconds, 86400)
    minutes = _div(seconds, 60)
    return [
        ("%3d+", days),
        ("%02d", _div(seconds, 3600) - 24 * days),
        (":%02d", minutes - 60 * _div(minutes, 60)),
        (":%02d", seconds - 60 * minutes),
    ]


def _status_letter(a: dict[str, Any]) -> str:
    # condor_format()'s jobStatusStr: the transfer checks come before R, X, C, H and E.
    status = _int(a, "jobstatus")
    if status in (0, 1):
        return "UI"[status]
    if a.get("transferringinput") is True:
        return "<"
    if a.get("transferringoutput") is True:
        return ">"
    return {2: "R", 3: "X", 4: "C", 5: "H", 6: "E"}.get(status, str(status))


def _cmd_basename(a: dict[str, Any]) -> str:
    return _after_last_slash(_str(a, "cmd"))


def _now(a: dict[str, Any], now: float | None) -> float:
    if now is not None:
        return now
    server_time = a.get("servertime")
    if isinstance(server_time, (int, float)) and not isinstance(server_time, bool):
        return float(server_time)
    return time.time()


def _local(fmt: str, epoch: float) -> str:
    # formatTime() on the server, and sqlite's 'localtime': the local zone of the process.
    return time.strftime(fmt, time.localtime(int(epoch)))


def _div(n: int, d: int) -> int:
    return n // d if n >= 0 else -(-n // d)


def _lower(ad: dict[str, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in ad.items()}


def _num(a: dict[str, Any], key: str) -> float:
    value = a.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return float(value)


def _int(a: dict[str, Any], key: str) -> int:
    return int(_num(a, key))


def _str(a: dict[str, Any], key: str) -> str:
    value = a.get(key)
    return value if isinstance(value, str) else ""


# --- the legacy regular expressions, without re ----------------------------------------------


def _global_job_id(gid: str) -> tuple[str, str, str] | None:
    r"""regexps("((.+)\#(.+)\#(.+))", globaljobid, "\3@\2 ") in condor_format(): the groups
    of `(.+)#(.+)#(.+)` searched in gid, else None. The match lies in the first line that
    has one and starts where that line starts; greedy groups put the third group after the
    last "#" that has a character after it and the second after the last "#" before that
    which leaves the first and second groups non-empty."""
    for line in gid.split("\n"):
        third = line.rfind("#", 0, len(line) - 1)
        if third < 3:  # no room for two groups before it (and no negative end below)
            continue
        second = line.rfind("#", 1, third - 1)
        if second > 0:
            return line[:second], line[second + 1 : third], line[third + 1 :]
    return None


def _after_last_slash(cmd: str) -> str:
    r"""regexps(".*\/(.+)", cmd, "\1"): the group of `.*/(.+)` searched in cmd, so what
    follows the last slash of the first line that has a slash with something after it
    (a trailing slash is kept: "/a/b/" gives "b/"); "" when nothing matches."""
    for line in cmd.split("\n"):
        slash = line.rfind("/", 0, len(line) - 1)
        if slash >= 0:
            return line[slash + 1 :]
    return ""


def _cmd_suffix_to_space(name: str) -> str:
    """sqlite_commands.py jobsub_history(): the generated-name suffix becomes ONE space.
    That is re.sub(r"_20[1-3][0-9][0-1][0-9].*", " ", name): on each line, from the first
    `_20YYMM`-like run to the end of the line."""
    lines = name.split("\n")
    for n, line in enumerate(lines):
        at = line.find("_20")
        while at >= 0:
            tail = line[at + 3 : at + 7]
            if (len(tail) == 4 and tail[0] in "123" and tail[1] in _DIGITS
                    and tail[2] in "01" and tail[3] in _DIGITS):
                lines[n] = line[:at] + " "
                break
            at = line.find("_20", at + 1)
    return "\n".join(lines)


def _is_job_line(line: str) -> bool:
    """jobsubClient.py report_counts(): only lines that start like a job id are counted;
    re.match(r"[0-9]+[.][0-9]+@", line)."""
    proc = line.lstrip(_DIGITS)
    if len(proc) == len(line) or proc[:1] != ".":
        return False
    rest = proc[1:].lstrip(_DIGITS)
    return len(rest) < len(proc) - 1 and rest[:1] == "@"


def _json_marks(text: str) -> str:
    r"""parse_json_stream's own `[\[{]` search (not a legacy expression): re.search(
    r"[\[{]", text, pos) starts where `_json_marks(text).find("{", pos)` says, as every "["
    is turned into a "{" at the same index. One copy of the text rather than two finds per
    call keeps a long stream with no "[" left from being rescanned after every ad."""
    return text.replace("[", "{")
