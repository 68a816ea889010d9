"""Python scripts: PythonScan, which finds jobsub calls in them (read with `ast`)."""

from __future__ import annotations

import ast
import json
import re
from typing import Callable

from .. import codes as w
from ..codes import (
    IN_STRING,
    JOB_ID_LINE,
    NON_LITERAL,
    UNREADABLE,
)
from .core import (
    Edit,
    FileWork,
    _command_name,
    _mention_re,
    _names,
    _non_literal,
    _trial_codes,
)
from .shell import _JOBID_TEXT, ShellScan, Source, Value, _value_edits

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
        assessment = self.work.settle(
            line, command, argv, lambda a: self.element_edits(elts, a.edits))
        if assessment is None:
            return
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
            self.work.report(node.lineno, JOB_ID_LINE, w.text(JOB_ID_LINE))
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
        quote = literal[1] if literal else '"'

        def to_file(start: int, end: int) -> tuple[int, int] | None:
            return None if base is None else (start, end)

        assessment = self.work.settle(
            line, command, argv,
            lambda a: _value_edits(text, spans, a.edits, to_file, _embed(quote)),
            lambda a: f" as an argv list: {[command] + (a.new or [])!r}")
        if assessment is None:
            return
        if command in ("jobsub_submit_dag", "jobsub_submit"):
            ShellScan(self.work, Source("", None, line)).dag_of(
                command, assessment.new or argv, line)


def _embed(quote: str) -> Callable[[str], bool]:
    def ok(text: str) -> bool:
        if "\\" in text or quote[0] in text or "\r" in text:
            return False
        return len(quote) == 3 or "\n" not in text

    return ok
