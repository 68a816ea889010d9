"""Settings and where each one came from.

Precedence: command line > environment (JOBSUB_COMPAT_<NAME>) > user config
(~/.config/jobsub_compat.conf, or $XDG_CONFIG_HOME) > site config
(/etc/jobsub_compat/jobsub_compat.conf, or $JOBSUB_COMPAT_SITE_CONFIG) > defaults.

The files use ConfigArgParse's default format (`name = value`, `#` comments, `[section]`
headers ignored). They are read by hand here because every drop-in call reads them and
importing configargparse would cost more than the rest of a call's parsing. A config file
that is absent is no config; one that exists but is not a regular file of at most 1 MiB
that can be read is an error (RuntimeFailure: exit 1, one line), since ignoring it would
change which backend or log a call uses.
"""

from __future__ import annotations

import os

from . import paths, userfiles
from .warnings import RuntimeFailure

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

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


class Setting:
    __slots__ = ("value", "source")

    def __init__(self, value: str, source: str) -> None:
        self.value = value
        self.source = source  # "environment JOBSUB_COMPAT_BACKEND", "user config PATH", ...


def config_files(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, path) of the config files, highest precedence first."""
    site = environ.get("JOBSUB_COMPAT_SITE_CONFIG", SITE_CONFIG)
    return [("user config", paths.user_config(environ)),
            ("site config", site)]


def read_file(path: str, label: str = "config file") -> dict[str, str]:
    values: dict[str, str] = {}
    if not os.path.exists(path):
        return values
    try:
        text = userfiles.read_text(path, LIMIT, f"the {label}")
    except userfiles.UserFileError as exc:
        raise RuntimeFailure(f"the {label} {path} {exc.reason}; fix it or remove it") from None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        for sep in ("=", ":"):
            name, found, value = line.partition(sep)
            if found:
                values[name.strip().replace("-", "_")] = value.strip()
                break
    return values


def settings(environ: Mapping[str, str]) -> dict[str, Setting]:
    result = {name: Setting(value, "default") for name, value in DEFAULTS.items()}
    for label, path in reversed(config_files(environ)):
        for name, value in read_file(path, label).items():
            if name in result:
                result[name] = Setting(value, f"{label} {path}")
    for name in result:
        var = ENVIRONMENT.get(name, f"JOBSUB_COMPAT_{name.upper()}")
        if environ.get(var):
            result[name] = Setting(environ[var], f"environment {var}")
    return result


# Settings whose environment variable is not JOBSUB_COMPAT_<NAME>.
ENVIRONMENT = {"log": "JOBSUB_COMPAT_LOG", "htgettoken_opts": "HTGETTOKENOPTS"}
