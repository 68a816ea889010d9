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

from .. import codes as w
from .. import fates
from ..plan import Plan
from ..rewrite import Words, spelling
from ..warnings import UsageError
from . import common

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


COMMAND = "jobsub_q"
_ONE_VIEW = {"long", "dag", "hold", "run", "idle"}
_SUMMARY_CONFLICTS = {"long", "dag", "hold", "better_analyze", "user", "jobid", "role"}
# condor_q says so on stderr and prints no JSON for that schedd; jobsub_lite exits 0.
FAILED = ("failed to fetch ads", "failed to connect")  # or a line starting with "error"


def fold(users: list[str], constraint: str) -> str:
    """The legacy client's fold of --user into --constraint (jobsubClient.py
    JobSubClient.__init__: `Owner=?="%s"&&%s` unless the user's name is already in the
    constraint's text), as written: not parenthesised, so `A||B` binds as legacy bound it."""
    if users and users[-1] not in constraint:
        return f'Owner=?="{users[-1]}"&&{constraint}'
    return constraint


def _body(call: fates.Call) -> None:
    """The legacy selection (jobsubClient.py listJobs, then the server): --constraint alone
    (constraint.py doGET: no group, --jobid ignored); --better-analyze with --jobid, that
    job alone; else condor_commands.py constructFilter: `Owner=="U"` (with --user), the
    group, the job (with --jobid), ANDed. The group filter is jobsub_lite's
    `Jobsub_Group=?="G"` (legacy matched regexp("group_G.*", AccountingGroup), a prefix).
    A --jobid alone keeps jobsub_lite's meaning, the job (words both accept): legacy also
    required it to be in the group, which only ever hid a job of another group."""
    plan, parsed, environ, out = call.plan, call.parsed, call.environ, call.out
    given = common.group_of(parsed, environ, False, plan)
    group = given or _group_from_token(plan, out, environ)
    keys = [i.row.key for i in parsed.items]
    if "summary" in keys and _SUMMARY_CONFLICTS & set(keys):
        clash = sorted(_SUMMARY_CONFLICTS & set(keys))[0].replace("_", "-")
        raise UsageError(f"--summary cannot be combined with --{clash} (the legacy client "
                         "refused it too); drop one of them")
    if "better_analyze" in keys and "jobid" not in keys:
        raise UsageError("--better-analyze needs --jobid CLUSTER.PROC@SCHEDD")
    users = [i.values[0] for i in parsed.items if i.row.key == "user"]
    constraints = [i.values[0] for i in parsed.items if i.row.key == "constraint"]
    jobs = [i for i in parsed.items if i.row.key == "jobid"]
    for item in jobs:
        _check_jobs(item.values[0])
    shown = [i for i in parsed.items if i.row.key in _ONE_VIEW]
    for item in shown[:-1]:  # one legacy destination: the last one wins
        parsed.items.remove(item)
        plan.warn(w.REPEATED_LAST_WINS, f"{item.seen} is overridden by the later "
                  f"{shown[-1].seen} (the legacy client kept the last); dropped. Give one.")
    expr = None
    if constraints:
        expr = fold(users, constraints[-1])
        if jobs:
            plan.warn(w.IGNORED_BESIDE, f"{jobs[-1].seen} {jobs[-1].values[0]} is ignored "
                      "beside --constraint, as the legacy client ignored it (the constraint "
                      "alone selected); dropped. Put the job in the constraint.")
        jobs = []
        plan.details["view_filter"] = "off"  # constraint.py: the view's layout, no filter
    elif "better_analyze" in keys:
        if users:
            plan.warn(w.IGNORED_BESIDE, "--user is ignored beside --better-analyze --jobid, "
                      "as the legacy client ignored it; dropped. Remove --user.")
    elif users:
        expr = f'Owner=="{users[-1]}"&&Jobsub_Group=?="{group}"'
    for item in parsed.items:
        fates.apply(call, item)  # the job selection's rows are written below
    view = call.view
    if jobs:
        out.option(spelling(jobs[-1], call.grammar), jobs[-1].values, jobs[-1].form)
    if expr:
        out.option("--constraint", [expr], "sep")
        out.words.append("-allusers")
    if parsed.passed:
        view = ""  # a line written for jobsub_lite: condor's own output
        out.words.extend(parsed.passed)
    if view:
        out.words.append("-json")
    plan.mode = view
    plan.backend_argv.extend(out.words)  # jobsub_cmd applies no quote layer: words as is


def _check_jobs(value: str) -> None:
    """Each id of a --jobid list: legacy's CLUSTER[.PROC]@SCHEDD, or the bare
    CLUSTER[.PROC] jobsub_lite-era scripts write (jobsub_lite gives it to condor_q on every
    schedd of the group: a word jobsub_lite accepts keeps its meaning). Anything else is
    what legacy refused it as (jobsubClient.py jid_callback, check_id: exit 1): a trailing
    comma, a name, an id whose schedd is not *fnal.gov."""
    for part in value.split(","):
        if common.is_job_id(part) or common.is_cluster(part):
            continue
        common.check_ids(value)  # legacy's first refusal: no '@' anywhere
        raise common.malformed(part)


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
              lite_version: str | None = None, backend_path: str = COMMAND,
              command: str = COMMAND) -> Plan:
    return common.translate(command, argv, environ, _body, backend_path=backend_path)


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
        if common.says(text, FAILED, "error") and not common.logged(text):
            self.failed = True
        return text

    def render(self, jobs: list[dict[str, Any]]) -> str:
        from .. import qformat

        return qformat.format_q(jobs, self.plan.mode,
                                by_status=self.plan.details.get("view_filter") != "off")

    def finish(self, status: int) -> int:
        if self.plan.mode:
            from .. import qformat

            sys.stdout.write(self.render(qformat.parse_json_stream("".join(self.held))))
            sys.stdout.flush()
        return 1 if status == 0 and self.failed else status


def facts() -> tuple[common.Fact, ...]:
    """jobsub_q's rows of the selection table (compat-matrix.md), checked by the tests."""
    fact, job = common.Fact, "1.0@jobsub01.fnal.gov"
    return (
        fact("group", "-G, else $JOBSUB_GROUP; none: every group's jobs (client/jobsub_q; "
             "jobsubClient.py listJobs, JOBSUB_Q_NO_GROUP_URL_PATTERN)",
             "-G, else $JOBSUB_GROUP, else $GROUP (JC304); none: the group of your token "
             "(JC303), since jobsub_lite lists one group's", ("--user", "bob"),
             words=("--constraint", 'Owner=="bob"&&Jobsub_Group=?="gm2"'),
             code=w.GROUP_FROM_ENV,
             env={"JOBSUB_GROUP": None, "GROUP": "gm2"}),
        fact("default", "the group's jobs, every user's (constructFilter)",
             "jobsub_lite's own: `-allusers -constraint Jobsub_Group=?=\"G\"`", ("-G", "gm2"),
             words=("-G", "gm2", "-json")),
        fact("--user U", "`Owner==\"U\"` AND the group (condor_commands.py constructFilter)",
             "the same constraint, with -allusers", ("--user", "bob"),
             words=("--constraint", 'Owner=="bob"&&Jobsub_Group=?="gm2"', "-allusers")),
        fact("--jobid C.P@S", "that job, if in the group (constructFilter); `C.@S`, `C@S`: "
             "the cluster", "jobsub_lite's meaning, the job: --jobid for jobsub_lite "
             "(condor_q -name S C.P), no group filter", ("--jobid", job),
             words=("--jobid", job), absent=("--constraint",)),
        fact("--user U --jobid C.P@S", "that job AND `Owner==\"U\"` AND the group "
             "(constructFilter)", "the same", ("--user", "bob", "--jobid", job),
             words=("--jobid", job, "--constraint", 'Owner=="bob"&&Jobsub_Group=?="gm2"')),
        fact("--jobid without @SCHEDD", "refused: `missing an '@'` (jid_callback), exit 1",
             "jobsub_lite's meaning: that cluster (or a comma list) on every schedd of the "
             "group, no group filter", ("--jobid", "12345678"),
             words=("--jobid", "12345678"), absent=("--constraint",)),
        fact("--jobid list ending in a comma", "malformed (check_id), exit 1", "exit 1",
             ("--jobid", f"{job},"), status=1, code=common.jobid_code()),
        fact("--constraint C", "C alone: no group filter, --jobid ignored (constraint.py "
             "doGET); --user folded in as `Owner=?=\"U\"&&C` (JobSubClient.__init__)",
             "the same, as written (not parenthesised); --jobid dropped (JC305)",
             ("--user", "bob", "--constraint", "JobStatus==5", "--jobid", job),
             words=("--constraint", 'Owner=?="bob"&&JobStatus==5'), absent=("--jobid",),
             code=w.IGNORED_BESIDE),
        fact("a plain word (owner, cluster)", "ignored: the help, exit 0 (client/jobsub_q "
             "parse_opts, `len(remainder) > 1`)", "jobsub_lite's meaning: condor_q's owner or "
             "job, condor's own output", ("-G", "gm2", "bob"), words=("-G", "gm2", "bob"),
             absent=("-json",)),
        fact("--better-analyze", "needs --jobid, else exit 1; that job alone",
             "the same (condor_q -better-analyze)", ("--better-analyze",), status=1),
        fact("--summary beside --user, --jobid, --long, ...", "refused (required_args_present), "
             "exit 1", "exit 1", ("--summary", "--user", "bob"), status=1),
        *common.status_facts((), "--summary conflicts, a malformed --jobid",
                             ("--jobid", "1.0@jobsub01")),
    )
