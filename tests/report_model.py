"""An independent model of what `jobsub-compat report` must count, and lines to feed it.

The model reads each line with json alone and applies the rules of logrecords.py's
docstring in the plainest way (a recursive depth, a regex for the day, Counter-free
grouping), then builds the tables by grouping the records directly. It shares no code
with report/ or logrecords.py, so a test comparing the two can fail on either.

The hypothesis strategies make log lines as the drop-ins write them, with every field
also in odd and hostile forms (wrong types, control characters, invalid days, unknown
fields nested deep, huge integers), and lines that are no record at all (truncated,
glued, blank, invalid UTF-8, NaN, too deep, binary).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

MAX_DEPTH = 500
MAX_CONTAINERS = 10_000
MAX_TIME = 64
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _depth_and_count(value: Any) -> tuple[int, int]:
    if isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return 0, 0
    depth, count = 0, 1
    for child in children:
        d, c = _depth_and_count(child)
        depth, count = max(depth, d), count + c
    return depth + 1, count


def model_record(raw: bytes) -> tuple[Any, ...] | None:
    """(time, monday, user, command, script, codes) of a line, or None: the rules."""
    try:
        rec = json.loads(raw.decode("utf-8"), parse_int=lambda s: 0)
    except (ValueError, RecursionError):
        return None
    depth, count = _depth_and_count(rec)
    if depth > MAX_DEPTH or count > MAX_CONTAINERS or not isinstance(rec, dict):
        return None
    when, monday = rec.get("time"), None
    if isinstance(when, str) and len(when) <= MAX_TIME and DAY.fullmatch(when[:10]):
        try:
            day = date.fromisoformat(when[:10])
        except ValueError:
            pass
        else:
            monday = day.toordinal() - day.weekday()
    user, command = rec.get("user"), rec.get("command")
    caller = rec.get("caller")
    if isinstance(caller, dict):
        script = caller.get("script")
        script = script if isinstance(script, str) and script else "(no script)"
    else:
        script = "(unknown caller)"
    found = rec.get("warnings")
    codes: list[str] = []
    if isinstance(found, list):
        for code in found:
            if isinstance(code, str) and code and code not in codes:
                codes.append(code)
    return (when if monday is not None else None, monday,
            user if isinstance(user, str) and user else "(unknown)",
            command if isinstance(command, str) and command else None, script, tuple(codes))


def model_tables(lines: list[bytes], since: str | None = None) -> dict[str, Any]:
    """The numbers of the report's summary and four tables (replacements left out)."""
    records = []
    skipped = before = 0
    for raw in lines:
        rec = model_record(raw)
        if rec is None:
            skipped += 1
        elif since is not None and (rec[0] is None or rec[0] < since):
            before += 1
        else:
            records.append(rec)
    timed = [r[0] for r in records if r[0] is not None]
    legacy = [r for r in records if r[5]]

    def span(rows: list[tuple[Any, ...]]) -> tuple[Any, Any]:
        times = [r[0] for r in rows if r[0] is not None]
        return (min(times), max(times)) if times else (None, None)

    def grouped(index: int, name: str, other: int, other_name: str) -> list[dict[str, Any]]:
        keys = {r[index] for r in legacy}
        rows = []
        for key in keys:
            mine = [r for r in legacy if r[index] == key]
            first, last = span(mine)
            rows.append({name: key, "calls": len(mine),
                         "warnings": sum(len(r[5]) for r in mine),
                         "codes": sorted({c for r in mine for c in r[5]}),
                         other_name: len({r[other] for r in mine}),
                         "first_seen": first, "last_seen": last})
        return sorted(rows, key=lambda row: (-row["calls"], row[name]))

    codes = []
    for code in {c for r in legacy for c in r[5]}:
        mine = [r for r in legacy if code in r[5]]
        first, last = span(mine)
        codes.append({"code": code, "calls": len(mine), "first_seen": first,
                      "last_seen": last, "scripts": len({r[4] for r in mine}),
                      "users": len({r[2] for r in mine}),
                      "commands": sorted({r[3] for r in mine if r[3] is not None})})
    codes.sort(key=lambda row: (-row["calls"], row["code"]))

    weeks = []
    mondays = sorted({r[1] for r in records if r[1] is not None})
    if mondays:
        every = range(mondays[0], mondays[-1] + 1, 7) if (
            mondays[-1] - mondays[0]) // 7 < 1040 else mondays
        for monday in every:
            mine = [r for r in records if r[1] == monday]
            start = date.fromordinal(monday)
            year, week, _ = start.isocalendar()
            weeks.append({"week": f"{year}-W{week:02d}", "start": start.isoformat(),
                          "calls": len(mine), "legacy_calls": sum(1 for r in mine if r[5]),
                          "warnings": sum(len(r[5]) for r in mine)})
    return {
        "summary": {"since": since, "records": len(records), "legacy_calls": len(legacy),
                    "warnings": sum(len(r[5]) for r in legacy),
                    "first_seen": min(timed) if timed else None,
                    "last_seen": max(timed) if timed else None,
                    "skipped_lines": skipped, "before_since": before},
        "codes": codes,
        "scripts": grouped(4, "script", 2, "users"),
        "users": grouped(2, "user", 4, "scripts"),
        "weeks": weeks,
    }


def without_replacements(data: dict[str, Any]) -> dict[str, Any]:
    """A report's json, as the model has it (no replacement texts, no file names)."""
    summary = {k: v for k, v in data["summary"].items()
               if k not in ("logs", "files", "unreadable_files")}
    codes = [{k: v for k, v in row.items() if k != "replacement"} for row in data["codes"]]
    return {**data, "summary": summary, "codes": codes}


# --- lines -------------------------------------------------------------------------------------

HOSTILE_TEXT = ["\x1b]0;pwned\x07", "\x1b[2J", "\x9b31m", "a\nb", "\u202e", "\x00", "\x7f",
                "\ud800", "ü", "(unknown)", "(no script)"]
texts = st.one_of(st.sampled_from(["alice", "bob", "carol", ""] + HOSTILE_TEXT),
                  st.text(max_size=6))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
                    texts)
odd = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=8)
START = datetime(2026, 1, 1)
good_times = st.integers(0, 400 * 86400).map(
    lambda s: (START + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ"))
times = st.one_of(good_times, good_times, st.sampled_from([
    "2026-13-45T09:00:00Z", "2026-02-30T00:00:00Z", "garbage-and-more", "2026-11-16",
    "2026-W47-1T00:00:00Z", "\u0662\u0660\u0662\u0666-11-16T00:00:00Z", "+2026-11-16",
    "2026-11-16T09:00:00Z\x1b]0;x\x07", "2026-11-16" + "x" * 60]), odd)
codes = st.sampled_from(["JC104", "JC101", "JC111", "JC161", "JC999", "", "\x1b]0;x\x07"])
warnings = st.one_of(st.lists(codes, max_size=4), st.lists(codes, max_size=4),
                     st.lists(st.one_of(codes, odd), max_size=4), odd)
scripts = st.sampled_from(["/home/alice/submit.sh", "/srv/x.sh", "/tmp/\x1b]0;pwned\x07.sh",
                           "", None])
callers = st.one_of(st.fixed_dictionaries({"cmdline": st.lists(texts, max_size=3),
                                           "script": scripts}),
                    st.fixed_dictionaries({"script": st.one_of(scripts, odd)}), odd)
commands = st.one_of(st.sampled_from(["jobsub_submit", "jobsub_q", "jobsub_rm", ""]), odd)


def _deep(depth: int) -> Any:
    value: Any = "x"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


extras = st.one_of(odd, st.integers(0, 600).map(_deep))
records = st.fixed_dictionaries(
    {"time": times, "user": st.one_of(texts, odd), "command": commands, "caller": callers,
     "warnings": warnings},
    optional={"host": texts, "cwd": texts, "argv": st.lists(texts, max_size=4),
              "status": st.integers(0, 255), "duration_ms": st.integers(0, 10**6),
              "extra": extras})


@st.composite
def record_lines(draw: Any) -> bytes:
    """One record as the log writes it (compact, ASCII), or in another valid spelling."""
    rec = draw(records)
    if draw(st.booleans()) and "time" in rec and draw(st.booleans()):
        del rec["time"]
    compact = draw(st.booleans())
    text = json.dumps(rec, separators=(",", ":") if compact else None,
                      ensure_ascii=draw(st.sampled_from([True, True, False])))
    return text.encode("utf-8", "surrogatepass") + b"\n"


broken = st.one_of(
    st.binary(max_size=40),
    record_lines().map(lambda line: line[:len(line) // 2] + b"\n"),  # a torn write
    record_lines().map(lambda line: line.rstrip(b"\n") * 2 + b"\n"),  # glued writes
    record_lines().map(lambda line: line.replace(b'"', b'"\xff', 1)),  # invalid UTF-8
    record_lines().map(lambda line: line.replace(b":", b":NaN,\"n\":", 1)),  # NaN: valid
    record_lines().map(lambda line: b"\xef\xbb\xbf" + line),  # a byte order mark
    record_lines().map(lambda line: line.replace(b"{", b'{"big":' + b"1" * 5000 + b",", 1)),
    st.sampled_from([b"\n", b"   \n", b"\t\r\n", b"null\n", b"[1, 2]\n", b'"x"\n',
                     b'{"a":1} trailing\n', b"\x0b{}\n", b"{}\x0c\n", b"{}\n"]),
    st.integers(490, 520).map(lambda n: b"[" * n + b"]" * n + b"\n"),
    st.integers(495, 505).map(lambda n: b'{"time":"2026-11-16T09:00:00Z","x":' + b"[" * n
                              + b"]" * n + b',"warnings":["JC104"]}\n'),
)
lines = st.one_of(record_lines(), record_lines(), record_lines(), broken)
