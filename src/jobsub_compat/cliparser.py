"""The ConfigArgParse parser of `jobsub-compat`'s subcommands with a parser of their own
(report, migrate, explain). A setting such a subcommand takes as an option
(Parser.setting) has the environment and the config files below the command line, as
ConfigArgParse reads them: the precedence and the file format are ConfigArgParse's
(config.py). A usage error is one line on stderr and status 2, help ends main() with its
status (usage.Stop, usage.run)."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Mapping
from typing import Any, NoReturn, Optional

import configargparse

from . import config, userfiles
from .usage import Stop


class Parser(configargparse.ArgumentParser):  # type: ignore[misc]
    """A subcommand's parser. Its settings (setting()) come, in ConfigArgParse's order,
    from the command line, the environment (an empty variable counts as unset, as for the
    drop-ins), the user config, the site config, their defaults (parse_settings())."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # What ConfigArgParse reads (the later file wins), with the label of each.
        self._config_files = [(self._site_config, "site config"),
                              (self._user_config, "user config")]
        super().__init__(*args, add_config_file_help=False, add_env_var_help=False,
                         ignore_unknown_config_file_keys=True,
                         default_config_files=[entry for entry, _ in self._config_files],
                         **kwargs)
        self.settings: dict[str, argparse.Action] = {}
        self._paths: dict[str, str] = {}  # label -> path, set by parse_settings

    def setting(self, name: str, metavar: str, help: str) -> None:
        """Take the setting `name` (config.DEFAULTS) as an option, --NAME."""
        self.settings[name] = self.add_argument(
            *config.option_strings(name), dest=name, metavar=metavar,
            env_var=config.variable(name), default=config.DEFAULTS[name],
            help=f"{help} (the {name} setting: ${config.variable(name)}, or `{name} = "
                 f"{metavar}` in a config file)")

    def _stream(self, label: str) -> io.StringIO:
        path = self._paths[label]
        text = userfiles.read_text(path, config.LIMIT, f"the {label}") \
            if os.path.exists(path) else ""
        return io.StringIO(text, newline=None)  # as open() reads a file's lines

    def _site_config(self) -> io.StringIO:
        return self._stream("site config")

    def _user_config(self) -> io.StringIO:
        return self._stream("user config")

    def _find_insertion_index(self, args: list[str]) -> int:
        # Settings of the lower layers go first, before any command words (explain's
        # REMAINDER would take them as the explained command's); one given on the command
        # line is never added.
        return 0

    def parse_settings(self, argv: list[str], environ: Mapping[str, str]
                       ) -> tuple[argparse.Namespace, dict[str, config.Setting]]:
        """The arguments, and every setting with its source: this parser's from
        ConfigArgParse, the others as the drop-ins read them (config.settings). A config
        file the drop-ins refuse is a RuntimeFailure (exit 1, one line) here too."""
        found = config.settings(environ)
        self._paths = dict(config.config_files(environ))
        args = self.parse_args(argv, env_vars={k: v for k, v in environ.items() if v})
        sources = self.get_source_to_settings_dict()
        files = [(f"config_file|{entry.__name__}[{i}]", label)
                 for i, (entry, label) in enumerate(self._config_files)]
        for name, action in self.settings.items():
            var = config.variable(name)
            keys = self.get_possible_config_keys(action)
            if configargparse.already_on_command_line(argv, action.option_strings,
                                                      self.prefix_chars):
                source = "command line"
            elif var in sources.get("environment_variables", {}):
                source = f"environment {var}"
            else:
                source = next((f"{label} {self._paths[label]}" for key, label in files
                               if any(k in sources.get(key, {}) for k in keys)), "default")
            found[name] = config.Setting(getattr(args, name), source)
        return args, found

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise Stop(2)

    def exit(self, status: int = 0, message: Optional[str] = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise Stop(status)


def log_settings(parser: Parser) -> None:
    """The settings that say which migration log a coordinator's tool reads."""
    parser.setting("log", "FILE", "the per-user migration log to read when no LOG is named, "
                   "unless --log-dir is set")
    parser.setting("log_dir", "DIR", "the site's shared log directory, read when no LOG is "
                   "named; --log-dir '' reads the per-user log instead")


def default_log(settings: Mapping[str, config.Setting], environ: Mapping[str, str]) -> str:
    """What a coordinator's tool reads when no log is named: the site's log_dir when one
    is set, else the per-user log the drop-ins write (`off` aside)."""
    from . import log

    if settings["log_dir"].value:
        return os.path.expanduser(settings["log_dir"].value)
    configured = settings["log"].value
    path = log.user_log(environ, "" if configured == "off" else configured)
    assert path is not None
    return path
