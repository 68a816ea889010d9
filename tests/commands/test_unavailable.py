from __future__ import annotations

from functools import partial
from types import SimpleNamespace

import pytest

from jobsub_compat import commands, dropin

# The three are unavailable.py's: their translations and runs, from the registry.
status, preload, probe_url = (
    SimpleNamespace(translate=commands.translator(name), main=partial(dropin.run, name))
    for name in ("jobsub_status", "jobsub_preload", "jobsub_probe_url"))

ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2"}


@pytest.mark.parametrize(("module", "argv", "code", "fragment"), [
    pytest.param(status, ["-G", "gm2", "--sites"], 1, "condor_status", id="status-sites"),
    # client/jobsub_status required_args_present: "Missing required arguments", exit 1.
    pytest.param(status, ["-G", "gm2"], 1, "--sites", id="status-without-sites"),
    pytest.param(status, ["-G", "gm2", "--frob"], 2, "unknown option", id="status-unknown"),
    pytest.param(preload, ["-G", "gm2", "file://x.tgz"], 1, "--tar_file_name", id="preload"),
    pytest.param(probe_url, ["--endpoint", "/jobsub/x"], 1, "jobsub_q", id="probe-url"),
])
def test_one_line_naming_what_to_use(module: object, argv: list[str], code: int,
                                     fragment: str) -> None:
    plan = module.translate(argv, ENV)  # type: ignore[attr-defined]
    assert plan.exit_code == code
    assert plan.error and fragment in plan.error and "\n" not in plan.error


def test_main_prints_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert status.main(["--sites"], {**ENV, "JOBSUB_COMPAT_BACKEND": "/nonexistent"}) == 1
    assert capsys.readouterr().err.startswith("jobsub_status: error: [JC170]")
