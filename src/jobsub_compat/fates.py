"""What each row of options.py does: the handler every row names (`Option.handler`).

options.py says what becomes of an option (its fate, code, reason, fix); this module is
how. A row's `handler` names one function of HANDLERS, called once for each occurrence
of the option as `handler(call, item)`: it warns, writes jobsub_lite words into
`call.out` (or does not), and may change the Plan. Rows without a name of their own get
their fate's generic handler (pass, rename, drop, refuse); a rewrite or emulation always
names its own, and tests/test_fates.py fails for a row whose handler is missing.

Imports stay light (no re at module level): the job-management drop-ins load this module
on every call; what only a submission needs is imported where it is used.
"""

from __future__ import annotations

from . import codes as w
from . import legacy, userfiles
from .legacy import EXE_PREFIX, Item
from .rewrite import Words, spelling
from .warnings import UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Callable

    from .legacy import Grammar, Parsed
    from .plan import Plan

    Handler = Callable[["Call", Item], None]


class Call:
    """One translation in progress: what the handlers read, and what they add to.

    The last group of attributes is jobsub_submit's (the legacy server's re-split and the
    line's own rules); `view` is jobsub_q's, `terms` jobsub_history's."""

    def __init__(self, plan: Plan, grammar: Grammar, parsed: Parsed,
                 environ: Mapping[str, str], refusal_status: int | None = None) -> None:
        self.plan = plan
        self.grammar = grammar
        self.parsed = parsed
        self.environ = environ
        self.refusal_status = refusal_status  # None: the command's usage-error status
        self.out = Words()  # the jobsub_lite words, in order
        self.view = "default"  # jobsub_q: the legacy layout ("": condor's own output)
        self.terms: list[str] = []  # jobsub_history: the constraint's terms
        self.lite_version: str | None = None
        self.raw: list[str] = []  # the caller's words, before the legacy server's re-split
        self.origin: list[tuple[int, ...]] = []  # legacy word -> the raw words behind it
        self.as_written: set[int] = set()  # legacy words replaced by the caller's literal
        self.requirements: list[Item] = []  # the -c values, as written
        self.show_parsing = False
        self.checks: list[Callable[[Call], None]] = []  # rules of the whole line, run last

    def write(self, item: Item, values: list[str] | None = None) -> None:
        """The option as jobsub_lite reads it, spelled for it; new `values` become the
        occurrence's own (--show-parsing shows them)."""
        if values is not None:
            item.values = values
        self.out.option(spelling(item, self.grammar), item.values, item.form)

    def warn(self, item: Item, message: str) -> None:
        self.plan.warn(item.row.code or "", message)


class Answered(Exception):
    """A --help, --version or -manual among the rows (abbreviated, or inside a word the
    legacy server re-split): the drop-in answers the call itself (what: "help", "version"
    or "manual"), as the legacy client's optparse did."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


# --- every command: the fates' generic handlers ---------------------------------------------
def passed(call: Call, item: Item) -> None:
    call.write(item)


def renamed(call: Call, item: Item) -> None:
    row = item.row
    if item.seen not in row.lite:
        call.warn(item, f"{item.seen} {row.reason}; rewritten. {row.fix}")
    call.write(item)


def dropped(call: Call, item: Item) -> None:
    call.warn(item, f"{item.seen} {item.row.reason}; dropped. {item.row.fix}")


def refused(call: Call, item: Item) -> None:
    row = item.row
    raise UsageError(f"{item.seen} {row.reason}. {row.fix}", row.code, call.refusal_status)


def emulated(call: Call, item: Item) -> None:
    """The row's warning, `<option> <reason>. <fix>` (an emulation's or a rewrite's)."""
    call.warn(item, f"{item.seen} {item.row.reason}. {item.row.fix}")


def selection(call: Call, item: Item) -> None:
    """Read by the command's own selection (job ids, users, constraints), written there."""


def whole_call(call: Call, item: Item) -> None:
    """The command answers the whole call this way (jobsub_fetchlog --list, jobsub_prio
    --prio): its module does it, with its own warning, before or instead of the rows."""


def _answer(what: str) -> Handler:
    def answer(call: Call, item: Item) -> None:
        raise Answered(what)

    return answer


# --- jobsub_submit --------------------------------------------------------------------------
def dag_flag(call: Call, item: Item) -> None:
    """--dag: legacy ignored it; jobsub_lite reads the executable as a DAG file."""
    if _is_dag_file(call.parsed.executable):
        call.write(item, [])
    else:
        dropped(call, item)


def _is_dag_file(executable: str | None) -> bool:
    """Does the executable look like a DAG description (a tag in its first 64 KiB)? Only
    a regular file can be one."""
    if not executable:
        return False
    import re

    try:
        head = userfiles.read_head(executable[len(EXE_PREFIX):], 65536, "the executable")
    except userfiles.UserFileError:
        return False
    return bool(re.search(rb"<\s*(serial|parallel)\s*>", head, re.IGNORECASE))


def json_config(call: Call, item: Item) -> None:
    """Expanded before the rows are applied (expand_json_config); nothing more to write."""


JSON_CONFIG_LIMIT = 1 * userfiles.MiB  # --json-config: a file of options


def expand_json_config(call: Call, item: Item) -> None:
    """--json-config FILE: its options join the line's, as the legacy client read them."""
    parsed = call.parsed
    more, exe, args = _json_words(item.values[0], parsed)
    extra = legacy.parse(legacy.resplit(more)[0], call.grammar)
    for new in extra.items:
        new.words = ()  # no raw words of the command line behind them
    parsed.items.extend(extra.items)
    if exe:
        parsed.executable, parsed.arguments = exe, args
    call.warn(item, f"{item.seen} {item.values[0]}: {item.row.reason}. {item.row.fix}")


def _json_words(path: str, parsed: Parsed) -> tuple[list[str], str | None, list[str]]:
    """Option words, executable and arguments of a legacy --json-config file (a regular
    file of at most 1 MiB)."""
    import json
    import shlex

    try:
        text = userfiles.read_text(path, JSON_CONFIG_LIMIT, "--json-config")
    except userfiles.UserFileError as exc:
        raise UsageError(f"--json-config {path} {exc.reason}; give a JSON file of "
                         "options") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--json-config {path} is not valid JSON ({exc}); fix the "
                         "file") from None
    except RecursionError:
        raise UsageError(f"--json-config {path} nests too deeply to be options; fix the "
                         "file") from None
    if not isinstance(data, dict):
        raise UsageError(f"--json-config {path} must hold one JSON object of options")
    words: list[str] = []
    exe, args = None, []
    for key, value in data.items():
        if key.startswith("#"):
            continue
        if EXE_PREFIX in key:
            if parsed.executable:
                raise UsageError(f"--json-config {path} names an executable ({key}) and so "
                                 "does the command line; keep only one")
            exe = key
            args = [str(v) for v in value] if isinstance(value, list) else (
                shlex.split(str(value)) if value not in ("", None) else [])
            continue
        for one in value if isinstance(value, list) else [value]:
            text = str(one)
            if text == "True":
                words.append(key)
            elif text != "False":
                words.extend([key, text])
    return words, exe, args


def jobid_output_only(call: Call, item: Item) -> None:
    call.plan.jobid_only = True
    emulated(call, item)
    call.checks.append(_no_debug_beside_jobid_only)


def _no_debug_beside_jobid_only(call: Call) -> None:
    if any(i.row.key == "debug" for i in call.parsed.items):
        raise UsageError("--jobid-output-only cannot be combined with --debug (the legacy "
                         "client refused it too); drop one of them")


def x509_proxy(call: Call, item: Item) -> None:
    call.plan.env["X509_USER_PROXY"] = item.values[0]
    emulated(call, item)


def _with_unit(unit: str) -> Handler:
    """A size or a duration: a bare number gets the unit both clients assumed."""
    def write_unit(call: Call, item: Item) -> None:
        import re

        row, value = item.row, item.values[0]
        if re.match(r"^[0-9]+(\.[0-9]+)?$", value):
            call.warn(item, f"{item.seen}={value} has no unit; {row.reason}. "
                      f"Use {row.lite_spelling}={value}{unit}.")
            call.write(item, [value + unit])
            return
        if item.seen in row.legacy and item.seen not in row.lite:
            call.warn(item, f"{item.seen} is not a jobsub_lite spelling; rewritten. "
                      f"Use {row.lite_spelling}.")
        call.write(item)

    return write_unit


def usage_model_upper(call: Call, item: Item) -> None:
    name, eq, rest = item.values[0].partition("=")
    if eq and name.lower() == "usage_model" and rest != rest.upper():
        new = f"{name}={rest.upper()}"
        call.warn(item, f"{item.seen}={item.values[0]}: {item.row.reason}. Use "
                  f"{item.row.lite_spelling}={new}.")
        call.write(item, [new])
        return
    call.write(item)


def blocklist(call: Call, item: Item) -> None:
    use = "--blocklist" if version_at_least(call.lite_version, "1.4") else "--blacklist"
    if use != item.seen:
        call.warn(item, f"{item.seen} {item.row.reason}; rewritten. {item.row.fix}")
    call.out.option(use, item.values, item.form)


def version_at_least(version: str | None, wanted: str) -> bool:
    if not version:
        return True  # unknown: assume the 1.12 this project targets
    try:
        from . import site_packages

        site_packages()
        from packaging.version import InvalidVersion, Version
    except ImportError:  # pragma: no cover - packaging is a dependency; never a traceback
        import re

        def numbers(text: str) -> tuple[int, ...]:
            return tuple(int(p) for p in re.findall(r"[0-9]+", text)[:3])

        return numbers(version) >= numbers(wanted)
    try:
        return Version(version) >= Version(wanted)
    except InvalidVersion:
        return True


def verbose_level(call: Call, item: Item) -> None:
    if item.values:
        call.write(item)
        return
    emulated(call, item)
    call.write(item, ["1"])


def drain(call: Call, item: Item) -> None:
    call.out.option("--lines", ["+Drain=True"], "eq")
    emulated(call, item)


def show_parsing(call: Call, item: Item) -> None:
    call.show_parsing = True
    emulated(call, item)


def dry_run(call: Call, item: Item) -> None:
    """-n: jobsub_lite makes the submit files and submits nothing, so prints no job id."""
    call.plan.expect_job_id = False
    call.write(item)


def export_variable(call: Call, item: Item) -> None:
    """-e NAME takes the caller's value, which must be there."""
    name = item.values[0]
    if "=" not in name and not call.environ.get(name):
        # The client exported only non-empty variables (jobsubClient.py
        # get_server_env_exports: `if val:`), and the server's JobSettings.checkSanity
        # refused a -e NAME its environment lacked: unset and empty alike, exit 1.
        raise UsageError(f"you used {item.seen} {name}, but ${name} must be set first! "
                         f"(${name} is {'empty' if name in call.environ else 'unset'}; the "
                         f"legacy server refused this too) Export {name}=VALUE, or "
                         f"write {item.seen} {name}=VALUE.", w.ENV_UNSET_VARIABLE)
    call.write(item)


RETIRED_OS = {"SL5", "SL6", "SL7"}


def retired_os(call: Call, item: Item) -> None:
    retired = sorted({v.strip().upper() for v in item.values[0].split(",")} & RETIRED_OS)
    if retired:
        call.warn(item, f"{item.seen}={item.values[0]}: {item.row.reason}. {item.row.fix}")
    call.write(item)


def glued_tag(call: Call, item: Item) -> None:
    if "glued" in item.notes:
        call.warn(item, f"{item.seen}{item.values[0]} glues the tag to -d, which "
                  f"jobsub_lite rejects; split. Use -d {item.values[0]} DIR.")
    call.write(item)


def submit_line(call: Call, item: Item) -> None:
    """--lines: a retired image warned about; the caller's literal text where only it is
    ClassAd; a line jobsub_lite's check would refuse dropped or refused."""
    import re

    from . import classads

    if re.search(r"fnal-wn-sl[5-7]", item.values[0], re.IGNORECASE):
        call.warn(item, f"{item.seen} {item.values[0]!r} {item.row.reason}. {item.row.fix}")
    if item.words and _tie_break(call, item, classads.valid_line):
        call.as_written.update(item.words)
    if _lite_accepts_line(call, item):
        call.write(item)


def requirement(call: Call, item: Item) -> None:
    """-c: the caller's literal text where only it is ClassAd; joined for an old
    jobsub_lite after all rows (submit._join_requirements)."""
    from . import classads

    if item.words and _tie_break(call, item, classads.valid_expression):
        call.as_written.update(item.words)
    call.requirements.append(item)
    call.write(item)


def one_dropbox(plan: Plan, items: list[Item]) -> None:
    """A rule between two rows, before any is applied: the legacy client let
    --use-cvmfs-dropbox win; jobsub_lite lets the last one win."""
    keys = {i.row.key for i in items}
    if {"use_cvmfs_dropbox", "use_pnfs_dropbox"} <= keys:
        for item in [i for i in items if i.row.key == "use_pnfs_dropbox"]:
            items.remove(item)
        plan.warn(w.TWO_DROPBOXES, "--use-cvmfs-dropbox and --use-pnfs-dropbox were both given; "
                  "the legacy client used CVMFS, so --use-pnfs-dropbox is dropped. Give one.")


def _literal_value(item: Item, raw: list[str], origin: list[tuple[int, ...]]) -> str | None:
    """The option's value as the caller wrote it, before the legacy server's re-split."""
    index = item.words[0] if item.form in ("eq", "glued") else item.words[-1]
    text = " ".join(raw[k] for k in origin[index])
    if item.form == "eq":
        prefix = item.seen + "="
        return text[len(prefix):] if text.startswith(prefix) else None
    if item.form == "glued":
        return text[len(item.seen):] if text.startswith(item.seen) else None
    return text


def _tie_break(call: Call, item: Item, check: Callable[[str], bool]) -> bool:
    """Legacy reading unless only the literal reading is valid ClassAd (then warn).

    True when the literal reading was taken."""
    from . import classads

    value = item.values[0]
    literal = _literal_value(item, call.raw, call.origin)
    if literal is None or literal == value:
        return False
    try:
        if check(value):
            return False
        if check(literal):
            item.values = [literal]
            call.plan.warn(w.LITERAL_READING, f"{item.seen} {literal!r} is not valid ClassAd "
                           f"as the legacy server re-split it ({value!r}); passed as written.")
            return True
    except classads.Unavailable:
        call.plan.warn(w.CLASSAD_UNCHECKED, f"cannot check the ClassAd syntax of {item.seen} "
                       f"{value!r} (no HTCondor Python bindings); the legacy reading is used.")
    return False


def _lite_accepts_line(call: Call, item: Item) -> bool:
    """jobsub_lite 1.12 refuses the whole submission for a --lines value its ClassAd check
    (v1 classad.parseOne) refuses. Such a line is dropped when the legacy submit file made
    nothing of it (a plain macro), and refused with the fix otherwise. False: dropped."""
    import re

    from . import classads

    plan, value = call.plan, item.values[0]
    try:
        if classads.lite_accepts_line(value):
            return True
    except classads.Unavailable:
        plan.warn(w.CLASSAD_UNCHECKED, f"cannot check {item.seen} {value!r} as jobsub_lite "
                  "does (no HTCondor Python bindings); passed as it is.")
        return True
    match = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*={2}\s*(.*)$", value, re.DOTALL)
    fix = (f"Write --lines=+{match.group(1)}={match.group(2)} for a job attribute "
           f"{match.group(1)}, or remove it." if match else
           "Write it as +NAME=VALUE (a job attribute) or NAME = VALUE (a submit command).")
    refused = (f"{item.seen} {value!r} is refused by jobsub_lite 1.12's ClassAd check "
               "(classad.parseOne), which then submits nothing")
    try:
        effect = classads.legacy_submit_effect(value)
    except classads.Unavailable:
        raise UsageError(f"{refused}; the legacy submit file took it as a submit-language "
                         f"line, whose effect cannot be checked here. {fix}",
                         w.CLASSAD_INVALID) from None
    if effect is None:
        plan.warn(w.CLASSAD_INVALID, f"{refused}; the legacy submit file took it as a plain "
                  f"submit-language line that set nothing in the job, so it is dropped. {fix}")
        return False
    raise UsageError(f"{refused}; in the legacy submit file {effect}. {fix}", w.CLASSAD_INVALID)


_TAR_MAGIC = ((b"BZh", "bzip2"), (b"\x1f\x8b", "gzip"), (b"\xfd7zXZ\x00", "xz"),
              (b"\x28\xb5\x2f\xfd", "zstd"))
_BZIP2_NAMES = (".tar.bz2", ".tbz2", ".tbz", ".tb2", ".tar.bz")


def _tarball_kind(path: str) -> str | None:
    """The compression of a tarball readable here (by its first bytes), else None."""
    try:
        head = userfiles.read_head(path, 512, "--tar_file_name")
    except userfiles.UserFileError:
        return None
    for magic, kind in _TAR_MAGIC:
        if head.startswith(magic):
            return kind
    return "plain tar" if head[257:262] == b"ustar" else "file"


def tarball(call: Call, item: Item) -> None:
    """A plain-path --tar_file_name, unpacked in the job as the legacy job had it.

    The legacy wrapper copied it with ifdh and ran `tar xvf` (any compression); jobsub_lite
    1.12's wrapper runs `tar -xjvf` (bzip2 only) on it, and takes a /cvmfs path not ending
    in .tar.gz for an RCDS directory it waits for. As dropbox://PATH, jobsub_lite re-packs
    any tarball as bzip2, uploads it, and the job finds it unpacked."""
    row, value = item.row, item.values[0]
    if value.startswith(("dropbox:", "tardir:")):
        call.write(item)
        return
    import os.path

    cvmfs = os.path.normpath(value).startswith("/cvmfs/")
    kind = _tarball_kind(value)
    if not cvmfs and (kind == "bzip2" or (kind is None and value.endswith(_BZIP2_NAMES))):
        call.write(item)
        return
    why = ("takes a /cvmfs path for an RCDS directory, so the job would wait for a directory "
           "that never appears" if cvmfs else "unpacks a plain path with tar -xjvf, which "
           "reads bzip2 only" + (f", so this {kind} tarball would not be unpacked"
                                 if kind and kind != "file" else ""))
    if kind is None:
        raise UsageError(f"{item.seen}={value}: jobsub_lite 1.12 {why}, and {value} cannot be "
                         "read here to ship it another way. Recompress it as .tar.bz2, or run "
                         f"where it is readable with {row.lite_spelling}=dropbox://{value}.",
                         row.code)
    call.warn(item, f"{item.seen}={value}: jobsub_lite 1.12 {why}; passed as "
              f"dropbox://{value}: jobsub_lite uploads it and the job finds it unpacked in "
              f"$INPUT_TAR_DIR_LOCAL. Use {row.lite_spelling}=dropbox://{value}.")
    call.write(item, [f"dropbox://{value}"])


# --- jobsub_q, jobsub_rm/hold/release, jobsub_history, jobsub_fetchlog ----------------------
def legacy_view(call: Call, item: Item) -> None:
    """jobsub_q --dag/--hold/--run/--idle/--summary: the drop-in lays condor_q's JSON out
    as the legacy client did (qformat); the view is the row's key."""
    call.view = item.row.key
    call.warn(item, f"{item.seen} {item.row.reason}.")


def condor_option(call: Call, item: Item) -> None:
    """A legacy option that is a condor tool's (-long, -forcex): written as condor spells
    it; jobsub_q then shows condor's own output."""
    call.view = ""
    emulated(call, item)
    call.write(item)


def owner_constraint(call: Call, item: Item) -> None:
    """jobsub_rm/hold/release --user: made into a constraint by the command's selection."""
    call.warn(item, f"{item.seen} {item.values[0]}: {item.row.reason}. {item.row.fix}")


def history_constraint(call: Call, item: Item) -> None:
    call.terms.append(f"({item.values[0]})")


def _qdate(op: str) -> Handler:
    """--qdate-ge/--qdate-le DATE: a QDate term of jobsub_history's constraint."""
    def qdate(call: Call, item: Item) -> None:
        value = item.values[0]
        seconds = epoch(value)
        if seconds is None:
            raise UsageError(f"invalid date format {value!r}: write YYYY-MM-DD or "
                             "'YYYY-MM-DD hh:mm:ss'", item.row.code)
        call.terms.append(f"QDate {op} {seconds}")
        call.warn(item, f"{item.seen} {value} {item.row.reason}.")

    return qdate


DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S")


def epoch(value: str) -> int | None:
    """A legacy --qdate-ge/--qdate-le value as epoch seconds (local time, as legacy); None
    when it is in neither of the legacy formats."""
    import datetime
    import time

    for form in DATE_FORMATS:
        try:
            moment = datetime.datetime.strptime(value, form)
        except ValueError:
            continue
        return int(time.mktime(moment.timetuple()))
    return None


def fetchlog_user(call: Call, item: Item) -> None:
    call.warn(item, f"{item.seen} {item.values[0]} {item.row.reason}; dropped. {item.row.fix}")


def archive_format(call: Call, item: Item) -> None:
    """tar is jobsub_lite's default and only web-service format: never written."""
    if item.values[0] == "zip":
        call.plan.details[item.row.key] = "zip"
        call.warn(item, f"{item.seen} zip: {item.row.reason}.")


HANDLERS: dict[str, Handler] = {
    "pass": passed, "rename": renamed, "drop": dropped, "refuse": refused,
    "selection": selection, "whole_call": whole_call,
    "help": _answer("help"), "version": _answer("version"), "manual": _answer("manual"),
    "dag_flag": dag_flag, "json_config": json_config, "jobid_output_only": jobid_output_only,
    "x509_proxy": x509_proxy, "size_mb": _with_unit("MB"), "size_kb": _with_unit("KB"),
    "seconds": _with_unit("s"), "usage_model_upper": usage_model_upper,
    "blocklist": blocklist, "tarball": tarball, "verbose_level": verbose_level,
    "drain": drain, "show_parsing": show_parsing, "dry_run": dry_run,
    "export_variable": export_variable,
    "retired_os": retired_os, "glued_tag": glued_tag, "submit_line": submit_line,
    "requirement": requirement,
    "legacy_view": legacy_view, "condor_option": condor_option,
    "owner_constraint": owner_constraint, "history_constraint": history_constraint,
    "qdate_ge": _qdate(">="), "qdate_le": _qdate("<="),
    "fetchlog_user": fetchlog_user, "archive_format": archive_format,
}

# Handlers that run before any row is applied, in the order of the line (they may add
# rows: --json-config's file of options).
EARLY: dict[str, Handler] = {"json_config": expand_json_config}


def apply(call: Call, item: Item) -> None:
    """The row's handler, for this occurrence."""
    HANDLERS[item.row.handler](call, item)
