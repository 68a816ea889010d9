"""jobsub_probe_url: no longer available; one line names what to use instead (unavailable.py)."""

from __future__ import annotations

from ..plan import Plan
from . import unavailable

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

COMMAND = "jobsub_probe_url"


def translate(argv: list[str], environ: Mapping[str, str], lite_version: str | None = None,
              backend_path: str = COMMAND) -> Plan:
    return unavailable.translate_for(COMMAND, argv, environ)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    return unavailable.run_command(COMMAND, argv, environ)
