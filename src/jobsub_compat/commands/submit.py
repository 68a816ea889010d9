"""jobsub_submit: a legacy submit line in, the jobsub_lite 1.12 line and its warnings out.

translate() computes the legacy words (legacy.resplit), parses them with the option table
(legacy.parse), applies each occurrence through its row's handler (fates.py), and writes
every word so that jobsub_lite's own quote layer gives back exactly the legacy word
(lite.quote_for_lite).
"""

from __future__ import annotations

import re
import sys

from .. import codes as w
from .. import fates, legacy, lite, options
from ..legacy import Item, Parsed
from ..plan import Plan, one_line
from ..rewrite import Words, note_grammar, spelling
from ..warnings import UsageError
from . import COMMANDS, common

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

COMMAND = "jobsub_submit"


def _group_hint(words: list[str], environ: Mapping[str, str]) -> str | None:
    """The group, looked up before parsing because group-specific options depend on it."""
    group = None
    for i, word in enumerate(words):
        if word.startswith(legacy.EXE_PREFIX):
            break
        if word in ("-G", "--group") and i + 1 < len(words):
            group = words[i + 1]
        elif word.startswith(("--group=", "-G=")):
            group = word.split("=", 1)[1]
        elif word.startswith("-G") and len(word) > 2:
            group = word[2:]
    return group or environ.get("JOBSUB_GROUP") or environ.get("GROUP") or None


def translate(argv: list[str], environ: Mapping[str, str],
              lite_version: str | None = None, backend_path: str = COMMAND,
              command: str = COMMAND) -> Plan:
    """The Plan for one legacy `jobsub_submit` call (nothing is run).

    `command` picks the option table: jobsub_submit_dag shares this grammar."""
    plan = Plan(command)
    try:
        _translate(plan, argv, environ, lite_version, backend_path)
    except UsageError as exc:
        plan.error = one_line(str(exc) if exc.code is None else f"[{exc.code}] {exc}")
        plan.exit_code = exc.status or COMMANDS[command].check_status
    return plan


def _value_missing(command: str, argv: list[str]) -> None:
    """The one usage error the legacy client's own optparse made (exit 2): a client option
    that takes a value as the last word (client/jobsub_submit split_client_server_args:
    `parser.error('%s option requires an argument')`). Every other bad line went to the
    server, which refused it, and the client exited 1."""
    exe_at = legacy.find_executable(argv)
    if not argv or exe_at is not None:
        return
    row = next((r for r in options.TABLES[command]
                if r.where == "client" and r.nargs and argv[-1] in r.legacy), None)
    if row is not None:
        raise UsageError(f"{argv[-1]} option requires an argument ({row.metavar})", status=2)


def _translate(plan: Plan, argv: list[str], environ: Mapping[str, str],
               lite_version: str | None, backend_path: str) -> None:
    exe_at = legacy.find_executable(argv)
    head = argv if exe_at is None else argv[:exe_at]
    if any(word in ("-h", "--help") for word in head):
        common.answer(plan, "help")
        return
    if any(row.handler == "manual" and set(row.legacy) & set(head)
           for row in options.TABLES[plan.command]):
        common.answer(plan, "manual")
        return
    if "--version" in head:
        common.answer(plan, "version")
        return

    _value_missing(plan.command, argv)
    words, origin = legacy.resplit(argv)
    grammar = legacy.Grammar(options.rows_for(plan.command, _group_hint(words, environ)),
                             plan.command)
    parsed = legacy.parse(words, grammar)
    if exe_at is not None and parsed.executable != argv[exe_at]:
        lost = legacy.lost_executable(argv, exe_at, words, origin, parsed)
        if lost:
            raise UsageError(lost)
    call = fates.Call(plan, grammar, parsed, environ)
    call.lite_version, call.raw, call.origin = lite_version, argv, origin

    for item in list(parsed.items):
        early = fates.EARLY.get(item.row.handler)
        if early:
            early(call, item)

    if parsed.executable is None and all(i.row.where == "client" for i in parsed.items):
        # No server words at all: the legacy client printed its help, exit 0
        # (client/jobsub_submit parse_opts: `if not srv_argv: options.help = True`).
        common.answer(plan, "help")
        return
    common.note_identity(plan, parsed, environ)
    if parsed.executable is None and not any(i.row.submits_nothing for i in parsed.items):
        raise UsageError("no executable: give file://SCRIPT after the options")

    if "JOBSUB_SERVER" in environ:
        plan.env["JOBSUB_SERVER"] = None
        plan.warn(w.ENV_JOBSUB_SERVER, "$JOBSUB_SERVER names a legacy jobsub server; "
                  "jobsub_lite has none; unset for jobsub_lite. Remove it from your setup.")

    _last_wins(plan, parsed.items)
    fates.one_dropbox(plan, parsed.items)
    try:
        for item in parsed.items:
            note_grammar(plan, item, grammar)
            if item.row.submits_nothing:
                plan.expect_job_id = False
            fates.apply(call, item)
    except fates.Answered as answered:
        common.answer(plan, answered.what)
        return

    out = call.out
    if len(call.requirements) > 1 and not fates.version_at_least(lite_version, "1.4"):
        _join_requirements(plan, out, call.requirements, grammar)
    for check in call.checks:
        check(call)
    if call.show_parsing:
        plan.action = "print"
        plan.text = _show_parsing(words, parsed)
        return

    arguments = _protect_arguments(plan, parsed.arguments, grammar)
    final = out.words + ([parsed.executable] if parsed.executable else []) + arguments
    quoted = [lite.quote_for_lite(x) for x in final]
    regrouped = any(
        i not in call.as_written and (len(origin[i]) != 1 or word != argv[origin[i][0]])
        for i, word in enumerate(words))
    if quoted != final or regrouped:
        _note_requote(plan, argv, words)
    if "" in argv:
        plan.warn(w.EMPTY_WORDS, f"{argv.count('')} empty word(s) ignored, as the legacy server "
                  "did; jobsub_lite would fail on them. Quote the variable that expands to "
                  "nothing only when it is not empty.")
    plan.backend_argv = [backend_path] + quoted


def _protect_arguments(plan: Plan, arguments: list[str], grammar: legacy.Grammar) -> list[str]:
    """Script arguments that jobsub_lite's parser would eat or reject.

    argparse drops a first `--` and stops at an ambiguous abbreviation of one of its
    options even after the executable (but not after a `--`). jobsub_lite joins the
    arguments into the job wrapper's bash command line and into the submit file's
    `arguments` line (HTCondor's old syntax there: a double quote is an error, a single
    quote is kept). An empty pair of single quotes before the word passes both, and the
    job's bash removes it and reads the rest exactly as it reads any other argument."""
    protected: list[str] = []
    for k, arg in enumerate(arguments):
        if "--" in arguments[:k]:
            protected.append(arg)  # argparse reads every word after a `--` as positional
        elif k == 0 and arg == "--":
            protected += ["--", "--"]  # argparse removes the first one
            plan.warn(w.PROTECTED_ARGUMENT, "script argument -- would be dropped by "
                      "jobsub_lite's parser; passed as -- -- so the script still gets it.")
        elif grammar.lite_rejects(arg):
            protected.append("''" + arg)
            plan.warn(w.PROTECTED_ARGUMENT, f"script argument {arg} reads as an ambiguous "
                      "jobsub_lite option, which jobsub_lite rejects even after the "
                      f"executable; passed as ''{arg} (HTCondor's arguments line keeps the "
                      "empty quotes, the job's bash command line removes them).")
        else:
            protected.append(arg)
    return protected


def _last_wins(plan: Plan, items: list[Item]) -> None:
    """Legacy kept only the last of a store option that jobsub_lite repeats."""
    for item in list(items):
        row = item.row
        if row.legacy_repeat == "last" and row.lite_repeat == "append":
            same = [i for i in items if i.row.key == row.key]
            if any(i.seen not in row.legacy for i in same):
                continue  # a jobsub_lite spelling: the line was written for jobsub_lite
            if len(same) > 1 and item is not same[-1]:
                items.remove(item)
                plan.warn(w.REPEATED_LAST_WINS, f"{item.seen} {item.values[0]} is overridden by "
                          f"a later {same[-1].seen} (the legacy client kept the last); dropped. "
                          f"Give {row.lite_spelling} once.")


def _join_requirements(plan: Plan, out: Words, items: list[Item],
                       grammar: legacy.Grammar) -> None:
    """jobsub_lite before 1.4 keeps only the last -c: give it one joined requirement."""
    joined = " && ".join(f"({i.values[0]})" for i in items)
    for item in items:
        out.words = _remove_option(out.words, spelling(item, grammar), item.values[0],
                                   item.form)
    out.option("--append_condor_requirements", [joined], "eq")
    plan.warn(w.REPEATED_JOINED, f"{len(items)} -c requirements joined into one, because "
              "the installed jobsub_lite (before 1.4) keeps only the last. Upgrade "
              "jobsub_lite or join them with &&.")


def _remove_option(words: list[str], spelling: str, value: str, form: str) -> list[str]:
    probe = Words()
    probe.option(spelling, [value], form)
    n = len(probe.words)
    for i in range(len(words) - n + 1):
        if words[i:i + n] == probe.words:
            return words[:i] + words[i + n:]
    return words  # pragma: no cover - the option was written just before


def _note_requote(plan: Plan, argv: list[str], words: list[str]) -> None:
    given = len([a for a in argv if a])
    how = f"{given} words became {len(words)}" if given != len(words) else \
        "quotes and backslashes taken out"
    plan.warn(w.REQUOTED, f"the legacy server re-split this command line with shell quoting "
              f"rules ({how}); jobsub_lite gets exactly those words, quoted for its own quote "
              "layer.")


def _show_parsing(words: list[str], parsed: Parsed) -> str:
    lines = ["legacy words after the server's re-split:"]
    lines += [f"  [{i}] {word!r}" for i, word in enumerate(words)]
    lines.append("options:")
    for item in parsed.items:
        shown = " ".join(repr(v) for v in item.values)
        lines.append(f"  {item.seen} -> {item.row.key} {shown}".rstrip())
    lines.append(f"executable: {parsed.executable}")
    lines.append(f"arguments: {parsed.arguments!r}")
    return "\n".join(lines) + "\n"


_USE_JOB_ID = re.compile(r"Use job id (\S+) to retrieve output")


class SubmitOutput:
    """The legacy submit output: `JobsubJobId of first job: ID` before jobsub_lite's
    `Use job id ID to retrieve output`, or only the id with --jobid-output-only."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.job_id: str | None = None
        self.held: list[str] = []

    def line(self, text: str) -> str | None:
        match = _USE_JOB_ID.search(text)
        if match and self.job_id is None:
            self.job_id = match.group(1)
            if not self.plan.jobid_only:
                return f"JobsubJobId of first job: {self.job_id}\n{text}"
        if self.plan.jobid_only:
            self.held.append(text)
            return None
        return text

    def finish(self, status: int) -> int:
        if self.plan.jobid_only:
            if self.job_id:
                sys.stdout.write(self.job_id + "\n")
                sys.stdout.flush()
            else:  # nothing is lost: what jobsub_lite said goes to stderr
                sys.stderr.write("".join(self.held))
        if status != 0 or not self.plan.expect_job_id or self.job_id:
            return status
        sys.stderr.write(f"{self.plan.command}: error [{w.NO_JOB_ID}]: jobsub_lite reported "
                         "no job id, so the submission failed (see its messages above); exit 1 "
                         "as the legacy client did\n")
        return 1


def facts() -> tuple[common.Fact, ...]:
    """jobsub_submit's (and jobsub_submit_dag's) rows of the exit-status table."""
    fact, exe = common.Fact, "file:///bin/true"
    return (
        fact("group", "-G, else $JOBSUB_GROUP; none: `Missing required arguments`, exit 1",
             "the same; $GROUP too, as jobsub_lite reads it (JC304)", (exe,),
             code=w.GROUP_FROM_ENV,
             env={"JOBSUB_GROUP": None, "GROUP": "gm2"}),
        fact("no group", "exit 1", "exit 1", (exe,), status=1, env={"JOBSUB_GROUP": None}),
        fact("-e NAME, NAME unset or empty", "refused by the server (JobSettings.py "
             "checkSanity: `you used -e NAME , but $NAME must be set first!`; the client "
             "sent only non-empty variables), exit 1", "refused, exit 1 (JC302)",
             ("-e", "JOBSUB_COMPAT_UNSET_EXAMPLE", exe), status=1, code=w.ENV_UNSET_VARIABLE),
        fact("unknown option", "passed to the server, which refused it: exit 1", "exit 1",
             ("--frobnicate", exe), status=1),
        fact("client option without its value", "optparse (`option requires an "
             "argument`), exit 2", "exit 2", ("--role",), status=2),
    )
