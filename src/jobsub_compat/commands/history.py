"""jobsub_history: finished jobs in the legacy columns.

jobsub_lite 1.12's jobsub_history reads only `YYYY-MM-DD` dates, ignores its own
`--constraint`, and drops the schedd of `--jobid`, so condor_history then asks the local
schedd. The drop-in hands condor_history its constraint and `-name SCHEDD` itself
(jobsub_lite passes unknown words on), asks for `-json`, and formats the legacy table.
"""

from __future__ import annotations

from .. import fates
from ..plan import Plan
from . import common
from .q import QOutput

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


COMMAND = "jobsub_history"
def _body(call: fates.Call) -> None:
    """The legacy selection (server/webapp/sqlite_commands.py constructQuery, handle_jobid):
    the group AND the user AND the job AND the dates, in one constraint (jobsub_lite would
    hand --user and the job to condor_history as words, which it ORs, and add no group):
    `Jobsub_Group=?="G"`, `Owner=?="U"` (sqlite's `=`, case-sensitive), `ClusterId==C`
    (`C.@S`, `C@S`: the whole cluster, as `like 'C.%@S'`) `&& ProcId==P`, QDate bounds;
    `-name SCHEDD` of the job (each legacy schedd kept its own history)."""
    plan, parsed, out, terms = call.plan, call.parsed, call.out, call.terms
    group = common.group_of(parsed, call.environ, plan=plan) or ""
    terms.append(f'Jobsub_Group=?="{group}"')
    users = [i.values[0] for i in parsed.items if i.row.key == "user"]
    if users:
        terms.append(f'Owner=?="{users[-1]}"')
    schedd = job = ""
    for item in parsed.items:
        if item.row.key == "jobid":  # the job, from its own schedd's history (below)
            cluster, proc, schedd = common.split_job_id(common.job_id(item.values[0]))
            job = f"ClusterId=={cluster}" + (f" && ProcId=={proc}" if proc else "")
        fates.apply(call, item)
    if job:
        terms.append(job)
        out.words += ["-name", schedd]
    out.words += ["-constraint", " && ".join(terms)]
    out.words.extend(parsed.passed)
    plan.mode = "" if parsed.passed else "history"
    if plan.mode:
        out.words.append("-json")
    # jobsub_history runs `condor_history 'WORD' ...` through os.system: a single quote
    # inside a word is written '\'' so that the shell gives it back.
    plan.backend_argv.extend(word.replace("'", "'\\''") for word in out.words)


def translate(argv: list[str], environ: Mapping[str, str],
              lite_version: str | None = None, backend_path: str = COMMAND,
              command: str = COMMAND) -> Plan:
    return common.translate(command, argv, environ, _body, backend_path=backend_path)


class HistoryOutput(QOutput):
    def render(self, jobs: list[dict[str, Any]]) -> str:
        from .. import qformat

        return qformat.format_history(jobs)


def facts() -> tuple[common.Fact, ...]:
    """jobsub_history's rows of the selection table, checked by the tests."""
    fact, job = common.Fact, "12.0@jobsub01.fnal.gov"
    return (
        fact("group", "required (`Missing required arguments`, exit 1); the group's jobs "
             "(sqlite_commands.py constructQuery `acctgroup=`)", "the same, "
             "`Jobsub_Group=?=\"G\"`; $GROUP too (JC304)", (), status=1,
             env={"JOBSUB_GROUP": None}),
        fact("--user U", "AND `Owner=\"U\"`", "AND `Owner=?=\"U\"` (jobsub_lite would OR the "
             "name with the job and drop the group)", ("--user", "bob"),
             words=("-constraint", 'Jobsub_Group=?="gm2" && Owner=?="bob"')),
        fact("--jobid C.P@S", "AND that job (handle_jobid: `C.@S`, `C@S` the cluster), from "
             "S's history", "AND `ClusterId==C && ProcId==P`, `-name S`",
             ("--user", "bob", "--jobid", job),
             words=("-name", "jobsub01.fnal.gov", "-constraint",
                    'Jobsub_Group=?="gm2" && Owner=?="bob" && ClusterId==12 && ProcId==0')),
        fact("schedds", "every schedd's history (jobsubClient.py history loops over "
             "schedd_list)", "not reproduced without --jobid: jobsub_lite runs one "
             "condor_history, which reads the schedd its configuration names (SCHEDD_HOST); "
             "with --jobid, `-name S`", ("--user", "bob"), absent=("-name",)),
        fact("--jobid without @SCHEDD", "refused (jid_callback), exit 1", "exit 1 "
             "(jobsub_lite would ask the local schedd)", ("--jobid", "12"), status=1),
        fact("--qdate-ge/--qdate-le DATE", "AND the submit date; a bad date exit 1 "
             "(date_callback)", "AND `QDate >= EPOCH` / `<=`; exit 1",
             ("--qdate-ge", "2024-13-01"), status=1),
        fact("--constraint C", "no such option (exit 2)", "accepted (jobsub_lite parses it): "
             "AND (C)", ("--constraint", "JobStatus==4"),
             words=("-constraint", 'Jobsub_Group=?="gm2" && (JobStatus==4)')),
        *common.status_facts((), "missing -G, a job id without `@`, a bad date",
                             ("--jobid", "12345.0")),
    )
