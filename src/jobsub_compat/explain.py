"""`jobsub-compat explain`: the Plan a legacy command line becomes (the jobsub_lite command
line, environment changes and warnings), printed instead of run."""

from __future__ import annotations

import argparse
import os
import sys

from . import commands, dropin
from .cliparser import Parser
from .usage import run

PROG = "jobsub-compat explain"

# What `explain` explains: every drop-in whose translation is a Plan.
EXPLAINED = [name for name, c in commands.COMMANDS.items() if c.runner == commands.PLAN]


def _parser() -> Parser:
    parser = Parser(
        prog=PROG, usage=f"{PROG} [--json] [--backend DIR] -- COMMAND ARG...",
        description="Show the jobsub_lite command line, environment changes and warnings a "
        "legacy command becomes. Nothing is run. Example: jobsub-compat explain -- "
        "jobsub_submit -G gm2 -M file://run.sh")
    parser.add_argument("--json", action="store_true", help="print one JSON object: "
                        "command, backend_argv, env, warnings, error")
    parser.setting("backend", "DIR", "the directory of the jobsub_lite whose version the "
                   "translation is for")
    parser.add_argument("words", nargs=argparse.REMAINDER, metavar="-- COMMAND ARG...")
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(PROG, _main, argv)


def _main(argv: list[str]) -> int:
    parser = _parser()
    environ = {**os.environ, "JOBSUB_COMPAT_DRY_RUN": "1"}  # explain runs nothing
    args, settings = parser.parse_settings(argv, environ)
    words = args.words[1:] if args.words[:1] == ["--"] else args.words
    if not words:
        parser.error("explain needs a command: jobsub-compat explain -- jobsub_submit ...")
    entry = commands.find(words[0])
    if entry is None or entry.name not in EXPLAINED:
        parser.error(f"unknown command {os.path.basename(words[0])!r}; one of: "
                     f"{', '.join(sorted(EXPLAINED))}")
    command = entry.name
    plan, _, _ = dropin.plan_for(command, commands.translator(command), words[1:], environ,
                                 settings=settings)
    sys.stdout.write(plan.as_json() + "\n" if args.json else plan.as_text())
    return plan.exit_code
