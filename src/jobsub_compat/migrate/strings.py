"""Command strings: a jobsub command line built in a variable (`CMD="jobsub_submit ..."`,
`CMD="$CMD ..."`, `CMD+=" ..."`) and run as an unquoted `$CMD` (bash splits the value on
IFS, its quotes stay literal) or with `eval` (the value is read as shell again)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from .bash import Assignment, Command, Seg, Word
from .core import (
    CANNOT_WRITE,
    IN_STRING,
    NON_LITERAL,
    UNMODELED,
    Edit,
    _command_name,
    _trial_codes,
    assess,
)
from .shell import (
    _LITERAL,
    _MESSAGES,
    ShellScan,
    Value,
    _first_word,
    _names,
    _non_literal,
    _starts_with_dropin,
    _tail,
    _value_edits,
)


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


class Strings:
    """Tracks `$CMD` command strings through a shell text (in source order)."""

    def __init__(self, scan: ShellScan, script: object) -> None:
        from .bash import Script

        assert isinstance(script, Script)
        self.scan, self.script = scan, script
        self.current: dict[str, Chain] = {}
        self.done: list[Chain] = []
        self._runs: set[int] = set()
        self.run_anywhere: dict[str, int] = {}  # NAME -> offset of a `$NAME` command
        for command in script.commands:
            only = command.words[0].only_expansion() if command.words else None
            if only:
                self.run_anywhere.setdefault(only.name, command.start)

    @staticmethod
    def _self_reference(assignment: Assignment) -> bool:
        first = assignment.value[:1]
        return bool(first) and first[0].kind == "expand" and first[0].name == assignment.name

    def assign(self, command: Command) -> None:
        for found in command.assignments:
            self._references(found.value, "an assignment", skip_first=self._self_reference(found))
            chain = self.current.get(found.name)
            if chain and found.array is None and (found.append or self._self_reference(found)):
                if chain.runs:
                    chain.problems.append((found.start, f"${found.name} changes after it "
                                           "was run"))
                elif found.command.block != chain.block:
                    chain.problems.append((found.start, f"${found.name} is extended "
                                           "conditionally (in another block)"))
                chain.pieces.append(found)
                continue
            if chain:
                self.done.append(self.current.pop(found.name))
            if found.append or found.array is not None:
                continue
            if _starts_with_dropin(found.value):
                self.current[found.name] = Chain(found.name, [found])
            elif self.scan.mention.search("".join(s.text for s in found.value
                                                  if s.kind in _LITERAL)):
                self.current[found.name] = Chain(found.name, [found], opaque=True)

    def is_run(self, command: Command) -> bool:
        return command.start in self._runs

    def _references(self, segs: list[Seg], program: str, skip_first: bool = False) -> None:
        for seg in segs[1:] if skip_first else segs:
            used = self.current.get(seg.name) if seg.kind == "expand" and seg.name else None
            if used:
                used.used.append((seg.start, program))

    def uses(self, command: Command, words: list[Word]) -> None:
        """A command: a run of a chain (`$CMD ...`), or another use of its variable."""
        first = words[0]
        only = first.only_expansion()
        name = only.name if only else ""
        chain = self.current.get(name) if name else None
        if chain:
            self._runs.add(command.start)
            if not command.block[:len(chain.block)] == chain.block:
                chain.problems.append((first.start, f"${name} is run in a block where its "
                                       "value is not known"))
            elif len(words) > 1:
                chain.problems.append((words[1].start, f"${name} is run with more words "
                                       "after it"))
            state = command.state
            if state is not None and not state.splits_by_default:
                chain.problems.append((chain.pieces[0].start, "IFS is not the default where "
                                       f"${name} is run, and it decides how the string is "
                                       "split"))
            chain.runs.append(command)
        program = (first.keyword() or "").rsplit("/", 1)[-1]
        if program in _MESSAGES:
            return
        for word in words[1:] if chain else words:
            self._references(word.segs, program or "a command")

    def finish(self) -> None:
        for chain in self.done + list(self.current.values()):
            self.migrate(chain)

    def migrate(self, chain: Chain) -> None:
        scan, work = self.scan, self.scan.work
        start_line = scan.line(chain.pieces[0].start)
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
            at = expansions[0][1] if expansions else chain.pieces[0].start
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
        source = self.scan.source
        text = source.text
        if source.base != 0 or source.positions is not None:
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
            line_start = text.rfind("\n", 0, piece.start) + 1
            line_end = text.find("\n", piece.end)
            line_end = len(text) if line_end < 0 else line_end
            statement = piece.command.statement or (piece.start, piece.end)
            if text[line_start:statement[0]].strip() or text[statement[1]:line_end].strip():
                continue
            out = [e for e in out if e not in inside]
            out.append((line_start, min(line_end + 1, len(text)), ""))
        return out


def command_line(scan: ShellScan, command: str, name_word: Word, words: list[Word],
                 where: Command) -> None:
    """A jobsub command line with words known only at run time."""
    line = scan.line(name_word.start)
    variable = [x for x in words if not x.literal]
    names = _names([e for x in variable for e in x.expansions] or
                   [scan.source.text[x.start:x.end] for x in variable])
    codes = _trial_codes(command, [x.trial() for x in words])
    scan.work.report(line, NON_LITERAL, _non_literal(command, f"its words use {names}", codes))
