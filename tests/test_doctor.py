from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobsub_compat import doctor
from tests.conftest import DOUBLE_BIN, ROOT
from tests.test_tokens import make_token, token_environ, write_token


def screen(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = doctor.main([], env)
    return status, capsys.readouterr().out


def test_everything_on_one_screen(environ: dict[str, str], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    env = token_environ(environ, tmp_path, monkeypatch)
    token = make_token(["/gm2"])
    path = write_token(tmp_path / "bt", token)
    conf = Path(env["XDG_CONFIG_HOME"]) / "jobsub_compat.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(f"backend = {DOUBLE_BIN}\nsilence = JC104\n")
    env.update(BEARER_TOKEN_FILE=str(path), PATH=f"{ROOT / 'bin'}:/usr/bin:/bin")
    status, out = screen(env, capsys)
    assert status == 0
    assert f"{ROOT / 'bin' / 'jobsub_submit'} - jobsub-compat (this shim)" in out
    assert "all 14 of bin/ are this shim's; the credential drop-ins are not first on PATH" in out
    assert "version 1.12 (chosen by user config" in out
    assert "setting silence" in out and "JC104 from user config" in out
    assert "gm2" in out and token not in out and token.split(".")[1] not in out
    assert "(writable)" in out


def test_no_backend(environ: dict[str, str], tmp_path: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    status, out = screen({**environ, "JOBSUB_COMPAT_BACKEND": str(tmp_path)}, capsys)
    assert status == 1 and "jobsub_lite" in out and "not found" in out


def test_drop_ins_that_are_not_the_shim_are_named(environ: dict[str, str], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Every drop-in of the registry is looked up on PATH: one another tool shadows is named."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "jobsub_q").write_text("#!/bin/sh\n")
    (other / "jobsub_q").chmod(0o755)
    path = f"{other}:{ROOT / 'bin'}:{ROOT / 'bin' / 'credentials'}:/usr/bin:/bin"
    _, out = screen({**environ, "PATH": path}, capsys)
    assert f"NOT this shim: jobsub_q ({other / 'jobsub_q'}); put the install's bin first" in out
    assert "all 5 of bin/credentials/ are this shim's" in out


# -- the Kerberos ticket (klist, through sh) and htgettoken -----------------------------

KLIST = ROOT / "tests" / "doubles" / "klist"
HTGETTOKEN = ROOT / "tests" / "doubles" / "htgettoken"


def kerberos_env(environ: dict[str, str], tmp_path: Path, expires: float | None) -> dict[str, str]:
    """The klist double first on PATH, KRB5CCNAME naming a cache of alice's (none when
    `expires` is None) that expires at `expires`, and the double's log."""
    cache = tmp_path / "krb5cc_test"
    if expires is not None:
        cache.write_text(json.dumps({"principal": "alice@FNAL.GOV", "starts": time.time() - 60,
                                     "expires": expires}))
    return {**environ, "KRB5CCNAME": f"FILE:{cache}", "KLIST_DOUBLE_LOG": str(tmp_path / "log"),
            "PATH": os.pathsep.join([str(KLIST), os.path.dirname(sys.executable), "/usr/bin:/bin"])}


def klist_calls(env: dict[str, str]) -> list[dict[str, object]]:
    log = Path(env["KLIST_DOUBLE_LOG"])
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_a_valid_ticket_and_its_principal(environ: dict[str, str], tmp_path: Path) -> None:
    env = kerberos_env(environ, tmp_path, time.time() + 3600)
    assert doctor.kerberos(env) == "valid ticket for alice@FNAL.GOV"
    assert klist_calls(env) == [{"argv": ["-s"], "KRB5CCNAME": env["KRB5CCNAME"]},
                                {"argv": [], "KRB5CCNAME": env["KRB5CCNAME"]}]


@pytest.mark.parametrize("expires", [pytest.param(-3600, id="expired"),
                                     pytest.param(None, id="no-cache")])
def test_no_valid_ticket_says_kinit(environ: dict[str, str], tmp_path: Path,
                                    expires: float | None) -> None:
    env = kerberos_env(environ, tmp_path, None if expires is None else time.time() + expires)
    assert doctor.kerberos(env).startswith("no valid ticket (klist -s exit 1); run kinit")
    assert [call["argv"] for call in klist_calls(env)] == [["-s"]]


def test_kerberos_and_htgettoken_lines_on_the_screen(environ: dict[str, str], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    env = kerberos_env(environ, tmp_path, time.time() + 3600)
    env["PATH"] = os.pathsep.join([str(HTGETTOKEN), env["PATH"]])
    _, out = screen(env, capsys)
    assert re.search(r"^kerberos +valid ticket for alice@FNAL\.GOV$", out, re.M)
    assert re.search(rf"^htgettoken +{re.escape(str(HTGETTOKEN / 'htgettoken'))}$", out, re.M)


def test_without_klist_or_htgettoken(environ: dict[str, str], tmp_path: Path) -> None:
    env = {**environ, "PATH": str(tmp_path)}
    assert doctor.kerberos(env) == ("cannot be checked: klist is not on PATH; install it or "
                                    "add its directory to PATH (htgettoken needs a ticket: "
                                    "kinit)")
    assert doctor.htgettoken(env).startswith("NOT on PATH: jobsub_lite cannot get or renew")


# -- the klist double follows klist's documented rules ----------------------------------


def run_klist(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(KLIST / "klist"), *argv], env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)


def test_klist_double(environ: dict[str, str], tmp_path: Path) -> None:
    env = kerberos_env(environ, tmp_path, time.time() - 1)  # expired: listed all the same
    cache = env["KRB5CCNAME"]
    done = run_klist(env)
    assert done.returncode == 0 and done.stdout.splitlines()[:4] == [
        f"Ticket cache: {cache}", "Default principal: alice@FNAL.GOV", "",
        "Valid starting       Expires              Service principal"]
    assert "krbtgt/FNAL.GOV@FNAL.GOV" in done.stdout
    assert (run_klist(env, "-s").returncode, run_klist(env, "-s").stdout) == (1, "")
    (tmp_path / "fresh").mkdir()
    assert run_klist(kerberos_env(environ, tmp_path / "fresh", time.time() + 60),
                     "-s").returncode == 0
    missing = run_klist({**env, "KRB5CCNAME": f"FILE:{tmp_path / 'none'}"})
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == f"klist: No credentials cache found (filename: {tmp_path / 'none'})\n"
    bad = run_klist(env, "-z")
    assert bad.returncode == 2 and bad.stderr.startswith("klist: invalid option -- 'z'")


def test_the_config_files_are_read_once(environ: dict[str, str], tmp_path: Path,
                                        config_reads: list[str],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The backend's line and the settings' lines come from one reading of the files."""
    conf = Path(environ["XDG_CONFIG_HOME"]) / "jobsub_compat.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(f"backend = {DOUBLE_BIN}\n")
    site = tmp_path / "site.conf"
    site.write_text("silence = JC104\n")
    status, out = screen({**environ, "JOBSUB_COMPAT_SITE_CONFIG": str(site)}, capsys)
    assert status == 0 and "version 1.12 (chosen by user config" in out
    assert sorted(config_reads) == sorted([str(conf), str(site)])


def test_a_config_file_that_cannot_be_read(environ: dict[str, str], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """No backend can be chosen and no setting shown: both lines say why, exit 1."""
    site = tmp_path / "site.conf"
    site.write_text("= no name\n")
    status, out = screen({**environ, "JOBSUB_COMPAT_SITE_CONFIG": str(site)}, capsys)
    found = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in out.splitlines())
    assert status == 1
    assert found["jobsub_lite"].startswith(f"not found: the site config {site}: line 1 ")
    assert found["settings"].startswith(f"ERROR: the site config {site}: line 1 ")
