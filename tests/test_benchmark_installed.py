"""benchmarks/run.py's measurement of the site install runs (its figures are not asserted:
speed is measured only by the benchmark, as ratios)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.run import DROPINS, installed_overhead


def test_the_installed_measurement_runs() -> None:
    with tempfile.TemporaryDirectory() as tmp:  # not tmp_path: nobody must reach it
        result = installed_overhead(1, Path(tmp))
    rows = result["overhead"]
    assert isinstance(rows, list)
    assert [row["what"] for row in rows[1:]] == list(DROPINS)
    assert rows[0]["what"] == f"{result['python']} -c pass"
    for row in rows[1:]:
        assert {"ratio", "no_bytecode_ratio", "overhead_ms", "target"} <= set(row)
