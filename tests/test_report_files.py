"""What the report reads its logs with: userfiles' byte ranges, streams, gzip files and
probe, and logrecords' files of a directory and parts of a file."""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobsub_compat import logrecords, userfiles
from jobsub_compat.userfiles import UserFileError


@given(st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=20),
       st.integers(1, 40), st.booleans())
def test_ranges_that_tile_a_file_read_each_line_once(lines: list[bytes], chunk: int,
                                                      last_line_ends: bool) -> None:
    data = b"\n".join(lines) + (b"\n" if last_line_ends and lines else b"")
    fd, path = tempfile.mkstemp()  # hypothesis: no function-scoped tmp_path
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    try:
        whole = list(userfiles.lines(path, "log", 10))
        tiled = [line for start in range(0, max(len(data), 1), chunk)
                 for line in userfiles.lines(path, "log", 10, start, start + chunk)]
    finally:
        os.remove(path)
    assert tiled == whole
    assert whole == [line if len(line.rstrip(b"\n")) <= 10 else None
                     for line in io.BytesIO(data)]


def test_stream_lines_bounds_each_line() -> None:
    stream = io.BytesIO(b"short\n" + b"x" * 50 + b"\nnext\n" + b"y" * 50)
    assert list(userfiles.stream_lines(stream, 10)) == [b"short\n", None, b"next\n", None]
    assert list(userfiles.stream_lines(io.BytesIO(b"a\nb\nc\n"), 10, size=3)) == [b"a\n",
                                                                                   b"b\n"]


def test_gzip_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl.2.gz"
    path.write_bytes(gzip.compress(b"one\n" + b"z" * 40 + b"\ntwo") + gzip.compress(b"\nthree\n"))
    assert list(userfiles.gzip_lines(str(path), "log", 10)) == [b"one\n", None, b"two\n",
                                                                 b"three\n"]
    path.write_bytes(b"\x1f\x8b" + b"\0" * 20)
    with pytest.raises(UserFileError, match=f"log {path}: "):
        list(userfiles.gzip_lines(str(path), "log"))
    fifo = tmp_path / "fifo.gz"
    os.mkfifo(fifo)
    with pytest.raises(UserFileError, match="is a FIFO"):
        list(userfiles.gzip_lines(str(fifo), "log"))


def test_probe(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    assert userfiles.probe(str(path), "log", 2, 4) == (10, b"01", b"6789")
    assert userfiles.probe(str(path), "log", 2) == (10, b"01", b"")
    path.write_bytes(b"012")  # too short for both: no tail
    assert userfiles.probe(str(path), "log", 2, 4) == (3, b"01", b"")
    with pytest.raises(UserFileError, match="a character device"):
        userfiles.probe("/dev/zero", "log", 2)


def test_directory_logs_and_parts(tmp_path: Path) -> None:
    names = ["alice.jsonl", "alice.jsonl.1", "alice.jsonl.2.gz", "bob.jsonl-20261201",
             "bob.jsonl-20261201.gz", "migration.jsonl", "notes.txt", ".hidden.jsonl",
             "alice.jsonl.lock", "alice.jsonl.1.bak", "x.json", "jsonl"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    assert [os.path.basename(p) for p in logrecords.directory_logs(str(tmp_path))] == [
        "alice.jsonl", "alice.jsonl.1", "alice.jsonl.2.gz", "bob.jsonl-20261201",
        "bob.jsonl-20261201.gz", "migration.jsonl"]
    with pytest.raises(UserFileError, match="cannot read"):
        logrecords.directory_logs(str(tmp_path / "nowhere"))
    plain = tmp_path / "alice.jsonl"
    plain.write_bytes(b"x" * 25)
    assert logrecords.sources(str(plain), "log", 10) == [
        logrecords.Source(str(plain), 0, 10, size=10),
        logrecords.Source(str(plain), 10, 20, size=10),
        logrecords.Source(str(plain), 20, None, size=5)]
    assert logrecords.sources(str(plain), "log", 25) == [logrecords.Source(str(plain),
                                                                           size=25)]
    packed = tmp_path / "alice.jsonl.2.gz"
    packed.write_bytes(gzip.compress(b"y" * 1000))
    assert logrecords.sources(str(packed), "log", 10) == [
        logrecords.Source(str(packed), gzip=True, size=1000)]  # what it holds
