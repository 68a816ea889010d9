"""Where jobsub-compat keeps its own files, and where the bearer token's default file is.

Our files live in the XDG base directories, under one rule (the XDG Base Directory
specification): $XDG_CONFIG_HOME, $XDG_STATE_HOME and $XDG_CACHE_HOME are used when they
hold an absolute path; unset, empty or relative, the default under the home directory is
used instead ("If an implementation encounters a relative path in any of these variables
it should consider the path invalid and ignore it"):

- the user config: $XDG_CONFIG_HOME/jobsub_compat.conf, else ~/.config/jobsub_compat.conf;
- state: $XDG_STATE_HOME/jobsub_compat/ (the migration log, voms-proxy-init's list of the
  token files it made), else ~/.local/state/jobsub_compat/;
- caches: $XDG_CACHE_HOME/jobsub_compat/ (jobsub_lite versions, token claims), else
  ~/.cache/jobsub_compat/.

The home directory is the environment's $HOME, else (unset or empty) the process's own
(os.path.expanduser: $HOME, then the passwd entry).

The bearer token's default file is not ours and follows another rule: see
runtime_token_file. Stdlib os only: every drop-in call reads these paths.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping

APP = "jobsub_compat"  # our directory in the state and cache homes


def home(environ: Mapping[str, str]) -> str:
    return environ.get("HOME") or os.path.expanduser("~")


def _base(environ: Mapping[str, str], variable: str, default: tuple[str, ...]) -> str:
    value = environ.get(variable, "")
    if os.path.isabs(value):
        return value
    return os.path.join(home(environ), *default)


def config_home(environ: Mapping[str, str]) -> str:
    return _base(environ, "XDG_CONFIG_HOME", (".config",))


def state_home(environ: Mapping[str, str]) -> str:
    return _base(environ, "XDG_STATE_HOME", (".local", "state"))


def cache_home(environ: Mapping[str, str]) -> str:
    return _base(environ, "XDG_CACHE_HOME", (".cache",))


def user_config(environ: Mapping[str, str]) -> str:
    """The user config file."""
    return os.path.join(config_home(environ), APP + ".conf")


def state_file(environ: Mapping[str, str], name: str) -> str:
    """Our state file `name` (migration.jsonl, voms-proxy-init.json)."""
    return os.path.join(state_home(environ), APP, name)


def cache_file(environ: Mapping[str, str], name: str) -> str:
    """Our cache file `name` (backend-versions.json, token-claims.json)."""
    return os.path.join(cache_home(environ), APP, name)


def runtime_token_file(environ: Mapping[str, str]) -> str | None:
    """$XDG_RUNTIME_DIR/bt_u<euid>, the bearer token file htgettoken writes by default;
    None when XDG_RUNTIME_DIR is unset or empty (the default is then /tmp/bt_u<euid>).

    The file is htgettoken's, so it is looked for where htgettoken puts it, not under the
    XDG rule above. htgettoken (2.x, htgettoken/__init__.py) takes
    `os.getenv("XDG_RUNTIME_DIR")` as it is when BEARER_TOKEN_FILE is unset, a relative
    value too (then relative to its working directory), and /tmp only when the variable
    is unset; htdecodetoken and htdestroytoken read
    `${BEARER_TOKEN_FILE:-${XDG_RUNTIME_DIR:-/tmp}/bt_u<uid>}`, and jobsub_lite's
    condor_vault_storer stores `${XDG_RUNTIME_DIR:-/tmp}/bt_u<uid>`, as WLCG bearer token
    discovery (condor, gfal, xrootd) reads it. So a relative value is used as it is, and
    an empty one counts as unset, as in those shell tools (htgettoken alone would then
    write /bt_u<euid>, which no user can create). jobsub_lite itself never reads the
    variable: it points BEARER_TOKEN_FILE at its own ${TMPDIR:-/tmp}/bt_token_* file.
    """
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    return os.path.join(runtime, f"bt_u{os.geteuid()}") if runtime else None
