from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOUBLE_BIN = ROOT / "tests" / "doubles" / "jobsub_lite" / "bin"
sys.path.insert(0, str(ROOT / "src"))


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
