"""log/redaction.py: what is redacted, what is not, and that it redacts at least what the
old regex-only redaction did."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from benchmarks.run import HOSTILE_SHAPES, HOSTILE_WORDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsub_compat.log import calling, redaction
from tests.log.common import JWT

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
    assert redaction.redact(words) == expected


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
    assert redaction.redact(words) == words


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
        assert redaction.redact([secret]) == ["<redacted>"], secret
        assert redaction.redact([f"--x={secret}"]) == ["--x=<redacted>"], secret


# Which of the benchmark's hostile shapes hold a secret (benchmarks/run.py measures how
# fast they are redacted; here, only what comes out).
HOSTILE_SECRETS = {"eyJ", "token=", "Aa1", "-eA", "Bearer ", "@a://b:", "-token=", "X_TOKEN:",
                   'token="\\', "token='token=\"", '"token": ', "token = "}


def test_redact_long_hostile_words() -> None:
    """Long words shaped like each pattern's prefix: the secret-looking ones are hidden,
    the others kept whole, and a secret option's value is hidden whatever it is."""
    assert HOSTILE_SECRETS < set(HOSTILE_SHAPES)
    for shape, word, out in zip(HOSTILE_SHAPES, HOSTILE_WORDS, redaction.redact(HOSTILE_WORDS)):
        if shape in HOSTILE_SECRETS:
            assert redaction.REDACTED in out, shape
        else:
            assert out == word, shape
    hidden = redaction.redact([w for word in HOSTILE_WORDS for w in ("--password", word)])
    assert hidden[1::2] == [redaction.REDACTED] * len(HOSTILE_WORDS)


def test_redact_environment_secret_values() -> None:
    secrets = redaction.environment_secrets({"BEARER_TOKEN": "abcdefgh12345678",
                                       "SHORT_TOKEN": "abc", "HOME": "/home/alice1234567",
                                       "BEARER_TOKEN_FILE": "/run/user/1/bt_u1_xxxxxxx"})
    assert secrets == ["abcdefgh12345678"]
    assert redaction.redact(["x=abcdefgh12345678", "/home/alice1234567"], secrets) == [
        "x=<redacted>", "/home/alice1234567"]


# --- redaction without re, and the old redaction ------------------------------------------
# redaction.py compiles its patterns only for words that may hold a secret (_may_hold_secret,
# str methods only): a word it lets pass must be one the patterns leave as it is.
#
# The reference below is the redaction as it was when every word met every pattern (before
# nested assignments, secret options' next words and whole URL passwords were redacted),
# copied verbatim with the constants it read from redaction.py frozen: the new redaction must
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


def old_random_looking(run: str) -> bool:
    core = run.rstrip("=")
    if _OLD_HEX.fullmatch(core):
        return any(c.isdigit() for c in core) and any(c.isalpha() for c in core)
    alnum = [c for c in core if c.isalnum()]
    if (len(core) - len(alnum)) * 5 > len(core):
        return False
    if not any(c.islower() for c in alnum) or not any(c.isupper() for c in alnum):
        return False
    changes = sum(redaction._kind(a) != redaction._kind(b) for a, b in zip(alnum, alnum[1:]))
    if changes < 0.3 * len(alnum):
        return False
    lower_runs = _OLD_LOWER_RUN.findall(core)
    return sum(map(len, lower_runs)) < 3.5 * len(lower_runs)


def _old_secret_assign(match: re.Match[str]) -> str:
    name = match.group(1)
    if not _OLD_SECRET_NAME.search(name) or name[:-1].upper().endswith(
            _OLD_NOT_SECRET_NAMES):
        return match.group(0)
    return name + redaction.REDACTED


def _old_long_run(match: re.Match[str]) -> str:
    return redaction.REDACTED if old_random_looking(match.group(0)) else match.group(0)


def old_patterns(word: str) -> str:
    """The old scrub after the environment secrets: every pattern, in order."""
    word = _OLD_SECRET_OPTION_GLUED.sub(lambda m: m.group(1) + redaction.REDACTED, word)
    word = _OLD_BEARER.sub(lambda m: m.group(1) + redaction.REDACTED, word)
    word = _OLD_URL_PASSWORD.sub(lambda m: m.group(1) + redaction.REDACTED + "@", word)
    word = _OLD_JWT.sub(redaction.REDACTED, word)
    word = _OLD_VAULT.sub(redaction.REDACTED, word)
    word = _OLD_ASSIGN.sub(_old_secret_assign, word)
    return _OLD_LONG_RUN.sub(_old_long_run, word)


def old_scrub(word: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret in word:
            word = word.replace(secret, redaction.REDACTED)
    return old_patterns(word)


def _old_env_value(value: str, secrets: list[str]) -> str:
    match = _OLD_ENV_NAME.match(value)
    if match:
        return match.group(0) + redaction.REDACTED
    return old_scrub(value, secrets)


def _old_redact_word(word: str, secrets: list[str]) -> str:
    option, eq, value = word.partition("=")
    if eq and option.startswith("-") and redaction._is_environment_option(option) \
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
            out.append(redaction.REDACTED)
        elif pending == "bearer":
            out.append(redaction.REDACTED)
        else:
            out.append(_old_redact_word(word, secrets))
        pending = ""
        if redaction._is_environment_option(word):
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
    if redaction.REDACTED in text:  # the input's own marks cannot be told from redactions
        return
    if old != text:
        assert new != text, (text, old)
    old_pieces = old.split(redaction.REDACTED)
    index = at = 0
    for piece in new.split(redaction.REDACTED):
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
    if not redaction._may_hold_secret(text):
        assert redaction._scrub_with_patterns(text) == text, text


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
    keeps_old_redactions(text, old_scrub(text), redaction.scrub(text))


@PROPERTY
@given(TEXT)
def test_scrub_redacts_what_the_old_one_did(text: str) -> None:
    keeps_old_redactions(text, old_scrub(text), redaction.scrub(text))


@PROPERTY
@given(st.lists(WORD, max_size=8), st.lists(TEXT, max_size=2))
def test_redact_redacts_what_the_old_one_did(words: list[str], extra: list[str]) -> None:
    secrets = [w for w in words[:2] + extra if len(w) >= 3]
    new = redaction.redact(words, secrets)
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
    for out in (redaction.scrub(text), redaction.redact([text])[0]):
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
    out = redaction.redact(before + [option, value] + after)
    assert out[len(before) + 1] == redaction.REDACTED


@PROPERTY
@given(st.one_of(TEXT, _RUN, _HEX_RUN, st.text()))
def test_str_helpers_equal_their_regexes(text: str) -> None:
    assert redaction._random_looking(text) == old_random_looking(text)
    match = _OLD_ENV_NAME.match(text)
    assert redaction._env_name(text) == (match.group(0) if match else "")
    if text.isascii():
        assert redaction._long_runs(text) == [m.group(0) for m in _OLD_LONG_RUN.finditer(text)]


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
                    keeps_old_redactions(text, old_scrub(text), redaction.scrub(text))


def test_ordinary_words_need_no_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> Any:
        raise AssertionError("the patterns were needed")

    monkeypatch.setattr(redaction, "_patterns", refuse)
    expected = ORDINARY[:-7] + ["-e", "FOO=<redacted>", "-eBAR=<redacted>"] + ORDINARY[-4:]
    assert redaction.redact(ORDINARY, ["abcdefgh12345678"]) == expected
    assert calling.script_argument(["/usr/bin/python3.11", "-u", "sub.py"]) == ("sub.py", False)
    # Secret options' values are told apart by the option word alone.
    assert redaction.redact(["--password", "hunter2", "--token-file", "/run/bt", "--managed-token",
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
                name = redaction._bare(spelling)
                if not any(word in name for word in redaction._SECRET_WORDS):
                    continue
                seen.add(spelling)
                shown = row.nargs == 0 or name.endswith(("file", "dir", "path"))
                expected = "VALUE" if shown else redaction.REDACTED
                assert redaction.redact([spelling, "VALUE"]) == [spelling, expected], spelling
    assert "--managed-token" in seen


def test_secret_words_meet_the_patterns() -> None:
    changed = [w for p in FIXES for w in p.values[0] if redaction._scrub_with_patterns(w) != w]
    assert len(changed) >= 30
    for word in changed:
        assert redaction._may_hold_secret(word), word
