"""Settings and where each one came from.

Precedence: command line > environment (JOBSUB_COMPAT_<NAME>) > user config
(~/.config/jobsub_compat.conf, or $XDG_CONFIG_HOME) > site config
(/etc/jobsub_compat/jobsub_compat.conf, or $JOBSUB_COMPAT_SITE_CONFIG) > defaults. An
empty environment variable counts as unset.

ConfigArgParse's config file format (its DefaultConfigFileParser, ConfigArgParse 1.9.0)
IS the format of these files, and ConfigArgParse parses `jobsub-compat report`, `migrate`
and `explain` (cliparser.py) with them and the environment as its lower layers. One line
each, stripped of whitespace:
- blank lines, lines starting with `#`, `;` or `[` (a section header counts as a
  comment) and lines starting with `---` are skipped;
- otherwise the line is a NAME (up to the first whitespace or `:=;#`), then `=`, `:` or
  whitespace, then the value: `name = value`, `name: value`, `name value`, `--name
  value`. One pair of quotes around the value is removed (`log = "~/my log"`), and a
  comment is cut when `#` or `;` follows whitespace (`silence = JC101  # noisy` is
  JC101; `a#b` and `a;b` inside a value stay). `name =` is empty; `name` alone is
  `true`;
- a value `[...]` is a list (JSON, else the comma-split words): no setting takes one;
- a line starting with `=` or `:`, or a NAME followed at once by `#` or `;`, is an error.
A NAME is a setting's name, with `_` or `-` (`log_dir`, `log-dir`), optionally after
`--`; other names are left for other tools. parse() gives exactly what ConfigArgParse's
parser gives, error for error (tests/test_config.py proves it on generated files).

The drop-ins read the files with parse(), by hand, because every drop-in call reads them:
importing configargparse (which brings argparse, re, json, glob and more) costs
about 20 ms (`python3 -X importtime -c 'import configargparse'`, cumulative, Python 3.11
on this project's 2-core machine, 2026-12-02), more than a bare interpreter start there
(about 12 ms) and more than the whole of what jobsub_q adds to one (about 14 ms, 1.5x;
the README's Benchmarks): it would more than double a jobsub_q call. The subcommands
import it (cliparser.py); the drop-ins never do (tests/test_startup.py).

A config file that is absent is no config; one that exists but is not a regular file of
at most 1 MiB that can be read, or that ConfigArgParse would refuse, or that gives a
setting a list, is an error (RuntimeFailure: exit 1, one line naming the file and line),
since ignoring it would change which backend or log a call uses.

Settings are built once per call (dropin.run) and handed to what needs them.
"""

from __future__ import annotations

import os

from . import paths, userfiles
from .warnings import RuntimeFailure

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Union

    Value = Union[str, list[Any]]  # a value of a config file: a string, or a [...] list

SITE_CONFIG = "/etc/jobsub_compat/jobsub_compat.conf"
LIMIT = 1 * userfiles.MiB

DEFAULTS: dict[str, str] = {
    "backend": "",  # directory holding the real jobsub_lite executables
    "log": "",  # the per-user migration log: a path, "off", or "" for the XDG default
    "log_dir": "",  # a shared directory (site config) that also gets every record
    "syslog": "",  # "on": also send each record to syslog
    "silence": "",  # warning codes not to print (comma list), or "all"
    "strict": "",  # "1": deprecations are errors (exit 2), for experiments' CI
    "htgettoken_opts": "",  # -a ... for credential drop-ins when HTGETTOKENOPTS is unset
}

# Settings whose environment variable is not JOBSUB_COMPAT_<NAME>.
ENVIRONMENT = {"log": "JOBSUB_COMPAT_LOG", "htgettoken_opts": "HTGETTOKENOPTS"}


def variable(name: str) -> str:
    """The environment variable of a setting."""
    return ENVIRONMENT.get(name, f"JOBSUB_COMPAT_{name.upper()}")


def option_strings(name: str) -> list[str]:
    """A setting's command-line options, whose names (with and without `--`) are its
    config file keys, as ConfigArgParse reads keys."""
    dashed = "--" + name.replace("_", "-")
    return [dashed] if dashed == "--" + name else [dashed, "--" + name]


# config file key -> setting name
KEYS = {key: name for name in DEFAULTS for option in option_strings(name)
        for key in (option, option[2:])}


class Setting:
    __slots__ = ("value", "source")

    def __init__(self, value: str, source: str) -> None:
        self.value = value
        self.source = source  # "environment JOBSUB_COMPAT_BACKEND", "user config PATH", ...


class ConfigError(ValueError):
    """A line ConfigArgParse's parser refuses: `number` counts from 1."""

    def __init__(self, number: int, line: str) -> None:
        super().__init__(f"line {number} is no setting: {line!r}")
        self.number, self.line = number, line


def config_files(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, path) of the config files, highest precedence first."""
    site = environ.get("JOBSUB_COMPAT_SITE_CONFIG", SITE_CONFIG)
    return [("user config", paths.user_config(environ)),
            ("site config", site)]


def _comment_at(text: str, start: int) -> bool:
    """Does a comment start at `start`: whitespace, then `#` or `;`?"""
    end = start
    while end < len(text) and text[end].isspace():
        end += 1
    return start < end < len(text) and text[end] in "#;"


def _unquoted(text: str) -> str:
    """`text` up to the first comment (text starts with no whitespace). Only where a run
    of whitespace starts is a comment looked for, so each run is read once."""
    for at in range(1, len(text)):
        if text[at].isspace() and not text[at - 1].isspace() and _comment_at(text, at):
            return text[:at]
    return text


def _value(text: str, equal: str) -> Value:
    """What follows the separator `equal`, as ConfigArgParse's pattern takes it
    (`\\s*(['"]?)(.+?)?\\1\\s*(?:\\s[;#].*)?$`): the shortest value that leaves only a
    comment, inside one pair of quotes when they can be found."""
    text = text.lstrip()
    value: str | None = None
    quoted = False
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = text.find(quote, 2)
        while end != -1 and not (end + 1 == len(text) or _comment_at(text, end + 1)):
            end = text.find(quote, end + 1)
        if end != -1:
            value, quoted = text[1:end], True
        elif text[1:2] == quote and (len(text) == 2 or _comment_at(text, 2)):
            quoted = True  # `""`: the quotes hold no value
    if not quoted:
        value = _unquoted(text) if text else None
    if value is None:
        return "true" if equal == " " else ""
    if value.startswith("[") and value.endswith("]"):
        from . import jsontext

        try:
            found: list[Any] = jsontext.loads(value)
            return found
        except Exception:  # as ConfigArgParse: not JSON, so comma-separated words
            return [word.strip() for word in value[1:-1].split(",")]
    return value


def parse(text: str) -> dict[str, Value]:
    """The settings of a config file's text, as ConfigArgParse's DefaultConfigFileParser
    parses it (lines as a text-mode file gives them); ConfigError where it refuses one."""
    values: dict[str, Value] = {}
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n")
                                  .split("\n"), 1):
        line = line.strip()
        if not line or line[0] in "#;[" or line.startswith("---"):
            continue
        end = 0
        while end < len(line) and not line[end].isspace() and line[end] not in ":=;#":
            end += 1
        key, rest = line[:end], line[end:]
        if not key or rest[:1] in ("#", ";"):
            raise ConfigError(number, line)
        if not rest:
            values[key] = "true"
            continue
        if rest[0] in ":=":
            equal, rest = rest[0], rest[1:]
        else:  # whitespace, then `=` or `:`, or whitespace alone
            gap = len(rest) - len(rest.lstrip())
            if rest[gap] in ":=":
                equal, rest = rest[gap], rest[gap + 1:]
            else:
                equal, rest = rest[gap - 1], rest[gap:]
        values[key] = _value(rest, equal)
    return values


def read_file(path: str, label: str = "config file") -> dict[str, Value]:
    """What parse() gives for the file at `path`, {} when there is none; RuntimeFailure
    when it cannot be read or holds a line ConfigArgParse refuses."""
    if not os.path.exists(path):
        return {}
    try:
        text = userfiles.read_text(path, LIMIT, f"the {label}")
    except userfiles.UserFileError as exc:
        raise RuntimeFailure(f"the {label} {path} {exc.reason}; fix it or remove it") from None
    try:
        return parse(text)
    except ConfigError as exc:
        raise RuntimeFailure(
            f"the {label} {path}: {userfiles.printable(str(exc))}; write `name = value`, "
            "or start the line with # to make it a comment") from None


def file_settings(values: Mapping[str, Value], where: str) -> dict[str, Setting]:
    """The settings among a config file's values (where: "user config PATH", ...); a later
    key wins, as a later option does in ConfigArgParse. RuntimeFailure for a list."""
    found: dict[str, Setting] = {}
    for key, value in values.items():
        name = KEYS.get(key)
        if name is None:
            continue  # another tool's setting, as ConfigArgParse leaves it
        if isinstance(value, list):
            raise RuntimeFailure(
                f"the {where} gives {key} a list ({userfiles.printable(str(value))}); "
                f"give it one value, e.g. {name} = a,b")
        found[name] = Setting(value, where)
    return found


def settings(environ: Mapping[str, str]) -> dict[str, Setting]:
    """Every setting, from the environment, the config files and the defaults (each file
    read once)."""
    result = {name: Setting(value, "default") for name, value in DEFAULTS.items()}
    for label, path in reversed(config_files(environ)):
        result.update(file_settings(read_file(path, label), f"{label} {path}"))
    for name in result:
        var = variable(name)
        if environ.get(var):
            result[name] = Setting(environ[var], f"environment {var}")
    return result
