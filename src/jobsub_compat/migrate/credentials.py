"""The credential steps of a script, written for tokens (tokens.md §5).

A legacy script gets a KCA certificate (kx509, cigetcert, `source setup_fnal_security`),
turns it into a VOMS proxy with a role (voms-proxy-init), checks it (voms-proxy-info) and
points jobsub at it (X509_USER_PROXY). With tokens, jobsub_lite gets and renews its own
token with htgettoken; what the script still needs is what decides its branches:

- `kx509`, `cigetcert`, `setup cigetcert`, `voms-proxy-destroy`, `export
  X509_USER_PROXY=...`: nothing (a statement of its own is removed; as a condition, or
  the only statement of a block, it becomes `true`), as the drop-ins do;
- `voms-proxy-init -voms fermilab:/fermilab/EXP/Role=R`, `setup_fnal_security`:
  `htgettoken -a htvaultprod.fnal.gov -i EXP [-r r]` (Analysis: no -r), which succeeds or
  fails where a proxy could be made or not (a Kerberos ticket, a vault token); a role
  from a variable is lower-cased at run time (Analysis and NULL: htgettoken's default);
- `voms-proxy-info -exists [-valid H:M]`: `htgettoken ... --minsecs=SECONDS -q` (a token
  with that much time left can be had); `voms-proxy-info -all | grep -c PATTERN` and
  `| grep -q PATTERN`: the count (or status) the legacy output gave, from htgettoken's
  status; `-timeleft`: the seconds left in the token (httokendecode); `-path`: the token's
  path; a bare `voms-proxy-info`: `httokendecode -H`.

The experiment is the one the script names (its voms-proxy-init FQAN, else its jobsub
calls' -G); a step that needs one when the script names none, and every other form, is
reported with the text to write.
"""

from __future__ import annotations

import re
import shlex
from typing import Any, Optional

from .. import codes, options
from ..codes import CREDENTIAL
from ..commands import credentials as dropin
from ..tokens import DEFAULT_ROLE
from ..warnings import UsageError
from .bash import Command, Script, Word
from .core import Edit, FileWork

VAULT = dropin.DEFAULT_VAULT
TOOLS = {"kx509", "cigetcert", "voms-proxy-init", "voms-proxy-info", "voms-proxy-destroy",
         "setup_fnal_security"}
_NOTHING = {"kx509": codes.KX509, "cigetcert": codes.CIGETCERT,
            "voms-proxy-destroy": codes.VOMS_PROXY_DESTROY}


def role_words(text: str) -> str:
    """htgettoken's -r for a role known only at run time (shell text such as `$ROLE`):
    lower case, and htgettoken's default for Analysis or NULL."""
    return (f"-r \"$(r=$(printf %s \"{text}\" | tr '[:upper:]' '[:lower:]'); case $r in "
            "''|analysis|null) r=default;; esac; printf %s \"$r\")\"")


class Credentials:
    """Rewrites the credential steps of one shell text."""

    def __init__(self, work: FileWork, script: Script, line: Any, span: Any,
                 embed: Any = lambda text: True) -> None:
        self.work, self.script, self.line, self.span = work, script, line, span
        self.embed = embed  # what may be written where the text is (a Python string)
        self.experiment = self._experiment()
        self.commands = {c.node.id: c for c in script.commands if c.node is not None}

    def _experiment(self) -> Optional[str]:
        for command in self.script.commands:
            words = command.words
            name = words[0].keyword() if words else None
            if name == "voms-proxy-init":
                fqan = _fqan_word(words[1:], self.script.text)
                if fqan is None:
                    continue
                raw = self.script.text[fqan.start:fqan.end]
                raw = raw.split("=", 1)[1] if raw.startswith("-") else raw
                raw = raw.split("/Role=", 1)[0]  # the role may be a variable
                if re.fullmatch(r"[\w.-]+:[\w./-]*", raw):
                    try:
                        return dropin.parse_fqan(raw).experiment
                    except UsageError:
                        continue
        for command in self.script.commands:
            words = command.words
            if not words or not (words[0].keyword() or "").rsplit("/", 1)[-1].startswith(
                    "jobsub"):
                continue
            for a, b in zip(words, words[1:]):
                if a.keyword() in ("-G", "--group") and b.literal:
                    return b.value
                if a.literal and a.value.startswith(("-G=", "--group=")):
                    return a.value.split("=", 1)[1]
        for command in self.script.commands:  # a command string's -G
            for found in command.assignments:
                text = "".join(x.text for x in found.value if x.kind != "expand")
                match = re.search(r"\bjobsub\w*\b.*?(?:\s-G\s*=?|\s--group[=\s])\s*([\w.-]+)",
                                  text, re.S)
                if match:
                    return match.group(1)
        return None

    # --- one command ---------------------------------------------------------------------
    def command(self, command: Command, k: int) -> bool:
        """Rewrite the credential step `command.words[k:]`; True when it was one."""
        words = command.words[k:]
        name = words[0].keyword() or ""
        tool = name.rsplit("/", 1)[-1]
        if k and command.words[k - 1].keyword() in (".", "source"):
            tool = "setup_fnal_security" if tool == "setup_fnal_security" else ""
        if tool == "setup" and len(words) > 1 and words[1].keyword() == "cigetcert":
            tool = "cigetcert"
        if tool not in TOOLS:
            return False
        line = self.line(words[0].start)
        if tool in _NOTHING:
            self._nothing(command, k, _NOTHING[tool])
        elif tool == "voms-proxy-init":
            self._init(command, k, words, line)
        elif tool == "setup_fnal_security":
            self._get(command, k, words, line, None, codes.VOMS_PROXY_INIT)
        elif tool == "voms-proxy-info":
            self._info(command, k, words, line)
        return True

    def export(self, command: Command) -> bool:
        """`export X509_USER_PROXY=...` (or an assignment of it): nothing."""
        if not any(a.name == "X509_USER_PROXY" for a in command.assignments):
            return False
        if len(command.assignments) > 1 or (command.words and not command.declare):
            self.report(command.start, "X509_USER_PROXY is set with other variables; remove "
                        "its assignment by hand (jobsub_lite uses tokens)")
            return True
        self._nothing(command, 0, options.code_of("jobsub_submit", "x509_user_proxy"),
                      whole=True)
        return True

    def report(self, at: int, message: str) -> None:
        self.work.report(self.line(at), CREDENTIAL, message)

    # --- forms ----------------------------------------------------------------------------
    def _nothing(self, command: Command, k: int, code: str, whole: bool = False) -> None:
        text = self.script.text
        words = command.words
        statement = command.statement or (command.start, command.end)
        node = command.node
        standalone = node is not None and node.parent is not None and node.parent.type in (
            "program", "compound_statement", "do_group", "if_statement", "elif_clause",
            "else_clause", "case_item", "subshell") and not _is_condition(node)
        if standalone and (k == 0 or whole) and not command.alone:
            line_start = text.rfind("\n", 0, statement[0]) + 1
            line_end = text.find("\n", statement[1])
            line_end = len(text) if line_end < 0 else line_end
            if not text[line_start:statement[0]].strip() and \
                    not text[statement[1]:line_end].strip():
                self._edit((line_start, min(line_end + 1, len(text)), ""), code)
                return
        if whole or not words:
            self._edit((statement[0], statement[1], ":"), code)
            return
        self._edit((words[k].start, words[-1].end, "true"), code)

    def _edit(self, edit: tuple[int, int, str], code: str) -> None:
        span = self.span(edit[0], edit[1])
        if span is None or not self.embed(edit[2]):
            self.report(edit[0], f"the token form cannot be written in this string; write "
                        f"it by hand: {edit[2] or '(nothing)'}")
            return
        self.work.edits.append((span[0], span[1], edit[2]))
        self.work.rewritten += 1
        self.work.applied.update([code])

    def _init(self, command: Command, k: int, words: list[Word], line: int) -> None:
        fqan_word = _fqan_word(words[1:], self.script.text)
        if fqan_word is None:
            self.report(words[0].start, f"voms-proxy-init without -voms: write htgettoken -a "
                        f"{VAULT} -i {self.experiment or '<experiment>'} for the token")
            return
        value = fqan_word.value
        raw = self.script.text[fqan_word.start:fqan_word.end]
        if raw.startswith("-"):
            raw = raw.split("=", 1)[1] if "=" in raw else raw
        if fqan_word.literal:
            try:
                fqan = dropin.parse_fqan(value.split("=", 1)[1] if value.startswith("-")
                                         else value)
            except UsageError as exc:
                self.report(words[0].start, f"voms-proxy-init: {exc}; write htgettoken -a "
                            f"{VAULT} -i <experiment> by hand")
                return
            role = f"-r {fqan.role.lower()}" if fqan.role else ""
            self._get(command, k, words, line, (fqan.experiment, role), codes.VOMS_PROXY_INIT)
            return
        match = re.fullmatch(r"([^$]*?)/Role=(\$\{?[A-Za-z_]\w*\}?)", raw)
        if match is None or "$" in match.group(1) or "'" in raw or '"' in raw:
            self.report(words[0].start, f"voms-proxy-init -voms {raw}: its FQAN is known "
                        f"only at run time; write htgettoken -a {VAULT} -i <experiment> "
                        "[-r <role>] by hand")
            return
        try:
            fqan = dropin.parse_fqan(match.group(1) + "/Role=Analysis")
        except UsageError as exc:
            self.report(words[0].start, f"voms-proxy-init: {exc}")
            return
        variable = match.group(2).strip("${}")
        known = _known_value(self.script, command, variable)
        if known is not None:
            role_fqan = dropin.parse_fqan(match.group(1) + "/Role=" + known)
            role = f"-r {role_fqan.role.lower()}" if role_fqan.role else ""
        else:
            role = role_words(f"${{{variable}}}")
        self._get(command, k, words, line, (fqan.experiment, role), codes.VOMS_PROXY_INIT)

    def _get(self, command: Command, k: int, words: list[Word], line: int,
             found: Optional[tuple[str, str]], code: str, extra: str = "") -> None:
        experiment, role = found if found else (self.experiment, "")
        if experiment is None:
            self.report(words[0].start, f"{words[0].value}: the script names no experiment; "
                        f"write htgettoken -a {VAULT} -i <experiment> for its token")
            return
        quiet = any(w.value in ("-q", "-quiet", "--quiet") for w in words[1:])
        text = f"htgettoken -a {VAULT} -i {shlex.quote(experiment)}"
        text += f" {role}" if role else ""
        text += extra + (" -q" if quiet and " -q" not in extra else "")
        start = command.words[k - 1].start if k and command.words[k - 1].keyword() in (
            ".", "source") else words[0].start
        self._edit((start, words[-1].end, text), code)

    def _info(self, command: Command, k: int, words: list[Word], line: int) -> None:
        try:
            options = dropin.voms_options([w.value for w in words[1:]], dropin.INFO_OPTIONS)
        except UsageError as exc:
            self.report(words[0].start, f"voms-proxy-info: {exc}; write the token check by "
                        "hand (httokendecode shows the token)")
            return
        if any(not w.literal for w in words[1:]):
            self.report(words[0].start, "voms-proxy-info with words known only at run time; "
                        "write the token check by hand (httokendecode shows the token)")
            return
        names = {n for n, _ in options}
        values = {n: v for n, v in options}
        pipe = _pipe_after(command, self.commands)
        if names & {"exists", "e"}:
            seconds = 60
            try:
                if "valid" in values:
                    seconds = max(seconds, dropin._hours_minutes(values["valid"] or ""))
                if "hours" in values:
                    seconds = max(seconds, int(values["hours"] or "0") * 3600)
            except (UsageError, ValueError):
                self.report(words[0].start, "voms-proxy-info: its -valid/-hours value is not "
                            "H:M / N; write the token check by hand")
                return
            self._get(command, k, words, line, None, codes.VOMS_PROXY_INFO,
                      f" --minsecs={seconds} -q")
            return
        if pipe is not None and names <= {"all", "text"}:
            self._grep(command, k, words, pipe)
            return
        if names == {"timeleft"} or names == {"actimeleft"}:
            self._edit((words[0].start, words[-1].end, _TIMELEFT), codes.VOMS_PROXY_INFO)
            return
        if names == {"path"}:
            self._edit((words[0].start, words[-1].end,
                        'echo "${BEARER_TOKEN_FILE:-${XDG_RUNTIME_DIR:-/tmp}/bt_u$(id -u)}"'),
                       codes.VOMS_PROXY_INFO)
            return
        if names <= {"all", "text"} and pipe is None:
            self._edit((words[0].start, words[-1].end, "httokendecode -H"), codes.VOMS_PROXY_INFO)
            return
        self.report(words[0].start, f"voms-proxy-info {' '.join(w.value for w in words[1:])}: "
                    "no token form of this output is written here; httokendecode shows the "
                    "token (iss, wlcg.groups, exp)")

    def _grep(self, command: Command, k: int, words: list[Word], pipe: Command) -> None:
        grep = pipe.words
        flags = [w.value for w in grep[1:] if w.value.startswith("-")]
        patterns = [w for w in grep[1:] if not w.value.startswith("-")]
        if len(patterns) != 1 or not patterns[0].literal or any(
                f not in ("-c", "-q", "-i", "-w", "-F", "-s", "-ci", "-ic", "-qi", "-iq")
                for f in flags) or not ({"-c", "-q", "-ci", "-ic", "-qi", "-iq"} & set(flags)):
            self.report(words[0].start, "voms-proxy-info -all | grep: only a count (-c) or a "
                        "status (-q) of a fixed text is written for tokens; write the check by "
                        "hand (httokendecode shows the token)")
            return
        if self.experiment is None:
            self.report(words[0].start, "voms-proxy-info: the script names no experiment; "
                        f"write htgettoken -a {VAULT} -i <experiment> for its token check")
            return
        pattern = patterns[0].value
        ignore = any("i" in f for f in flags)
        lines = _legacy_all(self.experiment, DEFAULT_ROLE)
        try:
            if "-F" in flags:
                matcher = re.compile(re.escape(pattern), re.I if ignore else 0)
            else:
                if re.search(r"[\\\[\]*.^$]", pattern):
                    raise re.error("a pattern, not a text")
                matcher = re.compile(re.escape(pattern), re.I if ignore else 0)
        except re.error:
            self.report(words[0].start, "voms-proxy-info -all | grep: the pattern is not a "
                        "fixed text; write the check by hand")
            return
        count = sum(1 for x in lines if matcher.search(x))
        get = f"htgettoken -a {VAULT} -i {shlex.quote(self.experiment)} >/dev/null 2>&1"
        counting = any("c" in f for f in flags)
        text = f"{{ {get} && echo {count} || echo 0; }}" if counting else get
        if not count and not counting:
            text = "false"
        if pipe.redirected or command.redirected:
            self.report(words[0].start, "voms-proxy-info -all | grep with redirections: "
                        f"write it by hand as {text}")
            return
        self._edit((words[0].start, pipe.end, text), codes.VOMS_PROXY_INFO)


# a subshell (after a blank: `$( (` is no arithmetic) printing the token's seconds left
_TIMELEFT = (" (exp=$(httokendecode 2>/dev/null | sed -n 's/^ *\"exp\": *\\([0-9]*\\).*/\\1/p'); "
             "[ -n \"$exp\" ] && now=$(date +%s) && echo $((exp > now ? exp - now : 0)))")


def _fqan_word(words: list[Word], text: str = "") -> Optional[Word]:
    """The word holding the -voms value (`-voms X`, `-voms=X`, `--voms ...`)."""
    for k, word in enumerate(words):
        raw = text[word.start:word.end] if text else word.value
        if raw in ("-voms", "--voms") and k + 1 < len(words):
            return words[k + 1]
        if raw.startswith(("-voms=", "--voms=")):
            return word
    return None


def _is_condition(node: Any) -> bool:
    parent = node.parent
    if parent is None:
        return False
    if parent.type in ("if_statement", "elif_clause", "while_statement", "until_statement"):
        return parent.child_by_field_name("condition") is not None and any(
            c.id == node.id for c in parent.children_by_field_name("condition"))
    return parent.type in ("list", "pipeline", "negated_command")


def _pipe_after(command: Command, commands: dict[int, Command]) -> Optional[Command]:
    """The grep the command's output is piped to (`voms-proxy-info -all | grep ...`)."""
    node = command.node
    parent = node.parent if node is not None else None
    if parent is None or parent.type != "pipeline":
        return None
    siblings = [c for c in parent.named_children]
    index = next((i for i, c in enumerate(siblings) if c.id == node.id), -1)
    if index < 0 or index + 1 >= len(siblings) or index + 2 < len(siblings):
        return None
    return commands.get(siblings[index + 1].id)


def _legacy_all(experiment: str, role: str) -> list[str]:
    """The lines of a legacy `voms-proxy-info -all` for a proxy of this experiment/role
    that matter to a grep (the VOMS extension's)."""
    vo, fqans = dropin.fqans_for(experiment, role)
    return [f"=== VO {vo} extension information ===", f"VO        : {vo}"] + [
        f"attribute : {f}" for f in fqans]


def _known_value(script: Script, command: Command, variable: str) -> Optional[str]:
    """A variable's value where an enclosing `if [[ $VAR == "text" ]]` (or `[ ... = ... ]`)
    holds it, else None."""
    node = command.node
    while node is not None and node.parent is not None:
        parent = node.parent
        if parent.type in ("if_statement", "elif_clause"):
            conditions = parent.children_by_field_name("condition")
            if conditions and all(c.id != node.id for c in conditions):
                for condition in conditions:
                    found = _equals(script, condition, variable)
                    if found is not None:
                        return found
        node = parent
    return None


def _equals(script: Script, node: Any, variable: str) -> Optional[str]:
    text = script.text[slice(*script.span(node))].strip().rstrip(";").strip()
    match = re.fullmatch(r"\[\[?\s+\"?\$\{?" + re.escape(variable) + r"\}?\"?\s+==?\s+"
                         r"(?:\"([^\"$`\\]*)\"|'([^']*)'|([\w.-]+))\s+\]\]?", text)
    if match is None:
        return None
    return next(g for g in match.groups() if g is not None)


__all__ = ["Credentials", "TOOLS", "Edit"]
