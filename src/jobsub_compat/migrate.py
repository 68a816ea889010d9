"""`jobsub-compat migrate`: rewrite legacy jobsub calls in scripts into jobsub_lite's own
spelling, for good, with the drop-ins' own translators (the shim and this tool never
disagree: there is no second option table here).

Where calls are found:
- shell scripts: plain command lines (backslash continuations, pipelines, `$(...)`), and
  command strings built in a variable (`CMD="jobsub_submit ..."`, `CMD="$CMD ..."` or
  `CMD+=" ..."`) and run as an unquoted `$CMD`;
- Python scripts (read with `ast`): argv lists (`["jobsub_submit", "-G", "gm2", ...]`) and
  command strings (run by os.system & co. or subprocess with shell=True, or split with
  `"...".split()`);
- dagNabbit DAG files (`*.dag`, files with <serial>/<parallel>, and the DAG files named
  by a literal jobsub_submit_dag call).

For each call the drop-in's translate() gives the words the shim would hand jobsub_lite
(backend_argv[1:]). Words are compared as jobsub_lite reads them (after its own quote
layer): when the script's words already read the same, nothing changes; otherwise the
differing words are replaced by the translator's words, written with the quoting the
place needs (shlex.quote on a command line; on a `$CMD` string, whose quotes stay
literal, and in Python strings only words free of whitespace, quotes and shell syntax).
A rewrite is kept only when the new line translates to itself (so a second run, and the
shim if it is still on PATH, read it the same way).

What cannot be shown safe is left alone and reported as `FILE:LINE: [CODE] reason`:
words built from variables or at run time, command strings run another way, calls whose
legacy behaviour the drop-in emulates (output formats, --jobid-output-only), and
translator refusals. Warnings that survive the rewrite (a retired OS, say) are reported
with their own codes.
"""

from __future__ import annotations

import argparse
import ast
import bisect
import difflib
import importlib
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Callable, NoReturn, Optional

from . import dagfile, legacy, lite, options
from . import warnings as w
from .plan import Plan
from .warnings import GENERAL_CODES, UsageError

PROG = "jobsub-compat migrate"
LITE_VERSION = "1.12"

# --- what needs a person (codes of this tool) -------------------------------------------------
NON_LITERAL = "JCM01"
CANNOT_WRITE = "JCM02"
REFUSED = "JCM03"
UNSTABLE = "JCM04"
EMULATED = "JCM05"
UNMODELED = "JCM06"
IN_STRING = "JCM07"
DAG_FILE = "JCM08"
RUNTIME = "JCM09"
JOB_ID_LINE = "JCM10"
UNREADABLE = "JCM11"

CODES: dict[str, str] = {
    NON_LITERAL: "Words built from variables, command output or file patterns: what "
    "jobsub receives is only known at run time, so nothing is rewritten.",
    CANNOT_WRITE: "The jobsub_lite words need quoting that this place cannot carry (a "
    "$CMD string keeps quotes literally; a Python string with escapes).",
    REFUSED: "The drop-in refuses this call; the message names the fix.",
    UNSTABLE: "The rewritten call would not translate to itself (the drop-in and "
    "jobsub_lite would read it differently), so it is not rewritten.",
    EMULATED: "The drop-in emulates legacy behaviour jobsub_lite does not have (output "
    "format, --jobid-output-only, environment); check what the script expects.",
    UNMODELED: "A command string built conditionally, run another way than `$CMD`, or a "
    "script that cannot be parsed.",
    IN_STRING: "A jobsub command run from a string (ssh, sh -c, eval, a here-document, a "
    "Python string of unknown use): rewrite it by hand.",
    DAG_FILE: "A DAG file that cannot be rewritten line by line (macros, begin/finish "
    "jobs, comments jobsub_lite would read, file not found).",
    RUNTIME: "The translation depends on the run-time environment (group from $GROUP, "
    "-e NAME, --dag or --json-config files).",
    JOB_ID_LINE: "The script reads the legacy `JobsubJobId of first job:` line, which "
    "jobsub_lite does not print; use `Use job id ID to retrieve output`.",
    UNREADABLE: "A file that cannot be read or parsed.",
}

# Warnings about quoting that the rewrite settles: they need nobody once the line is stable.
_QUOTING = {w.LITERAL_READING, w.CLASSAD_UNCHECKED, w.REQUOTED, w.PROTECTED_ARGUMENT}


def _row_code(command: str, key: str) -> str:
    return next(r.code or "" for r in options.TABLES[command] if r.key == key)


# Codes whose translation depends on what the script's run-time world holds.
_RUNTIME_CODES = {_row_code("jobsub_submit", "dag"), _row_code("jobsub_submit", "json_config"),
                  w.ENV_UNSET_VARIABLE, w.ENV_JOBSUB_SERVER}
_ANSWERS = {"-h", "--help", "--version", "-manual", "-man"}
# Warnings that need nobody once the call is written in jobsub_lite's spelling: quoting
# notes, and condor options passed on (`-long`: "the output is condor's, as it was").
_INFORMATIONAL = _QUOTING | {_row_code("jobsub_q", "long")}  # calls the drop-in answers itself

ENV_VALUE = "__jobsub_compat_migrate_env__"


class ScriptEnvironment(Mapping[str, str]):
    """The script's environment at run time, which is unknown: every variable is set (so
    `-e NAME` and a group from $GROUP keep their meaning, and a value that reaches
    jobsub_lite's words shows up as ENV_VALUE), except the legacy $JOBSUB_SERVER."""

    def __getitem__(self, key: str) -> str:
        if key == "JOBSUB_SERVER" or key.startswith("JOBSUB_COMPAT_"):
            raise KeyError(key)
        return ENV_VALUE

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


ENV = ScriptEnvironment()


# --- translation --------------------------------------------------------------------------------

def _dropins() -> dict[str, str]:
    from .cli import DROPINS  # late: cli imports this module for its subcommand

    return DROPINS


def translate(command: str, argv: list[str]) -> Plan:
    """The drop-in's Plan for `command argv` (nothing is run, nothing is read but the
    files a translator reads itself)."""
    if command == "jobsub_submit_dag":
        # The drop-in's first step; its DAG file is migrated on its own (dagfile).
        from .commands import submit

        return submit.translate(argv, ENV, LITE_VERSION, command, command=command)
    module = importlib.import_module(f"{__package__}.commands.{command[len('jobsub_'):]}")
    plan: Plan = module.translate(argv, ENV, LITE_VERSION, command)
    return plan


def _safe_translate(command: str, argv: list[str]) -> Plan:
    try:
        return translate(command, argv)
    except Exception as exc:  # a bug in a translator must not stop a whole migration
        plan = Plan(command)
        plan.error = f"the translator failed ({type(exc).__name__}: {exc})"
        return plan


def lite_reading(words: list[str]) -> list[str]:
    """The words jobsub_lite's parser sees (after its own quote layer)."""
    return [lite.escape_layer(word) for word in words]


_Why = Optional[tuple[str, str]]
_SILENT = ("", "")


def _why_not(command: str, argv: list[str], plan: Plan) -> _Why:
    """Why this call cannot be rewritten into jobsub_lite words (None: it can)."""
    if plan.error:
        return REFUSED, f"{command} refuses this call: {plan.error}"
    if plan.action != "run":
        if _ANSWERS & set(argv):
            return _SILENT
        return EMULATED, (f"{command}: the drop-in answers this call itself ({plan.action}); "
                          "jobsub_lite cannot. Rewrite it by hand.")
    backend = _dropins().get(command, command)
    if backend != command and command != "jobsub_submit_dag":
        return EMULATED, (f"jobsub_lite has no {command}; the drop-in emulates it. "
                          + " ".join(x.message for x in plan.warnings))
    if plan.jobid_only:
        return EMULATED, (f"{command}: --jobid-output-only is emulated by the drop-in; "
                          "jobsub_lite prints its full output. Take the id from the line "
                          "'Use job id ID to retrieve output', then remove the option.")
    if plan.env:
        names = ", ".join(sorted(plan.env))
        return EMULATED, (f"{command}: the drop-in passes {names} in the environment; "
                          + " ".join(x.message for x in plan.warnings))
    if plan.mode not in ("", "jobid", "any"):
        return EMULATED, (f"{command}: the drop-in prints the legacy layout itself (from "
                          "condor's JSON); jobsub_lite prints its own. Check what reads the "
                          "output, then write the jobsub_lite call by hand.")
    words = plan.backend_argv[1:]
    if any(ENV_VALUE in word for word in words):
        return RUNTIME, (f"{command}: the translation takes the group from $JOBSUB_GROUP or "
                         "$GROUP at run time; give -G GROUP to migrate it.")
    runtime = [x for x in plan.warnings if x.code in _RUNTIME_CODES]
    if runtime:
        return RUNTIME, f"{command}: [{runtime[0].code}] {runtime[0].message}"
    return None


@dataclass
class Assessment:
    """What to do with one call: `edits` over argv[1:] (i1, i2, new words), or a problem."""

    command: str
    argv: list[str]
    new: list[str] | None = None  # argv[1:] after the rewrite; None: unchanged
    edits: list[tuple[int, int, list[str]]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # codes the rewrite settles
    remaining: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    problem: _Why = None
    skip: bool = False


def _codes(plan: Plan) -> list[str]:
    return list(dict.fromkeys(x.code for x in plan.warnings))


def _option_keys(command: str) -> Callable[[str], str | None]:
    """The option row a word spells (through the drop-in's own grammar), if any."""
    grammar = legacy.Grammar(options.rows_for(command, None), command)

    def key(word: str) -> str | None:
        if not word.startswith("-") or word in ("-", "--"):
            return None
        try:
            return grammar.resolve(lite.escape_layer(word))[0].key
        except UsageError:
            return None

    return key


def _pairs(old: list[str], new: list[str], key: Callable[[str], str | None]
           ) -> list[tuple[int, int, list[str]]]:
    """Word-level edits turning `old` into `new` (least cost: a word is best replaced by a
    spelling of the same option, else by a similar word; else deleted and inserted)."""
    m, n = len(old), len(new)
    keys_old, keys_new = [key(x) for x in old], [key(x) for x in new]

    def substitute(i: int, j: int) -> float:
        if keys_old[i] is not None and keys_old[i] == keys_new[j]:
            return 0.0
        if (keys_old[i] is None) != (keys_new[j] is None):
            return 1.5  # an option for a value: never a good pair
        return 1.0 - difflib.SequenceMatcher(None, old[i], new[j]).ratio()

    cost = [[0.0] * (n + 1) for _ in range(m + 1)]
    for i in range(1, m + 1):
        cost[i][0] = float(i)
    for j in range(1, n + 1):
        cost[0][j] = float(j)
    for i in range(1, m + 1):
        for j in range(1, n + 1):
            cost[i][j] = min(cost[i - 1][j] + 1, cost[i][j - 1] + 1,
                             cost[i - 1][j - 1] + substitute(i - 1, j - 1))
    edits: list[tuple[int, int, list[str]]] = []
    i, j = m, n
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + substitute(i - 1, j - 1):
            edits.append((i - 1, i, [new[j - 1]]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            edits.append((i - 1, i, []))
            i -= 1
        else:
            edits.append((i, i, [new[j - 1]]))
            j -= 1
    edits.reverse()
    merged: list[tuple[int, int, list[str]]] = []
    for edit in edits:  # insertions at one place become one edit
        if merged and edit[0] == edit[1] == merged[-1][0] == merged[-1][1]:
            merged[-1] = (edit[0], edit[1], merged[-1][2] + edit[2])
        else:
            merged.append(edit)
    return [e for e in merged if not (e[1] == e[0] + 1 and e[2] == [old[e[0]]])]


def _merge(command: str, old: list[str], new: list[str], exact: bool
           ) -> tuple[list[tuple[int, int, list[str]]], list[str]]:
    """Edits turning `old` into words that read like `new`: words jobsub_lite already
    reads the same are kept as written (unless `exact`). Each edit replaces one word,
    deletes one, or inserts some."""
    a, b = (old, new) if exact else (lite_reading(old), lite_reading(new))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    edits: list[tuple[int, int, list[str]]] = []
    result: list[str] = []
    key = _option_keys(command)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result += old[i1:i2]
        else:
            edits += [(i1 + e1, i1 + e2, words)
                      for e1, e2, words in _pairs(old[i1:i2], new[j1:j2], key)]
            result += new[j1:j2]
    return edits, result


def assess(command: str, argv: list[str]) -> Assessment:
    """Translate one call and decide its rewrite (argv excludes the command word)."""
    result = Assessment(command, argv)
    plan = _safe_translate(command, argv)
    why = _why_not(command, argv, plan)
    if why == _SILENT:
        result.skip = True
        return result
    if why is not None:
        result.problem = why
        return result
    target = plan.backend_argv[1:]
    final = plan
    if lite_reading(target) != lite_reading(argv):
        for exact in (False, True):
            edits, new = _merge(command, argv, target, exact)
            again = _safe_translate(command, new)
            if (_why_not(command, new, again) is None
                    and lite_reading(again.backend_argv[1:]) == lite_reading(new)):
                result.new, result.edits, final = new, edits, again
                break
        else:
            result.problem = (UNSTABLE, f"{command}: its jobsub_lite words "
                              f"({shlex.join(target)}) would be read differently by the "
                              "drop-in; rewrite the call by hand.")
            return result
        left = set(_codes(final))
        result.applied = [c for c in _codes(plan) if c not in left and c not in _QUOTING]
    result.remaining = [(x.code, f"{command}: {x.message}") for x in final.warnings
                        if x.code not in _INFORMATIONAL]
    return result


def _trial_codes(command: str, argv: list[str]) -> list[str]:
    """Legacy codes of a call whose unknown parts were replaced by a placeholder."""
    plan = _safe_translate(command, argv)
    if plan.error:
        return []
    return [c for c in _codes(plan) if c not in _INFORMATIONAL]


def _command_name(word: str) -> str | None:
    """The drop-in a command word names (`/path/jobsub_submit.py` -> jobsub_submit)."""
    name = word.rsplit("/", 1)[-1]
    if name.endswith(".py"):
        name = name[:-3]
    return name if name in _dropins() else None


def _mention_re() -> re.Pattern[str]:
    names = "|".join(sorted((re.escape(n) for n in _dropins()), key=len, reverse=True))
    return re.compile(r"(?:^|[;&|(`\n]|\$\()\s*(?:[\w./${}-]*/)?(?:" + names
                      + r")(?:\.py)?(?=[\s;&|)`]|$)")


# --- edits of one file --------------------------------------------------------------------------

Edit = tuple[int, int, str]


@dataclass
class Report:
    path: str
    line: int
    code: str
    message: str

    def text(self) -> str:
        return f"{self.path}:{self.line}: [{self.code}] {self.message}"


class FileWork:
    """The edits and reports of one file."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.edits: list[Edit] = []
        self.reports: list[Report] = []
        self.rewritten = 0
        self.applied: Counter[str] = Counter()
        self.dags: list[tuple[str, int]] = []  # DAG files named by jobsub_submit_dag calls
        self._starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def report(self, line: int, code: str, message: str) -> None:
        entry = Report(self.path, line, code, message)
        if entry not in self.reports:
            self.reports.append(entry)

    def add(self, line: int, edits: list[Edit], assessment: Assessment) -> None:
        taken = [(s, e) for s, e, _ in self.edits]
        if any(s < e2 and s2 < e or (s == e and s2 < s < e2) for s, e, _ in edits
               for s2, e2 in taken):  # pragma: no cover - calls do not share words
            self.report(line, CANNOT_WRITE, f"{assessment.command}: its words are also part "
                        "of another call; rewrite it by hand")
            return
        self.edits.extend(edits)
        self.rewritten += 1
        self.applied.update(assessment.applied)

    def result(self) -> str:
        out, at = [], 0
        for start, end, text in sorted(self.edits, key=lambda e: (e[0], e[1])):
            out.append(self.text[at:start])
            out.append(text)
            at = end
        out.append(self.text[at:])
        return "".join(out)

    def note(self, line: int, assessment: Assessment) -> None:
        """Report what still needs a person after (or without) a rewrite."""
        for code, message in assessment.remaining:
            self.report(line, code, message)


# --- the shell -------------------------------------------------------------------------------

class _LexError(Exception):
    def __init__(self, at: int, message: str) -> None:
        super().__init__(message)
        self.at = at


@dataclass
class Seg:
    """A piece of a shell word: literal text (`plain` unquoted, `single`, `double`, `escape`
    for one backslashed character) or an expansion (`expand`, `ansi` for $'...')."""

    kind: str
    text: str  # the characters it gives (an expansion: its source text)
    start: int  # where `text` is in the source (an escape: its backslash)
    end: int
    name: str = ""  # $NAME / ${NAME}
    inner: tuple[int, int] | None = None  # $( ... ): the command's text
    quoted: bool = False


_LITERAL = ("plain", "single", "double", "escape")
_GLOB = re.compile(r"[*?\[]|\{.*[,.].*\}|^~")


@dataclass
class Word:
    segs: list[Seg]
    start: int
    end: int

    @property
    def literal(self) -> bool:
        if any(s.kind not in _LITERAL for s in self.segs):
            return False
        plain = "".join(s.text if s.kind == "plain" else "_" for s in self.segs)
        return not _GLOB.search(plain)

    @property
    def value(self) -> str:
        return "".join(s.text for s in self.segs)

    @property
    def expansions(self) -> list[str]:
        return [s.text for s in self.segs if s.kind not in _LITERAL]

    def keyword(self) -> str | None:
        if len(self.segs) == 1 and self.segs[0].kind == "plain":
            return self.segs[0].text
        return None

    def trial(self) -> str:
        """The word with every expansion replaced by a placeholder."""
        return "".join(s.text if s.kind in _LITERAL else "X" for s in self.segs)


@dataclass
class Token:
    kind: str  # "word", "op", "nl"
    text: str
    start: int
    end: int
    word: Word | None = None


_OPS = sorted([";;&", ";;", ";&", "&&", "||", "|&", "&>>", "&>", ">>", "<<<", "<<-", "<<",
               "<&", ">&", ">|", "<>", ";", "&", "|", "(", ")", "<", ">"],
              key=len, reverse=True)
_REDIRECTS = {"&>>", "&>", ">>", "<<<", "<<-", "<<", "<&", ">&", ">|", "<>", "<", ">"}
_SEPARATORS = {";", "&", "&&", "||", "|", "|&"}
_WORD_END = frozenset(" \t\r\n;&|()<>")
_PLAIN_STOP = _WORD_END | frozenset("\\'\"$`")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL_PARAMS = "@*#?$!-0123456789"


class Lexer:
    """Tokens of a bash text range: words (with their quoting), operators, newlines.
    Here-document bodies and backquoted commands are kept aside (never rewritten)."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.s, self.i, self.end = text, start, end
        self.tokens: list[Token] = []
        self.heredocs: list[tuple[int, int]] = []
        self.backquotes: list[tuple[int, int]] = []
        self._pending: list[tuple[str, bool]] = []
        self._want_delimiter: bool | None = None

    def run(self) -> list[Token]:
        s = self.s
        while self.i < self.end:
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "\\" and s.startswith("\n", self.i + 1):
                self.i += 2
            elif c == "\n":
                self.tokens.append(Token("nl", c, self.i, self.i + 1))
                self.i += 1
                self._heredoc_bodies()
            elif c == "#":
                newline = s.find("\n", self.i, self.end)
                self.i = self.end if newline < 0 else newline
            elif c in ";&|()<>":
                op = next(o for o in _OPS if s.startswith(o, self.i))
                self.tokens.append(Token("op", op, self.i, self.i + len(op)))
                self.i += len(op)
                if op in ("<<", "<<-"):
                    self._want_delimiter = op == "<<-"
            else:
                word = self.word()
                self.tokens.append(Token("word", s[word.start:word.end], word.start, word.end,
                                         word))
                if self._want_delimiter is not None:
                    self._pending.append((word.value, self._want_delimiter))
                    self._want_delimiter = None
        return self.tokens

    def _heredoc_bodies(self) -> None:
        for delimiter, strip in self._pending:
            begin = self.i
            while self.i < self.end:
                newline = self.s.find("\n", self.i, self.end)
                stop = self.end if newline < 0 else newline
                line = self.s[self.i:stop]
                self.i = stop + 1 if newline >= 0 else self.end
                if (line.lstrip("\t") if strip else line) == delimiter:
                    break
            self.heredocs.append((begin, self.i))
        self._pending = []

    def word(self) -> Word:
        s, start = self.s, self.i
        segs: list[Seg] = []
        while self.i < self.end:
            c = s[self.i]
            if c in _WORD_END:
                break
            if c == "\\":
                if self.i + 1 >= self.end:
                    segs.append(Seg("plain", c, self.i, self.i + 1))
                    self.i += 1
                elif s[self.i + 1] == "\n":
                    self.i += 2
                else:
                    segs.append(Seg("escape", s[self.i + 1], self.i, self.i + 2))
                    self.i += 2
            elif c == "'":
                close = s.find("'", self.i + 1, self.end)
                if close < 0:
                    raise _LexError(self.i, "a single quote is never closed")
                segs.append(Seg("single", s[self.i + 1:close], self.i + 1, close))
                self.i = close + 1
            elif c == '"':
                self._double(segs)
            elif c == "$" and self._expansion_at(self.i, quoted=False):
                segs.append(self._dollar(quoted=False))
            elif c == "`":
                segs.append(self._backquote(quoted=False))
            else:
                j = self.i + 1
                while j < self.end and s[j] not in _PLAIN_STOP:
                    j += 1
                segs.append(Seg("plain", s[self.i:j], self.i, j))
                self.i = j
        return Word(segs, start, self.i)

    def _double(self, segs: list[Seg]) -> None:
        s, open_at = self.s, self.i
        self.i += 1
        run = self.i

        def flush(upto: int) -> None:
            if upto > run:
                segs.append(Seg("double", s[run:upto], run, upto, quoted=True))

        while True:
            if self.i >= self.end:
                raise _LexError(open_at, "a double quote is never closed")
            c = s[self.i]
            if c == '"':
                flush(self.i)
                self.i += 1
                return
            if c == "\\" and self.i + 1 < self.end and s[self.i + 1] in '$`"\\\n':
                flush(self.i)
                if s[self.i + 1] != "\n":
                    segs.append(Seg("escape", s[self.i + 1], self.i, self.i + 2, quoted=True))
                self.i += 2
                run = self.i
            elif c == "$" and self._expansion_at(self.i, quoted=True):
                flush(self.i)
                segs.append(self._dollar(quoted=True))
                run = self.i
            elif c == "`":
                flush(self.i)
                segs.append(self._backquote(quoted=True))
                run = self.i
            else:
                self.i += 1

    def _expansion_at(self, at: int, quoted: bool) -> bool:
        nxt = self.s[at + 1:at + 2]
        if not nxt:
            return False
        return (nxt in "{(" or nxt in _SPECIAL_PARAMS or bool(_NAME.match(nxt))
                or (not quoted and nxt in "'\""))

    def _dollar(self, quoted: bool) -> Seg:
        s, start = self.s, self.i
        nxt = s[start + 1]
        if nxt == "{":
            close = self._match(start + 2, "{", "}")
            name = s[start + 2:close]
            self.i = close + 1
            return Seg("expand", s[start:self.i], start, self.i,
                       name=name if _NAME.fullmatch(name) else "", quoted=quoted)
        if nxt == "(":
            close = self._match(start + 2, "(", ")")
            self.i = close + 1
            arithmetic = s.startswith("((", start + 1)
            return Seg("expand", s[start:self.i], start, self.i, quoted=quoted,
                       inner=None if arithmetic else (start + 2, close))
        if nxt == "'":  # $'...': ANSI-C quoting
            j = start + 2
            while j < self.end and s[j] != "'":
                j += 2 if s[j] == "\\" else 1
            if j >= self.end:
                raise _LexError(start, "a $'...' quote is never closed")
            self.i = j + 1
            return Seg("ansi", s[start:self.i], start, self.i, quoted=quoted)
        if nxt == '"':  # $"...": a translated string; its text is taken as is
            self.i += 1
            segs: list[Seg] = []
            self._double(segs)
            return Seg("ansi", s[start:self.i], start, self.i, quoted=quoted)
        match = _NAME.match(s, start + 1)
        if match:
            self.i = match.end()
            return Seg("expand", s[start:self.i], start, self.i, name=match.group(0),
                       quoted=quoted)
        self.i = start + 2
        return Seg("expand", s[start:self.i], start, self.i, quoted=quoted)

    def _backquote(self, quoted: bool) -> Seg:
        s, start = self.s, self.i
        j = start + 1
        while j < self.end and s[j] != "`":
            j += 2 if s[j] == "\\" else 1
        if j >= self.end:
            raise _LexError(start, "a backquote is never closed")
        self.i = j + 1
        self.backquotes.append((start + 1, j))
        return Seg("expand", s[start:self.i], start, self.i, quoted=quoted)

    def _skip_double(self, i: int) -> int:
        s = self.s
        i += 1
        while i < self.end and s[i] != '"':
            if s[i] == "\\":
                i += 1
            elif s.startswith("$(", i):
                i = self._match(i + 2, "(", ")")
            i += 1
        if i >= self.end:
            raise _LexError(i, "a double quote is never closed")
        return i + 1

    def _match(self, i: int, opening: str, closing: str) -> int:
        s, depth, begin = self.s, 1, i
        while i < self.end:
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "'" and opening == "(":
                close = s.find("'", i + 1, self.end)
                if close < 0:
                    raise _LexError(i, "a single quote is never closed")
                i = close + 1
                continue
            if c == '"':
                i = self._skip_double(i)
                continue
            if c == "`":
                close = s.find("`", i + 1, self.end)
                if close < 0:
                    raise _LexError(i, "a backquote is never closed")
                i = close + 1
                continue
            if c == opening:
                depth += 1
            elif c == closing:
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        raise _LexError(begin, f"a {opening} is never closed")


@dataclass
class Command:
    """A simple command: its words (redirections left out), where, and in which block."""

    words: list[Word]
    block: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.words[0].start


class Parser:
    """Simple commands of a bash text, with the block each one is in (if/then/else,
    loops, case branches, groups and subshells each open a new one), including the
    commands inside `$( ... )`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.commands: list[Command] = []
        self.heredocs: list[tuple[int, int]] = []
        self.backquotes: list[tuple[int, int]] = []
        self._ids = 0

    def _new(self) -> int:
        self._ids += 1
        return self._ids

    def parse(self, start: int, end: int, prefix: tuple[int, ...] = ()) -> None:
        lexer = Lexer(self.text, start, end)
        tokens = lexer.run()
        self.heredocs += lexer.heredocs
        self.backquotes += lexer.backquotes
        stack: list[tuple[str, int]] = []
        cur: list[Word] = []
        block: tuple[int, ...] = prefix
        redirect = skip = funcdef = patterns = False
        case_header = False

        def here() -> tuple[int, ...]:
            return prefix + tuple(i for _, i in stack)

        def finish() -> None:
            nonlocal cur, skip, case_header
            if cur:
                self.commands.append(Command(cur, block))
            cur = []
            skip = case_header = False

        def pop(kind: str) -> None:
            if stack and (stack[-1][0] == kind or kind == "*"):
                stack.pop()

        for tok in tokens:
            if tok.kind == "nl" or tok.text in _SEPARATORS:
                finish()
                redirect = False
                continue
            if tok.kind == "op":
                op = tok.text
                if op in (";;", ";&", ";;&"):
                    finish()
                    if stack and stack[-1][0] == "case":
                        stack[-1] = ("case", self._new())
                        patterns = True
                elif op in _REDIRECTS:
                    redirect = True
                    if cur and cur[-1].end == tok.start and cur[-1].value.isdigit():
                        cur.pop()
                elif op == "(":
                    if patterns:
                        continue
                    if cur:
                        cur, funcdef = [], True  # `name ()`: a function definition
                    else:
                        stack.append(("(", self._new()))
                elif op == ")":
                    if patterns:
                        patterns = False
                    elif funcdef:
                        funcdef = False
                    else:
                        finish()
                        pop("(")
                continue
            word = tok.word
            assert word is not None
            for seg in word.segs:
                if seg.inner:
                    self.parse(seg.inner[0], seg.inner[1], here() + (self._new(),))
            if redirect:
                redirect = False
                continue
            if patterns:
                if word.keyword() == "esac":
                    pop("case")
                    patterns = False
                continue
            if skip:
                if case_header and word.keyword() == "in":
                    patterns = True
                    finish()
                continue
            if not cur:
                key = word.keyword()
                if key in ("if", "while", "until"):
                    stack.append((key, self._new()))
                    continue
                if key in ("then", "do", "else", "elif"):
                    if stack:
                        stack[-1] = (stack[-1][0], self._new())
                    continue
                if key in ("fi", "done", "esac", "}"):
                    pop("*")
                    continue
                if key == "{":
                    stack.append(("{", self._new()))
                    continue
                if key in ("!", "time", "function"):
                    continue
                if key in ("for", "select", "case"):
                    stack.append(("case" if key == "case" else "for", self._new()))
                    skip, case_header = True, key == "case"
                    continue
                block = here()
            cur.append(word)
        finish()


_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?)=")
_DECLARE = {"export", "local", "declare", "typeset", "readonly"}
_WRAPPERS = {"exec", "command", "nohup", "builtin", "time", "nice"}
_RUNNERS = {"xargs", "ssh", "sudo", "su", "timeout", "watch", "parallel", "bash", "sh", "ksh",
            "zsh", "eval", "srun", "env"}
_MESSAGES = {"echo", "printf", ":", "print", "logger"}
_JOBID_TEXT = "JobsubJobId"


@dataclass
class Assignment:
    name: str
    append: bool  # NAME+=VALUE
    value: list[Seg]
    command: Command
    word: Word


def _assignment(word: Word) -> Assignment | None:
    if not word.segs or word.segs[0].kind != "plain":
        return None
    first = word.segs[0]
    match = _ASSIGNMENT.match(first.text)
    if not match:
        return None
    rest = first.text[match.end():]
    value = ([Seg("plain", rest, first.start + match.end(), first.end)] if rest else []) + \
        word.segs[1:]
    return Assignment(match.group(1), bool(match.group(2)), value, Command([word], ()), word)


class Value:
    """A shell value made of literal text and expansions, with where each character is
    written in the source (None: not editable) and its quoting there."""

    PLACEHOLDER = "\x01"

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.pos: list[int | None] = []
        self.kind: list[str] = []
        self.expansions: list[tuple[str, int]] = []  # (source text, source offset)

    def add(self, seg: Seg) -> None:
        if seg.kind in ("plain", "single", "double"):
            for k, char in enumerate(seg.text):
                self.chars.append(char)
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
            bad = next(x for x in new if not (_SAFE_QUOTED if kind not in ("plain", "unknown")
                                              else _SAFE_WORD).fullmatch(x) or not embed(x))
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


class Source:
    """A text the shell parser reads, and where it is in the file: a whole shell script, or
    the value of a Python string literal (then edits must fit in the literal)."""

    def __init__(self, text: str, base: int | None, line: int,
                 embed: Callable[[str], bool] = lambda text: True) -> None:
        self.text, self.base, self.default_line, self.embed = text, base, line, embed

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        if self.base is None:
            return None
        return self.base + start, self.base + end


class ShellScan:
    """Finds and rewrites the jobsub calls of one shell text."""

    def __init__(self, work: FileWork, source: Source) -> None:
        self.work, self.source = work, source
        self.mention = _mention_re()

    def line(self, offset: int) -> int:
        if self.source.base is None:
            return self.source.default_line
        return self.work.line(self.source.base + offset)

    def run(self) -> None:
        parser = Parser(self.source.text)
        try:
            parser.parse(0, len(self.source.text))
        except _LexError as exc:
            self.work.report(self.line(exc.at), UNMODELED,
                             f"cannot read this shell text ({exc}); nothing here is migrated")
            return
        commands = sorted(parser.commands, key=lambda c: c.start)
        for begin, end in parser.heredocs + parser.backquotes:
            found = self.mention.search(self.source.text, begin, end)
            heredoc = (begin, end) in parser.heredocs
            if not found and heredoc and _DAG_TAGS.search(self.source.text, begin, end):
                found = _DAG_JOB.search(self.source.text, begin, end)
            if found:
                where = "a here-document" if heredoc else "backquotes"
                self.work.report(self.line(found.start()), IN_STRING,
                                 f"a jobsub command in {where} (run or written at run time); "
                                 "not rewritten. Rewrite it by hand.")
        chains = _Chains(self, commands)
        for command in commands:
            self.command(command, chains)
        chains.finish()

    def command(self, command: Command, chains: _Chains) -> None:
        words = command.words
        for word in words:
            if _JOBID_TEXT in word.value:
                self.work.report(self.line(word.start), JOB_ID_LINE, CODES[JOB_ID_LINE])
        assignments = []
        k = 0
        while k < len(words):
            found = _assignment(words[k])
            if found is None:
                break
            found.command = command
            assignments.append(found)
            k += 1
        if k < len(words) and words[k].keyword() in _DECLARE:
            rest = [x for x in words[k + 1:] if not x.value.startswith("-")]
            declared = [_assignment(x) for x in rest]
            if all(declared):
                for found in declared:
                    assert found is not None
                    found.command = command
                    assignments.append(found)
                k = len(words)
        if k == len(words):
            chains.assign(assignments)
            return
        chains.uses(command, words[k:])
        while k < len(words) and words[k].keyword() in _WRAPPERS:
            k += 1
        name_word = words[k] if k < len(words) else None
        if name_word is None:
            return
        if name_word.keyword() == "env":
            k += 1
            while k < len(words) and (_assignment(words[k]) or words[k].value.startswith("-")):
                k += 1
            if k >= len(words):
                return
            name_word = words[k]
        command_name = _command_name(_tail(name_word.segs))
        if command_name:
            self.call(command_name, name_word, words[k + 1:])
            return
        program = (name_word.keyword() or "").rsplit("/", 1)[-1]
        if program in _MESSAGES or chains.is_run(command):
            return
        for word in words[k + 1:]:
            text = word.value
            if program in _RUNNERS and (_command_name(text) or self.mention.search(text)):
                self.work.report(self.line(word.start), IN_STRING,
                                 f"{program or 'a command'} runs a jobsub command from a "
                                 "string or an argument; not rewritten. Rewrite it by hand.")
                return

    def call(self, command: str, name_word: Word, words: list[Word]) -> None:
        line = self.line(name_word.start)
        variable = [x for x in words if not x.literal]
        if variable:
            names = _names([e for x in variable for e in x.expansions] or
                           [self.source.text[x.start:x.end] for x in variable])
            codes = _trial_codes(command, [x.trial() for x in words])
            self.work.report(line, NON_LITERAL, _non_literal(
                command, f"its words use {names}", codes))
            return
        argv = [x.value for x in words]
        assessment = assess(command, argv)
        if assessment.skip:
            return
        if assessment.problem:
            self.work.report(line, *assessment.problem)
            return
        if assessment.new is not None:
            edits = self.word_edits(name_word, words, assessment.edits)
            if isinstance(edits, str):
                self.work.report(line, CANNOT_WRITE, f"{command}: {edits}; rewrite it by hand "
                                 f"as: {command} {shlex.join(assessment.new)}")
                return
            self.work.add(line, edits, assessment)
        self.work.note(line, assessment)
        if command in ("jobsub_submit_dag", "jobsub_submit"):
            self.dag_of(command, assessment.new or argv, line)

    def dag_of(self, command: str, argv: list[str], line: int) -> None:
        at = legacy.find_executable(argv)
        if at is None:
            return
        if command == "jobsub_submit" and "--dag" not in argv[:at]:
            return
        self.work.dags.append((lite.escape_layer(argv[at])[len(legacy.EXE_PREFIX):], line))

    def word_edits(self, name_word: Word, words: list[Word],
                   edits: list[tuple[int, int, list[str]]]) -> list[Edit] | str:
        text = self.source.text
        out: list[Edit] = []

        def gap_ok(a: Word, b: Word) -> bool:
            return re.fullmatch(r"(?:[ \t]|\\\n)*", text[a.end:b.start]) is not None

        for i1, i2, new in edits:
            quoted = [shlex.quote(x) for x in new]
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


def _names(texts: list[str]) -> str:
    unique = list(dict.fromkeys(texts))
    shown = ", ".join(unique[:4])
    return shown + (", ..." if len(unique) > 4 else "")


def _non_literal(command: str, why: str, codes: list[str]) -> str:
    text = f"{command}: {why}, known only at run time; not rewritten."
    if codes:
        text += (f" Its literal words still use {', '.join(codes)}: rewrite them by hand "
                 f"(`jobsub-compat explain -- {command} ...` shows the translation).")
    return text


@dataclass
class Chain:
    """A command string built in a variable: `NAME="jobsub_... "`, then `NAME="$NAME ..."`
    (or `NAME+=" ..."`), run as an unquoted `$NAME`. `opaque`: the variable holds a shell
    command line that is not a plain jobsub call (`cd x && jobsub_submit ...`)."""

    name: str
    pieces: list[Assignment]
    opaque: bool = False
    runs: list[Command] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (source offset, why)
    used: list[tuple[int, str]] = field(default_factory=list)  # other uses: (offset, program)

    @property
    def block(self) -> tuple[int, ...]:
        return self.pieces[0].command.block


class _Chains:
    """Tracks `$CMD` command strings through a shell text (in source order)."""

    def __init__(self, scan: ShellScan, commands: list[Command]) -> None:
        self.scan = scan
        self.current: dict[str, Chain] = {}
        self.done: list[Chain] = []
        self.ifs = any(a.name == "IFS" for c in commands for x in c.words
                       for a in [_assignment(x)] if a)
        self._runs: set[int] = set()
        self.run_anywhere: dict[str, int] = {}  # NAME -> offset of a `$NAME` command
        for command in commands:
            only = command.words[0].segs[0] if len(command.words[0].segs) == 1 else None
            if only and only.kind == "expand" and only.name and not only.quoted:
                self.run_anywhere.setdefault(only.name, command.start)

    def _self_reference(self, assignment: Assignment) -> bool:
        first = assignment.value[:1]
        return bool(first) and first[0].kind == "expand" and first[0].name == assignment.name

    def assign(self, assignments: list[Assignment]) -> None:
        for found in assignments:
            self._references(found.value, found.command, "an assignment",
                             skip_first=self._self_reference(found))
            chain = self.current.get(found.name)
            if chain and (found.append or self._self_reference(found)):
                if chain.runs:
                    chain.problems.append((found.word.start, f"${found.name} changes after it "
                                           "was run"))
                elif found.command.block != chain.block:
                    chain.problems.append((found.word.start, f"${found.name} is extended "
                                           "conditionally (in another block)"))
                chain.pieces.append(found)
                continue
            if chain:
                self.done.append(self.current.pop(found.name))
            if found.append:
                continue
            if _starts_with_dropin(found.value):
                self.current[found.name] = Chain(found.name, [found])
            elif self.scan.mention.search("".join(s.text for s in found.value
                                                  if s.kind in _LITERAL)):
                self.current[found.name] = Chain(found.name, [found], opaque=True)

    def is_run(self, command: Command) -> bool:
        return command.start in self._runs

    def _references(self, segs: list[Seg], command: Command, program: str,
                    skip_first: bool = False) -> None:
        for seg in segs[1:] if skip_first else segs:
            used = self.current.get(seg.name) if seg.kind == "expand" and seg.name else None
            if used:
                used.used.append((seg.start, program))

    def uses(self, command: Command, words: list[Word]) -> None:
        """A command: a run of a chain (`$CMD ...`), or another use of its variable."""
        first = words[0]
        only = first.segs[0] if len(first.segs) == 1 else None
        name = only.name if only and only.kind == "expand" and not only.quoted else ""
        chain = self.current.get(name) if name else None
        if chain:
            self._runs.add(command.start)
            if not command.block[:len(chain.block)] == chain.block:
                chain.problems.append((first.start, f"${name} is run in a block where its "
                                       "value is not known"))
            elif len(words) > 1:
                chain.problems.append((words[1].start, f"${name} is run with more words "
                                       "after it"))
            chain.runs.append(command)
        program = (first.keyword() or "").rsplit("/", 1)[-1]
        if program in _MESSAGES:
            return
        for word in words[1:] if chain else words:
            self._references(word.segs, command, program or "a command")

    def finish(self) -> None:
        for chain in self.done + list(self.current.values()):
            self.migrate(chain)

    def migrate(self, chain: Chain) -> None:
        scan, work = self.scan, self.scan.work
        start_line = scan.line(chain.pieces[0].word.start)
        if chain.opaque:
            if chain.runs or chain.used:
                at = chain.runs[0].start if chain.runs else chain.used[0][0]
                work.report(scan.line(at), IN_STRING, f"${chain.name} (set at line "
                            f"{start_line}) holds a shell command line with a jobsub command, "
                            "run at run time; not rewritten. Rewrite it by hand.")
            return
        if not chain.runs and not chain.used:
            if chain.name in self.run_anywhere:  # run where its value is not this one
                work.report(scan.line(self.run_anywhere[chain.name]), UNMODELED,
                            f"${chain.name} is run where the command string built at line "
                            f"{start_line} may not be its value (a function defined before, "
                            "say); not rewritten. Rewrite it by hand.")
            return  # a message held in a variable
        problems = list(chain.problems)
        problems += [(at, f"${chain.name} is used by {program}, not only run as "
                      f"${chain.name}") for at, program in chain.used]
        if self.ifs:
            problems.append((chain.pieces[0].word.start, "the script changes IFS, which "
                             "decides how the string is split"))
        value = Value()
        for k, piece in enumerate(chain.pieces):
            segs = piece.value if (k == 0 or piece.append) else piece.value[1:]
            for seg in segs:
                value.add(seg)
        spans = value.words()
        text = value.text
        command = _command_name(_tail(_first_word(chain.pieces[0].value) or []))
        if command is None or not spans:  # pragma: no cover - a chain starts with a drop-in
            return
        run_line = scan.line(chain.runs[0].start) if chain.runs else start_line
        if problems:
            at, why = min(problems)
            work.report(scan.line(at), UNMODELED, f"{command} command string in "
                        f"${chain.name} (built from line {start_line}): {why}; not "
                        "rewritten. Rewrite it by hand.")
            return
        argv = [text[a:b] for a, b in spans[1:]]
        skip = text[spans[0][0]:spans[0][1]].count(Value.PLACEHOLDER)
        expansions = value.expansions[skip:]
        globbed = [x for x in argv if re.search(r"[*?\[]", x)]
        if expansions or globbed:
            at = expansions[0][1] if expansions else chain.pieces[0].word.start
            names = "its words use " + _names([t for t, _ in expansions]) if expansions \
                else "its words are file patterns (" + ", ".join(globbed[:3]) + ")"
            trial = [x.replace(Value.PLACEHOLDER, "X") for x in argv]
            work.report(scan.line(at), NON_LITERAL, _non_literal(
                command, names, _trial_codes(command, trial)) + f" (${chain.name}, run at "
                f"line {run_line})")
            return
        assessment = assess(command, argv)
        if assessment.skip:
            return
        if assessment.problem:
            code, message = assessment.problem
            work.report(run_line, code, f"{message} (${chain.name}, built from line "
                        f"{start_line})")
            return
        if assessment.new is not None:
            edits = _value_edits(value, spans, assessment.edits, scan.source.span,
                                 scan.source.embed)
            if isinstance(edits, str):
                work.report(start_line, CANNOT_WRITE, f"{command} in ${chain.name}: {edits}; "
                            "rewrite it by hand (as a bash array, say: "
                            f"{chain.name}=({command} {shlex.join(assessment.new)}), run as "
                            f"\"${{{chain.name}[@]}}\")")
                return
            work.add(start_line, self._drop_emptied(chain, edits), assessment)
        work.note(run_line, assessment)
        if command in ("jobsub_submit_dag", "jobsub_submit"):
            scan.dag_of(command, assessment.new or argv, run_line)

    def _drop_emptied(self, chain: Chain, edits: list[Edit]) -> list[Edit]:
        """An appending assignment left with nothing to append is removed with its line."""
        text, base = self.scan.source.text, self.scan.source.base
        if base != 0:
            return edits
        out = list(edits)
        for piece in chain.pieces[1:]:
            literal = [s for s in piece.value if s.kind in ("plain", "single", "double")]
            if not literal or len(literal) != len(piece.value) - (0 if piece.append else 1):
                continue
            lo, hi = min(s.start for s in literal), max(s.end for s in literal)
            inside = [e for e in out if lo <= e[0] and e[1] <= hi]
            if not inside or any(e[2].strip() for e in inside):
                continue
            kept = list(text[lo:hi])
            for start, end, _ in inside:
                for k in range(start, end):
                    kept[k - lo] = ""
            if "".join(kept).strip():
                continue
            line_start = text.rfind("\n", 0, piece.word.start) + 1
            line_end = text.find("\n", piece.word.end)
            line_end = len(text) if line_end < 0 else line_end
            if text[line_start:piece.word.start].strip() or text[piece.word.end:line_end].strip():
                continue
            out = [e for e in out if e not in inside]
            out.append((line_start, min(line_end + 1, len(text)), ""))
        return out


def _tail(segs: list[Seg]) -> str:
    """The literal last path component of a command word ("" when an expansion is in it):
    `$DIR/jobsub_submit` -> jobsub_submit."""
    text = "".join(s.text if s.kind in _LITERAL else Value.PLACEHOLDER for s in segs)
    tail = text.rsplit("/", 1)[-1]
    return "" if Value.PLACEHOLDER in tail else tail


def _first_word(value: list[Seg]) -> list[Seg] | None:
    """The segments of the first whitespace-delimited word of a value (split inside
    literal segments)."""
    out: list[Seg] = []
    started = False
    for seg in value:
        if seg.kind not in ("plain", "single", "double"):
            out.append(seg)
            started = True
            continue
        text = seg.text
        if not started:
            stripped = text.lstrip(" \t\n")
            if not stripped:
                continue
            text, started = stripped, True
        cut = re.search(r"[ \t\n]", text)
        if cut:
            out.append(Seg(seg.kind, text[:cut.start()], seg.start, seg.start))
            return out
        out.append(Seg(seg.kind, text, seg.start, seg.end))
    return out or None


def _starts_with_dropin(value: list[Seg]) -> bool:
    first = _first_word(value)
    return bool(first) and bool(_command_name(_tail(first or [])))


# --- Python -----------------------------------------------------------------------------------

_SHELL_CALLS = {"os.system", "os.popen", "commands.getoutput", "commands.getstatusoutput",
                "subprocess.getoutput", "subprocess.getstatusoutput", "getoutput",
                "getstatusoutput", "system", "popen"}
_SUBPROCESS = {"call", "run", "check_call", "check_output", "Popen"}
_MESSAGE_CALLS = {"print", "sys.stdout.write", "sys.stderr.write"}
_MESSAGE_METHODS = {"debug", "info", "warning", "warn", "error", "critical", "exception"}
_SHELL_SPECIAL = re.compile(r"['\"\\$`;&|<>()*?\[\]{}~#\n]")
_LITERAL_RE = re.compile(r"([rRuU]{0,2})('''|\"\"\"|'|\")(.*)\2", re.S)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    return ""


class PythonScan:
    """Finds and rewrites the jobsub calls of a Python script, read with `ast`."""

    def __init__(self, work: FileWork) -> None:
        self.work = work
        self.text = work.text
        lines = re.split(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)", self.text)
        self.line_starts = [0]
        for line in lines:
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.lines = lines
        self.parents: dict[ast.AST, ast.AST] = {}
        self.mention = _mention_re()

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        return self.line_starts[lineno - 1] + len(
            line.encode("utf-8", "surrogateescape")[:col].decode("utf-8", "replace"))

    def span(self, node: ast.expr) -> tuple[int, int]:
        end_line, end_col = node.end_lineno, node.end_col_offset
        assert end_line is not None and end_col is not None
        return self.offset(node.lineno, node.col_offset), self.offset(end_line, end_col)

    def run(self) -> None:
        try:
            tree = ast.parse(self.text)
        except (SyntaxError, ValueError, UnicodeError) as exc:
            line = getattr(exc, "lineno", None) or 1
            self.work.report(line, UNREADABLE, f"cannot parse this Python file ({exc}); "
                             "nothing here is migrated")
            return
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        mutated = self._mutated(tree)
        handled: set[ast.AST] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.List, ast.Tuple)):
                self.argv_list(node, handled, mutated)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    node not in handled:
                self.string(node, mutated)

    def _mutated(self, tree: ast.AST) -> set[str]:
        """Names that are extended after their assignment (cmd += ..., cmd.append(...))."""
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("append", "extend", "insert") and \
                    isinstance(node.func.value, ast.Name):
                names.add(node.func.value.id)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
                for side in (node.left, node.right):
                    if isinstance(side, ast.Name):
                        names.add(side.id)
        return names

    def _assigned_to(self, node: ast.AST, mutated: set[str]) -> str | None:
        parent = self.parents.get(node)
        if isinstance(parent, ast.Assign):
            for target in parent.targets:
                if isinstance(target, ast.Name) and target.id in mutated:
                    return target.id
        return None

    def _combined(self, node: ast.AST) -> str | None:
        """How a literal is combined with other values at run time, if it is."""
        parent = self.parents.get(node)
        if isinstance(parent, ast.JoinedStr):
            return "an f-string"
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Add, ast.Mod)):
            return "concatenation or %-formatting"
        if isinstance(parent, ast.Attribute) and parent.attr in ("format", "format_map"):
            return ".format()"
        if isinstance(parent, ast.Starred):
            return "unpacking"
        return None

    # --- argv lists -------------------------------------------------------------------------
    def argv_list(self, node: ast.List | ast.Tuple, handled: set[ast.AST],
                  mutated: set[str]) -> None:
        elts = node.elts
        if not elts:
            return
        first = elts[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)
                and _command_name(first.value)):
            for elt in elts[1:]:
                if isinstance(elt, ast.Constant) and isinstance(elt.value, str) and \
                        _command_name(elt.value) and elt.value.strip() == elt.value:
                    handled.add(elt)
                    self.work.report(elt.lineno, IN_STRING, f"{elt.value} is run through "
                                     "another program in this argv list; not rewritten. "
                                     "Rewrite it by hand.")
                    return
            return
        command = _command_name(first.value)
        if not command:
            return
        handled.update(e for e in elts)
        line = node.lineno
        combined = self._combined(node)
        name = self._assigned_to(node, mutated)
        variable = [e for e in elts[1:] if not (isinstance(e, ast.Constant)
                                                 and isinstance(e.value, str))]
        if combined or name or variable:
            why = (f"its argv list is combined with other values ({combined})" if combined
                   else f"its argv list ({name}) is extended later" if name else
                   "its words use " + _names([
                       ast.unparse(e) if hasattr(ast, "unparse") else type(e).__name__
                       for e in variable]))
            trial = [e.value if isinstance(e, ast.Constant) and isinstance(e.value, str)
                     else "X" for e in elts[1:]]
            self.work.report(line, NON_LITERAL, _non_literal(
                command, why, _trial_codes(command, trial) if not combined and not name
                else []))
            return
        argv = [e.value for e in elts[1:] if isinstance(e, ast.Constant)
                and isinstance(e.value, str)]
        assessment = assess(command, argv)
        if assessment.skip:
            return
        if assessment.problem:
            self.work.report(line, *assessment.problem)
            return
        if assessment.new is not None:
            edits = self.element_edits(elts, assessment.edits)
            if isinstance(edits, str):
                self.work.report(line, CANNOT_WRITE, f"{command}: {edits}; rewrite it by hand")
                return
            self.work.add(line, edits, assessment)
        self.work.note(line, assessment)
        if command in ("jobsub_submit_dag", "jobsub_submit"):
            ShellScan(self.work, Source("", None, line)).dag_of(
                command, assessment.new or argv, line)

    def _quote_style(self, node: ast.expr) -> str:
        start, end = self.span(node)
        match = _LITERAL_RE.fullmatch(self.text[start:end])
        return match.group(2)[0] if match else '"'

    def element_edits(self, elts: list[ast.expr], edits: list[tuple[int, int, list[str]]]
                      ) -> list[Edit] | str:
        quote = self._quote_style(elts[0])

        def literal(word: str) -> str:
            if quote == "'":
                return repr(word)
            return json.dumps(word, ensure_ascii=False)

        spans = [self.span(e) for e in elts]
        text = self.text
        out: list[Edit] = []
        for i1, i2, new in edits:  # one word replaced or deleted, or words inserted
            texts = [literal(x) for x in new]
            # list element k + 1 is argv word k
            if new and i2 == i1 + 1:
                out.append((spans[i2][0], spans[i2][1], texts[0]))
                continue
            if new:
                out.append((spans[i1][1], spans[i1][1], ", " + ", ".join(texts)))
                continue
            start, end = spans[i2]
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            line_end = len(text) if line_end < 0 else line_end
            if not text[line_start:start].strip() and re.fullmatch(
                    r"\s*,?\s*(#.*)?", text[end:line_end]):
                out.append((line_start, line_end + 1, ""))  # the element's own line
            elif "#" not in text[spans[i1][1]:start]:
                out.append((spans[i1][1], end, ""))
            elif i2 + 1 < len(spans) and "#" not in text[end:spans[i2 + 1][0]]:
                out.append((start, spans[i2 + 1][0], ""))
            else:
                return "comments sit between the elements to change"
        return out

    # --- command strings --------------------------------------------------------------------
    def _consumer(self, node: ast.AST) -> str:
        parent = self.parents.get(node)
        if isinstance(parent, ast.Expr):
            return "message"  # a docstring, or a string nobody uses
        if isinstance(parent, ast.Attribute) and parent.attr == "split":
            call = self.parents.get(parent)
            if isinstance(call, ast.Call) and call.func is parent and not call.args and \
                    not call.keywords:
                return "split"
        if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node:
            name = _dotted(parent.func)
            if name in _SHELL_CALLS:
                return "shell"
            if name.rsplit(".", 1)[-1] in _SUBPROCESS and any(
                    k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value
                    is True for k in parent.keywords):
                return "shell"
            if name in ("shlex.split", "split"):
                return "shlex"
            if name in _MESSAGE_CALLS or name.rsplit(".", 1)[-1] in _MESSAGE_METHODS:
                return "message"
        return "unknown"

    def literal_source(self, node: ast.Constant) -> tuple[int, str] | None:
        """(offset of the value's first character, quote) when the literal's source text is
        its value (no escapes, no implicit concatenation)."""
        start, end = self.span(node)
        match = _LITERAL_RE.fullmatch(self.text[start:end])
        if not match or "b" in match.group(1).lower() or match.group(3) != node.value:
            return None
        return start + len(match.group(1)) + len(match.group(2)), match.group(2)

    def string(self, node: ast.Constant, mutated: set[str]) -> None:
        value = node.value
        assert isinstance(value, str)
        if _JOBID_TEXT in value:
            self.work.report(node.lineno, JOB_ID_LINE, CODES[JOB_ID_LINE])
        found = self.mention.search(value)
        if not found:
            return
        line = node.lineno
        words = value.split()
        command = _command_name(words[0]) if words else None
        if len(words) < 2 and found.start() == 0:
            return  # a bare name (shutil.which("jobsub_q")): no call
        top: ast.AST = node
        while self._combined(top) and top in self.parents:
            top = self.parents[top]
            if isinstance(top, ast.Attribute) and top in self.parents:
                top = self.parents[top]  # "...".format(...): the call
        if self._consumer(top) == "message":
            return
        combined = self._combined(node)
        name = self._assigned_to(node, mutated)
        if combined or name:
            codes = []
            if command and found.start() == 0 and not _SHELL_SPECIAL.search(value):
                codes = _trial_codes(command, words[1:])
            why = f"its string is built with {combined}" if combined else \
                f"its string ({name}) is extended later"
            self.work.report(line, NON_LITERAL, _non_literal(command or "a jobsub command",
                                                             why, codes))
            return
        consumer = self._consumer(node)
        if consumer == "message":
            return
        literal = self.literal_source(node)
        if consumer == "shell":
            base, quote = literal if literal else (None, '"')
            ShellScan(self.work, Source(value, base, line, _embed(quote))).run()
            return
        if command is None or (consumer != "split" and _SHELL_SPECIAL.search(value)):
            self.work.report(line, IN_STRING, "a jobsub command in a string whose use is not "
                             "known here (or with shell syntax); not rewritten. Rewrite it by "
                             "hand.")
            return
        if consumer == "shlex" and re.search(r"['\"\\]", value):
            self.work.report(line, IN_STRING, "a jobsub command string with quotes, split by "
                             "shlex; not rewritten. Rewrite it by hand as an argv list.")
            return
        text = Value()
        base = literal[0] if literal else None
        text.add_text(value, base, "split" if consumer == "split" else "unknown")
        spans = text.words()
        argv = [value[a:b] for a, b in spans[1:]]
        assessment = assess(command, argv)
        if assessment.skip:
            return
        if assessment.problem:
            self.work.report(line, *assessment.problem)
            return
        if assessment.new is not None:
            quote = literal[1] if literal else '"'

            def to_file(start: int, end: int) -> tuple[int, int] | None:
                return None if base is None else (start, end)

            edits = _value_edits(text, spans, assessment.edits, to_file, _embed(quote))
            if isinstance(edits, str):
                self.work.report(line, CANNOT_WRITE, f"{command}: {edits}; rewrite it by hand "
                                 f"as an argv list: {[command] + assessment.new!r}")
                return
            self.work.add(line, edits, assessment)
        self.work.note(line, assessment)
        if command in ("jobsub_submit_dag", "jobsub_submit"):
            ShellScan(self.work, Source("", None, line)).dag_of(
                command, assessment.new or argv, line)


def _embed(quote: str) -> Callable[[str], bool]:
    def ok(text: str) -> bool:
        if "\\" in text or quote[0] in text or "\r" in text:
            return False
        return len(quote) == 3 or "\n" not in text

    return ok


# --- DAG files --------------------------------------------------------------------------------

_CWD = "/__jobsub_compat_migrate__" + "/d" * 32  # stands for the submitting directory
_URL_IN_CWD = re.compile(r"(file|dropbox|tardir)://(" + re.escape(_CWD) + r"[^\s]*)")
_FENCES = re.compile(r"<\s*/?\s*(macros|beginjob|finishjob)\s*>", re.IGNORECASE)


def _relative_again(word: str) -> str:
    """A path dagfile made absolute from the submitting directory, relative again."""
    return _URL_IN_CWD.sub(lambda m: f"{m.group(1)}://{os.path.relpath(m.group(2), _CWD)}",
                           word)


def _word_key(word: str) -> str:
    """How jobsub_lite reads a DAG word (`file://./x` is `file://x`)."""
    return lite.escape_layer(word).replace("://./", "://")


def _dag_translate(text: str, shown: str) -> dagfile.Translated:
    with tempfile.TemporaryDirectory(prefix="jobsub_compat_migrate_") as directory:
        path = os.path.join(directory, "file.dag")
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
        return dagfile.translate(path, shown, ENV, LITE_VERSION, _CWD, run_commands=False)


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
                      if _FENCES.search(dagfile._COMMENT.sub("", raw))), None)
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
        statements = [x for x in first.text.splitlines() if not dagfile._TAG.fullmatch(x)]
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
            body = dagfile._COMMENT.sub("", body_raw).strip()
            indent = body_raw[:len(body_raw) - len(body_raw.lstrip())]
            if not body:
                if depth and "jobsub" in comment:
                    work.report(n, DAG_FILE, "a comment inside <serial>/<parallel> mentions "
                                "jobsub: jobsub_lite reads every line holding 'jobsub' in a "
                                "block as a job line. Move the comment out of the block or "
                                "reword it.")
                keep(raw, n)
                continue
            tag = dagfile._TAG.search(body)
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
        again = [x for x in second.text.splitlines() if not dagfile._TAG.fullmatch(x)]
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


# --- files ------------------------------------------------------------------------------------

_SHEBANG_SHELL = re.compile(r"^#!.*\b(ba|k|z|da)?sh\b")
_SHEBANG_PYTHON = re.compile(r"^#!.*\bpython")
_DAG_TAGS = re.compile(r"^\s*<\s*(serial|parallel)\s*>", re.IGNORECASE | re.MULTILINE)
_DAG_JOB = re.compile(r"^\s*jobsub\b", re.MULTILINE)
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


def _read(path: str) -> str:
    with open(path, "rb") as handle:
        data = handle.read()
    if b"\0" in data[:8192]:
        raise ValueError("a binary file")
    return data.decode("utf-8", "surrogateescape")


def _walk(root: str) -> Iterator[str]:
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".orig"):
                yield os.path.join(directory, name)


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
        except (OSError, ValueError) as exc:
            if explicit or not isinstance(exc, ValueError):
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                self.failures.append(Report(path, 1, UNREADABLE, f"cannot read it: {reason}"))
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
instead. LOG defaults to $XDG_STATE_HOME/jobsub_compat/migration.jsonl, else
~/.local/state/jobsub_compat/migration.jsonl (or the `log` setting).

Exit status: 0 when nothing would change and nothing needs a person; 1 when something
would change (or was changed with --write), needs a person, or a file found in a directory
or the default log cannot be read (one line); 2 for usage errors, including a PATH or LOG
named on the command line that does not exist or cannot be read (one line, nothing done).

Codes of this tool:
""" + "\n".join(f"  {code}  {text}" for code, text in CODES.items()) + "\n"


class _Stop(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{PROG}: error: {message}\n")
        raise _Stop(2)

    def exit(self, status: int = 0, message: Optional[str] = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise _Stop(status)


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
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
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except _Stop as stop:
        return stop.status
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        return 1


def _main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.from_log:
        if args.write or args.no_backup:
            parser.error("--from-log only reads the log; give --write to a PATH run")
        return from_log(args.paths, parser)
    if not args.paths:
        parser.error("give the scripts, DAG files or directories to migrate (PATH...)")
    for path in args.paths:
        if not os.path.exists(path):
            parser.error(f"{path}: no such file or directory")
        if not os.access(path, os.R_OK):
            parser.error(f"{path}: cannot read it (permission denied)")
    migration = Migration()
    for path in args.paths:
        migration.path(path)
    return _finish(migration, args.write, not args.no_backup)


def _finish(migration: Migration, write: bool, backup: bool) -> int:
    changed = [o for o in migration.outcomes if o.new != o.old]
    reports = sorted(migration.failures + [r for o in migration.outcomes for r in o.reports],
                     key=lambda r: (r.path, r.line, r.code))
    status = 0
    if not write:
        for outcome in changed:
            for line in difflib.unified_diff(outcome.old.splitlines(keepends=True),
                                             outcome.new.splitlines(keepends=True),
                                             outcome.path, outcome.path):
                sys.stdout.write(line if line.endswith("\n") else
                                 line + "\n\\ No newline at end of file\n")
        sys.stdout.flush()
    kept_backups: list[str] = []
    failed = 0
    if write:
        for outcome in changed:
            try:
                kept_backups += _write(outcome, backup)
            except OSError as exc:
                failed += 1
                sys.stderr.write(f"{PROG}: error: cannot write {outcome.path}: "
                                 f"{exc.strerror or exc}\n")
    for report in reports:
        sys.stderr.write(report.text() + "\n")
    rewritten = sum(o.rewritten for o in changed)
    applied: Counter[str] = Counter()
    for outcome in changed:
        applied.update(outcome.applied)
    verb = "changed" if write else "would change"
    summary = (f"{PROG}: {len(migration.outcomes)} file(s) read, {len(changed) - failed} "
               f"{verb}, {rewritten} call(s) rewritten")
    if applied:
        summary += " (" + ", ".join(f"{c} x{n}" for c, n in sorted(applied.items())) + ")"
    people: Counter[str] = Counter(r.code for r in reports)
    summary += f"; {len(reports)} place(s) need a person"
    if people:
        summary += " (" + ", ".join(f"{c} x{n}" for c, n in sorted(people.items())) + ")"
    sys.stderr.write(summary + ".\n")
    for path in kept_backups:
        sys.stderr.write(f"{PROG}: kept the existing backup {path}\n")
    if changed or reports or failed:
        status = 1
    return status


def _write(outcome: Outcome, backup: bool) -> list[str]:
    """Write the new text in place (atomically), keeping FILE.orig; the backups kept."""
    kept = []
    if backup:
        orig = outcome.path + ".orig"
        if os.path.exists(orig):
            kept.append(orig)
        else:
            shutil.copy2(outcome.path, orig)
    directory = os.path.dirname(os.path.abspath(outcome.path))
    mode = os.stat(outcome.path).st_mode & 0o7777
    fd, temporary = tempfile.mkstemp(prefix=".jobsub_compat_", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(outcome.new.encode("utf-8", "surrogateescape"))
        os.chmod(temporary, mode)
        os.replace(temporary, outcome.path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return kept


# --- --from-log ----------------------------------------------------------------------------------

def default_log(environ: Mapping[str, str]) -> str:
    from . import config, log

    setting = config.settings(environ)["log"].value
    path = log.user_log(environ, "" if setting == "off" else setting)
    assert path is not None
    return path


def replacement(code: str, commands: set[str]) -> str:
    """What to write instead, for a code: the fix of the option rows with that code (of the
    commands it was seen with), else the general text of the code."""
    tables = [options.TABLES[c] for c in sorted(commands) if c in options.TABLES] or \
        list(options.TABLES.values())
    fixes: dict[str, list[str]] = {}
    for table in tables:
        for row in table:
            if row.code == code and row.fix:
                names = fixes.setdefault(row.fix, [])
                for name in row.legacy or row.lite:
                    if name not in names:
                        names.append(name)
    if fixes:
        return "; ".join(f"{', '.join(names)}: {fix}" for fix, names in fixes.items())
    return GENERAL_CODES.get(code, "") or CODES.get(code, "")


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


def from_log(logs: list[str], parser: _Parser) -> int:
    explicit = bool(logs)
    if not logs:
        logs = [default_log(os.environ)]
        if not os.path.exists(logs[0]):
            sys.stderr.write(f"{PROG}: error: no migration log at {logs[0]} (nothing logged "
                             "yet?); name the log files to read\n")
            return 1
    for name in logs:
        if explicit and (not os.path.isfile(name) or not os.access(name, os.R_OK)):
            parser.error(f"{name}: cannot read this log")
    seen: dict[str, _Seen] = {}
    skipped = 0
    for name in logs:
        try:
            with open(name, "rb") as handle:
                for raw in handle:  # streamed: only the aggregates are kept
                    if not raw.strip():
                        continue
                    try:
                        record = json.loads(raw)
                    except ValueError:
                        skipped += 1
                        continue
                    if not isinstance(record, dict):
                        skipped += 1
                        continue
                    _count(seen, record)
        except OSError as exc:
            sys.stderr.write(f"{PROG}: error: cannot read {name}: {exc.strerror or exc}\n")
            return 1
    if skipped:
        sys.stderr.write(f"{PROG}: warning: skipped {skipped} malformed line(s)\n")
    return _render_log(seen)


def _count(seen: dict[str, _Seen], record: dict[str, object]) -> None:
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
        out.append(key)
        out.append(f"  {entry.calls} call(s), last seen {entry.last or 'unknown'}; "
                   f"commands: {', '.join(sorted(entry.commands))}")
        if key not in needing:
            out.append("  nothing left to migrate" + (" (its latest calls gave no warning)"
                                                      if entry.codes else ""))
        for code in sorted(entry.codes, key=lambda c: (not entry.still(c), c)):
            calls, last = entry.codes[code]
            state = "" if entry.still(code) else " (not in its latest call: fixed?)"
            out.append(f"  {code}  {calls} call(s), last seen {last or 'unknown'}{state}: "
                       f"{replacement(code, entry.code_commands[code]) or '(unknown code)'}")
        if key in needing and os.path.isfile(key):
            out.append(f"  migrate it: jobsub-compat migrate {shlex.quote(key)}")
    sys.stdout.write("".join(line + "\n" for line in out))
    sys.stdout.flush()
    sys.stderr.write(f"{PROG}: {len(seen)} script(s) in the log, {len(needing)} still "
                     "using legacy options.\n")
    return 1 if needing else 0
