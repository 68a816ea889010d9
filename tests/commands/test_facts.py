"""The selection and exit-status tables of compat-matrix.md are what the code does: every
row's call is translated by its drop-in and checked (common.Fact.problems)."""

from __future__ import annotations

import pytest

from jobsub_compat.commands import (
    common,
    fetchlog,
    history,
    hold,
    q,
    release,
    rm,
    submit,
    submit_dag,
)

TRANSLATORS = {
    "jobsub_q": (q.facts, [q.translate]),
    "jobsub_rm": (rm.facts, [rm.translate, hold.translate, release.translate]),
    "jobsub_history": (history.facts, [history.translate]),
    "jobsub_fetchlog": (fetchlog.facts, [fetchlog.translate]),
    "jobsub_submit": (submit.facts, [submit.translate, submit_dag.translate]),
}
# jobsub_submit_dag shares jobsub_submit's rows; its successful calls need a DAG file.
CASES = [pytest.param(fact, translate, id=f"{translate.__module__.rsplit('.', 1)[1]}:"
                      f"{fact.aspect}:{' '.join(fact.argv)}")
         for facts, translators in TRANSLATORS.values() for fact in facts()
         for translate in translators if fact.status or translate is not submit_dag.translate]


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
