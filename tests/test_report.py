from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from jobsub_compat import codes, options, report
from jobsub_compat.report import export, reading

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def _record(time: str | None, user: str, command: str, script: str | None | bool,
            warnings: list[str], compact: bool = True, cmdline: str = "bash run.sh") -> str:
    """One log line; script False: no caller at all."""
    rec = {"time": time, "host": "gm2gpvm01.fnal.gov", "user": user, "command": command,
           "caller": None if script is False else {"cmdline": cmdline, "script": script},
           "cwd": f"/home/{user}", "argv": ["-G", "gm2", "-M", "file:///x.sh"],
           "backend_argv": ["jobsub_submit", "-G", "gm2", "--mail_always", "file:///x.sh"],
           "warnings": warnings, "backend": "/opt/jobsub_lite/bin/jobsub_submit",
           "backend_version": "1.12", "status": 0, "duration_ms": 1200}
    if time is None:
        del rec["time"]
    return json.dumps(rec, separators=(",", ":") if compact else None)


# Weeks: 2026-11-16 is the Monday of 2026-W47; W49 has no call (filled with zeros).
LINES = [
    _record("2026-11-16T09:00:00Z", "alice", "jobsub_submit", "/home/alice/submit.sh",
            ["JC104", "JC111"]),
    _record("2026-11-18T12:00:00Z", "alice", "jobsub_submit", "/home/alice/submit.sh",
            ["JC104"], compact=False),
    "",
    _record("2026-11-24T08:30:00Z", "bob", "jobsub_q", None, ["JC163"], cmdline="-bash"),
    _record("2026-11-25T08:30:00Z", "bob", "jobsub_q", "/home/bob/q.sh", []),
    _record("2026-11-25T09:30:00Z", "bob", "jobsub_q", "/home/bob/q.sh", [], compact=False),
    "not json",
    '{"time": "2026-11-26T10:00:00Z", "user": "bob", "warnings": ["JC1',  # torn write
    "[1, 2]",
    _record("2026-12-07T10:00:00Z", "carol", "jobsub_submit", False, ["JC201"]),
    _record("2026-12-08T10:00:00Z", "alice", "jobsub_rm", "/home/alice/submit.sh",
            ["JC161"]),
    _record("2026-12-09T23:59:59Z", "dave", "jobsub_submit", "/srv/x.sh",
            ["JC999", "JC104", "JC104"]),
    _record(None, "alice", "jobsub_submit", "/home/alice/submit.sh", ["JC104"]),
]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "migration.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def _row(command: str, code: str) -> options.Option:
    (row,) = [r for r in options.TABLES[command] if r.code == code]
    return row


def _fix(command: str, code: str) -> str:
    row = _row(command, code)
    return f"{row.legacy[0]}: {row.fix}"


def _expected(log: Path) -> dict[str, object]:
    jc104, jc111 = _fix("jobsub_submit", "JC104"), _fix("jobsub_submit", "JC111")
    jc161, jc163 = _fix("jobsub_rm", "JC161"), _fix("jobsub_q", "JC163")

    def code(code: str, calls: int, first: str, last: str, scripts: int, users: int,
             commands: list[str], replacement: str) -> dict[str, object]:
        return {"code": code, "calls": calls, "first_seen": first, "last_seen": last,
                "scripts": scripts, "users": users, "commands": commands,
                "replacement": replacement}

    def group(kind: str, name: str, calls: int, warnings: int, codes: list[str], other: str,
              first: str, last: str) -> dict[str, object]:
        return {kind: name, "calls": calls, "warnings": warnings, "codes": codes, other: 1,
                "first_seen": first, "last_seen": last}

    t1, t2, t3, t4, t5 = ("2026-11-16T09:00:00Z", "2026-11-24T08:30:00Z",
                          "2026-12-07T10:00:00Z", "2026-12-08T10:00:00Z",
                          "2026-12-09T23:59:59Z")
    return {
        "summary": {"logs": [str(log)], "files": 1, "unreadable_files": 0, "since": None,
                    "records": 9, "legacy_calls": 7,
                    "warnings": 9, "first_seen": t1, "last_seen": t5, "skipped_lines": 4,
                    "before_since": 0},
        "codes": [
            code("JC104", 4, t1, t5, 2, 2, ["jobsub_submit"], jc104),
            code("JC111", 1, t1, t1, 1, 1, ["jobsub_submit"], jc111),
            code("JC161", 1, t4, t4, 1, 1, ["jobsub_rm"], jc161),
            code("JC163", 1, t2, t2, 1, 1, ["jobsub_q"], jc163),
            code("JC201", 1, t3, t3, 1, 1, ["jobsub_submit"], codes.replacement("JC201")),
            code("JC999", 1, t5, t5, 1, 1, ["jobsub_submit"], ""),
        ],
        "scripts": [
            group("script", "/home/alice/submit.sh", 4, 5, ["JC104", "JC111", "JC161"],
                  "users", t1, t4),
            group("script", "(no script)", 1, 1, ["JC163"], "users", t2, t2),
            group("script", "(unknown caller)", 1, 1, ["JC201"], "users", t3, t3),
            group("script", "/srv/x.sh", 1, 2, ["JC104", "JC999"], "users", t5, t5),
        ],
        "users": [
            group("user", "alice", 4, 5, ["JC104", "JC111", "JC161"], "scripts", t1, t4),
            group("user", "bob", 1, 1, ["JC163"], "scripts", t2, t2),
            group("user", "carol", 1, 1, ["JC201"], "scripts", t3, t3),
            group("user", "dave", 1, 2, ["JC104", "JC999"], "scripts", t5, t5),
        ],
        "weeks": [
            {"week": "2026-W47", "start": "2026-11-16", "calls": 2, "legacy_calls": 2,
             "warnings": 3},
            {"week": "2026-W48", "start": "2026-11-23", "calls": 3, "legacy_calls": 1,
             "warnings": 1},
            {"week": "2026-W49", "start": "2026-11-30", "calls": 0, "legacy_calls": 0,
             "warnings": 0},
            {"week": "2026-W50", "start": "2026-12-07", "calls": 3, "legacy_calls": 3,
             "warnings": 4},
        ],
    }


# --- formats ---------------------------------------------------------------------------------

def test_json_exact(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(["--format", "json", str(log)]) == 0
    out, err = capsys.readouterr()
    assert out == json.dumps(_expected(log), indent=2) + "\n"
    assert err == (f"jobsub-compat report: warning: {log}: skipped 4 blank or malformed "
                   "lines\n")


def test_csv_exact(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(["--format=csv", str(log)]) == 0
    q = '"{}"'.format
    expected = textwrap.dedent(f"""\
        section,key,calls,warnings,first_seen,last_seen,scripts,users,codes,replacement
        code,JC104,4,4,2026-11-16T09:00:00Z,2026-12-09T23:59:59Z,2,2,,{_fix("jobsub_submit", "JC104")}
        code,JC111,1,1,2026-11-16T09:00:00Z,2026-11-16T09:00:00Z,1,1,,{q(_fix("jobsub_submit", "JC111"))}
        code,JC161,1,1,2026-12-08T10:00:00Z,2026-12-08T10:00:00Z,1,1,,{_fix("jobsub_rm", "JC161")}
        code,JC163,1,1,2026-11-24T08:30:00Z,2026-11-24T08:30:00Z,1,1,,{_fix("jobsub_q", "JC163")}
        code,JC201,1,1,2026-12-07T10:00:00Z,2026-12-07T10:00:00Z,1,1,,{codes.replacement("JC201")}
        code,JC999,1,1,2026-12-09T23:59:59Z,2026-12-09T23:59:59Z,1,1,,
        script,/home/alice/submit.sh,4,5,2026-11-16T09:00:00Z,2026-12-08T10:00:00Z,,1,JC104 JC111 JC161,
        script,(no script),1,1,2026-11-24T08:30:00Z,2026-11-24T08:30:00Z,,1,JC163,
        script,(unknown caller),1,1,2026-12-07T10:00:00Z,2026-12-07T10:00:00Z,,1,JC201,
        script,/srv/x.sh,1,2,2026-12-09T23:59:59Z,2026-12-09T23:59:59Z,,1,JC104 JC999,
        user,alice,4,5,2026-11-16T09:00:00Z,2026-12-08T10:00:00Z,1,,JC104 JC111 JC161,
        user,bob,1,1,2026-11-24T08:30:00Z,2026-11-24T08:30:00Z,1,,JC163,
        user,carol,1,1,2026-12-07T10:00:00Z,2026-12-07T10:00:00Z,1,,JC201,
        user,dave,1,2,2026-12-09T23:59:59Z,2026-12-09T23:59:59Z,1,,JC104 JC999,
        week,2026-W47,2,3,,,,,,
        week,2026-W48,3,1,,,,,,
        week,2026-W49,0,0,,,,,,
        week,2026-W50,3,4,,,,,,
        """)  # noqa: E501
    out = capsys.readouterr().out
    assert out == expected
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["section"] for r in rows} == {"code", "script", "user", "week"}
    assert rows[1]["replacement"] == _fix("jobsub_submit", "JC111")  # the comma is quoted


def test_table(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main([str(log)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("Migration report: 9 calls, 2026-11-16T09:00:00Z to "
                        "2026-12-09T23:59:59Z; 7 with legacy usage (9 warnings)")
    sections = ["By warning code", "By caller script", "By user",
                "Legacy usages per ISO week"]
    starts = [lines.index(s) for s in sections]
    assert starts == sorted(starts)
    codes = lines[starts[0] + 1:starts[1] - 1]
    assert codes[0].split() == ["CODE", "CALLS", "FIRST", "SEEN", "LAST", "SEEN", "SCRIPTS",
                                "USERS", "REPLACEMENT"]
    assert [c.split()[0] for c in codes[1:]] == ["JC104", "JC111", "JC161", "JC163", "JC201",
                                                 "JC999"]
    assert codes[1].endswith(_fix("jobsub_submit", "JC104"))
    assert codes[-1].endswith("(unknown code)")
    # aligned: every column starts where its header does; numbers are right-aligned
    at = codes[0].index("FIRST SEEN")
    assert all(row[at:at + 20].startswith("2026-") for row in codes[1:])
    end = codes[0].index("CALLS") + len("CALLS")
    assert [row[end - 1] for row in codes[1:]] == ["4", "1", "1", "1", "1", "1"]
    scripts = lines[starts[1] + 1:starts[2] - 1]
    assert scripts[1].split()[-1] == "/home/alice/submit.sh"
    assert scripts[1].split()[:2] == ["4", "5"]
    users = lines[starts[2] + 1:starts[3] - 1]
    assert [u.split()[5] for u in users[1:]] == ["alice", "bob", "carol", "dave"]
    weeks = lines[starts[3] + 1:]
    assert [w.split()[:3] for w in weeks[1:]] == [
        ["2026-W47", "2", "3"], ["2026-W48", "3", "1"], ["2026-W49", "0", "0"],
        ["2026-W50", "3", "4"]]
    assert weeks[4].endswith("#" * 40)  # the busiest week has the longest bar


class _Page(HTMLParser):
    """Tags, attributes and text of a page, and whether every tag closed."""

    VOID = {"meta", "br", "img", "link", "input", "hr", "col", "source", "line", "rect"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.path: list[tuple[str, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.open and self.open[-1] == tag, (tag, self.open)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())
            self.path.append(tuple(self.open))


def test_html(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(["--format", "html", str(log)]) == 0
    page_text = capsys.readouterr().out
    assert page_text.startswith("<!DOCTYPE html>")
    page = _Page()
    page.feed(page_text)
    page.close()
    assert page.open == []
    names = [t for t, _ in page.tags]
    # self-contained: inline style, no scripts, no external resources
    assert names.count("style") == 1 and "script" not in names and "link" not in names
    assert not any(k in a for _, a in page.tags for k in ("src", "href"))
    assert "url(" not in page_text and "@import" not in page_text
    # one chart: one bar per week, with the week labels
    assert names.count("svg") == 1
    bars = [a for t, a in page.tags if t == "rect" and a.get("class") == "bar"]
    assert len(bars) == 4
    heights = [float(a["height"] or 0) for a in bars]
    assert heights[3] > heights[0] > heights[1] > heights[2] == 0.0
    for week in ("2026-W47", "2026-W48", "2026-W49", "2026-W50"):
        assert week in page.text
    # the three tables under their headings, and the weekly numbers
    headings = [page.text[i] for i, p in enumerate(page.path) if p[-1:] == ("h2",)]
    assert headings == ["Legacy usages per ISO week", "By warning code", "By caller script",
                        "By user"]
    assert names.count("table") == 4
    assert "JC104" in page.text and "/home/alice/submit.sh" in page.text
    assert "dave" in page.text and "(unknown code)" in page.text
    assert _fix("jobsub_submit", "JC104") in page.text


def test_html_escapes_log_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "log"
    path.write_text(_record("2026-11-16T09:00:00Z", "<b>eve</b>", "jobsub_submit",
                            "/tmp/<script>alert(1)</script>.sh", ["JC104"]) + "\n")
    assert report.main(["--format", "html", str(path)]) == 0
    out = capsys.readouterr().out
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_empty_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    for fmt in report.FORMATS:
        assert report.main(["--format", fmt, str(path)]) == 0
    out, err = capsys.readouterr()
    assert "nothing left to migrate" in out and "No legacy usage logged" in out
    assert err == ""


# --- input -------------------------------------------------------------------------------------

def test_malformed_lines_and_odd_fields(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    odd = [
        '{"time": 5, "user": 7, "caller": "x", "command": ["a"], "warnings": ["JC104"]}',
        '{"time": "2026-11-16T09:00:00Z", "user": ["u"], "caller": {"script": ["s"]},'
        ' "warnings": ["JC104", 3, null, "", ["JC1"]]}',
        '{"time": "2026-13-45T09:00:00Z", "user": "u", "warnings": "JC104"}',
        '{"time": "garbage-and-more", "user": "u", "warnings": [{"a": 1}]}',
        '{"user": "u"}',
        '   {"time": "2026-11-17T09:00:00Z", "user": "u", "warnings": ["JC111"]}   ',
        '{"time": "2026-11-17T09:00:00Z", "warnings": []}{"time": "2026-11-17"}',
        '{"time": "2026-11-17T09:00:00Z", "warnings": ["JC111"]} trailing',
        "\t",
        "null",
        '"warnings": []',
    ]
    path = tmp_path / "odd.jsonl"
    path.write_bytes(("\n".join(odd) + "\n").encode() + b'{"user": "\xff"}\n')
    assert report.main(["--format", "json", str(path)]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["summary"]["skipped_lines"] == 6
    assert data["summary"]["records"] == 6
    assert err == f"jobsub-compat report: warning: {path}: skipped 6 blank or malformed lines\n"
    assert {c["code"]: c["calls"] for c in data["codes"]} == {"JC104": 2, "JC111": 1}
    assert {s["script"] for s in data["scripts"]} == {"(unknown caller)", "(no script)"}
    assert {u["user"] for u in data["users"]} == {"(unknown)", "u"}
    assert [w["week"] for w in data["weeks"]] == ["2026-W47"]
    # a time counts only when it starts with a real day: no "2026-13-45", no "garbage..."
    assert (data["summary"]["first_seen"], data["summary"]["last_seen"]) == (
        "2026-11-16T09:00:00Z", "2026-11-17T09:00:00Z")


def test_since(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(["--format", "json", "--since", "2026-12-01", str(log)]) == 0
    data = json.loads(capsys.readouterr().out)
    summary = data["summary"]
    assert summary["since"] == "2026-12-01"
    assert (summary["records"], summary["legacy_calls"], summary["before_since"]) == (3, 3, 6)
    assert [c["code"] for c in data["codes"]] == ["JC104", "JC161", "JC201", "JC999"]
    assert [w["week"] for w in data["weeks"]] == ["2026-W50"]
    # the day itself is included
    assert report.main(["--format", "json", "--since", "2026-12-09", str(log)]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["records"] == 1


@pytest.mark.parametrize("argv, message", [
    pytest.param(["--since", "2026-13-01"], "--since wants a day YYYY-MM-DD", id="bad-day"),
    pytest.param(["--since", "yesterday"], "--since wants a day YYYY-MM-DD", id="not-a-day"),
    pytest.param(["--format", "xml"], "argument --format: invalid choice", id="format"),
    pytest.param(["--frobnicate"], "unrecognized arguments: --frobnicate", id="option"),
    pytest.param(["--output"], "argument --output/-o: expected one argument", id="no-value"),
])
def test_usage_errors(argv: list[str], message: str, log: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main([str(log), *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"jobsub-compat report: error: {message}")
    assert err.count("\n") == 1


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--format {table,json,csv,html}" in out and "section" in out


def test_output_file(log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.json"
    assert report.main(["--format", "json", "--output", str(target), str(log)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text()) == _expected(log)


def test_output_unwritable(log: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing-dir" / "report.html"
    assert report.main(["--format", "html", "-o", str(target), str(log)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (f"jobsub-compat report: error: cannot write {target}: No such file "
                       "or directory")


def test_unreadable_logs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl"
    assert report.main([str(missing)]) == 1
    assert capsys.readouterr().err == (f"jobsub-compat report: error: log {missing}: "
                                       "No such file or directory\n")
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.jsonl"
        locked.write_text("{}\n")
        locked.chmod(0)
        assert report.main([str(locked)]) == 1
        assert "Permission denied" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["fifo", "device", "socket"])
def test_a_named_log_that_is_no_regular_file_is_one_line_and_never_read(
        kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`report /dev/zero` and `report FIFO` used to hang: now one line, status 1."""
    if kind == "fifo":
        path = tmp_path / "log.jsonl"
        os.mkfifo(path)  # no writer: an open() without O_NONBLOCK would wait for ever
        expected = "is a FIFO (named pipe)"
    elif kind == "device":
        path, expected = Path("/dev/zero"), "is a character device"
    else:
        import socket
        path = tmp_path / "s.jsonl"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        expected = "No such device or address"
    assert report.main(["--format", "json", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"jobsub-compat report: error: log {path}")
    assert expected in err and err.count("\n") == 1
    if kind == "socket":
        sock.close()


def test_several_logs_add_up(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(["--format", "json", str(log), str(log)]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert (summary["records"], summary["warnings"], summary["skipped_lines"]) == (18, 18, 8)


def test_stdin_in_process(log: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(log.read_bytes())))
    assert report.main(["--format", "json", "-"]) == 0
    out, err = capsys.readouterr()
    expected = _expected(log)
    expected["summary"]["logs"] = ["-"]  # type: ignore[index]
    assert json.loads(out) == expected
    assert err == ("jobsub-compat report: warning: standard input: skipped 4 blank or "
                   "malformed lines\n")


def _run(argv: list[str], input: str | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`jobsub-compat report ARGV` in a real process."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import sys; from jobsub_compat import report; "
         "sys.exit(report.main())", *argv], env=environ, input=input, capture_output=True,
        text=True, check=False)


def test_stdin_subprocess(log: Path) -> None:
    done = _run(["--format", "csv", "-"], input=log.read_text())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("section,key,")
    assert "code,JC104,4,4," in done.stdout


def test_default_log_is_the_per_user_file(log: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "jobsub_compat").mkdir(parents=True)
    default = state / "jobsub_compat" / "migration.jsonl"
    default.write_text(_record("2026-11-16T09:00:00Z", "alice", "jobsub_submit", "/a.sh",
                               ["JC104"]) + "\n")
    rotated = state / "jobsub_compat" / "migration.jsonl.1"  # not read unless named
    shutil.copy(log, rotated)
    env = {"XDG_STATE_HOME": str(state), "HOME": str(tmp_path / "home"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "JOBSUB_COMPAT_SITE_CONFIG": str(tmp_path / "site.conf"), "JOBSUB_COMPAT_LOG": ""}
    done = _run(["--format", "json"], env=env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)["summary"]
    assert (summary["logs"], summary["records"]) == ([str(default)], 1)
    done = _run(["--format", "json", str(rotated), str(default)], env=env)
    assert json.loads(done.stdout)["summary"]["records"] == 10

    # JOBSUB_COMPAT_LOG names the file the drop-ins write instead
    env["JOBSUB_COMPAT_LOG"] = str(log)
    done = _run(["--format", "json"], env=env)
    assert json.loads(done.stdout)["summary"]["records"] == 9

    # no XDG_STATE_HOME: ~/.local/state; nothing there yet is one line, exit 1
    env.update(XDG_STATE_HOME="", JOBSUB_COMPAT_LOG="")
    done = _run([], env=env)
    expected = tmp_path / "home" / ".local" / "state" / "jobsub_compat" / "migration.jsonl"
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (f"jobsub-compat report: error: no migration log at {expected} "
                           "(nothing logged yet?); name the log files to read\n")


def test_the_launcher_finds_msgspec_and_pyarrow(log: Path, tmp_path: Path) -> None:
    """bin/ runs `python3 -S` (no site-packages): report still takes the fast path."""
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable),
                                                  os.environ.get("PATH", "")])}
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); from jobsub_compat import "
             "logrecords; print(logrecords.msgspec is not None)")
    done = subprocess.run([sys.executable, "-S", "-c", probe, str(ROOT / "src")],  # noqa: S603
                          capture_output=True, text=True, check=False)
    assert done.stdout == "True\n", done.stderr
    target = tmp_path / "calls.parquet"
    done = subprocess.run([str(ROOT / "bin" / "jobsub-compat"), "report", "--export",  # noqa: S603
                           str(target), str(log)], env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert target.stat().st_size > 0


def test_usage_error_in_a_real_process_has_no_traceback(log: Path) -> None:
    done = _run(["--since", "2026-02-30", str(log)])
    assert done.returncode == 2
    assert done.stderr == ("jobsub-compat report: error: --since wants a day YYYY-MM-DD, "
                           "not '2026-02-30'\n")


# --- the page in a real browser ----------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason=f"{CHROMIUM} is not installed (Debian package chromium); the html "
                    "page is checked structurally by test_html")
def test_html_in_headless_chromium(log: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert report.main(["--format", "html", "--output", str(page), str(log)]) == 0
    profile = tmp_path / "profile"
    done = subprocess.run(  # noqa: S603
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<svg" in dom and 'class="bar"' in dom
    for text in ("2026-W47", "2026-W50", "By warning code", "By caller script", "By user",
                 "JC104", "/home/alice/submit.sh", "dave", "(unknown code)"):
        assert text in dom, text
    assert dom.count("<table") == 4


# --- a site's log_dir, processes, progress, export ---------------------------------------------

def _site(root: Path) -> Path:
    """A log_dir as log/writer.py and logrotate leave it, with LINES spread over its files."""
    import gzip

    site = root / "log_dir"
    site.mkdir()
    (site / "alice.jsonl").write_text("\n".join(LINES[:4]) + "\n")
    (site / "alice.jsonl.1").write_text("\n".join(LINES[4:7]) + "\n")
    (site / "bob.jsonl.2.gz").write_bytes(gzip.compress(("\n".join(LINES[7:10]) + "\n")
                                                        .encode()))
    (site / "carol.jsonl-20261201.gz").write_bytes(gzip.compress(
        ("\n".join(LINES[10:]) + "\n").encode()))
    (site / "README").write_text("not a log\n")
    (site / "alice.jsonl.lock").write_text("not a log either\n")
    return site


def test_a_log_dir_reads_as_its_lines_in_one_file(log: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path)
    assert report.main(["--format", "json", str(site)]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    expected = _expected(log)
    expected["summary"].update(logs=[str(site)], files=4)  # type: ignore[attr-defined]
    assert data == expected
    assert err.count("skipped") == 3  # per file: alice.jsonl.1, bob's and carol's


def test_a_directory_without_logs_says_so(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("{}\n")
    assert report.main(["--format", "json", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["summary"]["files"] == 0
    assert err == (f"jobsub-compat report: warning: {tmp_path} holds no migration log "
                   "(*.jsonl, *.jsonl.1, *.jsonl.2.gz, ...)\n")


def test_jobs_and_processes(log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(reading, "PARALLEL_MIN", 0)
    monkeypatch.setattr(reading, "CHUNK", 300)  # the one file in several ranges
    assert report.main(["--format", "json", "--jobs", "2", str(log)]) == 0
    assert json.loads(capsys.readouterr().out) == _expected(log)
    # standard input among the logs: read here, not in a reading process
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(log.read_bytes())))
    assert report.main(["--format", "json", "--jobs", "2", str(log), "-"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["records"] == 18
    assert report.main(["--jobs", "0", str(log)]) == 2
    assert capsys.readouterr().err == ("jobsub-compat report: error: --jobs wants a number of "
                                       "processes, 1 or more, not 0\n")


@pytest.mark.parametrize("how, message", [
    pytest.param("crash", "a reading process failed:\nTraceback", id="crash"),
    pytest.param("kill", "a reading process was killed (SIGKILL); out of memory? try --jobs 1",
                 id="killed"),
])
def test_a_reading_process_that_fails_is_one_error(
        how: str, message: str, log: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import signal

    parent = os.getpid()
    feed = report.Tally.feed

    def failing(self: report.Tally, *args: object) -> int:
        if os.getpid() != parent:  # in a forked reading process only
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError("a bug")
        return feed(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(report.Tally, "feed", failing)
    monkeypatch.setattr(reading, "PARALLEL_MIN", 0)
    monkeypatch.setattr(reading, "CHUNK", 300)
    assert report.main(["--format", "json", "--jobs", "2", str(log)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"jobsub-compat report: error: {message}")


def test_progress_on_a_terminal_only(log: Path) -> None:
    """The progress line goes to stderr when it is a terminal (and is cleared after)."""
    import pty

    code = ("import sys; from jobsub_compat import report; from jobsub_compat.report import "
            "reading; reading.PROGRESS_AFTER = 0; sys.exit(report.main())")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    argv = [sys.executable, "-c", code, "--format", "json", "-o", os.devnull, str(log)]
    main, child = pty.openpty()
    done = subprocess.run(argv, env=env, stderr=child, stdout=subprocess.DEVNULL,  # noqa: S603
                          check=False)
    os.close(child)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the terminal's other end is closed and drained
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert done.returncode == 0
    assert b"\rjobsub-compat report: read 0 of 0 MB (100%), 1 of 1 files\x1b[K" in shown
    assert b"files\x1b[K\r\x1b[Kjobsub-compat report: warning: " in shown  # cleared first
    plain = subprocess.run(argv, env=env, capture_output=True, check=False)  # noqa: S603
    assert b"read" not in plain.stderr


def test_export_parquet(log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow.parquet as pq

    target = tmp_path / "records.parquet"
    assert report.main(["--format", "json", "--since", "2026-11-20", "--export",
                        str(target), str(log)]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    table = pq.read_table(target)
    assert table.num_rows == summary["records"] == 6
    assert table.column_names == ["time", "week", "user", "command", "script", "codes"]
    rows = table.to_pylist()
    first = min(rows, key=lambda r: r["time"])
    assert first["time"].isoformat() == "2026-11-24T08:30:00+00:00"
    assert first["week"].isoformat() == "2026-11-23"
    assert (first["user"], first["script"], first["codes"]) == ("bob", "(no script)",
                                                                 ["JC163"])
    assert not list(tmp_path.glob(".records.parquet.*"))  # no part left behind
    # in two processes: the same rows
    monkeypatch.setattr(reading, "PARALLEL_MIN", 0)
    monkeypatch.setattr(reading, "CHUNK", 300)
    again = tmp_path / "again.parquet"
    assert report.main(["--since", "2026-11-20", "--jobs", "2", "--export", str(again),
                        str(log)]) == 0

    def key(row: dict[str, object]) -> str:
        return repr(sorted(row.items()))

    assert sorted(pq.read_table(again).to_pylist(), key=key) == sorted(rows, key=key)
    assert not list(tmp_path.glob(".again.parquet.*"))


def test_export_without_pyarrow_or_a_writable_place(log: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing" / "x.parquet"
    assert report.main(["--export", str(target), str(log)]) == 1
    assert capsys.readouterr().err == (f"jobsub-compat report: error: cannot write {target}: "
                                       "No such file or directory\n")
    monkeypatch.setattr(export, "available", lambda: False)
    assert report.main(["--export", str(tmp_path / "x.parquet"), str(log)]) == 1
    assert capsys.readouterr().err == ("jobsub-compat report: error: --export needs pyarrow: "
                                       "pip install 'jobsub-compat[parquet]' (or pyarrow)\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_in_process(log: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(reading, "PROGRESS_AFTER", 0)
    monkeypatch.setattr(reading, "CHUNK", 500)  # several parts: several updates
    other = log.with_name("other.jsonl")
    shutil.copy(log, other)
    assert report.main(["--format", "json", str(log), str(other)]) == 0
    shown = terminal.getvalue()
    assert shown.count("\rjobsub-compat report: read 0 of 0 MB") > 2
    assert ", 2 of 2 files\x1b[K\r\x1b[K" in shown  # the last update, then cleared
    monkeypatch.setattr(reading, "PROGRESS_AFTER", 3600)  # a short run shows nothing
    terminal.truncate(0)
    assert report.main(["--format", "json", str(log)]) == 0
    assert "read" not in terminal.getvalue()


def test_default_log_in_process(log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    (state / "jobsub_compat").mkdir(parents=True)
    shutil.copy(log, state / "jobsub_compat" / "migration.jsonl")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    assert report.main(["--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["records"] == 9
    monkeypatch.setenv("JOBSUB_COMPAT_LOG", str(tmp_path / "elsewhere.jsonl"))
    assert report.main([]) == 1
    assert "no migration log at" in capsys.readouterr().err


def test_a_closed_pipe_and_an_unwritable_export(log: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    def closed(text: str, output: str | None) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with monkeypatch.context() as patch:
        patch.setattr(report, "_write", closed)
        assert report.main([str(log)]) == 1
    assert "Traceback" not in capsys.readouterr().err

    def full(self: export.Export, used: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.Export, "finish", full)
    target = tmp_path / "x.parquet"
    assert report.main(["--export", str(target), str(log)]) == 1
    assert capsys.readouterr().err.endswith(
        f"jobsub-compat report: error: cannot write {target}: No space left on device\n")
    assert not target.exists() and not list(tmp_path.glob(".x.parquet.*"))


def test_default_log_is_the_site_log_dir_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """log_dir (--log-dir, $JOBSUB_COMPAT_LOG_DIR, a config file: ConfigArgParse's order) is
    what a coordinator reads; --log-dir '' reads the per-user log."""
    site_dir, other = tmp_path / "site", tmp_path / "other"
    for directory, users in ((site_dir, ["alice", "bob"]), (other, ["carol"])):
        directory.mkdir()
        for user in users:
            (directory / f"{user}.jsonl").write_text(_record(
                "2026-11-16T09:00:00Z", user, "jobsub_submit", "/a.sh", ["JC104"]) + "\n")
    own = tmp_path / "own.jsonl"
    own.write_text(_record("2026-11-16T09:00:00Z", "me", "jobsub_q", "/b.sh", []) + "\n")
    (tmp_path / "site.conf").write_text(f"log_dir = {site_dir}\n")
    monkeypatch.setenv("JOBSUB_COMPAT_SITE_CONFIG", str(tmp_path / "site.conf"))
    monkeypatch.setenv("JOBSUB_COMPAT_LOG", str(own))

    def logs(*argv: str) -> list[str]:
        assert report.main(["--format", "json", *argv]) == 0
        return json.loads(capsys.readouterr().out)["summary"]["logs"]  # type: ignore[no-any-return]

    assert logs() == [str(site_dir)]
    assert logs("--log-dir", str(other)) == [str(other)]
    assert logs("--log-dir=") == [str(own)]
    monkeypatch.setenv("JOBSUB_COMPAT_LOG_DIR", str(other))
    assert logs() == [str(other)]
    monkeypatch.setenv("JOBSUB_COMPAT_LOG_DIR", "")  # empty: unset
    assert logs() == [str(site_dir)]
    site_dir.chmod(0o300)  # a user who may not list the site's directory
    try:
        if os.access(site_dir, os.R_OK):
            return  # root reads it all the same
        assert report.main([]) == 1
        [line] = capsys.readouterr().err.splitlines()
        assert line.endswith("; name the logs to read, or --log-dir '' for your own log")
    finally:
        site_dir.chmod(0o755)
