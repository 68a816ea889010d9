"""The migration log read back: which files, their lines, and the fields of each record.

A site's log is a directory (log/writer.py's `log_dir`: `<user>.jsonl`, its rotated `.1`, older
ones a site's logrotate compressed, `<user>.jsonl.2.gz`) or any list of files; any user
can write a line into it. So every file is read through userfiles (regular files only,
lines of at most LINE_LIMIT bytes), and a line is a record only when it is one JSON
object, UTF-8, nested at most MAX_DEPTH deep with at most MAX_CONTAINERS arrays and
objects. Anything else is skipped and counted by the caller, never fatal.

A record becomes `Record`: the fields the coordinator tools need, each normalised once so
that odd or hostile values cannot reach the tables as anything but text:
- time: a string starting with a valid YYYY-MM-DD day (at most MAX_TIME characters), else
  None (the call is counted but has no time); `monday`, the proleptic ordinal of the
  Monday of its ISO week, is None exactly when time is;
- user: a non-empty string, else UNKNOWN_USER;
- command: a non-empty string, else None;
- script: the caller's script; NO_SCRIPT when the caller has none (an interactive shell),
  UNKNOWN_CALLER when the record has no caller object;
- codes: the warnings' non-empty strings, each once, in their order.

Two decoders give the same Records (tests/test_report_engines.py proves it on generated
and hostile lines). The reference one is the standard library's json, for any line. The
fast one is msgspec, when installed: it decodes only the fields above into a Struct and
checks, without decoding, the rest of the line. Every line it cannot decode into that
Struct (a wrong type, NaN, a lone surrogate, ...) goes to the reference, and it only gets
lines that json reads alike: ASCII ones (msgspec does not check the UTF-8 of strings it
skips; the log writes ASCII) that are provably shallow (json and msgspec both refuse
depths near the recursion limit, at slightly different depths: MAX_DEPTH is well below
it, and a line shorter than 2 * MAX_DEPTH bytes cannot reach it); json reads no number
(an integer of 4300+ digits is an error to json, not to msgspec). On a site's records
msgspec takes about 1.3 us a line against json's 8.5 us (benchmarks/report_scale.py
measures the whole report).

migrate --from-log reads the same log: it can take its files, lines and records from
here (it also needs caller.cmdline: one more field of _Fields, _record and Record).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any, NamedTuple, Optional

from . import site_packages, userfiles

MiB = userfiles.MiB
LINE_LIMIT = 4 * MiB  # argv and backend_argv of a call at ARG_MAX (2 MiB) fit
MAX_DEPTH = 500  # the log writes 3; json and msgspec both manage 900+ (the recursion limit)
MAX_CONTAINERS = 10_000  # arrays and objects in one line: the log writes 6
MAX_TIME = 64
UNKNOWN_USER = "(unknown)"
NO_SCRIPT = "(no script)"  # the caller had no script path: an interactive shell, say
UNKNOWN_CALLER = "(unknown caller)"  # the record has no caller
# Names of log files in a directory: log/writer.py's `<user>.jsonl`, its `.1`, and what
# logrotate makes of them (`.2`, `-20261201`, `.gz`).
LOG_NAME = re.compile(r"[^.].*\.jsonl(?:[.-][0-9]+)?(?:\.gz)?")
GZIP_MAGIC = b"\x1f\x8b"


# time, monday, user, command, script, codes (a plain tuple: made a million times)
Record = tuple[Optional[str], Optional[int], str, Optional[str], str, tuple[str, ...]]


# --- files ---------------------------------------------------------------------------------

class Source(NamedTuple):
    """A part of a log file to read: bytes [start, end) of a plain file (the line that
    `start` falls inside belongs to the part before), or all of a gzip file, or stdin."""

    path: str  # "-": standard input
    start: int = 0
    end: Optional[int] = None
    gzip: bool = False
    size: int = 0  # bytes of the file this part covers (uncompressed, for gzip)


def is_log_name(name: str) -> bool:
    return LOG_NAME.fullmatch(name) is not None


def directory_logs(path: str) -> list[str]:
    """The log files of a directory (not its subdirectories), sorted by name."""
    try:
        names = os.listdir(path)
    except OSError as exc:
        raise userfiles.UserFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    return [os.path.join(path, name) for name in sorted(names) if is_log_name(name)]


def sources(path: str, what: str, chunk: int) -> list[Source]:
    """The parts of one log file, of about `chunk` bytes each (a gzip file is one part).

    Raises UserFileError when it is not a regular file or cannot be read."""
    size, head, tail = userfiles.probe(path, what, len(GZIP_MAGIC), 4)
    if head == GZIP_MAGIC:  # its size: what it holds (the trailer's ISIZE), at least
        return [Source(path, gzip=True, size=max(size, int.from_bytes(tail, "little")))]
    if size <= chunk:
        return [Source(path, 0, None, size=size)]
    cuts = list(range(0, size, chunk))
    return [Source(path, start, None if start == cuts[-1] else start + chunk,
                   size=min(chunk, size - start)) for start in cuts]


def lines(source: Source, what: str) -> Iterator[bytes | None]:
    """The lines of one part; None for a line over LINE_LIMIT (skipped unread)."""
    if source.path == "-":
        stream: IO[bytes] | None = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream put in place of stdin (tests)
            return (text.encode("utf-8", "surrogateescape") for text in sys.stdin)
        return userfiles.stream_lines(stream, LINE_LIMIT)
    if source.gzip:
        return userfiles.gzip_lines(source.path, what, LINE_LIMIT)
    return userfiles.lines(source.path, what, LINE_LIMIT, source.start, source.end)


# --- records -------------------------------------------------------------------------------

_DAYS: dict[str, Optional[int]] = {}  # "YYYY-MM-DD" -> its Monday's ordinal (None: no day)
_DIGITS = frozenset("0123456789")


def monday_of(day: str) -> Optional[int]:
    """The ordinal of the Monday of the ISO week of `day` (YYYY-MM-DD), else None."""
    try:
        return _DAYS[day]
    except KeyError:
        pass
    monday = None
    if len(day) == 10 and day[4] == day[7] == "-" and _DIGITS.issuperset(
            day[:4] + day[5:7] + day[8:]):
        try:
            when = date(int(day[:4]), int(day[5:7]), int(day[8:]))
        except ValueError:
            pass
        else:
            monday = when.toordinal() - when.weekday()
    if len(_DAYS) < 100_000:  # a garbage log cannot grow the cache without end
        _DAYS[day] = monday
    return monday


_CODES: dict[tuple[Any, ...], tuple[str, ...]] = {}  # warnings as logged -> codes


def _codes(found: list[Any]) -> tuple[str, ...]:
    """The warning codes of a record: its non-empty strings, each once, in their order."""
    try:  # the codes as logged are almost always the cleaned ones: cache them
        return _CODES[tuple(found)]
    except KeyError:
        codes = tuple(dict.fromkeys(c for c in found if type(c) is str and c))
        if len(_CODES) < 100_000:
            _CODES[tuple(found)] = codes
        return codes
    except TypeError:  # an unhashable value among them
        return tuple(dict.fromkeys(c for c in found if type(c) is str and c))


def _record(when: Any, user: Any, command: Any, script: Any, found: Any) -> Record:
    monday = None
    if type(when) is str and len(when) <= MAX_TIME:
        monday = monday_of(when[:10])
    return (when if monday is not None else None, monday,
            user if type(user) is str and user else UNKNOWN_USER,
            command if type(command) is str and command else None,
            script if type(script) is str and script else NO_SCRIPT,
            _codes(found) if type(found) is list and found else ())


def _outside_strings(raw: bytes) -> bytes:
    """The bytes of a JSON text outside its strings, in one linear pass (a regex would
    backtrack for ever on a hostile line of unterminated, escaped quotes)."""
    out = []
    inside = False
    for piece in raw.split(b'"'):
        if not inside:
            out.append(piece)
        elif (len(piece) - len(piece.rstrip(b"\\"))) % 2:
            continue  # an odd run of backslashes: the quote after it is escaped
        inside = not inside
    return b"".join(out)


def _shape_ok(raw: bytes) -> bool:
    """At most MAX_DEPTH levels and MAX_CONTAINERS arrays and objects (outside strings)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:  # nothing to look at
        return True
    bare = _outside_strings(raw).translate(None, _NOT_BRACKETS)
    if len(bare) > 2 * MAX_CONTAINERS:  # more opened or closed than allowed
        return False
    depth = 0
    for byte in bare:
        depth += 1 if byte in _OPENS else -1
        if depth > MAX_DEPTH:
            return False
    return True


_OPENS = frozenset(b"[{")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _no_int(text: str) -> int:
    return 0


def reference(raw: bytes) -> Record | None:
    """The Record of a line with the standard library's json; None when it is none."""
    if not _shape_ok(raw):
        return None
    try:
        # parse_int: no number is read, and one of 4300+ digits is no error
        rec = json.loads(raw.decode("utf-8"), parse_int=_no_int)
    except (ValueError, RecursionError):
        return None
    if type(rec) is not dict:
        return None
    caller = rec.get("caller")
    script = caller.get("script") if type(caller) is dict else UNKNOWN_CALLER
    return _record(rec.get("time"), rec.get("user"), rec.get("command"), script,
                   rec.get("warnings"))


site_packages()  # msgspec is installed there, which bin/'s `python3 -S` leaves out
try:
    import msgspec
except ImportError:  # the standard library's json decodes every line
    msgspec = None  # type: ignore[assignment]

if msgspec is not None:
    class _Caller(msgspec.Struct, gc=False):
        script: Optional[str] = None

    class _Fields(msgspec.Struct, gc=False):
        """What the report reads of a record; msgspec checks and skips the rest."""

        time: Optional[str] = None
        user: Optional[str] = None
        command: Optional[str] = None
        caller: Optional[_Caller] = None
        warnings: Optional[list[str]] = None

# A line shorter than this cannot nest deeper than MAX_DEPTH nor hold MAX_CONTAINERS.
_SHALLOW = 2 * (MAX_DEPTH + 1)


def records(lines: Iterable[bytes | None], fast: bool = True) -> Iterator[Record | None]:
    """The Record of each line, or None for a line that is none (blank, malformed, too
    long, too deep). `fast`: with msgspec, when installed."""
    if not fast or msgspec is None:
        for raw in lines:
            yield None if raw is None else reference(raw)
        return
    decode = msgspec.json.Decoder(_Fields).decode
    failed = (msgspec.DecodeError, msgspec.ValidationError)
    days, unknown_user, no_script, unknown_caller = _DAYS, UNKNOWN_USER, NO_SCRIPT, UNKNOWN_CALLER
    for raw in lines:
        if raw is None:
            yield None
            continue
        # msgspec checks but does not decode the fields it skips: so it gets only ASCII
        # lines (no UTF-8 to check there) shallow enough for json (see MAX_DEPTH).
        if not raw.isascii() or (len(raw) >= _SHALLOW and not _shape_ok(raw)):
            yield reference(raw)
            continue
        try:
            rec = decode(raw)
        except failed:  # not a record of the usual shape: the reference decides
            yield reference(raw)
            continue
        # what _record does, for values whose types msgspec has checked
        when = rec.time
        monday = None
        if when is not None and len(when) <= MAX_TIME:
            day = when[:10]
            monday = days.get(day, -1)
            if monday == -1:
                monday = monday_of(day)
        found = rec.warnings
        caller = rec.caller
        yield (when if monday is not None else None, monday, rec.user or unknown_user,
               rec.command or None,
               (caller.script or no_script) if caller is not None else unknown_caller,
               _codes(found) if found else ())


def record(raw: bytes, fast: bool = True) -> Record | None:
    """The Record of one line (see records)."""
    return next(records([raw], fast))
