"""Credential drop-ins: kx509, cigetcert, voms-proxy-init (with the htgettoken test double),
voms-proxy-info and voms-proxy-destroy."""

from __future__ import annotations

import json
import os
import select
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from jobsub_compat import codes, tokens
from jobsub_compat.commands import credentials
from jobsub_compat.dropin import run as main

from ..test_proxies import key, make_proxy
from ..test_tokens import make_token, token_environ, write_token

ROOT = Path(__file__).resolve().parents[2]
DOUBLE = ROOT / "tests" / "doubles" / "htgettoken"
LAUNCHERS = ROOT / "bin" / "credentials"
UID = os.getuid()


@pytest.fixture
def env(environ: dict[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Token environment with XDG_RUNTIME_DIR, and the htgettoken double first on PATH."""
    base = token_environ(environ, tmp_path, monkeypatch)
    runtime = tmp_path / "run"
    runtime.mkdir()
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(key().private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    path = os.pathsep.join([str(DOUBLE), os.path.dirname(sys.executable), base["PATH"]])
    monkeypatch.setattr(credentials, "_terminal", lambda: False)
    return {**base, "PATH": path, "XDG_RUNTIME_DIR": str(runtime),
            "HTGETTOKEN_DOUBLE_KEY": str(key_file),
            "HTGETTOKEN_DOUBLE_LOG": str(tmp_path / "htgettoken.log")}


def double_calls(env: dict[str, str], pid: bool = False) -> list[dict[str, object]]:
    """The htgettoken double's calls (argv, outfile, and its pid if asked for)."""
    log = Path(env["HTGETTOKEN_DOUBLE_LOG"])
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return calls if pid else [{k: v for k, v in c.items() if k != "pid"} for c in calls]


def wlcg_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_RUNTIME_DIR"]) / f"bt_u{os.geteuid()}"


def lite_file(env: dict[str, str], issuer: str, role: str) -> Path:
    return Path(env["TMPDIR"]) / f"bt_token_{issuer}_{role}_{UID}"


def claims_of(path: Path) -> dict[str, object]:
    payload, problem = tokens.decode(path.read_text().strip())
    assert payload is not None, problem
    return payload


# -- FQAN -> htgettoken ---------------------------------------------------------------


@pytest.mark.parametrize(("fqan", "expected"), [
    pytest.param("fermilab:/fermilab/gm2/Role=Analysis", ["-i", "gm2"], id="gm2-analysis"),
    pytest.param("fermilab:/fermilab/gm2/Role=Production",
                 ["-i", "gm2", "-r", "production"], id="gm2-production"),
    pytest.param("dune:/dune/Role=Production", ["-i", "dune", "-r", "production"],
                 id="dune-own-vo"),
    pytest.param("fermilab:/fermilab/Role=Analysis", ["-i", "fermilab"], id="fermilab"),
    pytest.param("fermilab:/fermilab/samdev", ["-i", "fermilab"], id="samdev"),
    pytest.param("fermilab:/fermilab/uboone/Role=NULL/Capability=NULL", ["-i", "uboone"],
                 id="role-null"),
    pytest.param("des:/des/Role=DESGW", ["-i", "des", "-r", "desgw"], id="lower-cased"),
    pytest.param("dune", ["-i", "dune"], id="vo-only"),
])
def test_fqan_to_htgettoken(fqan: str, expected: list[str], env: dict[str, str]) -> None:
    argv = credentials.htgettoken_argv(credentials.parse_fqan(fqan), "/out", env)
    assert argv == ["htgettoken", "-a", "htvaultprod.fnal.gov", *expected, "--nooidc",
                    "-o", "/out"]


@pytest.mark.parametrize(("setting", "expected"), [
    pytest.param({"HTGETTOKENOPTS": "-a vault.example --credkey=alice"}, [],
                 id="env-read-by-htgettoken"),
    pytest.param({"HTGETTOKENOPTS": "--credkey=alice"}, ["-a", "htvaultprod.fnal.gov"],
                 id="env-without-server"),
    pytest.param({"HTGETTOKENOPTS": "--vaultserver=v.example"}, [], id="long-form"),
    pytest.param({"HTGETTOKENOPTS": "-s optserver.example"}, [], id="optserver"),
    pytest.param({"CONFIG": "htgettoken_opts = -a v.example --nokerberos"},
                 ["-a", "v.example", "--nokerberos"], id="config-file"),
])
def test_vault_options(setting: dict[str, str], expected: list[str],
                       env: dict[str, str]) -> None:
    if "CONFIG" in setting:
        config = Path(env["XDG_CONFIG_HOME"])
        config.mkdir(parents=True, exist_ok=True)
        (config / "jobsub_compat.conf").write_text(setting["CONFIG"] + "\n")
    else:
        env.update(setting)
    argv = credentials.htgettoken_argv(credentials.parse_fqan("dune:/dune"), "/o", env)
    assert argv == ["htgettoken", *expected, "-i", "dune", "--nooidc", "-o", "/o"]


# -- voms-proxy-init ------------------------------------------------------------------


def test_voms_proxy_init_gets_the_token(env: dict[str, str],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    status = main("voms-proxy-init", ["-rfc", "-noregen", "-valid", "167:00",
                                      "-voms=fermilab:/fermilab/gm2/Role=Production"], env)
    out, err = capsys.readouterr()
    assert status == 0, err
    lite = lite_file(env, "gm2", "Production")
    assert claims_of(lite)["wlcg.groups"] == ["/gm2", "/gm2/production"]
    assert wlcg_file(env).read_text() == lite.read_text()  # where WLCG tools look
    for path in (lite, wlcg_file(env)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    calls = double_calls(env)
    assert calls == [{"argv": ["-a", "htvaultprod.fnal.gov", "-i", "gm2", "-r", "production",
                               "--nooidc", "-o", str(lite)], "outfile": str(lite)}]
    assert out.startswith(f"Created proxy in {lite} and {wlcg_file(env)}.\n\nYour proxy is "
                          "valid until ")
    for code in (codes.LIFETIME_OPTION, codes.X509_ONLY_OPTION, codes.VOMS_PROXY_INIT):
        assert f"voms-proxy-init: warning [{code}]:" in err
    assert "-noregen, -rfc ignored" in err
    token = lite.read_text().strip()
    assert token not in out and token not in err


def test_a_warning_of_the_answer_is_shown_and_logged(env: dict[str, str], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """What only the answer finds (BEARER_TOKEN hides the new token) is printed then, after
    the call's own warnings, and logged with them (dropin.run, as for every drop-in)."""
    log = tmp_path / "log.jsonl"
    env.update(BEARER_TOKEN="x.y.z", JOBSUB_COMPAT_LOG=str(log))
    assert main("voms-proxy-init", ["-voms", "fermilab:/fermilab/gm2/Role=Analysis"], env) == 0
    err = capsys.readouterr().err.splitlines()
    assert [line.split("]")[0] for line in err] == [
        f"voms-proxy-init: warning [{codes.VOMS_PROXY_INIT}",
        f"voms-proxy-init: warning [{codes.BEARER_TOKEN_SHADOWS}"]
    [record] = [json.loads(line) for line in log.read_text().splitlines()]
    assert (record["command"], record["status"], record["warnings"]) == (
        "voms-proxy-init", 0, [codes.VOMS_PROXY_INIT, codes.BEARER_TOKEN_SHADOWS])


def test_voms_proxy_init_into_bearer_token_file(env: dict[str, str], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    env["BEARER_TOKEN_FILE"] = str(tmp_path / "mine")
    assert main("voms-proxy-init", ["-q", "-voms", "dune:/dune/Role=Analysis"], env) == 0
    out, err = capsys.readouterr()
    assert out == ""  # -q
    assert claims_of(tmp_path / "mine")["wlcg.groups"] == ["/dune"]
    assert not wlcg_file(env).exists()
    assert not lite_file(env, "dune", "Analysis").exists()


@pytest.mark.parametrize(("knobs", "fragment"), [
    pytest.param({"HTGETTOKEN_DOUBLE_KERBEROS": "0"}, "no terminal", id="no-kerberos"),
    pytest.param({"HTGETTOKEN_DOUBLE_FAIL": "vault unreachable"}, "kinit", id="vault-error"),
    pytest.param({"HTGETTOKEN_DOUBLE_GROUPS": "/dune"}, "group dune role Analysis",
                 id="wrong-token"),
    pytest.param({"HTGETTOKENOPTS": "--frobnicate"}, "rejected its options", id="usage"),
    pytest.param({"HTGETTOKENOPTS": "-a 'unbalanced"}, "quoting", id="bad-quoting"),
    pytest.param({"PATH": "/nonexistent"}, "could not be run: htgettoken is not on PATH; install",
                 id="no-htgettoken"),
])
def test_voms_proxy_init_failures(env: dict[str, str], knobs: dict[str, str], fragment: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    env.update(knobs)
    assert main("voms-proxy-init", ["-voms", "fermilab:/fermilab/gm2/Role=Analysis"], env) == 1
    out, err = capsys.readouterr()
    last = err.strip().splitlines()[-1]
    assert last.startswith("voms-proxy-init: error: ") and fragment in last
    assert out == "" and not wlcg_file(env).exists()


def test_voms_proxy_init_never_waits_for_a_browser(env: dict[str, str],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Even at a terminal, htgettoken runs with --nooidc and the failure says what to do."""
    monkeypatch.setattr(credentials, "_terminal", lambda: True)
    env["HTGETTOKEN_DOUBLE_KERBEROS"] = "0"
    assert main("voms-proxy-init", ["-voms", "fermilab:/fermilab/gm2/Role=Analysis"], env) == 1
    err = capsys.readouterr().err
    assert "run kinit" in err and "htgettoken -a htvaultprod.fnal.gov -i gm2 yourself" in err
    assert "--nooidc" in double_calls(env)[0]["argv"]  # type: ignore[operator]


@pytest.mark.parametrize(("argv", "status", "fragment"), [
    pytest.param(["-frob"], 2, "unknown option -frob", id="unknown"),
    pytest.param(["-voms"], 2, "needs a value", id="missing-value"),
    pytest.param(["-rfc=yes", "-voms", "dune"], 2, "takes no value", id="flag-value"),
    pytest.param(["stray"], 2, "unexpected argument", id="positional"),
    pytest.param(["-list", "-voms", "dune"], 2, "htdecodetoken", id="list"),
    pytest.param(["-rfc"], 1, "no -voms", id="no-voms"),
])
def test_voms_proxy_init_refusals(env: dict[str, str], argv: list[str], status: int,
                                  fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main("voms-proxy-init", argv, env) == status
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0]
    if status == 2:
        assert "usage: voms-proxy-init" in err[0]
    assert double_calls(env) == []


def test_voms_proxy_init_several_voms(env: dict[str, str],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main("voms-proxy-init", ["--voms", "dune:/dune/Role=Production", "-voms",
                                    "fermilab:/fermilab/gm2"], env) == 0
    assert f"[{codes.EXTRA_VOMS}]" in capsys.readouterr().err
    assert claims_of(lite_file(env, "dune", "Production"))["wlcg.groups"] == \
        ["/dune", "/dune/production"]


# -- voms-proxy-info ------------------------------------------------------------------


def info(env: dict[str, str], capsys: pytest.CaptureFixture[str],
         *argv: str) -> tuple[int, str, str]:
    status = main("voms-proxy-info", list(argv), env)
    out, err = capsys.readouterr()
    return status, out, err


def frozen_at_issue(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock stopped when the token in `path` was issued: time left is exact."""
    issued = claims_of(path)["iat"]
    monkeypatch.setattr(credentials.time, "time", lambda: float(issued))


def test_init_then_info_all_has_vo_fermilab(env: dict[str, str],
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The g-2 submitter: voms-proxy-init, then `voms-proxy-info -all | grep -c "VO fermilab"`."""
    main("voms-proxy-init", ["-rfc", "-noregen", "-voms=fermilab:/fermilab/gm2/Role=Analysis"],
         env)
    capsys.readouterr()
    frozen_at_issue(wlcg_file(env), monkeypatch)
    status, out, err = info(env, capsys, "-all")
    assert status == 0
    assert sum("VO fermilab" in line for line in out.splitlines()) == 1
    assert "attribute : /fermilab/gm2/Role=Analysis/Capability=NULL" in out
    assert f"path      : {wlcg_file(env)}" in out
    lifetime = int(claims_of(wlcg_file(env))["exp"]) - int(claims_of(wlcg_file(env))["iat"])
    assert f"timeleft  : {lifetime // 3600}:{lifetime % 3600 // 60:02d}:00" in out
    assert f"[{codes.VOMS_PROXY_INFO}]" in err


def test_info_answers(env: dict[str, str], tmp_path: Path,
                      capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_token(tmp_path / "bt", make_token(["/gm2", "/gm2/production"], lifetime=3600))
    env["BEARER_TOKEN_FILE"] = str(path)
    frozen_at_issue(path, monkeypatch)
    status, out, _ = info(env, capsys, "-fqan")
    assert status == 0 and out.splitlines() == [
        "/fermilab/gm2/Role=Production/Capability=NULL",
        "/fermilab/gm2/Role=NULL/Capability=NULL", "/fermilab/Role=NULL/Capability=NULL"]
    status, out, _ = info(env, capsys, "-timeleft")
    assert status == 0 and int(out) == 3600
    assert info(env, capsys, "-path")[1] == f"{path}\n"
    assert info(env, capsys, "-identity")[1] == "alice@fnal.gov\n"
    assert info(env, capsys, "-vo")[1] == "fermilab\n"
    assert info(env, capsys, "-exists", "-valid", "0:10")[0] == 0
    assert info(env, capsys, "-exists", "-valid", "1:10")[0] == 1
    assert info(env, capsys, "-exists", "-hours", "2")[0] == 1
    assert info(env, capsys, "-acexists", "fermilab")[0] == 0
    assert info(env, capsys, "-acexists", "dune")[0] == 1
    status, out, _ = info(env, capsys, "-path", "-timeleft")  # the legacy fixed order
    assert out.splitlines()[0] == str(path) and out.splitlines()[1].isdigit()


def test_info_dune_token(env: dict[str, str], tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt",
                                               make_token(["/dune", "/dune/production"])))
    assert info(env, capsys, "-fqan")[1].splitlines() == [
        "/dune/Role=Production/Capability=NULL", "/dune/Role=NULL/Capability=NULL"]


def test_info_expired_and_missing(env: dict[str, str], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = info(env, capsys, "-exists")
    assert (status, out) == (1, "") and "Couldn't find a valid proxy." in err
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token(lifetime=-60)))
    assert info(env, capsys, "-exists")[0] == 1
    assert info(env, capsys, "-timeleft")[1] == "0\n"


def test_info_token_without_groups(env: dict[str, str], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    env["BEARER_TOKEN_FILE"] = str(write_token(tmp_path / "bt", make_token([], issuer="dune")))
    status, out, _ = info(env, capsys, "-fqan")
    assert (status, out) == (1, "")
    assert info(env, capsys, "-exists")[0] == 0


def test_info_from_a_real_proxy(env: dict[str, str], tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    proxy = make_proxy(tmp_path / "x509up")
    status, out, err = info(env, capsys, "-file", str(proxy), "-fqan")
    assert status == 0 and out.splitlines()[0] == "/fermilab/gm2/Role=Production/Capability=NULL"
    assert f"[{codes.VOMS_PROXY_INFO}]" not in err
    # Without a token, the legacy proxy is still answered for.
    env["X509_USER_PROXY"] = str(proxy)
    status, out, _ = info(env, capsys, "-all")
    assert status == 0 and "=== VO fermilab extension information ===" in out
    assert "type      : RFC compliant proxy" in out


def test_info_file_that_is_neither(env: dict[str, str], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    write_token(wlcg_file(env), make_token())
    status, out, err = info(env, capsys, "-file", str(tmp_path / "x509up_gone"), "-exists")
    assert status == 0 and "neither a proxy nor a token" in err


@pytest.mark.parametrize(("argv", "fragment"), [
    pytest.param(["-frob"], "unknown option -frob", id="unknown"),
    pytest.param(["-exists", "-valid", "10"], "H:M", id="valid-format"),
    pytest.param(["-exists", "-hours", "x"], "not a number", id="hours"),
])
def test_info_usage_errors(env: dict[str, str], argv: list[str], fragment: str,
                           capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = info(env, capsys, *argv)
    assert (status, out) == (2, "") and fragment in err and len(err.splitlines()) == 1


def test_info_bearer_token_variable(env: dict[str, str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    env["BEARER_TOKEN"] = make_token()
    status, out, _ = info(env, capsys, "-path")
    assert (status, out) == (1, "")  # no file to name
    assert info(env, capsys, "-exists")[0] == 0


# -- voms-proxy-destroy, kx509, cigetcert --------------------------------------------


def test_destroy_removes_token_and_proxy(env: dict[str, str], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    token = write_token(wlcg_file(env), make_token())
    proxy = make_proxy(Path(tokens.TMP) / f"x509up_u{UID}")
    vault = write_token(Path(tokens.TMP) / f"vt_u{UID}", "vault-token")
    assert main("voms-proxy-destroy", ["-dry"], env) == 0
    assert token.exists() and proxy.exists()
    assert "Would remove" in capsys.readouterr().err
    assert main("voms-proxy-destroy", [], env) == 0
    assert not token.exists() and not proxy.exists() and vault.exists()
    assert f"[{codes.VOMS_PROXY_DESTROY}]" in capsys.readouterr().err
    assert main("voms-proxy-destroy", [], env) == 1
    assert "Proxy file doesn't exist or has bad permissions" in capsys.readouterr().err
    assert main("voms-proxy-destroy", ["-q"], env) == 1


def test_destroy_removes_what_init_made_and_nothing_else(env: dict[str, str],
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """voms-proxy-init made jobsub_lite's per-role file too: destroy removes it, so later
    submissions do not go on authenticating; a per-role file init did not make stays."""
    other = write_token(lite_file(env, "gm2", "Analysis"), make_token(["/gm2"]))
    assert main("voms-proxy-init", ["-q", "-voms", "fermilab:/fermilab/gm2/Role=Production"],
                env) == 0
    made = [lite_file(env, "gm2", "Production"), wlcg_file(env)]
    assert all(path.exists() for path in made)
    assert main("voms-proxy-destroy", ["-dry"], env) == 0
    assert all(path.exists() for path in made)
    assert main("voms-proxy-destroy", [], env) == 0
    assert not any(path.exists() for path in made)
    assert other.exists()
    assert credentials.made(env) == []
    capsys.readouterr()
    assert main("voms-proxy-destroy", [], env) == 1  # nothing left that init made


def test_destroy_leaves_read_only_managed_files(env: dict[str, str], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    managed = write_token(tmp_path / "managed", make_token(), mode=0o400)
    env["BEARER_TOKEN_FILE"] = str(managed)
    assert main("voms-proxy-destroy", [], env) == 1
    assert managed.exists() and "left alone" in capsys.readouterr().err


def test_destroy_file_option(env: dict[str, str], tmp_path: Path) -> None:
    target = write_token(tmp_path / "other", make_token())
    assert main("voms-proxy-destroy", ["-file", str(target)], env) == 0
    assert not target.exists()
    assert main("voms-proxy-destroy", ["-frob"], env) == 2


@pytest.mark.parametrize(("tool", "argv", "code"), [
    pytest.param("kx509", [], codes.KX509, id="kx509"),
    pytest.param("kx509", ["-o", f"/tmp/x509up_u{UID}", "-q"], codes.KX509, id="kx509-o"),
    pytest.param("cigetcert", ["-i", "Fermi National Accelerator Laboratory", "-n",
                               "--proxyhours", "168", "--minhours", "167", "-o", "/tmp/x"],
                 codes.CIGETCERT, id="cigetcert-lite-form"),
    pytest.param("cigetcert", ["-ns", "fifebatch.fnal.gov", "-o", "/tmp/x"], codes.CIGETCERT,
                 id="cigetcert-clustered"),
    pytest.param("cigetcert", ["--proxyh=168", "--inst=Fermi"], codes.CIGETCERT,
                 id="cigetcert-abbreviated"),
])
def test_kx509_and_cigetcert(env: dict[str, str], tool: str, argv: list[str], code: str,
                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A -o path of this test's own: nothing else on a shared machine can create it.
    out_file = tmp_path / "x"
    argv = [str(out_file) if word == "/tmp/x" else word for word in argv]
    assert main(tool, argv, env) == 0
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"{tool}: warning [{code}]:")
    assert not out_file.exists()


@pytest.mark.parametrize(("tool", "argv"), [
    pytest.param("kx509", ["-x"], id="kx509-unknown"),
    pytest.param("kx509", ["-o"], id="kx509-missing-value"),
    pytest.param("cigetcert", ["--frob"], id="cigetcert-unknown"),
    pytest.param("cigetcert", ["-n", "extra"], id="cigetcert-positional"),
])
def test_kx509_and_cigetcert_usage_errors(env: dict[str, str], tool: str, argv: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(tool, argv, env) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"{tool}: error: ") and "usage:" in err[0]


def test_silence_setting(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    env["JOBSUB_COMPAT_SILENCE"] = codes.KX509
    assert main("kx509", [], env) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("tool", credentials.TOOLS)
def test_help_and_version(env: dict[str, str], tool: str,
                          capsys: pytest.CaptureFixture[str]) -> None:
    flag = "-h" if tool in ("kx509", "cigetcert") else "-help"
    assert main(tool, [flag], env) == 0
    assert capsys.readouterr().out.startswith(f"usage: {tool}")


# -- launchers ------------------------------------------------------------------------


@pytest.mark.parametrize("tool", credentials.TOOLS)
def test_launchers(tool: str, env: dict[str, str]) -> None:
    launcher = LAUNCHERS / tool
    assert os.access(launcher, os.X_OK)
    assert b"# jobsub-compat drop-in: " in launcher.read_bytes()
    done = subprocess.run([sys.executable, str(launcher), "--frob"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 2 and f"{tool}: error: " in done.stderr


def test_launched_voms_proxy_info(env: dict[str, str]) -> None:
    write_token(wlcg_file(env), make_token(["/gm2"]))
    done = subprocess.run([sys.executable, str(LAUNCHERS / "voms-proxy-info"), "-all"],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "=== VO fermilab extension information ===" in done.stdout


# -- the htgettoken double follows htgettoken's documented rules ---------------------


def run_double(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(DOUBLE / "htgettoken"), *argv], env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)


def test_double_output_file_rules(env: dict[str, str], tmp_path: Path) -> None:
    done = run_double(env, "-a", "htvaultprod.fnal.gov", "-i", "dune", "-r", "production")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Attempting to get token from https://htvaultprod.fnal.gov:8200 ... succeeded",
        f"Storing bearer token in {wlcg_file(env)}"]
    assert claims_of(wlcg_file(env))["wlcg.groups"] == ["/dune", "/dune/production"]
    assert stat.S_IMODE(wlcg_file(env).stat().st_mode) == 0o600
    env["BEARER_TOKEN_FILE"] = str(tmp_path / "named")
    env["HTGETTOKENOPTS"] = "-a htvaultprod.fnal.gov -q"
    done = run_double(env, "-i", "gm2")
    assert (done.returncode, done.stdout) == (0, "")
    assert claims_of(tmp_path / "named")["iss"] == "https://cilogon.org/gm2"


@pytest.mark.parametrize(("argv", "knobs", "status", "fragment"), [
    pytest.param(["-i", "gm2"], {}, 2, "-a", id="no-vault-server"),
    pytest.param(["-a", "v", "stray"], {}, 2, "unexpected argument", id="positional"),
    pytest.param(["-a", "v", "--frob"], {}, 2, "no such option", id="unknown-option"),
    pytest.param(["-a", "v"], {"HTGETTOKEN_DOUBLE_KERBEROS": "0"}, 1, "htgettoken: Kerberos",
                 id="background-no-kerberos"),
    pytest.param(["-a", "v"], {"HTGETTOKEN_DOUBLE_FAIL": "boom"}, 1, "htgettoken: boom",
                 id="failure-knob"),
    pytest.param(["-a", "v", "-o", "/nonexistent/dir/bt"], {}, 1, "htgettoken: failure writing",
                 id="unwritable"),
])
def test_double_failures(env: dict[str, str], argv: list[str], knobs: dict[str, str],
                         status: int, fragment: str) -> None:
    done = run_double({**env, **knobs}, *argv)
    assert done.returncode == status and fragment in done.stderr
    assert not wlcg_file(env).exists()


# -- htgettoken runs through sh (tokens.run_tool) ---------------------------------------

GM2 = ["-voms", "fermilab:/fermilab/gm2/Role=Analysis"]


@pytest.fixture
def sh_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Each sh.Command made while the test runs, and how it was called."""
    import sh

    calls: list[dict[str, object]] = []
    real = sh.Command

    class Spy:
        def __init__(self, path: str, search_paths: list[str] | None = None) -> None:
            self.real = real(path, search_paths=search_paths)
            calls.append({"path": str(self.real), "search_paths": search_paths})

        def __call__(self, *args: str, **kwargs: object) -> object:
            calls[-1].update(args=list(args), kwargs=kwargs)
            return self.real(*args, **kwargs)

    monkeypatch.setattr(sh, "Command", Spy)
    return calls


def test_htgettoken_runs_through_sh(env: dict[str, str], sh_calls: list[dict[str, object]],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Found on the call's PATH, run with its words and environment, stdin and stdout on
    /dev/null (no terminal, nothing read), within HTGETTOKEN_TIMEOUT."""
    assert main("voms-proxy-init", GM2, env) == 0, capsys.readouterr().err
    [call] = sh_calls
    kwargs = call["kwargs"]
    assert isinstance(kwargs, dict)
    assert call["path"] == str(DOUBLE / "htgettoken")
    assert call["search_paths"] == env["PATH"].split(os.pathsep)
    outfile = str(lite_file(env, "gm2", "Analysis"))
    assert call["args"] == ["-a", "htvaultprod.fnal.gov", "-i", "gm2", "--nooidc", "-o", outfile]
    assert kwargs["_env"] == env
    assert kwargs["_in"].name == kwargs["_out"].name == os.devnull  # type: ignore[attr-defined]
    assert (kwargs["_tty_out"], kwargs["_timeout"]) == (False, credentials.HTGETTOKEN_TIMEOUT)


def test_the_environment_reaches_htgettoken_and_its_vault_token_goes_nowhere(
        env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """HTGETTOKENOPTS is htgettoken's to read; told to print the vault token on stdout (as
    condor_vault_storer tells it), it does, and neither that token nor the bearer token
    reaches our stdout, stderr or the migration log."""
    log = tmp_path / "log.jsonl"
    env.update(HTGETTOKENOPTS="--vaulttokenfile=/dev/stdout", JOBSUB_COMPAT_LOG=str(log))
    assert main("voms-proxy-init", ["-debug", *GM2], env) == 0
    out, err = capsys.readouterr()
    done = run_double({**env, "BEARER_TOKEN_FILE": str(tmp_path / "probe")}, "-a", "v")
    assert done.stdout.startswith("hvs.")  # what the double printed in the call above too
    token = lite_file(env, "gm2", "Analysis").read_text().strip()
    for text in (out, err, log.read_text()):
        assert "hvs." not in text and token not in text and token.split(".")[1] not in text
    assert double_calls(env)[0]["argv"] == ["-a", "htvaultprod.fnal.gov", "-i", "gm2",
                                            "--nooidc", "-o", str(lite_file(env, "gm2",
                                                                            "Analysis"))]


def test_a_failure_gives_htgettokens_words_and_the_next_step(
        env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    env["HTGETTOKEN_DOUBLE_FAIL"] = "vault unreachable"
    assert main("voms-proxy-init", GM2, env) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines()[-1].startswith(
        "voms-proxy-init: error: htgettoken failed (exit 1: vault unreachable) and there is "
        "no terminal for a browser login; run kinit first")


def test_a_token_on_htgettokens_stderr_is_never_shown_or_logged(
        env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = make_token(["/gm2"])
    log = tmp_path / "log.jsonl"
    env.update(HTGETTOKEN_DOUBLE_FAIL=f"vault answered {token} and hvs.CAESIabcdefghijklmnop"
               "qrstuvwxyz0123456789", JOBSUB_COMPAT_LOG=str(log))
    assert main("voms-proxy-init", GM2, env) == 1
    out, err = capsys.readouterr()
    assert "(exit 1: vault answered <redacted> and <redacted>)" in err
    for text in (out, err, log.read_text()):
        assert token not in text and token.split(".")[1] not in text and "hvs.CAES" not in text


def test_a_slow_htgettoken_is_stopped(env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(credentials, "HTGETTOKEN_TIMEOUT", 1)
    env["HTGETTOKEN_DOUBLE_SLEEP"] = "60"
    assert main("voms-proxy-init", GM2, env) == 1
    err = capsys.readouterr().err
    assert "htgettoken did not finish within 1 s (is the vault server reachable?); run " \
           "htgettoken -a htvaultprod.fnal.gov -i gm2 -v yourself" in err
    # The double logs its pid first; on a machine too busy to start it within the timeout
    # it is killed before that, and there is no pid to check.
    assert not any(alive(int(str(call["pid"]))) for call in double_calls(env, pid=True))


def test_without_the_sh_package_voms_proxy_init_says_what_to_install(
        env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "sh", None)  # import sh -> ImportError
    assert main("voms-proxy-init", GM2, env) == 1
    assert "htgettoken could not be run: the Python package sh is not installed for this " \
           "interpreter (install python3-sh, or pip install sh)" in capsys.readouterr().err
    assert double_calls(env) == []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_while_htgettoken_runs(env: dict[str, str], tmp_path: Path) -> None:
    """SIGINT to the drop-in (not to htgettoken) while htgettoken runs: htgettoken is
    killed, and the drop-in ends by SIGINT with no traceback, as the shell must see it."""
    env["HTGETTOKEN_DOUBLE_SLEEP"] = "60"
    ready = tmp_path / "ready"
    os.mkfifo(ready)
    env["HTGETTOKEN_DOUBLE_READY"] = str(ready)
    # Opened before the double can open it for writing, so its pid line waits for us.
    fd = os.open(ready, os.O_RDONLY | os.O_NONBLOCK)
    proc = subprocess.Popen([sys.executable, str(LAUNCHERS / "voms-proxy-init"), *GM2],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        with os.fdopen(fd) as started:
            # Readable once the double has written its pid (the timeout only keeps a
            # drop-in that never starts it from hanging the suite).
            assert select.select([started], [], [], 120)[0], "htgettoken was not started"
            pid = int(started.readline())
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGINT, err
    assert "Traceback" not in err and out == ""
    assert not alive(pid)
