"""dagNabbit DAG files: DagScan, which rewrites their jobsub lines."""

from __future__ import annotations

import difflib
import os
import re
from collections import Counter
from collections.abc import Mapping

from .. import lite
from ..codes import (
    DAG_FILE,
    REFUSED,
    RUNTIME,
    UNSTABLE,
)
from ..commands import dagfile, submit
from ..plan import Plan
from ..warnings import UsageError
from .core import (
    _INFORMATIONAL,
    _QUOTING,
    _RUNTIME_CODES,
    ENV,
    ENV_VALUE,
    LITE_VERSION,
    FileWork,
)

# --- DAG files --------------------------------------------------------------------------------

_CWD = "/__jobsub_compat_migrate__" + "/d" * 32  # stands for the submitting directory
_URL_IN_CWD = re.compile(r"(file|dropbox|tardir)://(" + re.escape(_CWD) + r"[^\s]*)")
_FENCES = re.compile(r"<\s*/?\s*(macros|beginjob|finishjob)\s*>", re.IGNORECASE)
_DAG_TAGS = re.compile(r"^\s*<\s*(serial|parallel)\s*>", re.IGNORECASE | re.MULTILINE)
_DAG_JOB = re.compile(r"^\s*jobsub\b", re.MULTILINE)


def _relative_again(word: str) -> str:
    """A path dagfile made absolute from the submitting directory, relative again."""
    return _URL_IN_CWD.sub(lambda m: f"{m.group(1)}://{os.path.relpath(m.group(2), _CWD)}",
                           word)


def _word_key(word: str) -> str:
    """How jobsub_lite reads a DAG word (`file://./x` is `file://x`)."""
    return lite.escape_layer(word).replace("://./", "://")


def _job_line(argv: list[str], env: Mapping[str, str]) -> Plan:
    return submit.translate(argv, env, LITE_VERSION, "jobsub")


def _dag_translate(text: str, shown: str) -> dagfile.Translated:
    """The drop-in's translation of the file's text; its `<macros>` commands are not run
    (a file with macros is not rewritten: DagScan.run)."""
    return dagfile.translate(text, shown, ENV, _CWD, _job_line, None)


def _dag_line(shown: str, message: str) -> tuple[int, str]:
    prefix = shown + ":"
    if message.startswith(prefix):
        number, _, rest = message[len(prefix):].partition(": ")
        if number.isdigit():
            return int(number), rest
    return 1, message


class DagScan:
    """Rewrites the job lines of a dagNabbit file with dagfile.translate, line by line
    (comments, blank lines and layout stay; relative paths stay relative)."""

    def __init__(self, work: FileWork) -> None:
        self.work = work

    def run(self) -> None:
        work, text = self.work, self.work.text
        lines = text.splitlines(keepends=True)
        fence = next((n for n, raw in enumerate(lines, 1)
                      if _FENCES.search(dagfile.COMMENT.sub("", raw))), None)
        if fence is not None:
            work.report(fence, DAG_FILE, "<macros>, <beginjob> and <finishjob> are unknown to "
                        "jobsub_lite and cannot be rewritten line by line; `jobsub-compat "
                        "explain -- jobsub_submit_dag ... file://DAG` shows the translated "
                        "file. Rewrite it by hand.")
            return
        try:
            first = _dag_translate(text, work.path)
        except UsageError as exc:
            number, message = _dag_line(work.path, str(exc))
            work.report(number, REFUSED, f"jobsub_submit_dag refuses this DAG file: {message}")
            return
        frozen: dict[int, tuple[str, str]] = {}
        applied: dict[int, list[str]] = {}
        for code, message in first.warnings:
            number, rest = _dag_line(work.path, message)
            if code in _RUNTIME_CODES:
                frozen.setdefault(number, (code, rest))
            applied.setdefault(number, []).append(code)
        statements = [x for x in first.text.splitlines() if not dagfile.TAG.fullmatch(x)]
        new_lines: list[str] = []
        origin: list[int] = []  # new line index -> old line number
        changed: dict[int, int] = {}  # statement index -> index of its new line
        depth = k = rewritten = 0
        codes: Counter[str] = Counter()

        def keep(raw: str, n: int) -> None:
            new_lines.append(raw)
            origin.append(n)

        for n, raw in enumerate(lines, 1):
            ending = raw[len(raw.rstrip("\r\n")):]
            body_raw = raw[:len(raw) - len(ending)]
            comment_at = body_raw.find("#")
            comment = body_raw[comment_at:] if comment_at >= 0 else ""
            body = dagfile.COMMENT.sub("", body_raw).strip()
            indent = body_raw[:len(body_raw) - len(body_raw.lstrip())]
            if not body:
                if depth and "jobsub" in comment:
                    work.report(n, DAG_FILE, "a comment inside <serial>/<parallel> mentions "
                                "jobsub: jobsub_lite reads every line holding 'jobsub' in a "
                                "block as a job line. Move the comment out of the block or "
                                "reword it.")
                keep(raw, n)
                continue
            tag = dagfile.TAG.search(body)
            if tag:
                closing, name = tag.group(1) == "/", tag.group(2).lower()
                depth += -1 if closing else 1
                normal = f"<{'/' if closing else ''}{name}>"
                if body != normal:  # jobsub_lite's tags are lower case, alone on their line
                    keep(indent + normal + (" " if comment else "") + comment + ending, n)
                    codes.update(applied.get(n, []))
                else:
                    keep(raw, n)
                continue
            index = k
            k += 1
            old = body_raw.split()  # what jobsub_lite reads (a trailing comment included)
            new = [old[0]] + [_relative_again(x) for x in statements[index].split()[1:]]
            if old[0] in ("prescript", "postscript") or \
                    [_word_key(x) for x in old] == [_word_key(x) for x in new]:
                keep(raw, n)
                continue
            why = None
            if n in frozen:
                why = (RUNTIME, f"[{frozen[n][0]}] {frozen[n][1]}")
            elif ENV_VALUE in " ".join(new):
                why = (RUNTIME, "the translation takes a value from the run-time environment; "
                       "write it on the line to migrate it.")
            elif "jobsub" in comment:
                why = (DAG_FILE, "the comment on this job line mentions jobsub; jobsub_lite "
                       "would read it as part of the line. Move it out of the block.")
            if why:
                work.report(n, *why)
                keep(raw, n)
                continue
            if comment:  # jobsub_lite would read it as words of the job line
                keep(indent + comment.rstrip() + ending, n)
            merged = [old[0]] + _merge_keys(body.split()[1:], new[1:])
            changed[index] = len(new_lines)
            keep(indent + " ".join(merged) + ending, n)
            rewritten += 1
        new_text = "".join(new_lines)
        if new_text == text:
            self._remaining(first, None)
            return
        try:
            second = _dag_translate(new_text, work.path)
        except UsageError as exc:  # pragma: no cover - the translator accepted its own words
            number, message = _dag_line(work.path, str(exc))
            work.report(origin[number - 1], UNSTABLE, f"the rewritten DAG file would be "
                        f"refused ({message}); not rewritten.")
            return
        again = [x for x in second.text.splitlines() if not dagfile.TAG.fullmatch(x)]
        unstable = [origin[at] for index, at in changed.items()
                    if [_word_key(x) for x in new_lines[at].split()[1:]] !=
                    [_word_key(_relative_again(x)) for x in again[index].split()[1:]]]
        if unstable:
            for number in unstable:
                work.report(number, UNSTABLE, "the rewritten job line would not translate to "
                            "itself; the file is not rewritten. Rewrite it by hand.")
            self._remaining(first, None)
            return
        work.edits = [(0, len(text), new_text)]
        work.rewritten += rewritten
        left: dict[int, set[str]] = {}
        for code, message in second.warnings:
            number = _dag_line(work.path, message)[0]
            left.setdefault(origin[number - 1] if 0 < number <= len(origin) else number,
                            set()).add(code)
        for at in changed.values():
            n = origin[at]
            codes.update(c for c in applied.get(n, []) if c not in left.get(n, set())
                         and c not in _QUOTING)
        work.applied.update(codes)
        self._remaining(second, origin)

    def _remaining(self, done: dagfile.Translated, origin: list[int] | None) -> None:
        for code, message in done.warnings:
            if code in _INFORMATIONAL or code in _RUNTIME_CODES:
                continue
            number, rest = _dag_line(self.work.path, message)
            if origin is not None and 0 < number <= len(origin):
                number = origin[number - 1]
            self.work.report(number, code, rest)


def _merge_keys(old: list[str], new: list[str]) -> list[str]:
    matcher = difflib.SequenceMatcher(None, [_word_key(x) for x in old],
                                      [_word_key(x) for x in new], autojunk=False)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        out += old[i1:i2] if tag == "equal" else new[j1:j2]
    return out
