"""The report's formats: table, json, csv and html, from Tally's summary and tables.

Every word in the tables came from a log line that any user of a shared log_dir could
have written, so none reaches the reader as it was: table and csv write control
characters as visible escapes (userfiles.printable), html escapes markup too, json
escapes both by its own rules.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from typing import Any

from ..userfiles import printable

CSV_COLUMNS = ("section", "key", "calls", "warnings", "first_seen", "last_seen", "scripts",
               "users", "codes", "replacement")


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return printable(" ".join(str(v) for v in value))
    return printable(str(value))


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
    return printable(f"{s['records']:,} calls{since}{span}; {s['legacy_calls']:,} with "
                     f"legacy usage ({s['warnings']:,} warnings)")


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

    def write(row: list[Any]) -> None:  # every text cell as printable text
        writer.writerow([printable(v) if isinstance(v, str) else v for v in row])

    def cell(value: Any) -> Any:
        return "" if value is None else " ".join(value) if isinstance(value, list) else value

    for r in data["codes"]:
        write(["code", r["code"], r["calls"], r["calls"], cell(r["first_seen"]),
               cell(r["last_seen"]), r["scripts"], r["users"], "", r["replacement"]])
    for r in data["scripts"]:
        write(["script", r["script"], r["calls"], r["warnings"], cell(r["first_seen"]),
               cell(r["last_seen"]), "", r["users"], cell(r["codes"]), ""])
    for r in data["users"]:
        write(["user", r["user"], r["calls"], r["warnings"], cell(r["first_seen"]),
               cell(r["last_seen"]), r["scripts"], "", cell(r["codes"]), ""])
    for w in data["weeks"]:
        write(["week", w["week"], w["calls"], w["warnings"], "", "", "", "", "", ""])
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
    logs = printable(", ".join(s["logs"]))
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

