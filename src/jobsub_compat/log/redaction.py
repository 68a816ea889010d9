"""Redaction: secrets kept out of the migration log's every destination.

What is redacted (argv, backend argv, the caller's command line, script arguments
included) is replaced with `<redacted>`:
- `-e NAME=VALUE` values (all of them);
- a secret option's value: an option whose name, dashes and underscores aside, holds
  token, secret, passwd, password, credkey or apikey (`--password`, `--api-key`,
  `-passwd`, `--credkey`, `--vaulttoken*`) hides the next word, whatever it starts with,
  or the rest of its line after `=`; not flags (`--managed-token`, `--novaulttoken`,
  `--nobearertoken`) nor file/dir/path options (`--token-file`, `--vaulttokeninfile`,
  `--secretpath`), though `--vaulttokenfile` is hidden as before;
- the VALUE of NAME=VALUE or NAME:VALUE (also `NAME = VALUE` and JSON's `"NAME": VALUE`)
  whose NAME holds token, secret, passw(or)d, credkey or api[-_]key and is no
  *_FILE/*_DIR/*_PATH name, found at any depth (`--lines=+MyToken="..."`,
  `-e=FOO_TOKEN=...`): up to whitespace or &,;"', a quoted value up to its closing quote;
- URL passwords: everything between `scheme://user:` and the last `@` before the next
  whitespace (a password may hold `@`, `/`, `:`);
- `Bearer ...` tokens, JWTs, vault tokens, long random-looking hex or base64 runs, and the
  values of the caller's secret-looking variables (BEARER_TOKEN, ...).

Stdlib only; re is imported when used. A call whose words hold nothing secret-looking
never needs re (about 5 ms of imports): see _may_hold_secret.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable, Mapping

REDACTED = "<redacted>"

# Every pattern starts at a word boundary (a lookbehind) so that long words cost linear
# time: argv words can be 100 kB (--lines, long argument lists).
#
# The patterns are compiled on first need (_patterns), because importing re costs about
# 5 ms and most words cannot hold a secret: _may_hold_secret tells those apart with str
# methods only, and scrub leaves them as they are without meeting the patterns.


class _Patterns:
    """The redaction patterns (see _scrub_with_patterns for the order)."""

    def __init__(self) -> None:
        import re

        self.secret_option_glued = re.compile(
            r"(?<![A-Za-z0-9_-])(--?(?:credkey|vault[-_]?token)[A-Za-z0-9_-]*=)(.*)",
            re.IGNORECASE)
        self.bearer = re.compile(r"(?i)\b(bearer\s+)(\S+)")
        # scheme://user: ; the password runs to the last "@" before the next whitespace.
        self.url_user = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:")
        self.space = re.compile(r"\s")
        self.jwt = re.compile(
            r"(?<![A-Za-z0-9_-])(?:eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
            r"|[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})")
        self.vault = re.compile(r"(?<![A-Za-z0-9])(?:hv[sbr]|[sbr])\.[A-Za-z0-9_-]{24,}")
        # NAME=VALUE or NAME:VALUE, also `NAME = VALUE` and JSON's `"NAME": VALUE`; a
        # secret when NAME says so (see _assignment_spans).
        self.assign = re.compile(r"(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+)([\"']?[ \t]*)([=:])[ \t]*")
        self.secret_name = re.compile(r"(?i)token|secret|passw(?:or)?d|credkey|api[-_]?key")
        self.plain_value = re.compile(r"[^\s&,;\"']+")
        # A quoted value's inside: up to the closing quote, skipping backslash escapes.
        self.quoted = {'"': re.compile(r'(?:[^"\\]|\\.)*', re.DOTALL),
                       "'": re.compile(r"(?:[^'\\]|\\.)*", re.DOTALL)}
        self.long_run = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}")


_PATTERNS: _Patterns | None = None


def _patterns() -> _Patterns:
    global _PATTERNS
    if _PATTERNS is None:
        _PATTERNS = _Patterns()
    return _PATTERNS


# Long options starting with "e" that `-eNAME=VALUE` must not be mistaken for.
_E_LONG = ("-email", "-endpoint", "-expected", "-environment")
# What makes an option a secret one: a word in its name, compared without dashes and
# underscores, in lower case (see _secret_option; NAME=VALUE has secret_name instead).
_SECRET_WORDS = ("token", "secret", "passwd", "password", "credkey", "apikey")
_NOT_SECRET_ENDS = ("file", "dir", "path")  # --token-file PATH, --secretpath PATH
# htgettoken's vault-token options, secret whatever their name says (--vaulttokenfile).
_SECRET_OPTIONS = ("credkey", "vaulttoken", "vaulttokenfile", "vaulttokenttl",
                   "vaulttokenminttl")
# Flags with a secret word in their name, which take no value: jobsub_lite's
# --managed-token (options.py's only such row), htgettoken's --novaulttoken and
# --nobearertoken. The word after them is not theirs.
_SECRET_FREE_FLAGS = ("managedtoken", "novaulttoken", "nobearertoken")
_NOT_SECRET_NAMES = ("_FILE", "_DIR", "_PATH", "FILE", "DIR")
_SECRET_VARIABLES = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDKEY")
# Non-ASCII letters that (?i) matches to ASCII ones: the Kelvin sign, long s, dotted and
# dotless i. An option name is folded the same way.
_ASCII_FOLD = str.maketrans({"\u212a": "k", "\u017f": "s", "\u0130": "i", "\u0131": "i"})

# ASCII character classes (the patterns' [A-Za-z0-9...] never match anything else).
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_LETTERS = _LOWER | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_HEX_DIGITS = _DIGITS | frozenset("abcdefABCDEF")
_NAME_START = _LETTERS | {"_"}  # a shell variable name: [A-Za-z_][A-Za-z0-9_]*
_NAME_CHARS = _NAME_START | _DIGITS
_TOKEN_CHARS = _NAME_CHARS | {"-"}  # [A-Za-z0-9_-]: JWT parts and vault tokens
_RUN_CHARS = _TOKEN_CHARS | {"+", "/"}  # [A-Za-z0-9+/_-]: base64 and hex runs
# ASCII text translated to "x" for each _TOKEN_CHARS character and "." for a dot, or to
# "x" for each _RUN_CHARS character; anything else becomes a space.
_TOKEN_MARKS = str.maketrans({chr(i): "x" if chr(i) in _TOKEN_CHARS else
                              "." if chr(i) == "." else " " for i in range(128)})
_RUN_MARKS = str.maketrans({chr(i): "x" if chr(i) in _RUN_CHARS else " "
                            for i in range(128)})
_LONG_RUN_MIN = 32


def _env_name(value: str) -> str:
    """The `NAME=` that `value` starts with (a shell variable name), else "".

    The regex `[A-Za-z_][A-Za-z0-9_]*=` matched at the start, with str methods.
    """
    eq = value.find("=")
    if eq <= 0 or value[0] not in _NAME_START or not _NAME_CHARS.issuperset(value[1:eq]):
        return ""
    return value[:eq + 1]


def _long_runs(text: str) -> list[str]:
    """What `(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}` finds in ASCII `text`.

    That is every maximal run of 32+ base64/hex characters, with up to two `=` after it:
    a match cannot start inside a run (the lookbehind) and takes the whole run (greedy,
    and `=` is no run character).
    """
    if len(text) < _LONG_RUN_MIN:
        return []
    marks = text.translate(_RUN_MARKS)
    wanted = "x" * _LONG_RUN_MIN
    found = []
    start = marks.find(wanted)
    while start >= 0:
        end = marks.find(" ", start)
        end = len(text) if end < 0 else end
        end += 2 if text.startswith("==", end) else 1 if text.startswith("=", end) else 0
        found.append(text[start:end])
        start = marks.find(wanted, end)
    return found


def _may_hold_secret(text: str) -> bool:
    """False only when no redaction pattern can change `text`: str methods only.

    Each test below is implied by a match of one pattern (or, for assignments and long
    runs, by a match that is not given back unchanged), so when all are False scrub's
    patterns all leave `text` as it is, one after the other. Non-ASCII text always says
    True: the character tables here are ASCII ones, and (?i) lets some non-ASCII letters
    match ASCII ones (the Kelvin sign K, long s, dotless i), which str.lower() does not all
    follow.
    """
    if not text.isascii():
        return True
    lower = text.lower()
    if "bearer" in lower:  # bearer: bearer, case-insensitive
        return True
    if "://" in text and "@" in text:  # url_user: scheme://user:password@
        return True
    if "eyJ" in text:  # jwt's first form (case-sensitive)
        return True
    if ("=" in text or ":" in text) and any(
            w in lower.replace("-", "").replace("_", "") for w in _SECRET_WORDS):
        # Assignments change only after NAME= or NAME: where secret_name matches NAME
        # (token, secret, passw(or)d, credkey, api[-_]?key), or -NAME= where NAME without
        # dashes and underscores holds a _SECRET_WORDS word; secret_option_glued's
        # -credkey...= and -vault[-_]?token...= hold one too.
        return True
    if len(text) < 26:  # the shortest match of the rest: s. and 24 characters
        return False
    if "." in text:
        marks = text.translate(_TOKEN_MARKS)
        if "." + "x" * 24 in marks:  # vault: [sbr]. and 24+ token characters
            return True
        if "x" * 16 + "." + "x" * 16 in marks:  # jwt's second form: 16+.16+.16+
            return True
    # long_run changes only the runs that look random.
    return any(_random_looking(run) for run in _long_runs(text))


def _kind(ch: str) -> int:
    return 0 if ch.islower() else 1 if ch.isupper() else 2


def _lower_runs(text: str) -> tuple[int, int]:
    """(how many runs of [a-z] letters `text` has, how many such letters)."""
    runs = letters = 0
    inside = False
    for ch in text:
        if ch in _LOWER:
            letters += 1
            runs += not inside
            inside = True
        else:
            inside = False
    return runs, letters


def _random_looking(run: str) -> bool:
    """A long run of base64/hex characters that looks random rather than like words.

    Hex (32+ digits, with letters and digits) is a secret. Base64 must mix upper and lower
    case, have few separators (paths and dataset names have many) and, separators left
    out, change between lower case, upper case and digits often (random text does about
    60% of the time, words and paths far less) and not be CamelCase words (runs of lower
    case letters average 1.6 in random text). About 1 in 1000 random 32-character
    secrets is missed; longer ones less often.
    """
    core = run.rstrip("=")
    if core and _HEX_DIGITS.issuperset(core):
        return any(c.isdigit() for c in core) and any(c.isalpha() for c in core)
    alnum = [c for c in core if c.isalnum()]
    if (len(core) - len(alnum)) * 5 > len(core):
        return False
    if not any(c.islower() for c in alnum) or not any(c.isupper() for c in alnum):
        return False
    changes = sum(_kind(a) != _kind(b) for a, b in zip(alnum, alnum[1:]))
    if changes < 0.3 * len(alnum):
        return False
    runs, letters = _lower_runs(core)  # CamelCase words: runs of 3.5+ on average
    return letters < 3.5 * runs


def _long_run(match: re.Match[str]) -> str:
    return REDACTED if _random_looking(match.group(0)) else match.group(0)


def _secret_option(word: str) -> bool:
    """Whether option `word` (or its name, before `=`) takes a secret: its name, without
    dashes or underscores, holds a secret word (--password, --api-key, -passwd, --credkey)
    and does not end in file/dir/path (--token-file); a few options are listed by name.
    """
    name = _bare(word)
    if name in _SECRET_OPTIONS:
        return True
    if name in _SECRET_FREE_FLAGS or name.endswith(_NOT_SECRET_ENDS):
        return False
    return any(w in name for w in _SECRET_WORDS)


def _quoted_end(text: str, start: int) -> int:
    """Where the quoted value opened by text[start] ends: its closing quote, else the end
    of `text`."""
    quote = text[start]
    inside = _patterns().quoted[quote].match(text, start + 1)
    end = inside.end() if inside else start + 1
    return end if end < len(text) and text[end] == quote else len(text)


def _assignment_spans(text: str) -> list[tuple[int, int]]:
    """Where the secret values of assignments and options are in `text`.

    Every NAME= or NAME: is looked at, also inside another one's value, secret or not
    (`--lines=+MyToken=x`, `-e=A_TOKEN=x`, `token= MyToken="a b"`): a NAME that
    secret_name matches, not a *_FILE/*_DIR/*_PATH one, loses its value (up to the next
    whitespace or &,;"', or a quoted value up to its closing quote); an option `-NAME=`
    that _secret_option says takes a secret loses the rest of its line. (A value inside
    an unquoted value, or a line inside the line, ends where that one does: remembered, so
    that long words cost linear time.)
    """
    found = _patterns()
    spans: list[tuple[int, int]] = []
    pos = 0
    plain_end = line_end = -1  # of the last unquoted value and line looked at
    while True:
        match = found.assign.search(text, pos)
        if match is None:
            return spans
        name, value = match.group(1), match.end()
        pos = match.end(3)
        if name.startswith("-") and not match.group(2) and match.group(3) == "=" and \
                _secret_option(name):
            if pos >= line_end:
                line_end = text.find("\n", pos)
                line_end = len(text) if line_end < 0 else line_end
            if line_end > pos:
                spans.append((pos, line_end))
        elif found.secret_name.search(name) and \
                not name.upper().endswith(_NOT_SECRET_NAMES) and value < len(text):
            if text[value] in "\"'":
                end = _quoted_end(text, value)
                value += 1
            elif value < plain_end:
                end = plain_end
            else:
                plain = found.plain_value.match(text, value)
                end = plain_end = plain.end() if plain else value
            if end > value:
                spans.append((value, end))


def _url_password_spans(text: str) -> list[tuple[int, int]]:
    """Where URL passwords are in `text`: from `scheme://user:` to the last "@" before
    the next whitespace (a password may hold "@", "/" and ":")."""
    if "@" not in text:
        return []
    found = _patterns()
    spans: list[tuple[int, int]] = []
    pos = 0
    stretch_end = last_at = -1  # of the whitespace-free stretch looked at last
    while True:
        match = found.url_user.search(text, pos)
        if match is None:
            return spans
        start = pos = match.end()
        if start > stretch_end:
            space = found.space.search(text, start)
            stretch_end = space.start() if space else len(text)
            last_at = text.rfind("@", start, stretch_end)
        if last_at > start:
            spans.append((start, last_at))
            pos = last_at + 1


def _redact_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each of the (possibly overlapping) spans replaced by <redacted>; spans
    that overlap or touch become one."""
    out: list[str] = []
    done = 0
    for start, end in sorted(spans):
        if start > done or not out:
            out.append(text[done:start])
            out.append(REDACTED)
        done = max(done, end)
    out.append(text[done:])
    return "".join(out)


def scrub(word: str, secrets: Iterable[str] = ()) -> str:
    """`word` with anything token-like inside it replaced by <redacted>."""
    for secret in secrets:
        if secret in word:
            word = word.replace(secret, REDACTED)
    if not _may_hold_secret(word):
        return word
    return _scrub_with_patterns(word)


def _scrub_with_patterns(word: str) -> str:
    """`word` through every redaction pattern (what scrub does when it may hold a secret).

    The values that follow a name (option values, Bearer tokens, URL passwords,
    assignment values) are all found on the same text and redacted together, so that
    none cuts another short: in `https://u:p@h/?token=a@b` the password may run to the
    last "@" and the token's value past it; in `Bearer x MyToken="a b"` the token ends at
    the space and the quoted value does not.
    """
    found = _patterns()
    spans = [m.span(2) for m in found.secret_option_glued.finditer(word)]
    spans += [m.span(2) for m in found.bearer.finditer(word)]
    word = _redact_spans(word, spans + _url_password_spans(word) + _assignment_spans(word))
    word = found.jwt.sub(REDACTED, word)
    word = found.vault.sub(REDACTED, word)
    return found.long_run.sub(_long_run, word)


def _env_value(value: str, secrets: Iterable[str]) -> str:
    """The value of -e: NAME=VALUE loses its VALUE; a bare NAME stays."""
    name = _env_name(value)
    if name:
        return name + REDACTED
    return scrub(value, secrets)


def _is_environment_option(word: str) -> bool:
    """-e, --environment and its unambiguous abbreviations (--env...), -environment."""
    if word == "-e":
        return True
    name = word[2:] if word.startswith("--") else word[1:] if word.startswith("-") else ""
    return len(name) >= 3 and "environment".startswith(name) and (
        word.startswith("--") or name == "environment")


def _bare(word: str) -> str:
    """An option's name without dashes or underscores, in lower case (folded as (?i) is)."""
    name = word.lstrip("-").replace("-", "").replace("_", "")
    return (name if name.isascii() else name.translate(_ASCII_FOLD)).lower()


def redact(words: Iterable[str], secrets: Iterable[str] = ()) -> list[str]:
    """An argv with `-e` values and anything token-like replaced by <redacted>."""
    secrets = [s for s in secrets if s]
    out: list[str] = []
    pending = ""  # what the previous word says about this one: "env", "secret", "bearer"
    for word in words:
        if pending == "env":
            out.append(_env_value(word, secrets))
        elif pending in ("secret", "bearer"):  # whatever it starts with: --credkey -abc
            out.append(REDACTED)
        else:
            out.append(_redact_word(word, secrets))
        pending = ""
        if _is_environment_option(word):
            pending = "env"
        elif word.startswith("-") and "=" not in word and _secret_option(word):
            pending = "secret"
        elif word.lower() in ("bearer", "authorization: bearer"):
            pending = "bearer"
    return out


def _redact_word(word: str, secrets: list[str]) -> str:
    option, eq, value = word.partition("=")
    if eq and option.startswith("-") and _is_environment_option(option) and option != "-e":
        return option + "=" + _env_value(value, secrets)
    if (word.startswith("-e") and not word.startswith(_E_LONG)
            and _env_name(word[2:])):
        return "-e" + _env_value(word[2:], secrets)
    return scrub(word, secrets)


def environment_secrets(environ: Mapping[str, str]) -> list[str]:
    """Values of the caller's secret-looking variables (BEARER_TOKEN, ...) to hide."""
    found = []
    for name, value in environ.items():
        if len(value) >= 16 and name.upper().endswith(_SECRET_VARIABLES):
            found.append(value)
    return sorted(found, key=len, reverse=True)
