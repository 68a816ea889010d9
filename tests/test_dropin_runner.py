"""One runner for every drop-in (dropin.run): strict mode, silence and the migration log
mean the same for a job drop-in, a credential drop-in and a call a drop-in answers itself
(jobsub_prio, jobsub_fetchlog --list)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jobsub_compat import codes, dropin
from tests.conftest import ROOT

# A call of each kind, and the code of the legacy usage it warns about.
CALLS = [
    pytest.param("jobsub_submit", ["-G", "gm2", "-M", "file:///x.sh"], "JC104", id="submit"),
    pytest.param("kx509", [], codes.KX509, id="kx509"),
    pytest.param("cigetcert", ["-n"], codes.CIGETCERT, id="cigetcert"),
    pytest.param("voms-proxy-destroy", ["-dry"], codes.BEARER_TOKEN_SHADOWS,
                 id="voms-proxy-destroy"),
    pytest.param("jobsub_fetchlog", ["-G", "gm2", "--list", "--user", "bob"], "JC166",
                 id="fetchlog-list"),
    pytest.param("jobsub_prio", ["-G", "gm2", "--jobid", "1@a.fnal.gov", "--prio", "5"],
                 "JC171", id="prio"),
]


@pytest.fixture
def env(double_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> dict[str, str]:
    """The jobsub_lite double behind the drop-ins, the log in tmp_path, a token in
    BEARER_TOKEN (voms-proxy-destroy warns that it shadows the files), and no HTCondor
    bindings (jobsub_prio then says so, exit 1, without a schedd to ask)."""
    monkeypatch.setitem(sys.modules, "htcondor2", None)
    monkeypatch.setitem(sys.modules, "htcondor", None)
    return {**double_env, "JOBSUB_COMPAT_LOG": str(tmp_path / "log.jsonl"),
            "BEARER_TOKEN": "x.y.z", "TMPDIR": str(tmp_path)}


def records(env: dict[str, str]) -> list[dict[str, object]]:
    log = Path(env["JOBSUB_COMPAT_LOG"])
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.parametrize(("command", "argv", "code"), CALLS)
def test_strict_mode_refuses_and_logs(command: str, argv: list[str], code: str,
                                      env: dict[str, str],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    status = dropin.run(command, argv, {**env, "JOBSUB_COMPAT_STRICT": "1"})
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert f"{command}: error [{code}]: " in err
    assert err.splitlines()[-1].startswith(f"{command}: error: strict mode (environment ")
    [record] = records(env)
    assert (record["command"], record["status"]) == (command, 2)
    assert code in record["warnings"]  # type: ignore[operator]


@pytest.mark.parametrize(("command", "argv", "code"), CALLS)
def test_a_silenced_code_is_not_shown_but_logged(command: str, argv: list[str], code: str,
                                                 env: dict[str, str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    shown = dropin.run(command, argv, env)
    assert f"[{code}]" in capsys.readouterr().err
    silenced = dropin.run(command, argv, {**env, "JOBSUB_COMPAT_SILENCE": code})
    out, err = capsys.readouterr()
    assert silenced == shown and f"[{code}]" not in err
    assert [r["status"] for r in records(env)] == [shown, silenced]
    assert all(code in r["warnings"] for r in records(env))  # type: ignore[operator]


def test_strict_kx509_through_its_launcher(env: dict[str, str]) -> None:
    """`JOBSUB_COMPAT_STRICT=1 kx509` exits 2 and logs, as `jobsub_submit -M` does."""
    done = subprocess.run([sys.executable, str(ROOT / "bin" / "credentials" / "kx509")],
                          env={**env, "JOBSUB_COMPAT_STRICT": "1"}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"kx509: error [{codes.KX509}]: ")
    [record] = records(env)
    assert (record["command"], record["status"], record["warnings"]) == (
        "kx509", 2, [codes.KX509])


@pytest.mark.parametrize(("command", "argv"), [
    pytest.param("jobsub_q", ["-G", "gm2", "--user", "alice"], id="q"),
    *[pytest.param(*call.values[:2], id=call.id) for call in CALLS]])
def test_a_call_reads_each_config_file_once(command: str, argv: list[str], env: dict[str, str],
                                            tmp_path: Path, config_reads: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The settings are built once per call (dropin.run) and handed down: the backend's
    lookup, strict mode, silence, the answer and the log all use them."""
    site = tmp_path / "site.conf"
    site.write_text(f"log_dir = {tmp_path}\n")
    user = Path(env["XDG_CONFIG_HOME"]) / "jobsub_compat.conf"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("silence = JC999\n")
    status = dropin.run(command, argv, {**env, "JOBSUB_COMPAT_SITE_CONFIG": str(site)})
    capsys.readouterr()
    assert sorted(config_reads) == sorted([str(user), str(site)])
    assert len(records(env)) == 1 and status == records(env)[0]["status"]
    assert (tmp_path / f"{records(env)[0]['user']}.jsonl").exists()  # the site's log_dir
