"""The bare `jobsub`: in the legacy client it only said which tools replaced it; in
jobsub_lite 1.12 it is an umbrella (`jobsub submit ...`, `jobsub q ...`). Umbrella calls
go to the matching drop-in, so legacy options keep working there too; anything else gets
the legacy message."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

COMMAND = "jobsub"
# jobsub_lite 1.12's subcommands: `jobsub X ...` is the drop-in jobsub_X.
SUBCOMMANDS = ("submit", "submit_dag", "q", "rm", "hold", "release", "fetchlog")
MESSAGE = """\
jobsub has been replaced by these tools; run any of them with --help:
  jobsub_submit, jobsub_submit_dag, jobsub_q, jobsub_rm, jobsub_hold, jobsub_release,
  jobsub_history, jobsub_fetchlog, jobsub_status, jobsub_prio
(jobsub_lite also reads them as `jobsub submit ...`, `jobsub q ...`.)
"""


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in SUBCOMMANDS:
        from ..dropin import run

        return run(f"jobsub_{args[0]}", args[1:], environ)
    sys.stdout.write(MESSAGE)
    return 0
