"""Man pages (man(7) macros), generated as compat-matrix.md is: a page for every command
of the registry (commands/__init__.py: its name, summary and usage line), the drop-ins'
options from the option tables (options.TABLES, and the credential drop-ins' option
sets), the coordinator's from its argparse parsers. `jobsub-compat man man/man1` writes them; they
are committed under man/man1/ and a test fails when one is stale.

Hand-written roff rather than a generator such as argparse-manpage: the drop-ins, the
pages that matter to users, are not argparse programs, and the roff needed is a handful
of macros (.TH .SH .SS .TP .PP .nf/.fi). Non-ASCII characters are written as groff's
`\\[uXXXX]`, so the pages render the same with or without preconv.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re

from . import __version__, codes, config, options, usage
from .commands import COMMANDS, common, credentials
from .commands import jobsub as umbrella
from .options import Fate, Option

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Sequence

# The credential drop-ins' accepted options: name -> takes a value.
CREDENTIAL_OPTIONS: dict[str, dict[str, bool]] = {
    "voms-proxy-init": credentials.INIT_OPTIONS,
    "voms-proxy-info": credentials.INFO_OPTIONS,
    "voms-proxy-destroy": credentials.DESTROY_OPTIONS,
    "cigetcert": {name.rstrip("="): name.endswith("=") for name in credentials.CIGETCERT_LONG},
}
# Variables the drop-ins read that are not settings (settings come from config.DEFAULTS).
VARIABLES = {
    "JOBSUB_COMPAT_DRY_RUN": "`1`: print the translation (as `jobsub-compat explain` does) "
                             "instead of running jobsub_lite.",
    "JOBSUB_COMPAT_SITE_CONFIG": f"Another site config file instead of {config.SITE_CONFIG}.",
    "BEARER_TOKEN, BEARER_TOKEN_FILE, XDG_RUNTIME_DIR": "Where the bearer token is found "
                                                       "(WLCG discovery), as jobsub_lite "
                                                       "finds it.",
    "JOBSUB_GROUP, GROUP": "The group when no -G is given.",
}
DONE = {Fate.RENAME: "Renamed", Fate.REWRITE: "Rewritten", Fate.DROP: "Dropped",
        Fate.EMULATE: "Emulated", Fate.REFUSE: "Refused"}
EXIT_STATUS = (
    "jobsub_lite's own status passes through. A usage error of the drop-in (an unknown or "
    "refused option, no group, no executable) exits with the status the legacy command "
    "gave for one, with one line naming the fix; no jobsub_lite found, or no usable "
    "credential, exits 1 with the next step. As with the legacy client, a submission that "
    "printed no job id exits 1.")


# -- roff ---------------------------------------------------------------------------------

def _escape(text: str) -> str:
    """Text for a roff text line: backslashes and hyphen-minus escaped, non-ASCII as
    \\[uXXXX]."""
    out = text.replace("\\", "\\e").replace("-", "\\-")
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in out)


def _breakable(text: str) -> str:
    """Long words (paths, URLs) may break after a slash (\\:), so that no line overruns."""
    return " ".join(word.replace("/", "/\\:") if len(word) > 40 else word
                    for word in text.split(" "))


def _inline(text: str) -> str:
    """Escaped text with markdown's `code` and **strong** in bold."""
    parts = re.split(r"(`[^`]+`|\*\*[^*]+\*\*)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"\\fB{_escape(part[1:-1])}\\fR")
        elif part.startswith("**") and part.endswith("**") and len(part) > 3:
            out.append(f"\\fB{_escape(part[2:-2])}\\fR")
        else:
            out.append(_escape(part))
    return _breakable("".join(out))


def _line(text: str) -> str:
    """One text line: never read as a request (a leading . or ')."""
    text = text.strip()
    return f"\\&{text}" if text[:1] in (".", "'") else text


def _paragraphs(text: str) -> list[str]:
    """Lines for prose as argparse writes it: blank-line paragraphs are filled; an indented
    `TAG  text` line becomes a tagged paragraph, any other indented line is kept as is."""
    out: list[str] = []
    for block in text.strip("\n").split("\n\n"):
        prose = [ln.strip() for ln in block.split("\n") if ln.strip() and ln[:1] != " "]
        if prose:
            out += [".PP", _line(_inline(" ".join(prose)))]
        for indented in (ln for ln in block.split("\n") if ln[:1] == " " and ln.strip()):
            tag, gap, rest = indented.strip().partition("  ")
            if gap:
                out += [".TP", f"\\fB{_escape(tag)}\\fR", _line(_inline(rest.strip()))]
            else:
                out += [".nf", f"\\&{_escape(indented)}", ".fi"]
    return out


def _synopsis(command: str, usage: str) -> list[str]:
    """SYNOPSIS lines: each usage line (one starting with the command) with the command in
    bold; argparse's wrapped continuation lines join the line before."""
    found: list[str] = []
    for line in usage.split("\n"):
        line = line.strip()
        if line.startswith(f"{command} ") or line == command or not found:
            found.append(line)
        elif line:
            found[-1] += f" {line}"
    out: list[str] = []
    for line in found:
        rest = line[len(command):] if line.startswith(command) else f" {line}"
        out += [".br"] if out else []
        out.append(_line(f"\\fB{_escape(command)}\\fR{_inline(rest)}"))
    return out


def _page(name: str, summary: str, synopsis: str, sections: list[tuple[str, list[str]]],
          command: str = "") -> str:
    """A page; `synopsis` lines start with `command` (default: the page's name)."""
    lines = [f'.TH "{name.upper()}" 1 "" "jobsub-compat {__version__}" "jobsub-compat"',
             ".nh", ".ad l",
             ".SH NAME", f"{_escape(name)} \\- {_escape(summary.replace('`', ''))}",
             ".SH SYNOPSIS", *_synopsis(command or name, synopsis)]
    for title, body in sections:
        if body:
            lines += [f".SH {title}", *body]
    return "\n".join(lines) + "\n"


def _bold(names: Sequence[str]) -> str:
    return ", ".join(f"\\fB{_escape(n)}\\fR" for n in names)


# -- the drop-ins' pages -----------------------------------------------------------------

def _fate(row: Option) -> str:
    """What the drop-in does with a row, as the matrix says it (with the fix)."""
    said = "Passed to jobsub_lite unchanged" if row.fate == Fate.PASS else DONE[row.fate]
    if row.fate in (Fate.RENAME, Fate.REWRITE) and row.lite:
        said += f" to `{row.lite_spelling}`"
    if row.code:
        said += f" ({row.code})"
    said += f": `{(row.legacy or row.lite)[0]}` {row.reason}." if row.reason else "."
    if row.fate == Fate.REFUSE:
        said += f" Fix: {row.fix}"
    elif row.fix and row.key not in ("help", "version"):
        said += f" {row.fix}"
    return said


def _option_item(row: Option) -> list[str]:
    head = _bold(row.legacy or row.lite)
    if row.metavar:
        head += f" \\fI{_escape(row.metavar)}\\fR"
    meaning = row.meaning + (f" ({', '.join(row.groups)} only.)" if row.groups else "")
    return [".TP", head, _line(_inline(meaning)), ".br", _line(_inline(_fate(row)))]


def _environment() -> list[str]:
    out: list[str] = []
    for name in config.DEFAULTS:
        var = config.ENVIRONMENT.get(name, f"JOBSUB_COMPAT_{name.upper()}")
        out += [".TP", f"\\fB{_escape(var)}\\fR",
                _line(_inline(f"The `{name}` setting (see FILES): command line > "
                              "environment > user config > site config > default."))]
    for var, text in VARIABLES.items():
        out += [".TP", _bold(var.split(", ")), _line(_inline(text))]
    return out


def _files() -> list[str]:
    return [".TP", f"\\fB{_escape(config.SITE_CONFIG)}\\fR",
            _line(_inline("the site config (`name = value` lines; the installed file "
                          "describes every setting).")),
            ".TP", "\\fB~/.config/jobsub_compat.conf\\fR",
            _line(_inline("the user config ($XDG_CONFIG_HOME), same format; wins over the "
                          "site config.")),
            ".TP", "\\fB~/.local/state/jobsub_compat/migration.jsonl\\fR",
            _line(_inline("the migration log: one JSON record per call ($XDG_STATE_HOME; "
                          "the `log` setting names another file, or `off`). Secrets are "
                          "redacted."))]


def _dropin_page(command: str) -> str:
    rows = options.TABLES[str(COMMANDS[command].table)]
    help_lines = common.help_text(command).split("\n")
    intro = help_lines[2:help_lines.index("", 2)]
    description = [".PP", _line(_inline(" ".join(intro))), ".PP",
                   _line(_inline(help_lines[-2])), ".PP",
                   _line(_inline("Fates: **pass** (jobsub_lite reads it as the legacy "
                                 "client did), **rename**, **rewrite**, **drop** (removed "
                                 "with a warning: the job is unchanged without it), "
                                 "**emulate** (the drop-in does it itself), **refuse** (a "
                                 "usage error naming the fix). Warnings are one line on "
                                 "standard error, `" + command + ": warning [CODE]: ...`, "
                                 "silenced with the `silence` setting."))]
    opts: list[str] = []
    for title, kind in (("Legacy options", "legacy"), ("Experiment-specific legacy options",
                                                        "group"),
                        ("jobsub_lite options (passed unchanged)", "lite")):
        chosen = [r for r in rows
                  if kind == ("group" if r.groups else "lite" if r.where == "lite"
                              else "legacy")]
        if chosen:
            opts.append(f".SS {title}")
            for row in chosen:
                opts += _option_item(row)
    entry = COMMANDS[command]
    return _page(command, entry.summary, entry.usage, [
        ("DESCRIPTION", description), ("OPTIONS", opts), ("ENVIRONMENT", _environment()),
        ("FILES", _files()), ("EXIT STATUS", [_line(_inline(EXIT_STATUS))]),
        ("SEE ALSO", [_escape("jobsub-compat-explain(1), jobsub-compat(1); what every legacy "
                              "option becomes, and why: compat-matrix.md")])])


def _umbrella_page() -> str:
    items: list[str] = []
    for sub in umbrella.SUBCOMMANDS:
        items += [".TP", f"\\fBjobsub {_escape(sub)}\\fR \\fIARG\\fR...",
                  _line(_inline(f"runs `jobsub_{sub}` with the same words."))]
    message = [f"\\&{_escape(line)}" for line in umbrella.MESSAGE.rstrip("\n").split("\n")]
    entry = COMMANDS[umbrella.COMMAND]
    return _page(entry.name, entry.summary, entry.usage, [
                     ("DESCRIPTION", [".PP", _line(_inline(
                         "Without a subcommand it prints what the legacy client printed:")),
                         ".PP", ".nf", *message, ".fi"]),
                     ("SUBCOMMANDS", items), ("EXIT STATUS", [_line(_inline(EXIT_STATUS))]),
                     ("SEE ALSO", [_escape(", ".join(
                         f"jobsub_{sub}(1)" for sub in umbrella.SUBCOMMANDS))])])


def _credential_page(tool: str) -> str:
    code = credentials._CODE[tool]
    description = [".PP", _line(_inline(
        "An opt-in drop-in in bin/credentials/ (put that directory on PATH too): the legacy "
        "X.509 command, answered with the bearer tokens jobsub_lite uses. An unknown "
        "option is a usage error (exit 2).")),
        ".PP", _line(_inline(f"{codes.text(code)} Its warning code is {code}."))]
    accepted = CREDENTIAL_OPTIONS.get(tool)
    opts: list[str] = []
    if accepted:
        names = [f"\\fB\\-{_escape(n)}\\fR" + (" \\fIVALUE\\fR" if value else "")
                 for n, value in accepted.items()]
        opts = [".PP", _line(_inline(f"{tool} accepts the options of the legacy tool "
                                     "(`-name` or `--name`; a value as the next word or "
                                     "after `=`):")), ".PP", ", ".join(names) + "."]
    return _page(tool, COMMANDS[tool].summary, COMMANDS[tool].usage, [
        ("DESCRIPTION", description), ("OPTIONS", opts),
        ("EXIT STATUS", [_line(_inline("0 on success (voms-proxy-info: the legacy status "
                                       "of its answer, e.g. 1 for `-exists` without a valid "
                                       "token); 2 for a usage error; 1 when no token could "
                                       "be had, with the next step."))]),
        ("SEE ALSO", [_escape("htgettoken(1), jobsub-compat-doctor(1)")])])


# -- the coordinator's pages -------------------------------------------------------------

def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[
        argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError(f"{parser.prog} has no subcommands")


def _action_item(action: argparse.Action) -> list[str]:
    if action.help == argparse.SUPPRESS:
        return []
    if action.option_strings:
        head = _bold(action.option_strings)
        if action.nargs != 0:
            metavar = action.metavar or (action.dest.upper())
            head += f" \\fI{_escape(str(metavar))}\\fR"
    else:
        head = f"\\fI{_escape(str(action.metavar or action.dest))}\\fR"
    text = (action.help or "") % {**vars(action), "prog": ""}
    if action.choices:
        text += f" (one of: {', '.join(str(c) for c in action.choices)})"
    return [".TP", head, _line(_inline(text))]


def _coordinator_parsers() -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """subcommand -> (its one-line help, its parser)."""
    main = usage.coordinator()
    sub = _subparsers(main)
    helps = {a.dest: re.sub(r" \(jobsub-compat \w+ --help\)", "", a.help or "")
             for a in sub._choices_actions}
    found: dict[str, tuple[str, argparse.ArgumentParser]] = {}
    for name, parser in sub.choices.items():
        if name in usage.OWN_PARSERS:
            module = importlib.import_module(f"{__package__}.{usage.OWN_PARSERS[name]}")
            parser = module._parser()
        found[name] = (helps[name], parser)
    return found


def _coordinator_pages() -> dict[str, str]:
    parsers = _coordinator_parsers()
    pages: dict[str, str] = {}
    items: list[str] = []
    for name, (summary, parser) in parsers.items():
        items += [".TP", f"\\fBjobsub\\-compat {_escape(name)}\\fR",
                  _line(_inline(f"{summary} (jobsub-compat-{name}(1))."))]
        synopsis = parser.format_usage().strip()
        synopsis = synopsis[len("usage: "):] if synopsis.startswith("usage: ") else synopsis
        opts = [line for action in parser._actions for line in _action_item(action)]
        description = parser.description or summary[:1].upper() + summary[1:] + "."
        pages[f"jobsub-compat-{name}"] = _page(
            f"jobsub-compat-{name}", summary, synopsis, [
                ("DESCRIPTION", _paragraphs(description)), ("OPTIONS", opts),
                ("NOTES", _paragraphs(parser.epilog or "")),
                ("SEE ALSO", [_escape("jobsub-compat(1)")])], command=parser.prog)
    main = usage.coordinator()
    entry = COMMANDS["jobsub-compat"]
    pages[entry.name] = _page(
        entry.name, entry.summary, entry.usage, [
            ("DESCRIPTION", _paragraphs(main.description or "")),
            ("SUBCOMMANDS", items),
            ("OPTIONS", [line for action in main._actions
                         if not isinstance(action, argparse._SubParsersAction)
                         for line in _action_item(action)]),
            ("FILES", _files()),
            ("SEE ALSO", [_escape(", ".join(f"{c.name}(1)" for c in COMMANDS.values()
                                            if c.table))])])
    return pages


def pages() -> dict[str, str]:
    """File name (NAME.1) -> page, for every command of the registry and every
    coordinator subcommand."""
    found = _coordinator_pages()
    for name, entry in COMMANDS.items():
        if entry.table:
            found[name] = _dropin_page(name)
        elif name == umbrella.COMMAND:
            found[name] = _umbrella_page()
        elif name in credentials.TOOLS:  # voms-clients' options, not a table
            found[name] = _credential_page(name)
    return {f"{name}.1": text for name, text in sorted(found.items())}


def write(directory: str) -> int:
    """Write every page into `directory` (created); the status for main()."""
    made = pages()  # all made before anything is written
    os.makedirs(directory, exist_ok=True)
    for name, text in made.items():
        with open(os.path.join(directory, name), "w", encoding="ascii") as handle:
            handle.write(text)
    return 0
