from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from jobsub_compat import cli
from tests.conftest import DOUBLE_BIN


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
    assert cli.main(argv) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("jobsub-compat explain: error:")


@pytest.mark.parametrize("layer", ["command line", "environment", "user config", "site config"])
def test_explain_takes_the_backend_setting_from_every_layer(
        layer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """--backend, with ConfigArgParse's lower layers: the jobsub_lite the Plan runs."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("JOBSUB_COMPAT_SITE_CONFIG", str(tmp_path / "site.conf"))
    (tmp_path / "config").mkdir()
    (tmp_path / "site.conf").write_text("backend = /nonexistent/site\n")
    options = []
    if layer == "command line":
        options = ["--backend", str(DOUBLE_BIN)]
        monkeypatch.setenv("JOBSUB_COMPAT_BACKEND", "/nonexistent/environment")
    elif layer == "environment":
        monkeypatch.setenv("JOBSUB_COMPAT_BACKEND", str(DOUBLE_BIN))
        (tmp_path / "config" / "jobsub_compat.conf").write_text("backend = /nonexistent\n")
    elif layer == "user config":
        monkeypatch.setenv("JOBSUB_COMPAT_BACKEND", "")  # empty: unset, as for the drop-ins
        (tmp_path / "config" / "jobsub_compat.conf").write_text(f"backend {DOUBLE_BIN}\n")
    else:
        (tmp_path / "site.conf").write_text(f"--backend: '{DOUBLE_BIN}'  # ours\n")
    assert cli.main(["explain", "--json", *options, "jobsub_submit", "-G", "gm2",
                     "file:///x.sh"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["backend_argv"] == [str(DOUBLE_BIN / "jobsub_submit"), "-G", "gm2",
                                    "file:///x.sh"]


def test_a_config_file_the_drop_ins_refuse_is_refused_here_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JOBSUB_COMPAT_SITE_CONFIG", str(tmp_path / "site.conf"))
    (tmp_path / "site.conf").write_text("backend = [a, b]\n")
    for words in (["explain", "--", "jobsub_q"], ["report"], ["migrate", "--from-log"]):
        assert cli.main(words) == 1
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith(f"jobsub-compat {words[0]}: error: the site config ") and \
            "gives backend a list" in line


@pytest.mark.parametrize("words", [["report"], ["migrate", "--from-log"], ["explain", "--",
                                                                          "jobsub_q"],
                                   ["man", "DIR"]])
def test_a_subcommand_without_configargparse_says_so(words: list[str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    # None in sys.modules: `import configargparse` fails as it does where it is not
    # installed; the modules that imported it are imported again.
    monkeypatch.setitem(sys.modules, "configargparse", None)
    for name in ("cliparser", "explain", "report", "migrate", "manpages"):
        monkeypatch.delitem(sys.modules, f"jobsub_compat.{name}", raising=False)
    words = [str(tmp_path / "man") if word == "DIR" else word for word in words]
    assert cli.main(words) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"jobsub-compat {words[0]}: error: it needs ConfigArgParse; "
                           "install it") and "pip install" in line
    assert not (tmp_path / "man").exists()


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
