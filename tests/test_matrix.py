from __future__ import annotations

from jobsub_compat import matrix, options
from tests.conftest import ROOT


def test_compat_matrix_is_fresh() -> None:
    on_disk = (ROOT / "compat-matrix.md").read_text(encoding="utf-8")
    assert on_disk == matrix.render(), (
        "compat-matrix.md is stale: run `bin/jobsub-compat matrix > compat-matrix.md`")


def test_every_legacy_option_has_a_fate_and_a_row() -> None:
    text = matrix.render()
    for row in options.SUBMIT:
        if row.where != "lite":
            assert f"`{row.legacy[0]}`" in text
            assert row.fate in text


def test_non_pass_rows_say_why() -> None:
    for row in options.SUBMIT:
        if row.fate not in (options.Fate.PASS, options.Fate.EMULATE) or row.code:
            assert row.reason, row.key
        if row.fate != options.Fate.PASS and row.key not in ("help", "version"):
            assert row.code and row.fix, row.key


def test_codes_are_unique_per_meaning() -> None:
    by_code: dict[str, set[str]] = {}
    for row in options.SUBMIT:
        if row.code:
            by_code.setdefault(row.code, set()).add(row.reason)
    shared = {code: reasons for code, reasons in by_code.items() if len(reasons) > 1}
    # minerva -O and minos -O share a code on purpose: one spelling, one fate.
    assert set(shared) <= {"JC133"}
