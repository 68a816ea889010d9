"""jobsub_history: finished jobs in the legacy columns.

jobsub_lite 1.12's jobsub_history reads only `YYYY-MM-DD` dates, ignores its own
`--constraint`, and drops the schedd of `--jobid`, so condor_history then asks the local
schedd. The drop-in hands condor_history its constraint and `-name SCHEDD` itself
(jobsub_lite passes unknown words on), asks for `-json`, and formats the legacy table.
"""

from __future__ import annotations

import datetime
import time

from .. import legacy, lite
from ..legacy import Parsed
from ..plan import Plan
from ..rewrite import Words, spelling
from ..warnings import UsageError
from . import common
from .q import QOutput

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


COMMAND = "jobsub_history"
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S")


def epoch(value: str) -> int:
    """A legacy --qdate-ge/--qdate-le value as epoch seconds (local time, as legacy)."""
    for form in DATE_FORMATS:
        try:
            moment = datetime.datetime.strptime(value, form)
        except ValueError:
            continue
        return int(time.mktime(moment.timetuple()))
    raise UsageError(f"invalid date format {value!r}: write YYYY-MM-DD or "
                     "'YYYY-MM-DD hh:mm:ss'", "JC165")


def _body(plan: Plan, parsed: Parsed, grammar: legacy.Grammar,
          environ: Mapping[str, str]) -> None:
    common.group_of(parsed, environ)
    out = Words()
    constraints: list[str] = []
    for item in parsed.items:
        key = item.row.key
        if key == "jobid":
            (job,) = common.job_ids(item.values[0], many=False)
            out.option(spelling(item, grammar), item.values, item.form)
            out.words += ["-name", job.split("@", 1)[1]]
        elif key == "constraint":
            constraints.append(item.values[0])
        elif key in ("qdate_ge", "qdate_le"):
            op = ">=" if key == "qdate_ge" else "<="
            constraints.append(f"QDate {op} {epoch(item.values[0])}")
            plan.warn(item.row.code or "", f"{item.seen} {item.values[0]} {item.row.reason}.")
        else:
            out.option(spelling(item, grammar), item.values, item.form)
    if constraints:
        joined = " && ".join(f"({c})" for c in constraints) if len(constraints) > 1 else \
            constraints[0]
        out.words += ["-constraint", joined]
    out.words.extend(parsed.passed)
    plan.mode = "" if parsed.passed else "history"
    if plan.mode:
        out.words.append("-json")
    plan.backend_argv.extend(lite.quote_for_lite(x) for x in out.words)


def translate(argv: list[str], environ: Mapping[str, str],
              lite_version: str | None = None, backend_path: str = COMMAND) -> Plan:
    return common.translate(COMMAND, argv, environ, _body, backend_path=backend_path)


class HistoryOutput(QOutput):
    def render(self, jobs: list[dict[str, Any]]) -> str:
        from .. import qformat

        return qformat.format_history(jobs)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    from ..dropin import run

    return run(COMMAND, translate, HistoryOutput, argv, environ)

