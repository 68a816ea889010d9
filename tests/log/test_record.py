"""log/record.py: the record's fields and its one line of JSON."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from jobsub_compat import log
from tests.log.common import ME, record


def test_record_fields(environ: dict[str, str], tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(time, "time", lambda: 1764151802.5)  # the call ends then
    rec = log.make_record(
        "jobsub_submit", ["-G", "nova", "-e", "SECRET=x", "file:///x.sh"],
        ["/lite/jobsub_submit", "-G", "nova", "--environment=SECRET=x", "file:///x.sh"],
        ["JC104", "JC203", "JC104"], "/lite/jobsub_submit", "1.12", 3, 1.234, environ)
    assert list(rec) == ["time", "host", "user", "command", "caller", "cwd", "argv",
                         "backend_argv", "warnings", "backend", "backend_version", "status",
                         "duration_ms"]
    assert rec["time"] == "2025-11-26T10:10:01Z"  # when it started: 1.234 s before
    assert rec["host"] == os.uname().nodename
    assert rec["user"] == ME
    assert rec["command"] == "jobsub_submit"
    assert rec["caller"]["cmdline"] and "script" in rec["caller"]
    assert rec["cwd"] == str(tmp_path)
    assert rec["argv"] == ["-G", "nova", "-e", "SECRET=<redacted>", "file:///x.sh"]
    assert rec["backend_argv"] == ["/lite/jobsub_submit", "-G", "nova",
                                   "--environment=SECRET=<redacted>", "file:///x.sh"]
    assert rec["warnings"] == ["JC104", "JC203"]
    assert (rec["backend"], rec["backend_version"]) == ("/lite/jobsub_submit", "1.12")
    assert (rec["status"], rec["duration_ms"]) == (3, 1234)
    assert json.loads(log.encode(rec)) == rec
    assert log.encode(rec).count(b"\n") == 1


def test_record_no_backend(environ: dict[str, str]) -> None:
    rec = log.make_record("jobsub_q", [], [], [], None, None, 1, 0.0, environ)
    assert (rec["backend"], rec["backend_version"], rec["backend_argv"]) == (None, None, [])
    assert rec["warnings"] == [] and rec["status"] == 1


def test_record_hides_secret_environment_values(environ: dict[str, str]) -> None:
    token = "Zm9vYmFyYmF6cXV4LXRva2Vu"  # 24 characters: too short to look random
    env = {**environ, "BEARER_TOKEN": token, "BEARER_TOKEN_FILE": "/run/user/1000/bt_u1000"}
    rec = log.make_record("jobsub_submit", [f"--lines=+Tok={token}", "/run/user/1000/bt_u1000"],
                          [], [], None, None, 0, 0.0, env)
    assert rec["argv"] == ["--lines=+Tok=<redacted>", "/run/user/1000/bt_u1000"]
    assert token not in json.dumps(rec)


def test_undecodable_argv_is_still_one_ascii_line() -> None:
    rec = record(argv=[os.fsdecode(b"caf\xe9"), "tab\there", "new\nline"])
    data = log.encode(rec)
    assert data.count(b"\n") == 1 and data.isascii()
    assert json.loads(data)["argv"] == rec["argv"]
