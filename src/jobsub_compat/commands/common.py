"""What the drop-ins share: `--help` from the option table, the start of a translation
for commands parsed locally by the legacy client, and the legacy job-id rule."""

from __future__ import annotations

from .. import legacy, options
from ..legacy import Parsed
from ..options import Fate
from ..plan import Plan, one_line
from ..rewrite import note_grammar
from ..warnings import UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Callable

    # The command-specific part of a translation.
    Body = Callable[[Plan, Parsed, legacy.Grammar, Mapping[str, str]], None]


USAGE = {
    "jobsub_submit": "jobsub_submit [options] file://SCRIPT [script arguments]",
    "jobsub_submit_dag": "jobsub_submit_dag [options] file://DAG_DESCRIPTION_FILE",
    "jobsub_q": "jobsub_q [-G GROUP] [--user USER | --jobid ID | --constraint EXPR] [view]",
    "jobsub_rm": "jobsub_rm -G GROUP (--jobid IDS | --user USER | --constraint EXPR)",
    "jobsub_hold": "jobsub_hold -G GROUP (--jobid IDS | --user USER | --constraint EXPR)",
    "jobsub_release": "jobsub_release -G GROUP (--jobid IDS | --user USER | --constraint EXPR)",
    "jobsub_history": "jobsub_history -G GROUP [--user USER] [--jobid ID] [--qdate-ge DATE]",
    "jobsub_fetchlog": "jobsub_fetchlog -G GROUP --jobid ID [--dest-dir DIR] | --list",
    "jobsub_status": "jobsub_status -G GROUP --sites",
    "jobsub_prio": "jobsub_prio -G GROUP --jobid IDS --prio N",
    "jobsub_preload": "jobsub_preload -G GROUP file://TARBALL",
    "jobsub_probe_url": "jobsub_probe_url -G GROUP --endpoint PATH",
}


def is_job_id(text: str) -> bool:
    """CLUSTER[.PROC]@SCHEDD, as the legacy client checked it (legacy-jobsub.md §11): the
    whole text matches `[0-9]+\\.?[0-9]*@\\w[\\w.@-]*`. String methods, not re: its
    import would cost every job-management call ~5 ms."""
    head, at, schedd = text.partition("@")
    cluster, _, proc = head.partition(".")
    return bool(at and schedd and cluster.isascii() and cluster.isdigit()
                and (not proc or (proc.isascii() and proc.isdigit()))
                and word_char(schedd[0]) and all(word_char(c) or c in ".@-" for c in schedd[1:]))


def word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # re's \w for str patterns


def says(line: str, phrases: tuple[str, ...], start: str = "") -> bool:
    """Does a line of the backend's output hold one of the (lower-case) phrases, or start
    with `start`, in any case? (How the drop-ins read condor's messages; plain text.)"""
    lower = line.lower()
    return bool(start) and lower.startswith(start) or any(p in lower for p in phrases)


def has_word(line: str, word: str) -> bool:
    """The (lower-case) `word` in any case between non-word characters, as the regex
    `\\bword\\b` with IGNORECASE finds it."""
    lower = line.lower()
    at = lower.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not word_char(lower[at - 1])) and \
                (end == len(lower) or not word_char(lower[end])):
            return True
        at = lower.find(word, at + 1)
    return False


def help_text(command: str) -> str:
    """--help, derived from the option table."""
    lines = [
        f"usage: {USAGE[command]}",
        "",
        f"Legacy jobsub_client {command} on jobsub_lite (jobsub-compat). Legacy options,",
        "quoting and environment are accepted; each is passed, rewritten, emulated, dropped",
        f"with a warning, or refused with the fix. `jobsub-compat explain -- {command} ...`",
        "shows the jobsub_lite line without running it.",
        "",
    ]
    sections = (("Legacy options", "server"), ("Experiment-specific legacy options", "group"),
                ("jobsub_lite options (passed unchanged)", "lite"))
    for title, kind in sections:
        rows = [r for r in options.TABLES[command]
                if kind == ("group" if r.groups else "lite" if r.where == "lite" else "server")]
        if not rows:
            continue
        lines.append(f"{title}:")
        for row in rows:
            names = ", ".join(row.legacy or row.lite)
            lines.append(f"  {names} {row.metavar}".rstrip())
            fate = "" if row.fate == Fate.PASS else f" [{row.fate}"
            if row.fate in (Fate.RENAME, Fate.REWRITE) and row.lite:
                fate += f" -> {row.lite_spelling}"
            fate += "]" if fate else ""
            group = f" ({', '.join(row.groups)} only)" if row.groups else ""
            lines.append(f"      {row.meaning}{group}{fate}")
        lines.append("")
    if command.startswith("jobsub_submit"):
        lines.append("Everything after the file:// word is passed on unparsed.")
    else:
        lines.append("Other words are handed to jobsub_lite, which passes them to HTCondor.")
    return "\n".join(lines) + "\n"


def translate(command: str, argv: list[str], environ: Mapping[str, str],
              body: Body, refusal_status: int = 2, backend_path: str | None = None) -> Plan:
    """A Plan for a locally parsed command: help and version first, then the rows'
    generic fates (refuse, drop), then `body` for the rest; usage errors end the plan.

    `refusal_status` 1 is for commands whose refusals mean "no longer available";
    `backend_path` starts the jobsub_lite argv that `body` completes."""
    plan = Plan(command)
    plan.backend_argv = [backend_path or command]
    if any(word in ("-h", "--help") for word in argv):
        plan.action, plan.text = "print", help_text(command)
        return plan
    if "--version" in argv:
        plan.action = "version"
        return plan
    try:
        grammar = legacy.Grammar(options.rows_for(command, None), command)
        parsed = legacy.parse(argv, grammar, passthrough=True)
        for item in list(parsed.items):
            note_grammar(plan, item, grammar)
            row = item.row
            if row.fate == Fate.REFUSE:
                raise UsageError(f"{item.seen} {row.reason}. {row.fix}", row.code)
            if row.fate == Fate.DROP:
                plan.warn(row.code or "", f"{item.seen} {row.reason}; dropped. {row.fix}")
                parsed.items.remove(item)
        body(plan, parsed, grammar, environ)
        plan.details.setdefault("group", group_of(parsed, environ, required=False) or "")
        roles = [i.values[0] for i in parsed.items if i.row.key == "role"]
        if roles:
            plan.details.setdefault("role", roles[-1])
        check_names(plan, parsed, environ, any(i.row.key == "group" for i in parsed.items))
    except Unavailable as exc:
        plan.error, plan.exit_code, plan.backend_argv = one_line(str(exc)), 1, []
    except UsageError as exc:
        plan.error = one_line(str(exc) if exc.code is None else f"[{exc.code}] {exc}")
        plan.exit_code = refusal_status if exc.code and _refused(command, exc.code) else 2
        plan.backend_argv = []
    return plan


def check_names(plan: Plan, parsed: Parsed, environ: Mapping[str, str], given: bool) -> None:
    """The call's group, role and subgroups are names (tokens.valid_name): each ends up in
    a file name and a token lookup, so `-G ../../etc` is a usage error."""
    from .. import tokens

    group = plan.details.get("group")
    if group:
        where = "-G" if given else "JOBSUB_GROUP" if environ.get("JOBSUB_GROUP") else "GROUP"
        tokens.check_name("group", group, where)
    for item in parsed.items:
        if item.row.key in ("role", "subgroup"):
            tokens.check_name(item.row.key, item.values[0], item.seen)


class Unavailable(UsageError):
    """What the legacy command did cannot be done any more: one line, exit 1."""


def _refused(command: str, code: str) -> bool:
    return any(r.code == code and r.fate == Fate.REFUSE for r in options.TABLES[command])


def group_of(parsed: Parsed, environ: Mapping[str, str], required: bool = True) -> str | None:
    """-G, else $JOBSUB_GROUP, else $GROUP (jobsub_lite needs one to find its schedds)."""
    given = [i.values[0] for i in parsed.items if i.row.key == "group"]
    if len(set(given)) > 1:
        raise UsageError(f"the group was given more than once ({', '.join(sorted(set(given)))});"
                         " give -G once")
    group = (given[-1] if given else None) or environ.get("JOBSUB_GROUP") or \
        environ.get("GROUP") or None
    if required and not group:
        raise UsageError("no group: give -G GROUP or export JOBSUB_GROUP=GROUP")
    return group


def job_ids(value: str, many: bool) -> list[str]:
    """The legacy client refused a job id without its schedd."""
    ids = [part for part in value.split(",") if part] if many else [value]
    for job in ids:
        if not is_job_id(job):
            raise UsageError(f"jobid ({job}) is missing an '@' or is not CLUSTER[.PROC]@SCHEDD; "
                             "write it as 12345.0@jobsub01.fnal.gov", "JC160")
    if not ids:
        raise UsageError("--jobid needs a value: CLUSTER[.PROC]@SCHEDD", "JC160")
    return ids
