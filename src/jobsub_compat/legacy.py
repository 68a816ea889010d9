"""The legacy grammar: the words the legacy client made of a command line, and their parse.

Quoting contract (legacy-jobsub.md §0, §13): the legacy client joined its server words
with single spaces and the server re-split them with `shlex.split`, keeping the words as
given when that failed. `resplit` computes exactly those words and, for each, the raw
argv words it came from, so the quoting tie-break can also look at a value as written.

Grammar (legacy 1.3 argparse, plus the repairs real scripts need): unique-prefix
abbreviations resolved against the legacy option set (then jobsub_lite's), `--opt=value`
and `--opt value`, glued short values (`-N10`, `-dOUT DIR`), a long option written with
one dash or a short one with two when exactly one option matches, empty words ignored,
and everything after the first `file://` word (other than the value of `-f`) is the job's.
"""

from __future__ import annotations

from .options import Option
from .warnings import UsageError

EXE_PREFIX = "file://"
# The characters that make shlex.split's words differ from plain words (posix mode,
# whitespace_split, no commenters); argv without them needs no shlex (nor its `re`).
_SHLEX_SPECIAL = frozenset("'\"\\ \t\r\n")


def find_executable(words: list[str]) -> int | None:
    """Index of the first `file://` word that is not the value of `-f`."""
    for i, word in enumerate(words):
        if word.startswith(EXE_PREFIX) and not (i > 0 and words[i - 1] == "-f"):
            return i
    return None


def resplit(raw: list[str]) -> tuple[list[str], list[tuple[int, ...]]]:
    """The legacy server's words for `raw`, and the raw word indexes behind each one."""
    if not any(_SHLEX_SPECIAL.intersection(word) for word in raw):
        kept = [i for i, w in enumerate(raw) if w != ""]
        return [raw[i] for i in kept], [(i,) for i in kept]
    import io
    import shlex

    joined = " ".join(raw)
    starts = []
    pos = 0
    for word in raw:
        starts.append(pos)
        pos += len(word) + 1
    stream = io.StringIO(joined)
    lex = shlex.shlex(stream, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    try:
        while True:
            begin = stream.tell()
            token = lex.get_token()
            if token is None:
                break
            words.append(token)
            spans.append((begin, stream.tell()))
    except ValueError:  # unbalanced quotes: the legacy server kept the words as given
        kept = [i for i, w in enumerate(raw) if w != ""]
        return [raw[i] for i in kept], [(i,) for i in kept]
    origin = []
    for begin, end in spans:
        # A span runs from after the previous token to after this token's terminating
        # blank: trim blanks so padding inside a raw word does not count as its origin.
        while begin < end and joined[begin] in lex.whitespace:
            begin += 1
        if end > begin and joined[end - 1] in lex.whitespace:
            end -= 1
        origin.append(tuple(i for i, w in enumerate(raw)
                            if w and starts[i] < end and starts[i] + len(w) > begin))
    return words, origin


def lost_executable(raw: list[str], exe_at: int, words: list[str],
                    origin: list[tuple[int, ...]], parsed: Parsed) -> str | None:
    """Why the legacy server's words (resplit) have no executable where the caller wrote
    raw[exe_at], or None when they have it (perhaps with its quotes taken out, which is
    what the legacy server ran).

    The legacy client joined the words with spaces and its server re-split them with
    shlex (legacy-jobsub.md §0, §13), so: a space or quote in the executable splits it
    (`'file:///x y.sh'` ran file:///x with argument y.sh); a word ending in a backslash
    escapes the space after it (`--lines '\\'` made one word ` file:///x.sh`); a quote
    opened in one word and closed in a later one swallows the words between; and an empty
    word vanishes, so `-f ''` takes the executable as its value.
    """
    from shlex import quote  # an error's path only

    exe = quote(raw[exe_at])
    mine = [j for j, o in enumerate(origin) if exe_at in o]
    if not mine:  # pragma: no cover - a file:// word is never empty
        return None
    j = mine[0]
    if len(mine) > 1:
        what = "a space" if any(c.isspace() for c in exe) else "a quote or backslash"
        pieces = ", ".join(quote(words[k]) for k in mine)
        return (f"the executable {exe} holds {what}: the legacy server re-split it into "
                f"{len(mine)} words ({pieces}) and ran {quote(words[j])}; give the script a "
                "path without spaces, quotes or backslashes")
    before = [k for k in origin[j] if k < exe_at and raw[k]]
    if before:
        last = raw[before[-1]]
        if (len(last) - len(last.rstrip("\\"))) % 2:
            return (f"the word {quote(last)} ends with a backslash, which escapes the space "
                    f"after it: the legacy server joined it and {exe} into one word "
                    f"({quote(words[j])}), and no executable is left; double the backslash "
                    "or drop it")
        return (f"the quote opened in {quote(raw[before[0]])} closes only after {exe}: the "
                f"legacy server read {quote(words[j])} as one word, and no executable is "
                "left; close the quote in the word that opens it")
    if len(origin[j]) > 1:
        return (f"a quote in the executable {exe} closes only in a later word: the legacy "
                f"server read {quote(words[j])} as one word; close the quote in the same word")
    if parsed.executable is not None and parsed.executable != words[j]:
        return (f"the legacy server's re-split made {quote(parsed.executable)}, an earlier "
                f"word, the executable instead of {exe}; quote the word holding it so that "
                "it stays one")
    if parsed.executable == words[j]:
        return None
    item = next((i for i in parsed.items if j in i.words), None)
    if item is None:  # pragma: no cover - a word before the executable is an option's
        return f"no executable is left of {exe}"
    empty = [k for k in range(exe_at) if raw[k] == ""]
    if empty and empty[-1] > min(origin[i][0] for i in item.words):
        return (f"{item.seen} has an empty value: the legacy server dropped empty words, so "
                f"{item.seen} took {exe} as its value and no executable was left; give "
                f"{item.seen} a value or remove it")
    return (f"{item.seen} takes {exe} as its value, and no executable is left; give "
            f"{item.seen} its value first")


class Item:
    """One option occurrence, as the legacy client read it."""

    def __init__(self, row: Option, seen: str, values: list[str], form: str,
                 notes: tuple[str, ...] = (), words: tuple[int, ...] = ()) -> None:
        self.row = row
        self.seen = seen  # the option as written (`-M`, `--mail_al`, `-append_cond...`)
        self.values = values
        self.form = form  # "flag", "eq" (--opt=v), "sep" (--opt v), "glued" (-N10)
        self.notes = notes  # "abbrev", "one-dash", "two-dash", "glued"
        self.words = words  # legacy word indexes this occurrence used

    def __repr__(self) -> str:
        return f"Item({self.row.key!r}, {self.seen!r}, {self.values!r}, {self.form!r})"


class Parsed:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self.executable: str | None = None
        self.arguments: list[str] = []
        self.passed: list[str] = []  # words for jobsub_lite to hand to condor


class Grammar:
    """Resolves option words against a set of rows (legacy spellings first)."""

    def __init__(self, rows: list[Option], command: str = "jobsub_submit") -> None:
        self.command = command
        self.exact: dict[str, Option] = {}
        self.legacy_long: dict[str, Option] = {}
        self.lite_long: dict[str, Option] = {}
        self.lite_only: dict[str, Option] = {}  # what jobsub_lite's parser knows
        for row in rows:  # later rows (group-specific) take over a spelling
            for spelling in row.spellings:
                self.exact[spelling] = row
                if spelling.startswith("--") and spelling in row.lite:
                    self.lite_only[spelling] = row
                if spelling.startswith("--"):
                    target = self.legacy_long if spelling in row.legacy else self.lite_long
                    target[spelling] = row

    def _prefix(self, name: str, table: dict[str, Option]) -> list[Option]:
        found: list[Option] = []
        for spelling, row in table.items():
            if spelling.startswith(name) and row not in found:
                found.append(row)
        return found

    def resolve_long(self, name: str) -> tuple[Option, tuple[str, ...]] | None:
        """A `--name` (exact or unique prefix); None when nothing matches."""
        if name in self.exact:
            return self.exact[name], ()
        for table in (self.legacy_long, self.lite_long):
            found = self._prefix(name, table)
            if len(found) == 1:
                return found[0], ("abbrev",)
            if len(found) > 1:
                names = ", ".join(sorted(r.spellings[0] for r in found))
                raise UsageError(f"{name} is ambiguous ({names}); write the option in full")
        return None

    def known(self, word: str) -> bool:
        """Does `word` name one of the rows (resolving as resolve() would)?"""
        if not word.startswith("-") or word == "-":
            return False
        try:
            self.resolve(word)
        except UsageError:
            return False
        return True

    def lite_matches(self, name: str) -> list[str]:
        """jobsub_lite's long option strings that `name` abbreviates.

        argparse before Python 3.12.7 (EL9 runs 3.9) calls a prefix ambiguous when it
        matches two strings, even two spellings of the same option."""
        return [s for s in self.lite_only if s.startswith(name)]

    def lite_resolves_to(self, name: str, row: Option) -> bool:
        """Would jobsub_lite's own prefix matching read `name` as `row`?"""
        if name in row.lite:
            return True
        matches = self.lite_matches(name)
        return len(matches) == 1 and self.lite_only[matches[0]] is row

    def lite_rejects(self, word: str) -> bool:
        """Would jobsub_lite's parser stop at this word even after the executable?

        argparse looks at every `--` word before it hands the rest to the script, and an
        ambiguous abbreviation is an error there (exit 2)."""
        if not word.startswith("--") or word == "--":
            return False
        name = word.partition("=")[0]
        return name not in self.lite_only and len(self.lite_matches(name)) > 1

    def resolve(self, word: str) -> tuple[Option, str, str | None, tuple[str, ...]]:
        """(row, option as written, value glued or after '=', notes) for an option word."""
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            found = self.resolve_long(name)
            if found:
                return found[0], name, value if eq else None, found[1]
            short = name[1:]
            if len(short) == 2 and short in self.exact:
                return self.exact[short], name, value if eq else None, ("two-dash",)
            raise UsageError(f"unknown option {name}; see {self.command} --help")
        name, eq, value = word.partition("=")
        if name in self.exact:
            return self.exact[name], name, value if eq else None, ()
        readings: list[tuple[Option, str, str | None, tuple[str, ...]]] = []
        glued = self.exact.get(word[:2])
        if glued is not None and glued.nargs >= 1 and len(word) > 2:
            readings.append((glued, word[:2], word[2:], ("glued",)))
        try:  # one letter after one dash is a short option, never a long one's prefix
            long = self.resolve_long("-" + name) if len(name) > 2 else None
        except UsageError:
            long = None
        if long:
            readings.append((long[0], name, value if eq else None, ("one-dash",) + long[1]))
        if len(readings) == 1:
            return readings[0]
        if len(readings) > 1:
            short_reading, long_reading = readings
            long_row, _, long_value, _ = long_reading
            spelled = long_row.lite_spelling or long_row.spellings[0]
            if long_value is not None:
                spelled += "=" + long_value
            from shlex import quote

            raise UsageError(f"{word} is ambiguous: write {spelled} or "
                             f"{short_reading[1]} {quote(short_reading[2] or '')}")
        raise UsageError(f"unknown option {name}; see {self.command} --help")


def _takes_value(word: str, grammar: Grammar) -> bool:
    """Can `word` be an option's value? Not when it is itself a known option."""
    name = word.partition("=")[0]
    return not (word.startswith("-") and name in grammar.exact)


def parse(words: list[str], grammar: Grammar, passthrough: bool = False) -> Parsed:
    """Parse the legacy server words (executable and script arguments included).

    With `passthrough` (commands whose jobsub_lite version hands unknown words to the
    condor tool it wraps), words no row knows are kept in order in `passed`."""
    parsed = Parsed()
    exe = None if passthrough else find_executable(words)
    options = words if exe is None else words[:exe]
    if exe is not None:
        parsed.executable = words[exe]
        parsed.arguments = words[exe + 1:]
    i = 0
    while i < len(options):
        word = options[i]
        if word == "":
            i += 1
            continue
        if passthrough and not grammar.known(word):
            parsed.passed.append(word)
            i += 1
            continue
        if not word.startswith("-") or word == "-":
            from shlex import quote

            raise UsageError(
                f"unexpected word {quote(word)} before the executable; options and "
                "their values come first, then file://SCRIPT and its arguments")
        row, seen, value, notes = grammar.resolve(word)
        start = i
        i += 1
        values: list[str] = []
        if row.key == "verbose":
            if value is not None:
                values, form = [value], "eq"
            elif i < len(options) and options[i].isascii() and options[i].isdigit():
                values, form = [options[i]], "sep"
                i += 1
            else:
                form = "flag"
        elif row.nargs == 0:
            if value is not None:
                raise UsageError(f"{seen} takes no value (got {seen}={value})")
            form = "flag"
        else:
            form = "sep"
            if value is not None:
                values.append(value)
                form = "glued" if "glued" in notes else "eq"
            while len(values) < row.nargs:
                if i >= len(options) or not _takes_value(options[i], grammar):
                    need = "a value" if row.nargs == 1 else f"{row.nargs} values"
                    raise UsageError(f"{seen} needs {need} ({row.metavar or 'VALUE'})")
                values.append(options[i])
                i += 1
        parsed.items.append(Item(row, seen, values, form, notes, tuple(range(start, i))))
    return parsed
