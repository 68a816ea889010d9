"""Shell scripts read with a real bash grammar (tree-sitter with tree-sitter-bash).

The grammar gives the structure: statements, if/loop/case/function bodies, pipelines and
lists, assignments, redirections, here-documents, command substitutions. The words
themselves are read here from their exact source text (quotes, backslash escapes,
`$'...'`), with the end of every expansion taken from the grammar, because
tree-sitter-bash's word nodes do not model bash's quoting (`'c'\\ d` is two nodes there,
and words after a redirection in mid-command are read as its destinations; both are put
right here). Offsets are character offsets in the text (the grammar counts bytes).

A script whose tree holds an error is not migrated at all (JCM06): a guess at its structure
could rewrite a string or a comment.

tree-sitter is imported only here, and only by `jobsub-compat migrate` (never by the
drop-ins); without it migrate says which package to install.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

_LITERAL = ("plain", "single", "double", "escape")
_GLOB = re.compile(r"[*?\[]|\{.*[,.].*\}|^~")
_EXPANSIONS = {"simple_expansion", "expansion", "command_substitution",
               "arithmetic_expansion", "process_substitution"}
_REDIRECTS = {"file_redirect", "heredoc_redirect", "herestring_redirect"}
_ESCAPES_ONLY = re.compile(r"(?:\\[^\n])*")


class Unavailable(Exception):
    """tree-sitter or its bash grammar is not installed."""


_PARSER: Any = None


def parser() -> Any:
    global _PARSER
    if _PARSER is None:
        try:
            import tree_sitter
            import tree_sitter_bash
        except ImportError as exc:
            raise Unavailable(
                f"shell scripts are read with tree-sitter, which is not installed ({exc}); "
                "install it with: python3 -m pip install jobsub-compat (or "
                "tree-sitter tree-sitter-bash)") from None
        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    return _PARSER


class ParseError(Exception):
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
    name: str = ""  # $NAME / ${NAME} / ${NAME[@]} / ${NAME[*]}
    quoted: bool = False
    command: bool = False  # $( ... ) or `...`
    subscript: str = ""  # "@" or "*" for ${NAME[@]} / ${NAME[*]}


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

    def only_expansion(self) -> Seg | None:
        """The expansion when the word is exactly one unquoted `$NAME`/`${NAME}`."""
        if len(self.segs) == 1 and self.segs[0].kind == "expand" and self.segs[0].name \
                and not self.segs[0].quoted and not self.segs[0].command \
                and not self.segs[0].subscript:
            return self.segs[0]
        return None

    def only_array(self) -> Seg | None:
        """The expansion when the word is exactly `"${NAME[@]}"` (every element a word)."""
        if len(self.segs) == 1 and self.segs[0].kind == "expand" and self.segs[0].name \
                and self.segs[0].quoted and self.segs[0].subscript == "@":
            return self.segs[0]
        return None


@dataclass
class Assignment:
    name: str
    append: bool  # NAME+=VALUE
    value: list[Seg]  # a string value; for an array, its source text as one expansion
    command: Command
    start: int  # the assignment word
    end: int
    value_start: int
    array: list[Word] | None = None  # NAME=( ... ): its words
    local: bool = False


@dataclass
class Heredoc:
    start: int  # the body
    end: int
    quoted: bool  # <<'EOF': the body is literal
    command: Command | None


@dataclass
class Command:
    """A simple command (or a statement of assignments only): its words (assignments and
    redirections left out), where it is, and in which block."""

    words: list[Word]
    block: tuple[int, ...]
    start: int
    end: int
    node: Any = None
    assignments: list[Assignment] = field(default_factory=list)
    declare: str = ""  # export, local, declare, readonly, typeset
    function: str = ""  # the function it is defined in
    state: State | None = None  # the shell state before it runs
    redirected: bool = False
    statement: tuple[int, int] | None = None  # the whole statement it is alone in
    alone: bool = False  # the only statement of its block (then/else/do/{...})


class State:
    """What decides word splitting where a command runs: IFS (None: the default, else its
    value, or UNKNOWN) and `set -f`."""

    UNKNOWN = "\0unknown"
    UNSET = "\0unset"  # splits like the default, but $IFS is then empty
    SPLITS = "\0default or unset"  # either: splits like the default, $IFS not known
    __slots__ = ("ifs", "noglob", "saved")

    def __init__(self, ifs: Optional[str] = None, noglob: Optional[bool] = False,
                 saved: dict[str, Optional[str]] | None = None) -> None:
        self.ifs, self.noglob = ifs, noglob
        self.saved = dict(saved or {})  # variables holding a copy of IFS

    def copy(self) -> State:
        return State(self.ifs, self.noglob, self.saved)

    def join(self, other: State) -> State:
        ifs = self.ifs if self.ifs == other.ifs else State.UNKNOWN
        defaults = {None, State.UNSET, State.SPLITS}
        if self.ifs != other.ifs and self.ifs in defaults and other.ifs in defaults:
            ifs = State.SPLITS
        noglob = self.noglob if self.noglob == other.noglob else None
        saved = {k: v for k, v in self.saved.items() if other.saved.get(k, "\1") == v}
        return State(ifs, noglob, saved)

    def same(self, other: State) -> bool:
        return (self.ifs, self.noglob, self.saved) == (other.ifs, other.noglob, other.saved)

    @property
    def splits_by_default(self) -> bool:
        return self.ifs in (None, State.UNSET, State.SPLITS) or (
            self.ifs != State.UNKNOWN and self.ifs != "" and set(self.ifs) <= set(" \t\n"))


_DEFAULT_IFS = {" \t\n", "$' \\t\\n'"}


class Script:
    """One shell text parsed: its commands in source order, here-documents and functions."""

    def __init__(self, text: str) -> None:
        self.text = text
        data = text.encode("utf-8", "surrogateescape")
        self._ascii = len(data) == len(text)
        if not self._ascii:
            self._chars = [0] * (len(data) + 1)
            at = 0
            for k, char in enumerate(text):
                width = len(char.encode("utf-8", "surrogateescape"))
                for b in range(width):
                    self._chars[at + b] = k
                at += width
            self._chars[at] = len(text)
        self.tree = parser().parse(data)
        self.commands: list[Command] = []
        self.heredocs: list[Heredoc] = []
        self.functions: dict[str, tuple[int, int]] = {}  # name -> body span
        self.ifs_functions: set[str] = set()  # functions that set IFS for their caller
        self.loop_variables: list[tuple[str, int]] = []  # for NAME in ...: (name, offset)
        self.exhaustive: list[tuple[tuple[int, ...], list[tuple[int, ...]]]] = []  # if/else
        self._ids = 0
        root = self.tree.root_node
        if root.has_error:
            raise ParseError(self._error_at(root), "bash's grammar does not read it here")
        self._statements(root, (), "", State())
        self.commands.sort(key=lambda c: c.start)

    # --- positions ---------------------------------------------------------------------
    def at(self, byte: int) -> int:
        return byte if self._ascii else self._chars[byte]

    def span(self, node: Any) -> tuple[int, int]:
        start, end = self.at(node.start_byte), self.at(node.end_byte)
        while start < end:  # the grammar's tokens can start with blanks and continuations
            if self.text[start] in " \t\r\n":
                start += 1
            elif self.text.startswith("\\\n", start):
                start += 2
            else:
                break
        return start, end

    def _error_at(self, node: Any) -> int:
        for child in node.children:
            if child.has_error or child.type == "ERROR" or child.is_missing:
                return self._error_at(child)
        return self.at(node.start_byte)

    def _new(self) -> int:
        self._ids += 1
        return self._ids

    # --- statements ------------------------------------------------------------------
    def _statements(self, node: Any, block: tuple[int, ...], function: str,
                    state: State) -> State:
        """Visit the statements under `node` in order; the state after them."""
        children = [c for c in node.named_children if c.type != "comment"]
        statements = [c for c in children if c.type not in ("heredoc_body",)]
        for child in statements:
            alone = len(statements) == 1 and node.type in (
                "do_group", "compound_statement", "if_statement", "elif_clause",
                "else_clause", "case_item")
            state = self._statement(child, block, function, state, alone)
        return state

    def _statement(self, node: Any, block: tuple[int, ...], function: str, state: State,
                   alone: bool = False) -> State:
        kind = node.type
        if kind in ("command", "declaration_command", "unset_command", "variable_assignment",
                    "redirected_statement", "test_command", "negated_command"):
            return self._simple(node, block, function, state, alone)
        if kind == "variable_assignments":
            return self._simple(node, block, function, state, alone)
        if kind == "pipeline":
            parts = [c for c in node.named_children]
            for part in parts:  # each part runs in a subshell
                self._statement(part, block + (self._new(),), function, state.copy())
            return state
        if kind == "list":
            parts = [c for c in node.named_children]
            state = self._statement(parts[0], block, function, state)
            sub = block + (self._new(),)  # what runs after && / || runs conditionally
            after = state
            for part in parts[1:]:
                after = self._statement(part, sub, function, after)
            return state.join(after)
        if kind == "subshell":
            self._statements(node, block + (self._new(),), function, state.copy())
            return state
        if kind == "compound_statement":
            return self._statements(node, block + (self._new(),), function, state)
        if kind == "if_statement":
            return self._if(node, block, function, state)
        if kind in ("while_statement", "until_statement", "for_statement",
                    "c_style_for_statement", "select_statement"):
            return self._loop(node, block, function, state)
        if kind == "case_statement":
            value = node.child_by_field_name("value")
            if value is not None:
                self._words_inside(value, block, function, state)
            out = state
            for item in node.named_children:
                if item.type == "case_item":
                    out = out.join(self._statements(item, block + (self._new(),), function,
                                                    state.copy()))
            return out
        if kind == "function_definition":
            name_node = node.child_by_field_name("name")
            name = self.text[slice(*self.span(name_node))] if name_node is not None else ""
            body = node.child_by_field_name("body")
            if body is not None:
                self.functions[name] = self.span(body)
                inner = State(state.ifs, state.noglob)
                after = self._statement(body, block + (self._new(),), name, inner)
                if after.ifs != inner.ifs and not self._local_ifs(name):
                    self.ifs_functions.add(name)
            return state
        # anything else (arithmetic, a lone word ...): look inside for command substitutions
        self._words_inside(node, block, function, state)
        return state

    def _local_ifs(self, function: str) -> bool:
        return any(a.name == "IFS" and a.local for c in self.commands if c.function == function
                   for a in c.assignments)

    def _if(self, node: Any, block: tuple[int, ...], function: str, state: State,
            branches: list[tuple[int, ...]] | None = None) -> State:
        top = branches is None
        branches = [] if branches is None else branches
        condition = block + (self._new(),)
        body: list[Any] = []
        out: State | None = None
        seen_then = False
        has_else = False
        then_block = block + (self._new(),)
        branches.append(then_block)
        for child in node.children:
            if child.type == "then":
                seen_then = True
                continue
            if not child.is_named or child.type == "comment":
                continue
            if child.type == "else_clause":
                has_else = True
                else_block = block + (self._new(),)
                branches.append(else_block)
                branch = self._statements(child, else_block, function, state.copy())
                out = branch if out is None else out.join(branch)
                continue
            if child.type == "elif_clause":
                branch = self._if(child, block, function, state.copy(), branches)
                out = branch if out is None else out.join(branch)
                continue
            if not seen_then:
                state = self._statement(child, condition, function, state)
            else:
                body.append(child)
        then_state = state.copy()
        for child in body:
            then_state = self._statement(child, then_block, function, then_state,
                                         alone=len(body) == 1)
        out = then_state if out is None else out.join(then_state)
        if top and any(c.type == "else_clause" for c in node.children):
            self.exhaustive.append((block, branches))  # one of them always runs
        return out if has_else or not top else out.join(state)

    def _loop(self, node: Any, block: tuple[int, ...], function: str, state: State) -> State:
        head = block + (self._new(),)
        body_node = node.child_by_field_name("body")
        variable = node.child_by_field_name("variable")
        if variable is not None:
            at = self.span(variable)
            self.loop_variables.append((self.text[at[0]:at[1]], at[0]))
        for child in node.named_children:
            if child is not body_node and child.type != "variable_name":
                self._statement(child, head, function, state) if child.type in (
                    "command", "list", "pipeline", "test_command", "redirected_statement",
                    "negated_command", "compound_statement", "subshell") else \
                    self._words_inside(child, head, function, state)
        if body_node is None:
            return state
        body = block + (self._new(),)
        mark = len(self.commands), len(self.heredocs)
        after = self._statements(body_node, body, function, state.copy())
        if not after.same(state):  # a second time round starts from what the first left
            del self.commands[mark[0]:]
            del self.heredocs[mark[1]:]
            entry = state.join(after)
            after = self._statements(body_node, body, function, entry)
        return state.join(after)

    # --- simple commands ---------------------------------------------------------------
    def _simple(self, node: Any, block: tuple[int, ...], function: str, state: State,
                alone: bool) -> State:
        statement = self.span(node)
        redirects: list[Any] = []
        inner = node
        if node.type == "redirected_statement":
            body = node.child_by_field_name("body")
            redirects = [c for c in node.named_children if c.type in _REDIRECTS]
            if body is None or body.type not in ("command", "declaration_command",
                                                 "variable_assignment", "test_command",
                                                 "unset_command", "negated_command"):
                if body is not None:
                    state = self._statement(body, block, function, state)
                for redirect in redirects:
                    self._redirect(redirect, None, block, function, state)
                return state
            inner = body
        if inner.type == "negated_command":
            named = [c for c in inner.named_children]
            for child in named:
                state = self._statement(child, block, function, state)
            return state
        command = Command([], block, statement[0], statement[1], node=node, function=function,
                          state=state.copy(), redirected=bool(redirects), statement=statement,
                          alone=alone)
        extra: list[Any] = []
        for redirect in redirects:
            extra += self._redirect(redirect, command, block, function, state)
        kind = inner.type
        if kind == "test_command":
            self._words_inside(inner, block, function, state)
            return state
        if kind == "variable_assignment":
            command.assignments.append(self._assignment(inner, command))
        elif kind == "variable_assignments":
            for child in inner.named_children:
                if child.type == "variable_assignment":
                    command.assignments.append(self._assignment(child, command))
        elif kind in ("declaration_command", "unset_command"):
            keyword = inner.children[0]
            command.declare = self.text[slice(*self.span(keyword))]
            for child in inner.named_children:
                if child.type == "variable_assignment":
                    command.assignments.append(self._assignment(
                        child, command, local=command.declare in ("local", "declare",
                                                                  "typeset")))
                elif child.type in ("variable_name", "word"):
                    command.words.append(self.word(child))
        else:  # command
            args: list[Any] = []
            for child in inner.named_children:
                if child.type == "variable_assignment":
                    command.assignments.append(self._assignment(child, command))
                elif child.type == "command_name":
                    args += [c for c in child.named_children] or [child]
                elif child.type in _REDIRECTS:
                    extra += self._redirect(child, command, block, function, state)
                else:
                    args.append(child)
            command.words = self._words(args + extra)
        for word in command.words:
            self._substitutions(word, block, function, state)
        for found in command.assignments:
            for seg in found.value:
                if seg.command:
                    self._substitution_at(seg, block, function, state)
            for word in found.array or []:
                self._substitutions(word, block, function, state)
        self.commands.append(command)
        return self._effect(command, state)

    def _effect(self, command: Command, state: State) -> State:
        """The state after a command: IFS set, restored or unset, set -f/+f."""
        after = state.copy()
        if command.words:  # prefix assignments only last for the command
            first = command.words[0].keyword()
            if command.declare == "unset":
                names = [w.value for w in command.words if not w.value.startswith("-")]
                if "IFS" in names:
                    after.ifs = State.UNSET
                for name in names:
                    after.saved.pop(name, None)
            elif first == "set" and len(command.words) > 1:
                for word in command.words[1:]:
                    flag = word.value
                    if flag.startswith(("-", "+")) and "f" in flag[1:] and flag[1:].isalpha():
                        after.noglob = flag[0] == "-"
            elif first in self.ifs_functions:
                after.ifs = State.UNKNOWN
            if command.declare not in ("local", "declare", "typeset", "export", "readonly"):
                return after
        for found in command.assignments:
            if found.name == "IFS":
                after.ifs = self._ifs_value(found, state)
            elif found.value and len(found.value) == 1 and found.value[0].name == "IFS":
                after.saved[found.name] = "" if state.ifs == State.UNSET else \
                    State.UNKNOWN if state.ifs == State.SPLITS else state.ifs
            else:
                after.saved.pop(found.name, None)
        return after

    def _ifs_value(self, found: Assignment, state: State) -> Optional[str]:
        segs = found.value
        if found.append or found.array is not None:
            return State.UNKNOWN
        if len(segs) == 1 and segs[0].kind == "expand" and segs[0].name in state.saved:
            return state.saved[segs[0].name]
        if all(s.kind in _LITERAL for s in segs):
            value = "".join(s.text for s in segs)
            return None if value == " \t\n" else value
        if len(segs) == 1 and segs[0].kind == "ansi" and segs[0].text in _DEFAULT_IFS:
            return None
        return State.UNKNOWN

    def _assignment(self, node: Any, command: Command, local: bool = False) -> Assignment:
        name_node = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        start, end = self.span(node)
        name = self.text[slice(*self.span(name_node))] if name_node is not None else ""
        if "[" in name:  # NAME[i]=...: an element, not the variable
            name = name.split("[", 1)[0] + "[]"
        append = any(c.type == "+=" for c in node.children)
        if value is None:
            operator = next((c for c in node.children if c.type in ("=", "+=")), None)
            at = self.at(operator.end_byte) if operator is not None else end
            return Assignment(name, append, [], command, start, end, at, local=local)
        vstart = self.span(value)[0]
        if value.type == "array":
            words = self._words([c for c in value.named_children if c.type != "comment"])
            return Assignment(name, append, [Seg("expand", self.text[vstart:end], vstart, end)],
                              command, start, end, vstart, array=words, local=local)
        word = self._words([value])
        segs = word[0].segs if word else []
        return Assignment(name, append, segs, command, start, end, vstart, local=local)

    def _redirect(self, node: Any, command: Command | None, block: tuple[int, ...],
                  function: str, state: State) -> list[Any]:
        """A redirection: its here-document, and the words after its target that
        tree-sitter-bash reads as more targets (they are the command's arguments)."""
        if node.type == "heredoc_redirect":
            start_node = next((c for c in node.children if c.type == "heredoc_start"), None)
            body = next((c for c in node.children if c.type == "heredoc_body"), None)
            quoted = start_node is not None and any(
                q in self.text[slice(*self.span(start_node))] for q in "'\"\\")
            if body is not None:
                begin, end = self.span(body)
                begin = self.at(body.start_byte)
                self.heredocs.append(Heredoc(begin, end, quoted, command))
                if not quoted:
                    self._words_inside(body, block, function, state)
            nested = [c for c in node.named_children if c.type in _REDIRECTS]
            extra: list[Any] = []
            for child in nested:
                extra += self._redirect(child, command, block, function, state)
            return extra
        targets = node.children_by_field_name("destination") if node.type == "file_redirect" \
            else []
        for child in node.named_children:
            if child.type in _EXPANSIONS or child.type in ("string", "concatenation"):
                self._words_inside(child, block, function, state)
        return list(targets[1:])

    def _words_inside(self, node: Any, block: tuple[int, ...], function: str,
                      state: State) -> None:
        """The commands of the command substitutions somewhere under `node`."""
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type in ("command_substitution", "process_substitution"):
                self._statements(current, block + (self._new(),), function, state.copy())
                continue
            stack.extend(reversed(current.named_children))

    def _substitutions(self, word: Word, block: tuple[int, ...], function: str,
                       state: State) -> None:
        for seg in word.segs:
            if seg.command:
                self._substitution_at(seg, block, function, state)

    def _substitution_at(self, seg: Seg, block: tuple[int, ...], function: str,
                         state: State) -> None:
        node = self._node_at(seg.start, seg.end)
        if node is not None:
            self._statements(node, block + (self._new(),), function, state.copy())

    def _node_at(self, start: int, end: int) -> Any:
        data_start = len(self.text[:start].encode("utf-8", "surrogateescape"))
        data_end = len(self.text[:end].encode("utf-8", "surrogateescape"))
        node = self.tree.root_node.descendant_for_byte_range(data_start, data_end)
        while node is not None and node.type not in ("command_substitution",
                                                     "process_substitution"):
            node = node.parent
        return node

    # --- words ----------------------------------------------------------------------
    def _words(self, nodes: list[Any]) -> list[Word]:
        """Words of argument nodes; nodes the grammar split inside one bash word (only
        escapes, or nothing, between them) are one word again."""
        words: list[Word] = []
        parts: list[list[Any]] = []
        for node in nodes:
            start, end = self.span(node)
            if words and start >= words[-1].end and _ESCAPES_ONLY.fullmatch(
                    self.text, words[-1].end, start):
                parts[-1].append(node)
                words[-1] = self.word_span(words[-1].start, end, parts[-1])
                continue
            parts.append([node])
            words.append(self.word_span(start, end, [node]))
        return words

    def word(self, node: Any) -> Word:
        return self.word_span(*self.span(node), [node])

    def word_span(self, start: int, end: int, nodes: list[Any]) -> Word:
        ends: dict[int, int] = {}
        for node in nodes:
            ends.update(self._expansion_ends(node))
        return _Lexer(self.text, start, end, ends).word()

    def _expansion_ends(self, node: Any) -> dict[int, int]:
        """Where each expansion under `node` ends, by where it starts (its `$` or `)."""
        ends: dict[int, int] = {}
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type in _EXPANSIONS:
                start, end = self.span(current)
                ends[start] = end
                continue
            stack.extend(current.children)
        return ends


class _Lexer:
    """The segments of one word's source text (the grammar says where expansions end)."""

    def __init__(self, text: str, start: int, end: int, ends: dict[int, int]) -> None:
        self.s, self.i, self.end, self.ends = text, start, end, ends

    def word(self) -> Word:
        s, start = self.s, self.i
        segs: list[Seg] = []
        while self.i < self.end:
            c = s[self.i]
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
                close = self.end - 1 if close < 0 else close
                segs.append(Seg("single", s[self.i + 1:close], self.i + 1, close))
                self.i = close + 1
            elif c == '"':
                self._double(segs)
            elif c == "$" and s.startswith("$'", self.i) and self.i not in self.ends:
                j = self.i + 2
                while j < self.end and s[j] != "'":
                    j += 2 if s[j] == "\\" else 1
                stop = min(j + 1, self.end)
                segs.append(Seg("ansi", s[self.i:stop], self.i, stop))
                self.i = stop
            elif c == "$" and s.startswith('$"', self.i) and self.i not in self.ends:
                begin = self.i
                self.i += 1
                inner: list[Seg] = []
                self._double(inner)
                segs.append(Seg("ansi", s[begin:self.i], begin, self.i))
            elif c in "$`" and self.i in self.ends:
                segs.append(self._expansion(quoted=False))
            else:
                j = self.i + 1
                while j < self.end and s[j] not in "\\'\"$`":
                    j += 1
                segs.append(Seg("plain", s[self.i:j], self.i, j))
                self.i = j
        return Word(_merge_plain(segs), start, self.i)

    def _expansion(self, quoted: bool) -> Seg:
        s, start = self.s, self.i
        stop = min(self.ends[start], self.end)
        self.i = stop
        text = s[start:stop]
        command = text.startswith(("$(", "`")) and not text.startswith("$((") or \
            text.startswith(("<(", ">("))
        name = subscript = ""
        match = re.fullmatch(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)"
                             r"(?:\[([@*])\])?\})", text)
        if match:
            name = match.group(1) or match.group(2)
            subscript = match.group(3) or ""
        return Seg("expand", text, start, stop, name=name, quoted=quoted, command=command,
                   subscript=subscript)

    def _double(self, segs: list[Seg]) -> None:
        s = self.s
        self.i += 1
        run = self.i

        def flush(upto: int) -> None:
            if upto > run:
                segs.append(Seg("double", s[run:upto], run, upto, quoted=True))

        while self.i < self.end:
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
            elif c in "$`" and self.i in self.ends:
                flush(self.i)
                segs.append(self._expansion(quoted=True))
                run = self.i
            else:
                self.i += 1
        flush(self.i)


def _merge_plain(segs: list[Seg]) -> list[Seg]:
    out: list[Seg] = []
    for seg in segs:
        if out and seg.kind == "plain" and out[-1].kind == "plain" and out[-1].end == seg.start:
            out[-1] = Seg("plain", out[-1].text + seg.text, out[-1].start, seg.end)
        else:
            out.append(seg)
    return out


Visitor = Callable[[Command], None]
