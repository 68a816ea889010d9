"""What a variable holds where it is used, from the script's own assignments.

A use of `$NAME` reaches the assignments of NAME before it (in source order) back to the
last one that always runs before the use (same block or an enclosing one): each of those
is one alternative value, and the first one that always runs ends the search. A variable
that is not always assigned first may come from the environment: then that is one more
alternative, a run-time value. Values are followed into the variables they use
(`SITE_OPT="--site=$SITE ${SITE_OPT}"`), a few levels deep.

A *scenario* picks one alternative for each variable; the scenarios of a command string
are the baseline (every variable at its first alternative, usually its `X=""`) and one per
other alternative (with the variables inside it at their baseline, then at theirs): what
each option fragment contributes is seen once, next to the others' baseline. Run-time
values (the environment, `read`, loop variables, command output, positional parameters)
are placeholders: one private-use character each, a word of its own kind that the
translator passes through as it would a plain value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..legacy import runtime_value as placeholder
from .bash import Assignment, Command, Script, Seg, Word

# The unit that migrate writes after a value that may be a bare number (the translator
# writes the unit out; the script's value is only known at run time): `$T$(case ...)`.
UNIT_GUARD = re.compile(r"\$\(case \$\{?([A-Za-z_]\w*)\}? in ''\|\*\[!0-9\]\*\) ;; \*\) "
                        r"echo ([A-Za-z]+);; esac\)")


def unit_guard(name: str, unit: str) -> str:
    return f"$(case ${{{name}}} in ''|*[!0-9]*) ;; *) echo {unit};; esac)"


MAX_DEPTH = 64  # a command string appended to line by line is as deep as its lines
MAX_ALTERNATIVES = 12
MAX_SCENARIOS = 400
_SPECIAL = {"IFS", "PWD", "HOME", "USER", "PATH", "OLDPWD", "RANDOM", "LINENO", "SECONDS"}


@dataclass
class Definition:
    name: str
    at: int
    block: tuple[int, ...]
    function: str
    assignment: Optional[Assignment]  # None: a run-time value (read, for, getopts ...)


@dataclass
class Atom:
    """One character of an expanded value: where it is written (pos, or None), how it is
    quoted there (kind), which assignment wrote it (owner), and for a placeholder or an
    escape the segment it stands for."""

    char: str
    pos: Optional[int]
    kind: str
    owner: Optional[Assignment]
    seg: Optional[Seg] = None
    splits: bool = False  # a blank that ends a word
    # the expansions it came through, innermost first: (where written, the expansion)
    via: list[tuple[Optional[Assignment], Seg]] = field(default_factory=list)


@dataclass
class Scenario:
    choices: dict[tuple[str, int], int]  # (variable, use offset) -> alternative
    key: str = ""


@dataclass
class Expanded:
    atoms: list[Atom]
    seen: list[tuple[str, int, int]] = field(default_factory=list)  # (name, use, n alts)
    opaque: list[Seg] = field(default_factory=list)  # run-time values, in order
    # the outermost $NAME whose whole value is one run-time value: placeholder -> its seg
    outer: dict[str, Seg] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)


class Definitions:
    """Every assignment and run-time definition of each variable of one script."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.by_name: dict[str, list[Definition]] = {}
        for command in script.commands:
            for found in command.assignments:
                if command.words and not command.declare:
                    continue  # NAME=value cmd: only for that command
                self._add(Definition(found.name, found.start, command.block, command.function,
                                     found))
            for name in _run_time_names(command):
                self._add(Definition(name, command.start, command.block, command.function,
                                     None))
        for name, at in script.loop_variables:
            near = _command_at(script, at)
            self._add(Definition(name, at, near.block if near else (), "", None))
        for defs in self.by_name.values():
            defs.sort(key=lambda d: d.at)

    def _add(self, definition: Definition) -> None:
        self.by_name.setdefault(definition.name, []).append(definition)

    def reaching(self, name: str, at: int, block: tuple[int, ...], function: str
                 ) -> list[Optional[Definition]]:
        """The definitions that may give `name` its value at offset `at` (latest first);
        None for "whatever the environment holds"."""
        out: list[Optional[Definition]] = []
        for definition in reversed(self.by_name.get(name, [])):
            if definition.at >= at:
                if function and not definition.function:
                    out.append(definition)  # a function runs when called: maybe after it
                continue
            if definition.function and definition.function != function:
                out.append(definition)  # a function's assignment, if it ran
                continue
            out.append(definition)
            if block[:len(definition.block)] == definition.block:
                return out  # always runs before the use (an append: on what came before)
            if self._covered(out, block):
                return out  # every branch of an if/else assigns it
        out.append(None)
        return out

    def _covered(self, found: list[Optional[Definition]], block: tuple[int, ...]) -> bool:
        blocks = {d.block for d in found if d is not None and d.assignment is not None
                  and not d.assignment.append}
        for parent, branches in self.script.exhaustive:
            if block[:len(parent)] == parent and all(b in blocks for b in branches):
                return True
        return False


def _run_time_names(command: Command) -> list[str]:
    words = command.words
    if not words:
        return []
    first = words[0].keyword() or ""
    rest = [w.value for w in words[1:]]
    if first in ("read", "mapfile", "readarray"):
        names = [x for x in rest if x and not x.startswith("-")]
        return names or (["REPLY"] if first == "read" else ["MAPFILE"])
    if first == "getopts" and len(rest) >= 2:
        return [rest[1], "OPTARG"]
    if first == "printf" and "-v" in rest[:-1]:
        return [rest[rest.index("-v") + 1]]
    return []


def _command_at(script: Script, at: int) -> Optional[Command]:
    best = None
    for command in script.commands:
        if command.start <= at:
            best = command
    return best


class Expander:
    """Expands values in a scenario."""

    def __init__(self, definitions: Definitions) -> None:
        self.definitions = definitions
        self._placeholders: dict[tuple[int, int], str] = {}
        self.units: dict[str, tuple[str, str]] = {}  # unit guard -> (its value's, unit)
        self._last: Optional[tuple[str, list[Atom]]] = None  # the last $NAME and its atoms

    def fresh(self) -> None:
        self._placeholders.clear()
        self.units.clear()

    def placeholder_for(self, seg: Seg, owner: Optional[Assignment]) -> str:
        key = (seg.start, id(owner))
        if key not in self._placeholders:
            self._placeholders[key] = placeholder(len(self._placeholders))
        return self._placeholders[key]

    def expand(self, segs: list[Seg], owner: Optional[Assignment], where: Command,
               scenario: Scenario, out: Expanded, depth: int = 0,
               skip_first: bool = False) -> None:
        for k, seg in enumerate(segs):
            if skip_first and k == 0:
                continue
            if seg.kind in ("plain", "single", "double"):
                for j, char in enumerate(seg.text):
                    out.atoms.append(Atom(char, seg.start + j, seg.kind, owner))
            elif seg.kind == "escape":
                out.atoms.append(Atom(seg.text, None, "escape", owner, seg))
            else:
                self._expansion(seg, owner, where, scenario, out, depth)

    def alternatives(self, seg: Seg, owner: Optional[Assignment], where: Command
                     ) -> list[Optional[Definition]] | None:
        """The values `seg` may have, or None when it is a run-time value. A use inside an
        assignment's value is read before that assignment takes effect."""
        if not seg.name or seg.name in _SPECIAL or seg.command:
            return None
        at = owner.start if owner is not None else where.start
        found = self.definitions.reaching(seg.name, at, where.block, where.function)
        if len(found) > MAX_ALTERNATIVES or not any(d is not None for d in found):
            return None
        arrays = {d.assignment.array is not None for d in found
                  if d is not None and d.assignment is not None}
        if any(d is not None and d.assignment is None for d in found) or \
                arrays != {bool(seg.subscript)}:
            return None  # a run-time value, or a string read as an array (or the reverse)
        # the one that always runs first (the initial value), then the others; the
        # environment's value last
        ordered = [d for d in reversed(found) if d is not None]
        return ordered + [None] * (len(found) - len(ordered))

    def _expansion(self, seg: Seg, owner: Optional[Assignment], where: Command,
                   scenario: Scenario, out: Expanded, depth: int) -> None:
        alternatives = self.alternatives(seg, owner, where) if depth < MAX_DEPTH else None
        guard = UNIT_GUARD.fullmatch(seg.text) if seg.command else None
        if guard and self._last is not None and self._last[0] == guard.group(1):
            made = self._last[1]  # what the $NAME right before it gave
            if len(made) == 1 and made[0].kind == "expand":
                char = self.placeholder_for(seg, owner)
                self.units[char] = (made[0].char, guard.group(2))
                out.atoms.append(Atom(char, None, "expand", owner, seg))
            elif made and all(a.kind != "expand" for a in made):
                if "".join(a.char for a in made).isdigit():
                    for char in guard.group(2):
                        out.atoms.append(Atom(char, None, "escape", owner, seg))
            elif made:
                out.opaque.append(seg)
                out.atoms.append(Atom(self.placeholder_for(seg, owner), None, "expand",
                                      owner, seg))
            return
        if alternatives is None:
            out.opaque.append(seg)
            out.atoms.append(Atom(self.placeholder_for(seg, owner), None, "expand", owner, seg))
            self._last = (seg.name, out.atoms[-1:])
            return
        start = len(out.atoms)
        self._chosen(seg, owner, where, scenario, out, depth, alternatives)
        made = out.atoms[start:]
        for atom in made:
            atom.via.append((owner, seg))
        if len(made) == 1 and made[0].kind == "expand" and seg.name and not seg.subscript:
            out.outer[made[0].char] = seg
        self._last = (seg.name, made)

    def _chosen(self, seg: Seg, owner: Optional[Assignment], where: Command,
                scenario: Scenario, out: Expanded, depth: int,
                alternatives: list[Optional[Definition]]) -> None:
        key = (seg.name, seg.start)
        choice = scenario.choices.get(key, 0)
        out.seen.append((seg.name, seg.start, len(alternatives)))
        definition = alternatives[min(choice, len(alternatives) - 1)]
        if definition is None:
            out.opaque.append(seg)
            out.atoms.append(Atom(self.placeholder_for(seg, owner), None, "expand", owner, seg))
            return
        found = definition.assignment
        assert found is not None
        if found.append:  # NAME+=...: what it had, then this
            previous = Seg("expand", f"${{{found.name}}}", found.start, found.start,
                           name=found.name, subscript=seg.subscript, quoted=seg.quoted)
            self._expansion(previous, owner, found.command, scenario, out, depth + 1)
        if found.array is None:
            self.expand(found.value, found, found.command, scenario, out, depth + 1)
            return
        for word in found.array:  # each element a word of its own
            if out.atoms:
                out.atoms.append(Atom(" ", None, "separator", None, splits=True))
            self.word(word, found, found.command, scenario, out, depth + 1)

    def word(self, word: Word, owner: Optional[Assignment], where: Command,
             scenario: Scenario, out: Expanded, depth: int = 0) -> None:
        """One shell word: its literal characters (where written), and its expansions; an
        unquoted expansion alone in its word splits into words, "${NAME[@]}" into its
        elements."""
        only = word.only_expansion() or word.only_array()
        if only is not None:
            start = len(out.atoms)
            self._expansion(only, owner, where, scenario, out, depth)
            if not only.subscript:
                for atom in out.atoms[start:]:
                    atom.splits = atom.splits or (atom.char in " \t\n" and atom.kind != "expand")
            return
        for seg in word.segs:
            if seg.kind in ("plain", "single", "double"):
                for j, char in enumerate(seg.text):
                    out.atoms.append(Atom(char, seg.start + j, seg.kind, owner, seg))
            elif seg.kind == "escape":
                out.atoms.append(Atom(seg.text, None, "escape", owner, seg))
            else:
                start = len(out.atoms)
                self._expansion(seg, owner, where, scenario, out, depth)
                for atom in out.atoms[start:]:  # a value inside a word stays in it
                    atom.splits = False


def scenarios(expand: Callable[[Scenario], Expanded]
              ) -> list[tuple[Scenario, Expanded]] | None:
    """The baseline, then each other alternative of each variable it uses (the others at
    their baseline), then the alternatives of the variables that only those use: breadth
    first, and None when there are too many."""
    baseline = Scenario({})
    first: Expanded = expand(baseline)
    out = [(baseline, first)]
    queue: list[tuple[Scenario, Expanded, set[tuple[str, int]]]] = [(baseline, first, set())]
    done: set[tuple[tuple[tuple[str, int], int], ...]] = {()}
    ordinals: dict[tuple[str, int], int] = {}  # a use's place among the uses of its name

    def key_of(choices: dict[tuple[str, int], int]) -> str:
        for name, use in sorted(choices, key=lambda k: k[1]):
            ordinals.setdefault((name, use), sum(1 for n, _ in ordinals if n == name))
        return " ".join(sorted(f"{n}#{ordinals[(n, u)]}={c}" for (n, u), c in choices.items()))

    while queue:
        scenario, result, before = queue.pop(0)
        for name, use, _ in result.seen:
            ordinals.setdefault((name, use), sum(1 for n, _ in ordinals if n == name))
        uses = {(name, use) for name, use, _ in result.seen}
        for name, use, count in result.seen:
            if (name, use) in before or (name, use) in scenario.choices:
                continue
            for choice in range(1, count):
                choices = dict(scenario.choices)
                choices[(name, use)] = choice
                key = tuple(sorted(choices.items()))
                if key in done:
                    continue
                done.add(key)
                new = Scenario(choices, key_of(choices))
                expanded = expand(new)
                out.append((new, expanded))
                if len(out) > MAX_SCENARIOS:
                    return None
                queue.append((new, expanded, uses))
    return out
