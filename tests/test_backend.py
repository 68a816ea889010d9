from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from jobsub_compat import backend
from jobsub_compat.warnings import RuntimeFailure
from tests.conftest import DOUBLE_BIN, ROOT


def fake_lite(directory: Path, version: str = "1.9", counter: Path | None = None) -> Path:
    """A stand-in jobsub_submit that answers --version like jobsub_lite (no lib/version.py)."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "jobsub_submit"
    count = f"echo x >> {counter}\n" if counter else ""
    script.write_text(f"#!/bin/sh\n{count}echo 'jobsub_lite version {version}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_version_from_install_file(environ: dict[str, str]) -> None:
    found = backend.find("jobsub_submit", {**environ, "JOBSUB_COMPAT_BACKEND": str(DOUBLE_BIN)})
    assert found.version == "1.12"
    assert found.source == "environment JOBSUB_COMPAT_BACKEND"


def test_version_cached_after_one_process(tmp_path: Path, environ: dict[str, str]) -> None:
    counter = tmp_path / "calls"
    script = fake_lite(tmp_path / "lite" / "bin", "1.3.7", counter)
    for _ in range(3):
        assert backend.detect_version(str(script), environ) == "1.3.7"
    assert counter.read_text().count("x") == 1


def test_version_unknown_when_backend_says_nothing(tmp_path: Path,
                                                   environ: dict[str, str]) -> None:
    script = tmp_path / "bin" / "jobsub_submit"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(0o755)
    assert backend.detect_version(str(script), environ) is None


def test_config_file_setting(tmp_path: Path, environ: dict[str, str]) -> None:
    fake_lite(tmp_path / "lite" / "bin")
    conf = Path(environ["XDG_CONFIG_HOME"]) / "jobsub_compat.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(f"# site choice\n[jobsub_compat]\nbackend = {tmp_path / 'lite' / 'bin'}\n")
    found = backend.find("jobsub_submit", environ)
    assert found.path == str(tmp_path / "lite" / "bin" / "jobsub_submit")
    assert found.source.startswith("user config")


def test_environment_beats_config(tmp_path: Path, environ: dict[str, str]) -> None:
    Path(environ["JOBSUB_COMPAT_SITE_CONFIG"]).write_text("backend = /nonexistent\n")
    found = backend.find("jobsub_submit", {**environ, "JOBSUB_COMPAT_BACKEND": str(DOUBLE_BIN)})
    assert found.path == str(DOUBLE_BIN / "jobsub_submit")


def test_explicit_backend_without_executable_is_an_error(tmp_path: Path,
                                                         environ: dict[str, str]) -> None:
    with pytest.raises(RuntimeFailure, match="JOBSUB_COMPAT_BACKEND"):
        backend.find("jobsub_submit", {**environ, "JOBSUB_COMPAT_BACKEND": str(tmp_path)})


def test_poms_client_dir(tmp_path: Path, environ: dict[str, str]) -> None:
    fake_lite(tmp_path / "client")
    found = backend.find("jobsub_submit", {**environ, "JOBSUB_CLIENT_DIR": str(tmp_path / "client"),
                                           "PATH": ""})
    assert found.source == "JOBSUB_CLIENT_DIR"


def test_path_skips_the_shim_itself_and_copies_of_it(tmp_path: Path,
                                                     environ: dict[str, str]) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "jobsub_submit").write_bytes((ROOT / "bin" / "jobsub_submit").read_bytes())
    (copy / "jobsub_submit").chmod(0o755)
    link = tmp_path / "link"
    link.mkdir()
    os.symlink(ROOT / "bin" / "jobsub_submit", link / "jobsub_submit")
    path = os.pathsep.join([str(ROOT / "bin"), str(copy), str(link), str(DOUBLE_BIN)])
    found = backend.find("jobsub_submit", {**environ, "PATH": path})
    assert found.path == str(DOUBLE_BIN / "jobsub_submit")


def test_nothing_found(environ: dict[str, str]) -> None:
    if os.path.exists(os.path.join(backend.DEFAULT_DIR, "jobsub_submit")):  # pragma: no cover
        pytest.skip("a real jobsub_lite is installed on this machine")
    with pytest.raises(RuntimeFailure, match="not found"):
        backend.find("jobsub_submit", {**environ, "PATH": str(ROOT / "bin")})
