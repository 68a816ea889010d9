"""codes.py: one home, and one answer (describe), for every warning code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jobsub_compat import cli, codes, options, report
from tests.conftest import ROOT

SRC = ROOT / "src" / "jobsub_compat"
LITERAL = re.compile(r"""["'](JC(?:M\d\d|\d\d\d))["']""")


def _literals() -> dict[str, set[str]]:
    """Every code written as a string literal in src/, by file."""
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for code in LITERAL.findall(path.read_text(encoding="utf-8")):
            found.setdefault(str(path.relative_to(SRC)), set()).add(code)
    return found


def _constants() -> set[str]:
    return {value for name, value in vars(codes).items()
            if name.isupper() and isinstance(value, str) and LITERAL.fullmatch(f'"{value}"')}


def emitted() -> set[str]:
    """Every code the drop-ins and the coordinator's tools can emit: the literals and
    constants of the source and every option row's code."""
    rows = {r.code for table in options.TABLES.values() for r in table if r.code}
    return set().union(*_literals().values()) | _constants() | rows


def test_codes_are_written_only_in_their_homes() -> None:
    """A code is a literal only in codes.py (its constants) and on option rows; everything
    else uses the constant or the row."""
    literals = _literals()
    assert set(literals) == {"codes.py", "options.py"}
    rows = {r.code for table in options.TABLES.values() for r in table if r.code}
    assert literals["options.py"] == rows
    assert literals["codes.py"] - _constants() <= rows - set(codes.CODES)


def test_constants_are_distinct() -> None:
    names = [name for name, value in vars(codes).items()
             if name.isupper() and isinstance(value, str) and value in codes.CODES]
    assert len(names) == len(set(codes.CODES)) == len(_constants())


@pytest.mark.parametrize("code", sorted(emitted()))
def test_every_code_is_described(code: str) -> None:
    found = codes.describe(code)
    assert found is not None, code
    assert found.code == code
    assert found.severity in codes.SEVERITIES
    assert found.text.strip() and "\n" not in found.text
    assert found.replacement.strip() and "\n" not in found.replacement
    assert found.replacement != found.text


def test_the_walk_finds_every_family() -> None:
    families = {code[:4] for code in emitted()}
    assert {"JC10", "JC15", "JC16", "JC20", "JC30", "JC40", "JC50", "JC52", "JCM0"} <= families
    assert {codes.TOKEN_EXPIRING, codes.TOKEN_FILE_READABLE, codes.ROLE_FROM_TOKEN,
            "JC160", "JC165"} <= emitted()


@pytest.mark.parametrize("code, commands, expected", [
    pytest.param("JC117", ["jobsub_submit"], "--blacklist: Use --blocklist.", id="row"),
    pytest.param("JC161", ["jobsub_rm"], "--forcex: Use -forcex.", id="its-command"),
    pytest.param("JC161", ["jobsub_fetchlog"], "--long: Use -long; --better-analyze: Use "
                 "-better-analyze; --forcex: Use -forcex.", id="no-row-there-every-table"),
    pytest.param("JC104", ["jobsub_submit"], "-M: Use --mail_always.", id="first-spelling"),
    pytest.param("JC203", ["jobsub_submit"], codes.CODES["JC203"][2], id="own-over-row"),
    pytest.param("JC302", [], "Export NAME or write `-e NAME=VALUE`.", id="own"),
    pytest.param("JC509", ["jobsub_submit"], codes.CODES["JC509"][2], id="token"),
    pytest.param("JC999", ["jobsub_submit"], "", id="unknown"),
])
def test_replacement(code: str, commands: list[str], expected: str) -> None:
    assert codes.replacement(code, commands) == expected


def test_replacement_lists_each_option_of_a_shared_code() -> None:
    rows = [r for r in options.TABLES["jobsub_q"] if r.code == "JC162"]
    parts = codes.replacement("JC162", ["jobsub_q"]).split("; ")
    assert len(parts) == len(rows) > 1
    for part, row in zip(parts, rows):  # the last keeps its full stop
        assert part in (f"{row.legacy[0]}: {row.fix}".rstrip("."),
                        f"{row.legacy[0]}: {row.fix}")


@pytest.mark.parametrize("code, severity", [
    ("JC104", codes.WARNING), ("JC128", codes.ERROR), ("JC133", codes.ERROR),
    ("JC160", codes.ERROR), ("JC165", codes.WARNING), ("JC302", codes.ERROR),
    ("JC503", codes.WARNING), ("JCM10", codes.REVIEW),
])
def test_severity(code: str, severity: str) -> None:
    found = codes.describe(code)
    assert found is not None and found.severity == severity


def test_describe_unknown() -> None:
    assert codes.describe("JC999") is None
    assert codes.describe("") is None


def test_report_gives_a_replacement_for_every_code(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    everything = sorted(emitted())
    log = tmp_path / "migration.jsonl"
    log.write_text("".join(json.dumps({
        "time": "2026-11-16T09:00:00Z", "user": "alice", "command": "jobsub_submit",
        "caller": {"script": "/home/alice/submit.sh"}, "warnings": [code]}) + "\n"
        for code in everything))
    assert report.main(["--format", "json", str(log)]) == 0
    rows = {r["code"]: r["replacement"] for r in json.loads(capsys.readouterr().out)["codes"]}
    assert sorted(rows) == everything
    for code, text in rows.items():
        found = codes.describe(code, ["jobsub_submit"])
        assert found is not None and text == found.replacement and text, code
    for code in ("JC503", "JC504", "JC509"):
        assert rows[code] == codes.CODES[code][2]
    assert report.main([str(log)]) == 0
    assert "(unknown code)" not in capsys.readouterr().out


def test_explain_gives_severity_and_replacement(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBSUB_COMPAT_BACKEND", "/nonexistent")
    argv = ["jobsub_submit", "-G", "gm2", "-M", "-dOUT", "/o", "file:///x.sh"]
    assert cli.main(["explain", "--json", "--", *argv]) == 0
    warnings = {w["code"]: w for w in json.loads(capsys.readouterr().out)["warnings"]}
    assert warnings["JC104"]["severity"] == codes.WARNING
    assert warnings["JC104"]["instead"] == "-M: Use --mail_always."
    assert warnings["JC203"]["instead"] == codes.CODES["JC203"][2]
    assert cli.main(["explain", "--", *argv]) == 0
    assert f"  instead: {codes.CODES['JC203'][2]}\n" in capsys.readouterr().out


def test_matrix_lists_every_own_code() -> None:
    from jobsub_compat import matrix

    text = matrix.render()
    for code, (severity, _, instead) in codes.CODES.items():
        line = next(x for x in text.splitlines() if x.startswith(f"| {code} |"))
        assert f"| {severity} |" in line and instead.replace("|", "\\|") in line
