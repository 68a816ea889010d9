"""`jobsub-compat`: the coordinator's command. Only wires subcommands.

  jobsub-compat explain [--json] -- COMMAND ARG...   show a translation, run nothing
  jobsub-compat matrix                               print compat-matrix.md
  jobsub-compat doctor                               this user's set-up, on one screen
  jobsub-compat report [--format ...] [LOG...]       what remains to migrate
  jobsub-compat migrate [--write] PATH...            rewrite scripts for jobsub_lite
  jobsub-compat man DIRECTORY                        write the man pages
"""

from __future__ import annotations

import importlib
import os
import sys

from . import commands, dropin, site_packages
from .usage import OWN_PARSERS, coordinator

# What `explain` explains: every drop-in whose translation is a Plan.
EXPLAINED = [name for name, c in commands.COMMANDS.items() if c.runner == commands.PLAN]


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
    parser = coordinator()
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
        entry = commands.find(words[0])
        if entry is None or entry.name not in EXPLAINED:
            parser.error(f"unknown command {os.path.basename(words[0])!r}; one of: "
                         f"{', '.join(sorted(EXPLAINED))}")
        command = entry.name
        environ = {**os.environ, "JOBSUB_COMPAT_DRY_RUN": "1"}  # explain runs nothing
        plan, _, _ = dropin.plan_for(command, commands.translator(command), words[1:],
                                     environ)
        sys.stdout.write(plan.as_json() + "\n" if args.json else plan.as_text())
        return plan.exit_code
    parser.print_help()
    return 2


def entry() -> None:
    """The `jobsub-compat` console script of a pip install: as bin/jobsub-compat runs."""
    from .backend import launch

    launch(__name__, "main")
