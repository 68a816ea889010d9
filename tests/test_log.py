from __future__ import annotations

import base64
import errno
import json
import multiprocessing
import os
import pwd
import random
import re
import stat
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
from benchmarks.run import HOSTILE_SHAPES, HOSTILE_WORDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsub_compat import log

SRC = str(Path(__file__).resolve().parents[1] / "src")
ME = pwd.getpwuid(os.getuid()).pw_name
ADVICE = "; the job goes on. Set JOBSUB_COMPAT_LOG to a writable file or off."


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


JWT = ".".join((_b64({"alg": "RS256", "typ": "JWT", "kid": "key-1"}),
                _b64({"sub": "alice", "iss": "https://cilogon.org/fermilab",
                      "scope": "compute.create storage.read:/nova"}),
                "Qm9ndXNTaWduYXR1cmVGb3JUZXN0aW5nT25seV94eXo"))


def record(argv: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    rec = log.make_record("jobsub_submit", argv or ["-G", "nova", "file:///x.sh"],
                          ["/opt/lite/bin/jobsub_submit", "-G", "nova", "file:///x.sh"],
                          ["JC104"], "/opt/lite/bin/jobsub_submit", "1.12", 0, 0.5, {})
    rec.update(changes)
    return rec


def lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_bytes().decode("ascii")
    assert text == "" or text.endswith("\n")
    found: list[dict[str, Any]] = [json.loads(line) for line in text.splitlines()]
    return found


def jsonl_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if ".jsonl" in p.name)


# --- the record --------------------------------------------------------------------------


def test_record_fields(environ: dict[str, str], tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(log.time, "time", lambda: 1764151802.5)  # the call ends then
    rec = log.make_record(
        "jobsub_submit", ["-G", "nova", "-e", "SECRET=x", "file:///x.sh"],
        ["/lite/jobsub_submit", "-G", "nova", "--environment=SECRET=x", "file:///x.sh"],
        ["JC104", "JC203", "JC104"], "/lite/jobsub_submit", "1.12", 3, 1.234, environ)
    assert list(rec) == ["time", "host", "user", "command", "caller", "cwd", "argv",
                         "backend_argv", "warnings", "backend", "backend_version", "status",
                         "duration_ms"]
    assert rec["time"] == "2025-11-26T10:10:01Z"  # when it started: 1.234 s before
    assert rec["host"] == os.uname().nodename
    assert rec["user"] == ME
    assert rec["command"] == "jobsub_submit"
    assert rec["caller"]["cmdline"] and "script" in rec["caller"]
    assert rec["cwd"] == str(tmp_path)
    assert rec["argv"] == ["-G", "nova", "-e", "SECRET=<redacted>", "file:///x.sh"]
    assert rec["backend_argv"] == ["/lite/jobsub_submit", "-G", "nova",
                                   "--environment=SECRET=<redacted>", "file:///x.sh"]
    assert rec["warnings"] == ["JC104", "JC203"]
    assert (rec["backend"], rec["backend_version"]) == ("/lite/jobsub_submit", "1.12")
    assert (rec["status"], rec["duration_ms"]) == (3, 1234)
    assert json.loads(log.encode(rec)) == rec
    assert log.encode(rec).count(b"\n") == 1


def test_record_no_backend(environ: dict[str, str]) -> None:
    rec = log.make_record("jobsub_q", [], [], [], None, None, 1, 0.0, environ)
    assert (rec["backend"], rec["backend_version"], rec["backend_argv"]) == (None, None, [])
    assert rec["warnings"] == [] and rec["status"] == 1


def test_record_hides_secret_environment_values(environ: dict[str, str]) -> None:
    token = "Zm9vYmFyYmF6cXV4LXRva2Vu"  # 24 characters: too short to look random
    env = {**environ, "BEARER_TOKEN": token, "BEARER_TOKEN_FILE": "/run/user/1000/bt_u1000"}
    rec = log.make_record("jobsub_submit", [f"--lines=+Tok={token}", "/run/user/1000/bt_u1000"],
                          [], [], None, None, 0, 0.0, env)
    assert rec["argv"] == ["--lines=+Tok=<redacted>", "/run/user/1000/bt_u1000"]
    assert token not in json.dumps(rec)


def test_undecodable_argv_is_still_one_ascii_line() -> None:
    rec = record(argv=[os.fsdecode(b"caf\xe9"), "tab\there", "new\nline"])
    data = log.encode(rec)
    assert data.count(b"\n") == 1 and data.isascii()
    assert json.loads(data)["argv"] == rec["argv"]


# --- redaction ---------------------------------------------------------------------------

FIXES = [
    pytest.param(["-e", "FOO=bar"], ["-e", "FOO=<redacted>"], id="e-separate"),
    pytest.param(["-e", "FOO=a b=c"], ["-e", "FOO=<redacted>"], id="e-value-with-spaces"),
    pytest.param(["-e", "FOO="], ["-e", "FOO=<redacted>"], id="e-empty-value"),
    pytest.param(["--environment", "FOO=bar"], ["--environment", "FOO=<redacted>"],
                 id="environment-separate"),
    pytest.param(["--environment=FOO=bar"], ["--environment=FOO=<redacted>"],
                 id="environment-equals"),
    pytest.param(["--env=FOO=bar", "--envir", "X=1"], ["--env=FOO=<redacted>", "--envir",
                                                       "X=<redacted>"], id="abbreviated"),
    pytest.param(["-environment=FOO=bar"], ["-environment=FOO=<redacted>"],
                 id="one-dash-long"),
    pytest.param(["-eFOO=bar"], ["-eFOO=<redacted>"], id="e-glued"),
    pytest.param(["-G", "nova", "-e", "A=1", "-e", "B", "-eC=3"],
                 ["-G", "nova", "-e", "A=<redacted>", "-e", "B", "-eC=<redacted>"],
                 id="several"),
    pytest.param([JWT], ["<redacted>"], id="jwt"),
    pytest.param([f'--lines=+MyAuth="{JWT}"'], ['--lines=+MyAuth="<redacted>"'],
                 id="jwt-inside-a-word"),
    pytest.param(["AAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBB.CCCCCCCCCCCCCCCCCCCC"],
                 ["<redacted>"], id="jwt-shaped"),
    pytest.param(["--tag=0123456789abcdef0123456789abcdef"], ["--tag=<redacted>"],
                 id="hex-32"),
    pytest.param(["Xk3pQ9vL2mN8rT5wY7zA1bC4dE6fG0hJ"], ["<redacted>"], id="base64-32"),
    pytest.param(["k=Xk3pQ9vL2mN8rT5wY7zA1b/C4dE6fG0hJ+9aQ=="], ["k=<redacted>"],
                 id="base64-padded"),
    pytest.param(["s.AbCdEfGhIjKlMnOpQrStUvWx"], ["<redacted>"], id="vault-token-old"),
    pytest.param(["hvs.CAESIAbCdEfGhIjKlMnOpQrSt"], ["<redacted>"], id="vault-token-hvs"),
    pytest.param(["Authorization: Bearer abc.def"], ["Authorization: Bearer <redacted>"],
                 id="bearer-in-a-word"),
    pytest.param(["-H", "Bearer", "abc"], ["-H", "Bearer", "<redacted>"],
                 id="bearer-next-word"),
    pytest.param(["--credkey", "alice"], ["--credkey", "<redacted>"], id="credkey"),
    pytest.param(["--credkey=alice"], ["--credkey=<redacted>"], id="credkey-equals"),
    pytest.param(["--vaulttokenfile", "/tmp/vt"], ["--vaulttokenfile", "<redacted>"],
                 id="vaulttokenfile"),
    pytest.param(["--vault-token=abc"], ["--vault-token=<redacted>"], id="vault-token-opt"),
    pytest.param(["https://alice:s3cret@example.org/path"],
                 ["https://alice:<redacted>@example.org/path"], id="url-password"),
    pytest.param(["--password=hunter2", "MY_TOKEN=abc123"],
                 ["--password=<redacted>", "MY_TOKEN=<redacted>"], id="secret-assignments"),
    # An assignment inside another one's value (review: the outer --lines= took it all).
    pytest.param(["--lines=+MyToken=hunter2", "--lines=+Password=hunter2"],
                 ["--lines=+MyToken=<redacted>", "--lines=+Password=<redacted>"],
                 id="nested-assignment"),
    pytest.param(["-e=FOO_TOKEN=x", "--lines=+X=Y=db_passwd:x"],
                 ["-e=FOO_TOKEN=<redacted>", "--lines=+X=Y=db_passwd:<redacted>"],
                 id="nested-assignment-deeper"),
    pytest.param(['--lines=+Env="A=1;DB_PASSWORD=hunter2;B=2"'],
                 ['--lines=+Env="A=1;DB_PASSWORD=<redacted>;B=2"'], id="nested-in-quotes"),
    pytest.param(['--lines=+MyToken="hunter 2,x"', "--lines=+MyToken = 'hunter2'"],
                 ['--lines=+MyToken="<redacted>"', "--lines=+MyToken = '<redacted>'"],
                 id="quoted-value"),
    pytest.param(['--lines=+Api_Key="a\\"b" x'], ['--lines=+Api_Key="<redacted>" x'],
                 id="quoted-value-escaped-quote"),
    pytest.param(['token="never closed'], ['token="<redacted>'], id="quoted-value-unclosed"),
    pytest.param(['{"access_token": "abc", "client_secret":"x", "n": 1}'],
                 ['{"access_token": "<redacted>", "client_secret":"<redacted>", "n": 1}'],
                 id="json"),
    pytest.param(["password: hunter2"], ["password: <redacted>"], id="space-after-colon"),
    pytest.param(["--password=a,b;c d", "--api-key=k"],
                 ["--password=<redacted>", "--api-key=<redacted>"], id="secret-option-glued"),
    # A secret option's value as the next word, whatever it starts with.
    pytest.param(["--password", "hunter2", "--token", "abc", "-passwd", "x"],
                 ["--password", "<redacted>", "--token", "<redacted>", "-passwd", "<redacted>"],
                 id="secret-option-next-word"),
    pytest.param(["file:///x.sh", "--db-password", "hunter2", "--API_KEY", "k", "-Secret", "s"],
                 ["file:///x.sh", "--db-password", "<redacted>", "--API_KEY", "<redacted>",
                  "-Secret", "<redacted>"], id="script-arguments"),
    pytest.param(["--credkey", "-abc", "--password", "--x"],
                 ["--credkey", "<redacted>", "--password", "<redacted>"],
                 id="secret-option-dash-value"),
    pytest.param(["--vaulttokenfile", "--other"], ["--vaulttokenfile", "<redacted>"],
                 id="credential-option-then-option"),
    pytest.param(["--password", "-e", "A=1"], ["--password", "<redacted>", "A=<redacted>"],
                 id="secret-value-still-read-as-an-option"),
    # URL passwords run to the last "@" before the next whitespace.
    pytest.param(["https://u:p@ss@host/x"], ["https://u:<redacted>@host/x"], id="url-at"),
    pytest.param(["https://u:p/w:x@host/x y@z"], ["https://u:<redacted>@host/x y@z"],
                 id="url-slash-colon"),
    pytest.param(["git+ssh://u:p@host/a?token=abc@def"], ["git+ssh://u:<redacted>"],
                 id="url-and-assignment-together"),
]


@pytest.mark.parametrize(("words", "expected"), FIXES)
def test_redact_fixes(words: list[str], expected: list[str]) -> None:
    assert log.redact(words) == expected


NOOPS = [
    pytest.param(["-G", "nova", "-N", "10", "file:///path/to/run.sh", "arg"], id="plain"),
    pytest.param(["-e", "FOO", "-e", "BAR"], id="e-names-only"),
    pytest.param(["--expected-lifetime=8h", "-expected-lifetime=8h"], id="expected-lifetime"),
    pytest.param(["-endpoint=https://fifebatch.fnal.gov:8443"], id="endpoint-not-e-glued"),
    pytest.param(["-email=alice@fnal.gov"], id="email-not-e-glued"),
    pytest.param(["--env", "--en=x"], id="e-without-value"),
    pytest.param(["/pnfs/nova/scratch/users/alice/Run2024A/output_files_v2"], id="path"),
    pytest.param(["/pnfs/nova/persistent/analysis/HighEnergyNuMIFluxSystematicsV2"],
                 id="path-camelcase"),
    pytest.param(["neardet_r00010000_s01_beam_caf_R17-03-01-prod3reco_v1"], id="dataset"),
    pytest.param(["ThisIsAVeryLongCamelCaseIdentifierName2024"], id="camelcase"),
    pytest.param(["123e4567-e89b-12d3-a456-426614174000"], id="uuid"),
    pytest.param(["12345.0@jobsub01.fnal.gov", "fifebatch1.fnal.gov"], id="job-id-host"),
    pytest.param(["file.tar.gz", "a.b.c"], id="dotted-words"),
    pytest.param(["--lines=+FERMIHTC_AutoRelease=True"], id="lines"),
    pytest.param(["-c", '(Memory > 2000)&&(TARGET.Arch == "X86_64")'], id="requirements"),
    pytest.param(["--managed-token", "file:///x.sh"], id="flag-with-token-in-name"),
    pytest.param(["--need-scope=storage.modify:/nova/scratch"], id="need-scope"),
    pytest.param(["--resource-provides=usage_model=OPPORTUNISTIC,DEDICATED"], id="usage"),
    pytest.param(["BEARER_TOKEN_FILE=/run/user/1000/bt_u1000"], id="token-file-variable"),
    pytest.param(["https://alice@example.org/x"], id="url-user-only"),
    pytest.param(["--credkey"], id="credkey-last-word"),
    pytest.param(["--password="], id="secret-option-empty-value"),
    pytest.param(["--novaulttoken", "-i", "nova", "--nobearertoken", "x"], id="token-flags"),
    pytest.param(["--token-file", "/run/user/1000/bt_u1000", "--vaulttokeninfile", "/tmp/vt",
                  "--secretpath", "secret/oauth/creds", "--password-dir", "/x"],
                 id="secret-option-file-dir-path"),
    pytest.param(["--lines=+X=BEARER_TOKEN_FILE=/run/user/1/bt"], id="nested-token-file"),
    pytest.param(["--lines=+MyToken=\"\""], id="empty-quoted-value"),
    pytest.param(["https://fifebatch.fnal.gov:8443/x y@z", "https://host/a:b@c"],
                 id="url-without-password"),
    pytest.param(["bearer"], id="bearer-last-word"),
    pytest.param([], id="empty"),
]


@pytest.mark.parametrize("words", NOOPS)
def test_redact_noop(words: list[str]) -> None:
    assert log.redact(words) == words


@pytest.mark.parametrize(("alphabet", "count"), [
    pytest.param("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 300,
                 id="base64"),
    pytest.param("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 300,
                 id="base64url"),
    pytest.param("0123456789abcdef", 100, id="hex"),
])
def test_random_secrets_are_redacted(alphabet: str, count: int) -> None:
    rng = random.Random(6)
    for _ in range(count):
        secret = "".join(rng.choice(alphabet) for _ in range(rng.randint(32, 64)))
        assert log.redact([secret]) == ["<redacted>"], secret
        assert log.redact([f"--x={secret}"]) == ["--x=<redacted>"], secret


# Which of the benchmark's hostile shapes hold a secret (benchmarks/run.py measures how
# fast they are redacted; here, only what comes out).
HOSTILE_SECRETS = {"eyJ", "token=", "Aa1", "-eA", "Bearer ", "@a://b:", "-token=", "X_TOKEN:",
                   'token="\\', "token='token=\"", '"token": ', "token = "}


def test_redact_long_hostile_words() -> None:
    """Long words shaped like each pattern's prefix: the secret-looking ones are hidden,
    the others kept whole, and a secret option's value is hidden whatever it is."""
    assert HOSTILE_SECRETS < set(HOSTILE_SHAPES)
    for shape, word, out in zip(HOSTILE_SHAPES, HOSTILE_WORDS, log.redact(HOSTILE_WORDS)):
        if shape in HOSTILE_SECRETS:
            assert log.REDACTED in out, shape
        else:
            assert out == word, shape
    hidden = log.redact([w for word in HOSTILE_WORDS for w in ("--password", word)])
    assert hidden[1::2] == [log.REDACTED] * len(HOSTILE_WORDS)


def test_redact_environment_secret_values() -> None:
    secrets = log.environment_secrets({"BEARER_TOKEN": "abcdefgh12345678",
                                       "SHORT_TOKEN": "abc", "HOME": "/home/alice1234567",
                                       "BEARER_TOKEN_FILE": "/run/user/1/bt_u1_xxxxxxx"})
    assert secrets == ["abcdefgh12345678"]
    assert log.redact(["x=abcdefgh12345678", "/home/alice1234567"], secrets) == [
        "x=<redacted>", "/home/alice1234567"]


# --- redaction without re, and the old redaction ------------------------------------------
# log.py compiles its patterns only for words that may hold a secret (_may_hold_secret,
# str methods only): a word it lets pass must be one the patterns leave as it is.
#
# The reference below is the redaction as it was when every word met every pattern (before
# nested assignments, secret options' next words and whole URL passwords were redacted),
# copied verbatim with the constants it read from log.py frozen: the new redaction must
# redact everything it did.

_OLD_SECRET_OPTIONS = ("credkey", "vaulttoken", "vaulttokenfile", "vaulttokenttl",
                       "vaulttokenminttl")
_OLD_NOT_SECRET_NAMES = ("_FILE", "_DIR", "_PATH", "FILE", "DIR")
_OLD_E_LONG = ("-email", "-endpoint", "-expected", "-environment")

_OLD_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_OLD_SECRET_OPTION_GLUED = re.compile(
    r"(?<![A-Za-z0-9_-])(--?(?:credkey|vault[-_]?token)[A-Za-z0-9_-]*=).*", re.IGNORECASE)
_OLD_BEARER = re.compile(r"(?i)\b(bearer\s+)\S+")
_OLD_URL_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@")
_OLD_JWT = re.compile(r"(?<![A-Za-z0-9_-])(?:eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
                      r"|[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})")
_OLD_VAULT = re.compile(r"(?<![A-Za-z0-9])(?:hv[sbr]|[sbr])\.[A-Za-z0-9_-]{24,}")
_OLD_ASSIGN = re.compile(r"(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+[=:])([^\s&,;\"']+)")
_OLD_SECRET_NAME = re.compile(r"(?i)token|secret|passw(?:or)?d|credkey|api_?key")
_OLD_LONG_RUN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}")
_OLD_HEX = re.compile(r"[0-9a-fA-F]+")
_OLD_LOWER_RUN = re.compile(r"[a-z]+")
_OLD_PYTHON = re.compile(r"python[0-9.]*[a-z]?")


def old_random_looking(run: str) -> bool:
    core = run.rstrip("=")
    if _OLD_HEX.fullmatch(core):
        return any(c.isdigit() for c in core) and any(c.isalpha() for c in core)
    alnum = [c for c in core if c.isalnum()]
    if (len(core) - len(alnum)) * 5 > len(core):
        return False
    if not any(c.islower() for c in alnum) or not any(c.isupper() for c in alnum):
        return False
    changes = sum(log._kind(a) != log._kind(b) for a, b in zip(alnum, alnum[1:]))
    if changes < 0.3 * len(alnum):
        return False
    lower_runs = _OLD_LOWER_RUN.findall(core)
    return sum(map(len, lower_runs)) < 3.5 * len(lower_runs)


def _old_secret_assign(match: re.Match[str]) -> str:
    name = match.group(1)
    if not _OLD_SECRET_NAME.search(name) or name[:-1].upper().endswith(
            _OLD_NOT_SECRET_NAMES):
        return match.group(0)
    return name + log.REDACTED


def _old_long_run(match: re.Match[str]) -> str:
    return log.REDACTED if old_random_looking(match.group(0)) else match.group(0)


def old_patterns(word: str) -> str:
    """The old scrub after the environment secrets: every pattern, in order."""
    word = _OLD_SECRET_OPTION_GLUED.sub(lambda m: m.group(1) + log.REDACTED, word)
    word = _OLD_BEARER.sub(lambda m: m.group(1) + log.REDACTED, word)
    word = _OLD_URL_PASSWORD.sub(lambda m: m.group(1) + log.REDACTED + "@", word)
    word = _OLD_JWT.sub(log.REDACTED, word)
    word = _OLD_VAULT.sub(log.REDACTED, word)
    word = _OLD_ASSIGN.sub(_old_secret_assign, word)
    return _OLD_LONG_RUN.sub(_old_long_run, word)


def old_scrub(word: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret in word:
            word = word.replace(secret, log.REDACTED)
    return old_patterns(word)


def _old_env_value(value: str, secrets: list[str]) -> str:
    match = _OLD_ENV_NAME.match(value)
    if match:
        return match.group(0) + log.REDACTED
    return old_scrub(value, secrets)


def _old_redact_word(word: str, secrets: list[str]) -> str:
    option, eq, value = word.partition("=")
    if eq and option.startswith("-") and log._is_environment_option(option) \
            and option != "-e":
        return option + "=" + _old_env_value(value, secrets)
    if (word.startswith("-e") and not word.startswith(_OLD_E_LONG)
            and _OLD_ENV_NAME.match(word[2:])):
        return "-e" + _old_env_value(word[2:], secrets)
    return old_scrub(word, secrets)


def _old_bare(word: str) -> str:
    return word.lstrip("-").replace("-", "").replace("_", "").lower()


def old_redact(words: list[str], secrets: list[str]) -> list[str]:
    secrets = [s for s in secrets if s]
    out: list[str] = []
    pending = ""
    for word in words:
        if pending == "env":
            out.append(_old_env_value(word, secrets))
        elif pending == "secret" and not word.startswith("-"):
            out.append(log.REDACTED)
        elif pending == "bearer":
            out.append(log.REDACTED)
        else:
            out.append(_old_redact_word(word, secrets))
        pending = ""
        if log._is_environment_option(word):
            pending = "env"
        elif word.startswith("-") and "=" not in word and _old_bare(word) in \
                _OLD_SECRET_OPTIONS:
            pending = "secret"
        elif word.lower() in ("bearer", "authorization: bearer"):
            pending = "bearer"
    return out


BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
# Pieces that make the patterns match, nearly match or stop matching; "K", "ſ", "ı", "İ"
# match k, s, i under (?i).
PIECES = ["=", "==", ":", "/", "@", ".", "-", "--", "_", "+", " ", "\t", "\x1c", '"', "'",
          "&", ",", ";", "eyJ", "eyj", "token", "TOKEN", "Token", "secret", "SeCrEt",
          "passwd", "password", "PASSWORD", "pass", "credkey", "CredKey", "apikey",
          "api_key", "api-key", "bearer", "Bearer ", "BEARER\t", "authorization: bearer",
          "vault", "vaulttoken", "vault-token", "vault_token", "--credkey=", "-vaulttoken=",
          "hvs.", "hvb.", "s.", "b.", "r.", "x.", "://", "https://", "git+ssh://", "u:p@",
          "_FILE", "FILE", "_DIR", "_PATH", "-e", "-E", "MY_", "x", "A", "1", "é", "K",
          "ſ", "ı", "İ", "\udce9", "<redacted>", "jobsub01.fnal.gov", "/pnfs/nova/",
          "ToKen", "pasſwd", "toKen", "apİkey", "bearer", "beare", "\\", "\n", "pass-word",
          "Pass_Word", "--password", "-passwd", "--token-file", "--lines=+", "-e=", '"token":',
          " = ", "u:p@ss@", "://u:", "api_Key", "--managed-token", "novaulttoken"]
TOKEN_CHARS = BASE64[:62] + "-_"
SECRET_NAMES = ["token", "Token", "SECRET", "passwd", "PassWord", "credkey", "apikey",
                "API_KEY", "api-key", "passwrd", "tokn", "secre"]
_RUN = st.text(alphabet=BASE64, min_size=8, max_size=70)
_HEX_RUN = st.text(alphabet="0123456789abcdefABCDEF", min_size=8, max_size=40)
_LOWER_RUN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz/_", min_size=1, max_size=40)


def _seeded_run(alphabet: str, seed: int, length: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


def _random_run(alphabet: str, low: int, high: int) -> st.SearchStrategy[str]:
    """Random-looking runs (hypothesis' own text shrinks toward plain ones)."""
    return st.builds(_seeded_run, st.just(alphabet), st.integers(0, 2**32),
                     st.integers(low, high))


def _w(low: int, high: int) -> st.SearchStrategy[str]:
    return st.one_of(st.text(alphabet=TOKEN_CHARS, min_size=low, max_size=high),
                     _random_run(TOKEN_CHARS, low, high))


def _join(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


def _of(*choices: str) -> st.SearchStrategy[str]:
    return st.sampled_from(choices)


# Near-matches of each pattern: just long enough, just too short, one character off.
NEAR = {
    "jwt": _join(_of("eyJ", "eyJ", "+eyJ", "xeyJ", "-eyJ", "eyj"), _w(0, 3),
                 _of(".", ".", "+"), _w(0, 3), _of(".", ".", "/"), _w(0, 3)),
    "jwt-shaped": _join(_of("", "-", "+", "."), _w(15, 17), _of(".", ".", "+"), _w(15, 17),
                        _of(".", ".", ""), _w(15, 17)),
    "vault": _join(_of("s", "b", "r", "hvs", "hvb", "hvr", "xs", "_s", "-r", "Hvs", "t", "hv"),
                   _of(".", "", ","), _w(22, 26)),
    "url": _join(_of("https", "h", "git+ssh", "1x", "", "a.b-c"), _of("://", ":/", "//"),
                 st.text(alphabet="ab:@/. ", max_size=4), _of(":", ""),
                 st.text(alphabet="pw:@/. ", max_size=4), _of("@", "/@", "", " @")),
    "assign": _join(_w(0, 3), _of(*SECRET_NAMES), _of("", "_FILE", "_DIR", "FILE", "_PATH",
                                                      "dir", "_x"),
                    _of("=", ":", " =", "", "+="), st.text(alphabet="ab &,;'\"=:", max_size=4)),
    # (?i) matches s to ſ, i to ı and İ, k to the Kelvin sign K; str.lower() does not all.
    # (The patterns' names are ASCII-only, so today only "K" could matter: lower() does it.)
    "unicode-names": _join(_of("", "x", "-"), _of("ſecret", "paſswd", "apıkey", "apİkey",
                                                  "api_Key", "toKen", "credKey", "bearer",
                                                  "vault_toKen"),
                           _of("=", ":", " ", "\u2003", "\x1c"), _w(0, 4)),
    "bearer": _join(_of("", "x", " ", "_", "-", "é"),
                    _of("bearer", "Bearer", "BEARER", "bearers", "beare"),
                    _of(" ", "\t", "", "\x1c", ":", "  ", "\u2003"), _w(0, 5)),
    "option": _join(_of("-", "--", "x-", "---", " -", "_-"),
                    _of("credkey", "vaulttoken", "vault-token", "Vault_Token", "vault__token",
                        "CREDKEY", "vault", "credkeys"), _w(0, 4), _of("=", "", ":"),
                    _w(0, 4)),
    "long-run": _join(_random_run(BASE64, 29, 36), _of("", "=", "==", "===")),
    "two-runs": _join(_random_run("abcdefghijklmnopqrstuvwxyz/_", 28, 40),
                      _of(" ", ".", "=", ",", "===", "=="), _random_run(BASE64, 29, 40)),
    "non-ascii-run": _join(_random_run(BASE64, 30, 40), _of("é", "\udce9", "ſ", "\u2003", "K"),
                           _random_run("abcdefghijklmnopqrstuvwxyz/", 40, 80)),
    "hex": _join(_random_run("0123456789abcdef", 30, 34), _of("", "=", "g", "G")),
    # NAME=VALUE inside another one's value; quoted, spaced, escaped or unclosed values.
    "nested": _join(_of("--lines=+", "-e=", "x=", "A=B=", '--lines=+X="', "+", "-l:"),
                    _of(*SECRET_NAMES), _of("", "_FILE", '"', "'"), _of("=", ":", " = ", " "),
                    _of("", '"', "'", " "), st.text(alphabet="ab \\\"'=:,;", max_size=5),
                    _of("", '"', "'", "\n")),
    # -NAME=VALUE: secret when NAME without dashes/underscores says so, not a file/dir/path.
    "option-glued": _join(_of("-", "--", "x-", " -", "=-", "---"),
                          _of("pass-word", "Api_Key", "db-password", "token-file", "tokendir",
                              "managed-token", "secretpath", "tok-en", "passw_d"),
                          _of("=", "", ":", " ="), st.text(alphabet="ab \n=,;'\"", max_size=5)),
    # URL passwords holding "@", "/" or ":".
    "url-at": _join(_of("https", "h", "git+ssh", "1x", "", "a.b-c"), _of("://", ":/"),
                    st.text(alphabet="ab:@/. ", max_size=3), _of(":", ""),
                    st.text(alphabet="pw:@/.= t", max_size=6), _of("@", "@x@", "/@", ""),
                    st.text(alphabet="h@/ ", max_size=3)),
}
_PIECE = st.one_of(st.sampled_from(PIECES), *NEAR.values(), _RUN, _HEX_RUN, _LOWER_RUN,
                   st.characters())
TEXT = st.lists(_PIECE, max_size=8).map("".join)
WORD = st.one_of(TEXT, st.sampled_from(["-e", "--environment", "--env", "-environment",
                                        "--credkey", "--vault-token", "--vaulttokenfile",
                                        "bearer", "Bearer", "Authorization: Bearer", "-G",
                                        "--password", "-passwd", "--token-file",
                                        "--managed-token", "--api_key", "-x"]))
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def keeps_old_redactions(text: str, old: str, new: str) -> None:
    """`new` redacts every part of `text` that `old` redacted, so it changes `text`
    whenever `old` does.

    Both are `text` with some spans replaced by <redacted>, so what each keeps is the
    pieces between those marks; every piece `new` keeps must lie, in order, inside a piece
    `old` keeps (placed leftmost, which finds a fit whenever there is one).
    """
    if log.REDACTED in text:  # the input's own marks cannot be told from redactions
        return
    if old != text:
        assert new != text, (text, old)
    old_pieces = old.split(log.REDACTED)
    index = at = 0
    for piece in new.split(log.REDACTED):
        if not piece:
            continue
        while index < len(old_pieces):
            found = old_pieces[index].find(piece, at)
            if found >= 0:
                at = found + len(piece)
                break
            index, at = index + 1, 0
        else:
            raise AssertionError(f"{text!r}: the old redaction gave {old!r}, the new one "
                                 f"{new!r}, which keeps {piece!r}")


def prefilter_is_conservative(text: str) -> None:
    """_may_hold_secret says False only when the (new) patterns leave `text` unchanged."""
    if not log._may_hold_secret(text):
        assert log._scrub_with_patterns(text) == text, text


@PROPERTY
@given(TEXT)
def test_prefilter_lets_every_changed_text_through(text: str) -> None:
    prefilter_is_conservative(text)


@pytest.mark.parametrize("near", NEAR)
@PROPERTY
@given(data=st.data())
def test_near_matches(near: str, data: st.DataObject) -> None:
    pieces = st.one_of(NEAR[near], NEAR[near], st.sampled_from(PIECES))
    text = data.draw(st.lists(pieces, min_size=1, max_size=3).map("".join), label="text")
    prefilter_is_conservative(text)
    keeps_old_redactions(text, old_scrub(text), log.scrub(text))


@PROPERTY
@given(TEXT)
def test_scrub_redacts_what_the_old_one_did(text: str) -> None:
    keeps_old_redactions(text, old_scrub(text), log.scrub(text))


@PROPERTY
@given(st.lists(WORD, max_size=8), st.lists(TEXT, max_size=2))
def test_redact_redacts_what_the_old_one_did(words: list[str], extra: list[str]) -> None:
    secrets = [w for w in words[:2] + extra if len(w) >= 3]
    new = log.redact(words, secrets)
    old = old_redact(words, secrets)
    assert len(new) == len(old) == len(words)
    for word, old_word, new_word in zip(words, old, new):
        keeps_old_redactions(word, old_word, new_word)


# Planted secrets: texts that hold a known secret value, in every shape the review found
# leaking. The values are made of MARKS (and punctuation), which nothing else generated
# here holds, so any MARKS character left in the output is a leak.
MARKS = "QZ"
_CLEAN_PIECES = [p for p in PIECES if not set(p) & set(MARKS)]
_CLEAN = st.lists(st.one_of(st.sampled_from(_CLEAN_PIECES),
                            st.text(alphabet=[c for c in BASE64 + " =:@/.\"',;&\n"
                                              if c not in MARKS], max_size=6)),
                  max_size=3).map("".join)


def _secret(*punctuation: str) -> st.SearchStrategy[str]:
    """A secret value: MARKS characters, with some of `punctuation` between them."""
    between = st.lists(st.sampled_from(punctuation), max_size=2).map("".join)
    return st.lists(st.tuples(st.sampled_from(MARKS), between), min_size=1,
                    max_size=5).map(lambda parts: "".join(a + b for a, b in parts))


_SECRET_NAMES = _of("MyToken", "Password", "DB_PASSWORD", "api_key", "Api-Key", "Secret",
                    "credkey", "passwd", "X_TOKEN", "access_token", "vault.token")
_SECRET_OPTION_WORDS = _of("--password", "-passwd", "--token", "--db-password", "--API_KEY",
                           "--credkey", "--vaulttoken", "-Secret", "--client_secret",
                           "--pass-word", "--vaulttokenfile", "-Token")
_PLAIN_VALUE = _secret(*"@/:.+-_=!#")  # up to whitespace or &,;"'
_QUOTED_VALUE = st.one_of(
    _join(_of('"'), _secret(*" ,;&'=:@\t\n", '\\"', "\\\\"), _of('"')),
    _join(_of("'"), _secret(*' ,;&"=:@', "\\'"), _of("'")),
    _join(_of('"'), _secret(*" ,;&='\n", '\\"', "\\\\"), _of("\\", "")))  # unclosed
PLANTED = {
    # NAME=VALUE or NAME:VALUE at any depth: --lines=+MyToken=x, -e=FOO_TOKEN=x, ...
    "assignment": _join(_of("", "--lines=+", "-e=", "--lines=+X=", "x=", '--lines=+A="B=1;',
                            "+", "-l:", '{"', "(", "a,"),
                        _SECRET_NAMES, _of("=", ":", " = ", '": ', "\t:"),
                        st.one_of(_join(_PLAIN_VALUE, _of("", " x", ",y", ";", "&z", '"', "'")),
                                  _join(_QUOTED_VALUE, _CLEAN))),
    # -NAME=VALUE: the rest of the line.
    "option-glued": _join(_SECRET_OPTION_WORDS, _of("="), _secret(*" ,;&\"'=:@-\t")),
    # scheme://user:PASSWORD@host, the password holding "@", "/", ":" or ",;&'=".
    "url": _join(_of("https", "git+ssh", "root", "a.b-c"), _of("://"),
                 _of("", "alice", "u.x", "a-b"), _of(":"), _secret(*"@/:.=,;&'\"?#"),
                 _of("@"), _of("host", "example.org:8443/x?y=1", "h/a:b", ""),
                 _of("", " ", "\n", " x@y")),
}


@pytest.mark.parametrize("shape", PLANTED)
@PROPERTY
@given(data=st.data())
def test_planted_secrets_never_leak(shape: str, data: st.DataObject) -> None:
    before = data.draw(st.one_of(_CLEAN.map(lambda c: c + " "), _of("", " ", "\t")),
                       label="before")
    planted = data.draw(PLANTED[shape], label="planted")
    after = data.draw(_CLEAN, label="after")
    text = before + planted + after
    prefilter_is_conservative(text)
    for out in (log.scrub(text), log.redact([text])[0]):
        assert not set(out) & set(MARKS), (text, out)


@PROPERTY
@given(st.lists(WORD.filter(lambda w: not set(w) & set(MARKS)), max_size=3),
       _SECRET_OPTION_WORDS,
       st.tuples(_of("", "-", "--", "-e", "--x=", "bearer "), st.text(max_size=6)).map(
           lambda parts: parts[0] + "Q" + parts[1] + "Z"),
       st.lists(WORD.filter(lambda w: not set(w) & set(MARKS)), max_size=3))
def test_secret_option_next_word_never_leaks(before: list[str], option: str, value: str,
                                             after: list[str]) -> None:
    """`--password VALUE`: the next word is the secret, whatever it starts with."""
    out = log.redact(before + [option, value] + after)
    assert out[len(before) + 1] == log.REDACTED


@PROPERTY
@given(st.one_of(TEXT, _RUN, _HEX_RUN, st.text()))
def test_str_helpers_equal_their_regexes(text: str) -> None:
    assert log._random_looking(text) == old_random_looking(text)
    match = _OLD_ENV_NAME.match(text)
    assert log._env_name(text) == (match.group(0) if match else "")
    if text.isascii():
        assert log._long_runs(text) == [m.group(0) for m in _OLD_LONG_RUN.finditer(text)]


def test_python_names() -> None:
    for start in ("python", "pytho", "pypy", "xpython", ""):
        for version in ("", "3", "3.11", "3.", ".", "311", "3-11", "3x", "٣", "3.1 "):
            for end in ("", "t", "m", "z", "T", "é", "ǆ", "1", ".", "tt", "İ", "\n", "-"):
                name = start + version + end
                assert log._is_python(name) == bool(_OLD_PYTHON.fullmatch(name)), name


ORDINARY = ["-G", "gm2", "--jobid", "42.0@jobsub01.fnal.gov", "--role=Analysis", "-N", "10",
            "/opt/jobsub_lite/bin/jobsub_submit", "--memory=2000MB", "--disk=10GB",
            "file:///pnfs/nova/scratch/users/alice/production_scripts/run_v2.sh",
            "--expected-lifetime=8h", "--resource-provides=usage_model=OPPORTUNISTIC,DEDICATED",
            "/pnfs/nova/persistent/analysis/HighEnergyNuMIFluxSystematicsV2",
            "neardet_r00010000_s01_beam_caf_R17-03-01-prod3reco_v1", "--managed-token",
            "--need-scope=storage.modify:/nova/scratch", "123e4567-e89b-12d3-a456-426614174000",
            "--lines=+FERMIHTC_AutoRelease=True", "-e", "FOO=bar", "-eBAR=1", "SAM_PROJECT",
            '(Memory > 2000)&&(TARGET.Arch == "X86_64")', "/home/alice/.local/bin/jobsub_q",
            "gsiftp://fndca1.fnal.gov/pnfs/fnal.gov/usr/nova/scratch/users/alice/file.root"]


GRID_NAMES = ["token", "TOKEN", "Token", "secret", "Secret", "passwd", "password",
              "PASSWORD", "credkey", "apikey", "api_key", "API_KEY", "vaulttoken",
              "vault-token", "bearer", "toKen", "ſecret", "apİkey", "api-key", "tokn", "pass",
              "pass-word", "Tok_en", "managed-token"]


@pytest.mark.parametrize("name", GRID_NAMES)
def test_secret_name_grid(name: str) -> None:
    """Every spelling around each secret name: the prefilter lets the changed ones through,
    and the old redaction's redactions are kept."""
    for prefix in ("", "x", "-", "--", "MY_", "+", "a.b.", "é", " ", "--lines=+", '"'):
        for suffix in ("", "_FILE", "_DIR", "FILE", "_PATH", "dir", "_x", "S", "-"):
            for sep in ("=", ":", "", " ", "+=", " = ", '": '):
                for value in ("", "x", "hunter2", "a b", ",x", "'x'", "=x", " x", '"a b'):
                    text = prefix + name + suffix + sep + value
                    prefilter_is_conservative(text)
                    keeps_old_redactions(text, old_scrub(text), log.scrub(text))


def test_ordinary_words_need_no_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> Any:
        raise AssertionError("the patterns were needed")

    monkeypatch.setattr(log, "_patterns", refuse)
    expected = ORDINARY[:-7] + ["-e", "FOO=<redacted>", "-eBAR=<redacted>"] + ORDINARY[-4:]
    assert log.redact(ORDINARY, ["abcdefgh12345678"]) == expected
    assert log.script_argument(["/usr/bin/python3.11", "-u", "sub.py"]) == ("sub.py", False)
    # Secret options' values are told apart by the option word alone.
    assert log.redact(["--password", "hunter2", "--token-file", "/run/bt", "--managed-token",
                       "-G", "-passwd", "-x"]) == ["--password", "<redacted>", "--token-file",
                                                   "/run/bt", "--managed-token", "-G",
                                                   "-passwd", "<redacted>"]


def test_option_table_names_with_secret_words() -> None:
    """Every option of options.py's tables whose name holds a secret word: a flag (such as
    --managed-token) leaves the next word alone, a file/dir/path option shows its value, any
    other hides it."""
    from jobsub_compat import options

    seen = set()
    for rows in options.TABLES.values():
        for row in rows:
            for spelling in row.spellings:
                name = log._bare(spelling)
                if not any(word in name for word in log._SECRET_WORDS):
                    continue
                seen.add(spelling)
                shown = row.nargs == 0 or name.endswith(("file", "dir", "path"))
                expected = "VALUE" if shown else log.REDACTED
                assert log.redact([spelling, "VALUE"]) == [spelling, expected], spelling
    assert "--managed-token" in seen


def test_secret_words_meet_the_patterns() -> None:
    changed = [w for p in FIXES for w in p.values[0] if log._scrub_with_patterns(w) != w]
    assert len(changed) >= 30
    for word in changed:
        assert log._may_hold_secret(word), word


RECORD_PATH = textwrap.dedent("""\
    import os, sys
    sys.path.insert(0, os.environ["SRC"])
    from jobsub_compat import log
    at_import = "re" in sys.modules
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ["HOME"], "USER": "alice",
           "LOGNAME": "alice", "SHELL": "/bin/bash", "LANG": "en_US.UTF-8", "GROUP": "gm2",
           "BEARER_TOKEN_FILE": "/run/user/1000/bt_u1000", "BEARER_TOKEN": os.environ["JWT"],
           "X509_USER_PROXY": "/tmp/x509up_u1000", "JOBSUB_COMPAT_LOG": os.environ["LOG"],
           "JOBSUB_COMPAT_SITE_CONFIG": os.environ["HOME"] + "/site.conf"}
    argv = ["-G", "gm2", "--jobid", "42.0@jobsub01.fnal.gov"]
    rec = log.make_record("jobsub_rm", argv, ["/opt/jobsub_lite/bin/jobsub_rm"] + argv,
                          ["JC104"], "/opt/jobsub_lite/bin/jobsub_rm", "1.12", 0, 0.25, env)
    after_record = "re" in sys.modules
    before = set(sys.modules)
    problem = log.write(rec, env)
    new = sorted(set(sys.modules) - before)
    import json
    print(json.dumps({"no_site": sys.flags.no_site, "at_import": at_import,
                      "after_record": after_record, "compiled": log._PATTERNS is not None,
                      "new": new, "problem": problem, "record": rec}))
""")


def test_ordinary_record_needs_no_re(tmp_path: Path) -> None:
    """A jobsub_rm call's record is made without importing re; writing it imports re only
    through json (encode's json.dumps, to be replaced)."""
    script = _script(tmp_path / "run.sh", '"$PY" -S -c "$CODE"\nexit $?\n')
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "CODE": RECORD_PATH, "SRC": SRC,
           "HOME": str(home), "JWT": JWT, "LOG": str(tmp_path / "m.jsonl")}
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["no_site"] == 1 and out["problem"] is None
    rec = out["record"]
    assert rec["caller"] == {"cmdline": ["bash", str(script)], "script": str(script)}
    assert rec["argv"] == ["-G", "gm2", "--jobid", "42.0@jobsub01.fnal.gov"]
    assert lines(tmp_path / "m.jsonl") == [rec]
    assert (out["at_import"], out["after_record"], out["compiled"]) == (False, False, False)
    assert "re" not in out["new"] or "json" in out["new"], out["new"]


# --- the caller --------------------------------------------------------------------------

SCRIPT_ARGUMENTS = [
    pytest.param(["bash", "/p/run.sh", "a"], ("/p/run.sh", False), id="bash"),
    pytest.param(["/bin/bash", "-x", "-o", "pipefail", "run.sh"], ("run.sh", False),
                 id="bash-options"),
    pytest.param(["bash", "--norc", "--", "-weird.sh"], ("-weird.sh", False), id="dashdash"),
    pytest.param(["bash", "-c", "jobsub_submit x"], (None, True), id="bash-c"),
    pytest.param(["sh", "-ec", "jobsub_submit x"], (None, True), id="sh-ec"),
    pytest.param(["-bash"], (None, False), id="login-shell"),
    pytest.param(["bash", "-s", "x"], (None, False), id="bash-stdin"),
    pytest.param(["python3.9", "-u", "-W", "ignore", "sub.py"], ("sub.py", False),
                 id="python"),
    pytest.param(["/usr/bin/python3", "-m", "pytest"], (None, False), id="python-m"),
    pytest.param(["python", "-c", "x"], (None, True), id="python-c"),
    pytest.param(["perl", "-w", "s.pl"], ("s.pl", False), id="perl"),
    pytest.param(["perl", "-e", "x"], (None, True), id="perl-e"),
    pytest.param(["make", "all"], (None, False), id="not-an-interpreter"),
    pytest.param([], (None, False), id="empty"),
]


@pytest.mark.parametrize(("argv", "expected"), SCRIPT_ARGUMENTS)
def test_script_argument(argv: list[str], expected: tuple[str | None, bool]) -> None:
    assert log.script_argument(argv) == expected


SNIPPET = textwrap.dedent("""\
    import json, os, sys
    sys.path.insert(0, os.environ["SRC"])
    from jobsub_compat import log
    rec = log.make_record("jobsub_submit", [], [], [], None, None, 0, 0.0, os.environ)
    print(json.dumps(rec["caller"]))
""")


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(0o755)
    return path


CALLERS = [
    # (script name, body, how it is run, expected cmdline[0] basename)
    pytest.param("run.sh", '#!/bin/bash\n"$PY" -c "$SNIPPET"\nexit $?\n',
                 ["bash", "{script}"], "bash", id="bash-absolute"),
    pytest.param("run.sh", '"$PY" -c "$SNIPPET"\nexit $?\n', ["bash", "run.sh"], "bash",
                 id="bash-relative"),
    pytest.param("run.sh", '#!/bin/bash\n"$PY" -c "$SNIPPET"\nexit $?\n', ["./run.sh"],
                 "bash", id="shebang-relative"),
    pytest.param("sub/run.sh", 'cd /\n"$PY" -c "$SNIPPET"\nexit $?\n',
                 ["bash", "sub/run.sh"], "bash", id="bash-cd-elsewhere"),
    pytest.param("sub/run.sh", 'cd /\n"$PY" -c "$SNIPPET"\nexit $?\n',
                 ["/bin/sh", "./sub/run.sh"], "sh", id="sh-cd-elsewhere"),
    pytest.param("run.sh", '("$PY" -c "$SNIPPET") &\nwait\n', ["bash", "run.sh"], "bash",
                 id="background-subshell"),
    pytest.param("run.sh", 'echo x | xargs -n1 "$PY" -c "$SNIPPET"\nexit $?\n',
                 ["bash", "run.sh"], "xargs", id="through-xargs"),
    pytest.param("submit.py",
                 'import subprocess\nsubprocess.run(\'"$PY" -c "$SNIPPET"; true\', '
                 'shell=True)\n', ["{python}", "submit.py"], "sh", id="python-shell-true"),
]


@pytest.mark.parametrize(("name", "body", "run", "parent"), CALLERS)
def test_caller_script(tmp_path: Path, name: str, body: str, run: list[str],
                       parent: str) -> None:
    script = _script(tmp_path / name, body)
    argv = [w.format(script=script, python=sys.executable) for w in run]
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "SNIPPET": SNIPPET, "SRC": SRC}
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["script"] == str(script)
    assert os.path.basename(found["cmdline"][0]) == parent


@pytest.mark.parametrize(("how", "expected"), [
    pytest.param('bash /dev/fd/3 3< "$DIR/run.sh"', "{dir}/run.sh", id="dev-fd-file"),
    pytest.param('bash /dev/stdin < "$DIR/run.sh"', "{dir}/run.sh", id="dev-stdin-file"),
    pytest.param('bash < "$DIR/run.sh"', "{dir}/run.sh", id="stdin-file"),
    pytest.param('cat "$DIR/run.sh" | bash /dev/stdin', None, id="pipe"),
])
def test_caller_script_from_a_descriptor(tmp_path: Path, how: str,
                                         expected: str | None) -> None:
    _script(tmp_path / "run.sh", '"$PY" -c "$SNIPPET"\nexit $?\n')
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "SNIPPET": SNIPPET, "SRC": SRC,
           "DIR": str(tmp_path)}
    done = subprocess.run(["bash", "-c", how + "; exit $?"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["script"] == (expected and expected.format(dir=tmp_path))


def test_caller_cmdline_is_redacted(tmp_path: Path) -> None:
    script = _script(tmp_path / "run.sh", '"$PY" -c "$SNIPPET"\nexit $?\n')
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "SNIPPET": SNIPPET, "SRC": SRC}
    done = subprocess.run(["bash", str(script), JWT], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    found = json.loads(done.stdout)
    assert found["cmdline"] == ["bash", str(script), "<redacted>"]


def test_caller_interactive_shell_has_no_script(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "SNIPPET": SNIPPET, "SRC": SRC}
    done = subprocess.run(["bash", "-s"], input='"$PY" -c "$SNIPPET"\nexit $?\n',
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert json.loads(done.stdout) == {"cmdline": ["bash", "-s"], "script": None}


def test_caller_unknown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(log, "PROC", str(tmp_path / "noproc"))
    assert log.make_record("jobsub_q", [], [], [], None, None, 0, 0.0, {})["caller"] is None


# --- destinations ------------------------------------------------------------------------

def _state(environ: dict[str, str]) -> Path:
    return Path(environ["HOME"]) / ".local" / "state" / "jobsub_compat" / "migration.jsonl"


@pytest.mark.parametrize(("changes", "where"), [
    pytest.param({}, "{home}/.local/state/jobsub_compat/migration.jsonl", id="default"),
    pytest.param({"XDG_STATE_HOME": "{tmp}/xdg"}, "{tmp}/xdg/jobsub_compat/migration.jsonl",
                 id="xdg"),
    pytest.param({"XDG_STATE_HOME": "relative/xdg"},
                 "{home}/.local/state/jobsub_compat/migration.jsonl", id="xdg-relative"),
    pytest.param({"JOBSUB_COMPAT_LOG": "{tmp}/mine/m.jsonl"}, "{tmp}/mine/m.jsonl",
                 id="override"),
    pytest.param({"JOBSUB_COMPAT_LOG": "~/logs/m.jsonl"}, "{home}/logs/m.jsonl",
                 id="override-tilde"),
])
def test_destination(environ: dict[str, str], tmp_path: Path, changes: dict[str, str],
                     where: str) -> None:
    fill = {"home": environ["HOME"], "tmp": str(tmp_path)}
    env = {**environ, **{k: v.format(**fill) for k, v in changes.items()}}
    rec = record()
    assert log.write(rec, env) is None
    expected = Path(where.format(**fill))
    assert lines(expected) == [rec]
    assert jsonl_files(tmp_path) == [expected]
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    assert log.write(record(status=7), env) is None
    assert [r["status"] for r in lines(expected)] == [0, 7]


def test_created_state_directories_are_private(environ: dict[str, str]) -> None:
    old = os.umask(0o022)
    try:
        assert log.write(record(), environ) is None
    finally:
        os.umask(old)
    path = _state(environ)
    for directory in (path.parent, path.parent.parent, path.parent.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


def test_log_off(environ: dict[str, str], tmp_path: Path) -> None:
    assert log.write(record(), {**environ, "JOBSUB_COMPAT_LOG": "off"}) is None
    assert jsonl_files(tmp_path) == []


def test_log_from_user_config(environ: dict[str, str], tmp_path: Path) -> None:
    conf = Path(environ["XDG_CONFIG_HOME"]) / "jobsub_compat.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(f"log = {tmp_path}/conf.jsonl\n")
    assert log.write(record(), environ) is None
    assert jsonl_files(tmp_path) == [tmp_path / "conf.jsonl"]


def _site(environ: dict[str, str], text: str) -> None:
    Path(environ["JOBSUB_COMPAT_SITE_CONFIG"]).write_text(text)


def test_shared_log_dir(environ: dict[str, str], tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    _site(environ, f"[jobsub_compat]\nlog_dir = {shared}\n")
    rec = record()
    old = os.umask(0o077)
    try:
        assert log.write(rec, environ) is None
    finally:
        os.umask(old)
    mine = shared / f"{ME}.jsonl"
    assert lines(mine) == [rec]
    assert lines(_state(environ)) == [rec]
    assert stat.S_IMODE(mine.stat().st_mode) == 0o640


def test_shared_log_dir_only(environ: dict[str, str], tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    _site(environ, f"log_dir = {shared}\n")
    assert log.write(record(), {**environ, "JOBSUB_COMPAT_LOG": "off"}) is None
    assert jsonl_files(tmp_path) == [shared / f"{ME}.jsonl"]


def test_shared_log_dir_setgid_group(environ: dict[str, str], tmp_path: Path) -> None:
    groups = [g for g in os.getgroups() if g != os.getgid()]
    if os.geteuid() != 0 and not groups:
        pytest.skip("needs a second group (or root) to tell the directory's group apart")
    group = groups[0] if groups and os.geteuid() != 0 else 4242
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chown(shared, -1, group)
    shared.chmod(0o2770)
    _site(environ, f"log_dir = {shared}\n")
    assert log.write(record(), environ) is None
    st = (shared / f"{ME}.jsonl").stat()
    assert st.st_gid == group != os.getgid()
    assert stat.S_IMODE(st.st_mode) == 0o640


@pytest.mark.parametrize("plant", ["symlink", "foreign-owner"])
def test_shared_log_dir_refuses_planted_files(environ: dict[str, str], tmp_path: Path,
                                              plant: str) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    target = shared / f"{ME}.jsonl"
    if plant == "symlink":
        target.symlink_to(victim)
    else:
        if os.geteuid() != 0:
            pytest.skip("only root can make a file owned by another user")
        target.write_text("")
        os.chown(target, 4242, -1)
    _site(environ, f"log_dir = {shared}\n")
    message = log.write(record(), environ)
    assert message is not None
    assert message.startswith(f"cannot write the shared migration log {target} (")
    assert "log_dir (site config " in message
    assert victim.read_text() == "keep\n"
    assert target.is_symlink() or target.read_text() == ""
    assert len(lines(_state(environ))) == 1  # the per-user log still got it


# --- concurrency and rotation ------------------------------------------------------------

WRITER = textwrap.dedent("""\
    import os, sys
    sys.path.insert(0, os.environ["SRC"])
    from jobsub_compat import log
    rec = log.make_record("jobsub_submit", ["-N", os.environ["N"], "x" * 8000], [], [],
                          None, None, 0, 0.0, os.environ)
    print("ready", flush=True)
    sys.stdin.read()  # the go: the test closes every writer's stdin at once
    message = log.write(rec, os.environ)
    sys.exit(0 if message is None else message)
""")


def test_fifty_processes_append(environ: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    env = {**environ, "SRC": SRC, "JOBSUB_COMPAT_LOG": str(path)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER], env={**env, "N": str(n)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for n in range(50)]
    for proc in procs:  # every writer has its record ready before any writes
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.close()
    assert [p.wait(timeout=120) for p in procs] == [0] * 50
    for proc in procs:
        assert proc.stdout is not None
        proc.stdout.close()
    found = lines(path)
    assert len(found) == 50
    assert sorted(int(r["argv"][1]) for r in found) == list(range(50))


def _write_all(recs: list[dict[str, Any]], env: dict[str, str], barrier: Any,
               results: Any) -> None:
    barrier.wait()
    results.put([log.write(rec, env) for rec in recs])


def _records(count: int) -> list[dict[str, Any]]:
    return [record(argv=["-N", f"{n:04d}", "x" * 300]) for n in range(count)]


def test_rotation_under_concurrency(environ: dict[str, str], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """50 processes append 20 records each; the 601st record rotates the file, once."""
    path = tmp_path / "m.jsonl"
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    recs = _records(1000)
    size = len(log.encode(recs[0]))
    assert {len(log.encode(r)) for r in recs} == {size}
    monkeypatch.setattr(log, "MAX_BYTES", 600 * size + size // 2)
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(50), ctx.Queue()
    procs = [ctx.Process(target=_write_all, args=(recs[n::50], env, barrier, results))
             for n in range(50)]
    for p in procs:
        p.start()
    messages = [m for _ in procs for m in results.get(timeout=120)]
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * 50
    assert messages == [None] * 1000
    old, new = lines(Path(f"{path}.1")), lines(path)
    assert (len(old), len(new)) == (600, 400)
    assert sorted(r["argv"][1] for r in old + new) == [f"{n:04d}" for n in range(1000)]
    assert jsonl_files(tmp_path) == [path, Path(f"{path}.1")]


def test_writer_waiting_during_rotation_reopens(environ: dict[str, str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that opened the file, then waited for the lock while another writer
    rotated it, writes into the new file, not into the rotated one."""
    import fcntl

    path = tmp_path / "m.jsonl"
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    assert log.write(record(status=1), env) is None
    real = fcntl.flock
    calls: list[int] = []

    def rotate_first(fd: int, operation: int) -> None:
        if not calls:  # meanwhile, another writer rotates and writes a record
            os.rename(path, f"{path}.1")
            path.write_bytes(log.encode(record(status=2)))
        calls.append(fd)
        real(fd, operation)

    monkeypatch.setattr(fcntl, "flock", rotate_first)
    assert log.write(record(status=3), env) is None
    monkeypatch.undo()
    assert len(calls) == 2
    assert [r["status"] for r in lines(Path(f"{path}.1"))] == [1]
    assert [r["status"] for r in lines(path)] == [2, 3]


def test_rotation_keeps_one_old_file(environ: dict[str, str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.jsonl"
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    recs = _records(7)
    size = len(log.encode(recs[0]))
    monkeypatch.setattr(log, "MAX_BYTES", 2 * size)
    for rec in recs:
        assert log.write(rec, env) is None
    assert [r["argv"][1] for r in lines(Path(f"{path}.1"))] == ["0004", "0005"]
    assert [r["argv"][1] for r in lines(path)] == ["0006"]
    assert jsonl_files(tmp_path) == [path, Path(f"{path}.1")]


def test_oversized_record_still_written(environ: dict[str, str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.jsonl"
    monkeypatch.setattr(log, "MAX_BYTES", 10)
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    assert log.write(record(), env) is None  # an empty file is never rotated
    assert log.write(record(status=1), env) is None
    assert [r["status"] for r in lines(path)] == [1]
    assert [r["status"] for r in lines(Path(f"{path}.1"))] == [0]


# --- failures ----------------------------------------------------------------------------

def _raise(code: int) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))
    return fail


@pytest.mark.parametrize("case", ["readonly-dir", "sysfs", "erofs", "enospc", "dev-full",
                                  "parent-is-a-file"])
def test_unwritable_log(environ: dict[str, str], tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                        case: str) -> None:
    path = tmp_path / "ro" / "m.jsonl"
    reason = "Permission denied"
    if case == "readonly-dir":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only directories (see erofs and sysfs)")
        path.parent.mkdir()
        path.parent.chmod(0o555)
    elif case == "sysfs":
        if not os.path.isdir("/sys/kernel"):
            pytest.skip("no sysfs")
        path = Path("/sys/kernel/jobsub_compat_test/m.jsonl")
        reason = "("  # EACCES or EPERM or EROFS, depending on the kernel
    elif case == "erofs":
        monkeypatch.setattr(log.os, "open", _raise(errno.EROFS))
        reason = os.strerror(errno.EROFS)
    elif case == "enospc":
        monkeypatch.setattr(log.os, "write", _raise(errno.ENOSPC))
        reason = os.strerror(errno.ENOSPC)
    elif case == "dev-full":
        path = Path("/dev/full")
        reason = os.strerror(errno.ENOSPC)
    else:
        (tmp_path / "ro").write_text("a file")
        reason = os.strerror(errno.ENOTDIR)
    message = log.write(record(), {**environ, "JOBSUB_COMPAT_LOG": str(path)})
    monkeypatch.undo()
    assert message is not None
    assert message.startswith(f"cannot write the migration log {path} (")
    assert reason in message
    assert message.endswith(ADVICE)
    assert "\n" not in message and "Traceback" not in message
    assert capsys.readouterr() == ("", "")


def test_full_disk_leaves_no_half_line(environ: dict[str, str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.jsonl"
    env = {**environ, "JOBSUB_COMPAT_LOG": str(path)}
    assert log.write(record(status=1), env) is None
    real = os.write
    calls = []

    def half_then_full(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(log.os, "write", half_then_full)
    message = log.write(record(status=2), env)
    monkeypatch.undo()
    assert message is not None and "No space left on device" in message
    assert len(calls) == 2
    assert log.write(record(status=3), env) is None
    assert [r["status"] for r in lines(path)] == [1, 3]


def test_two_failures_one_message(environ: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    _site(environ, f"log_dir = {tmp_path}/missing\n")
    message = log.write(record(), {**environ, "JOBSUB_COMPAT_LOG": f"{tmp_path}/file/m"})
    assert message == (
        f"cannot write the migration log {tmp_path}/file/m (Not a directory); cannot write "
        f"the shared migration log {tmp_path}/missing/{ME}.jsonl (No such file or "
        "directory); the job goes on. Set JOBSUB_COMPAT_LOG to a writable file or off. "
        f"Ask the site to fix log_dir (site config {environ['JOBSUB_COMPAT_SITE_CONFIG']}).")


def test_unserializable_record_does_not_raise(environ: dict[str, str]) -> None:
    class Odd:
        def __repr__(self) -> str:
            return "odd"

    assert log.write(record(status=Odd()), environ) is None
    assert lines(_state(environ))[0]["status"] == "odd"


# --- syslog ------------------------------------------------------------------------------

class FakeSyslog(types.ModuleType):
    LOG_PID, LOG_USER, LOG_INFO = 1, 8, 6

    def __init__(self, fail: bool = False) -> None:
        super().__init__("syslog")
        self.calls: list[tuple[Any, ...]] = []
        self.fail = fail

    def openlog(self, ident: str, logoption: int, facility: int) -> None:
        self.calls.append(("openlog", ident, logoption, facility))

    def syslog(self, priority: int, message: str) -> None:
        if self.fail:
            raise OSError(errno.ENOENT, "No such file or directory")
        self.calls.append(("syslog", priority, message))

    def closelog(self) -> None:
        self.calls.append(("closelog",))


@pytest.mark.parametrize(("source", "sent"), [
    pytest.param("env", True, id="environment"),
    pytest.param("site", True, id="site-config"),
    pytest.param("", False, id="off-by-default"),
])
def test_syslog(environ: dict[str, str], monkeypatch: pytest.MonkeyPatch, source: str,
                sent: bool) -> None:
    fake = FakeSyslog()
    monkeypatch.setitem(sys.modules, "syslog", fake)
    env = {**environ, "JOBSUB_COMPAT_LOG": "off"}
    if source == "env":
        env["JOBSUB_COMPAT_SYSLOG"] = "on"
    elif source == "site":
        _site(environ, "syslog = on\n")
    rec = record(argv=["-e", "A=secret"])
    assert log.write(rec, env) is None
    if not sent:
        assert fake.calls == []
        return
    assert fake.calls[0] == ("openlog", "jobsub-compat", fake.LOG_PID, fake.LOG_USER)
    assert fake.calls[1][:2] == ("syslog", fake.LOG_INFO)
    assert "\n" not in fake.calls[1][2]
    assert json.loads(fake.calls[1][2]) == rec
    assert "secret" not in fake.calls[1][2]
    assert fake.calls[2] == ("closelog",)


def test_syslog_failure_is_a_warning(environ: dict[str, str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "syslog", FakeSyslog(fail=True))
    env = {**environ, "JOBSUB_COMPAT_SYSLOG": "on"}
    message = log.write(record(), env)
    assert message == ("cannot send the migration record to syslog (No such file or "
                       "directory); the job goes on.")
    assert len(lines(_state(environ))) == 1


# --- cost --------------------------------------------------------------------------------

def test_import_is_light() -> None:
    code = (f"import sys; sys.path.insert(0, {SRC!r}); import jobsub_compat.log; "
            "print(sorted(m for m in ('syslog', 'socket', 'fcntl', 'subprocess', 'datetime',"
            " 're', 'json') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
