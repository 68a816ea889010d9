"""Translation of one call and its assessment, and the edits and reports of one file.
(The codes of this tool are codes.py's, as every code.)"""

from __future__ import annotations

import bisect
import difflib
import re
import shlex
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Callable, Optional

from .. import codes as w
from .. import commands, legacy, lite, options
from ..codes import CANNOT_WRITE, EMULATED, REFUSED, RUNTIME, UNSTABLE
from ..plan import Plan
from ..warnings import UsageError

PROG = "jobsub-compat migrate"
LITE_VERSION = "1.12"

# Warnings about quoting that the rewrite settles: they need nobody once the line is stable.
_QUOTING = {w.LITERAL_READING, w.CLASSAD_UNCHECKED, w.REQUOTED, w.PROTECTED_ARGUMENT}


# Codes whose translation depends on what the script's run-time world holds.
_RUNTIME_CODES = {options.code_of("jobsub_submit", "dag"),
                  options.code_of("jobsub_submit", "json_config"), w.ENV_UNSET_VARIABLE,
                  w.ENV_JOBSUB_SERVER}
_ANSWERS = {"-h", "--help", "--version", "-manual", "-man"}
# Warnings that need nobody once the call is written in jobsub_lite's spelling: quoting
# notes, and condor options passed on (`-long`: "the output is condor's, as it was").
_INFORMATIONAL = _QUOTING | {options.code_of("jobsub_q", "long")}

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

def translate(command: str, argv: list[str]) -> Plan:
    """The drop-in's Plan for `command argv` (nothing is run, nothing is read but the
    files a translator reads itself)."""
    if command == "jobsub_submit_dag":
        # The drop-in's first step; its DAG file is migrated on its own (migrate/dag.py).
        from ..commands import submit

        return submit.translate(argv, ENV, LITE_VERSION, command, command=command)
    return commands.translator(command)(argv, ENV, LITE_VERSION, command)


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
    backend = commands.DROPINS[command].backend
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
    about_values: set[str] = field(default_factory=set)  # codes about run-time values


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


_NEGATIVE = re.compile(r"-\d+|-\d*\.\d+")  # argparse's negative numbers


def _negatives_as_written(argv: list[str], target: list[str]) -> list[str]:
    """`OPT=-1` as the script wrote it, `OPT -1`, where it did: jobsub_lite's argparse takes
    a negative number after an option as its value (its parsers have no option that looks
    like one), so both read alike; the translator writes `=` for any value starting with
    a dash."""
    pairs = {(a, b) for a, b in zip(argv, argv[1:]) if _NEGATIVE.fullmatch(b)}
    if not pairs:
        return target
    out: list[str] = []
    for word in target:
        option, eq, value = word.partition("=")
        if eq and (option, value) in pairs:
            out += [option, value]
        else:
            out.append(word)
    return out


def _protected(words: list[str]) -> list[str]:
    """Words with blanks or double quotes in one pair of single quotes (after
    `--option=`): jobsub_lite's quote layer takes the pair off, and the legacy re-split (the
    drop-in's, if it still reads the script) keeps the word whole and its double quotes.
    Words that hold single quotes or backslashes are left as they are."""
    out = []
    for word in words:
        if any(c in word for c in ' \t"') and "'" not in word and "\\" not in word:
            option, eq, value = word.partition("=")
            word = f"{option}='{value}'" if eq and option.startswith("-") else f"'{word}'"
        out.append(word)
    return out


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
    target = _negatives_as_written(argv, plan.backend_argv[1:])
    final = plan
    if lite_reading(target) != lite_reading(argv):
        for exact, words in ((False, target), (True, target), (True, _protected(target))):
            edits, new = _merge(command, argv, words, exact)
            again = _safe_translate(command, new)
            if (_why_not(command, new, again) is None
                    and lite_reading(_negatives_as_written(new, again.backend_argv[1:]))
                    == lite_reading(new)):
                result.new, result.edits, final = new, edits, again
                break
        else:
            result.problem = (UNSTABLE, f"{command}: its jobsub_lite words "
                              f"({shlex.join(target)}) would be read differently by the "
                              "drop-in; rewrite the call by hand.")
            return result
        left = set(_codes(final))
        result.applied = [c for c in _codes(plan) if c not in left and c not in _QUOTING]
    result.about_values = {x.code for x in plan.warnings if any(
        0xE000 <= ord(c) < 0xF800 for c in x.message) or "\\ue" in x.message}
    result.remaining = [(x.code, f"{command}: {x.message}") for x in final.warnings
                        if x.code not in _INFORMATIONAL]
    return result


def _trial_codes(command: str, argv: list[str]) -> list[str]:
    """Legacy codes of a call whose unknown parts were replaced by a placeholder."""
    plan = _safe_translate(command, argv)
    if plan.error:
        return []
    return [c for c in _codes(plan) if c not in _INFORMATIONAL]


# Programs that run their arguments as a command, and those that only print them.
_RUNNERS = {"xargs", "ssh", "sudo", "su", "timeout", "watch", "parallel", "bash", "sh", "ksh",
            "zsh", "eval", "srun", "env"}
_MESSAGES = {"echo", "printf", ":", "print", "logger"}

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


def _command_name(word: str) -> str | None:
    """The drop-in a command word names (`/path/jobsub_submit.py` -> jobsub_submit)."""
    name = word.rsplit("/", 1)[-1]
    if name.endswith(".py"):
        name = name[:-3]
    return name if name in commands.DROPINS else None


def _mention_re() -> re.Pattern[str]:
    names = "|".join(sorted((re.escape(n) for n in commands.DROPINS), key=len, reverse=True))
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
        for start, end, text in sorted(self.edits, key=lambda e: (e[0], -e[1])):
            if start < at:
                continue  # inside a line already removed
            out.append(self.text[at:start])
            out.append(text)
            at = end
        out.append(self.text[at:])
        return "".join(out)

    def settle(self, line: int, command: str, argv: list[str],
               write: Callable[[Assessment], list[Edit] | str],
               by_hand: Callable[[Assessment], str] = lambda a: "") -> Assessment | None:
        """Assess one call and apply what it needs: the rewrite that `write` makes (or the
        reason it could not, then rewrite `by_hand`), and the reports. The assessment, or
        None when the call needs nothing or was reported."""
        assessment = assess(command, argv)
        if assessment.skip:
            return None
        if assessment.problem:
            self.report(line, *assessment.problem)
            return None
        if assessment.new is not None:
            edits = write(assessment)
            if isinstance(edits, str):
                self.report(line, CANNOT_WRITE, f"{command}: {edits}; rewrite it by hand"
                            f"{by_hand(assessment)}")
                return None
            self.add(line, edits, assessment)
        self.note(line, assessment)
        return assessment

    def note(self, line: int, assessment: Assessment) -> None:
        """Report what still needs a person after (or without) a rewrite."""
        for code, message in assessment.remaining:
            self.report(line, code, message)
