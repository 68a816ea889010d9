"""jobsub_submit_dag: a legacy DAG submission run as `jobsub_submit --dag` on jobsub_lite.

The command line goes through the jobsub_submit translator with the jobsub_submit_dag
option table; the DAG description file is read here (userfiles) and goes through
dagfile.translate, with jobsub_submit's translator for its job lines and backend.capture
for its `<macros>` commands (none under explain); jobsub_lite gets a translated copy (the
user's file is never modified; the copy is removed after the run) or the original file
when nothing in it needs to change.
"""

from __future__ import annotations

import os
import tempfile
import uuid

from .. import backend, legacy, lite, userfiles
from .. import codes as w
from ..plan import Plan, one_line
from ..warnings import UsageError
from . import dagfile, submit

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

COMMAND = "jobsub_submit_dag"
BACKEND_COMMAND = "jobsub_submit"  # jobsub_lite's own jobsub_submit_dag only adds --dag


def translate(argv: list[str], environ: Mapping[str, str],
              lite_version: str | None = None, backend_path: str = BACKEND_COMMAND,
              command: str = COMMAND) -> Plan:
    plan = submit.translate(argv, environ, lite_version, backend_path, command=command)
    if plan.error or plan.action != "run":
        return plan
    try:
        _dag_file(plan, environ, lite_version)
    except UsageError as exc:  # the legacy server refused the file: the client exited 1
        plan.error, plan.exit_code = one_line(str(exc)), exc.status or 1
        plan.backend_argv = []
    return plan


def _dag_file(plan: Plan, environ: Mapping[str, str], lite_version: str | None) -> None:
    words = plan.backend_argv
    at = legacy.find_executable(words[1:])
    if at is None:  # a line that submits nothing (--support-email)
        return
    at += 1
    url = lite.escape_layer(words[at])
    shown = url[len(legacy.EXE_PREFIX):]
    path = os.path.abspath(shown)
    try:
        text = userfiles.read_text(path, dagfile.LIMIT, "the DAG file")
    except userfiles.UserFileError as exc:
        raise UsageError(f"the DAG file {shown} {exc.reason}; check the file:// "
                         "path") from None

    def job_line(argv: list[str], env: Mapping[str, str]) -> Plan:
        return submit.translate(argv, env, lite_version, "jobsub")

    explained = environ.get("JOBSUB_COMPAT_DRY_RUN") == "1"
    done = dagfile.translate(text, shown, environ, os.getcwd(), job_line,
                             None if explained else backend.capture)
    for code, message in done.warnings:
        plan.warn(code, message)
    if text.strip() != done.text.strip():
        copy = os.path.join(tempfile.gettempdir(), f"jobsub_compat_dag_{uuid.uuid4().hex}",
                            os.path.basename(path))
        plan.files[copy] = done.text
        words[at] = lite.quote_for_lite(legacy.EXE_PREFIX + copy)
        plan.warn(w.DAG_TRANSLATED, f"{shown} needs changes for jobsub_lite; it gets a "
                  f"translated copy (your file is not modified). See `jobsub-compat explain -- "
                  f"jobsub_submit_dag ...` for the copy.")
    if "--dag" not in words[1:at]:
        words.insert(1, "--dag")
