"""The argparse parser of the coordinator subcommands (report, migrate): a usage error is
one line on stderr and status 2, and help or an error ends main() with a status it
returns, instead of argparse's sys.exit. ^C and a closed pipe are left to the launcher
(backend.launch), which ends the process by SIGINT or SIGPIPE as any tool ends."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, NoReturn, Optional


class Stop(Exception):
    """End main() with this status (argparse's help, or a usage error)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise Stop(2)

    def exit(self, status: int = 0, message: Optional[str] = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise Stop(status)


def run(prog: str, body: Callable[[list[str]], int], argv: list[str] | None) -> int:
    """A subcommand's main(): its status, a stop's included."""
    try:
        return body(sys.argv[1:] if argv is None else argv)
    except Stop as stop:
        return stop.status
