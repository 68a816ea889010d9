"""Reading the log's parts into one Tally: in this process, or in one process per core.

The parts (logrecords.Source: a range of a plain file, a whole gzip file, stdin) are
handed out one at a time to `jobs` worker processes, forked so that they start in a few
milliseconds with everything imported; each keeps its own Tally and sends it back once,
at the end, over its own pipe (a tally is small: it grows with distinct values, not
records). A worker that dies is noticed by its pipe's end, not by waiting for ever.
Below PARALLEL_MIN bytes, or with one job, everything is read here.

On a terminal, a progress line (bytes and files read) goes to stderr after PROGRESS_AFTER
seconds, and is cleared when the reading is done.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import IO, Any, Optional, cast

from .. import logrecords
from ..logrecords import Record, Source
from ..userfiles import UserFileError, printable
from .tally import Tally

CHUNK = 16 * 1024 * 1024  # a part of a plain file: small enough to share out evenly
PARALLEL_MIN = 32 * 1024 * 1024  # below this, starting processes costs more than it saves
PROGRESS_AFTER = 1.0  # seconds: short runs print no progress line
WHAT = "log"  # how a log file is named in messages


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


class Outcome:
    """A Tally and what happened on the way: lines skipped and problems, per file."""

    def __init__(self, since: str | None) -> None:
        self.tally = Tally(since)
        self.skipped: dict[str, int] = {}  # path -> lines skipped
        self.problems: dict[str, str] = {}  # path -> the one-line reason it was not all read
        self.processes = 1  # how many processes read (and wrote export parts)


class Progress:
    """`read 120 of 640 MB (18%), 31 of 200 files` on a terminal, for long runs."""

    def __init__(self, total: int, files: int, stream: IO[str] | None) -> None:
        self.total, self.files = max(total, 1), files
        try:
            self.stream = stream if stream is not None and stream.isatty() else None
        except (AttributeError, ValueError):  # closed, or no isatty
            self.stream = None
        self.start = time.monotonic()
        self.shown = False

    def update(self, done: int, files: int) -> None:
        if self.stream is None or time.monotonic() - self.start < PROGRESS_AFTER:
            return
        mb, total = done // 1_000_000, self.total // 1_000_000
        self.stream.write(f"\rjobsub-compat report: read {mb:,} of {total:,} MB "
                          f"({100 * done // self.total}%), {files:,} of {self.files:,} "
                          "files\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown and self.stream is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


Keep = Optional[Callable[[Record], None]]


def _read_part(outcome: Outcome, part: Source, fast: bool, keep: Keep) -> None:
    with _no_collector():
        _read(outcome, part, fast, keep)


@contextlib.contextmanager
def _no_collector() -> Iterator[None]:
    """The cyclic garbage collector off: records make no cycles, and a collection every
    700 new tuples would walk the tally for nothing (4% of the instructions of a read,
    counted with callgrind)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read(outcome: Outcome, part: Source, fast: bool, keep: Keep) -> None:
    try:
        skipped = outcome.tally.feed(
            logrecords.records(logrecords.lines(part, WHAT), fast), keep)
    except UserFileError as exc:
        outcome.problems[part.path] = str(exc)
        return
    if skipped:
        outcome.skipped[part.path] = outcome.skipped.get(part.path, 0) + skipped


def read(parts: list[Source], since: str | None, jobs: int = 1, fast: bool = True,
         progress: IO[str] | None = None, export: Any = None) -> Outcome:
    """Read every part; `export` (export.Export) also gets every Record counted."""
    paths = {p.path for p in parts}
    meter = Progress(sum(p.size for p in parts), len(paths), progress)
    try:
        # standard input stays here (a child process gets /dev/null instead)
        if jobs > 1 and len(parts) > 1 and "-" not in paths and \
                sum(p.size for p in parts) >= PARALLEL_MIN:
            return _in_processes(parts, since, min(jobs, len(parts)), fast, meter, export)
        outcome = Outcome(since)
        keep = export.writer(0) if export is not None else None
        done, left = 0, _remaining(parts)
        try:
            for part in parts:
                _read_part(outcome, part, fast, keep.add if keep is not None else None)
                done += part.size
                meter.update(done, _finished(left, part))
        finally:
            if keep is not None:
                keep.close()
        return outcome
    finally:
        meter.close()


def _remaining(parts: list[Source]) -> dict[str, int]:
    left: dict[str, int] = {}
    for part in parts:
        left[part.path] = left.get(part.path, 0) + 1
    return left


def _finished(left: dict[str, int], part: Source) -> int:
    """Count one part of its file as read; how many files are now read whole."""
    left[part.path] -= 1
    return sum(1 for n in left.values() if n == 0)


# --- worker processes ------------------------------------------------------------------------

def _worker(number: int, parts: list[Source], counter: Any, conn: Any, since: str | None,
            fast: bool, export: Any) -> None:
    """Read parts until none is left, sending ("part", index, skipped, problem) after each
    and ("tally", Tally) at the end; ("crash", text) if something unexpected happens."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C is the parent's to handle
    try:
        keep = export.writer(number) if export is not None else None
        mine = Outcome(since)
        while True:
            with counter.get_lock():
                index = counter.value
                counter.value += 1
            if index >= len(parts):
                break
            part = parts[index]
            before = mine.skipped.get(part.path, 0)
            mine.problems.pop(part.path, None)
            _read_part(mine, part, fast, keep.add if keep is not None else None)
            conn.send(("part", index, mine.skipped.get(part.path, 0) - before,
                       mine.problems.get(part.path)))
        if keep is not None:
            keep.close()
        conn.send(("tally", mine.tally))
    except BrokenPipeError:  # the parent is gone
        pass
    except BaseException:
        try:
            conn.send(("crash", traceback.format_exc()))
        except OSError:
            pass
    finally:
        conn.close()


class WorkerFailed(RuntimeError):
    """A reading process died or failed: the message says how."""


def _context() -> Any:
    import multiprocessing

    try:  # fork: a worker starts in milliseconds, with this process's imports
        return multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform
        return multiprocessing.get_context()


def _in_processes(parts: list[Source], since: str | None, jobs: int, fast: bool,
                  meter: Progress, export: Any) -> Outcome:
    from multiprocessing.connection import Connection, wait

    # the biggest parts first: the last ones to be handed out are then the small ones
    parts = sorted(parts, key=lambda p: -p.size)
    ctx = _context()
    counter = ctx.Value("q", 0)
    outcome = Outcome(since)
    outcome.processes = jobs
    workers: list[Any] = []
    pipes: dict[Connection, Any] = {}
    sys.stderr.flush()  # nothing buffered here is written twice by a child
    try:
        for number in range(jobs):
            receive, send = ctx.Pipe(duplex=False)
            worker = ctx.Process(target=_worker, args=(number, parts, counter, send, since,
                                                       fast, export), daemon=True)
            worker.start()
            send.close()
            workers.append(worker)
            pipes[receive] = worker
        done, left = 0, _remaining(parts)
        while pipes:
            for ready in wait(list(pipes), timeout=0.5):
                conn = cast(Connection, ready)
                try:
                    message = conn.recv()
                except EOFError:
                    worker = pipes.pop(conn)
                    worker.join()
                    raise WorkerFailed(_death(worker.exitcode)) from None
                if message[0] == "part":
                    _, index, skipped, problem = message
                    part = parts[index]
                    if skipped:
                        outcome.skipped[part.path] = outcome.skipped.get(part.path, 0) + skipped
                    if problem:
                        outcome.problems[part.path] = problem
                    done += part.size
                    meter.update(done, _finished(left, part))
                elif message[0] == "tally":
                    outcome.tally.merge(message[1])
                    pipes.pop(conn)
                    conn.close()
                else:
                    raise WorkerFailed("a reading process failed:\n" + str(message[1]).rstrip())
            meter.update(done, sum(1 for n in left.values() if n == 0))
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        for conn in pipes:
            conn.close()
    return outcome


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"a reading process was killed ({name}); out of memory? try --jobs 1"
    return f"a reading process ended early (status {code})"


def describe(outcome: Outcome) -> Iterator[str]:
    """The warning lines of an outcome: skipped lines and unread files, per file."""
    for path, count in sorted(outcome.skipped.items()):
        label = "standard input" if path == "-" else path
        yield printable(f"{label}: skipped {count} blank or malformed line"
                        f"{'s' if count != 1 else ''}")
    for _, problem in sorted(outcome.problems.items()):
        yield printable(f"{problem}; the rest of the report is without it")
