"""jobsub_fetchlog: a job's sandbox, with the legacy options and messages.

jobsub_lite's fetchlog rejects the legacy `--jobsub-server`, `--user`, `--timeout` and
`--list-sandboxes`; the first three are dropped with a warning (`--user` only ever served
`--list`), and the listing is emulated from jobsub_q and jobsub_history.
"""

from __future__ import annotations

import os
import sys
import time

from .. import backend, legacy, lite
from ..legacy import Parsed
from ..plan import Plan
from ..rewrite import Words, spelling
from ..warnings import RuntimeFailure, UsageError
from . import common

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

COMMAND = "jobsub_fetchlog"


def _body(plan: Plan, parsed: Parsed, grammar: legacy.Grammar,
          environ: Mapping[str, str]) -> None:
    keys = [i.row.key for i in parsed.items]
    group = common.group_of(parsed, environ)
    if "list" in keys:
        user = ([i.values[0] for i in parsed.items if i.row.key == "user"] or
                [environ.get("USER", "")])[-1]
        if not user:
            raise UsageError("--list needs --user USER (or $USER)")
        plan.mode = "list"
        plan.details.update(group=group or "", user=user)
        item = next(i for i in parsed.items if i.row.key == "list")
        plan.warn(item.row.code or "", f"{item.seen} {item.row.reason}. {item.row.fix}")
        return
    jobs = [i for i in parsed.items if i.row.key == "jobid"]
    positional = [word for word in parsed.passed if not word.startswith("-")]
    if not jobs and not positional:
        raise UsageError("give --jobid CLUSTER.PROC@SCHEDD (or --list)")
    out = Words()
    for item in parsed.items:
        key = item.row.key
        if key == "user":
            plan.warn(item.row.code or "", f"{item.seen} {item.values[0]} "
                      f"{item.row.reason}; dropped. {item.row.fix}")
            continue
        if key == "jobid":
            common.job_ids(item.values[0], many=False)
            plan.details["job"] = item.values[0].replace(".@", "@")
        if key in ("destdir", "archive_format"):
            plan.details[key] = item.values[0]
        out.option(spelling(item, grammar), item.values, item.form)
    if positional and "job" not in plan.details:
        plan.details["job"] = positional[0].replace(".@", "@")
    out.words.extend(parsed.passed)
    plan.backend_argv.extend(lite.quote_for_lite(x) for x in out.words)


def translate(argv: list[str], environ: Mapping[str, str],
              lite_version: str | None = None, backend_path: str = COMMAND) -> Plan:
    return common.translate(COMMAND, argv, environ, _body, backend_path=backend_path)


class FetchOutput:
    """jobsub_lite's lines, then the legacy ones scripts look for."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def line(self, text: str) -> str | None:
        return text

    def finish(self, status: int) -> int:
        details = self.plan.details
        if status != 0 or "job" not in details:
            return status
        suffix = "zip" if details.get("archive_format") == "zip" else "tgz"
        print(f"Downloaded to {details['job']}.{suffix}")
        if "destdir" in details:
            print(f"Moved files to {details['destdir']}")
        sys.stdout.flush()
        return status


def list_sandboxes(plan: Plan, environ: Mapping[str, str]) -> int:
    """`--list`: the user's jobs of the group (queued and finished), per schedd."""
    from .. import qformat

    group, user = plan.details["group"], plan.details["user"]
    found: dict[str, list[tuple[str, float]]] = {}
    for command in ("jobsub_q", "jobsub_history"):
        try:
            tool = backend.find(command, environ)
        except RuntimeFailure as exc:
            print(f"{COMMAND}: error: {exc}", file=sys.stderr)
            return 1
        status, output = backend.capture([tool.path, "-G", group, "--user", user, "-json"],
                                         {**environ, backend.MARKER: COMMAND})
        if status != 0:
            print(f"{COMMAND}: error: {command} failed (status {status}); try again later",
                  file=sys.stderr)
            return 1
        for ad in qformat.parse_json_stream(output):
            job = qformat.job_id(ad)
            found.setdefault(job.split("@", 1)[-1], []).append((job, float(ad.get("QDate", 0))))
    for schedd in sorted(found):
        print(f"JobsubJobID CreationDate for user {user} in Accounting Group {group}")
        for job, created in sorted(set(found[schedd])):
            print(f"{job}   {time.ctime(created)}")
    return 0


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    from .. import dropin

    args = sys.argv[1:] if argv is None else list(argv)
    env = os.environ if environ is None else environ
    plan = translate(args, env)
    if plan.mode == "list" and env.get("JOBSUB_COMPAT_DRY_RUN") != "1":
        for warning in plan.warnings:
            print(warning.line(COMMAND), file=sys.stderr)
        return list_sandboxes(plan, env)
    return dropin.run(COMMAND, translate, FetchOutput, args, env)
