"""Our model of jobsub_lite 1.12's own quote layer, and its inverse.

jobsub_lite (lib/utils.py, backslash_escape_layer, since 0.4) rewrites every argv word
before parsing: first it removes one pair of single quotes with at least one character
between them, then one layer of backslashes. Both steps are reproduced here from that
public description so the translator can hand jobsub_lite words that come out of this
layer exactly as the legacy client's words.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:  # argparse is only needed by the model, not on the drop-ins' path
    import argparse


# Facts, not code, from jobsub_lite 1.12 lib/utils.py: the two substitutions it applies.
_QUOTE_PAIR = r"(?!\\)'(.*[^\\])'"
_BACKSLASH = r"\\(.)"
_NEEDS_ESCAPE = r"([\\'])"


def escape_layer(word: str) -> str:
    """What jobsub_lite makes of one argv word before its parser sees it."""
    if "'" not in word and "\\" not in word:
        return word  # neither pattern can match: spare most calls the import of re
    import re

    return re.sub(_BACKSLASH, r"\1", re.sub(_QUOTE_PAIR, r"\1", word))


def quote_for_lite(word: str) -> str:
    """A word that jobsub_lite's layer turns back into `word` (unchanged when possible).

    Escaping every backslash and single quote with a backslash works because then each
    single quote is preceded by a backslash, so the quote-pair step never matches, and
    the backslash step removes exactly the escapes we added.
    """
    if escape_layer(word) == word:
        return word
    import re

    return re.sub(_NEEDS_ESCAPE, r"\\\1", word)


# Model of jobsub_lite 1.12's jobsub_submit parser (lib/get_parser.py), built from the
# option table's jobsub_lite spellings: the tests' jobsub_lite double parses with it, and
# the property tests check every translation against it.
LITE_VERSION = "1.12"
_MAIL = {"mail_never": "never", "mail_on_error": "error", "mail_always": "always"}


def _file_url(value: str) -> str:
    if not value.startswith("file://"):
        raise ValueError(value)
    return value


_file_url.__name__ = "verify_executable_starts_with_file_colon"


def submit_parser(prog: str = "jobsub_submit") -> argparse.ArgumentParser:
    import argparse

    from . import options

    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--version", action="version",
                        version=f"jobsub_lite version {LITE_VERSION}")
    seen = {"-h", "--help", "--version"}
    for row in options.SUBMIT:
        names = [n for n in row.lite if n not in seen]  # a rename row shares its target's
        seen.update(names)
        if not names:
            continue
        if row.key in _MAIL:
            parser.add_argument(*names, dest="mail", action="store_const",
                                const=_MAIL[row.key])
        elif row.key == "verbose":
            parser.add_argument(*names, type=int, default=0)
        elif row.key == "debug":
            parser.add_argument(*names, dest="verbose", action="store_const", const=1)
        elif row.nargs == 0:
            parser.add_argument(*names, dest=row.key, action="store_true")
        elif row.key == "d":
            parser.add_argument(*names, dest=row.key, nargs=2, action="append", default=[])
        elif row.lite_repeat == "append":
            parser.add_argument(*names, dest=row.key, action="append", default=[])
        else:
            parser.add_argument(*names, dest=row.key, type=int if row.key == "N" else str)
    parser.add_argument("executable", nargs="?", type=_file_url)
    parser.add_argument("exe_arguments", nargs=argparse.REMAINDER)
    return parser
