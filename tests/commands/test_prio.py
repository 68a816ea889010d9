"""jobsub_prio, with a stand-in for the HTCondor bindings (no schedd here)."""

from __future__ import annotations

import sys
import types

import pytest

from jobsub_compat.commands import prio
from jobsub_compat.dropin import run

ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2"}


class FakeBindings(types.ModuleType):
    """The two calls jobsub_prio makes: Collector().locate(...) and Schedd(ad).edit(...)."""

    def __init__(self, fail_on: str = "") -> None:
        super().__init__("htcondor2")
        self.edits: list[tuple[str, str, str, str]] = []
        self.DaemonTypes = types.SimpleNamespace(Schedd="Schedd")
        bindings = self

        class Collector:
            def locate(self, kind: str, name: str) -> dict[str, str]:
                if name == fail_on:
                    raise RuntimeError(f"Unable to locate {name}")
                return {"Name": name}

        class Schedd:
            def __init__(self, ad: dict[str, str]) -> None:
                self.name = ad["Name"]

            def edit(self, constraint: str, attr: str, value: str) -> None:
                bindings.edits.append((self.name, constraint, attr, value))

        self.Collector, self.Schedd = Collector, Schedd


def test_sets_jobprio_on_each_jobs_schedd(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeBindings()
    monkeypatch.setitem(sys.modules, "htcondor2", fake)
    assert run("jobsub_prio", ["--jobid", "1.0@a.fnal.gov,2@b.fnal.gov", "--prio", "5"], ENV) == 0
    assert fake.edits == [("a.fnal.gov", "ClusterId == 1 && ProcId == 0", "JobPrio", "5"),
                          ("b.fnal.gov", "ClusterId == 2", "JobPrio", "5")]
    assert "Setting priority of job 2@b.fnal.gov to 5" in capsys.readouterr().out


def test_failure_is_reported(monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "htcondor2", FakeBindings(fail_on="b.fnal.gov"))
    assert run("jobsub_prio", ["--jobid", "1@a.fnal.gov,2@b.fnal.gov", "--prio", "1"], ENV) == 1
    assert "could not set the priority of 2@b.fnal.gov" in capsys.readouterr().err


def test_without_bindings(monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "htcondor2", None)
    monkeypatch.setitem(sys.modules, "htcondor", None)
    assert run("jobsub_prio", ["--jobid", "1@a.fnal.gov", "--prio", "1"], ENV) == 1
    assert "condor_prio" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "fragment"), [
    pytest.param(["--prio", "3"], "--jobid", id="no-job"),
    pytest.param(["--jobid", "1@a.fnal.gov", "--prio", "high"], "whole number", id="not-int"),
    pytest.param(["--jobid", "1@a.fnal.gov", "--user", "x"], "JC172", id="user-disabled"),
])
def test_usage_errors(argv: list[str], fragment: str) -> None:
    plan = prio.translate(argv, ENV)
    assert plan.exit_code == 2 and plan.error and fragment in plan.error
