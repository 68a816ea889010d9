"""`jobsub-compat migrate`: rewrite legacy jobsub calls in scripts into jobsub_lite's own
spelling, for good, with the drop-ins' own translators (the shim and this tool never
disagree: there is no second option table here).

Where calls are found:
- shell scripts, read with bash's grammar (bash.py): command lines anywhere (pipelines,
  lists, conditions, loops, functions, `$(...)`, here-documents), words built from the
  script's variables and command strings (`CMD="jobsub_submit ... ${SITE_OPT} ..."`,
  `CMD="$CMD ..."`, `CMD+=" ..."`) run as `$CMD` or with `eval`, followed through the
  script's own assignments (strings.py, values.py; arrays.py when a word needs blanks),
  and the X.509 credential steps, written for tokens (credentials.py);
- Python scripts (read with `ast`): argv lists (`["jobsub_submit", "-G", "gm2", ...]`) and
  command strings (run by os.system & co. or subprocess with shell=True, or split with
  `"...".split()`);
- dagNabbit DAG files (`*.dag`, files with <serial>/<parallel>, and the DAG files named
  by a literal jobsub_submit_dag call).

For each call the drop-in's translate() gives the words the shim would hand jobsub_lite
(backend_argv[1:]). Words are compared as jobsub_lite reads them (after its own quote
layer): when the script's words already read the same, nothing changes; otherwise the
differing words are replaced by the translator's words, written with the quoting the
place needs (shlex.quote on a command line; escaped for the quotes of the assignment
that holds a `$CMD` string's words, whose own quotes stay literal; in Python strings only
words free of whitespace, quotes and shell syntax). A rewrite is kept only when the new
line translates to itself (so a second run, and the shim if it is still on PATH, read it
the same way) and, for words built at run time, when the rewritten script read again
gives jobsub_lite those words in every branch.

What cannot be shown safe is left alone and reported as `FILE:LINE: [CODE] reason`:
options taken from values known only at run time, command strings handed to other
programs, calls whose legacy behaviour the drop-in emulates (output formats,
--jobid-output-only), translator refusals, and credential steps with no token form
here. Warnings that survive the rewrite (a retired OS, say) are reported with their own
codes.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shlex
import stat
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import codes, logrecords, userfiles
from ..codes import (
    CANNOT_WRITE,
    DAG_FILE,
    EMULATED,
    IN_STRING,
    JOB_ID_LINE,
    NON_LITERAL,
    REFUSED,
    RUNTIME,
    UNMODELED,
    UNREADABLE,
    UNSTABLE,
)
from ..config import Setting
from ..usage import run
from ..userfiles import printable
from . import bash
from .bash import Assignment, Command, Script, Seg, Word

if TYPE_CHECKING:
    from ..cliparser import Parser
from .core import (
    ENV,
    ENV_VALUE,
    LITE_VERSION,
    PROG,
    Assessment,
    Edit,
    FileWork,
    Report,
    ScriptEnvironment,
    assess,
    lite_reading,
    translate,
)
from .dag import DagScan
from .files import Migration, Outcome, kind_of, migrate_text
from .python import PythonScan
from .shell import ShellScan, Source, Value
from .strings import Run, Strings

__all__ = [
    # the command (this module)
    "DESCRIPTION", "EPILOG", "main", "from_log",
    # core: codes, translation and assessment, the edits of one file
    "PROG", "LITE_VERSION", "NON_LITERAL", "CANNOT_WRITE", "REFUSED", "UNSTABLE", "EMULATED",
    "UNMODELED", "IN_STRING", "DAG_FILE", "RUNTIME", "JOB_ID_LINE", "UNREADABLE",
    "ENV_VALUE", "ScriptEnvironment", "ENV", "translate", "lite_reading", "Assessment",
    "assess", "Edit", "Report", "FileWork",
    # bash: the grammar; shell: ShellScan; strings: command strings
    "Seg", "Word", "Command", "Script", "Assignment", "Value", "Source", "ShellScan",
    "Run", "Strings",
    # python, dag
    "PythonScan", "DagScan",
    # files
    "kind_of", "Outcome", "migrate_text", "Migration",
]

# --- the command ---------------------------------------------------------------------------------

DESCRIPTION = """\
Rewrite legacy jobsub_client calls in shell scripts, Python scripts and dagNabbit DAG
files into jobsub_lite's own spelling, with the drop-ins' translators (run `jobsub-compat
explain` on any call to see the same translation). Each call's words are rewritten only
where jobsub_lite would read them differently from the legacy client, and only when the
result is literal and provably the same call; everything else is left alone and listed as
FILE:LINE: [CODE] reason.
"""

EPILOG = """\
Output: a unified diff on standard output (nothing is written), and on standard error the
places that need a person and a summary. --write applies the changes, keeping the original
as FILE.orig (an existing FILE.orig is kept; --no-backup keeps none). Running it again on
its output changes nothing.

--from-log lists the scripts the migration log saw (the caller's script, else its command
line), with the warning codes they still caused, how often, when last, and what to write
instead. LOG defaults to the site's log_dir when it is set (--log-dir,
$JOBSUB_COMPAT_LOG_DIR or `log_dir` in a config file), else to the per-user log (--log,
$JOBSUB_COMPAT_LOG or the `log` setting, else $XDG_STATE_HOME/jobsub_compat/migration.jsonl,
else ~/.local/state/jobsub_compat/migration.jsonl). Of a log_dir, its *.jsonl files and
their rotated *.jsonl.1 siblings are read.

Exit status: 0 when nothing would change and nothing needs a person; 1 when something
would change (or was changed with --write), needs a person, or a file found in a directory
or the default log cannot be read (one line); 2 for usage errors, including a PATH or LOG
named on the command line that does not exist or cannot be read (one line, nothing done).

Codes of this tool:
""" + "\n".join(f"  {code}  {text}" for code, (severity, text, _) in codes.CODES.items()
                 if severity == codes.REVIEW) + "\n"


def _parser() -> Parser:
    # ConfigArgParse is the command line's, not the codes' (matrix.py reads CODES here)
    from ..cliparser import Parser, log_settings

    parser = Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                     usage=f"{PROG} [--write] [--no-backup] PATH...\n"
                           f"       {PROG} --from-log [LOG...]",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true",
                        help="apply the changes (keeping FILE.orig) instead of printing a diff")
    parser.add_argument("--no-backup", action="store_true",
                        help="with --write: keep no FILE.orig")
    parser.add_argument("--from-log", action="store_true",
                        help="list the scripts the migration log saw and what each still needs")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="scripts, DAG files or directories (searched recursively); with "
                             "--from-log, migration logs")
    log_settings(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(PROG, _main, argv)


def _main(argv: list[str]) -> int:
    parser = _parser()
    args, settings = parser.parse_settings(argv, os.environ)
    if args.from_log:
        if args.write or args.no_backup:
            parser.error("--from-log only reads the log; give --write to a PATH run")
        return from_log(args.paths, parser, settings)
    if not args.paths:
        parser.error("give the scripts, DAG files or directories to migrate (PATH...)")
    for path in args.paths:
        if not os.path.exists(path):
            parser.error(f"{path}: no such file or directory")
        if not os.access(path, os.R_OK):
            parser.error(f"{path}: cannot read it (permission denied)")
    try:
        bash.parser()  # before any file: one line when the grammar is missing
    except bash.Unavailable as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 1
    migration = Migration()
    for path in args.paths:
        migration.path(path)
    return _finish(migration, args.write, not args.no_backup)


def _finish(migration: Migration, write: bool, backup: bool) -> int:
    changed = [o for o in migration.outcomes if o.new != o.old]
    reports = list(migration.failures) + [r for o in migration.outcomes for r in o.reports]
    if not write:
        for outcome in changed:
            for line in difflib.unified_diff(outcome.old.splitlines(keepends=True),
                                             outcome.new.splitlines(keepends=True),
                                             outcome.path, outcome.path):
                sys.stdout.write(line if line.endswith("\n") else
                                 line + "\n\\ No newline at end of file\n")
        sys.stdout.flush()
    notes: list[str] = []
    done = changed
    if write:
        done = []
        for outcome in changed:
            problem = _write(outcome, backup, notes)
            if problem:
                reports.append(Report(outcome.path, 1, CANNOT_WRITE, problem))
            else:
                done.append(outcome)
    reports.sort(key=lambda r: (r.path, r.line, r.code))
    for report in reports:
        sys.stderr.write(report.text() + "\n")
    rewritten = sum(o.rewritten for o in done)
    applied: Counter[str] = Counter()
    for outcome in done:
        applied.update(outcome.applied)
    verb = "changed" if write else "would change"
    summary = (f"{PROG}: {len(migration.outcomes)} file(s) read, {len(done)} {verb}, "
               f"{rewritten} call(s) rewritten")
    if applied:
        summary += " (" + ", ".join(f"{c} x{n}" for c, n in sorted(applied.items())) + ")"
    people: Counter[str] = Counter(r.code for r in reports)
    summary += f"; {len(reports)} place(s) need a person"
    if people:
        summary += " (" + ", ".join(f"{c} x{n}" for c, n in sorted(people.items())) + ")"
    sys.stderr.write(summary + ".\n")
    for note in notes:
        sys.stderr.write(f"{PROG}: {note}\n")
    return 1 if changed or reports else 0


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _write(outcome: Outcome, backup: bool, notes: list[str]) -> str:
    """Write the new text in place (atomically), after the backup; "" when written, else
    why not (the file is then left as it was). A symbolic link is never replaced by a
    regular file, a read-only file never made writable, and the backup is created, never
    opened: an existing FILE.orig that is a regular file is the first original (kept), any
    other (a link, say) is left alone and the backup gets a new name."""
    path = outcome.path
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"not written: {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        return (f"not written: it is a symbolic link (to {os.path.realpath(path)}); migrate "
                "the file it points to")
    if not stat.S_ISREG(info.st_mode):
        return "not written: it is no longer a regular file"
    if not info.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        return ("not written: the file is read-only; make it writable (chmod u+w) and run "
                "again, or apply the diff by hand")
    data = outcome.new.encode("utf-8", "surrogateescape")
    old = outcome.old.encode("utf-8", "surrogateescape")
    try:
        if backup:
            made = _backup(path, old, info)
            if made is None:
                notes.append(f"kept the existing backup {path}.orig")
            elif made != path + ".orig":
                notes.append(f"{path}.orig exists and is not a regular file (left alone); "
                             f"the backup is {made}")
        directory = os.path.dirname(os.path.abspath(path))
        fd, temporary = tempfile.mkstemp(prefix=".jobsub_compat_", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
            if stat.S_ISLNK(os.lstat(path).st_mode):  # swapped for a link meanwhile
                raise OSError(0, "it became a symbolic link")
            os.replace(temporary, path)
        except BaseException:
            if os.path.lexists(temporary):
                os.unlink(temporary)
            raise
    except OSError as exc:
        return f"not written: {exc.strerror or exc}"
    return ""


def _backup(path: str, data: bytes, info: os.stat_result) -> str | None:
    """Create the backup with O_CREAT|O_EXCL|O_NOFOLLOW: FILE.orig, else FILE.orig.N when
    FILE.orig exists but is no regular file. None: a regular FILE.orig is kept."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for n in range(1000):
        name = path + ".orig" + (f".{n}" if n else "")
        try:
            fd = os.open(name, flags, 0o600)
        except FileExistsError:
            if n == 0 and stat.S_ISREG(os.lstat(name).st_mode):
                return None
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))
            os.utime(name, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)
        except BaseException:
            os.unlink(name)
            raise
        return name
    raise OSError(0, f"no free backup name beside {path}")


# --- --from-log ----------------------------------------------------------------------------------



@dataclass
class _Seen:
    """What the log says about one script."""

    calls: int = 0
    last: str = ""
    commands: set[str] = field(default_factory=set)
    codes: dict[str, tuple[int, str]] = field(default_factory=dict)  # code -> (calls, last)
    code_commands: dict[str, set[str]] = field(default_factory=dict)
    latest: dict[str, tuple[str, set[str]]] = field(default_factory=dict)  # command -> call

    def still(self, code: str) -> bool:
        """Was `code` in the latest call of a command it was seen with?"""
        return any(code in self.latest.get(c, ("", set()))[1]
                   for c in self.code_commands.get(code, set()))


def _caller_key(record: dict[str, object]) -> str:
    caller = record.get("caller")
    if isinstance(caller, dict):
        script = caller.get("script")
        if isinstance(script, str) and script:
            return script
        cmdline = caller.get("cmdline")
        if isinstance(cmdline, list) and cmdline:
            return shlex.join(str(x) for x in cmdline)
        if isinstance(cmdline, str) and cmdline:
            return cmdline
    return "(unknown caller)"


def from_log(logs: list[str], parser: Parser, settings: Mapping[str, Setting]) -> int:
    from ..cliparser import default_log

    explicit = bool(logs)
    if not logs:
        default = default_log(settings, os.environ)
        if not os.path.exists(default):
            sys.stderr.write(f"{PROG}: error: no migration log at {default} (nothing logged "
                             "yet?); name the log files to read\n")
            return 1
        try:  # a site's log_dir: its users' files and their rotated .1 siblings
            logs = [path for path in logrecords.directory_logs(default)
                    if not path.endswith(".gz")] if os.path.isdir(default) else [default]
        except userfiles.UserFileError as exc:
            sys.stderr.write(f"{PROG}: error: {printable(str(exc))}; name the log files to "
                             "read, or --log-dir '' for your own log\n")
            return 1
    for name in logs:
        if explicit and (not os.path.isfile(name) or not os.access(name, os.R_OK)):
            parser.error(f"{printable(name)}: cannot read this log")
    seen: dict[str, _Seen] = {}
    skipped = 0
    for name in logs:
        try:
            for raw in userfiles.lines(name, "the log"):  # streamed: only aggregates are kept
                if raw is None:  # a line over the limit, never held
                    skipped += 1
                    continue
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                    if not isinstance(record, dict):
                        raise ValueError("not an object")
                    _count(seen, record)
                except (ValueError, TypeError, RecursionError):  # malformed or hostile
                    skipped += 1
        except (userfiles.UserFileError, OSError) as exc:
            why = str(exc) if isinstance(exc, userfiles.UserFileError) else \
                f"cannot read {name}: {exc.strerror or exc}"
            sys.stderr.write(f"{PROG}: error: {printable(why)}\n")
            return 1
    if skipped:
        sys.stderr.write(f"{PROG}: warning: skipped {skipped} malformed line(s)\n")
    return _render_log(seen)


def _count(seen: dict[str, _Seen], record: dict[str, object]) -> None:
    """Add one record (a hostile caller, nested too deep for str(), raises RecursionError
    in _caller_key, before anything is counted)."""
    entry = seen.setdefault(_caller_key(record), _Seen())
    when = record.get("time")
    when = when if isinstance(when, str) else ""
    entry.calls += 1
    entry.last = max(entry.last, when)
    command = record.get("command")
    command = command if isinstance(command, str) and command else "(unknown command)"
    entry.commands.add(command)
    found = record.get("warnings")
    codes = {c for c in (found if isinstance(found, list) else []) if isinstance(c, str) and c}
    for code in codes:
        calls, last = entry.codes.get(code, (0, ""))
        entry.codes[code] = (calls + 1, max(last, when))
        entry.code_commands.setdefault(code, set()).add(command)
    latest = entry.latest.get(command)
    if latest is None or when > latest[0]:
        entry.latest[command] = (when, codes)
    elif when == latest[0]:
        latest[1].update(codes)


def _render_log(seen: dict[str, _Seen]) -> int:
    needing = sorted(k for k, v in seen.items() if any(v.still(c) for c in v.codes))
    done = sorted(k for k in seen if k not in needing)
    out = []
    for key in needing + done:
        entry = seen[key]
        out.append(printable(key))
        out.append(printable(f"  {entry.calls} call(s), last seen {entry.last or 'unknown'}; "
                             f"commands: {', '.join(sorted(entry.commands))}"))
        if key not in needing:
            out.append("  nothing left to migrate" + (" (its latest calls gave no warning)"
                                                      if entry.codes else ""))
        for code in sorted(entry.codes, key=lambda c: (not entry.still(c), c)):
            calls, last = entry.codes[code]
            state = "" if entry.still(code) else " (not in its latest call: fixed?)"
            out.append(printable(
                f"  {code}  {calls} call(s), last seen {last or 'unknown'}{state}: "
                f"{codes.replacement(code, entry.code_commands[code]) or '(unknown code)'}"))
        if key in needing and os.path.isfile(key):
            out.append(printable(f"  migrate it: jobsub-compat migrate {shlex.quote(key)}"))
    sys.stdout.write("".join(line + "\n" for line in out))
    sys.stdout.flush()
    sys.stderr.write(f"{PROG}: {len(seen)} script(s) in the log, {len(needing)} still "
                     "using legacy options.\n")
    return 1 if needing else 0
