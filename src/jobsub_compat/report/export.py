"""`report --export FILE.parquet`: the records, one row each, for DuckDB, pandas or Grafana.

The columns are the normalised fields the report counts (logrecords.Record): time
(timestamp, UTC; null when the record has none in log/record.py's form), week (the Monday of its
ISO week, a date), user, command, script and codes (a list of strings). Only records the
report counts are written (after --since), in no particular order.

Needs pyarrow (`pip install 'jobsub-compat[parquet]'`), imported only by the processes
that write: each reading process writes its own part next to FILE, and the parts are
joined into FILE when all are done (row group by row group, so memory stays bounded), and
FILE appears only then, whole.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from typing import Any

from ..logrecords import Record

BATCH = 65_536  # rows per row group
_EPOCH = 719_163  # date(1970, 1, 1).toordinal()
NEEDS = "--export needs pyarrow: pip install 'jobsub-compat[parquet]' (or pyarrow)"


def available() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def _module(name: str) -> Any:
    """pyarrow's modules (untyped: Any to mypy), imported where they are used."""
    return importlib.import_module(name)


def _schema() -> Any:
    pa = _module("pyarrow")

    return pa.schema([("time", pa.timestamp("s", tz="UTC")), ("week", pa.date32()),
                      ("user", pa.string()), ("command", pa.string()),
                      ("script", pa.string()), ("codes", pa.list_(pa.string()))])


class _Writer:
    """One process's part: rows are buffered and written a row group at a time."""

    def __init__(self, path: str) -> None:
        pq = _module("pyarrow.parquet")
        self.schema = _schema()
        self.out = pq.ParquetWriter(path, self.schema)
        self.rows: list[Record] = []

    def add(self, rec: Record) -> None:
        self.rows.append(rec)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        pa, pc = _module("pyarrow"), _module("pyarrow.compute")
        when, monday, user, command, script, codes = zip(*self.rows)
        times = pc.strptime(pa.array(when, pa.string()), format="%Y-%m-%dT%H:%M:%SZ",
                            unit="s", error_is_null=True)
        weeks = pa.array([None if m is None else m - _EPOCH for m in monday], pa.int32())
        columns = [times.cast(self.schema.field("time").type), weeks.cast(pa.date32()),
                   pa.array(user, pa.string()), pa.array(command, pa.string()),
                   pa.array(script, pa.string()),
                   pa.array([list(c) for c in codes], pa.list_(pa.string()))]
        self.out.write_batch(pa.RecordBatch.from_arrays(columns, schema=self.schema))
        self.rows = []

    def close(self) -> None:
        self.flush()
        self.out.close()


class Export:
    """The target file and its parts (made before any reading process starts)."""

    def __init__(self, target: str, parts: int = 1) -> None:
        self.target = target
        directory = os.path.dirname(os.path.abspath(target))
        base = os.path.basename(target)
        self.parts: list[str] = []
        try:
            for _ in range(parts):
                fd, name = tempfile.mkstemp(dir=directory, prefix=f".{base}.", suffix=".part")
                os.close(fd)
                self.parts.append(name)
        except OSError:
            self.discard()
            raise

    def writer(self, number: int) -> _Writer:
        return _Writer(self.parts[number])

    def finish(self, used: int) -> None:
        """Join the first `used` parts into the target (the others were not written)."""
        pq = _module("pyarrow.parquet")

        if used == 1:
            os.replace(self.parts[0], self.target)
        else:
            joined = self.parts[0] + ".all"
            sources = [pq.ParquetFile(part) for part in self.parts[:used]]
            # the schema as the parts have it (a file's own spelling of list items)
            with pq.ParquetWriter(joined, sources[0].schema_arrow) as out:
                for source in sources:
                    for group in range(source.num_row_groups):
                        out.write_table(source.read_row_group(group))
            os.replace(joined, self.target)
        self.discard()

    def discard(self) -> None:
        for part in self.parts + [p + ".all" for p in self.parts]:
            try:
                os.remove(part)
            except FileNotFoundError:
                pass
