"""Shell scripts: a lexer and parser for the shell, and ShellScan, which finds jobsub calls
in them."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Callable

from .. import legacy, lite
from .core import (
    CANNOT_WRITE,
    CODES,
    IN_STRING,
    JOB_ID_LINE,
    NON_LITERAL,
    UNMODELED,
    Edit,
    FileWork,
    _command_name,
    _mention_re,
    _trial_codes,
    assess,
)
from .dag import _DAG_JOB, _DAG_TAGS

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
