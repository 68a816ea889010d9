"""`jobsub-compat`: the coordinator's command. Only wires subcommands.

  jobsub-compat explain [--json] -- COMMAND ARG...   show a translation, run nothing
  jobsub-compat matrix                               print compat-matrix.md
  jobsub-compat doctor                               this user's set-up, on one screen
  jobsub-compat report [--format ...] [LOG...]       what remains to migrate
  jobsub-compat migrate [--write] PATH...            rewrite scripts for jobsub_lite
  jobsub-compat man DIRECTORY                        write the man pages
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__, dropin, site_packages

# drop-in -> the jobsub_lite executable behind it
DROPINS = {
    "jobsub_submit": "jobsub_submit", "jobsub_submit_dag": "jobsub_submit",
    "jobsub_q": "jobsub_q", "jobsub_rm": "jobsub_rm", "jobsub_hold": "jobsub_hold",
    "jobsub_release": "jobsub_release", "jobsub_history": "jobsub_history",
    "jobsub_fetchlog": "jobsub_fetchlog", "jobsub_status": "jobsub_submit",
    "jobsub_prio": "jobsub_q", "jobsub_preload": "jobsub_submit",
    "jobsub_probe_url": "jobsub_submit",
}


def _translator(command: str) -> dropin.Translate:
    module = importlib.import_module(f"{__package__}.commands.{command[len('jobsub_'):]}")
    translate: dropin.Translate = module.translate
    return translate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobsub-compat",
        description="Coordinator tools of jobsub-compat (legacy jobsub_client on jobsub_lite).")
    parser.add_argument("--version", action="version", version=f"jobsub-compat {__version__}")
    sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    explain = sub.add_parser(
        "explain", help="show the jobsub_lite command a legacy command becomes, without "
        "running anything",
        description="Show the jobsub_lite command line, environment changes and warnings a "
        "legacy command becomes. Nothing is run. Example: jobsub-compat explain -- "
        "jobsub_submit -G gm2 -M file://run.sh")
    explain.add_argument("--json", action="store_true", help="print one JSON object: "
                         "command, backend_argv, env, warnings, error")
    explain.add_argument("words", nargs=argparse.REMAINDER, metavar="-- COMMAND ARG...")
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


# Subcommands with a parser of their own: everything after the name is theirs.
OWN_PARSERS = {"report": "report", "migrate": "migrate"}


def main(argv: list[str] | None = None) -> int:
    # The coordinator's tools use installed packages (tree-sitter, msgspec, pyarrow,
    # htcondor) and are not on a script's hot path: give them the site module that the
    # launcher's `python3 -S` leaves out.
    site_packages()
    words = sys.argv[1:] if argv is None else list(argv)
    if words and words[0] in OWN_PARSERS:
        module = importlib.import_module(f"{__package__}.{OWN_PARSERS[words[0]]}")
        status: int = module.main(words[1:])
        return status
    parser = _parser()
    args = parser.parse_args(words)
    if args.subcommand == "doctor":
        from . import doctor

        return doctor.main()
    if args.subcommand == "matrix":
        from . import matrix

        sys.stdout.write(matrix.render())
        return 0
    if args.subcommand == "man":
        from . import manpages

        return manpages.write(args.directory)
    if args.subcommand == "explain":
        words = args.words[1:] if args.words[:1] == ["--"] else args.words
        if not words:
            parser.error("explain needs a command: jobsub-compat explain -- jobsub_submit ...")
        command = os.path.basename(words[0])
        command = command[:-3] if command.endswith(".py") else command
        if command not in DROPINS:
            parser.error(f"unknown command {command!r}; one of: {', '.join(sorted(DROPINS))}")
        environ = {**os.environ, "JOBSUB_COMPAT_DRY_RUN": "1"}  # explain runs nothing
        plan, _, _ = dropin.plan_for(command, _translator(command), words[1:], environ,
                                     DROPINS[command])
        sys.stdout.write(plan.as_json() + "\n" if args.json else plan.as_text())
        return plan.exit_code
    parser.print_help()
    return 2


def entry() -> None:
    """The `jobsub-compat` console script of a pip install: as bin/jobsub-compat runs."""
    from .backend import launch

    launch(__name__, "main")
