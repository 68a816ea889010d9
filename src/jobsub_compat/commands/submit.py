"""jobsub_submit: a legacy submit line in, the jobsub_lite 1.12 line and its warnings out.

translate() computes the legacy words (legacy.resplit), parses them with the option table
(legacy.parse), applies each row's fate, and writes every word so that jobsub_lite's own
quote layer gives back exactly the legacy word (lite.quote_for_lite).
"""

from __future__ import annotations

import re
import shlex
import sys

from .. import classads, legacy, lite, options, userfiles
from .. import codes as w
from ..legacy import Item, Parsed
from ..options import Fate
from ..plan import Plan, one_line
from ..rewrite import Words, note_grammar, spelling
from ..warnings import UsageError
from . import COMMANDS, common

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

COMMAND = "jobsub_submit"
RETIRED_OS = {"SL5", "SL6", "SL7"}
_RETIRED_IMAGE = re.compile(r"fnal-wn-sl[5-7]", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_DAG_TAG = re.compile(rb"<\s*(serial|parallel)\s*>", re.IGNORECASE)
JSON_CONFIG_LIMIT = 1 * userfiles.MiB  # --json-config: a file of options


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


def _tie_break(plan: Plan, item: Item, raw: list[str], origin: list[tuple[int, ...]]
               ) -> bool:
    """Legacy reading unless only the literal reading is valid ClassAd (then warn).

    True when the literal reading was taken."""
    value = item.values[0]
    literal = _literal_value(item, raw, origin)
    if literal is None or literal == value:
        return False
    check = classads.valid_line if item.row.key == "lines" else classads.valid_expression
    try:
        if check(value):
            return False
        if check(literal):
            item.values = [literal]
            plan.warn(w.LITERAL_READING, f"{item.seen} {literal!r} is not valid ClassAd as the "
                      f"legacy server re-split it ({value!r}); passed as written.")
            return True
    except classads.Unavailable:
        plan.warn(w.CLASSAD_UNCHECKED, f"cannot check the ClassAd syntax of {item.seen} "
                  f"{value!r} (no HTCondor Python bindings); the legacy reading is used.")
    return False


_DOUBLE_EQUALS = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*={2}\s*(.*)$", re.DOTALL)


def _lite_accepts_line(plan: Plan, item: Item) -> bool:
    """jobsub_lite 1.12 refuses the whole submission for a --lines value its ClassAd check
    (v1 classad.parseOne) refuses. Such a line is dropped when the legacy submit file made
    nothing of it (a plain macro), and refused with the fix otherwise. False: dropped."""
    value = item.values[0]
    try:
        if classads.lite_accepts_line(value):
            return True
    except classads.Unavailable:
        plan.warn(w.CLASSAD_UNCHECKED, f"cannot check {item.seen} {value!r} as jobsub_lite "
                  "does (no HTCondor Python bindings); passed as it is.")
        return True
    match = _DOUBLE_EQUALS.match(value)
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
    from .. import userfiles

    try:
        head = userfiles.read_head(path, 512, "--tar_file_name")
    except userfiles.UserFileError:
        return None
    for magic, kind in _TAR_MAGIC:
        if head.startswith(magic):
            return kind
    return "plain tar" if head[257:262] == b"ustar" else "file"


def _plain_tarball(plan: Plan, item: Item) -> list[str]:
    """A plain-path --tar_file_name, unpacked in the job as the legacy job had it.

    The legacy wrapper copied it with ifdh and ran `tar xvf` (any compression); jobsub_lite
    1.12's wrapper runs `tar -xjvf` (bzip2 only) on it, and takes a /cvmfs path not ending
    in .tar.gz for an RCDS directory it waits for. As dropbox://PATH, jobsub_lite re-packs
    any tarball as bzip2, uploads it, and the job finds it unpacked."""
    row, value = item.row, item.values[0]
    if value.startswith(("dropbox:", "tardir:")):
        return [value]
    import os.path

    cvmfs = os.path.normpath(value).startswith("/cvmfs/")
    kind = _tarball_kind(value)
    if not cvmfs and (kind == "bzip2" or (kind is None and value.endswith(_BZIP2_NAMES))):
        return [value]
    why = ("takes a /cvmfs path for an RCDS directory, so the job would wait for a directory "
           "that never appears" if cvmfs else "unpacks a plain path with tar -xjvf, which "
           "reads bzip2 only" + (f", so this {kind} tarball would not be unpacked"
                                 if kind and kind != "file" else ""))
    if kind is None:
        raise UsageError(f"{item.seen}={value}: jobsub_lite 1.12 {why}, and {value} cannot be "
                         "read here to ship it another way. Recompress it as .tar.bz2, or run "
                         f"where it is readable with {row.lite_spelling}=dropbox://{value}.",
                         row.code)
    plan.warn(row.code or "", f"{item.seen}={value}: jobsub_lite 1.12 {why}; passed as "
              f"dropbox://{value}: jobsub_lite uploads it and the job finds it unpacked in "
              f"$INPUT_TAR_DIR_LOCAL. Use {row.lite_spelling}=dropbox://{value}.")
    return [f"dropbox://{value}"]


def _exe_path(executable: str) -> str:
    return executable[len(legacy.EXE_PREFIX):]


def _is_dag_file(executable: str | None) -> bool:
    """Does the executable look like a DAG description (a tag in its first 64 KiB)? Only
    a regular file can be one."""
    if not executable:
        return False
    try:
        return bool(_DAG_TAG.search(userfiles.read_head(_exe_path(executable), 65536,
                                                        "the executable")))
    except userfiles.UserFileError:
        return False


def _json_words(path: str, parsed: Parsed) -> tuple[list[str], str | None, list[str]]:
    """Option words, executable and arguments of a legacy --json-config file (a regular
    file of at most 1 MiB)."""
    import json

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
        if legacy.EXE_PREFIX in key:
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


def _rewrite_value(plan: Plan, item: Item, environ: Mapping[str, str]) -> list[str] | None:
    """A REWRITE row's new values (None: drop the occurrence)."""
    row, values = item.row, list(item.values)
    key = row.key
    if key in ("memory", "disk", "expected_lifetime", "timeout"):
        unit = {"memory": "MB", "disk": "KB"}.get(key, "s")
        if _BARE_NUMBER.match(values[0]):
            new = values[0] + unit
            plan.warn(row.code or "", f"{item.seen}={values[0]} has no unit; {row.reason}. "
                      f"Use {row.lite_spelling}={new}.")
            values = [new]
        elif item.seen in row.legacy and item.seen not in row.lite:
            plan.warn(row.code or "", f"{item.seen} is not a jobsub_lite spelling; rewritten. "
                      f"Use {row.lite_spelling}.")
        return values
    if key == "resource_provides":
        name, eq, rest = values[0].partition("=")
        if eq and name.lower() == "usage_model" and rest != rest.upper():
            new = f"{name}={rest.upper()}"
            plan.warn(row.code or "", f"{item.seen}={values[0]}: {row.reason}. Use "
                      f"{row.lite_spelling}={new}.")
            values = [new]
        return values
    if key == "tar_file_name":
        return _plain_tarball(plan, item)
    if key == "verbose":
        if item.values:
            return values
        plan.warn(row.code or "", f"{item.seen} {row.reason}. {row.fix}")
        return ["1"]
    if key == "x509_user_proxy":
        plan.env["X509_USER_PROXY"] = values[0]
        plan.warn(row.code or "", f"{item.seen} {row.reason}. {row.fix}")
        return None
    raise AssertionError(f"no rewrite for {key}")  # pragma: no cover - table/code mismatch


def _pass_checks(plan: Plan, item: Item, environ: Mapping[str, str]) -> bool:
    """Value rules of PASS rows; False drops the occurrence."""
    row = item.row
    if row.key == "environment" and "=" not in item.values[0]:
        name = item.values[0]
        if not environ.get(name):
            # The client exported only non-empty variables (jobsubClient.py
            # get_server_env_exports: `if val:`), and the server's JobSettings.checkSanity
            # refused a -e NAME its environment lacked: unset and empty alike, exit 1.
            raise UsageError(f"you used {item.seen} {name}, but ${name} must be set first! "
                             f"(${name} is {'empty' if name in environ else 'unset'}; the "
                             f"legacy server refused this too) Export {name}=VALUE, or "
                             f"write {item.seen} {name}=VALUE.", w.ENV_UNSET_VARIABLE)
    elif row.key == "OS":
        retired = sorted({v.strip().upper() for v in item.values[0].split(",")} & RETIRED_OS)
        if retired:
            plan.warn(row.code or "", f"{item.seen}={item.values[0]}: {row.reason}. {row.fix}")
    elif row.key == "lines" and _RETIRED_IMAGE.search(item.values[0]):
        plan.warn(row.code or "", f"{item.seen} {item.values[0]!r} {row.reason}. {row.fix}")
    elif row.key == "d" and "glued" in item.notes:
        plan.warn(row.code or "", f"{item.seen}{item.values[0]} glues the tag to -d, which "
                  f"jobsub_lite rejects; split. Use -d {item.values[0]} DIR.")
    return True


def _version_at_least(version: str | None, wanted: str) -> bool:
    if not version:
        return True  # unknown: assume the 1.12 this project targets
    try:
        from .. import site_packages

        site_packages()
        from packaging.version import InvalidVersion, Version
    except ImportError:  # pragma: no cover - packaging is a dependency; never a traceback
        def numbers(text: str) -> tuple[int, ...]:
            return tuple(int(p) for p in re.findall(r"[0-9]+", text)[:3])

        return numbers(version) >= numbers(wanted)
    try:
        return Version(version) >= Version(wanted)
    except InvalidVersion:
        return True


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
        plan.action, plan.text = "print", common.help_text(plan.command)
        return
    if any(row.key == "manual" and set(row.legacy) & set(head)
           for row in options.TABLES[plan.command]):
        from .dagfile import MANUAL

        plan.action, plan.text = "print", MANUAL
        return
    if "--version" in head:
        plan.action = "version"
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

    for item in list(parsed.items):
        if item.row.key == "json_config":
            more, exe, args = _json_words(item.values[0], parsed)
            extra = legacy.parse(legacy.resplit(more)[0], grammar)
            for new in extra.items:
                new.words = ()  # no raw words of the command line behind them
            parsed.items.extend(extra.items)
            if exe:
                parsed.executable, parsed.arguments = exe, args
            plan.warn(item.row.code or "", f"{item.seen} {item.values[0]}: {item.row.reason}. "
                      f"{item.row.fix}")

    if parsed.executable is None and all(i.row.where == "client" for i in parsed.items):
        # No server words at all: the legacy client printed its help, exit 0
        # (client/jobsub_submit parse_opts: `if not srv_argv: options.help = True`).
        plan.action, plan.text = "print", common.help_text(plan.command)
        return
    plan.details["group"] = common.group_of(parsed, environ, plan=plan) or ""
    roles = [i.values[0] for i in parsed.items if i.row.key == "role"]
    if roles:
        plan.details["role"] = roles[-1]
    common.check_names(plan, parsed, environ, any(i.row.key == "group" for i in parsed.items))
    if parsed.executable is None:
        if not any(i.row.key == "show_parsing" for i in parsed.items):
            raise UsageError("no executable: give file://SCRIPT after the options")

    if "JOBSUB_SERVER" in environ:
        plan.env["JOBSUB_SERVER"] = None
        plan.warn(w.ENV_JOBSUB_SERVER, "$JOBSUB_SERVER names a legacy jobsub server; "
                  "jobsub_lite has none; unset for jobsub_lite. Remove it from your setup.")

    _last_wins(plan, parsed.items)
    _one_dropbox(plan, parsed.items)
    out = Words()
    requirements: list[Item] = []
    as_written: set[int] = set()  # legacy words replaced by the caller's literal text
    keys = {i.row.key for i in parsed.items}
    for item in parsed.items:
        row = item.row
        note_grammar(plan, item, grammar)
        if row.fate == Fate.REFUSE:
            raise UsageError(f"{item.seen} {row.reason}. {row.fix}", row.code)
        if row.key in ("json_config",):
            continue
        if row.fate == Fate.DROP:
            if row.key == "dag" and _is_dag_file(parsed.executable):
                out.option(spelling(item, grammar), [], "flag")
                continue
            plan.warn(row.code or "", f"{item.seen} {row.reason}; dropped. {row.fix}")
            continue
        if row.fate == Fate.EMULATE:
            _emulate(plan, item, out)
            continue
        values: list[str] | None = item.values
        if row.fate == Fate.RENAME and item.seen not in row.lite:
            plan.warn(row.code or "", f"{item.seen} {row.reason}; rewritten. {row.fix}")
        elif row.fate == Fate.REWRITE:
            if row.key == "blacklist":
                use = "--blocklist" if _version_at_least(lite_version, "1.4") else "--blacklist"
                if use != item.seen:
                    plan.warn(row.code or "", f"{item.seen} {row.reason}; rewritten. {row.fix}")
                out.option(use, item.values, item.form)
                continue
            values = _rewrite_value(plan, item, environ)
        if values is None or not _pass_checks(plan, item, environ):
            continue
        item.values = values
        if row.key in ("lines", "append_condor_requirements") and item.words and _tie_break(
                plan, item, argv, origin):
            as_written.update(item.words)
        if row.key == "lines" and not _lite_accepts_line(plan, item):
            continue
        if row.key == "append_condor_requirements":
            requirements.append(item)
        if row.key == "no_submit":
            plan.expect_job_id = False
        out.option(spelling(item, grammar), item.values, item.form)

    if len(requirements) > 1 and not _version_at_least(lite_version, "1.4"):
        _join_requirements(plan, out, requirements, grammar)
    if {"jobid_output_only", "debug"} <= keys:
        raise UsageError("--jobid-output-only cannot be combined with --debug (the legacy "
                         "client refused it too); drop one of them")
    if "show_parsing" in keys:
        plan.action = "print"
        plan.text = _show_parsing(words, parsed, out.words)
        return

    arguments = _protect_arguments(plan, parsed.arguments, grammar)
    final = out.words + [parsed.executable or ""] + arguments
    quoted = [lite.quote_for_lite(x) for x in final]
    regrouped = any(
        i not in as_written and (len(origin[i]) != 1 or word != argv[origin[i][0]])
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


def _one_dropbox(plan: Plan, items: list[Item]) -> None:
    """The legacy client let --use-cvmfs-dropbox win; jobsub_lite lets the last one win."""
    keys = {i.row.key for i in items}
    if {"use_cvmfs_dropbox", "use_pnfs_dropbox"} <= keys:
        for item in [i for i in items if i.row.key == "use_pnfs_dropbox"]:
            items.remove(item)
        plan.warn(w.TWO_DROPBOXES, "--use-cvmfs-dropbox and --use-pnfs-dropbox were both given; "
                  "the legacy client used CVMFS, so --use-pnfs-dropbox is dropped. Give one.")


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


def _emulate(plan: Plan, item: Item, out: Words) -> None:
    row = item.row
    if row.key == "jobid_output_only":
        plan.jobid_only = True
    elif row.key == "drain":
        out.option("--lines", ["+Drain=True"], "eq")
    plan.warn(row.code or "", f"{item.seen} {row.reason}. {row.fix}")


def _note_requote(plan: Plan, argv: list[str], words: list[str]) -> None:
    given = len([a for a in argv if a])
    how = f"{given} words became {len(words)}" if given != len(words) else \
        "quotes and backslashes taken out"
    plan.warn(w.REQUOTED, f"the legacy server re-split this command line with shell quoting "
              f"rules ({how}); jobsub_lite gets exactly those words, quoted for its own quote "
              "layer.")


def _show_parsing(words: list[str], parsed: Parsed, out_words: list[str]) -> str:
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
