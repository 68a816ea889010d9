"""jobsub_rm, jobsub_hold and jobsub_release, which differ only in their words (ACTIONS).

Legacy: `-G` and one of `--jobid` (a comma list, each CLUSTER[.PROC]@SCHEDD), `--user`,
`--constraint`; a line per target (`Removing job with jobid=ID`, `removing jobs owned by
USER`, ...), then what condor said; non-zero when an action failed. The selection is the
legacy server's (server/webapp/util.py doJobAction), written as one constraint for
jobsub_lite, which has no `--user` for these and would hand a name to condor as another
target; and jobsub_lite exits 0 whatever condor did, so the drop-in reads condor's lines
to give the status back.
"""

from __future__ import annotations

import sys

from .. import codes as w
from .. import fates
from ..plan import Plan, one_line
from ..rewrite import spelling
from ..warnings import UsageError
from . import common

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping


class Action:
    def __init__(self, command: str, one: str, owned: str, matching: str, done: str,
                 whole_word: bool) -> None:
        self.command = command
        self.one = one  # "Removing job with jobid={}"
        self.owned = owned  # "removing jobs owned by {}"
        self.matching = matching  # "removing jobs with constraint={}"
        self.done = done  # what condor prints for a job it acted on (any case)
        self.whole_word = whole_word  # `held`, not `beheld`


ACTIONS = {
    "jobsub_rm": Action("jobsub_rm", "Removing job with jobid={}", "removing jobs owned by {}",
                        "removing jobs with constraint={}", "marked for removal", False),
    "jobsub_hold": Action("jobsub_hold", "Holding job with jobid={}", "Holding jobs owned by {}",
                          "Holding jobs with constraint={}", "held", True),
    "jobsub_release": Action("jobsub_release", "Releasing job with jobid={}",
                             "Releasing jobs owned by {}", "Releasing jobs with constraint={}",
                             "released", True),
}
# condor_rm/hold/release's lines for a target it could not act on, in any case, anywhere
# in the line; and lines that start with "error". (HTCondor condor_rm.V6/rm.cpp and
# dc_schedd.cpp wording.) Plain text, not regexes: importing re costs ~5 ms a call.
FAILED = ("couldn't find", "not found", "permission denied", "not authorized",
          "no jobs in the queue", "not held to be released", "already held",
          "did not specify any jobs", "unrecognized option", "failed to")
FAILED_START = "error"


def selection(group: str, users: list[str], constraint: str) -> str:
    """The constraint of a legacy --constraint or --user action (server/webapp/util.py
    doJobAction): `(Owner =?= "U") && C` unless U is in C's text, then the group's jobs
    unless the group's name is in that text (legacy's `regexp("group_G.*",AccountingGroup)`
    is jobsub_lite's `Jobsub_Group=?="G"` here); as written, not parenthesised."""
    user = users[-1] if users else ""
    if constraint:
        expr = f'(Owner =?= "{user}") && {constraint}' if user and user not in constraint \
            else constraint
        return expr if group in expr else f'Jobsub_Group=?="{group}" && {expr}'
    return f'Jobsub_Group=?="{group}" && (Owner =?= "{user}")'


def translate_for(command: str) -> common.Body:
    action = ACTIONS[command]

    def body(call: fates.Call) -> None:
        """client/jobsub_rm main and jobsubClient.py remove/hold/release: the ids of
        --jobid one after the other (each line printed, then acted on); a bad one stops
        there with exit 1, after the ones before it were acted on. --constraint selects
        alone (ids ignored), else the ids (--user only named who may act), else --user."""
        plan, parsed, grammar, out = call.plan, call.parsed, call.grammar, call.out
        group = common.group_of(parsed, call.environ, plan=plan) or ""
        keys = {i.row.key for i in parsed.items}
        if not keys & {"jobid", "user", "constraint"} and not parsed.passed:
            raise UsageError("give --jobid CLUSTER[.PROC]@SCHEDD, --user USER or "
                             "--constraint EXPR (the legacy client's \"Missing required "
                             "arguments\")")
        users = [i.values[0] for i in parsed.items if i.row.key == "user"]
        constraints = [i.values[0] for i in parsed.items if i.row.key == "constraint"]
        jobids = [i for i in parsed.items if i.row.key == "jobid"]
        preface: list[str] = []
        ids: list[str] = []
        if jobids:
            value = jobids[-1].values[0]
            common.check_ids(value)
            for job in value.split(","):
                preface.append(action.one.format(job))
                problem = _bad_id(command, job, bool(constraints))
                if problem:
                    if not ids:  # nothing acted on yet: the call ends here
                        raise problem
                    plan.details["after"] = one_line(f"[{problem.code}] {problem}")
                    break
                ids.append(job)
        else:
            preface += [action.owned.format(u) for u in users[-1:]]
            preface += [action.matching.format(c) for c in constraints[-1:]]
        for item in parsed.items:
            fates.apply(call, item)  # the selection's rows are written below
        if constraints:
            if jobids:
                plan.warn(w.IGNORED_BESIDE, f"{jobids[-1].seen} {jobids[-1].values[0]} is "
                          "ignored beside --constraint, as the legacy client ignored it (the "
                          "constraint alone selected); dropped. Put the job in the constraint.")
            ids = []
            out.option("--constraint", [selection(group, users, constraints[-1])], "sep")
        elif ids:
            if users:
                plan.warn(w.IGNORED_BESIDE, f"--user {users[-1]} is ignored beside --jobid, "
                          "as the legacy server ignored it (it only checked that the user was "
                          "you); dropped. Remove --user.")
            out.option(spelling(jobids[-1], grammar), [",".join(ids)], jobids[-1].form)
        elif users:
            out.option("--constraint", [selection(group, users, "")], "sep")
        out.words.extend(parsed.passed)
        plan.text = "".join(line + "\n" for line in preface)
        plan.mode = "jobid" if ids else "any"
        plan.details["targets"] = str(len(ids))
        plan.backend_argv.extend(out.words)  # jobsub_cmd applies no quote layer: words as is

    return body


def _bad_id(command: str, job: str, constraint: bool) -> UsageError | None:
    """Why the legacy client stopped at this id of the list, if it did: hold and release
    checked every id first (check_id: malformed, exit 1; the empty id after a trailing
    comma too); remove only when it acted on the id (without --constraint), and an empty one
    was `remove requires either a jobid or uid or constraint` (JobSubClientError, exit 1)."""
    if command != "jobsub_rm" or not constraint:
        if command == "jobsub_rm" and not job:
            return UsageError("remove requires either a jobid or uid or constraint: the "
                              "--jobid list ends in a comma (or holds an empty id); remove it",
                              common.jobid_code())
        if not common.is_job_id(job):
            return common.malformed(job)
    return None


def translate(argv: list[str], environ: Mapping[str, str], lite_version: str | None = None,
              backend_path: str | None = None, command: str = "jobsub_rm") -> Plan:
    """The Plan of a jobsub_rm, jobsub_hold or jobsub_release (`command`) call."""
    return common.translate(command, argv, environ, translate_for(command),
                            backend_path=backend_path or command)


class ActionOutput:
    """Passes condor's lines on and counts what was done and what failed: for a --jobid
    list every id must succeed (the legacy exit status was the sum of the per-id ones);
    for --user/--constraint one schedd that acted is enough (0 if any schedd call
    succeeded), as in legacy. A bad id later in the list (details "after") is reported
    once the ids before it were acted on, with exit 1."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.action = ACTIONS[plan.command]
        self.succeeded = 0
        self.failed = 0

    def _see(self, text: str) -> str:
        done, whole_word = self.action.done, self.action.whole_word
        if common.says(text, FAILED, FAILED_START) and not common.logged(text):
            self.failed += 1
        elif common.has_word(text, done) if whole_word else common.says(text, (done,)):
            self.succeeded += 1
        return text

    line = error_line = _see

    def finish(self, status: int) -> int:
        after = self.plan.details.get("after")
        if after:
            sys.stdout.flush()
            sys.stderr.write(f"{self.plan.command}: error: {after}\n")
            sys.stderr.flush()
        if status != 0:
            return status
        if after:
            return 1
        if self.plan.mode == "jobid":
            targets = int(self.plan.details.get("targets", "1"))
            return 1 if self.failed or self.succeeded < targets else 0
        return 0 if self.succeeded else 1


def facts() -> tuple[common.Fact, ...]:
    """jobsub_rm's (and hold's, release's) rows of the selection table, checked by the
    tests."""
    fact, a, b = common.Fact, "1.0@jobsub01.fnal.gov", "2@jobsub01.fnal.gov"
    return (
        fact("group", "required: -G, else $JOBSUB_GROUP; none: `Missing required arguments`, "
             "exit 1", "the same, and $GROUP (JC304)", ("--user", "bob"), status=1,
             env={"JOBSUB_GROUP": None}),
        fact("target", "one of --jobid, --user, --constraint required, else exit 1",
             "the same", ("-G", "gm2"), status=1),
        fact("--jobid LIST", "each id in turn (its line printed, then acted on, on its "
             "schedd); the exit status the sum of theirs (client/jobsub_rm main)",
             "the ids to jobsub_lite (condor_rm -name S C.P); exit 1 unless every id was "
             "acted on", ("--jobid", f"{a},{b}"), words=("--jobid", f"{a},{b}")),
        fact("a bad id in the list", "the ids before it acted on, then exit 1: `@` missing "
             "(whole value), malformed (check_id), or an empty id after a trailing comma "
             "(remove: `remove requires either a jobid or uid or constraint`)",
             "the same: the ids before it to jobsub_lite, then the message, exit 1",
             ("--jobid", f"{a},"), status=1, words=("--jobid", a)),
        fact("--user U", "the group's jobs of U: `regexp(group) && (Owner =?= \"U\")` "
             "(server util.py doJobAction), every schedd",
             "`Jobsub_Group=?=\"G\" && (Owner =?= \"U\")`", ("--user", "bob"),
             words=("--constraint", 'Jobsub_Group=?="gm2" && (Owner =?= "bob")')),
        fact("--constraint C", "`regexp(group) && (Owner =?= \"U\") && C` as written (the "
             "user only with --user and not in C; the group only when its name is not in C); "
             "--jobid ignored", "the same, `Jobsub_Group=?=\"G\"` for the group; --jobid "
             "dropped (JC305)", ("--user", "bob", "--constraint", "JobStatus==5"),
             words=("--constraint", 'Jobsub_Group=?="gm2" && (Owner =?= "bob") && '
                    'JobStatus==5')),
        fact("--user beside --jobid", "the job (the server only checked the user was you)",
             "--user dropped (JC305)", ("--user", "bob", "--jobid", a),
             words=("--jobid", a), absent=("--constraint",), code=w.IGNORED_BESIDE),
        *common.status_facts(("--user", "bob"), "missing -G or target, a job id without "
                             "`@` or malformed", ("--jobid", "12345.0")),
    )
