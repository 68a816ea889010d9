"""`jobsub-compat report`: what remains to migrate, from the migration log.

The command reads logs (files, directories such as a site's log_dir, standard input)
through logrecords.py, in one process per core for big logs (reading.py), into a Tally
(tally.py) of aggregates, and renders its tables (render.py); `--export` also writes the
records as Parquet (export.py).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from datetime import date
from typing import IO, Any, NamedTuple

from .. import logrecords
from ..cliparser import Parser as _Parser
from ..cliparser import default_log, log_settings
from ..logrecords import Source
from ..usage import run
from ..userfiles import UserFileError, printable
from . import export, reading
from .render import (
    CSV_COLUMNS,
    RENDER,
    render_csv,
    render_html,
    render_json,
    render_svg,
    render_table,
)
from .tally import NO_SCRIPT, UNKNOWN_CALLER, UNKNOWN_USER, Tally

__all__ = ["CSV_COLUMNS", "FORMATS", "NO_SCRIPT", "PROG", "RENDER", "UNKNOWN_CALLER",
           "UNKNOWN_USER", "Tally", "main", "render_csv", "render_html",
           "render_json", "render_svg", "render_table"]

PROG = "jobsub-compat report"
FORMATS = ("table", "json", "csv", "html")

DESCRIPTION = """\
Report what remains to migrate, from the migration log that the drop-ins write: by
warning code (calls, first and last seen, distinct scripts and users, and the
replacement to apply), by caller script and by user, and legacy usages per ISO week.
Only calls that logged a warning count as legacy usage. Blank and malformed lines
(also a line over 4 MiB, or nested over 500 deep) are skipped and counted on stderr.
"""

EPILOG = """\
LOG is a log file, a directory (a site's log_dir: its *.jsonl files, their rotated .1
siblings and logrotate's older, gzip-compressed ones, *.jsonl.2.gz), or `-` for standard
input; gzip-compressed files are read as they are. LOG defaults to the site's log_dir
when it is set (--log-dir, $JOBSUB_COMPAT_LOG_DIR or `log_dir` in a config file), else to
the per-user log: --log, $JOBSUB_COMPAT_LOG or the `log` setting when it names a file,
else $XDG_STATE_HOME/jobsub_compat/migration.jsonl, else
~/.local/state/jobsub_compat/migration.jsonl (its rotated migration.jsonl.1 is read only
when named). The command line wins over the environment, the environment over the user's
~/.config/jobsub_compat.conf, that over the site config (ConfigArgParse's order and
format). Only regular files are read: a FIFO, device or unreadable file in a
directory is skipped with a warning.

Formats: table (aligned text, the default); json (one object: summary, codes, scripts,
users, weeks); csv (one long table with a `section` column, one of code, script, user,
week, and the columns section,key,calls,warnings,first_seen,last_seen,scripts,users,
codes,replacement; scripts and users are distinct counts, codes a space-separated list;
a week row's key is the ISO week, its calls all calls that week); html (one
self-contained page: a chart of legacy usages per ISO week and the three tables).
Control characters from the log are written as escapes (\\e, \\x07, ...) in table, csv
and html.

--export FILE.parquet writes the records counted, one row each (time, week, user,
command, script, codes), for DuckDB, pandas or Grafana; it needs pyarrow.

Exit status: 0, 1 when a named log cannot be read or the output written, 2 for usage
errors.
"""


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="output format (default: table)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--since", metavar="YYYY-MM-DD",
                        help="only records from this UTC day on")
    parser.add_argument("--export", metavar="FILE.parquet",
                        help="also write the records counted to FILE as Parquet")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="read with N processes (default: one per usable core)")
    log_settings(parser)
    parser.add_argument("logs", nargs="*", metavar="LOG",
                        help="migration log files or directories; `-` is standard input")
    return parser


def _valid_day(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _write(text: str, output: str | None) -> None:
    data = text.encode("utf-8", "backslashreplace")
    if output is not None:
        with open(output, "wb") as handle:
            handle.write(data)
        return
    sys.stdout.flush()
    buffer: IO[bytes] | None = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        buffer.write(data)
        buffer.flush()


def _err(kind: str, message: str) -> None:
    # one line, but for the traceback of a bug in a reading process
    text = "\n".join(printable(line) for line in message.split("\n"))
    sys.stderr.write(f"{PROG}: {kind}: {text}\n")


class Plan(NamedTuple):
    parts: list[Source]  # what to read
    files: int  # how many files (stdin counts one)
    unreadable: list[str]  # why each file found in a directory cannot be read
    notes: list[str]  # other warnings (a directory without logs)


def plan(names: list[str]) -> Plan:
    """What to read of the named logs. Raises UserFileError for a named file that cannot
    be read; a file found in a directory is one user's, so only a warning."""
    found = Plan([], 0, [], [])
    files = 0
    for name in names:
        if name == "-":
            found.parts.append(Source("-"))
            files += 1
            continue
        if os.path.isdir(name):
            paths = logrecords.directory_logs(name)
            if not paths:
                found.notes.append(f"{name} holds no migration log (*.jsonl, *.jsonl.1, "
                                   "*.jsonl.2.gz, ...)")
            for path in paths:
                try:
                    found.parts.extend(logrecords.sources(path, reading.WHAT, reading.CHUNK))
                except UserFileError as exc:
                    found.unreadable.append(f"{exc}; skipped")
                else:
                    files += 1
            continue
        found.parts.extend(logrecords.sources(name, reading.WHAT, reading.CHUNK))
        files += 1
    return found._replace(files=files)


def main(argv: list[str] | None = None) -> int:
    return run(PROG, _main, argv)


def _main(argv: list[str]) -> int:
    parser = _parser()
    args, settings = parser.parse_settings(argv, os.environ)
    if args.since is not None and not _valid_day(args.since):
        parser.error(f"--since wants a day YYYY-MM-DD, not {args.since!r}")
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs wants a number of processes, 1 or more, not {args.jobs}")
    if args.export is not None and not export.available():
        _err("error", export.NEEDS)
        return 1
    names: list[str] = args.logs or [default_log(settings, os.environ)]
    if not args.logs and not os.path.exists(names[0]):
        _err("error", f"no migration log at {names[0]} (nothing logged yet?); name the log "
             "files to read")
        return 1
    try:
        todo = plan(names)
    except UserFileError as exc:
        _err("error", str(exc) if args.logs else
             f"{exc}; name the logs to read, or --log-dir '' for your own log")
        return 1
    for problem in todo.unreadable + todo.notes:
        _err("warning", problem)
    jobs = args.jobs or reading.usable_cores()
    try:
        target = export.Export(args.export, jobs) if args.export is not None else None
    except OSError as exc:
        _err("error", f"cannot write {args.export}: {exc.strerror or exc}")
        return 1
    try:
        outcome = reading.read(todo.parts, args.since, jobs, progress=sys.stderr, export=target)
        if target is not None:
            target.finish(outcome.processes)
    except reading.WorkerFailed as exc:
        _err("error", str(exc))
        return 1
    except OSError as exc:  # the export could not be written
        _err("error", f"cannot write {args.export}: {exc.strerror or exc}")
        return 1
    finally:
        if target is not None:
            target.discard()
    for line in reading.describe(outcome):
        _err("warning", line)
    data: dict[str, Any] = {"summary": {"logs": names, "files": todo.files,
                                        "unreadable_files": len(todo.unreadable) + len(
                                            outcome.problems),
                                        **outcome.tally.summary()},
                            **outcome.tally.tables()}
    text = RENDER[args.format](data)
    try:
        _write(text, args.output)
    except BrokenPipeError:
        try:  # the reader went away (`| head`): no traceback at exit either
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        return 1
    except OSError as exc:
        where = args.output if args.output is not None else "standard output"
        _err("error", f"cannot write {where}: {exc.strerror or exc}")
        return 1
    return 0
