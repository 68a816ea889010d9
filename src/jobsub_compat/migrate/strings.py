"""Command strings and command lines whose words are built at run time.

A *run* is a place where jobsub receives words made from the script's variables:
- a command string run as an unquoted `$CMD` (bash splits the value on IFS; quotes in it
  stay literal, so the legacy server's re-split is what read them) or with `eval` (the
  value is read as shell again);
- a jobsub command line with expansions in its words (`file://$PWD/job.sh`, `$SITE_OPT`).

Each variable is followed through the script's own assignments (values.py): every
scenario of its alternatives is translated by the drop-in's translator, with run-time
values as placeholders, and the rewrite goes into the literal text where each legacy
option is written (the assignment of `SITE_OPT`, say), with the quoting that place needs.
A rewrite is kept only when it holds for every scenario, for run-time values that are
numbers as well as words (a bare number is where the translator adds units), and when the
rewritten script, read again, gives jobsub_lite those words in every scenario. Otherwise
the run is reported, with the words to write.
"""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from ..codes import (
    CANNOT_WRITE,
    IN_STRING,
    NON_LITERAL,
    REFUSED,
    UNMODELED,
    UNSTABLE,
)
from .bash import _LITERAL, Assignment, Command, Script, Seg, Word
from .core import (
    _MESSAGES,
    _RUNNERS,
    Assessment,
    Edit,
    FileWork,
    _command_name,
    _names,
    _non_literal,
    _trial_codes,
    assess,
    lite_reading,
)
from .values import Atom, Definitions, Expanded, Expander, Scenario, scenarios

if TYPE_CHECKING:  # shell.py's ShellScan hands itself to Strings: annotations only here
    from .shell import ShellScan

_SAMPLES = ("1", "x")  # run-time values tried for a placeholder: a number, a word
_SAFE = re.compile(r"[\w@%+=:,./-]", re.ASCII)


@dataclass
class Run:
    """One place where jobsub gets words built at run time."""

    command: Command
    kind: str  # "split" ($CMD), "eval", "line" (a command line)
    name: str = ""  # the variable run
    seg: Optional[Seg] = None  # its expansion at the run
    words: list[Word] = field(default_factory=list)  # line: the words after the command
    name_word: Optional[Word] = None
    program: str = ""  # line: the drop-in


@dataclass
class Outcome:
    """What one scenario of a run gives: the legacy words and what jobsub_lite gets."""

    key: str
    command: str
    argv: list[str]
    target: list[str]
    units: dict[str, tuple[str, str]] = field(default_factory=dict)


class Strings:
    """Finds the runs of one shell text, in source order, and migrates them."""

    def __init__(self, scan: ShellScan, script: Script) -> None:
        self.scan, self.script = scan, script
        self.definitions = Definitions(script)
        self.expander = Expander(self.definitions)
        self.runs: list[Run] = []
        self._run_at: set[int] = set()

    def is_run(self, command: Command) -> bool:
        return command.start in self._run_at

    def uses(self, command: Command, words: list[Word]) -> None:
        """A command: `$NAME ...` runs a string; `eval ...` reads one again; a command
        string handed to ssh, sh -c ... is reported."""
        first = words[0]
        only = first.only_expansion()
        if only is not None and self._holds_dropin(only, command):
            self._run_at.add(command.start)
            self.runs.append(Run(command, "split", only.name, only, words[1:]))
            return
        array = first.only_array()
        if array is not None and self._holds_dropin(array, command):
            self._run_at.add(command.start)
            self.runs.append(Run(command, "array", array.name, array, words[1:]))
            return
        program = (first.keyword() or "").rsplit("/", 1)[-1]
        if program == "eval" and len(words) > 1:
            segs = [s for w in words[1:] for s in w.segs if s.kind == "expand" and s.name]
            held = [s for s in segs if self._holds_dropin(s, command)]
            if held:
                self._run_at.add(command.start)
                self.runs.append(Run(command, "eval", held[0].name, held[0], words[1:]))
            return
        if program in _MESSAGES or program not in _RUNNERS:
            return
        for word in words[1:]:
            for seg in word.segs:
                if seg.kind == "expand" and seg.name and self._holds_dropin(seg, command):
                    self.scan.work.report(self.scan.line(seg.start), IN_STRING,
                                          f"{program} runs the jobsub command string "
                                          f"${seg.name}; not rewritten. Rewrite it by hand.")
                    self._run_at.add(command.start)
                    return

    def _holds_dropin(self, seg: Seg, command: Command, owner: Assignment | None = None,
                      depth: int = 0) -> bool:
        """Does some value of this variable start with a jobsub command?"""
        alternatives = self.expander.alternatives(seg, owner, command)
        for definition in alternatives or []:
            if definition is None or definition.assignment is None:
                continue
            found = definition.assignment
            if found.array is not None and found.append:
                previous = Seg("expand", f"${{{found.name}[@]}}", found.start, found.start,
                               name=found.name, quoted=True, subscript="@")
                if depth < 6 and self._holds_dropin(previous, found.command, found, depth + 1):
                    return True
                continue
            if found.array is not None:
                head_word = found.array[0] if found.array else None
                if head_word is None:
                    continue
                if head_word.literal and _command_name(head_word.value.rsplit("/", 1)[-1]):
                    return True
                continue
            head = found.value[0] if found.value else None
            if head is not None and head.kind == "expand" and head.name and depth < 6:
                if self._holds_dropin(head, found.command, found, depth + 1):
                    return True
                continue
            if found.append:
                previous = Seg("expand", f"${found.name}", found.start, found.start,
                               name=found.name)
                if depth < 6 and self._holds_dropin(previous, found.command, found, depth + 1):
                    return True
                continue
            text = _leading_text(found.value)
            if text is None:
                continue
            words = text.split()
            if words and _command_name(words[0]):
                return True
            if self.scan.mention.search(text):
                return True
        return False

    def line(self, program: str, name_word: Word, words: list[Word], command: Command) -> None:
        self.runs.append(Run(command, "line", words=words, name_word=name_word,
                             program=program))

    def finish(self) -> None:
        for index, run in enumerate(self.runs):
            migrate_run(self.scan, self, run, index)


def _leading_text(segs: list[Seg]) -> str | None:
    text = ""
    for seg in segs:
        if seg.kind in _LITERAL:
            text += seg.text
        else:
            return text if text.strip() else None
    return text


# --- building the words of a scenario -----------------------------------------------------

SEPARATOR = Atom(" ", None, "separator", None, splits=True)


def build(strings: Strings, run: Run, scenario: Scenario) -> Expanded:
    out = Expanded([])
    expander = strings.expander
    if run.kind in ("split", "eval", "array"):
        assert run.seg is not None
        expander._expansion(run.seg, None, run.command, scenario, out, 0)
        if run.kind != "array":  # the value is split on blanks (eval: read again)
            for atom in out.atoms:
                atom.splits = atom.splits or (atom.char in " \t\n" and atom.kind != "expand")
        if run.kind != "eval":
            for word in run.words:
                out.atoms.append(SEPARATOR)
                expander.word(word, None, run.command, scenario, out)
        return out
    previous = run.name_word
    for word in run.words:
        out.atoms.append(_separator(strings, previous, word) if out.atoms or previous
                         else SEPARATOR)
        expander.word(word, None, run.command, scenario, out)
        previous = word
    return out


def _separator(strings: Strings, before: Word | None, after: Word) -> Atom:
    """The blanks between two words of a command line, where they are written (only
    blanks and line continuations: a redirection between them is no place to edit)."""
    if before is None:
        return SEPARATOR
    gap = strings.script.text[before.end:after.start]
    if not re.fullmatch(r"(?:[ \t]|\\\n)+", gap):
        return SEPARATOR
    return Atom(" ", None, "separator", None, Seg("plain", gap, before.end, after.start),
                splits=True)


def split_words(atoms: list[Atom]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = None
    for k, atom in enumerate(atoms):
        if atom.splits:
            if start is not None:
                spans.append((start, k))
                start = None
        elif start is None:
            start = k
    if start is not None:
        spans.append((start, len(atoms)))
    return spans


def _text(atoms: list[Atom]) -> str:
    return "".join(a.char for a in atoms)


# --- the migration of one run -------------------------------------------------------------

@dataclass
class _Result:
    outcomes: list[Outcome] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    problem: Optional[tuple[int, str, str]] = None  # (offset, code, message)
    command: str = ""
    by_hand: str = ""
    unplaced: list[Unplaced] = field(default_factory=list)


def analyse(scan: ShellScan, strings: Strings, run: Run, write: bool = True) -> _Result:
    """Translate every scenario of a run; with `write`, the file edits it needs."""
    result = _Result()
    strings.expander.fresh()  # placeholders numbered from 0 for each run (and again when checked)
    found = scenarios(lambda s: build(strings, run, s))
    where = run.command.start
    if found is None:
        result.problem = (where, UNMODELED, "its words take too many different values in "
                          "the script's branches to check them all; not rewritten. Rewrite "
                          "it by hand.")
        return result
    state = run.command.state
    unread: Optional[tuple[int, str, str]] = None
    for scenario, expanded in found:
        atoms = expanded.atoms
        if run.kind == "eval":
            atoms, spans = _eval_words(atoms)
            if spans is None:
                result.problem = (where, IN_STRING, f"eval runs ${run.name}, whose value is "
                                  "a shell command line with more than a jobsub command; not "
                                  "rewritten. Rewrite it by hand.")
                return result
        else:
            spans = split_words(atoms)
            unquoted = run.kind == "split" or any(w.only_expansion() for w in run.words)
            if unquoted and state is not None and not state.splits_by_default:
                what = f"${run.name} is run" if run.name else "it runs"
                result.problem = (where, UNMODELED, f"IFS is not the default where {what}, "
                                  "and it decides how the words are split; not rewritten. "
                                  "Rewrite it by hand.")
                return result
        if run.kind == "line":
            assert run.name_word is not None
            command = run.program
            words = spans
        else:
            if not spans:
                continue
            head = _text(atoms[spans[0][0]:spans[0][1]])
            command = _command_name(head.rsplit("/", 1)[-1]) or ""
            if not command:
                continue  # this value of the variable is not a jobsub command
            words = spans[1:]
        result.command = command
        argv = [_text(atoms[a:b]) for a, b in words]
        noglob = state is not None and state.noglob is True
        globbed = [x for (a, b), x in zip(words, argv) if not noglob and not x.startswith(
            "-") and any(
            atom.char in "*?[" and atom.kind in ("plain", "double", "single") and (
                run.kind != "line" or atom.kind == "plain") for atom in atoms[a:b])]
        if globbed:
            result.problem = (where, NON_LITERAL, _non_literal(
                command, "its words are file patterns (" + ", ".join(globbed[:3]) + ")", []))
            return result
        assessment = assess(command, argv)
        if assessment.skip:
            continue
        if assessment.problem:
            code, message = assessment.problem
            if _mentions_placeholder(message):  # about a run-time value
                names = _names([s.text for s in expanded.opaque])
                codes = _trial_codes(command, [_sample(x, "X", {}) for x in argv])
                result.problem = (where, NON_LITERAL, _non_literal(
                    command, f"its words use {names}", codes))
                return result
            if code == REFUSED and "[JC" not in message:
                # the legacy client could not have read the line in this branch either (a
                # value left empty, say): it submits nothing, in both worlds
                unread = unread or (where, code, message + _where(run))
                continue
            result.problem = (where, code, message + _where(run))
            return result
        target = assessment.new if assessment.new is not None else argv
        units = strings.expander.units
        if expanded.opaque:
            dependent = _value_dependent(command, argv, target, units)
            guards = [_unit_guard(scan, command, argv, word, atoms, units, expanded.outer)
                      for word in dependent]
            if dependent and (not write or any(g is None for g in guards)):
                names = _names([s.text for s in expanded.opaque])
                codes = _trial_codes(command, [_sample(x, "1", units) for x in argv])
                shown = _shown(dependent[0], atoms)
                result.problem = (where, NON_LITERAL, _non_literal(
                    command, f"its words use {names}, and what the drop-in makes of "
                    f"{shown!r} depends on its value", codes))
                return result
            for guard in guards:
                if guard is not None and guard not in result.edits:
                    result.edits.append(guard)
        result.outcomes.append(Outcome(scenario.key, command, argv, target, dict(units)))
        result.assessments.append(assessment)
        if write and assessment.new is not None:
            edits = _file_edits(scan, run, atoms, words, assessment.edits, result.unplaced)
            if isinstance(edits, str):
                result.problem = (where, CANNOT_WRITE, f"{command}: {edits}; rewrite it by "
                                  f"hand{_by_hand(run, command, assessment.new)}")
                return result
            for edit in edits:
                if edit not in result.edits:
                    result.edits.append(edit)
    if unread and not result.outcomes:
        result.problem = unread
    return result


def _where(run: Run) -> str:
    return "" if run.kind == "line" else f" (the command string ${run.name})"


def _by_hand(run: Run, command: str, new: list[str]) -> str:
    words = shlex.join([command] + new)
    if run.kind == "split":
        return (f" as a bash array, say: {run.name}=({words}), run as "
                f"\"${{{run.name}[@]}}\"")
    return f" as: {words}"


_PLACEHOLDER_REPR = re.compile(r"\\u(?:e[0-9a-f]|f[0-7])[0-9a-f]{2}", re.IGNORECASE)


def _mentions_placeholder(message: str) -> bool:
    return any(0xE000 <= ord(c) < 0xF800 for c in message) or bool(
        _PLACEHOLDER_REPR.search(message))


def _sample(word: str, value: str, units: dict[str, tuple[str, str]],
            only: str = "", other: str = "x") -> str:
    """A word with its run-time values set to `value` (only the placeholder `only`, when
    given; the others `other`); a unit guard gives its unit after a bare number."""
    out = ""
    for char in word:
        if char in units:
            base = value if not only or units[char][0] == only else other
            out += units[char][1] if base.isdigit() else ""
        elif 0xE000 <= ord(char) < 0xF800:
            out += value if not only or char == only else other
        else:
            out += char
    return out


def _value_dependent(command: str, argv: list[str], target: list[str],
                     units: dict[str, tuple[str, str]]) -> list[str]:
    """The legacy words whose translation depends on the run-time values in them."""
    for value in _SAMPLES:
        sampled = [_sample(x, value, units) for x in argv]
        again = assess(command, sampled)
        if again.problem or again.skip:
            continue
        got = again.new if again.new is not None else sampled
        if lite_reading(got) != lite_reading([_sample(x, value, units) for x in target]):
            matcher = difflib.SequenceMatcher(None, sampled, got, autojunk=False)
            changed = {k for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"
                       for k in range(i1, i2)}
            found = [w for k, w in enumerate(argv) if k in changed and any(
                0xE000 <= ord(c) < 0xF800 for c in w)]
            return found or [" ".join(argv)]
    return []


def _unit_guard(scan: ShellScan, command: str, argv: list[str], word: str,
                atoms: list[Atom], units: dict[str, tuple[str, str]],
                outer: dict[str, Seg]) -> Optional[Edit]:
    """The edit that makes a run-time value carry the unit the translator writes after a
    bare number (`--timeout $T` -> `--timeout $T$(case $T in ...)`), or None when the
    value's translation depends on it another way."""
    from .values import unit_guard

    mine = [c for c in word if 0xE000 <= ord(c) < 0xF800 and c not in units]
    if len(mine) != 1 or any(c in units and units[c][0] == mine[0] for c in word):
        return None
    char = mine[0]
    sampled = [_sample(x, "1", units, char) for x in argv]
    again = assess(command, sampled)
    word_again = assess(command, [_sample(x, "x", units, char) for x in argv])
    if again.problem or again.new is None or word_again.problem:
        return None
    before = sampled[argv.index(word)]
    other = word_again.new if word_again.new is not None else []
    found = [w for w in again.new if w not in other and w not in sampled]
    if len(found) != 1 or not before or before.count("1") != 1:
        return None
    head, _, tail = before.partition("1")
    unit = found[0][len(head) + 1:len(found[0]) - len(tail) if tail else None]
    if found[0] != head + "1" + unit + tail or not unit.isalpha():
        return None
    atom = next((a for a in atoms if a.char == char), None)
    seg = outer.get(char) or (atom.seg if atom is not None else None)
    if seg is None or not seg.name:
        return None
    span = scan.source.span(seg.end, seg.end)
    if span is None:
        return None
    return span[0], span[1], unit_guard(seg.name, unit)


def _shown(word: str, atoms: list[Atom]) -> str:
    """A word with its run-time values written as the expansions they are."""
    sources = {a.char: a.seg.text for a in atoms if a.kind == "expand" and a.seg is not None}
    return "".join(sources.get(c, c) for c in word)


def _eval_words(atoms: list[Atom]) -> tuple[list[Atom], Optional[list[tuple[int, int]]]]:
    """The words eval reads from a value: one simple command, read as shell. The atoms of
    each word's characters (quotes removed); None when the value is more than that."""
    text = _text(atoms)
    try:
        script = Script(text)
    except Exception:  # noqa: BLE001 - a value that is no shell text
        return atoms, None
    commands = [c for c in script.commands if c.words]
    if len(commands) != 1 or commands[0].assignments or commands[0].redirected:
        return atoms, None
    out: list[Atom] = []
    spans: list[tuple[int, int]] = []
    for word in commands[0].words:
        start = len(out)
        for seg in word.segs:
            if seg.kind in ("plain", "single", "double"):
                for j in range(len(seg.text)):
                    out.append(atoms[seg.start + j])
            elif seg.kind == "escape":
                source = atoms[seg.start + 1]
                out.append(Atom(source.char, None, "escape", source.owner, source.seg))
            else:
                return atoms, None  # an expansion eval would make: not modelled
        spans.append((start, len(out)))
    return out, spans


# --- writing the new words -------------------------------------------------------------------

def _atom_span(atom: Atom) -> Optional[tuple[int, int]]:
    if atom.kind in ("expand", "escape", "separator") and atom.seg is not None:
        return atom.seg.start, atom.seg.end
    if atom.pos is None:
        return None
    return atom.pos, atom.pos + 1


def _region(scan: ShellScan, atoms: list[Atom]) -> Optional[tuple[int, int, Optional[Assignment],
                                                                 str]]:
    """The source span of consecutive atoms written in one place: (start, end, owner,
    quoting kind), or None when they are not written together."""
    if not atoms:
        return None
    owner = atoms[0].owner
    kinds = {a.kind for a in atoms if a.kind in ("plain", "single", "double")}
    if len(kinds) > 1 or any(a.owner is not owner for a in atoms):
        return None
    spans: list[tuple[int, int]] = []
    for atom in atoms:
        span = _atom_span(atom)
        if span is None:
            return None
        if not spans or span != spans[-1]:
            spans.append(span)
    text = scan.source.text
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start < end or not re.fullmatch(r"(?:\\\n)*", text[end:start]):
            return None
    kind = kinds.pop() if kinds else ("double" if any(
        a.seg is not None and a.seg.quoted for a in atoms) else "plain")
    return spans[0][0], spans[-1][1], owner, kind


def _written(word: str, atoms: list[Atom], kind: str, run: Run, owner: Optional[Assignment]
             ) -> Optional[str]:
    """How to write a new word where `atoms` were: its run-time values as the expansions
    they came from, its literal text quoted for the place (None: it cannot be)."""
    sources = {a.char: a.seg for a in atoms if a.kind == "expand" and a.seg is not None}
    parts: list[tuple[bool, str]] = []  # (is an expansion, text)
    for char in word:
        if 0xE000 <= ord(char) < 0xF800:
            seg = sources.get(char)
            if seg is None:
                return None
            parts.append((True, seg.text))
        elif parts and not parts[-1][0]:
            parts[-1] = (False, parts[-1][1] + char)
        else:
            parts.append((False, char))
    out = ""
    if (owner is None and run.kind == "line") or run.kind == "array":  # a shell word
        for expansion, text in parts:
            if expansion:
                quoted = any(a.seg is not None and a.seg.text == text and a.seg.quoted
                             for a in atoms)
                out += f'"{text}"' if quoted else text
            else:
                out += shlex.quote(text)
        return out
    for expansion, text in parts:
        if expansion:
            out += text
            continue
        if run.kind == "eval":
            text = shlex.quote(text)
        elif any(c in " \t\n" for c in text):
            return None  # a string split on blanks cannot hold it
        out += _quote_in(text, kind)
    return out


def _quote_in(text: str, kind: str) -> str:
    """Literal text written inside a value quoted `kind`."""
    if kind == "double":
        return re.sub(r'([\\"$`])', r"\\\1", text)
    if kind == "single":
        return text.replace("'", "'\\''")
    return "".join(c if _SAFE.fullmatch(c) else "\\" + c for c in text)


_LIFT = 0xF700  # stands for a variable's value inside the words being rewritten


def _lifted(atoms: list[Atom], new: list[str]) -> Optional[tuple[list[Atom], list[str]]]:
    """The atoms with each variable's value inside them as one atom of the expansion it
    came through (written where the others are), and the new words with those values
    the same atoms; None when a value itself changes or they are written in no one
    place."""
    candidates = [atoms[0].owner] + [o for o, _ in atoms[0].via]
    for owner in candidates:
        out: list[Atom] = []
        runs: list[tuple[int, int, str]] = []  # old text span -> lifted char
        at = 0
        ok = True
        k = 0
        while k < len(atoms):
            atom = atoms[k]
            if atom.owner is owner:
                out.append(atom)
                at += 1
                k += 1
                continue
            wrap = next((seg for o, seg in atom.via if o is owner), None)
            if wrap is None:
                ok = False
                break
            j = k
            while j < len(atoms) and atoms[j].owner is not owner and any(
                    s is wrap for _, s in atoms[j].via):
                j += 1
            char = chr(_LIFT + len(runs))
            runs.append((at, at + (j - k), char))
            out.append(Atom(char, None, "expand", owner, wrap))
            at += j - k
            k = j
        if not ok:
            continue
        old = "".join(a.char for a in atoms)
        joined = "\0".join(new)
        matcher = difflib.SequenceMatcher(None, old, joined, autojunk=False)
        mapped = list(joined)
        for start, end, char in runs:
            block = next(((a, b) for a, b, size in matcher.get_matching_blocks()
                          if a <= start and end <= a + size), None)
            if block is None:
                break
            offset = block[1] + (start - block[0])
            mapped[offset] = char
            for p in range(offset + 1, offset + (end - start)):
                mapped[p] = ""
        else:
            return out, "".join(mapped).split("\0")
    return None


def _joined(edits: list[tuple[int, int, list[str]]]) -> list[tuple[int, int, list[str]]]:
    """A replacement and the deletions right after it as one edit."""
    out: list[tuple[int, int, list[str]]] = []
    for i1, i2, new in edits:
        if out and not new and out[-1][1] == i1 and out[-1][2]:
            out[-1] = (out[-1][0], i2, out[-1][2])
        else:
            out.append((i1, i2, new))
    return out


@dataclass
class Unplaced:
    """New words a string split on blanks cannot hold, and the place they go."""

    start: int
    end: int
    owner: Optional[Assignment]
    words: list[str]
    atoms: list[Atom]


def _file_edits(scan: ShellScan, run: Run, atoms: list[Atom], words: list[tuple[int, int]],
                edits: list[tuple[int, int, list[str]]],
                unplaced: Optional[list[Unplaced]] = None) -> list[Edit] | str:
    out: list[Edit] = []
    embed = scan.source.embed
    if run.kind == "split" and any(any(c in w for c in " \t") for _, _, n in edits for w in n):
        edits = _joined(edits)  # one word made of several: one place to write it
    for i1, i2, new in edits:
        if i1 < i2:
            lo, hi = words[i1][0], words[i2 - 1][1]
            region = None
            if not new:  # deleting: with the blank before it, or after it
                if i1 > 0:
                    region = _region(scan, atoms[words[i1 - 1][1]:hi])
                if region is None and i2 < len(words):
                    region = _region(scan, atoms[lo:words[i2][0]])
            region = region or _region(scan, atoms[lo:hi])
            if region is None and new and i2 - i1 == len(new):  # word by word, by character
                pieces = [_char_edits(scan, run, atoms[a:b], word)
                          for (a, b), word in zip(words[i1:i2], new)]
                if all(p is not None for p in pieces):
                    for piece in pieces:
                        out += [_placed(scan, *x) for x in piece or []]
                    continue
            here = atoms[lo:hi]
            if region is None and new:  # values of variables inside: as their expansions
                lifted = _lifted(here, new)
                if lifted is not None:
                    here, new = lifted
                    region = _region(scan, here)
            if region is None:
                return "the words to change are written across quotes, escapes or " \
                       "assignments, or in several places"
            start, end, owner, kind = region
            if not new:
                out.append(_placed(scan, start, end, ""))
                continue
            texts = [_written(x, here, kind, run, owner) for x in new]
            if any(t is None for t in texts) and unplaced is not None and run.kind == "split" \
                    and all(_written(x.replace(" ", "_").replace("\t", "_"), here,
                                     kind, run, owner) is not None for x in new):
                unplaced.append(Unplaced(start, end, owner, new, here))
                continue
            if any(t is None for t in texts):
                bad = next(x for x, t in zip(new, texts) if t is None)
                return (f"the jobsub_lite word {bad!r} needs quoting or blanks, which a string "
                        "whose quotes stay literal cannot carry")
            text = " ".join(t for t in texts if t is not None)
        else:
            anchor = atoms[words[i1 - 1][1] - 1] if i1 > 0 else None
            span = _atom_span(anchor) if anchor is not None else None
            if anchor is None or span is None:
                return "there is no literal word to write the new words after"
            kind = anchor.kind if anchor.kind in ("plain", "single", "double") else "plain"
            texts = [_written(x, [], kind, run, anchor.owner) for x in new]
            if any(t is None for t in texts):
                return "the new words need quoting that this place cannot carry"
            start = end = span[1]
            text = " " + " ".join(t for t in texts if t is not None)
        if not embed(text):
            return "the jobsub_lite words need quotes that the Python string cannot carry"
        out.append(_placed(scan, start, end, text))
    return out


def _runs(scan: ShellScan, atoms: list[Atom]
          ) -> Optional[list[tuple[int, int, Optional[Assignment], str]]]:
    """Consecutive atoms as the places they are written in, in order (a value between them
    that expanded to nothing leaves a gap)."""
    out: list[tuple[int, int, Optional[Assignment], str]] = []
    begin = 0
    for k in range(1, len(atoms) + 1):
        if k < len(atoms) and _region(scan, atoms[begin:k + 1]) is not None:
            continue
        region = _region(scan, atoms[begin:k])
        if region is None:
            return None
        out.append(region)
        begin = k
    return out


def _char_edits(scan: ShellScan, run: Run, atoms: list[Atom], new: str
                ) -> Optional[list[tuple[int, int, str]]]:
    """Edits turning one word into `new` character by character, each written in the one
    place its characters are (`--lines='${L}'` -> `--lines=${L}`: two quotes deleted)."""
    old = _text(atoms)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    out: list[tuple[int, int, str]] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        piece = new[b1:b2]
        if any(0xE000 <= ord(c) < 0xF800 for c in piece):
            return None
        if a1 < a2:
            runs = _runs(scan, atoms[a1:a2])
            if runs is None:
                return None
            start, end, owner, kind = runs[0]
            out += [(x[0], x[1], "") for x in runs[1:]]  # the text goes where it began
        else:
            anchor = atoms[a1 - 1] if a1 > 0 else atoms[a1]
            span = _atom_span(anchor)
            if span is None or anchor.kind not in ("plain", "single", "double"):
                return None
            start = end = span[1] if a1 > 0 else span[0]
            owner, kind = anchor.owner, anchor.kind
        text = _written(piece, [], kind, run, owner) if piece else ""
        if text is None:
            return None
        out.append((start, end, text))
    return out


def _placed(scan: ShellScan, start: int, end: int, text: str) -> Edit:
    span = scan.source.span(start, end)
    if span is None:
        raise _NotPlaced()
    return span[0], span[1], text


class _NotPlaced(Exception):
    pass


# --- the run, from analysis to file edits ------------------------------------------------

def migrate_run(scan: ShellScan, strings: Strings, run: Run, index: int) -> None:
    work = scan.work
    line = scan.line(run.command.start)
    try:
        result = analyse(scan, strings, run)
    except _NotPlaced:
        result = _Result(problem=(run.command.start, CANNOT_WRITE, "its words are in a string "
                                  "with escapes, so they cannot be edited in place; rewrite "
                                  "it by hand"))
    if result.problem:
        at, code, message = result.problem
        work.report(scan.line(at), code, message)
        return
    if not result.outcomes:
        return
    if result.unplaced:  # words with blanks: the string becomes a bash array
        from .arrays import convert

        converted = convert(scan, strings, run, result)
        if isinstance(converted, str):
            hand = _by_hand(run, result.command, result.outcomes[0].target)
            work.report(line, CANNOT_WRITE, f"{result.command}: {converted}; rewrite it by "
                        f"hand{hand}")
            return
        result.edits = converted
    if result.edits:
        problem = _verify(scan, run, index, result)
        if problem:
            hand = _by_hand(run, result.command, result.outcomes[0].target)
            work.report(line, UNSTABLE, f"{result.command}: {problem}; not rewritten. "
                        f"Rewrite it by hand{hand}")
            return
        taken = [(s, e) for s, e, _ in work.edits]
        fresh = [x for x in result.edits if x not in work.edits]
        if any(s < e2 and s2 < e for s, e, _ in fresh for s2, e2 in taken):
            work.report(line, CANNOT_WRITE, f"{result.command}: its words are also part of "
                        "another call, rewritten differently; rewrite it by hand")
            return
        work.edits.extend(fresh + _emptied(scan, strings, fresh))
        work.rewritten += 1
        work.applied.update({c for a in result.assessments for c in a.applied
                             if c not in a.about_values})
    for assessment in result.assessments[:1]:
        for code, message in assessment.remaining:
            if not _mentions_placeholder(message):  # else about a run-time value
                work.report(line, code, message)


def _emptied(scan: ShellScan, strings: Strings, edits: list[Edit]) -> list[Edit]:
    """An appending assignment (`CMD="$CMD ..."`, `CMD+=" ..."`) left with nothing to
    append is removed with its line."""
    source = scan.source
    if source.base != 0:
        return []
    text = source.text
    out: list[Edit] = []
    for command in strings.script.commands:
        if len(command.assignments) != 1 or command.words or command.declare:
            continue
        found = command.assignments[0]
        segs = found.value
        if not found.append:
            if not (segs and segs[0].kind == "expand" and segs[0].name == found.name):
                continue
            segs = segs[1:]
        if not segs or any(s.kind not in ("plain", "double", "single") for s in segs):
            continue
        lo, hi = segs[0].start, segs[-1].end
        inside = [e for e in edits if lo <= e[0] and e[1] <= hi]
        if not inside or any(e[2].strip() for e in inside):
            continue
        kept = list(text[lo:hi])
        for start, end, _ in inside:
            for k in range(start, end):
                kept[k - lo] = ""
        if "".join(kept).strip():
            continue
        statement = command.statement or (found.start, found.end)
        line_start = text.rfind("\n", 0, statement[0]) + 1
        line_end = text.find("\n", statement[1])
        line_end = len(text) if line_end < 0 else line_end
        if text[line_start:statement[0]].strip() or text[statement[1]:line_end].strip():
            continue
        if command.alone:
            continue  # the only statement of its block: an empty block is no bash
        out.append((line_start, min(line_end + 1, len(text)), ""))
    return out


def _verify(scan: ShellScan, run: Run, index: int, result: _Result) -> str:
    """Read the script again with this run's edits: every scenario must give jobsub_lite
    the words the legacy line meant, and need nothing more."""
    source = scan.source
    if source.base is None:
        return ""  # a string inside another file: checked by the edits' own rules
    base = source.base
    edits = sorted((s - base, e - base, t) for s, e, t in result.edits)
    text, at = [], 0
    for start, end, new in edits:
        text.append(source.text[at:start])
        text.append(new)
        at = end
    text.append(source.text[at:])
    try:
        again = type(scan)(FileWork(scan.work.path, "".join(text)),
                           type(source)("".join(text), 0, 1))
        script = Script("".join(text))
    except Exception as exc:  # noqa: BLE001 - the new text must parse
        return f"the rewritten script would not parse ({exc})"
    # The runs as the scan finds them (nothing migrated, nothing reported; here-documents'
    # runs after the script's own).
    walked = again.walk(script)
    runs = [(walked, found) for found in walked.runs]
    if index >= len(runs):
        return "the rewritten script no longer runs it"
    strings, new_run = runs[index]
    check = analyse(again, strings, new_run, write=False)
    if check.problem:
        return f"the rewritten words would be read differently ({check.problem[2]})"
    old = {o.key: o for o in result.outcomes}
    for outcome in check.outcomes:
        before = old.get(outcome.key)
        if before is None:
            continue
        if lite_reading(outcome.target) != lite_reading(outcome.argv):
            return "the rewritten words would be rewritten again"
        for value in _SAMPLES if any(_mentions_placeholder(w) for w in before.argv) else ("",):
            meant = _meant(before, value)
            got = [_sample(w, value, outcome.units) for w in outcome.argv]
            if meant is not None and lite_reading(got) != lite_reading(meant):
                return (f"the rewritten words ({shlex.join(got)}) are not what the legacy "
                        f"line meant ({shlex.join(meant)})")
    return ""


def _meant(outcome: Outcome, value: str) -> Optional[list[str]]:
    """What jobsub_lite gets for the legacy words of a scenario, run-time values set."""
    if not value:
        return outcome.target
    sampled = [_sample(w, value, outcome.units) for w in outcome.argv]
    again = assess(outcome.command, sampled)
    if again.problem or again.skip:
        return None
    return again.new if again.new is not None else sampled


__all__ = ["Strings", "Run", "migrate_run"]
