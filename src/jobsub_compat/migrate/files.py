"""Files: what kind a file is, walking directories, and Migration, which migrates them."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from .. import userfiles
from ..codes import DAG_FILE, UNREADABLE
from .core import FileWork, Report
from .dag import _DAG_TAGS, DagScan
from .python import PythonScan
from .shell import ShellScan, Source

# --- files ------------------------------------------------------------------------------------

_SHEBANG_SHELL = re.compile(r"^#!.*\b(ba|k|z|da)?sh\b")
_SHEBANG_PYTHON = re.compile(r"^#!.*\bpython")
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".tox"}


def kind_of(path: str, text: str) -> str | None:
    """"shell", "python", "dag", or None for a file this tool does not read."""
    name = os.path.basename(path).lower()
    first = text.split("\n", 1)[0]
    if name.endswith(".py") or _SHEBANG_PYTHON.match(first):
        return "python"
    if name.endswith(".dag"):
        return "dag"
    if name.endswith((".sh", ".bash", ".ksh", ".zsh")) or _SHEBANG_SHELL.match(first):
        return "shell"
    if not first.startswith("#!") and _DAG_TAGS.search(text):
        return "dag"
    return None


SCRIPT_LIMIT = 16 * userfiles.MiB  # no script, Python file or DAG file is larger


class _Binary(ValueError):
    pass


def _read(path: str) -> str:
    """A script's text: a regular file (or a link to one) of at most SCRIPT_LIMIT bytes,
    opened without blocking (a FIFO or device is refused, never waited on)."""
    data = userfiles.read_bytes(path, SCRIPT_LIMIT, "")
    if b"\0" in data[:8192]:
        raise _Binary("a binary file")
    return data.decode("utf-8", "surrogateescape")


def _walk(root: str) -> Iterator[str]:
    """The files under `root`, regular files before the symbolic links of each directory
    (so a file reached both ways is migrated as itself)."""
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        names = [os.path.join(directory, n) for n in sorted(files) if not _is_backup(n)]
        yield from sorted(names, key=os.path.islink)


def _is_backup(name: str) -> bool:
    head, dot, tail = name.rpartition(".orig")
    return bool(dot) and (not tail or (tail[:1] == "." and tail[1:].isdigit()))


@dataclass
class Outcome:
    path: str
    old: str
    new: str
    rewritten: int
    applied: Counter[str]
    reports: list[Report]


def migrate_text(path: str, text: str, kind: str) -> tuple[FileWork, list[tuple[str, int]]]:
    """The work for one file's text (nothing is written)."""
    work = FileWork(path, text)
    if kind == "shell":
        ShellScan(work, Source(text, 0, 1)).run()
    elif kind == "python":
        PythonScan(work).run()
    else:
        DagScan(work).run()
    return work, work.dags


class Migration:
    """All files of one run: explicit paths, directory walks, and DAG files named by calls."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.failures: list[Report] = []
        self._seen: set[str] = set()

    def file(self, path: str, explicit: bool, kind: str | None = None) -> None:
        real = os.path.realpath(path)
        if real in self._seen:
            return
        self._seen.add(real)
        try:
            text = _read(path)
        except _Binary as exc:
            if explicit:
                self.failures.append(Report(path, 1, UNREADABLE, f"cannot read it: {exc}"))
            return
        except userfiles.UserFileError as exc:
            # userfiles says "<path> is a FIFO ..., not a regular file; give ..." or
            # "<path>: <strerror>": keep what the path is, not the advice for a named file
            reason = str(exc).strip().split("; give ")[0]
            reason = reason[len(path):].lstrip(" :") if reason.startswith(path) else reason
            self.failures.append(Report(path, 1, UNREADABLE, f"not migrated: {reason}"))
            return
        kind = kind or kind_of(path, text)
        if kind is None:
            if not explicit or "jobsub" not in text:
                return
            kind = "shell"
        if not explicit and "jobsub" not in text and kind != "dag":
            return
        work, dags = migrate_text(path, text, kind)
        new = work.result()
        self.outcomes.append(Outcome(path, text, new, work.rewritten if new != text else 0,
                                     work.applied if new != text else Counter(),
                                     work.reports))
        for dag, line in dags:
            where = dag if os.path.isabs(dag) else os.path.join(os.path.dirname(path), dag)
            if os.path.isfile(where):
                self.file(where, explicit=True, kind="dag")
            else:
                self.failures.append(Report(path, line, DAG_FILE, f"the DAG file {dag} is not "
                                            f"found (relative paths are read from the script's "
                                            "directory); name it to migrate it."))

    def path(self, path: str) -> None:
        if os.path.isdir(path):
            for name in _walk(path):
                self.file(name, explicit=False)
        else:
            self.file(path, explicit=True)
