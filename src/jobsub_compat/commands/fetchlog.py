"""jobsub_fetchlog: a job's sandbox, with the legacy options, messages and files.

jobsub_lite's fetchlog rejects the legacy `--jobsub-server`, `--user`, `--timeout` and
`--list-sandboxes`; the first three are dropped with a warning (`--user` only ever served
`--list`), and the listing is emulated from jobsub_q and jobsub_history. Its web-service
fetch makes only tar, so `--archive-format zip` is asked as tar and repacked into the
legacy `<jobid>.zip` (JC168); the archive is named after the job id as written.
"""

from __future__ import annotations

import os
import posixpath
import sys
import time

from .. import backend, fates, options
from ..plan import Plan
from ..warnings import RuntimeFailure, UsageError
from . import common

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Callable

COMMAND = "jobsub_fetchlog"


def _body(call: fates.Call) -> None:
    """client/jobsub_fetchlog parse_opts: (-G and --jobid) or --list, else "Missing
    required arguments" (exit 1); the id checked whole (jid_callback, check_id: exit 1);
    --timeout an integer (optparse, exit 2). A job id written after the options is
    jobsub_lite's positional job_id and keeps its meaning."""
    plan, parsed, environ = call.plan, call.parsed, call.environ
    keys = [i.row.key for i in parsed.items]
    group = common.group_of(parsed, environ, plan=plan)
    if "list" in keys:
        user = ([i.values[0] for i in parsed.items if i.row.key == "user"] or
                [environ.get("USER", "")])[-1]
        if not user:
            raise UsageError("--list needs --user USER (or $USER)")
        plan.action, plan.mode = "local", "list"
        plan.details.update(group=group or "", user=user)
        fates.emulated(call, next(i for i in parsed.items if i.row.key == "list"))
        return
    jobs = [i for i in parsed.items if i.row.key == "jobid"]
    positional = [word for word in parsed.passed if not word.startswith("-")]
    if not jobs and not positional:
        raise UsageError("give --jobid CLUSTER.PROC@SCHEDD, or --list (the legacy client's "
                         "\"Missing required arguments\")")
    out = call.out
    for item in parsed.items:
        key = item.row.key
        if key == "jobid":  # where FetchOutput puts the archive
            plan.details["job"] = common.job_id(item.values[0])
        if key == "destdir":
            plan.details[key] = item.values[0]
        fates.apply(call, item)
    if positional and "job" not in plan.details:
        plan.details["job"] = positional[0]
    out.words.extend(parsed.passed)
    plan.backend_argv.extend(out.words)  # jobsub_fetchlog applies no quote layer


def translate(argv: list[str], environ: Mapping[str, str],
              lite_version: str | None = None, backend_path: str = COMMAND,
              command: str = COMMAND) -> Plan:
    return common.translate(command, argv, environ, _body, backend_path=backend_path)


class FetchOutput:
    """jobsub_lite's lines, then the file and the lines legacy gave: <jobid>.tgz (or .zip)
    in the current directory named after the id as written (client/jobsub_fetchlog
    get_sandbox: `fn = '%s.tgz' % options.jobId`), `Downloaded to FILE`, and with a
    destination directory `Moved files to DIR` (the archive unpacked there, then removed).
    jobsub_lite writes `<jobid>.tgz` with `1.@s` read as `1@s`; a zip is repacked from it."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def line(self, text: str) -> str | None:
        return text

    def finish(self, status: int) -> int:
        details = self.plan.details
        if status != 0 or "job" not in details:
            return status
        given = details["job"]
        name = f"{given}.zip" if details.get("archive_format") == "zip" else f"{given}.tgz"
        if "destdir" not in details:
            fetched = f"{given.replace('.@', '@')}.tgz"
            try:
                if name.endswith(".zip"):
                    repack_zip(fetched, name, given)
                    os.remove(fetched)
                elif fetched != name:
                    os.replace(fetched, name)
            except (OSError, ValueError) as exc:
                print(f"{COMMAND}: error: the fetched {fetched} could not be made into {name} "
                      f"({exc}); fetch it again with --archive-format tar", file=sys.stderr)
                return 1
        print(f"Downloaded to {name}")
        if "destdir" in details:
            print(f"Moved files to {details['destdir']}")
        sys.stdout.flush()
        return status


def repack_zip(tgz: str, target: str, job: str) -> None:
    """The legacy server's zip of a sandbox (server/webapp/util.py zipdir, create_zipfile):
    every file as `<jobid>/<file name>` (directories flattened), zipfile's default
    stored (uncompressed) entries; made from the .tgz jobsub_lite fetched."""
    import tarfile
    import zipfile
    import zlib

    part = target + ".part"
    try:
        with tarfile.open(tgz, "r:*") as archive, zipfile.ZipFile(part, "w") as out:
            for member in archive:
                data = archive.extractfile(member) if member.isfile() else None
                if data is None:
                    continue
                info = zipfile.ZipInfo(f"{job}/{posixpath.basename(member.name)}",
                                       time.localtime(member.mtime)[:6])
                info.external_attr = (member.mode & 0o777) << 16
                out.writestr(info, data.read())
        os.replace(part, target)
    except (tarfile.TarError, EOFError, zlib.error):
        raise ValueError("not a readable tar archive") from None
    finally:
        if os.path.exists(part):
            os.remove(part)


def list_sandboxes(plan: Plan, environ: Mapping[str, str], flush: Callable[[], None]) -> int:
    """`--list` (the drop-in answers it: dropin.run): the user's jobs of the group (queued
    and finished), per schedd, from jobsub_q and jobsub_history."""
    from .. import qformat

    group, user = plan.details["group"], plan.details["user"]
    found: dict[str, list[tuple[str, float]]] = {}
    for command in ("jobsub_q", "jobsub_history"):
        try:
            tool = backend.find(command, environ, plan.settings)
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


def facts() -> tuple[common.Fact, ...]:
    """jobsub_fetchlog's rows of the selection table, checked by the tests."""
    fact, job = common.Fact, "1.0@jobsub01.fnal.gov"
    return (
        fact("required", "(-G and --jobid) or --list, else `Missing required arguments`, "
             "exit 1", "the same; a job id after the options is jobsub_lite's positional "
             "one", ("-G", "gm2"), status=1),
        fact("--jobid ID", "checked whole: `@` (jid_callback), check_id, exit 1; the archive "
             "is `<ID>.tgz` in the current directory", "the same; jobsub_lite's "
             "`<ID>.tgz` is renamed to the id as written", ("--jobid", job),
             words=("--jobid", job)),
        fact("--archive-format zip", "`<ID>.zip` (entries `<ID>/<file>`)", "jobsub_lite "
             "fetches tar; repacked into `<ID>.zip` (JC168)",
             ("--jobid", job, "--archive-format", "zip"), words=("--jobid", job),
             absent=("--archive-format",),
             code=options.code_of("jobsub_fetchlog", "archive_format")),
        fact("--timeout N", "an integer (optparse, exit 2 otherwise)", "dropped (JC167); "
             "not an integer: exit 2", ("--jobid", job, "--timeout", "soon"), status=2),
        *common.status_facts(("--jobid", job), "missing -G or --jobid, a job id without `@`",
                             ("--jobid", "12345.0"), "exit 2 (jobsub_lite's own parser "
                             "refuses it too)"),
    )
