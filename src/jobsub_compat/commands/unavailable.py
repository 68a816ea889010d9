"""jobsub_status, jobsub_preload and jobsub_probe_url: legacy commands that talked to the
legacy jobsub server for things jobsub_lite does differently or not at all. Each parses
its legacy options and answers with one line naming what to use instead, exit 1."""

from __future__ import annotations

from ..plan import Plan
from ..warnings import UsageError
from . import common

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

    from .. import fates

INSTEAD = {
    "jobsub_status": "give jobsub_status --sites (the only thing it did)",
    "jobsub_preload": "jobsub_preload uploaded a tarball to the legacy dropbox ahead of "
                      "time; jobsub_lite uploads it to RCDS itself when you submit with "
                      "--tar_file_name dropbox://TARBALL (or tardir://DIR)",
    "jobsub_probe_url": "jobsub_probe_url called the legacy jobsub server's REST interface, "
                        "which is gone; use jobsub_q, jobsub_history or condor_q instead",
}


def translate(argv: list[str], environ: Mapping[str, str], lite_version: str | None = None,
              backend_path: str | None = None, command: str = "jobsub_status") -> Plan:
    """The Plan of a jobsub_status, jobsub_preload or jobsub_probe_url (`command`) call:
    help, version, a usage error, or the line naming what to use instead."""
    def body(call: fates.Call) -> None:
        if command == "jobsub_status":  # without --sites the legacy tool did nothing
            raise UsageError(INSTEAD[command])
        raise common.Unavailable(INSTEAD[command])

    return common.translate(command, argv, environ, body, refusal_status=1)
