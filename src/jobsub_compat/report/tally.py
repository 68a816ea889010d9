"""The report's aggregates, and its tables made from them.

A Tally reads Records (logrecords.py) in one pass and keeps aggregates only: counters,
first and last seen, one counter per distinct (script, user, command, codes) combination
and one per ISO week. Nothing per record is kept, so memory is bounded by the number of
distinct values, and tallies of different parts of the log merge into the one tally of
all of it (the parts can be read in other processes, in any order: every aggregate is a
sum, a minimum, a maximum or a union).

Times are compared as ISO 8601 strings (the log writes UTC, `2026-11-26T10:00:00Z`);
nothing parses a datetime per record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Optional

from ..codes import replacement
from ..logrecords import NO_SCRIPT, UNKNOWN_CALLER, UNKNOWN_USER, Record

__all__ = ["NO_SCRIPT", "UNKNOWN_CALLER", "UNKNOWN_USER", "Tally"]

MAX_FILLED_WEEKS = 1040  # weeks between the first and last one are filled up to 20 years
_NEVER = "\uffff"  # sorts after every time: "first seen" of a combination seen untimed only


class _Group:
    """Counters of one code, script or user."""

    __slots__ = ("calls", "warnings", "first", "last", "codes", "scripts", "users",
                 "commands")

    def __init__(self) -> None:
        self.calls = 0
        self.warnings = 0
        self.first: str | None = None
        self.last: str | None = None
        self.codes: set[str] = set()
        self.scripts: set[str] = set()
        self.users: set[str] = set()
        self.commands: set[str] = set()

    def add(self, calls: int, codes: int, first: str | None, last: str | None) -> None:
        self.calls += calls
        self.warnings += calls * codes
        if first is not None and (self.first is None or first < self.first):
            self.first = first
        if last is not None and (self.last is None or last > self.last):
            self.last = last


Key = tuple[str, str, Optional[str], tuple[str, ...]]  # script, user, command, codes


class Tally:
    """Aggregates of migration records, fed one part of the log at a time."""

    def __init__(self, since: str | None = None) -> None:
        self.since = since
        self.records = 0  # records considered (after --since)
        self.legacy_calls = 0  # records with at least one warning
        self.warnings = 0  # warning occurrences
        self.skipped = 0  # blank, malformed or oversized lines
        self.before_since = 0  # records before --since, or without a time under --since
        self.first: str | None = None
        self.last: str | None = None
        self.combos: dict[Key, list[Any]] = {}  # -> [calls, first seen, last seen]
        self.weeks: dict[int, list[int]] = {}  # Monday's ordinal -> [calls, legacy, warnings]

    def feed(self, records: Iterable[Record | None],
             keep: Callable[[Record], None] | None = None) -> int:
        """Aggregate Records (None: a skipped line); return how many lines were skipped.
        `keep` also gets every Record counted (the export)."""
        since = self.since
        weeks, combos = self.weeks, self.combos
        skipped = counted = legacy = occurrences = before = 0
        first, last = self.first, self.last
        for rec in records:
            if rec is None:
                skipped += 1
                continue
            when, monday, user, command, script, codes = rec
            if since is not None and (when is None or when < since):
                before += 1
                continue
            counted += 1
            if keep is not None:
                keep(rec)
            if when is not None:
                if first is None or when < first:
                    first = when
                if last is None or when > last:
                    last = when
                counts = weeks.get(monday)  # type: ignore[arg-type]
                if counts is None:
                    counts = weeks[monday] = [0, 0, 0]  # type: ignore[index]
                counts[0] += 1
                if codes:
                    counts[1] += 1
                    counts[2] += len(codes)
            if not codes:
                continue
            legacy += 1
            occurrences += len(codes)
            key = (script, user, command, codes)
            combo = combos.get(key)
            if combo is None:
                combo = combos[key] = [0, _NEVER, ""]
            combo[0] += 1
            if when is not None:
                if when < combo[1]:
                    combo[1] = when
                if when > combo[2]:
                    combo[2] = when
        self.first, self.last = first, last
        self.records += counted
        self.legacy_calls += legacy
        self.warnings += occurrences
        self.skipped += skipped
        self.before_since += before
        return skipped

    def merge(self, other: Tally) -> None:
        """Add the aggregates of another part of the log."""
        for name in ("records", "legacy_calls", "warnings", "skipped", "before_since"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.first is not None and (self.first is None or other.first < self.first):
            self.first = other.first
        if other.last is not None and (self.last is None or other.last > self.last):
            self.last = other.last
        for key, (calls, first, last) in other.combos.items():
            combo = self.combos.get(key)
            if combo is None:
                self.combos[key] = [calls, first, last]
            else:
                combo[0] += calls
                combo[1] = min(combo[1], first)
                combo[2] = max(combo[2], last)
        for monday, counts in other.weeks.items():
            mine = self.weeks.setdefault(monday, [0, 0, 0])
            for i, count in enumerate(counts):
                mine[i] += count

    def _fold(self) -> tuple[dict[str, _Group], dict[str, _Group], dict[str, _Group]]:
        """Codes, scripts and users, from the combinations."""
        codes: dict[str, _Group] = {}
        scripts: dict[str, _Group] = {}
        users: dict[str, _Group] = {}
        for (script, user, command, found), (calls, first, last) in self.combos.items():
            span = (None if first == _NEVER else first, last or None)
            for code in found:
                group = codes.setdefault(code, _Group())
                group.add(calls, 1, *span)
                group.scripts.add(script)
                group.users.add(user)
                if command is not None:
                    group.commands.add(command)
            group = scripts.setdefault(script, _Group())
            group.add(calls, len(found), *span)
            group.codes.update(found)
            group.users.add(user)
            group = users.setdefault(user, _Group())
            group.add(calls, len(found), *span)
            group.codes.update(found)
            group.scripts.add(script)
        return codes, scripts, users

    # --- results ---------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        return {"since": self.since, "records": self.records,
                "legacy_calls": self.legacy_calls, "warnings": self.warnings,
                "first_seen": self.first, "last_seen": self.last,
                "skipped_lines": self.skipped, "before_since": self.before_since}

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """The four tables: by code, by script, by user, per ISO week."""
        codes, scripts, users = self._fold()

        def order(groups: dict[str, _Group]) -> list[tuple[str, _Group]]:
            return sorted(groups.items(), key=lambda kv: (-kv[1].calls, kv[0]))

        return {
            "codes": [{"code": code, "calls": g.calls, "first_seen": g.first,
                       "last_seen": g.last, "scripts": len(g.scripts), "users": len(g.users),
                       "commands": sorted(g.commands),
                       "replacement": replacement(code, g.commands)}
                      for code, g in order(codes)],
            "scripts": [{"script": key, "calls": g.calls, "warnings": g.warnings,
                         "codes": sorted(g.codes), "users": len(g.users),
                         "first_seen": g.first, "last_seen": g.last}
                        for key, g in order(scripts)],
            "users": [{"user": key, "calls": g.calls, "warnings": g.warnings,
                       "codes": sorted(g.codes), "scripts": len(g.scripts),
                       "first_seen": g.first, "last_seen": g.last}
                      for key, g in order(users)],
            "weeks": self.week_rows(),
        }

    def week_rows(self) -> list[dict[str, Any]]:
        """Every ISO week from the first call to the last one, empty weeks included."""
        if not self.weeks:
            return []
        mondays = sorted(self.weeks)
        if (mondays[-1] - mondays[0]) // 7 < MAX_FILLED_WEEKS:
            mondays = list(range(mondays[0], mondays[-1] + 1, 7))
        rows = []
        for monday in mondays:
            calls, legacy, warnings = self.weeks.get(monday, (0, 0, 0))
            start = date.fromordinal(monday)
            year, week, _ = start.isocalendar()
            rows.append({"week": f"{year}-W{week:02d}", "start": start.isoformat(),
                         "calls": calls, "legacy_calls": legacy, "warnings": warnings})
        return rows
