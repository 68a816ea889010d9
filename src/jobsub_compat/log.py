"""The migration log: one JSON Lines record per drop-in call.

Destinations (from config.settings):
- the per-user file: `$XDG_STATE_HOME/jobsub_compat/migration.jsonl` (else
  `~/.local/state/...`); the `log` setting (JOBSUB_COMPAT_LOG) names another file, `off`
  disables it;
- `log_dir` (site config): a shared directory that also gets every record, in the
  caller's own `<user>.jsonl` (mode 0640; its group is the directory's when the directory
  is setgid);
- `syslog = on`: also one line of JSON to syslog (facility user, ident jobsub-compat).

Scripts submit in parallel (50 at once), so each record is ONE os.write of one line on a
file opened with O_APPEND, under an exclusive flock. The lock also makes rotation safe:
when a file would grow past MAX_BYTES it is renamed to `<name>.1` (one old file kept) by
the writer holding the lock, and a writer that waited on the renamed file notices (its
descriptor no longer is the path's file) and opens the new one.

Logging never breaks a call: write() returns one warning line instead of raising.
Redaction keeps secrets out of every destination (argv, backend argv, the caller's command
line, script arguments included); it replaces with `<redacted>`:
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

Stdlib only; fcntl, pwd, syslog and re are imported when used. A call whose words
hold nothing secret-looking never needs re (about 5 ms of imports): see _may_hold_secret.
"""

from __future__ import annotations

import errno
import os
import stat
import time

from . import config, userfiles

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable, Mapping
    from typing import Any

MAX_BYTES = 20 * 1024 * 1024  # a log file is rotated before it grows past this
REDACTED = "<redacted>"
PROC = "/proc"  # tests point this elsewhere
USER_MODE = 0o600  # the per-user file (its new directories get 0700)
SHARED_MODE = 0o640  # files in the shared log_dir: the site's group may read them
CALLER_DEPTH = 4  # how many launchers (xargs, sh -c, ...) to look through for the script
PROC_LIMIT = 8 * userfiles.MiB  # /proc/PID/cmdline is at most ARG_MAX (a quarter of the stack)

# --- redaction ------------------------------------------------------------------------------
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


# --- the caller -----------------------------------------------------------------------------

_SHELLS = frozenset(("sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "csh",
                     "tcsh", "fish", "yash", "ash", "busybox"))
_SCRIPTED = frozenset(("perl", "ruby", "rscript", "node", "lua", "tclsh", "wish", "php",
                       "jython", "pypy", "pypy3"))
# Programs that only launch the drop-in for a script: look at their parent instead.
_LAUNCHERS = frozenset(("xargs", "parallel", "sem", "env", "nohup", "timeout", "nice",
                        "ionice", "time", "setsid", "stdbuf", "flock", "watch", "chronic"))
_VERSION_CHARS = _DIGITS | {"."}


def _read(path: str) -> bytes | None:
    """A /proc file (a regular file of at most PROC_LIMIT bytes), or None."""
    try:
        return userfiles.read_bytes(path, PROC_LIMIT, "the process file")
    except userfiles.UserFileError:
        return None


def _cmdline(pid: int) -> list[str] | None:
    data = _read(f"{PROC}/{pid}/cmdline")
    if data is None:
        return None
    return [os.fsdecode(w) for w in data.split(b"\0")[:-1 if data.endswith(b"\0") else None]]


def _parent_of(pid: int) -> int | None:
    data = _read(f"{PROC}/{pid}/stat")
    if not data:
        return None
    try:
        return int(data[data.rindex(b")") + 2:].split()[1])
    except (ValueError, IndexError):
        return None


def _program(argv: list[str]) -> str:
    name = os.path.basename(argv[0]).lstrip("-").lower() if argv else ""
    return name


def _is_python(name: str) -> bool:
    """`python[0-9.]*[a-z]?` matches all of `name`: python, python3.11, python3.13t."""
    if not name.startswith("python"):
        return False
    version = name[6:]
    if version and version[-1] in _LOWER:
        version = version[:-1]
    return _VERSION_CHARS.issuperset(version)


def script_argument(argv: list[str]) -> tuple[str | None, bool]:
    """(the script an interpreter command line runs, whether it runs a command string).

    `bash -x /p/run.sh a` -> ("/p/run.sh", False); `bash -c 'cmd'` -> (None, True);
    `python3 -u x.py` -> ("x.py", False); `-bash` or `make` -> (None, False).
    """
    name = _program(argv)
    if name in _SHELLS:
        kind = "shell"
    elif _is_python(name) or name in ("pypy", "pypy3"):
        kind = "python"
    elif name in _SCRIPTED:
        kind = "other"
    else:
        return None, False
    words = argv[1:]
    if kind == "shell" and name == "busybox":
        if not words or words[0] not in _SHELLS:
            return None, False
        words = words[1:]
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            i += 1
            break
        if word in ("-", "-s") or not word.startswith(("-", "+")) or word == "+":
            break
        if kind == "shell":
            if word in ("--rcfile", "--init-file", "--init_file"):
                i += 2
                continue
            if word == "--command" or word.startswith("--command="):
                return None, True
            if word.startswith("--"):
                i += 1
                continue
            flags = word[1:]
            if "c" in flags:
                return None, True
            if word in ("-s",) or ("s" in flags and word[0] == "-"):
                return None, False
            i += 2 if ("o" in flags or "O" in flags) else 1
            continue
        if kind == "python":
            if word in ("-c", "-m") or word.startswith(("-c", "-m")):
                return None, word.startswith("-c")
            i += 2 if word in ("-W", "-X", "-Q") else 1
            continue
        if word in ("-e", "-E") or word.startswith(("-e", "-E")):
            return None, True
        i += 2 if word in ("-I", "-r", "-M") else 1
    if i < len(words) and words[i] not in ("-", "-s"):
        return words[i], False
    return None, False


def _resolve(pid: int, path: str) -> str | None:
    """An absolute path for the script `path` of process `pid`.

    A relative path is matched against the files the process has open (bash keeps its
    script open, as fd 255; dash as fd 10+), so a script that cd'd elsewhere still
    resolves right; else it is joined to the process's working directory. `/dev/fd/N`
    (`bash <(...)`, `bash /dev/stdin < run.sh`) is the file behind it, or None (a pipe).
    """
    for prefix in ("/dev/fd/", "/proc/self/fd/", "/dev/stdin"):
        if path.startswith(prefix):
            fd = path[len(prefix):] if prefix != "/dev/stdin" else "0"
            try:
                target = os.readlink(f"{PROC}/{pid}/fd/{fd}")
            except OSError:
                return None
            return target if target.startswith("/") and not target.startswith("/dev/") \
                else None
    if os.path.isabs(path):
        return os.path.normpath(path)
    rel = os.path.normpath(path)
    fd_dir = f"{PROC}/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        fds = []
    matches = set()
    for fd in fds:
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue
        if target.endswith("/" + rel) and target.startswith("/"):
            matches.add(target)
    if len(matches) == 1:
        return matches.pop()
    try:
        cwd = os.readlink(f"{PROC}/{pid}/cwd")
    except OSError:
        return path
    return os.path.normpath(os.path.join(cwd, path))


def _stdin_script(pid: int) -> str | None:
    """`bash < run.sh`: the script is the shell's standard input."""
    try:
        target = os.readlink(f"{PROC}/{pid}/fd/0")
    except OSError:
        return None
    if target.startswith("/") and not target.startswith("/dev/") and os.path.isfile(target):
        return target
    return None


def caller(pid: int | None = None, secrets: Iterable[str] = ()) -> dict[str, Any] | None:
    """{"cmdline": the parent's argv (redacted), "script": the script path or None}.

    When the parent only launches the drop-in (xargs, env, timeout, `sh -c '...'`), the
    script is looked for in its parents. None when the parent cannot be read.
    """
    pid = os.getppid() if pid is None else pid
    first = _cmdline(pid)
    if first is None:
        return None
    argv: list[str] | None = first
    script = None
    for _ in range(CALLER_DEPTH):
        if not argv:
            break
        found, command_string = script_argument(argv)
        if found:
            script = _resolve(pid, found)
            break
        name = _program(argv)
        if not command_string and name in _SHELLS and len(argv) == 1:
            script = _stdin_script(pid)
            break
        if not command_string and name not in _LAUNCHERS:
            break
        parent = _parent_of(pid)
        if parent is None or parent <= 1:
            break
        pid, argv = parent, _cmdline(parent)
    return {"cmdline": redact(first, secrets), "script": script}


# --- the record -----------------------------------------------------------------------------

def _user(environ: Mapping[str, str]) -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # no passwd entry (a container): trust the environment
        return environ.get("USER") or environ.get("LOGNAME") or str(os.getuid())


def iso_time(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def make_record(command: str, argv: list[str], backend_argv: list[str], codes: list[str],
                backend_path: str | None, backend_version: str | None, status: int,
                duration: float, environ: Mapping[str, str]) -> dict[str, Any]:
    """One JSON-able record of a drop-in call; `time` is when the call started (UTC)."""
    secrets = environment_secrets(environ)
    try:
        cwd: str | None = os.getcwd()
    except OSError:
        cwd = None
    try:
        found = caller(secrets=secrets)
    except Exception:  # /proc oddities must never stop a call
        found = None
    return {
        "time": iso_time(time.time() - max(duration, 0.0)),
        "host": os.uname().nodename,
        "user": _user(environ),
        "command": command,
        "caller": found,
        "cwd": cwd,
        "argv": redact(argv, secrets),
        "backend_argv": redact(backend_argv, secrets),
        "warnings": list(dict.fromkeys(codes)),
        "backend": backend_path,
        "backend_version": backend_version,
        "status": status,
        "duration_ms": int(round(duration * 1000)),
    }


# --- writing --------------------------------------------------------------------------------

def encode(record: dict[str, Any]) -> bytes:
    """The record as one line of JSON (ASCII: undecodable argv bytes stay escaped)."""
    from .jsontext import dumps  # json.dumps's text, without json's imports

    return (dumps(record) + "\n").encode("ascii")


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _home(environ: Mapping[str, str]) -> str:
    return environ.get("HOME") or os.path.expanduser("~")


def user_log(environ: Mapping[str, str], setting: str) -> str | None:
    """The per-user log file, or None when the `log` setting is `off`."""
    if setting == "off":
        return None
    if setting:
        if setting == "~" or setting.startswith("~/"):
            return _home(environ) + setting[1:]
        return os.path.expanduser(setting)
    state = environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(state):  # the XDG spec: relative paths are ignored
        state = os.path.join(_home(environ), ".local", "state")
    return os.path.join(state, "jobsub_compat", "migration.jsonl")


def _makedirs(directory: str, mode: int) -> None:
    """Create `directory` and missing parents, each with `mode`."""
    missing = []
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for path in reversed(missing):
        try:
            os.mkdir(path, mode)
        except FileExistsError:
            pass


def _open(path: str, mode: int, shared: bool) -> int:
    flags = (os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK
             | getattr(os, "O_CLOEXEC", 0))
    if shared:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | os.O_EXCL, mode)
    except FileExistsError:
        fd = os.open(path, flags, mode)
    else:
        try:
            os.fchmod(fd, mode)  # not narrowed by the umask: the site's group may read
        except OSError:
            pass
    if shared:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            os.close(fd)
            raise PermissionError(errno.EPERM, "not a regular file of one's own")
    return fd


def _rotate(path: str) -> bool:
    """Rename `path` to `path.1` (replacing it); the caller holds the lock on `path`."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        os.replace(path, path + ".1")
    except OSError:
        return False
    return True


def _write_all(fd: int, data: bytes, undo_size: int | None) -> None:
    written = 0
    try:
        while written < len(data):
            written += os.write(fd, data[written:])
    except OSError:
        if written and undo_size is not None:  # no half line for the next record to join
            try:
                os.ftruncate(fd, undo_size)
            except OSError:
                pass
        raise


def append(path: str, data: bytes, mode: int = USER_MODE, shared: bool = False,
           limit: int | None = None) -> None:
    """Append one line to `path` atomically, rotating first when it would exceed `limit`.

    Raises OSError when the file cannot be written.
    """
    import fcntl

    limit = MAX_BYTES if limit is None else limit
    attempts = 8
    for attempt in range(attempts):
        fd = _open(path, mode, shared)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                locked = True
            except OSError:  # no locks here (some NFS mounts): append, never rotate
                locked = False
            st = os.fstat(fd)
            regular = stat.S_ISREG(st.st_mode)
            if locked and regular and attempt < attempts - 1:
                try:
                    now = os.stat(path)
                    moved = (now.st_ino, now.st_dev) != (st.st_ino, st.st_dev)
                except FileNotFoundError:
                    moved = True
                if moved:  # rotated while this writer waited for the lock
                    continue
                if st.st_size and st.st_size + len(data) > limit and _rotate(path):
                    continue
            _write_all(fd, data, st.st_size if locked and regular else None)
            return
        finally:
            os.close(fd)


def _send_syslog(line: str) -> None:
    import syslog

    syslog.openlog(ident="jobsub-compat", logoption=syslog.LOG_PID,
                   facility=syslog.LOG_USER)
    try:
        syslog.syslog(syslog.LOG_INFO, line)
    finally:
        syslog.closelog()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def write(record: dict[str, Any], environ: Mapping[str, str],
          settings: dict[str, config.Setting] | None = None) -> str | None:
    """Append the record to every destination the settings (the call's, else read now)
    configure.

    Returns None, or one warning line (no code) when a destination could not be written.
    Never raises.
    """
    problems: list[str] = []
    advice: list[str] = []
    try:
        values = config.settings(environ) if settings is None else settings
        data = encode(record)
    except Exception as exc:  # logging never breaks a call
        return (f"cannot write the migration log ({_reason(exc)}); the job goes on. "
                "Set JOBSUB_COMPAT_LOG to a writable file or off.")
    path = user_log(environ, values["log"].value)
    if path is not None:
        try:
            _makedirs(os.path.dirname(os.path.abspath(path)), 0o700)
            append(path, data, USER_MODE)
        except Exception as exc:
            problems.append(f"cannot write the migration log {_one_line(path)} "
                            f"({_reason(exc)})")
            advice.append("Set JOBSUB_COMPAT_LOG to a writable file or off.")
    shared = values["log_dir"]
    if shared.value:
        name = _user(environ).replace("/", "_").lstrip(".") or str(os.getuid())
        path = os.path.join(os.path.expanduser(shared.value), name + ".jsonl")
        try:
            append(path, data, SHARED_MODE, shared=True)
        except Exception as exc:
            problems.append(f"cannot write the shared migration log {_one_line(path)} "
                            f"({_reason(exc)})")
            advice.append(f"Ask the site to fix log_dir ({_one_line(shared.source)}).")
    if values["syslog"].value.strip().lower() in ("on", "1", "yes", "true"):
        try:
            _send_syslog(data.decode("ascii").rstrip("\n"))
        except Exception as exc:
            problems.append(f"cannot send the migration record to syslog ({_reason(exc)})")
    if not problems:
        return None
    return "; ".join(problems) + "; the job goes on." + "".join(" " + a for a in advice)
