"""The selection and exit-status tables of compat-matrix.md are what the code does: every
row's call is translated by its drop-in and checked (common.Fact.problems)."""

from __future__ import annotations

import pytest

from jobsub_compat import commands
from jobsub_compat.commands import common, fetchlog, history, q, rm, submit

# Each table's facts, and the drop-ins (from the registry) whose translations they describe.
TRANSLATORS = {
    "jobsub_q": (q.facts, ["jobsub_q"]),
    "jobsub_rm": (rm.facts, ["jobsub_rm", "jobsub_hold", "jobsub_release"]),
    "jobsub_history": (history.facts, ["jobsub_history"]),
    "jobsub_fetchlog": (fetchlog.facts, ["jobsub_fetchlog"]),
    "jobsub_submit": (submit.facts, ["jobsub_submit", "jobsub_submit_dag"]),
}
# jobsub_submit_dag shares jobsub_submit's rows; its successful calls need a DAG file.
CASES = [pytest.param(fact, commands.translator(name),
                      id=f"{name[len('jobsub_'):]}:{fact.aspect}:{' '.join(fact.argv)}")
         for facts, names in TRANSLATORS.values() for fact in facts()
         for name in names if fact.status or name != "jobsub_submit_dag"]


@pytest.mark.parametrize(("fact", "translate"), CASES)
def test_each_row_is_what_the_drop_in_does(fact: common.Fact, translate: object) -> None:
    plan = translate(list(fact.argv), fact.environ())  # type: ignore[operator]
    assert fact.problems(plan) == [], plan.error


def test_a_row_that_says_otherwise_is_caught() -> None:
    fact = q.facts()[2]
    plan = q.translate(list(fact.argv), fact.environ())
    assert fact.problems(plan) == []
    wrong = common.Fact(fact.aspect, fact.legacy, fact.ours, fact.argv, status=1,
                        words=("--constraint", "Owner==\"someone else\""), absent=("-json",),
                        code="JC999")
    assert len(wrong.problems(plan)) == 4


def test_the_tables_are_in_the_matrix() -> None:
    from jobsub_compat import matrix

    text = matrix.render()
    for facts, _ in TRANSLATORS.values():
        for fact in facts():
            assert f"| {fact.aspect} |" in text
