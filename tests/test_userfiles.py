"""userfiles: named files are read only when regular and bounded; text for a terminal
never carries control characters."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobsub_compat import userfiles
from jobsub_compat.userfiles import UserFileError


def test_reads_a_regular_file_and_a_symlink_to_one(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"abc")
    (tmp_path / "link").symlink_to(target)
    assert userfiles.read_bytes(str(target), 3, "the file") == b"abc"
    assert userfiles.read_text(str(tmp_path / "link"), 10, "the file") == "abc"


def test_refuses_a_file_over_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 2049)
    with pytest.raises(UserFileError, match="larger than 2048 bytes"):
        userfiles.read_bytes(str(big), 2048, "--json-config")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UserFileError, match=r"--json-config .*fifo is a FIFO \(named pipe\), "
                       "not a regular file"):
        userfiles.read_bytes(str(fifo), 10, "--json-config")


@pytest.mark.parametrize("path, kind", [("/dev/zero", "a character device"),
                                        ("/", "a directory")])
def test_devices_and_directories_are_refused(path: str, kind: str) -> None:
    with pytest.raises(UserFileError, match=kind):
        userfiles.read_bytes(path, 10, "the DAG file")


def test_a_socket_and_a_dangling_link_and_a_nul(tmp_path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "s"))
    try:
        with pytest.raises(UserFileError, match="No such device|a socket"):
            userfiles.read_bytes(str(tmp_path / "s"), 10, "x")
    finally:
        sock.close()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(UserFileError, match="No such file"):
        userfiles.read_bytes(str(tmp_path / "dangling"), 10, "x")
    with pytest.raises(UserFileError, match="NUL"):
        userfiles.read_bytes("a\0b", 10, "x")


def test_lines_streams_and_skips_overlong_lines(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"one\n" + b"y" * 100 + b"\ntwo\nlast")
    assert list(userfiles.lines(str(log), "the log", line_limit=10)) == [
        b"one\n", None, b"two\n", b"last"]
    with pytest.raises(UserFileError, match="a character device"):
        list(userfiles.lines("/dev/zero", "the log"))


@pytest.mark.parametrize("text, shown", [
    ("plain text, ünïcode", "plain text, ünïcode"),
    ("\x1b]0;pwned\x07", "\\e]0;pwned\\x07"),
    ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
    ("\x9b2J\u202e", "\\x9b2J\\u202e"),
])
def test_printable(text: str, shown: str) -> None:
    assert userfiles.printable(text) == shown


@given(st.text())
def test_printable_leaves_no_control_character(text: str) -> None:
    shown = userfiles.printable(text)
    assert all(c.isprintable() for c in shown)
    if text.isprintable():
        assert shown == text
