"""compat-matrix.md, generated from the option table (`jobsub-compat matrix`): a section
for every command of the registry that has an option table (commands/__init__.py)."""

from __future__ import annotations

from collections.abc import Iterable

from . import codes, options
from .commands import COMMANDS
from .commands.common import Fact
from .options import Fate, Option

HEADER = """# Compatibility matrix

Generated from `src/jobsub_compat/options.py` by `jobsub-compat matrix > compat-matrix.md`;
a test fails when this file is stale. Do not edit by hand.

Fates: **pass** (jobsub_lite reads it as the legacy client did), **rename** (legacy
spelling rewritten to the jobsub_lite one), **rewrite** (value or spelling rewritten, see
reason), **drop** (removed with a warning: the job is unchanged without it), **emulate**
(the drop-in does it itself), **refuse** (exit 2 with the fix: jobsub_lite cannot do it
and dropping it would change the job).

The rule for legacy-only options: a job must never silently behave differently. If an
option only steered the legacy server, its transport or its log formatting, it is dropped
with a warning; if jobsub_lite can do the same another way, it is rewritten or emulated;
otherwise it is refused.
"""

NOTES = """
## Notes on the quoting contract

The legacy client joined its server words with spaces and the legacy server re-split them
with Python's `shlex.split` (the legacy server ran Python 2's shlex; for the characters
real command lines use, Python 3's posix-mode splitting is the same). jobsub_lite 1.12
strips one pair of single quotes and one layer of backslashes from every word. The drop-in
computes the legacy words and writes each so that jobsub_lite's layer gives it back
unchanged; a `--lines` or `--append_condor_requirements` value that is valid ClassAd only
as written (not as re-split) is passed as written (JC205). Script arguments follow the
same contract: jobsub_lite joins them into the wrapper's command line, so bash re-splits
them on the worker much as the legacy wrapper did. The one exception is a script argument
jobsub_lite's parser would eat even after the executable (a first `--`, or an ambiguous
abbreviation of one of its options such as `--mail`): it is written `-- --`, or with an
empty pair of single quotes in front (`''--mail`), which jobsub_lite's parser takes for an
argument, HTCondor's `arguments` line keeps (its old syntax refuses double quotes) and the
job's bash command line removes (JC213).

`-e NAME=VALUE` values reached legacy jobs through an unquoted `echo` and `source`, so
whitespace inside a value collapsed; jobsub_lite keeps it. This difference is not
emulated: it only ever removed characters.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names) if names else "–"


def _row(row: Option) -> str:
    legacy = _names(row.legacy)
    if row.groups:
        legacy += f" ({', '.join(row.groups)})"
    lite = _names(row.lite)
    if row.fate == Fate.EMULATE and not row.lite:
        lite = "– (emulated)"
    reason = row.reason
    if row.fate == Fate.REFUSE:
        reason = f"Refused: {row.reason}. Fix: {row.fix}"
    elif row.fate != Fate.PASS and row.fix and row.key not in ("help", "version"):
        reason = f"{row.reason}. {row.fix}"
    cells = (legacy, row.meaning, lite, row.fate, row.code or "", reason)
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


SELECTION_INTRO = """
## Job selection and exit statuses

What each drop-in selects and how it exits, legacy client vs jobsub-compat, from the legacy
client and server source (ddbox/jobsub: client/, server/webapp/). Each row's example is
translated by the tests (tests/commands/test_facts.py), which check the exit status and the words
jobsub_lite gets, so this table is what the code does.

The exit-status rule: the legacy client exited 2 only for what its option parser itself
rejected (optparse: an unknown option, an option without its value, an ambiguous
abbreviation), and 1 for its own checks (missing required arguments, a job id without
`@SCHEDD` or malformed, a bad date) and for everything the server refused (for
jobsub_submit and jobsub_submit_dag that is every bad line but a client option without its
value). The drop-ins do the same; a query or action that failed in condor exits 1 (as the
legacy server's failure did), although jobsub_lite exits 0.
"""


def _example(command: str, fact: Fact) -> str:
    import shlex

    env = [f"-u {k}" for k, v in fact.env.items() if v is None]
    env += [f"{k}={v}" for k, v in fact.env.items() if v is not None]
    line = " ".join(["env", *env] if env else []) + f" {command} {shlex.join(fact.argv)}"
    result = f"exit {fact.status}"
    if fact.words:
        result += f"; jobsub_lite gets `{shlex.join(fact.words)}`"
    if fact.absent:
        result += f", no `{'`, `'.join(fact.absent)}`"
    if fact.code:
        result += f"; {fact.code}"
    return f"`{line.strip()}` → {result}"


def selection_tables() -> list[str]:
    from .commands import fetchlog, history, q, rm, submit

    out = [SELECTION_INTRO]
    for names, facts in (("jobsub_q", q.facts()), ("jobsub_rm, jobsub_hold, jobsub_release",
                                                   rm.facts()),
                         ("jobsub_history", history.facts()),
                         ("jobsub_fetchlog", fetchlog.facts()),
                         ("jobsub_submit, jobsub_submit_dag", submit.facts())):
        out.append(f"### `{names.replace(', ', '`, `')}`\n")
        out.append("| what | legacy client | jobsub-compat | e.g. |")
        out.append("|---|---|---|---|")
        command = names.split(",")[0]
        out.extend("| " + " | ".join(_cell(c) for c in (
            f.aspect, f.legacy, f.ours, _example(command, f))) + " |" for f in facts)
        out.append("")
    return out


def _code_table(names: Iterable[str]) -> list[str]:
    out = ["| code | severity | meaning | instead |", "|---|---|---|---|"]
    for name in names:
        found = codes.describe(name)
        assert found is not None
        out.append("| " + " | ".join(_cell(c) for c in (
            name, found.severity, found.text, found.replacement)) + " |")
    return out


def render() -> str:
    out = [HEADER]
    for command, rows in ((c.name, options.TABLES[c.table]) for c in COMMANDS.values()
                          if c.table):
        out.append(f"## `{command}`\n")
        if command == "jobsub_submit_dag":
            shared = {r.key for r in options.SUBMIT}
            missing = sorted(r.legacy[0] for r in options.SUBMIT
                             if r.where != "lite" and r.key not in {x.key for x in rows})
            out.append(f"Every `jobsub_submit` option above, with the same fate, except "
                       f"{', '.join(f'`{m}`' for m in missing)} (not `{command}` options); "
                       "and these:\n")
            rows = tuple(r for r in rows if r.key not in shared or r not in options.SUBMIT)
        out.append("| legacy option | meaning | jobsub_lite equivalent | fate | code | reason |")
        out.append("|---|---|---|---|---|---|")
        out.extend(_row(r) for r in rows if r.where != "lite")
        out.append("")
        lite_only = [r for r in rows if r.where == "lite"]
        if lite_only:
            out.append(f"### jobsub_lite-only options of `{command}` (passed unchanged)\n")
            out.append(", ".join(f"`{r.lite[0]}`" for r in lite_only))
            out.append("")
    out.extend(selection_tables())
    review = {c for c, (severity, _, _) in codes.CODES.items() if severity == codes.REVIEW}
    out.append("## Codes not tied to one option\n")
    out.append("Severity: " + "; ".join(f"**{name}**: {what}"
                                        for name, what in codes.SEVERITIES.items()) + ".\n")
    out.extend(_code_table(sorted(set(codes.CODES) - review)))
    out.append("\n## Codes of `jobsub-compat migrate` (places that need a person)\n")
    out.extend(_code_table(sorted(review)))
    out.append(NOTES)
    return "\n".join(out)
