"""The argparse parser of `jobsub-compat` (coordinator(): its subcommands, for cli.py and
the man pages), and how a subcommand with a parser of its own (report, migrate, explain:
cliparser.Parser) ends: a usage error is one line on stderr and status 2, and help or an
error ends main() with a status it returns (Stop), instead of argparse's sys.exit. ^C and
a closed pipe are left to the launcher (backend.launch), which ends the process by SIGINT
or SIGPIPE as any tool ends. No ConfigArgParse here: doctor and matrix run without it."""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from . import __version__
from .warnings import RuntimeFailure


class Stop(Exception):
    """End main() with this status (argparse's help, or a usage error)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def run(prog: str, body: Callable[[list[str]], int], argv: list[str] | None) -> int:
    """A subcommand's main(): its status, a stop's included; a config file that cannot be
    read is one line and status 1, as for the drop-ins."""
    try:
        return body(sys.argv[1:] if argv is None else argv)
    except Stop as stop:
        return stop.status
    except RuntimeFailure as exc:
        sys.stderr.write(exc.line(prog) + "\n")
        return 1


def coordinator() -> argparse.ArgumentParser:
    """`jobsub-compat`'s own parser: its options and subcommands."""
    parser = argparse.ArgumentParser(
        prog="jobsub-compat",
        description="Coordinator tools of jobsub-compat (legacy jobsub_client on jobsub_lite).")
    parser.add_argument("--version", action="version", version=f"jobsub-compat {__version__}")
    sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    sub.add_parser("explain", help="show the jobsub_lite command a legacy command becomes, "
                   "without running anything (jobsub-compat explain --help)", add_help=False)
    sub.add_parser("matrix", help="print compat-matrix.md (generated from the option table)")
    sub.add_parser("doctor", help="one screen: the jobsub_submit on PATH, the jobsub_lite "
                   "behind it, token, proxy, settings and their sources, the migration log")
    sub.add_parser("report", help="what remains to migrate, from the migration log "
                   "(jobsub-compat report --help)", add_help=False)
    sub.add_parser("migrate", help="rewrite scripts into native jobsub_lite spelling "
                   "(jobsub-compat migrate --help)", add_help=False)
    man = sub.add_parser("man", help="write the man pages (generated from the option "
                         "tables) into a directory")
    man.add_argument("directory", metavar="DIRECTORY", help="where to write NAME.1 files, "
                     "e.g. man/man1")
    return parser


# Subcommands with a parser of their own (module: its main(argv) and _parser()):
# everything after the name is theirs.
OWN_PARSERS = {"report": "report", "migrate": "migrate", "explain": "explain"}
