from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobsub_compat import cli


def test_explain_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
                      ) -> None:
    monkeypatch.delenv("JOBSUB_SERVER", raising=False)
    monkeypatch.setenv("JOBSUB_COMPAT_BACKEND", "/nonexistent")
    assert cli.main(["explain", "--json", "--", "jobsub_submit", "-G", "gm2", "-M",
                     "file:///x.sh"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"command", "backend_argv", "env", "warnings", "error"}
    assert data["backend_argv"][1:] == ["-G", "gm2", "--mail_always", "file:///x.sh"]
    assert data["warnings"][0]["code"] == "JC104"
    assert data["error"] is None


def test_explain_text_and_error_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["explain", "--", "jobsub_submit", "-G", "gm2", "--override", "a", "b",
                     "file:///x.sh"]) == 1
    out = capsys.readouterr().out
    assert "error: [JC128]" in out


def test_explain_accepts_a_path_to_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["explain", "--", "/usr/bin/jobsub_submit", "-G", "gm2",
                     "file:///x.sh"]) == 0
    assert "jobsub_lite:" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    pytest.param(["explain"], id="no-command"),
    pytest.param(["explain", "--", "jobsub_frob"], id="unknown-command"),
])
def test_explain_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "jobsub-compat: error:" in capsys.readouterr().err


def test_no_subcommand_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "explain" in capsys.readouterr().out


def test_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["matrix"]) == 0
    assert capsys.readouterr().out.startswith("# Compatibility matrix")


def test_the_launcher_finds_installed_packages(tmp_path: Path) -> None:
    """bin/jobsub-compat runs `python3 -S`; migrate still finds tree-sitter, installed in
    site-packages (the coordinator's tools load the site module themselves)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = tmp_path / "submit.sh"
    script.write_text("jobsub_submit -G gm2 -M file:///x.sh\n")
    done = subprocess.run([sys.executable, "-S", str(ROOT / "bin" / "jobsub-compat"),
                           "migrate", str(script)], capture_output=True, text=True, timeout=120)
    assert "+jobsub_submit -G gm2 --mail_always file:///x.sh" in done.stdout, done.stderr
