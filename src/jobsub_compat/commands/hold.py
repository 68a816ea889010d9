"""jobsub_hold: jobsub_rm's translation with the hold words (see rm.py)."""

from __future__ import annotations

from ..plan import Plan
from . import rm

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

COMMAND = "jobsub_hold"


def translate(argv: list[str], environ: Mapping[str, str], lite_version: str | None = None,
              backend_path: str = COMMAND) -> Plan:
    return rm.translate(argv, environ, lite_version, backend_path, COMMAND)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    return rm.run_command(COMMAND, argv, environ)
