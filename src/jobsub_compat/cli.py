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
import sys

from . import site_packages
from .usage import OWN_PARSERS, coordinator


def main(argv: list[str] | None = None) -> int:
    # The coordinator's tools use installed packages (tree-sitter, msgspec, pyarrow,
    # htcondor) and are not on a script's hot path: give them the site module that the
    # launcher's `python3 -S` leaves out.
    site_packages()
    words = sys.argv[1:] if argv is None else list(argv)
    if words and words[0] in OWN_PARSERS:
        try:  # their parsers are ConfigArgParse's
            module = importlib.import_module(f"{__package__}.{OWN_PARSERS[words[0]]}")
            status: int = module.main(words[1:])
        except ModuleNotFoundError as exc:
            return _without_configargparse(words[0], exc)
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

        try:  # the subcommands' pages are made from their ConfigArgParse parsers
            return manpages.write(args.directory)
        except ModuleNotFoundError as exc:
            return _without_configargparse("man", exc)
    parser.print_help()
    return 2


def _without_configargparse(subcommand: str, exc: ModuleNotFoundError) -> int:
    if exc.name != "configargparse":
        raise exc
    sys.stderr.write(f"jobsub-compat {subcommand}: error: it needs ConfigArgParse; install it "
                     f"for {sys.executable} (`{sys.executable} -m pip install --user "
                     "ConfigArgParse`)\n")
    return 1


def entry() -> None:
    """The `jobsub-compat` console script of a pip install: as bin/jobsub-compat runs."""
    from .backend import launch

    launch(__name__, "main")
