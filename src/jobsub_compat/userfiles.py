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
    from typing import IO

MiB = 1024 * 1024

_S_IFMT = 0o170000
_KINDS = {0o010000: "a FIFO (named pipe)", 0o020000: "a character device",
          0o040000: "a directory", 0o060000: "a block device", 0o140000: "a socket"}
_S_IFREG = 0o100000


class UserFileError(ValueError):
    """A named file that cannot be read as asked: the message is one line; `reason` is
    its end without the file's name ("is a directory, not a regular file", ...), for
    messages that name the file themselves."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


def describe_size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB and limit % MiB == 0 else f"{limit} bytes"


def open_regular(path: str, what: str) -> int:
    """A read-only descriptor of `path`, which must be (or link to) a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        reason = f"cannot be read ({exc.strerror or exc})"
        raise UserFileError(f"{what} {path}: {exc.strerror or exc}", reason) from None
    except ValueError:  # a NUL byte in the path
        raise UserFileError(f"{what} {path!r}: the path holds a NUL byte",
                            "has a NUL byte in its path") from None
    try:
        mode = os.fstat(fd).st_mode
        if mode & _S_IFMT != _S_IFREG:
            kind = _KINDS.get(mode & _S_IFMT, "not a regular file")
            raise UserFileError(f"{what} {path} is {kind}, not a regular file; give the "
                                "path of a regular file", f"is {kind}, not a regular file")
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
                                    "give a smaller file",
                                    f"is larger than {describe_size(limit)}")
    except OSError as exc:
        raise UserFileError(f"{what} {path}: {exc.strerror or exc}",
                            f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_head(path: str, size: int, what: str) -> bytes:
    """The first `size` bytes (fewer when the file is shorter) of a regular file of any
    size: enough to tell what kind of file it is."""
    fd = open_regular(path, what)
    try:
        chunks: list[bytes] = []
        left = size
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise UserFileError(f"{what} {path}: {exc.strerror or exc}",
                            f"cannot be read ({exc.strerror or exc})") from None
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


def lines(path: str, what: str, line_limit: int = 1 * MiB, start: int = 0,
          end: int | None = None) -> Iterator[bytes | None]:
    """The lines of a regular file of any size, streamed; a line longer than `line_limit`
    is skipped (yielded as None, so the caller can count it) without ever being held.

    With `start` and `end`, only the lines that start in bytes [start, end): the line that
    `start` falls inside belongs to the range before, so ranges that tile a file read
    each line once."""
    fd = open_regular(path, what)
    with os.fdopen(fd, "rb", buffering=_BUFFER) as handle:
        if start > 0:
            handle.seek(start - 1)
            _skip_line(handle, line_limit)  # the end of the line before `start`
            start = handle.tell()
        try:
            yield from stream_lines(handle, line_limit,
                                    None if end is None else max(end - start, 0))
        except OSError as exc:  # EIO, or a file on a mount that went away
            raise UserFileError(f"{what} {path}: {exc.strerror or exc}") from None


_BUFFER = 1 * MiB  # fewer read() calls on long logs


def _skip_line(handle: IO[bytes], line_limit: int) -> int:
    """Read past the end of the current line; its length."""
    skipped = 0
    while True:
        part = handle.readline(line_limit + 1)
        skipped += len(part)
        if not part or part.endswith(b"\n"):
            return skipped


def stream_lines(stream: IO[bytes], line_limit: int = 1 * MiB,
                 size: int | None = None) -> Iterator[bytes | None]:
    """The lines of an open binary stream (standard input, a decompressed file), each of
    at most `line_limit` bytes: a longer one is yielded as None, never held whole. With
    `size`, only the lines that start within its first `size` bytes."""
    readline = stream.readline
    at = 0
    while size is None or at < size:
        line = readline(line_limit + 1)
        if not line:
            return
        at += len(line)
        if len(line) > line_limit and not line.endswith(b"\n"):
            at += _skip_line(stream, line_limit)
            yield None
            continue
        yield line


def probe(path: str, what: str, head: int, tail: int = 0) -> tuple[int, bytes, bytes]:
    """(size, the first `head` bytes, the last `tail` bytes) of a regular file."""
    fd = open_regular(path, what)
    try:
        size = os.fstat(fd).st_size
        first = os.read(fd, head)
        last = os.pread(fd, tail, size - tail) if tail and size >= head + tail else b""
        return size, first, last
    except OSError as exc:
        raise UserFileError(f"{what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def gzip_lines(path: str, what: str, line_limit: int = 1 * MiB) -> Iterator[bytes | None]:
    """The lines of a gzip-compressed regular file (a rotated log), decompressed as they
    are read, as lines() gives them. A damaged or truncated file raises UserFileError
    after the lines before the damage."""
    import gzip
    import zlib

    fd = open_regular(path, what)
    with os.fdopen(fd, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as handle:
        try:
            yield from stream_lines(handle, line_limit)  # type: ignore[arg-type]
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise UserFileError(f"{what} {path}: {reason}") from None


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
