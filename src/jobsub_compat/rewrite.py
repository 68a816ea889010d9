"""Writing jobsub_lite words for parsed legacy options: shared by every drop-in."""

from __future__ import annotations

from . import codes as w
from . import legacy
from .legacy import Item
from .plan import Plan
from .warnings import UsageError


class Words:
    """The jobsub_lite words being written, in order."""

    def __init__(self) -> None:
        self.words: list[str] = []

    def option(self, spelling: str, values: list[str], form: str) -> None:
        if "--" in values:
            raise UsageError(f"{spelling} --: jobsub_lite's parser drops a value written --; "
                             "give a real value")
        if not values:
            self.words.append(spelling)
        elif form == "eq" or (len(values) == 1 and values[0].startswith("-")):
            # `--opt=value` keeps a value that starts with '-' from being read as an option.
            self.words.append(f"{spelling}={values[0]}")
            self.words.extend(values[1:])
        elif form == "glued" and len(values) == 1:
            self.words.append(spelling + values[0])
        else:
            self.words.append(spelling)
            self.words.extend(values)


def spelling(item: Item, grammar: legacy.Grammar) -> str:
    """How to write this option for jobsub_lite: as written when it reads the same."""
    row = item.row
    if item.seen in row.lite:
        return item.seen
    if "one-dash" in item.notes and "-" + item.seen in row.lite:
        return "-" + item.seen
    if "abbrev" in item.notes and "one-dash" not in item.notes and grammar.lite_resolves_to(
            item.seen, row):
        return item.seen
    if item.seen.startswith("--"):  # a long option written long stays long
        return next((s for s in row.lite if s.startswith("--")), row.lite_spelling)
    return row.lite_spelling


def note_grammar(plan: Plan, item: Item, grammar: legacy.Grammar) -> None:
    row = item.row
    target = row.lite_spelling or row.spellings[0]
    if "one-dash" in item.notes:
        plan.warn(w.ONE_DASH_LONG, f"{item.seen} is a long option written with one dash; "
                  f"read as {target}. Use {target}.")
    elif "two-dash" in item.notes:
        plan.warn(w.TWO_DASH_SHORT, f"{item.seen} is a short option written with two dashes; "
                  f"read as {target}. Use {target}.")
    elif "abbrev" in item.notes and row.lite and not grammar.lite_resolves_to(item.seen, row):
        plan.warn(w.ABBREVIATION, f"{item.seen} abbreviates {target}, which jobsub_lite "
                  f"would not read the same way; spelled out. Use {target}.")
