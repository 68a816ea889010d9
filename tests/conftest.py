from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOUBLE_BIN = ROOT / "tests" / "doubles" / "jobsub_lite" / "bin"
sys.path.insert(0, str(ROOT / "src"))

# A suite started as a background job of a non-interactive shell (`cmd &`, as CI runners
# and nohup do) inherits SIGINT and SIGQUIT (and SIGHUP) ignored, and so would every
# drop-in the tests start. The signal tests are about scripts run from a terminal, where
# these signals are at their defaults: give them back their defaults here.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
for _sig in (signal.SIGQUIT, signal.SIGHUP):
    if signal.getsignal(_sig) == signal.SIG_IGN:
        signal.signal(_sig, signal.SIG_DFL)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                 ) -> None:
    """No test writes into the real home (migration log, caches, config)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "JOBSUB_COMPAT_LOG",
                 "JOBSUB_COMPAT_SITE_CONFIG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    """A clean environment: no group, no legacy variables, config and cache in tmp."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "USER": "alice",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "JOBSUB_COMPAT_SITE_CONFIG": str(tmp_path / "site.conf"),
    }


@pytest.fixture
def double_env(environ: dict[str, str]) -> dict[str, str]:
    """`environ` with the jobsub_lite test double as the backend, run by this interpreter."""
    path = os.pathsep.join([os.path.dirname(sys.executable), environ["PATH"]])
    return {**environ, "PATH": path, "JOBSUB_COMPAT_BACKEND": str(DOUBLE_BIN)}


@pytest.fixture
def config_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the config files read (config.read_file) from here on, in order."""
    from jobsub_compat import config

    reads: list[str] = []
    real = config.read_file

    def counted(path: str, label: str = "config file") -> dict[str, config.Value]:
        reads.append(path)
        return real(path, label)

    monkeypatch.setattr(config, "read_file", counted)
    return reads
