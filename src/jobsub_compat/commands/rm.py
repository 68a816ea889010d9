"""jobsub_rm (and jobsub_hold, jobsub_release, which differ only in their words).

Legacy: `-G` and one of `--jobid` (a comma list, each CLUSTER[.PROC]@SCHEDD), `--user`,
`--constraint`; a line per target (`Removing job with jobid=ID`, `removing jobs owned by
USER`, ...), then what condor said; non-zero when an action failed. jobsub_lite has no
`--user` for these (condor takes the owner as a plain word) and exits 0 whatever condor
did, so the drop-in reads condor's lines to give the status back.
"""

from __future__ import annotations

from .. import legacy, lite
from ..legacy import Parsed
from ..plan import Plan
from ..rewrite import Words, spelling
from ..warnings import UsageError
from . import common
from .q import selection

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


def translate_for(command: str) -> common.Body:
    action = ACTIONS[command]

    def body(plan: Plan, parsed: Parsed, grammar: legacy.Grammar,
             environ: Mapping[str, str]) -> None:
        group = common.group_of(parsed, environ) or ""
        keys = {i.row.key for i in parsed.items}
        if not keys & {"jobid", "user", "constraint"} and not parsed.passed:
            raise UsageError("give --jobid CLUSTER[.PROC]@SCHEDD, --user USER or "
                             "--constraint EXPR (the legacy client required one)")
        out = Words()
        preface = []
        users = [i.values[0] for i in parsed.items if i.row.key == "user"]
        constraints = [i.values[0] for i in parsed.items if i.row.key == "constraint"]
        for item in parsed.items:
            key = item.row.key
            if key == "jobid":
                ids = common.job_ids(item.values[0], many=True)
                preface += [action.one.format(job) for job in ids]
            elif key == "user":
                preface.append(action.owned.format(item.values[0]))
                plan.warn(item.row.code or "", f"{item.seen} {item.values[0]}: "
                          f"{item.row.reason}. {item.row.fix}")
                continue
            elif key == "constraint":
                preface.append(action.matching.format(item.values[0]))
                continue
            elif key == "forcex":
                plan.warn(item.row.code or "", f"{item.seen} {item.row.reason}. {item.row.fix}")
            out.option(spelling(item, grammar), item.values, item.form)
        expr = selection(group, users, constraints)
        if expr:
            out.option("--constraint", [expr], "sep")
        out.words.extend(parsed.passed)
        plan.text = "".join(line + "\n" for line in preface)
        plan.mode = "jobid" if "jobid" in keys else "any"
        plan.backend_argv.extend(lite.quote_for_lite(x) for x in out.words)

    return body


def translate(argv: list[str], environ: Mapping[str, str], lite_version: str | None = None,
              backend_path: str = "jobsub_rm", command: str = "jobsub_rm") -> Plan:
    return common.translate(command, argv, environ, translate_for(command),
                            backend_path=backend_path)


class ActionOutput:
    """Passes condor's lines on and counts what failed: for a --jobid list every target
    must succeed; for --user/--constraint one schedd that acted is enough, as in legacy
    (the others simply had no such jobs)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.action = ACTIONS[plan.command]
        self.succeeded = 0
        self.failed = 0

    def _see(self, text: str) -> str:
        done, whole_word = self.action.done, self.action.whole_word
        if common.says(text, FAILED, FAILED_START):
            self.failed += 1
        elif common.has_word(text, done) if whole_word else common.says(text, (done,)):
            self.succeeded += 1
        return text

    line = error_line = _see

    def finish(self, status: int) -> int:
        if status != 0:
            return status
        if self.plan.mode == "jobid":
            return 1 if self.failed else 0
        return 1 if self.failed and not self.succeeded else 0


def run_command(command: str, argv: list[str] | None = None,
                environ: Mapping[str, str] | None = None) -> int:
    from ..dropin import run

    def translate_command(argv: list[str], env: Mapping[str, str], version: str | None,
                          path: str) -> Plan:
        return translate(argv, env, version, path, command)

    return run(command, translate_command, ActionOutput, argv, environ)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    return run_command("jobsub_rm", argv, environ)

