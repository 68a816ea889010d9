"""A command string that must carry a word with blanks becomes a bash array.

`CMD="jobsub_submit ... ${SITE_OPT} ..."` run as `$CMD` is split on blanks, so a word
such as the requirement `(TARGET.GLIDEIN_Site isnt "X")`, which the legacy server made
out of three words, cannot be written into the string. Then the string and the option
fragments that hold such words become arrays, with the same words as before everywhere
else:

    SITE_OPT=""                         ->  SITE_OPT=()
    SITE_OPT="--site=$SITE"             ->  SITE_OPT=(--site=$SITE)
    SITE_OPT="--x='(A isnt \\"$B\\")' ${SITE_OPT}"
                                        ->  SITE_OPT=("--x=(A isnt \\"$B\\")" "${SITE_OPT[@]}")
    CMD="jobsub_submit ... ${SITE_OPT} ..."  ->  CMD=(jobsub_submit ... "${SITE_OPT[@]}" ...)
    $CMD 2>&1 | tee -a $LOG             ->  "${CMD[@]}" 2>&1 | tee -a $LOG
    echo $CMD                           ->  echo ${CMD[*]}

Literal characters keep their meaning (a quote that was literal in the string is escaped
in the array), expansions stay unquoted where they were split before, so every other word
is what it was. Anything else that uses the variables (`${#CMD}`, `ssh host $CMD`,
`export CMD`) keeps the string: that is reported with the array to write.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .bash import Assignment, Script
from .core import Edit

if TYPE_CHECKING:  # strings.py calls convert(): the classes are only annotations here
    from .shell import ShellScan
    from .strings import Run, Strings, Unplaced, _Result

_SAFE = re.compile(r"[\w@%+=:,./-]", re.ASCII)
_MARK = 0xF7F0  # a private-use character marks where new words go


def convert(scan: ShellScan, strings: Strings, run: Run, result: _Result) -> list[Edit] | str:
    source = scan.source
    if source.base != 0:
        return "its words need blanks, which a string split on blanks cannot hold"
    script = strings.script
    unplaced: list[Unplaced] = []
    for item in result.unplaced:
        if not any((u.start, u.end, u.words) == (item.start, item.end, item.words)
                   for u in unplaced):
            unplaced.append(item)
    if any(u.owner is None for u in unplaced):
        return "its words need blanks, and they are written on the command line itself"
    names = [run.name] + sorted({u.owner.name for u in unplaced if u.owner is not None}
                                - {run.name})
    definitions: dict[str, list[Assignment]] = {}
    for name in names:
        found = []
        for definition in strings.definitions.by_name.get(name, []):
            assignment = definition.assignment
            if assignment is None or assignment.array is not None:
                return f"${name} is also set another way than a string"
            command = assignment.command
            if command.words and command.declare != "local" or command.declare not in (
                    "", "local"):
                return f"${name} is {command.declare or 'set for one command'}ed, which an " \
                       "array cannot be" if command.declare else \
                       f"${name} is set for one command only"
            found.append(assignment)
        definitions[name] = found
    edits: list[Edit] = []
    taken: list[tuple[int, int]] = []
    for found in definitions.values():
        for assignment in found:
            converted = _definition(script, assignment, names, unplaced, result.edits)
            if isinstance(converted, str):
                return converted
            edits.append(converted)
            taken.append((assignment.start, assignment.end))
    uses = _uses(script, names, taken, run)
    if isinstance(uses, str):
        return uses
    edits += uses
    inside = [e for e in result.edits if not any(s <= e[0] and e[1] <= t for s, t in taken)]
    return edits + inside


def _definition(script: Script, assignment: Assignment, names: list[str],
                unplaced: list[Unplaced], pending: list[Edit]) -> Edit | str:
    """`NAME="..."` as `NAME=(...)` (or `NAME+=(...)`), with the edits inside it made."""
    text = script.text
    name = assignment.name
    segs = assignment.value
    start, end = assignment.value_start, assignment.end
    raw = text[start:end]
    quoted = raw.startswith('"') and raw.endswith('"') and len(raw) >= 2
    if not raw:
        return assignment.start, end, f"{name}{'+=' if assignment.append else '='}()"
    if raw.startswith("'") or not quoted and any(s.kind in ("double", "single")
                                                 for s in segs):
        return f"${name} is written with quotes of several kinds at line {_line(text, start)}"
    body_start, body_end = (start + 1, end - 1) if quoted else (start, end)
    marks: dict[str, list[str]] = {}
    changes: list[tuple[int, int, str]] = []
    for k, item in enumerate(unplaced):
        if body_start <= item.start and item.end <= body_end:
            mark = chr(_MARK + k)
            marks[mark] = _elements(item)
            changes.append((item.start, item.end, mark))
    for edit in pending:
        if body_start <= edit[0] and edit[1] <= body_end:
            changes.append(edit)
    body, at = "", body_start
    for s, e, new in sorted(changes):
        if s < at:
            return f"{name}: its edits overlap at line {_line(text, s)}"
        body += text[at:s] + new
        at = e
    body += text[at:body_end]
    append = assignment.append
    parsed = Script(f'X="{body}"' if quoted else f"X={body}")
    found = next((a for c in parsed.commands for a in c.assignments), None)
    if found is None:
        return f"${name}: its value cannot be read again at line {_line(text, start)}"
    value = found.value
    offset = found.value_start + (1 if quoted else 0)
    if value and value[0].kind == "expand" and value[0].name == name and not append:
        rest = parsed.text[value[0].end:]
        if rest[:1] not in (" ", "\t", "\\") and rest:
            return f"${name} is glued to more text at line {_line(text, start)}"
        append = True
        skip_to = value[0].end
        while skip_to < len(parsed.text) and parsed.text[skip_to] in " \t":
            skip_to += 1
        value = [s for s in value[1:] if s.end > skip_to]
        offset = skip_to
    try:
        elements = _array_body(parsed.text, offset, len(parsed.text) - (1 if quoted else 0),
                               value, names, marks)
    except _Refused as exc:
        return str(exc)
    return assignment.start, end, f"{name}{'+=' if append else '='}({elements})"


class _Refused(Exception):
    pass


def _elements(item: Unplaced) -> list[str]:
    """New words as array elements: double-quoted, their run-time values as the
    expansions they came from."""
    sources = {a.char: a.seg for a in item.atoms if a.kind == "expand" and a.seg is not None}
    out = []
    for word in item.words:
        text = ""
        for char in word:
            seg = sources.get(char)
            if seg is not None:
                text += seg.text
            elif 0xE000 <= ord(char) < 0xF800:
                text += char  # caught by the check of the rewritten script
            else:
                text += re.sub(r'([\\"$`])', r"\\\1", char)
        out.append(f'"{text}"')
    return out


def _array_body(text: str, start: int, end: int, value: list[Any], names: list[str],
                marks: dict[str, list[str]]) -> str:
    """The array elements of a string value: blanks and line continuations as they are,
    literal characters escaped where the shell would read them, expansions unquoted (as
    the string was split), the converted variables as "${NAME[@]}"."""
    out, at = "", start
    for seg in value:
        if seg.start < at:
            continue
        out += text[at:seg.start]  # line continuations between segments
        if seg.kind in ("plain", "double", "single"):
            for char in seg.text:
                if char in marks:
                    out += " ".join(marks[char])
                elif char in " \t\n":
                    out += char
                elif _SAFE.fullmatch(char):
                    out += char
                else:
                    out += "\\" + char
        elif seg.kind == "escape":
            out += "\\" + seg.text if not _SAFE.fullmatch(seg.text) else seg.text
        elif seg.name in names and not seg.subscript:
            if seg.text not in (f"${seg.name}", f"${{{seg.name}}}"):
                raise _Refused(f"${seg.name} is used as {seg.text}")
            out += f'"${{{seg.name}[@]}}"'
        else:
            out += seg.text
        at = seg.end
    out += text[at:end]
    return out


def _uses(script: Script, names: list[str], taken: list[tuple[int, int]], run: Run
          ) -> list[Edit] | str:
    """The other places that read the variables: runs become "${NAME[@]}", every other
    read ${NAME[*]} (the words joined by blanks, as the string was)."""
    edits: list[Edit] = []
    wanted = set(names)
    stack = [script.tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type not in ("simple_expansion", "expansion"):
            continue
        start, end = script.span(node)
        if any(s <= start and end <= t for s, t in taken):
            continue
        body = script.text[start:end]
        match = re.fullmatch(r"\$(?:([A-Za-z_]\w*)|\{(#?)([A-Za-z_]\w*)([^}]*)\})", body)
        if not match:
            continue
        name = match.group(1) or match.group(3)
        if name not in wanted:
            continue
        if match.group(2) or match.group(4):
            return f"${name} is read as {body} at line {_line(script.text, start)}"
        context = _context(script, node)
        if context == "run":
            if name != run.name:
                return f"${name} is run as a command at line {_line(script.text, start)}"
            edits.append((start, end, f'"${{{name}[@]}}"'))
        elif context == "other":
            return (f"${name} is handed to another program at line "
                    f"{_line(script.text, start)}")
        else:
            edits.append((start, end, f"${{{name}[*]}}"))
    return edits


def _context(script: Script, node: Any) -> str:
    """How a read of the variable is used: "run" (the command word), "message" (echo,
    printf, a string, a test, an assignment), "other" (handed to another program)."""
    parent = node.parent
    if parent is not None and parent.type == "command_name":
        return "run"
    climb = node
    while climb is not None and climb.type not in ("command", "test_command",
                                                   "variable_assignment", "program"):
        climb = climb.parent
    if climb is None or climb.type in ("test_command", "variable_assignment", "program"):
        return "message"
    name = climb.child_by_field_name("name")
    program = script.text[slice(*script.span(name))] if name is not None else ""
    if program.rsplit("/", 1)[-1] in ("echo", "printf", "tee", "logger", ":"):
        return "message"
    return "other"


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


__all__ = ["convert"]
