"""tokens: WLCG discovery, jobsub_lite's token file, claims and the pre-flight, with
RS256-signed tokens made here (pyjwt + cryptography)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest

from jobsub_compat import codes as jc
from jobsub_compat import proxies, tokens
from jobsub_compat.warnings import UsageError

from .test_proxies import key, make_proxy

SRC = str(Path(__file__).resolve().parents[1] / "src")
UID = os.getuid()


def make_token(groups: list[str] | None = None, lifetime: float = 10800,
               issuer: str | None = None, **extra: Any) -> str:
    """An RS256 token shaped like Fermilab's (tokens.md §4)."""
    groups = ["/gm2"] if groups is None else groups
    vo = issuer or (groups[0].strip("/").split("/")[0] if groups else "fermilab")
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": f"https://cilogon.org/{vo}", "sub": "alice@fnal.gov",
        "aud": "https://wlcg.cern.ch/jwt/v1/any", "wlcg.ver": "1.0", "wlcg.groups": groups,
        "scope": f"compute.create compute.read storage.read:/{vo} storage.create:/{vo}",
        "iat": now, "nbf": now, "exp": int(now + lifetime), "jti": str(uuid.uuid4()),
    }
    payload.update(extra)
    if not groups:
        del payload["wlcg.groups"]
    return jwt.encode(payload, key(), algorithm="RS256")


def write_token(path: Path, token: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n")
    path.chmod(mode)
    return path


def token_environ(environ: dict[str, str], tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The conftest environment plus TMPDIR, with /tmp (tokens.TMP, proxies.TMP) moved
    into the test's directory."""
    tmp = tmp_path / "tmp"
    tmpdir = tmp_path / "tmpdir"
    for directory in (tmp, tmpdir):
        directory.mkdir(exist_ok=True)
    monkeypatch.setattr(tokens, "TMP", str(tmp))
    monkeypatch.setattr(proxies, "TMP", str(tmp))
    return {**environ, "TMPDIR": str(tmpdir)}


@pytest.fixture
def env(environ: dict[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return token_environ(environ, tmp_path, monkeypatch)


def lite_file(env: dict[str, str], issuer: str, role: str) -> Path:
    return Path(env["TMPDIR"]) / f"bt_token_{issuer}_{role}_{UID}"


def codes(result: tokens.Preflight) -> list[str]:
    return [code for code, _ in result.warnings]


# -- discovery ------------------------------------------------------------------------


def test_discovery_order(env: dict[str, str], tmp_path: Path) -> None:
    tmp = Path(tokens.TMP)
    runtime = tmp_path / "run"
    write_token(tmp / f"bt_u{os.geteuid()}", "from-tmp")
    assert tokens.discover(env) == tokens.Found("/tmp", str(tmp / f"bt_u{os.geteuid()}"),
                                                "from-tmp")
    write_token(runtime / f"bt_u{os.geteuid()}", "from-xdg")
    env["XDG_RUNTIME_DIR"] = str(runtime)
    assert tokens.discover(env).token == "from-xdg"  # type: ignore[union-attr]
    named = write_token(tmp_path / "named", "  from-file\n\n")
    env["BEARER_TOKEN_FILE"] = str(named)
    found = tokens.discover(env)
    assert found is not None and (found.source, found.token) == ("BEARER_TOKEN_FILE", "from-file")
    env["BEARER_TOKEN"] = " \tfrom-variable\n"
    found = tokens.discover(env)
    assert found is not None and (found.source, found.path, found.token) == \
        ("BEARER_TOKEN", None, "from-variable")
    assert tokens.discover_file(env).token == "from-file"  # type: ignore[union-attr]


@pytest.mark.parametrize(("setup", "expected"), [
    pytest.param({"BEARER_TOKEN": " \n\t "}, "from-tmp", id="blank-variable-skipped"),
    pytest.param({"BEARER_TOKEN_FILE": "EMPTY"}, "from-tmp", id="empty-file-skipped"),
    pytest.param({"BEARER_TOKEN_FILE": "MISSING"}, "from-tmp", id="missing-file-skipped"),
    pytest.param({"XDG_RUNTIME_DIR": ""}, "from-tmp", id="empty-xdg-skipped"),
])
def test_discovery_skips_empty(env: dict[str, str], tmp_path: Path, setup: dict[str, str],
                               expected: str) -> None:
    write_token(Path(tokens.TMP) / f"bt_u{os.geteuid()}", "from-tmp")
    write_token(tmp_path / "EMPTY", "  ")
    env.update({k: str(tmp_path / v) if v in ("EMPTY", "MISSING") else v
                for k, v in setup.items()})
    found = tokens.discover(env)
    assert found is not None and found.token == expected


def test_found_never_shows_the_token() -> None:
    assert "secret" not in repr(tokens.Found("BEARER_TOKEN", None, "secret"))


def test_where_jobsub_lite_looks(env: dict[str, str], tmp_path: Path) -> None:
    assert tokens.lite_default_path("gm2", "Production", env) == \
        f"{env['TMPDIR']}/bt_token_gm2_Production_{UID}"
    assert tokens.lite_default_path("x", "Analysis", {}) == f"/tmp/bt_token_x_Analysis_{UID}"
    assert tokens.issuer_for("samdev") == "fermilab"
    assert tokens.issuer_for("dune") == "dune"
    assert tokens.wlcg_default_path({"XDG_RUNTIME_DIR": "/run/user/5"}) == \
        f"/run/user/5/bt_u{os.geteuid()}"
    assert tokens.wlcg_default_path({}) == os.path.join(tokens.TMP, f"bt_u{os.geteuid()}")


def test_default_role_file(env: dict[str, str]) -> None:
    assert tokens.default_role_file("gm2", env) is None
    config = Path(env["HOME"]) / ".config"
    config.mkdir(parents=True)
    (config / f"jobsub_default_role_gm2_{UID}").write_text("Production\n")
    assert tokens.default_role_file("gm2", env) == "Production"
    (Path(tokens.TMP) / f"jobsub_default_role_gm2_{UID}").write_text("Calibration\n")
    assert tokens.default_role_file("gm2", env) == "Calibration"  # /tmp first, as jobsub_lite


# -- claims ---------------------------------------------------------------------------


@pytest.mark.parametrize(("groups", "expected"), [
    pytest.param(["/gm2"], ("gm2", "Analysis"), id="analysis"),
    pytest.param(["/dune", "/dune/production"], ("dune", "production"), id="dune-production"),
    pytest.param(["/fermilab/production", "/fermilab"], ("fermilab", "production"),
                 id="role-first"),
    pytest.param(["/fermilab/gm2/production"], ("fermilab/gm2", "production"), id="greedy"),
    pytest.param([], None, id="empty"),
    pytest.param("/gm2", None, id="not-a-list"),
    pytest.param([5, "gm2"], None, id="no-match"),
    pytest.param([5, "/gm2"], ("gm2", "Analysis"), id="non-strings-skipped"),
])
def test_group_and_role(groups: Any, expected: tuple[str, str] | None) -> None:
    assert tokens.group_and_role({"wlcg.groups": groups}) == expected
    assert tokens.group_and_role({}) is None


def test_decode_without_key() -> None:
    payload, problem = tokens.decode(make_token(["/dune", "/dune/production"]))
    assert problem is None and payload is not None
    assert payload["wlcg.groups"] == ["/dune", "/dune/production"]
    assert tokens.decode(make_token(lifetime=-3600))[0] is not None  # expired still readable
    payload, problem = tokens.decode("not.a.token")
    assert payload is None and problem and "not a JWT" in problem


def test_claims_cache(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    token = make_token(["/gm2"])
    first, _ = tokens.claims(token, env)
    cache = Path(env["XDG_CACHE_HOME"]) / "jobsub_compat" / "token-claims.json"
    assert cache.exists() and oct(cache.stat().st_mode & 0o777) == "0o600"
    text = cache.read_text()
    assert token not in text and token.split(".")[2] not in text and "jti" not in text

    def no_decode(token: str) -> tuple[None, str]:
        raise AssertionError("decoded again")

    monkeypatch.setattr(tokens, "decode", no_decode)
    again, _ = tokens.claims(token, env)
    assert again == first and again is not None and again["wlcg.groups"] == ["/gm2"]


def test_claims_cache_is_bounded(env: dict[str, str]) -> None:
    for _ in range(tokens._CACHE_SIZE + 4):
        tokens.claims(make_token(), env)
    cache = Path(env["XDG_CACHE_HOME"]) / "jobsub_compat" / "token-claims.json"
    assert len(json.loads(cache.read_text())) == tokens._CACHE_SIZE


def test_pyjwt_is_imported_plainly_and_only_on_a_cache_miss(tmp_path: Path) -> None:
    """decode() imports pyjwt as any `import jwt` does (cryptography with it, no module
    held back), and a token already seen costs no import of either."""
    token = make_token(["/gm2", "/gm2/production"])
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1])\n"
        "from jobsub_compat import tokens\n"
        "env = {'HOME': sys.argv[3]}\n"
        "payload, problem = tokens.claims(sys.argv[2], env)\n"
        "mods = [m in sys.modules for m in ('jwt', 'cryptography')]\n"
        "import jwt\n"
        "print(json.dumps([payload['wlcg.groups'], mods, jwt.algorithms.has_crypto,\n"
        "                  jwt is sys.modules['jwt']]))\n"
    )
    argv = [sys.executable, "-c", code, SRC, token, str(tmp_path)]
    first = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert json.loads(first.stdout) == [["/gm2", "/gm2/production"], [True, True], True, True]
    again = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert json.loads(again.stdout)[1] == [False, False]


HEAVY = ("jwt", "cryptography", "dataclasses", "typing", "inspect", "hashlib", "json",
         "calendar", "subprocess")


def test_import_and_common_path_are_light(tmp_path: Path) -> None:
    """Importing tokens and a pre-flight load none of HEAVY, with or without a token
    already in the claims cache; only a token not seen before imports pyjwt."""
    token_file = write_token(tmp_path / "bt", make_token())
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); heavy = sys.argv[3].split(',')\n"
        "before = {m for m in heavy if m in sys.modules}\n"
        "from jobsub_compat import tokens\n"
        "env = {'HOME': sys.argv[2], 'TMPDIR': sys.argv[2], 'XDG_CACHE_HOME': sys.argv[2]}\n"
        "tokens.preflight('gm2', None, env)\n"
        "bare = sorted(m for m in heavy if m in sys.modules and m not in before)\n"
        "tokens.claims(open(sys.argv[4]).read().strip(), env)\n"
        "print(bare, 'cryptography' in sys.modules)\n"
    )
    argv = [sys.executable, "-c", code, SRC, str(tmp_path), ",".join(HEAVY), str(token_file)]
    first = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["[]", "True"]  # a new token: pyjwt, cryptography with it
    code = code.replace("tokens.preflight('gm2', None, env)",
                        "env['BEARER_TOKEN_FILE'] = sys.argv[4]; "
                        "tokens.preflight('gm2', None, env)")
    argv[2] = code
    cached = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert cached.stdout.split() == ["[]", "False"]


# -- pre-flight -----------------------------------------------------------------------


def test_matching_token_passes_quietly(env: dict[str, str], tmp_path: Path) -> None:
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(["/gm2"])))
    result = tokens.preflight("gm2", None, env)
    assert (result.env, result.warnings, result.role) == ({}, [], None)
    result = tokens.preflight("GM2", "analysis", env)
    assert (result.env, result.warnings) == ({}, [])


@pytest.mark.parametrize(("groups", "group", "role", "target_role", "reason"), [
    pytest.param(["/dune"], "gm2", None, "Analysis", "group dune role Analysis",
                 id="other-group"),
    pytest.param(["/gm2"], "gm2", "Production", "Production", "group gm2 role Analysis",
                 id="other-role"),
    pytest.param(["/gm2", "/gm2/production"], "gm2", "Analysis", "Analysis",
                 "group gm2 role production", id="production-token-analysis-call"),
    pytest.param([], "gm2", None, "Analysis", "wlcg.groups", id="no-groups"),
])
def test_other_groups_token_is_redirected(env: dict[str, str], tmp_path: Path,
                                          groups: list[str], group: str, role: str | None,
                                          target_role: str, reason: str) -> None:
    named = write_token(tmp_path / "bt", make_token(groups, issuer="x"))
    env["BEARER_TOKEN_FILE"] = str(named)
    result = tokens.preflight(group, role, env)
    target = str(lite_file(env, group, target_role))
    assert result.env == {"BEARER_TOKEN_FILE": target}
    assert codes(result) == [jc.TOKEN_REDIRECTED]
    message = result.warnings[0][1]
    assert reason in message and target in message and str(named) in message
    assert named.exists()  # the other group's token is left alone


def test_case_insensitive_and_samdev(env: dict[str, str], tmp_path: Path) -> None:
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt",
                                               make_token(["/GM2", "/GM2/Production"])))
    assert tokens.preflight("gm2", "production", env).warnings == []
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt2", make_token(["/fermilab"])))
    assert tokens.preflight("samdev", None, env).warnings == []


def test_not_a_token_is_redirected(env: dict[str, str], tmp_path: Path) -> None:
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", "garbage"))
    result = tokens.preflight("gm2", None, env)
    assert result.env == {"BEARER_TOKEN_FILE": str(lite_file(env, "gm2", "Analysis"))}
    assert "not a JWT" in result.warnings[0][1]


def test_redirect_target_checked_too(env: dict[str, str], tmp_path: Path) -> None:
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(["/dune"])))
    write_token(lite_file(env, "gm2", "Analysis"), make_token(["/nova"]))
    result = tokens.preflight("gm2", None, env)
    assert codes(result) == [jc.TOKEN_REDIRECTED, jc.TOKEN_UNUSABLE]


def test_named_per_group_file_is_not_redirected_to_itself(env: dict[str, str]) -> None:
    env["BEARER_TOKEN_FILE"] = str(write_token(lite_file(env, "gm2", "Analysis"),
                                               make_token(["/dune"])))
    result = tokens.preflight("gm2", None, env)
    assert result.env == {} and codes(result) == [jc.TOKEN_UNUSABLE]


def test_lite_default_file_checked(env: dict[str, str]) -> None:
    write_token(lite_file(env, "gm2", "Production"), make_token(["/gm2"]))
    result = tokens.preflight("gm2", "Production", env)
    assert result.env == {} and codes(result) == [jc.TOKEN_UNUSABLE]
    write_token(lite_file(env, "gm2", "Analysis"), make_token(["/gm2"]))
    assert tokens.preflight("gm2", None, env).warnings == []


def test_default_role_file_decides(env: dict[str, str], tmp_path: Path) -> None:
    (Path(tokens.TMP) / f"jobsub_default_role_gm2_{UID}").write_text("Production")
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(["/gm2"])))
    result = tokens.preflight("gm2", None, env)
    assert result.env == {"BEARER_TOKEN_FILE": str(lite_file(env, "gm2", "Production"))}


def test_role_from_token_noted(env: dict[str, str], tmp_path: Path) -> None:
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt",
                                               make_token(["/gm2", "/gm2/production"])))
    result = tokens.preflight("gm2", None, env)
    assert result.env == {} and codes(result) == [jc.ROLE_FROM_TOKEN]
    assert "Production" in result.warnings[0][1]


@pytest.mark.parametrize(("lifetime", "fragment"), [
    pytest.param(300, "expires in 5 min 0 s;", id="soon"),
    pytest.param(-120, "expired 2 min 0 s ago;", id="expired"),
])
def test_expiry_warning(env: dict[str, str], tmp_path: Path, lifetime: int,
                        fragment: str) -> None:
    token = make_token(lifetime=lifetime)
    now = tokens.decode(token)[0]["iat"]  # the check's clock: when the token was made
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", token))
    result = tokens.preflight("gm2", None, env, now=now)
    assert codes(result) == [jc.TOKEN_EXPIRING]
    assert fragment in result.warnings[0][1]
    token = make_token(lifetime=700)
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", token))
    assert tokens.preflight("gm2", None, env, now=tokens.decode(token)[0]["iat"]).warnings == []


def test_readable_file_warning(env: dict[str, str], tmp_path: Path) -> None:
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(), mode=0o644))
    result = tokens.preflight("gm2", None, env)
    assert codes(result) == [jc.TOKEN_FILE_READABLE]
    assert "0644" in result.warnings[0][1]
    os.chmod(env["BEARER_TOKEN_FILE"], 0o640)
    assert codes(tokens.preflight("gm2", None, env)) == [jc.TOKEN_FILE_READABLE]
    os.chmod(env["BEARER_TOKEN_FILE"], 0o600)
    assert tokens.preflight("gm2", None, env).warnings == []


def test_bearer_token_shadows(env: dict[str, str], tmp_path: Path) -> None:
    token = make_token()
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", token))
    env["BEARER_TOKEN"] = token
    result = tokens.preflight("gm2", None, env)
    assert codes(result) == [jc.BEARER_TOKEN_SHADOWS]
    assert "different" not in result.warnings[0][1]
    env["BEARER_TOKEN"] = make_token(["/dune"])
    message = tokens.preflight("gm2", None, env).warnings[0][1]
    assert "shadows" in message and "different token" in message
    assert env["BEARER_TOKEN"] not in message and token not in message


def test_role_from_proxy(env: dict[str, str], tmp_path: Path) -> None:
    proxy = make_proxy(tmp_path / "x509up")
    env["X509_USER_PROXY"] = str(proxy)
    result = tokens.preflight("gm2", None, env)
    assert result.role == "Production"
    assert codes(result) == [jc.PROXY_IN_USE, jc.ROLE_FROM_PROXY]
    assert "--role=Production" in result.warnings[1][1]
    explicit = tokens.preflight("gm2", "Analysis", env)
    assert explicit.role is None and codes(explicit) == [jc.PROXY_IN_USE]


def test_role_from_default_proxy_decides_token_file(env: dict[str, str],
                                                    tmp_path: Path) -> None:
    make_proxy(Path(tokens.TMP) / f"x509up_u{UID}")
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(["/gm2"])))
    result = tokens.preflight("gm2", None, env)
    assert result.role == "Production"
    assert result.env == {"BEARER_TOKEN_FILE": str(lite_file(env, "gm2", "Production"))}
    assert codes(result) == [jc.ROLE_FROM_PROXY, jc.TOKEN_REDIRECTED]


def test_expired_proxy_role_not_used(env: dict[str, str], tmp_path: Path) -> None:
    env["X509_USER_PROXY"] = str(make_proxy(tmp_path / "old", hours=-1))
    result = tokens.preflight("gm2", None, env)
    assert result.role is None
    assert codes(result) == [jc.PROXY_IN_USE, jc.PROXY_EXPIRED]


@pytest.mark.parametrize("kind", ["no-voms", "role-null"])
def test_proxy_without_a_role_gives_none(env: dict[str, str], tmp_path: Path,
                                         kind: str) -> None:
    """A kx509 proxy (no VOMS attributes) or Role=NULL: the legacy client had no role."""
    proxy = make_proxy(tmp_path / kind, voms=False) if kind == "no-voms" else \
        make_proxy(tmp_path / kind, fqans=["/fermilab/gm2/Role=NULL/Capability=NULL"])
    env["X509_USER_PROXY"] = str(proxy)
    result = tokens.preflight("gm2", None, env)
    assert result.role is None
    assert codes(result) == [jc.PROXY_IN_USE]


def test_production_proxy(env: dict[str, str]) -> None:
    env["X509_USER_PROXY"] = "/opt/gm2pro/gm2pro.Production.proxy"
    result = tokens.preflight("gm2", "Production", env)
    assert codes(result) == [jc.PRODUCTION_PROXY]
    assert "managed tokens" in result.warnings[0][1] and "gm2pro" in result.warnings[0][1]


def test_x509_user_proxy_naming_a_token(env: dict[str, str], tmp_path: Path) -> None:
    token_file = write_token(tmp_path / "bt", make_token())
    env["X509_USER_PROXY"] = str(token_file)
    env["BEARER_TOKEN_FILE"] = str(token_file)
    result = tokens.preflight("gm2", None, env)
    assert result.env == {"X509_USER_PROXY": None}
    assert codes(result) == [jc.PROXY_IS_TOKEN]


def test_nothing_to_say_without_credentials(env: dict[str, str]) -> None:
    result = tokens.preflight("gm2", None, env)
    assert (result.env, result.warnings, result.role) == ({}, [], None)


def test_without_pyjwt_nothing_is_redirected(env: dict[str, str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "decode", lambda token: (None, tokens.NO_PYJWT))
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(["/dune"])))
    assert tokens.preflight("gm2", None, env).env == {}


# -- doctor and codes -----------------------------------------------------------------


def test_describe(env: dict[str, str], tmp_path: Path) -> None:
    token = make_token(["/dune", "/dune/production"], lifetime=7200)
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", token, mode=0o644))
    env["GROUP"] = "dune"
    lines = tokens.describe(env)
    found = dict(lines)
    assert found["token"] == f"{tmp_path / 'bt'} (from BEARER_TOKEN_FILE)"
    assert found["token issuer"] == "https://cilogon.org/dune"
    assert found["token groups"] == "/dune, /dune/production"
    assert found["token group/role"] == "dune / production"
    assert "storage.read:/dune" in found["token scopes"]
    assert "UTC" in found["token expiry"] and "left" in found["token expiry"]
    assert "0644" in found["token file mode"]
    assert found["jobsub_lite token"].endswith("(BEARER_TOKEN_FILE)")
    assert all(token not in value for _, value in lines)


def test_describe_without_token(env: dict[str, str]) -> None:
    env["GROUP"] = "gm2"
    found = dict(tokens.describe(env))
    assert found["token"].startswith("none found")
    assert f"bt_token_gm2_Analysis_{UID}" in found["jobsub_lite token"]
    env["BEARER_TOKEN"] = "not-a-token"
    found = dict(tokens.describe(env))
    assert found["token claims"].startswith("unreadable") and "not-a-token" not in str(found)


@pytest.mark.parametrize("runtime", ["", "run"], ids=["no-runtime-dir", "runtime-dir"])
def test_describe_without_token_names_what_discovery_read(env: dict[str, str], runtime: str,
                                                         tmp_path: Path) -> None:
    """The doctor's line names discovery's places in its order; $XDG_RUNTIME_DIR's file
    only when the variable is set."""
    env["XDG_RUNTIME_DIR"] = runtime and str(tmp_path / runtime)
    places = ["BEARER_TOKEN", "BEARER_TOKEN_FILE"]
    places += [str(tmp_path / runtime / f"bt_u{os.geteuid()}")] if runtime else []
    places += [os.path.join(tokens.TMP, f"bt_u{os.geteuid()}")]
    assert dict(tokens.describe(env))["token"].startswith(
        f"none found (looked at {', '.join(places)}); ")


def test_the_preflight_warns_with_credential_codes() -> None:
    named = {value for name, value in vars(tokens).items()
             if name.isupper() and isinstance(value, str) and value.startswith("JC")}
    assert len(named) == 12
    assert all(code.startswith("JC5") and jc.describe(code) for code in named)


# -- names and shared per-group files (issue 12, item 7) --------------------------------

@pytest.mark.parametrize("name", ["gm2", "fermilab", "dune", "samdev", "mu2e", "Production",
                                  "sbnd-x", "uboone_2", "des.sub", "0x", "_x"])
def test_valid_names(name: str) -> None:
    assert tokens.valid_name(name)


@pytest.mark.parametrize("name", ["", "../../etc", "a/b", ".hidden", "-G", "gm2 x", "gm2\n",
                                  "é", "a*", "~", "..", "a b"])
def test_invalid_names(name: str) -> None:
    assert not tokens.valid_name(name)
    with pytest.raises(UsageError, match="is not a group name"):
        tokens.check_name("group", name, "-G")


def test_a_subgroup_has_no_dot() -> None:
    assert tokens.valid_name("a.b") and not tokens.valid_name("a.b", dots=False)


@pytest.mark.parametrize("argv, environ, where", [
    (["-G", "../../etc", "file:///x.sh"], {}, "-G '../../etc'"),
    (["file:///x.sh"], {"JOBSUB_GROUP": "../../etc"}, "JOBSUB_GROUP '../../etc'"),
    (["file:///x.sh"], {"GROUP": "a/b"}, "GROUP 'a/b'"),
    (["-G", "gm2", "--role", "../x", "file:///x.sh"], {}, "--role '../x'"),
    (["-G", "gm2", "--subgroup", "a.b", "file:///x.sh"], {}, "--subgroup 'a.b'"),
])
def test_submit_refuses_what_is_no_name(argv: list[str], environ: dict[str, str],
                                        where: str) -> None:
    from jobsub_compat.commands import submit

    plan = submit.translate(argv, environ)
    assert plan.exit_code == 1 and plan.error and plan.error.startswith(where), plan.error
    assert plan.backend_argv == []


def test_management_commands_refuse_what_is_no_name() -> None:
    """Exit 1: optparse took any word as a group or role; the legacy server refused what
    was no group of its (the client's own checks and the server's refusals exit 1)."""
    from jobsub_compat.commands import q, rm

    plan = rm.translate(["-G", "../../etc", "--jobid", "1.0@jobsub01.fnal.gov"], {})
    assert plan.exit_code == 1 and plan.error and plan.error.startswith("-G '../../etc'")
    plan = q.translate(["-G", "gm2", "--role", "x/y"], {})
    assert plan.exit_code == 1 and plan.error and plan.error.startswith("--role 'x/y'")


@pytest.mark.parametrize("plant", ["symlink", "mode 0644", "directory", "other user"])
def test_a_shared_per_group_file_not_ones_own_is_never_used(env: dict[str, str],
                                                            tmp_path: Path,
                                                            plant: str) -> None:
    """/tmp/bt_token_gm2_Analysis_<uid> planted by someone else: not read, not pointed
    at; a warning, and jobsub_lite's own behaviour (BEARER_TOKEN_FILE left alone)."""
    target = lite_file(env, "gm2", "Analysis")
    good = write_token(tmp_path / "elsewhere", make_token(["/gm2"]))
    if plant == "symlink":
        target.symlink_to(good)
    elif plant == "mode 0644":
        write_token(target, make_token(["/gm2"]), mode=0o644)
    elif plant == "directory":
        target.mkdir()
    else:
        if os.geteuid() != 0:  # pragma: no cover - CI runs as root
            pytest.skip("only root can make a file owned by another user")
        write_token(target, make_token(["/gm2"]))
        os.chown(target, 4242, -1)
    expected = {"symlink": "is a symbolic link", "mode 0644": "has mode 0644, not 0600",
                "directory": "is not a regular file",
                "other user": "belongs to uid 4242, not to you"}[plant]
    result = tokens.preflight("gm2", None, env)  # no BEARER_TOKEN_FILE: jobsub_lite's file
    assert result.env == {} and codes(result) == [jc.TOKEN_FILE_UNSAFE]
    assert f"{target} {expected}: it is not used" in result.warnings[0][1]
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(["/dune"])))
    result = tokens.preflight("gm2", None, env)  # another group's: no redirect to it
    assert result.env == {} and codes(result) == [jc.TOKEN_FILE_UNSAFE]
    del env["BEARER_TOKEN_FILE"]
    assert tokens.group_from_tokens(env) is None  # jobsub_q without -G: not that file


def test_a_private_per_group_file_is_used(env: dict[str, str], tmp_path: Path) -> None:
    target = write_token(lite_file(env, "gm2", "Analysis"), make_token(["/gm2"]), mode=0o400)
    assert tokens.group_from_tokens(env) == ("gm2", str(target))
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(["/dune"])))
    assert tokens.preflight("gm2", None, env).env == {"BEARER_TOKEN_FILE": str(target)}


def test_a_role_that_is_no_name_is_not_taken_from_files(env: dict[str, str]) -> None:
    (Path(tokens.TMP) / f"jobsub_default_role_gm2_{UID}").write_text("../../etc\n")
    assert tokens.default_role_file("gm2", env) is None


def test_a_run_time_value_is_no_name_to_judge() -> None:
    """migrate translates `-G $GROUP` with a stand-in for the run-time value: the name is
    checked when it is known, not refused as a strange character."""
    from jobsub_compat import legacy
    from jobsub_compat.commands import submit

    unknown = legacy.runtime_value(0)
    plan = submit.translate(["-G", unknown, "--role", unknown + "x", "file:///x.sh"], {})
    assert plan.error is None and plan.backend_argv[1:3] == ["-G", unknown]
    plan = submit.translate(["-G", unknown + "/..", "file:///x.sh"], {})
    assert plan.error and "not a group name" in plan.error  # the text around it is known


# -- credential tools (run_tool, through sh) -------------------------------------------


def tool(tmp_path: Path, name: str, body: str) -> dict[str, str]:
    """A shell-script tool in its own directory; an environment whose PATH finds it."""
    directory = tmp_path / "tools"
    directory.mkdir(exist_ok=True)
    script = directory / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return {"PATH": f"{directory}:/usr/bin:/bin", "SEEN": "from the call's environment"}


def test_run_tool_status_stderr_and_environment(tmp_path: Path) -> None:
    env = tool(tmp_path, "t", 'echo "$SEEN $*"; echo "t: first" >&2; echo "t: $SEEN" >&2; '
               "exit 3")
    run = tokens.run_tool(["t", "a b", "c"], env, 10)
    assert (run.status, run.problem, run.timed_out) == (3, "", False)
    assert (run.stdout, run.stderr) == ("", "from the call's environment")  # stdout unread
    kept = tokens.run_tool(["t", "a b", "c"], env, 10, keep_stdout=True)
    assert kept.stdout == "from the call's environment a b c\n"


def test_run_tool_reads_no_stdin_and_gives_no_terminal(tmp_path: Path) -> None:
    env = tool(tmp_path, "t", "read line && echo read; [ -t 0 ] || [ -t 1 ] || echo no-tty")
    assert tokens.run_tool(["t"], env, 10, keep_stdout=True).stdout == "no-tty\n"


def test_run_tool_redacts_a_token_on_stderr(tmp_path: Path) -> None:
    token = make_token()
    env = tool(tmp_path, "t", f"echo 'got {token}' >&2; exit 1")
    run = tokens.run_tool(["t"], env, 10)
    assert run.stderr == "got <redacted>" and token not in repr(run)


@pytest.mark.parametrize(("body", "status"), [pytest.param("kill -TERM $$", -15, id="signal"),
                                               pytest.param("exit 0", 0, id="success")])
def test_run_tool_statuses(tmp_path: Path, body: str, status: int) -> None:
    assert tokens.run_tool(["t"], tool(tmp_path, "t", body), 10).status == status


def test_run_tool_cannot_run(tmp_path: Path) -> None:
    env = tool(tmp_path, "t", "")
    assert tokens.run_tool(["t"], {**env, "PATH": "/nonexistent"}, 10).problem == \
        "t is not on PATH; install it or add its directory to PATH"  # the call's PATH
    (tmp_path / "tools" / "t").write_text("#!/nonexistent/interpreter\n")
    run = tokens.run_tool(["t"], env, 10)
    assert run.status is None and run.problem.startswith("t could not be started (")


def test_run_tool_stops_a_tool_at_its_timeout(tmp_path: Path) -> None:
    env = tool(tmp_path, "t", f"echo $$ > {tmp_path / 'pid'}; exec sleep 60")
    run = tokens.run_tool(["t"], env, 1)
    assert (run.status, run.timed_out, run.problem) == (None, True,
                                                        "t did not finish within 1 s")
    with pytest.raises(ProcessLookupError):
        os.kill(int((tmp_path / "pid").read_text()), 0)


@pytest.mark.parametrize("ignored", [False, True])
def test_run_tool_keeps_the_callers_hangup(tmp_path: Path, ignored: bool) -> None:
    """A tool dies of SIGHUP as its caller would (sh's background mode would have it
    ignore it), and a hangup the caller ignores (nohup) stays ignored."""
    import signal

    env = tool(tmp_path, "t", "grep SigIgn /proc/$$/status")
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN if ignored else signal.SIG_DFL)
    try:
        out = tokens.run_tool(["t"], env, 10, keep_stdout=True).stdout
    finally:
        signal.signal(signal.SIGHUP, before)
    assert bool(int(out.split()[1], 16) & 1 << (signal.SIGHUP - 1)) == ignored
