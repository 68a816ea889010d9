"""Hostile log records through `jobsub-compat report` (issue 12's items 4 and 5): any user
who can write into a shared log_dir can write anything there; one bad line, or one odd
file, must not end the site's report, and nothing from a record may drive the
coordinator's terminal."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import sys
import tempfile
import tracemalloc
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsub_compat import logrecords, report
from jobsub_compat.report import reading

from .report_model import lines

GOOD = (b'{"time":"2026-11-16T09:00:00Z","host":"h","user":"alice","command":"jobsub_submit",'
        b'"caller":{"cmdline":["bash","/a.sh"],"script":"/a.sh"},"warnings":["JC104"]}\n')
PWNED = b'"\\u001b]0;pwned\\u0007"'
WHAT_A_TERMINAL_OBEYS = {chr(c) for c in range(0x20) if c != 0x0A} | {
    chr(c) for c in range(0x7F, 0xA0)}


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(sys, "stdout", out), mock.patch.object(sys, "stderr", err):
        status = report.main(argv)
    return status, out.getvalue(), err.getvalue()


def _terminal_safe(text: str) -> bool:
    """Only printable characters and line ends (what userfiles.printable leaves)."""
    return all(ch.isprintable() or ch == "\n" for ch in text)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, min_size=1, max_size=25), st.sampled_from(report.FORMATS))
def test_hostile_lines_in_one_users_file_never_stop_the_sites_report(
        hostile: list[bytes], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "alice.jsonl").write_bytes(GOOD * 3)
        (site / "mallory.jsonl").write_bytes(b"".join(hostile))
        status, out, err = _main(["--format", fmt, str(site)])
    assert status == 0, err
    assert "Traceback" not in err
    assert _terminal_safe(out) and _terminal_safe(err)
    if fmt == "json":
        data = json.loads(out)
        alice = [u for u in data["users"] if u["user"] == "alice"]
        assert alice and alice[0]["calls"] >= 3  # the good user's records are all there


@pytest.mark.parametrize("line", [
    pytest.param(b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", id="deep"),
    pytest.param(b'{"a":' + b"[" * 100_000 + b"\n", id="deep-and-torn"),
    pytest.param(b"{" * 1_000_000 + b"\n", id="a-million-braces"),
    pytest.param(b'{"warnings": ["JC104"], "user": {"x": ' * 5000 + b"\n", id="deep-fields"),
    pytest.param(b'{"time": "2026-11-16T09:00:00Z", "x": "\xff\xfe", "warnings": []}\n',
                 id="invalid-utf8"),
    pytest.param(b'{"time": "2026-11-16T09:00:00Z", "x": 1' + b"0" * 5000 + b"}\n",
                 id="huge-integer-is-a-record"),
])
def test_one_hostile_line_is_skipped_and_counted(line: bytes, tmp_path: Path) -> None:
    """A RecursionError traceback, once: now a skipped line (or, for valid JSON, a call)."""
    log = tmp_path / "mallory.jsonl"
    log.write_bytes(GOOD + line + GOOD)
    status, out, err = _main(["--format", "json", str(log)])
    assert status == 0 and "Traceback" not in err
    summary = json.loads(out)["summary"]
    counted = line.startswith(b'{"time": "2026-11-16T09:00:00Z", "x": 1')
    assert (summary["records"], summary["skipped_lines"]) == ((3, 0) if counted else (2, 1))
    if not counted:
        assert err == (f"jobsub-compat report: warning: {log}: skipped 1 blank or malformed "
                       "line\n")


def test_a_line_over_the_limit_is_skipped_without_being_held(tmp_path: Path) -> None:
    head = b'{"time":"2026-11-16T09:00:00Z","warnings":["JC104"],"x":"'
    fits = head + b"y" * (logrecords.LINE_LIMIT - len(head) - 2) + b'"}'
    assert len(fits) == logrecords.LINE_LIMIT
    over = head + b"y" * (logrecords.LINE_LIMIT - len(head) - 1) + b'"}'
    log = tmp_path / "big.jsonl"
    log.write_bytes(fits + b"\n" + over + b"\n" + over)  # the last one with no line end
    status, out, _ = _main(["--format", "json", str(log)])
    assert status == 0
    summary = json.loads(out)["summary"]
    assert (summary["records"], summary["skipped_lines"]) == (1, 2)


@pytest.mark.parametrize("fmt", ["table", "csv", "html"])
def test_terminal_escapes_from_records_are_shown_not_obeyed(fmt: str, tmp_path: Path) -> None:
    """`"script": "\\u001b]0;pwned\\u0007"` retitled the coordinator's terminal."""
    line = (b'{"time":"2026-11-16T09:00:00' + b'Z\\u001b[2J","user":' + PWNED
            + b',"command":' + PWNED + b',"caller":{"script":' + PWNED + b'},"warnings":['
            + PWNED + b',"JC104"]}\n')
    log = tmp_path / "log.jsonl"
    log.write_bytes(line)
    target = tmp_path / f"report.{fmt}"
    for argv in (["--format", fmt, str(log)], ["--format", fmt, "-o", str(target), str(log)]):
        status, out, err = _main(argv)
        assert status == 0, err
        text = out or target.read_text()
        assert not WHAT_A_TERMINAL_OBEYS & set(text), fmt
        assert "\\e]0;pwned\\x07" in text
    assert "\\e[2J" in text  # the time's tail too


def test_odd_files_in_a_log_dir_are_skipped_with_a_warning(tmp_path: Path) -> None:
    site = tmp_path / "log_dir"
    site.mkdir()
    (site / "alice.jsonl").write_bytes(GOOD)
    os.mkfifo(site / "fifo.jsonl")  # would block a plain open() for ever
    (site / "zero.jsonl").symlink_to("/dev/zero")  # would never end
    (site / "gone.jsonl").symlink_to(site / "nowhere")
    (site / "sub.jsonl").mkdir()
    name = "\x1b]0;pwned\x07.jsonl"
    (site / name).write_bytes(b"not json\n" + GOOD)
    torn = gzip.compress(GOOD * 100)
    (site / "bob.jsonl.2.gz").write_bytes(torn[:len(torn) // 2])  # logrotate interrupted
    (site / "carol.jsonl.1.gz").write_bytes(b"\x1f\x8bnot gzip at all")
    status, out, err = _main(["--format", "json", str(site)])
    assert status == 0, err
    summary = json.loads(out)["summary"]
    assert summary["records"] >= 2  # alice's, the escaped name's, and what bob's had
    assert summary["files"] == 4 and summary["unreadable_files"] == 6
    warnings = err.splitlines()
    assert len(warnings) == 7 and all(w.startswith("jobsub-compat report: warning: ")
                                      for w in warnings)
    assert _terminal_safe(err) and "\\e]0;pwned\\x07.jsonl: skipped 1 blank" in err
    for fragment in ("fifo.jsonl is a FIFO", "zero.jsonl is a character device",
                     "gone.jsonl: No such file", "sub.jsonl is a directory",
                     "bob.jsonl.2.gz: Compressed file ended", "carol.jsonl.1.gz: "):
        assert fragment in err, fragment


def _site_lines(count: int) -> bytes:
    """`count` records over a year: few distinct values, many records."""
    out = []
    for i in range(count):
        out.append(GOOD.replace(b"2026-11-16", f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
                                .encode()).replace(b"alice", f"user{i % 20}".encode()))
    return b"".join(out)


def test_memory_is_bounded_by_distinct_values_not_by_records(tmp_path: Path) -> None:
    """Streaming, checked without a clock: the memory Python allocates while reading 6x
    more records of the same distinct values does not grow (tracemalloc counts bytes, so
    a loaded machine cannot change the result). The 200 MB bound at site scale is
    measured in benchmarks/report_scale.py."""
    peaks = []
    for count in (5_000, 30_000):
        log = tmp_path / f"{count}.jsonl"
        log.write_bytes(_site_lines(count))
        parts = logrecords.sources(str(log), "log", reading.CHUNK)
        list(logrecords.records([GOOD]))  # the decoder's own first-use allocations
        tracemalloc.start()
        try:
            outcome = reading.read(parts, None)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert outcome.tally.records == count
    assert peaks[1] - peaks[0] < 256 * 1024, peaks
    assert peaks[1] < 8 * 1024 * 1024, peaks  # the 1 MiB read buffer, caches, one line


def test_stdin_is_bounded_too(capsys: pytest.CaptureFixture[str]) -> None:
    data = b"x" * (logrecords.LINE_LIMIT + 10) + b"\n" + GOOD
    stdin = io.TextIOWrapper(io.BytesIO(data))
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(sys, "stdin", stdin))
        assert report.main(["--format", "json", "-"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["summary"]["records"] == 1
    assert "standard input: skipped 1 blank or malformed line" in err
