"""Fuzzing every drop-in's argv and environment (hypothesis): never a traceback, a status
of 0, 1 or 2, and any error on one line. Nothing runs: JOBSUB_COMPAT_DRY_RUN=1."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsub_compat import commands, dropin

COMMANDS = sorted(n for n, c in commands.COMMANDS.items() if c.runner == commands.PLAN)
WORD = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["-G", "gm2", "--group=gm2", "-M", "--jobid", "1.0@s.fnal.gov", "--user",
                     "-N", "10", "-d", "OUT", "-l", "'", '"', "\\", "=", "--", "-", "",
                     "file:///x.sh", "file://", "--lines=''", "-e", "A=b", "--hold", "-cpu=2",
                     "--list", "--prio", "--sites", "\n", "--json-config", "x" * 5000]),
)
ENVIRON = st.fixed_dictionaries({}, optional={
    "JOBSUB_GROUP": st.sampled_from(["gm2", "", "nova\n"]),
    "GROUP": st.text(max_size=5), "JOBSUB_SERVER": st.text(max_size=5),
    "USER": st.sampled_from(["alice", ""]), "X509_USER_PROXY": st.text(max_size=10),
    "BEARER_TOKEN": st.text(max_size=20), "BEARER_TOKEN_FILE": st.text(max_size=10),
})


@pytest.mark.parametrize("command", COMMANDS)
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(WORD, max_size=8), extra=ENVIRON)
def test_any_call_gives_a_status_and_one_line(command: str, argv: list[str],
                                              extra: dict[str, str]) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", **extra,
           "JOBSUB_COMPAT_DRY_RUN": "1", "JOBSUB_COMPAT_BACKEND": "/nonexistent"}
    plan, _, _ = dropin.plan_for(command, commands.translator(command), argv, env)
    assert plan.exit_code in (0, 1, 2)
    assert plan.error is None or ("\n" not in plan.error and plan.exit_code in (1, 2))
    assert all("\n" not in w.message for w in plan.warnings)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = dropin.run(command, argv, env)
    assert status in (0, 1, 2)
    assert "Traceback" not in err.getvalue()
