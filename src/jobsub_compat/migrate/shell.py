"""Shell scripts: ShellScan, which finds jobsub calls in a shell text (read with bash's
grammar, bash.py) and rewrites them.

Calls are found as plain command lines (in pipelines, lists, conditions, loops, functions,
`$(...)`), in here-documents, and as command strings built in variables and run as `$CMD`
or with `eval` (strings.py follows those through the script's assignments).
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING, Callable

from .. import codes as w
from .. import legacy, lite
from ..codes import (
    IN_STRING,
    JOB_ID_LINE,
    NON_LITERAL,
    UNMODELED,
)
from . import bash
from .bash import _LITERAL, Command, Seg, Word
from .core import (
    _MESSAGES,
    _RUNNERS,
    Assessment,
    Edit,
    FileWork,
    _command_name,
    _mention_re,
    _trial_codes,
)
from .dag import _DAG_JOB, _DAG_TAGS

if TYPE_CHECKING:
    from .credentials import Credentials
    from .strings import Strings

_WRAPPERS = {"exec", "command", "nohup", "builtin", "time", "nice"}
_JOBID_TEXT = "JobsubJobId"


# A run-time value in a word: legacy.runtime_value() stands for it in translations.
placeholder = legacy.runtime_value
is_placeholder = legacy.is_runtime_value


class Source:
    """A text the shell parser reads, and where it is in the file: a whole shell script
    (base 0), a piece of one (a here-document), or the value of a Python string literal
    (base None when its characters are not written literally: then nothing is edited;
    `embed` says what an edit may write there)."""

    def __init__(self, text: str, base: int | None, line: int,
                 embed: Callable[[str], bool] = lambda text: True) -> None:
        self.text, self.base, self.default_line, self.embed = text, base, line, embed

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        if self.base is None:
            return None
        return self.base + start, self.base + end

    def file_offset(self, at: int) -> int | None:
        return None if self.base is None else self.base + at


class ShellScan:
    """Finds and rewrites the jobsub calls of one shell text."""

    def __init__(self, work: FileWork, source: Source) -> None:
        self.work, self.source = work, source
        self.mention = _mention_re()
        self.script: bash.Script | None = None
        self.credentials: Credentials | None = None

    def line(self, offset: int) -> int:
        at = self.source.file_offset(offset)
        if at is None:
            return self.source.default_line
        return self.work.line(at)

    def run(self) -> None:
        try:
            script = bash.Script(self.source.text)
        except bash.ParseError as exc:
            self.work.report(self.line(exc.at), UNMODELED,
                             f"cannot read this shell text ({exc}); nothing here is migrated")
            return
        self.script = script
        self.heredocs(script)
        self.walk(script, credentials=True).finish()

    def walk(self, script: bash.Script, credentials: bool = False) -> Strings:
        from .credentials import Credentials
        from .strings import Strings  # strings.py builds on this module

        strings = Strings(self, script)
        self.credentials = Credentials(self.work, script, self.line, self.source.span,
                                       self.source.embed) if credentials else None
        for command in script.commands:
            self.command(command, strings)
        return strings

    # --- here-documents -------------------------------------------------------------------
    def heredocs(self, script: bash.Script) -> None:
        text = self.source.text
        for doc in script.heredocs:
            body = text[doc.start:doc.end]
            found = self.mention.search(body)
            if not found and _DAG_TAGS.search(body):
                found = _DAG_JOB.search(body)
                if found:
                    self.work.report(self.line(doc.start + found.start()), IN_STRING,
                                     "a jobsub command in a here-document (a DAG file written "
                                     "at run time); not rewritten. Rewrite it by hand.")
                continue
            if not found:
                continue
            if not doc.quoted and "\\" in body:
                self.work.report(self.line(doc.start + found.start()), IN_STRING,
                                 "a jobsub command in a here-document whose backslashes the "
                                 "shell changes before it runs; not rewritten. Rewrite it by "
                                 "hand.")
                continue
            base = None if self.source.base is None else self.source.base + doc.start
            inner = Source(body, base, self.line(doc.start), self.source.embed)
            ShellScan(self.work, inner).run()

    # --- commands -------------------------------------------------------------------------
    def command(self, command: Command, strings: Strings) -> None:
        words = command.words
        for word in words:
            if _JOBID_TEXT in word.value:
                self.work.report(self.line(word.start), JOB_ID_LINE, w.text(JOB_ID_LINE))
        for found in command.assignments:
            if any(_JOBID_TEXT in s.text for s in found.value):
                self.work.report(self.line(found.start), JOB_ID_LINE, w.text(JOB_ID_LINE))
        if self.credentials is not None and self.credentials.export(command):
            return
        if not words or command.declare and command.declare != "unset":
            return
        strings.uses(command, words)
        k = 0
        while k < len(words) and words[k].keyword() in _WRAPPERS | {".", "source"}:
            k += 1
        name_word = words[k] if k < len(words) else None
        if name_word is None:
            return
        if self.credentials is not None and self.credentials.command(command, k):
            return
        if name_word.keyword() == "env":
            k += 1
            while k < len(words) and ("=" in words[k].value.split("/")[0] or
                                      words[k].value.startswith("-")):
                k += 1
            if k >= len(words):
                return
            name_word = words[k]
        command_name = _command_name(_tail(name_word.segs))
        if command_name:
            self.call(command_name, name_word, words[k + 1:], command, strings)
            return
        program = (name_word.keyword() or "").rsplit("/", 1)[-1]
        if program in _MESSAGES or strings.is_run(command):
            return
        for word in words[k + 1:]:
            text = word.value
            if program in _RUNNERS and (_command_name(text) or self.mention.search(text)):
                self.work.report(self.line(word.start), IN_STRING,
                                 f"{program or 'a command'} runs a jobsub command from a "
                                 "string or an argument; not rewritten. Rewrite it by hand.")
                return

    def call(self, command: str, name_word: Word, words: list[Word], where: Command,
             strings: Strings) -> None:
        line = self.line(name_word.start)
        if any(not x.literal for x in words):
            strings.line(command, name_word, words, where)
            return
        argv = [x.value for x in words]
        assessment = self.work.settle(
            line, command, argv, lambda a: self.word_edits(name_word, words, a.edits),
            lambda a: f" as: {command} {shlex.join(a.new or [])}")
        if assessment is None:
            return
        if command in ("jobsub_submit_dag", "jobsub_submit"):
            self.dag_of(command, assessment.new or argv, line)

    def dag_of(self, command: str, argv: list[str], line: int) -> None:
        at = legacy.find_executable(argv)
        if at is None:
            return
        if command == "jobsub_submit" and "--dag" not in argv[:at]:
            return
        word = lite.escape_layer(argv[at])[len(legacy.EXE_PREFIX):]
        if any(is_placeholder(c) for c in word):
            return
        self.work.dags.append((word, line))

    def word_edits(self, name_word: Word, words: list[Word],
                   edits: list[tuple[int, int, list[str]]],
                   writer: Callable[[str], str] = shlex.quote) -> list[Edit] | str:
        text = self.source.text
        out: list[Edit] = []

        def gap_ok(a: Word, b: Word) -> bool:
            return re.fullmatch(r"(?:[ \t]|\\\n)*", text[a.end:b.start]) is not None

        for i1, i2, new in edits:
            quoted = [writer(x) for x in new]
            if any(not self.source.embed(q) for q in quoted):
                return "the jobsub_lite words need quotes that the Python string cannot carry"
            previous = words[i1 - 1] if i1 > 0 else name_word
            span_words = [previous] + words[i1:i2]
            if not (new and i2 - i1 == len(new)) and not all(
                    gap_ok(a, b) for a, b in zip(span_words, span_words[1:])):
                return "redirections sit between the words to change"
            if new and i2 - i1 == len(new):
                spans = [(words[k].start, words[k].end, quoted[k - i1]) for k in range(i1, i2)]
            elif new and i1 < i2:
                spans = [(words[i1].start, words[i2 - 1].end, " ".join(quoted))]
            elif i1 < i2:
                spans = [(previous.end, words[i2 - 1].end, "")]
            else:
                spans = [(previous.end, previous.end, " " + " ".join(quoted))]
            for start, end, new_text in spans:
                span = self.source.span(start, end)
                if span is None:
                    return "the Python string holds escapes, so its words cannot be edited"
                out.append((span[0], span[1], new_text))
        return out


class Value:
    """A value made of literal text and expansions (a Python command string's), with where
    each character is written in the source (None: not editable) and its quoting there."""

    PLACEHOLDER = "\x01"

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.pos: list[int | None] = []
        self.kind: list[str] = []
        self.expansions: list[tuple[str, int]] = []  # (source text, source offset)

    def add(self, seg: Seg) -> None:
        if seg.kind in ("plain", "single", "double"):
            for k, c in enumerate(seg.text):
                self.chars.append(c)
                self.pos.append(seg.start + k)
                self.kind.append(seg.kind)
        elif seg.kind == "escape":
            self.chars.append(seg.text)
            self.pos.append(None)
            self.kind.append("escape")
        else:
            self.chars.append(self.PLACEHOLDER)
            self.pos.append(None)
            self.kind.append("expand")
            self.expansions.append((seg.text, seg.start))

    def add_text(self, text: str, start: int | None, kind: str) -> None:
        for k, char in enumerate(text):
            self.chars.append(char)
            self.pos.append(None if start is None else start + k)
            self.kind.append(kind)

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def words(self) -> list[tuple[int, int]]:
        return [m.span() for m in re.finditer(r"[^ \t\n]+", self.text)]


_SAFE_WORD = re.compile(r"[\w@%+=:,./-]+", re.ASCII)
_SAFE_QUOTED = re.compile(r"[\w@%+=:,./()&|<>!^;#{}~-]+", re.ASCII)


def _value_edits(value: Value, spans: list[tuple[int, int]],
                 edits: list[tuple[int, int, list[str]]],
                 to_file: Callable[[int, int], tuple[int, int] | None],
                 embed: Callable[[str], bool]) -> list[Edit] | str:
    """File edits writing `edits` (over the words after the command word) into a value
    whose quotes stay literal; a reason string when that cannot be written safely."""

    def editable(lo: int, hi: int) -> str | None:
        """The quoting kind of value[lo:hi] when it is one contiguous literal run."""
        kinds = set(value.kind[lo:hi])
        if len(kinds) != 1 or kinds & {"escape", "expand"}:
            return None
        positions = value.pos[lo:hi]
        if any(p is None for p in positions):
            return None
        if any(b != a + 1 for a, b in zip(positions, positions[1:])):  # type: ignore[operator]
            return None
        return kinds.pop()

    def text_ok(words: list[str], kind: str) -> bool:
        pattern = _SAFE_WORD if kind in ("plain", "unknown") else _SAFE_QUOTED
        return all(pattern.fullmatch(x) for x in words) and embed(" ".join(words))

    out: list[Edit] = []
    for i1, i2, new in edits:
        # value word k + 1 is argv word k (word 0 is the command)
        if new and i1 < i2:
            lo, hi, text = spans[i1 + 1][0], spans[i2][1], " ".join(new)
        elif i1 < i2:
            lo, hi, text = spans[i1][1], spans[i2][1], ""
            if editable(lo, hi) is None and i2 + 1 < len(spans):
                lo, hi = spans[i1 + 1][0], spans[i2 + 1][0]
        else:
            lo = hi = spans[i1][1]
            text = " " + " ".join(new)
        kind = editable(lo, hi) if hi > lo else editable(lo - 1, lo)
        if kind is None:
            return "the words to change are written across quotes, escapes or assignments"
        if text and not text_ok(text.split(), kind):
            bad = next((x for x in new if not (_SAFE_QUOTED if kind not in ("plain", "unknown")
                                               else _SAFE_WORD).fullmatch(x) or not embed(x)),
                       text)
            return (f"the jobsub_lite word {bad!r} needs quoting, which a string whose "
                    "quotes stay literal cannot carry")
        if hi > lo:
            first, last = value.pos[lo], value.pos[hi - 1]
            assert first is not None and last is not None
            span = to_file(first, last + 1)
        else:
            anchor = value.pos[lo - 1]
            assert anchor is not None
            span = to_file(anchor + 1, anchor + 1)
        if span is None:
            return "the string holds escapes, so its words cannot be edited in place"
        out.append((span[0], span[1], text))
    return out


def _tail(segs: list[Seg]) -> str:
    """The literal last path component of a command word ("" when an expansion is in it):
    `$DIR/jobsub_submit` -> jobsub_submit."""
    text = "".join(s.text if s.kind in _LITERAL else Value.PLACEHOLDER for s in segs)
    tail = text.rsplit("/", 1)[-1]
    return "" if Value.PLACEHOLDER in tail else tail


__all__ = ["ShellScan", "Source", "Value", "Assessment", "NON_LITERAL", "_trial_codes",
           "Command"]
