"""Files a user names: read only regular files, and only up to a stated size.

Any path on a command line, in the environment or in a config file may be a FIFO (open()
blocks for ever), a device (`/dev/zero` never ends), a directory, a symlink to any of
those, or simply huge; a drop-in on a shared node must never hang or eat the node's
memory on one. Everything that reads such a file comes through here: the file is opened
without blocking, checked with fstat on the open descriptor (so a swap between check and
read changes nothing), and read up to its limit.

Errors are `UserFileError` (a ValueError) with one line that says what the path is and
what to give instead, ready for a usage or runtime error of the caller. This module
imports only os (already loaded by every interpreter), so the drop-ins' paths can use it
without a start-up cost.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Iterator

MiB = 1024 * 1024

_S_IFMT = 0o170000
_KINDS = {0o010000: "a FIFO (named pipe)", 0o020000: "a character device",
          0o040000: "a directory", 0o060000: "a block device", 0o140000: "a socket"}
_S_IFREG = 0o100000


class UserFileError(ValueError):
    """A named file that cannot be read as asked: the message is one line."""


def describe_size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB and limit % MiB == 0 else f"{limit} bytes"


def open_regular(path: str, what: str) -> int:
    """A read-only descriptor of `path`, which must be (or link to) a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UserFileError(f"{what} {path}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte in the path
        raise UserFileError(f"{what} {path!r}: the path holds a NUL byte") from None
    try:
        mode = os.fstat(fd).st_mode
        if mode & _S_IFMT != _S_IFREG:
            kind = _KINDS.get(mode & _S_IFMT, "not a regular file")
            raise UserFileError(f"{what} {path} is {kind}, not a regular file; give the "
                                "path of a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: str, limit: int, what: str) -> bytes:
    """The whole content of a regular file of at most `limit` bytes."""
    fd = open_regular(path, what)
    try:
        chunks: list[bytes] = []
        size = 0
        while True:  # read to EOF even when the size changed after fstat
            chunk = os.read(fd, min(1 * MiB, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise UserFileError(f"{what} {path} is larger than {describe_size(limit)}; "
                                    "give a smaller file")
    except OSError as exc:
        raise UserFileError(f"{what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_head(path: str, size: int, what: str) -> bytes:
    """The first `size` bytes (or fewer) of a regular file of any size."""
    fd = open_regular(path, what)
    try:
        return os.read(fd, size)
    except OSError as exc:
        raise UserFileError(f"{what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text(path: str, limit: int, what: str) -> str:
    return read_bytes(path, limit, what).decode("utf-8", "surrogateescape")


def lines(path: str, what: str, line_limit: int = 1 * MiB) -> Iterator[bytes | None]:
    """The lines of a regular file of any size, streamed; a line longer than `line_limit`
    is skipped (yielded as None, so the caller can count it) without ever being held."""
    fd = open_regular(path, what)
    with os.fdopen(fd, "rb") as handle:
        while True:
            line = handle.readline(line_limit + 1)
            if not line:
                return
            if len(line) > line_limit and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # the rest of the long line
                    line = handle.readline(line_limit + 1)
                yield None
                continue
            yield line


_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e"}


def printable(text: str) -> str:
    """`text` with control characters (C0, DEL, C1) written as visible escapes, so that
    words from other users' records never drive the reader's terminal."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}")
    return "".join(out)
