"""What the migration log's tests share: records, the lines of a log file, scripts."""

from __future__ import annotations

import base64
import json
import os
import pwd
from pathlib import Path
from typing import Any

from jobsub_compat import log
from tests.conftest import ROOT

SRC = str(ROOT / "src")
ME = pwd.getpwuid(os.getuid()).pw_name
ADVICE = "; the job goes on. Set JOBSUB_COMPAT_LOG to a writable file or off."


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


JWT = ".".join((_b64({"alg": "RS256", "typ": "JWT", "kid": "key-1"}),
                _b64({"sub": "alice", "iss": "https://cilogon.org/fermilab",
                      "scope": "compute.create storage.read:/nova"}),
                "Qm9ndXNTaWduYXR1cmVGb3JUZXN0aW5nT25seV94eXo"))


def record(argv: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    rec = log.make_record("jobsub_submit", argv or ["-G", "nova", "file:///x.sh"],
                          ["/opt/lite/bin/jobsub_submit", "-G", "nova", "file:///x.sh"],
                          ["JC104"], "/opt/lite/bin/jobsub_submit", "1.12", 0, 0.5, {})
    rec.update(changes)
    return rec


def lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_bytes().decode("ascii")
    assert text == "" or text.endswith("\n")
    found: list[dict[str, Any]] = [json.loads(line) for line in text.splitlines()]
    return found


def jsonl_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if ".jsonl" in p.name)


def make_script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(0o755)
    return path
