"""What the drop-ins share: `--help` from the option table, the start of a translation
for commands parsed locally by the legacy client, the legacy job-id rules, the group, and
the facts of each drop-in's selection table in compat-matrix.md."""

from __future__ import annotations

from .. import codes as w
from .. import fates, legacy, options
from ..legacy import Parsed
from ..options import Fate
from ..plan import Plan, one_line
from ..rewrite import note_grammar
from ..warnings import UsageError
from . import COMMANDS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Callable

    # The command-specific part of a translation: it reads and adds to the Call.
    Body = Callable[[fates.Call], None]


def is_job_id(text: str) -> bool:
    """CLUSTER[.PROC]@SCHEDD as the legacy client checked it (jobsubClient.py check_id,
    both versions): the text matches `^[0-9]+\\.*[0-9]*\\@[\\w]+[\\w\\-\\_\\.\\@]*.fnal.gov$`
    (Python 2 str pattern: ASCII \\w; `.` any character but a newline). String methods,
    not re: its import would cost every job-management call ~5 ms."""
    head, at, schedd = text.partition("@")
    cluster = head.rstrip(".")
    proc = ""
    if "." in cluster:
        cluster, _, proc = cluster.partition(".")
        proc = proc.lstrip(".")
    # `[0-9]+\.*[0-9]*`: digits, dots, digits ("1..2" too, as the regex allowed).
    digits = cluster + proc
    if not (at and cluster and digits.isascii() and digits.isdigit()):
        return False
    # `[\w]+[\w\-\_\.\@]*.fnal.gov$`: a word character, then those, one character, then
    # "fnal", one character, "gov" (unescaped dots), at the end or before a final newline.
    if schedd.endswith("\n"):
        schedd = schedd[:-1]
    body, tail = schedd[:-8], schedd[-8:]
    return (len(body) >= 2 and tail[:4] == "fnal" and tail[5:] == "gov" and "\n" not in tail
            and word_char(body[0]) and body[-1] != "\n"
            and all(word_char(c) or c in "-_.@" for c in body[1:-1]))


def word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")  # Python 2's \w for str


def is_cluster(text: str) -> bool:
    """CLUSTER or CLUSTER.PROC without a schedd: jobsub_lite hands it to condor as a job."""
    cluster, dot, proc = text.partition(".")
    return cluster.isascii() and cluster.isdigit() and (
        not dot or (proc.isascii() and proc.isdigit()))


def split_job_id(job: str) -> tuple[str, str, str]:
    """(cluster, proc or "", schedd) of a legacy job id; `1.@s` and `1@s` are cluster 1."""
    head, _, schedd = job.partition("@")
    cluster, _, proc = head.partition(".")
    return cluster, proc.strip("."), schedd


def says(line: str, phrases: tuple[str, ...], start: str = "") -> bool:
    """Does a line of the backend's output hold one of the (lower-case) phrases, or start
    with `start`, in any case? (How the drop-ins read condor's messages; plain text.)"""
    lower = line.lower()
    return bool(start) and lower.startswith(start) or any(p in lower for p in phrases)


def logged(line: str) -> bool:
    """Is this a Python logging record of jobsub_lite's own (`ERROR:root:importing
    tracing`, printed when its optional tracing module is missing), not condor's
    `Error: ...`/`ERROR: ...`? Those have no space after `LEVEL:`."""
    level, colon, rest = line.partition(":")
    return bool(colon) and level.isupper() and level.isalpha() and rest[:1] not in ("", " ",
                                                                                    "\t", "\n")


def has_word(line: str, word: str) -> bool:
    """The (lower-case) `word` in any case between non-word characters, as the regex
    `\\bword\\b` with IGNORECASE finds it."""
    lower = line.lower()
    at = lower.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not _re_word(lower[at - 1])) and \
                (end == len(lower) or not _re_word(lower[end])):
            return True
        at = lower.find(word, at + 1)
    return False


def _re_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # Python 3's \w for str patterns


def help_text(command: str) -> str:
    """--help, derived from the option table."""
    lines = [
        f"usage: {COMMANDS[command].usage}",
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
    elif options.CONDOR_OPTIONS.get(command):
        lines.append("Other words are handed to jobsub_lite, which passes them to HTCondor "
                     "(options of the condor tool it wraps only).")
    return "\n".join(lines) + "\n"


def translate(command: str, argv: list[str], environ: Mapping[str, str],
              body: Body, refusal_status: int | None = None, backend_path: str | None = None
              ) -> Plan:
    """A Plan for a locally parsed command: help and version first, then the refused and
    dropped rows (their fates.py handlers), then `body` for the rest, which applies their
    handlers (an abbreviated --help or --version is answered here); usage errors end the
    plan with the legacy status (UsageError.status, else the registry's check_status;
    `refusal_status` for a refused row). `backend_path` starts the jobsub_lite argv that
    `body` completes."""
    plan = Plan(command)
    plan.backend_argv = [backend_path or command]
    if any(word in ("-h", "--help") for word in argv):
        answer(plan, "help")
        return plan
    if "--version" in argv:
        answer(plan, "version")
        return plan
    try:
        grammar = legacy.Grammar(options.rows_for(command, None), command)
        try:
            parsed = legacy.parse(argv, grammar, passthrough=True)
        except UsageError as exc:  # what optparse rejected itself: exit 2
            raise UsageError(str(exc), exc.code, 2) from None
        for word in parsed.passed:
            if not word.startswith("-") or word == "-":
                continue  # condor's owner or job words (the legacy client ignored them)
            if word.startswith("--"):
                try:  # optparse's ambiguous prefix of a legacy option
                    grammar.resolve_long(word.partition("=")[0])
                except UsageError as exc:
                    raise UsageError(str(exc), status=2) from None
            if not condor_option(command, word):
                raise UsageError(f"unknown option {word.partition('=')[0]}; see {command} "
                                 "--help", status=2)
        call = fates.Call(plan, grammar, parsed, environ, refusal_status)
        for item in list(parsed.items):
            note_grammar(plan, item, grammar)
            row = item.row
            if row.integer and not _is_int(item.values[0]):
                raise UsageError(f"option {item.seen}: invalid integer value: "
                                 f"'{item.values[0]}'", status=2)  # optparse's type='int'
            if row.fate in (Fate.REFUSE, Fate.DROP):
                fates.apply(call, item)  # a refusal raises; a drop warns
                parsed.items.remove(item)
        try:
            body(call)
        except fates.Answered as answered:  # an abbreviated --help or --version
            plan.backend_argv = []
            answer(plan, answered.what)
            return plan
        note_identity(plan, parsed, environ, False)
    except Unavailable as exc:
        plan.error, plan.exit_code, plan.backend_argv = one_line(str(exc)), 1, []
    except UsageError as exc:
        plan.error = one_line(str(exc) if exc.code is None else f"[{exc.code}] {exc}")
        plan.exit_code = exc.status if exc.status is not None else \
            COMMANDS[command].check_status
        plan.backend_argv = []
    return plan


def answer(plan: Plan, what: str) -> None:
    """--help, --version or -manual (fates.Answered.what): the drop-in answers the call
    itself, as the legacy client's optparse did."""
    if what == "version":
        plan.action = "version"
    elif what == "manual":
        from .dagfile import MANUAL

        plan.action, plan.text = "print", MANUAL
    else:
        plan.action, plan.text = "print", help_text(plan.command)


def note_identity(plan: Plan, parsed: Parsed, environ: Mapping[str, str],
                  required: bool = True) -> None:
    """The call's group and role in plan.details (for the token and the log), each checked
    as a name."""
    plan.details.setdefault("group", group_of(parsed, environ, required, plan) or "")
    roles = [i.values[0] for i in parsed.items if i.row.key == "role"]
    if roles:
        plan.details.setdefault("role", roles[-1])
    check_names(plan, parsed, environ, any(i.row.key == "group" for i in parsed.items))


def _is_int(text: str) -> bool:
    digits = text.strip()
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    return digits.isascii() and digits.isdigit()


def check_names(plan: Plan, parsed: Parsed, environ: Mapping[str, str], given: bool) -> None:
    """The call's group, role and subgroups are names (tokens.valid_name): each ends up in
    a file name and a token lookup, so `-G ../../etc` is a usage error."""
    from .. import tokens

    group = plan.details.get("group")
    if group:
        where = "-G" if given else "JOBSUB_GROUP" if environ.get("JOBSUB_GROUP") else "GROUP"
        tokens.check_name("group", _known_part(group), where)
    for item in parsed.items:
        if item.row.key in ("role", "subgroup"):
            tokens.check_name(item.row.key, _known_part(item.values[0]), item.seen)


def _known_part(name: str) -> str:
    """The name as far as it is known: a run-time value (migrate's `-G $GROUP`) is judged
    when it is known, so it stands here as a letter; the text around it is judged now."""
    if not legacy.holds_runtime_value(name):
        return name
    return "".join("a" if legacy.is_runtime_value(c) else c for c in name)


class Unavailable(UsageError):
    """What the legacy command did cannot be done any more: one line, exit 1."""


def condor_option(command: str, word: str) -> bool:
    """Is `word` an option of the condor tool jobsub_lite hands it to (after jobsub_lite's
    own `--x` -> `-x`)? Condor reads any prefix of at least the given length, and
    `-opt:qualifiers` (options.CONDOR_OPTIONS)."""
    if word.startswith("--"):
        word = word[1:]
    name = word[1:].partition(":")[0]
    return bool(name) and any(full.startswith(name) and len(name) >= least
                              for full, least in options.CONDOR_OPTIONS.get(command, ()))


def group_of(parsed: Parsed, environ: Mapping[str, str], required: bool = True,
             plan: Plan | None = None) -> str | None:
    """-G (the last, as optparse and argparse kept it), else $JOBSUB_GROUP, else $GROUP:
    the legacy client read only $JOBSUB_GROUP (`default=os.environ.get('JOBSUB_GROUP')`
    in every client/jobsub_* parser); jobsub_lite reads $GROUP, and so do we, with
    GROUP_FROM_ENV. `required` (rm, hold, release, history, fetchlog): none is legacy's
    "Missing required arguments", exit 1."""
    given = [i for i in parsed.items if i.row.key == "group"]
    for item in given[:-1]:
        if plan and item.values[0] != given[-1].values[0]:
            plan.warn(w.REPEATED_LAST_WINS, f"{item.seen} {item.values[0]} is overridden by "
                      f"the later {given[-1].seen} {given[-1].values[0]} (the legacy client "
                      "kept the last); dropped. Give -G once.")
    group = (given[-1].values[0] if given else None) or environ.get("JOBSUB_GROUP") or None
    if not group and environ.get("GROUP"):
        group = environ["GROUP"]
        if plan:
            plan.warn(w.GROUP_FROM_ENV, f"the group {group} comes from $GROUP, which the "
                      "legacy client did not read (only $JOBSUB_GROUP); jobsub_lite reads "
                      f"it, so it is used. Give -G {group} or export JOBSUB_GROUP={group}.")
    if required and not group:
        raise UsageError("no group: give -G GROUP or export JOBSUB_GROUP=GROUP (the legacy "
                         "client's \"Missing required arguments\")")
    return group


def jobid_code() -> str:
    """The code of the --jobid rows (one shared row in every table that has one)."""
    return options.code_of("jobsub_q", "jobid")


def check_ids(value: str) -> None:
    """The legacy --jobid callback: the value must hold an `@` (jobsubClient.py
    jid_callback, on the whole value: `sys.exit(...)`, exit 1)."""
    if "@" not in value:
        raise UsageError(f"jobid ({value}) is missing an '@', it must be of the form "
                         "number@server, e.g. 313100.0@jobsub01.fnal.gov", jobid_code())


def malformed(job: str) -> UsageError:
    """check_id's refusal (jobsubClient.py: `ERROR: --jobid '%s' is malformed`, exit 1)."""
    return UsageError(f"--jobid '{job}' is malformed: write CLUSTER[.PROC]@SCHEDD, e.g. "
                      "12345.0@jobsub01.fnal.gov", jobid_code())


def job_id(value: str) -> str:
    """One legacy job id (jobsub_history, jobsub_fetchlog: the whole value is checked)."""
    check_ids(value)
    if not is_job_id(value):
        raise malformed(value)
    return value


def job_ids(value: str, many: bool = True) -> list[str]:
    """Every id of a comma list, each checked as the legacy client checked it (for
    jobsub_prio)."""
    check_ids(value)
    ids = value.split(",") if many else [value]
    for job in ids:
        if not is_job_id(job):
            raise malformed(job)
    return ids


class Fact:
    """One row of a drop-in's selection and exit-status table in compat-matrix.md: what
    the legacy client did (with its source), what the drop-in does, and a call that shows
    it (`argv`, translated in FACT_ENV updated with `env`; None unsets). `problems` checks
    the drop-in's Plan for it: the exit status (a bad id after acted-on ones counts as its
    exit 1), `words` together in the jobsub_lite argv, none of `absent`, the warning
    `code`. tests/commands/test_facts.py runs every call, so the table is what the code does."""

    def __init__(self, aspect: str, legacy: str, ours: str, argv: tuple[str, ...],
                 status: int = 0, words: tuple[str, ...] = (), absent: tuple[str, ...] = (),
                 code: str = "", env: dict[str, str | None] | None = None) -> None:
        self.aspect, self.legacy, self.ours, self.argv = aspect, legacy, ours, argv
        self.status, self.words, self.absent, self.code = status, words, absent, code
        self.env = env or {}

    def environ(self) -> dict[str, str]:
        env = dict(FACT_ENV)
        for name, value in self.env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def problems(self, plan: Plan) -> list[str]:
        found = []
        status = plan.exit_code or (1 if plan.details.get("after") else 0)
        if status != self.status:
            found.append(f"exit {status}, not {self.status} ({plan.error})")
        got, n = plan.backend_argv[1:], len(self.words)
        if n and not any(got[i:i + n] == list(self.words) for i in range(len(got) - n + 1)):
            found.append(f"{list(self.words)} not in {got}")
        found += [f"{word} in {got}" for word in self.absent if word in got]
        if self.code and self.code not in [x.code for x in plan.warnings] + [
                (plan.error or "")[1:6]]:
            found.append(f"no {self.code}")
        return found


# The environment every Fact's call is translated in.
FACT_ENV = {"PATH": "/usr/bin", "JOBSUB_GROUP": "gm2", "USER": "alice"}


def status_facts(target: tuple[str, ...], check: str, check_argv: tuple[str, ...],
                 unknown: str = "exit 2 (options of the condor tool jobsub_lite wraps pass "
                 "on, as they do through jobsub_lite)") -> tuple[Fact, ...]:
    """The exit-status rows every locally parsed drop-in shares; `target` makes the rest
    of the line valid, `check` names the client's own checks and `check_argv` fails one."""
    return (
        Fact("unknown option", "optparse: `no such option`, exit 2", unknown,
             (*target, "--frobnicate"), status=2),
        Fact("option without its value", "optparse: `option requires an argument`, exit 2",
             "exit 2", (*target, "-G"), status=2),
        Fact("the client's own checks", f"{check}: exit 1", "exit 1, one line", check_argv,
             status=1),
    )
