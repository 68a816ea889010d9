from __future__ import annotations

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
