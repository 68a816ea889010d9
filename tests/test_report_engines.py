"""The report's tables are the same whatever reads the log: msgspec or the standard
library's json, one file or a log_dir of many, rotated and gzip-compressed files, byte
ranges of one file, one process or several, standard input; and they are what an
independent model of the rules (tests/report_model.py) says."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import msgspec  # the test extra installs it: the fast path is tested, never skipped
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsub_compat import logrecords, report
from jobsub_compat.report import reading

from .report_model import (
    broken,
    lines,
    model_record,
    model_tables,
    record_lines,
    without_replacements,
)

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _json(argv: list[str], stdin: bytes | None = None) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    patches = [mock.patch.object(sys, "stdout", out), mock.patch.object(sys, "stderr", err)]
    if stdin is not None:
        patches.append(mock.patch.object(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin))))
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        status = report.main(["--format", "json", *argv])
    assert status == 0, err.getvalue()
    assert "Traceback" not in err.getvalue()
    data: dict[str, Any] = json.loads(out.getvalue())
    for name in ("logs", "files"):
        del data["summary"][name]
    return data


def test_msgspec_is_the_fast_path() -> None:
    assert logrecords.msgspec is msgspec
    line = (b'{"time":"2026-11-16T09:00:00Z","host":"h","user":"alice","command":'
            b'"jobsub_submit","caller":{"cmdline":["bash","/a.sh"],"script":"/a.sh"},'
            b'"argv":["-G","gm2","-M"],"warnings":["JC104","JC104"],"status":0}\n')
    with mock.patch.object(logrecords, "reference", wraps=logrecords.reference) as ref:
        got = list(logrecords.records([line] * 3))
    assert ref.call_count == 0  # msgspec read them all
    monday = 739936  # 2026-11-16 is a Monday
    assert got == [("2026-11-16T09:00:00Z", monday, "alice", "jobsub_submit", "/a.sh",
                    ("JC104",))] * 3


@SETTINGS
@given(st.lists(lines, max_size=30))
def test_both_decoders_give_the_records_of_the_rules(batch: list[bytes]) -> None:
    fast = list(logrecords.records(batch, fast=True))
    plain = list(logrecords.records(batch, fast=False))
    assert fast == plain == [model_record(line) for line in batch]


@pytest.mark.parametrize("line, why", [
    pytest.param(b'{"a":' + b"[" * 499 + b"]" * 499 + b"}", "500 deep", id="depth-500"),
    pytest.param(b'{"a":"' + b"[" * 2000 + b'"}', "brackets in a string", id="in-string"),
    pytest.param(b'{"a":"\\\\"' + b',"b":' + b"[" * 300 + b"]" * 300 + b"}", "escapes",
                 id="escaped-backslash"),
    pytest.param(b'{"a":[' + b"{}," * 9_997 + b"{}]}", "10,000 containers", id="containers"),
])
def test_lines_at_the_limits_are_records(line: bytes, why: str) -> None:
    for fast in (True, False):
        assert logrecords.record(line, fast) is not None, why


@pytest.mark.parametrize("line", [
    pytest.param(b'{"a":' + b"[" * 500 + b"]" * 500 + b"}", id="depth-501"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="depth-100000"),
    pytest.param(b'{"a":[' + b"{}," * 9_998 + b"{}]}", id="containers-10001"),
    pytest.param(b'{"a":' + b"[" * 600 + b'"\\"' * 200_000, id="unterminated-escapes"),
])
def test_lines_past_the_limits_are_skipped(line: bytes) -> None:
    for fast in (True, False):
        assert logrecords.record(line, fast) is None


@SETTINGS
@given(st.lists(lines, max_size=40), st.sampled_from([None, "2026-03-01", "2026-11-16"]))
def test_the_report_is_the_model(batch: list[bytes], since: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "migration.jsonl"
        log.write_bytes(b"".join(batch))
        argv = [str(log)] if since is None else ["--since", since, str(log)]
        assert without_replacements(_json(argv)) == model_tables(_split(b"".join(batch)),
                                                                 since)


def _split(data: bytes) -> list[bytes]:
    """The lines of a file as the report reads them: only b"\\n" ends a line."""
    parts = data.split(b"\n")
    return [part + b"\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _layouts(root: Path, batch: list[bytes], rng: random.Random) -> dict[str, list[str]]:
    """The same lines as one file, as a log_dir of many (rotated, some gzip'd)."""
    one = root / "one.jsonl"
    one.write_bytes(b"".join(batch))
    site = root / "log_dir"
    site.mkdir()
    files: dict[str, list[bytes]] = {}
    for line in batch:
        user = f"user{rng.randrange(7)}.jsonl"
        name = rng.choice([user, user, user + ".1", user + ".2.gz", user + "-20261201.gz"])
        files.setdefault(name, []).append(line)
    for name, content in files.items():
        data = b"".join(content)
        (site / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    (site / "notes.txt").write_bytes(b"not a log: never read\n")
    (site / ".hidden.jsonl").write_bytes(b'{"warnings": ["JC104"]}\n')
    return {"one file": [str(one)], "log_dir": [str(site)],
            "several names": [str(site / name) for name in sorted(files)]}


@settings(SETTINGS, max_examples=25)
@given(st.lists(st.one_of(record_lines(), record_lines(), broken), min_size=1, max_size=60),
       st.randoms(use_true_random=False))
def test_layouts_engines_and_processes_give_identical_tables(batch: list[bytes],
                                                             rng: random.Random) -> None:
    # each line whole in one file (a file's end also ends its last line)
    batch = [line if line.endswith(b"\n") else line + b"\n" for line in batch]
    with tempfile.TemporaryDirectory() as tmp:
        layouts = _layouts(Path(tmp), batch, rng)
        expected = _json(layouts["one file"])
        assert _json(["-"], stdin=b"".join(batch)) == expected
        for name, paths in layouts.items():
            assert _json(paths) == expected, name
            with mock.patch.object(logrecords, "msgspec", None):
                assert _json(paths) == expected, f"{name}, standard library"
            # ranges of a few bytes: most lines start in one range and end in another
            with mock.patch.object(reading, "CHUNK", rng.randint(1, 200)):
                assert _json(paths) == expected, f"{name} in ranges"
                with mock.patch.object(reading, "PARALLEL_MIN", 0):
                    assert _json(["--jobs", "2", *paths]) == expected, f"{name}, 2 processes"
