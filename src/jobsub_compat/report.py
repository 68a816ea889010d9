"""`jobsub-compat report`: what remains to migrate, from the migration log.

The log is JSON Lines, one record per drop-in call (log.py writes it). The report reads
it in one pass and keeps aggregates only: counters, first/last seen, and sets of distinct
codes, scripts and users. Nothing per record is kept, so a log of millions of records
reports in seconds with memory bounded by the number of distinct values.

Times are compared as ISO 8601 strings (the log writes UTC, `2026-11-26T10:00:00Z`);
nothing parses a datetime per record. ISO weeks come from the date part through a small
cache (one entry per distinct day).
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import json.scanner
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import IO, Any

from . import config, options
from .usage import Parser as _Parser
from .usage import run
from .warnings import GENERAL_CODES

PROG = "jobsub-compat report"
FORMATS = ("table", "json", "csv", "html")
UNKNOWN_USER = "(unknown)"
NO_SCRIPT = "(no script)"  # the caller had no script path: an interactive shell, say
UNKNOWN_CALLER = "(unknown caller)"  # the record has no caller
CSV_COLUMNS = ("section", "key", "calls", "warnings", "first_seen", "last_seen", "scripts",
               "users", "codes", "replacement")
MAX_FILLED_WEEKS = 1040  # weeks between the first and last one are filled up to 20 years

DESCRIPTION = """\
Report what remains to migrate, from the migration log that the drop-ins write: by
warning code (calls, first and last seen, distinct scripts and users, and the
replacement to apply), by caller script and by user, and legacy usages per ISO week.
Only calls that logged a warning count as legacy usage. Blank and malformed lines are
skipped and counted on stderr.
"""

EPILOG = """\
LOG defaults to the per-user log: $JOBSUB_COMPAT_LOG or the `log` setting when it names
a file, else $XDG_STATE_HOME/jobsub_compat/migration.jsonl, else
~/.local/state/jobsub_compat/migration.jsonl. A rotated sibling (migration.jsonl.1) is
read only when named. `-` reads standard input.

Formats: table (aligned text, the default); json (one object: summary, codes, scripts,
users, weeks); csv (one long table with a `section` column, one of code, script, user,
week, and the columns section,key,calls,warnings,first_seen,last_seen,scripts,users,
codes,replacement; scripts and users are distinct counts, codes a space-separated list;
a week row's key is the ISO week, its calls all calls that week); html (one
self-contained page: a chart of legacy usages per ISO week and the three tables).
Exit status: 0, 1 when a log cannot be read or the output written, 2 for usage errors.
"""


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="output format (default: table)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--since", metavar="YYYY-MM-DD",
                        help="only records from this UTC day on")
    parser.add_argument("logs", nargs="*", metavar="LOG",
                        help="migration log files (JSON Lines); `-` is standard input")
    return parser


def default_log(environ: dict[str, str] | None = None) -> str:
    """The per-user migration log the drop-ins write by default."""
    env = dict(os.environ) if environ is None else environ
    configured = config.settings(env)["log"].value
    if configured and configured != "off":
        return os.path.expanduser(configured)
    state = env.get("XDG_STATE_HOME", "")
    if not os.path.isabs(state):  # the XDG spec: relative paths are ignored
        home = env.get("HOME") or os.path.expanduser("~")
        state = os.path.join(home, ".local", "state")
    return os.path.join(state, "jobsub_compat", "migration.jsonl")


# --- aggregation ---------------------------------------------------------------------------

class _Group:
    """Counters of one code, script or user."""

    __slots__ = ("calls", "warnings", "first", "last", "codes", "scripts", "users",
                 "commands")

    def __init__(self) -> None:
        self.calls = 0
        self.warnings = 0
        self.first: str | None = None
        self.last: str | None = None
        self.codes: set[str] = set()
        self.scripts: set[str] = set()
        self.users: set[str] = set()
        self.commands: set[str] = set()

    def add(self, calls: int, codes: tuple[str, ...], first: str | None,
            last: str | None) -> None:
        self.calls += calls
        self.warnings += calls * len(codes)
        if first is not None and (self.first is None or first < self.first):
            self.first = first
        if last is not None and (self.last is None or last > self.last):
            self.last = last


_NEVER = "\uffff"  # sorts after every time: "first seen" of a combination seen untimed only
# json.loads's own scanner, without its per-call wrappers (encoding detection, decode()).
_SCAN: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder())  # type: ignore[arg-type]  # typeshed types the argument wrongly


def _time_of(raw: bytes) -> str | None:
    """The "time" of a record line, found without parsing the line."""
    start = raw.find(b'"time":')
    if start < 0:
        return None
    start += 7
    while raw[start:start + 1] == b" ":
        start += 1
    if raw[start:start + 1] != b'"':
        return None
    end = raw.find(b'"', start + 1)
    if end < 0:
        return None
    when = raw[start + 1:end].decode("utf-8", "replace")
    return when if len(when) >= 10 else None


def _codes(found: list[Any]) -> tuple[str, ...]:
    """The warning codes of a record: strings, each once."""
    return tuple(dict.fromkeys(c for c in found if type(c) is str and c))


class Report:
    """Aggregates of migration records, fed one log at a time.

    The loop keeps one counter per distinct (script, user, command, codes) combination,
    which is all the tables need; they are folded into codes, scripts and users at the end.
    """

    def __init__(self, since: str | None = None) -> None:
        self.since = since
        self.logs: list[str] = []
        self.records = 0  # records considered (after --since)
        self.legacy_calls = 0  # records with at least one warning
        self.warnings = 0  # warning occurrences
        self.skipped = 0  # blank or malformed lines
        self.before_since = 0  # records before --since, or without a time under --since
        self.first: str | None = None
        self.last: str | None = None
        # (script, user, command, codes) -> [calls, first seen, last seen]
        self._combos: dict[tuple[Any, Any, Any, tuple[str, ...]], list[Any]] = {}
        # Monday's ordinal -> [calls, legacy calls, warnings]
        self.weeks: dict[int, list[int]] = {}
        self._days: dict[str, int | None] = {}  # date part -> Monday's ordinal
        self._cleaned: dict[tuple[Any, ...], tuple[str, ...]] = {}  # codes as logged -> used
        self._folded: tuple[dict[str, _Group], dict[str, _Group], dict[str, _Group]] | None
        self._folded = None

    def _week(self, day: str) -> int | None:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            monday = None
        else:
            monday = when.toordinal() - when.weekday()
        if len(self._days) < 100_000:  # a garbage log cannot grow the cache without end
            self._days[day] = monday
        return monday

    def feed(self, lines: Iterable[bytes]) -> int:
        """Aggregate one log's lines; return how many were skipped as blank or malformed."""
        self._folded = None
        loads, scan = json.loads, _SCAN
        since = self.since
        days, weeks, combos, cleaned = self._days, self.weeks, self._combos, self._cleaned
        skipped = records = legacy = occurrences = before = 0
        first, last = self.first, self.last
        for raw in lines:
            at = raw.find(b'"warnings":') + 11
            if ((raw[at:at + 3] == b" []" or raw[at:at + 2] == b"[]") and at > 10
                    and raw[:1] == b"{" and raw.rstrip()[-1:] == b"}" and b"}{" not in raw):
                # The pre-filter: a call without warnings only counts, at its time, and
                # needs no parsing. In a JSON line `"warnings": []` can only be a key and
                # its value (a quote inside a string is escaped), and a record has no
                # other object with that key. A line that is not one whole object (torn
                # or glued writes) does not look like one: it takes the slow way.
                found = None
                when = _time_of(raw)
            else:
                try:
                    text = raw.decode()  # UnicodeDecodeError is a ValueError
                    try:
                        rec, end = scan(text, 0)
                    except StopIteration:  # leading white space, or nothing: the slow way
                        rec = loads(text)
                    else:
                        if end != len(text) and not text[end:].isspace():
                            raise ValueError("extra data")
                except (ValueError, StopIteration):
                    skipped += 1
                    continue
                if type(rec) is not dict:
                    skipped += 1
                    continue
                found = rec.get("warnings")
                when = rec.get("time")
                if type(when) is not str or len(when) < 10:
                    when = None
            if since is not None and (when is None or when < since):
                before += 1
                continue
            records += 1
            counts: list[int] | None = None
            if when is not None:
                if first is None or when < first:
                    first = when
                if last is None or when > last:
                    last = when
                day = when[:10]
                week = days[day] if day in days else self._week(day)
                if week is not None:
                    counts = weeks.get(week)
                    if counts is None:
                        counts = weeks[week] = [0, 0, 0]
                    counts[0] += 1
            if not found or type(found) is not list:
                continue
            try:  # the codes as logged are almost always the cleaned ones: cache them
                codes = cleaned[tuple(found)]
            except KeyError:
                codes = _codes(found)
                if len(cleaned) < 100_000:
                    cleaned[tuple(found)] = codes
            except TypeError:  # an unhashable value among the codes
                codes = _codes(found)
            if not codes:
                continue
            legacy += 1
            occurrences += len(codes)
            if counts is not None:
                counts[1] += 1
                counts[2] += len(codes)
            # Raw values in the key; _fold() names the missing and odd ones.
            caller = rec.get("caller")
            key = (caller.get("script") if type(caller) is dict else UNKNOWN_CALLER,
                   rec.get("user"), rec.get("command"), codes)
            try:
                combo = combos.get(key)
            except TypeError:  # an unhashable value where a string belongs
                script, user, command = (v if type(v) is str else None for v in key[:3])
                key = (script, user, command, codes)
                combo = combos.get(key)
            if combo is None:
                combo = combos[key] = [0, _NEVER, ""]
            combo[0] += 1
            if when is not None:
                if when < combo[1]:
                    combo[1] = when
                if when > combo[2]:
                    combo[2] = when
        self.first, self.last = first, last
        self.records += records
        self.legacy_calls += legacy
        self.warnings += occurrences
        self.skipped += skipped
        self.before_since += before
        return skipped

    def _fold(self) -> tuple[dict[str, _Group], dict[str, _Group], dict[str, _Group]]:
        """Codes, scripts and users, from the combinations."""
        if self._folded is not None:
            return self._folded
        codes: dict[str, _Group] = {}
        scripts: dict[str, _Group] = {}
        users: dict[str, _Group] = {}
        for (script, user, command, found), (calls, first, last) in self._combos.items():
            if script is not UNKNOWN_CALLER and (type(script) is not str or not script):
                script = NO_SCRIPT
            if type(user) is not str or not user:
                user = UNKNOWN_USER
            if type(command) is not str or not command:
                command = None
            span = (None if first == _NEVER else first, last or None)
            for code in found:
                group = codes.setdefault(code, _Group())
                group.add(calls, (code,), *span)
                group.scripts.add(script)
                group.users.add(user)
                if command is not None:
                    group.commands.add(command)
            group = scripts.setdefault(script, _Group())
            group.add(calls, found, *span)
            group.codes.update(found)
            group.users.add(user)
            group = users.setdefault(user, _Group())
            group.add(calls, found, *span)
            group.codes.update(found)
            group.scripts.add(script)
        self._folded = codes, scripts, users
        return self._folded

    # --- results ---------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        return {"logs": list(self.logs), "since": self.since, "records": self.records,
                "legacy_calls": self.legacy_calls, "warnings": self.warnings,
                "first_seen": self.first, "last_seen": self.last,
                "skipped_lines": self.skipped, "before_since": self.before_since}

    def code_rows(self) -> list[dict[str, Any]]:
        rows = sorted(self._fold()[0].items(), key=lambda kv: (-kv[1].calls, kv[0]))
        return [{"code": code, "calls": g.calls, "first_seen": g.first, "last_seen": g.last,
                 "scripts": len(g.scripts), "users": len(g.users),
                 "commands": sorted(g.commands), "replacement": replacement(code, g.commands)}
                for code, g in rows]

    def script_rows(self) -> list[dict[str, Any]]:
        rows = sorted(self._fold()[1].items(), key=lambda kv: (-kv[1].calls, kv[0]))
        return [{"script": key, "calls": g.calls, "warnings": g.warnings,
                 "codes": sorted(g.codes), "users": len(g.users), "first_seen": g.first,
                 "last_seen": g.last} for key, g in rows]

    def user_rows(self) -> list[dict[str, Any]]:
        rows = sorted(self._fold()[2].items(), key=lambda kv: (-kv[1].calls, kv[0]))
        return [{"user": key, "calls": g.calls, "warnings": g.warnings,
                 "codes": sorted(g.codes), "scripts": len(g.scripts), "first_seen": g.first,
                 "last_seen": g.last} for key, g in rows]

    def week_rows(self) -> list[dict[str, Any]]:
        """Every ISO week from the first call to the last one, empty weeks included."""
        if not self.weeks:
            return []
        mondays = sorted(self.weeks)
        if (mondays[-1] - mondays[0]) // 7 < MAX_FILLED_WEEKS:
            mondays = list(range(mondays[0], mondays[-1] + 1, 7))
        rows = []
        for monday in mondays:
            calls, legacy, warnings = self.weeks.get(monday, (0, 0, 0))
            start = date.fromordinal(monday)
            year, week, _ = start.isocalendar()
            rows.append({"week": f"{year}-W{week:02d}", "start": start.isoformat(),
                         "calls": calls, "legacy_calls": legacy, "warnings": warnings})
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "codes": self.code_rows(),
                "scripts": self.script_rows(), "users": self.user_rows(),
                "weeks": self.week_rows()}


# --- the replacement to apply --------------------------------------------------------------

def _spelling(row: options.Option) -> str:
    """The option a row's code is about: its first legacy spelling (and group)."""
    name = (row.legacy or row.lite or (row.key,))[0]
    return f"{name} ({', '.join(row.groups)})" if row.groups else name


def _rows_with(code: str, commands: Iterable[str]) -> list[options.Option]:
    tables = [options.TABLES[c] for c in sorted(commands) if c in options.TABLES]
    rows: list[options.Option] = []
    for table in tables or list(options.TABLES.values()):
        rows.extend(r for r in table if r.code == code and r not in rows)
    return rows


def _by_text(rows: list[options.Option], text: str) -> str:
    """`OPTION: text` for each distinct `text` of `rows`, joined with semicolons."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        value = getattr(row, text)
        if value:
            names = groups.setdefault(value, [])
            if _spelling(row) not in names:
                names.append(_spelling(row))
    parts = [f"{', '.join(names)}: {value}" for value, names in groups.items()]
    return "; ".join([part.rstrip(".") for part in parts[:-1]] + parts[-1:])


def replacement(code: str, commands: Iterable[str] = ()) -> str:
    """The replacement to apply for `code`: the fix of the option rows with that code (of
    the commands it was seen with), else the code's GENERAL_CODES text, else the rows'
    reason; "" for a code this version does not know."""
    rows = _rows_with(code, commands)
    if not rows:
        rows = _rows_with(code, ())
    return (_by_text(rows, "fix") or GENERAL_CODES.get(code, "")
            or _by_text(rows, "reason"))


# --- formats ---------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _align(header: tuple[str, ...], rows: list[tuple[Any, ...]], right: set[int]) -> list[str]:
    cells = [header] + [tuple(_text(v) for v in row) for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    out = []
    for row in cells:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        parts[-1] = row[-1]  # the last column is free text: no padding
        out.append("  ".join(parts).rstrip())
    return out


def _headline(s: dict[str, Any]) -> str:
    span = (f", {s['first_seen']} to {s['last_seen']}" if s["first_seen"] else "")
    since = f" since {s['since']}" if s["since"] else ""
    return (f"{s['records']:,} calls{since}{span}; {s['legacy_calls']:,} with legacy usage "
            f"({s['warnings']:,} warnings)")


def render_table(data: dict[str, Any]) -> str:
    out = ["Migration report: " + _headline(data["summary"]), ""]
    out.append("By warning code")
    if data["codes"]:
        out += _align(("CODE", "CALLS", "FIRST SEEN", "LAST SEEN", "SCRIPTS", "USERS",
                       "REPLACEMENT"),
                      [(r["code"], r["calls"], r["first_seen"], r["last_seen"], r["scripts"],
                        r["users"], r["replacement"] or "(unknown code)")
                       for r in data["codes"]], {1, 4, 5})
    else:
        out.append("  nothing left to migrate")
    out += ["", "By caller script"]
    if data["scripts"]:
        out += _align(("CALLS", "WARNINGS", "FIRST SEEN", "LAST SEEN", "USERS", "CODES",
                       "SCRIPT"),
                      [(r["calls"], r["warnings"], r["first_seen"], r["last_seen"], r["users"],
                        ",".join(r["codes"]), r["script"]) for r in data["scripts"]],
                      {0, 1, 4})
    else:
        out.append("  none")
    out += ["", "By user"]
    if data["users"]:
        out += _align(("CALLS", "WARNINGS", "FIRST SEEN", "LAST SEEN", "SCRIPTS", "USER",
                       "CODES"),
                      [(r["calls"], r["warnings"], r["first_seen"], r["last_seen"],
                        r["scripts"], r["user"], ",".join(r["codes"]))
                       for r in data["users"]], {0, 1, 4})
    else:
        out.append("  none")
    weeks = data["weeks"]
    if weeks:
        out += ["", "Legacy usages per ISO week"]
        top = max(w["warnings"] for w in weeks) or 1
        out += _align(("WEEK", "CALLS", "WARNINGS", ""),
                      [(w["week"], w["calls"], w["warnings"],
                        "#" * math.ceil(40 * w["warnings"] / top)) for w in weeks], {1, 2})
    return "\n".join(out) + "\n"


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def render_csv(data: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def cell(value: Any) -> Any:
        return "" if value is None else " ".join(value) if isinstance(value, list) else value

    for r in data["codes"]:
        writer.writerow(["code", r["code"], r["calls"], r["calls"], cell(r["first_seen"]),
                         cell(r["last_seen"]), r["scripts"], r["users"], "",
                         r["replacement"]])
    for r in data["scripts"]:
        writer.writerow(["script", r["script"], r["calls"], r["warnings"],
                         cell(r["first_seen"]), cell(r["last_seen"]), "", r["users"],
                         cell(r["codes"]), ""])
    for r in data["users"]:
        writer.writerow(["user", r["user"], r["calls"], r["warnings"], cell(r["first_seen"]),
                         cell(r["last_seen"]), r["scripts"], "", cell(r["codes"]), ""])
    for w in data["weeks"]:
        writer.writerow(["week", w["week"], w["calls"], w["warnings"], "", "", "", "", "",
                         ""])
    return buffer.getvalue()


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:1200px;padding:0 1em;color:#1d2327;background:#fff}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.8em}
p.summary{color:#444}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid #ddd;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f3f5f7}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.t{white-space:nowrap}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95em}
.chart{border:1px solid #ddd;border-radius:4px;padding:.5em;background:#fbfcfd}
.chart svg{width:100%;height:auto;display:block}
.bar{fill:#c0392b}.grid{stroke:#e3e3e3;stroke-width:1}.axis{stroke:#888;stroke-width:1}
.label{font-size:11px;fill:#555}.value{font-size:11px;fill:#333}
.empty{font-size:14px;fill:#777}p.note{font-size:.85em;color:#666;margin:.3em 0}
details{margin-top:.5em}
"""


def _nice_step(top: int) -> int:
    """A 1-2-5 step giving at most 5 gridlines up to `top`."""
    raw = max(top / 5, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def render_svg(weeks: list[dict[str, Any]]) -> str:
    width, height, left, right, top, bottom = 960, 300, 56, 16, 16, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    esc = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="chart-title">',
             '<title id="chart-title">Legacy usages (warnings logged) per ISO week</title>']
    if not any(w["warnings"] for w in weeks):
        parts.append(f'<text class="empty" x="{width / 2:.0f}" y="{height / 2:.0f}" '
                     'text-anchor="middle">No legacy usage logged</text>')
    if weeks:
        peak = max(w["warnings"] for w in weeks)
        step = _nice_step(peak)
        ceiling = max(step * math.ceil(peak / step), step)
        for tick in range(0, ceiling + 1, step):
            y = top + plot_h - plot_h * tick / ceiling
            parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" '
                         f'y1="{y:.1f}" y2="{y:.1f}"/>')
            parts.append(f'<text class="label" x="{left - 6}" y="{y + 4:.1f}" '
                         f'text-anchor="end">{tick}</text>')
        slot = plot_w / len(weeks)
        bar = max(slot * 0.8, 1.0)
        every = max(1, math.ceil(len(weeks) / 16))
        for i, w in enumerate(weeks):
            x = left + i * slot + (slot - bar) / 2
            h = plot_h * w["warnings"] / ceiling
            tip = (f'{w["week"]} (from {w["start"]}): {w["warnings"]} legacy usages in '
                   f'{w["legacy_calls"]} of {w["calls"]} calls')
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
                         f'width="{bar:.1f}" height="{h:.1f}"><title>{esc(tip)}</title></rect>')
            if w["warnings"] and len(weeks) <= 26:
                parts.append(f'<text class="value" x="{x + bar / 2:.1f}" '
                             f'y="{top + plot_h - h - 4:.1f}" text-anchor="middle">'
                             f'{w["warnings"]}</text>')
            if i % every == 0:
                cx, cy = left + (i + 0.5) * slot, top + plot_h + 12
                parts.append(f'<text class="label" x="{cx:.1f}" y="{cy:.1f}" '
                             f'text-anchor="end" transform="rotate(-40 {cx:.1f} {cy:.1f})">'
                             f'{esc(w["week"])}</text>')
        parts.append(f'<line class="axis" x1="{left}" x2="{width - right}" '
                     f'y1="{top + plot_h}" y2="{top + plot_h}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _html_table(caption: str, header: tuple[str, ...], rows: list[tuple[Any, ...]],
                numeric: set[int], code_cols: set[int]) -> str:
    esc = html.escape
    out = [f"<h2>{esc(caption)}</h2>"] if caption else []
    times = {i for i, name in enumerate(header) if name.endswith(" seen")}
    if not rows:
        out.append("<p>None.</p>")
        return "\n".join(out)
    out.append("<table>")
    out.append("<thead><tr>" + "".join(
        f'<th{" class=n" if i in numeric else ""}>{esc(h)}</th>'
        for i, h in enumerate(header)) + "</tr></thead><tbody>")
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            text = esc(_text(value))
            if i in code_cols:
                text = f"<code>{text}</code>"
            kind = " class=n" if i in numeric else " class=t" if i in times else ""
            cells.append(f"<td{kind}>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _week_details(weeks: list[dict[str, Any]]) -> str:
    if not weeks:
        return ""
    table = _html_table("", ("Week", "From", "Calls", "Legacy calls", "Warnings"),
                        [(w["week"], w["start"], w["calls"], w["legacy_calls"], w["warnings"])
                         for w in weeks], {2, 3, 4}, set())
    return f"<details><summary>Numbers per week</summary>{table}</details>"


def render_html(data: dict[str, Any]) -> str:
    esc = html.escape
    s = data["summary"]
    logs = ", ".join(s["logs"])
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>jobsub-compat migration report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>jobsub-compat migration report</h1>",
        f'<p class="summary">{esc(_headline(s))}. Log: {esc(logs)}.</p>',
        "<h2>Legacy usages per ISO week</h2>",
        f'<div class="chart">{render_svg(data["weeks"])}</div>',
        '<p class="note">Each bar counts the warnings logged in one ISO week (Monday to '
        'Sunday, UTC). A falling chart is the migration making progress.</p>',
        _week_details(data["weeks"]),
        _html_table("By warning code", ("Code", "Calls", "First seen", "Last seen", "Scripts",
                                        "Users", "Replacement to apply"),
                    [(r["code"], r["calls"], r["first_seen"], r["last_seen"], r["scripts"],
                      r["users"], r["replacement"] or "(unknown code)")
                     for r in data["codes"]], {1, 4, 5}, {0}),
        _html_table("By caller script", ("Script", "Calls", "Warnings", "Codes", "Users",
                                         "First seen", "Last seen"),
                    [(r["script"], r["calls"], r["warnings"], r["codes"], r["users"],
                      r["first_seen"], r["last_seen"]) for r in data["scripts"]],
                    {1, 2, 4}, {0, 3}),
        _html_table("By user", ("User", "Calls", "Warnings", "Codes", "Scripts",
                                "First seen", "Last seen"),
                    [(r["user"], r["calls"], r["warnings"], r["codes"], r["scripts"],
                      r["first_seen"], r["last_seen"]) for r in data["users"]],
                    {1, 2, 4}, {3}),
        "</body></html>",
    ]
    return "\n".join(body) + "\n"


RENDER = {"table": render_table, "json": render_json, "csv": render_csv, "html": render_html}


# --- the command -----------------------------------------------------------------------------

def _lines(name: str) -> Iterator[bytes]:
    if name == "-":
        stream: IO[bytes] | None = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream put in place of stdin (tests)
            for text in sys.stdin:
                yield text.encode("utf-8", "surrogatepass")
            return
        yield from stream
        return
    with open(name, "rb") as handle:
        yield from handle


def _valid_day(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _write(text: str, output: str | None) -> None:
    data = text.encode("utf-8", "backslashreplace")
    if output is not None:
        with open(output, "wb") as handle:
            handle.write(data)
        return
    sys.stdout.flush()
    buffer: IO[bytes] | None = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        buffer.write(data)
        buffer.flush()


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def main(argv: list[str] | None = None) -> int:
    return run(PROG, _main, argv)


def _main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.since is not None and not _valid_day(args.since):
        parser.error(f"--since wants a day YYYY-MM-DD, not {args.since!r}")
    logs: list[str] = args.logs or [default_log()]
    report = Report(args.since)
    for name in logs:
        label = "standard input" if name == "-" else name
        if name != "-" and not args.logs and not os.path.exists(name):
            sys.stderr.write(f"{PROG}: error: no migration log at {name} (nothing logged "
                             "yet?); name the log files to read\n")
            return 1
        if name != "-" and os.path.isdir(name):
            sys.stderr.write(f"{PROG}: error: cannot read {name}: Is a directory\n")
            return 1
        try:
            skipped = report.feed(_lines(name))
        except OSError as exc:
            sys.stderr.write(f"{PROG}: error: cannot read {label}: {_reason(exc)}\n")
            return 1
        report.logs.append(name)
        if skipped:
            sys.stderr.write(f"{PROG}: warning: {label}: skipped {skipped} blank or "
                             f"malformed line{'s' if skipped != 1 else ''}\n")
    text = RENDER[args.format](report.as_dict())
    try:
        _write(text, args.output)
    except BrokenPipeError:
        try:  # the reader went away (`| head`): no traceback at exit either
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        return 1
    except OSError as exc:
        where = args.output if args.output is not None else "standard output"
        sys.stderr.write(f"{PROG}: error: cannot write {where}: {_reason(exc)}\n")
        return 1
    return 0
