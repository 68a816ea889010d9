"""Our model of jobsub_lite 1.12's own quote layer, and its inverse.

jobsub_lite (lib/utils.py, backslash_escape_layer, since 0.4) rewrites every argv word
before parsing: first it removes one pair of single quotes with at least one character
between them, then one layer of backslashes. Both steps are reproduced here from that
public description so the translator can hand jobsub_lite words that come out of this
layer exactly as the legacy client's words.
"""

from __future__ import annotations

import re

# Facts, not code, from jobsub_lite 1.12 lib/utils.py: the two substitutions it applies.
_QUOTE_PAIR = re.compile(r"(?!\\)'(.*[^\\])'")
_BACKSLASH = re.compile(r"\\(.)")
_NEEDS_ESCAPE = re.compile(r"([\\'])")


def escape_layer(word: str) -> str:
    """What jobsub_lite makes of one argv word before its parser sees it."""
    return _BACKSLASH.sub(r"\1", _QUOTE_PAIR.sub(r"\1", word))


def quote_for_lite(word: str) -> str:
    """A word that jobsub_lite's layer turns back into `word` (unchanged when possible).

    Escaping every backslash and single quote with a backslash works because then each
    single quote is preceded by a backslash, so the quote-pair step never matches, and
    the backslash step removes exactly the escapes we added.
    """
    if escape_layer(word) == word:
        return word
    return _NEEDS_ESCAPE.sub(r"\\\1", word)
