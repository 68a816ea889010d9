"""jobsub_q: the legacy query, answered in the legacy layout from condor_q's JSON.

jobsub_lite's jobsub_q prints a table of its own (other header words, widths, sorting
and summary line) and exits 0 even when condor_q fails. Scripts awk the legacy columns
and retry on a non-zero status, so the drop-in asks jobsub_lite for `-json` (handed to
condor_q), formats the legacy table itself (qformat), and exits 1 when a query failed.
Condor's own formats (--long, --better-analyze, or any condor option written for
jobsub_lite) pass through untouched.
"""

from __future__ import annotations

import sys

from .. import legacy, lite
from .. import warnings as w
from ..legacy import Parsed
from ..plan import Plan
from ..rewrite import Words, spelling
from ..warnings import UsageError
from . import common

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


COMMAND = "jobsub_q"
VIEWS = {"dag", "hold", "run", "idle", "summary"}
RAW = {"long", "better_analyze"}
_ONE_VIEW = {"long", "dag", "hold", "run", "idle"}
_SUMMARY_CONFLICTS = {"long", "dag", "hold", "better_analyze", "user", "jobid", "role"}
# condor_q says so on stderr and prints no JSON for that schedd; jobsub_lite exits 0.
FAILED = ("failed to fetch ads", "failed to connect")  # or a line starting with "error"


def selection(group: str, users: list[str], constraints: list[str]) -> str | None:
    """One constraint for --user/--constraint, as the legacy server applied them: the
    client folded the user into the constraint (`Owner=?="u"&&C`) and the server kept to
    the group's jobs. jobsub_lite would drop the group filter once a user or constraint is
    given, and condor treats an owner name beside a constraint as another selection."""
    if not users and not constraints:
        return None
    expr = constraints[-1] if constraints else ""
    if users and users[-1] not in expr:
        expr = f'Owner=?="{users[-1]}"' + (f"&&{expr}" if expr else "")
    return f'({expr})&&Jobsub_Group=?="{group}"'


def _body(plan: Plan, parsed: Parsed, grammar: legacy.Grammar,
          environ: Mapping[str, str]) -> None:
    out = Words()
    group = common.group_of(parsed, environ, required=False) or _group_from_token(plan, out,
                                                                                   environ)
    keys = [i.row.key for i in parsed.items]
    if "summary" in keys and _SUMMARY_CONFLICTS & set(keys):
        clash = sorted(_SUMMARY_CONFLICTS & set(keys))[0].replace("_", "-")
        raise UsageError(f"--summary cannot be combined with --{clash} (the legacy client "
                         "refused it too); drop one of them")
    if "better_analyze" in keys and "jobid" not in keys:
        raise UsageError("--better-analyze needs --jobid CLUSTER.PROC@SCHEDD")
    users = [i.values[0] for i in parsed.items if i.row.key == "user"]
    constraints = [i.values[0] for i in parsed.items if i.row.key == "constraint"]
    shown = [i for i in parsed.items if i.row.key in _ONE_VIEW]
    for item in shown[:-1]:  # one legacy destination: the last one wins
        parsed.items.remove(item)
        plan.warn(w.REPEATED_LAST_WINS, f"{item.seen} is overridden by the later "
                  f"{shown[-1].seen} (the legacy client kept the last); dropped. Give one.")
    view = "default"
    for item in parsed.items:
        key = item.row.key
        if key == "jobid":
            common.job_ids(item.values[0], many=False)
        if key in VIEWS:
            view = key
            plan.warn(item.row.code or "", f"{item.seen} {item.row.reason}.")
            continue
        if key in RAW:
            view = ""
            plan.warn(item.row.code or "", f"{item.seen} {item.row.reason}. {item.row.fix}")
        if key in ("user", "constraint"):
            continue  # one selection, below
        out.option(spelling(item, grammar), item.values, item.form)
    expr = selection(group, users, constraints)
    if expr:
        out.option("--constraint", [expr], "sep")
        out.words.append("-allusers")
    if parsed.passed:
        view = ""  # a line written for jobsub_lite: condor's own output
        out.words.extend(parsed.passed)
    if view:
        out.words.append("-json")
    plan.mode = view
    plan.backend_argv.extend(lite.quote_for_lite(x) for x in out.words)


def _group_from_token(plan: Plan, out: Words, environ: Mapping[str, str]) -> str:
    """No -G, JOBSUB_GROUP or GROUP: the legacy client then listed the user's jobs in every
    group, but jobsub_lite needs one group (its schedds and token are per group)."""
    from .. import tokens

    found = tokens.group_from_tokens(environ)
    if found is None:
        raise UsageError("no group: jobsub_lite lists one group's jobs (the legacy client "
                         "listed every group's); give -G GROUP or export JOBSUB_GROUP=GROUP")
    group, path = found
    out.option("-G", [group], "sep")
    plan.details["group"] = group
    plan.warn(w.GROUP_FROM_TOKEN, f"no group: the legacy client listed your jobs in every "
              f"group; jobsub_lite lists one group's: {group}, the group of the token in "
              f"{path}. Give -G {group}")
    return group


def translate(argv: list[str], environ: Mapping[str, str],
              lite_version: str | None = None, backend_path: str = COMMAND) -> Plan:
    return common.translate(COMMAND, argv, environ, _body, backend_path=backend_path)


class QOutput:
    """Holds condor_q's JSON and prints the legacy table at the end; notices failures."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.held: list[str] = []
        self.failed = False

    def line(self, text: str) -> str | None:
        if not self.plan.mode:
            return text
        self.held.append(text)
        return None

    def error_line(self, text: str) -> str | None:
        if common.says(text, FAILED, "error"):
            self.failed = True
        return text

    def render(self, jobs: list[dict[str, Any]]) -> str:
        from .. import qformat

        return qformat.format_q(jobs, self.plan.mode)

    def finish(self, status: int) -> int:
        if self.plan.mode:
            from .. import qformat

            sys.stdout.write(self.render(qformat.parse_json_stream("".join(self.held))))
            sys.stdout.flush()
        return 1 if status == 0 and self.failed else status


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    from ..dropin import run

    return run(COMMAND, translate, QOutput, argv, environ)
