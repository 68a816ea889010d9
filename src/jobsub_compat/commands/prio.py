"""jobsub_prio: set JobPrio of jobs, emulated with the HTCondor Python bindings.

jobsub_lite has no jobsub_prio. HTCondor's bindings can edit a job's JobPrio on its
schedd (what condor_prio does), with the credentials the user's HTCondor configuration
uses for the jobsub_lite schedds.
"""

from __future__ import annotations

import importlib
import sys

from .. import site_packages
from ..plan import Plan
from ..warnings import UsageError
from . import common

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Callable

    from .. import fates


COMMAND = "jobsub_prio"


def _body(call: fates.Call) -> None:
    plan, parsed = call.plan, call.parsed
    common.group_of(parsed, call.environ)
    ids = [job for i in parsed.items if i.row.key == "jobid"
           for job in common.job_ids(i.values[0], many=True)]
    prios = [i for i in parsed.items if i.row.key == "prio"]
    if parsed.passed:
        raise UsageError(f"unknown option {parsed.passed[0]}; see {COMMAND} --help")
    if not ids:
        raise UsageError("give --jobid CLUSTER[.PROC]@SCHEDD[,...]")
    value = prios[-1].values[0] if prios else "0"  # the legacy default
    try:
        int(value)
    except ValueError:
        raise UsageError(f"--prio {value}: give a whole number") from None
    if prios:
        call.warn(prios[-1], f"{prios[-1].seen} {prios[-1].row.reason}.")
    plan.action = "local"  # set_priority answers it
    plan.details = {"jobs": ",".join(ids), "prio": value}


def translate(argv: list[str], environ: Mapping[str, str],
              lite_version: str | None = None, backend_path: str = COMMAND,
              command: str = COMMAND) -> Plan:
    return common.translate(command, argv, environ, _body)


def _bindings() -> Any:
    site_packages()
    for name in ("htcondor2", "htcondor"):  # HTCondor 25 ships htcondor2 only
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def set_priority(plan: Plan, environ: Mapping[str, str], flush: Callable[[], None]) -> int:
    """Each job's JobPrio, on its schedd (dropin.run calls this for the "local" Plan)."""
    htcondor = _bindings()
    if htcondor is None:
        print(f"{COMMAND}: error: the HTCondor Python bindings are not installed; run "
              "condor_prio -name SCHEDD -p N CLUSTER.PROC instead", file=sys.stderr)
        return 1
    prio = plan.details["prio"]
    failed = 0
    for job in plan.details["jobs"].split(","):
        ids, schedd = job.split("@", 1)
        cluster, _, proc = ids.partition(".")
        constraint = f"ClusterId == {cluster}" + (f" && ProcId == {proc}" if proc else "")
        try:
            ad = htcondor.Collector().locate(htcondor.DaemonTypes.Schedd, schedd)
            htcondor.Schedd(ad).edit(constraint, "JobPrio", prio)
        except Exception as exc:  # the bindings raise their own classes; report, go on
            failed += 1
            print(f"{COMMAND}: error: could not set the priority of {job}: {exc}",
                  file=sys.stderr)
            continue
        print(f"Setting priority of job {job} to {prio}")
    return 1 if failed else 0
