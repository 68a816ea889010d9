"""Fixtures of the jobsub_lite integration tests (see harness.py for the API).

`lite` is the session's Sandbox (one copy of the tree, one venv, one RCDS server). When the
tree is missing every test using it skips with one line naming JOBSUB_LITE_SRC, except
under CI=true, where it fails; under CI=true a skipped `jobsub_lite` test also fails the
run (pytest_sessionfinish below).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import harness


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Sandbox]:
    source = harness.tree()
    if source is None:
        if _ci():
            pytest.fail(harness.SKIP_REASON + " (CI=true: the jobsub_lite tests must run)")
        pytest.skip(harness.SKIP_REASON)
    sandbox = harness.Sandbox.create(tmp_path_factory.mktemp("jobsub_lite"), source)
    yield sandbox
    sandbox.close()


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    """A job executable recording what the job got (harness.probe_script)."""
    return harness.probe_script(tmp_path / "probe.sh")


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "jobsub_lite" in report.keywords:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _ci() and _SKIPPED and session.exitstatus == 0:
        session.exitstatus = 1
        print(f"\nCI=true: {len(_SKIPPED)} jobsub_lite test(s) skipped; they must run "
              f"(first: {_SKIPPED[0]})")
