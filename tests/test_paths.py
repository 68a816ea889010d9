"""paths.py: every file of ours is found by one XDG rule (an absolute XDG_*_HOME is used;
unset, empty or relative, the default under $HOME, as the XDG Base Directory spec says),
in every module that looks for one; the bearer token's default file by htgettoken's rule."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import jwt
import pytest
from benchmarks.run import STAND_IN

from jobsub_compat import backend, cliparser, config, log, paths, tokens
from jobsub_compat.commands import credentials
from tests.conftest import ROOT


def _user_config(env: Mapping[str, str]) -> str:
    return config.config_files(env)[0][1]


def _user_log(env: Mapping[str, str]) -> str:
    found = log.user_log(env, "")
    assert found is not None
    return found


def _coordinators_log(env: Mapping[str, str]) -> str:
    """What report and migrate --from-log read when no log is named (no log_dir set)."""
    return cliparser.default_log(config.settings(env), env)


# (variable, its default under $HOME, the file under it, who looks for the file)
PLACES = [
    pytest.param("XDG_CONFIG_HOME", ".config", "jobsub_compat.conf", _user_config,
                 id="config-user-config"),
    pytest.param("XDG_STATE_HOME", ".local/state", "jobsub_compat/migration.jsonl", _user_log,
                 id="log-user-log"),
    pytest.param("XDG_STATE_HOME", ".local/state", "jobsub_compat/migration.jsonl",
                 _coordinators_log, id="report-and-migrate-default-log"),
    pytest.param("XDG_STATE_HOME", ".local/state", "jobsub_compat/voms-proxy-init.json",
                 credentials._made_list, id="voms-proxy-init-list"),
    pytest.param("XDG_CACHE_HOME", ".cache", "jobsub_compat/backend-versions.json",
                 backend._cache_path, id="backend-version-cache"),
    pytest.param("XDG_CACHE_HOME", ".cache", "jobsub_compat/token-claims.json",
                 tokens._cache_path, id="token-claims-cache"),
]
INVALID = ["", "relative", "./state", "a/../b", "~/state", "~"]  # "~" is not expanded: relative


@pytest.mark.parametrize(("variable", "default", "name", "where"), PLACES)
def test_one_xdg_rule_everywhere(tmp_path: Path, variable: str, default: str, name: str,
                                 where: Callable[[Mapping[str, str]], str]) -> None:
    home = tmp_path / "home"
    env = {"HOME": str(home), "JOBSUB_COMPAT_SITE_CONFIG": str(tmp_path / "site.conf")}
    expected = str(home / default / name)
    assert where(env) == expected
    for value in INVALID:
        assert where({**env, variable: value}) == expected, value
    assert where({**env, variable: str(tmp_path / "xdg")}) == str(tmp_path / "xdg" / name)
    assert where({**env, variable: "/"}) == "/" + name


@pytest.mark.parametrize(("variable", "default", "name", "where"), PLACES)
def test_an_empty_home_is_the_process_home(tmp_path: Path, variable: str, default: str,
                                           name: str,
                                           where: Callable[[Mapping[str, str]], str]) -> None:
    env = {"HOME": "", "JOBSUB_COMPAT_SITE_CONFIG": str(tmp_path / "site.conf")}
    assert where(env) == os.path.join(os.path.expanduser("~"), default, name)


def test_the_base_directories() -> None:
    env = {"HOME": "/h", "XDG_CONFIG_HOME": "/c", "XDG_STATE_HOME": "s", "XDG_CACHE_HOME": ""}
    assert (paths.config_home(env), paths.state_home(env), paths.cache_home(env)) == \
        ("/c", "/h/.local/state", "/h/.cache")
    assert paths.user_config(env) == "/c/jobsub_compat.conf"
    assert paths.state_file(env, "x.json") == "/h/.local/state/jobsub_compat/x.json"
    assert paths.cache_file(env, "x.json") == "/h/.cache/jobsub_compat/x.json"


# htdecodetoken's and htdestroytoken's default token file (htgettoken's -o default, but for
# an empty XDG_RUNTIME_DIR), run by the shell.
HTDECODETOKEN = 'echo "${BEARER_TOKEN_FILE:-${XDG_RUNTIME_DIR:-/tmp}/bt_u`id -u`}"'


@pytest.mark.parametrize("runtime", [None, "", "/run/user/5", "relative/run", "./r", "~/r"])
def test_the_default_token_file_is_htgettokens(runtime: str | None) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if runtime is not None:
        env["XDG_RUNTIME_DIR"] = runtime
    done = subprocess.run(["sh", "-c", HTDECODETOKEN], env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    assert tokens.wlcg_default_path(env) == done.stdout.rstrip("\n")
    assert paths.runtime_token_file(env) == (done.stdout.rstrip("\n") if runtime else None)


def test_a_relative_runtime_dir_is_read_as_htgettoken_wrote_it(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """htgettoken writes $XDG_RUNTIME_DIR/bt_u<euid> relative to its working directory; the
    drop-in run from the same directory finds that token, before /tmp's."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run").mkdir()
    token = tmp_path / "run" / f"bt_u{os.geteuid()}"
    token.write_text("from-relative-runtime\n")
    token.chmod(0o600)
    found = tokens.discover({"XDG_RUNTIME_DIR": "run"})
    assert found is not None
    assert (found.source, found.path, found.token) == \
        ("XDG_RUNTIME_DIR", f"run/bt_u{os.geteuid()}", "from-relative-runtime")


def test_a_drop_in_ignores_relative_xdg_homes(tmp_path: Path) -> None:
    """A jobsub_q call with relative XDG_CONFIG_HOME, XDG_STATE_HOME and XDG_CACHE_HOME
    reads and writes under $HOME's defaults, never under the working directory: the config
    planted at the relative place (which would turn the log off) is not read."""
    lite = tmp_path / "lite"
    lite.mkdir()
    stand_in = lite / "jobsub_q"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)
    token = jwt.encode({"wlcg.groups": ["/gm2"], "exp": int(time.time()) + 7200,
                        "iss": "https://cilogon.org/gm2", "sub": "alice"}, "k" * 32,
                       algorithm="HS256")
    token_file = tmp_path / "bt_gm2"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    work = tmp_path / "work"
    (work / "rel").mkdir(parents=True)
    (work / "rel" / "jobsub_compat.conf").write_text("log = off\n")
    home = tmp_path / "home"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "JOBSUB_COMPAT_BACKEND": str(lite),
           "BEARER_TOKEN_FILE": str(token_file), "TMPDIR": str(tmp_path),
           "JOBSUB_COMPAT_SITE_CONFIG": str(tmp_path / "site.conf"),
           "XDG_CONFIG_HOME": "rel", "XDG_STATE_HOME": "rel", "XDG_CACHE_HOME": "rel"}
    done = subprocess.run([sys.executable, str(ROOT / "bin" / "jobsub_q"), "-G", "gm2"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (work / "rel").iterdir()) == ["jobsub_compat.conf"]
    ours = home / ".local" / "state" / "jobsub_compat"
    assert [p.name for p in ours.iterdir()] == ["migration.jsonl"]
    assert sorted(p.name for p in (home / ".cache" / "jobsub_compat").iterdir()) == \
        ["backend-versions.json", "token-claims.json"]
