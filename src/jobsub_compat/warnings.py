"""The one shape every warning and error line has: CompatWarning, UsageError,
RuntimeFailure. What each code means is codes.py's."""

from __future__ import annotations


class CompatWarning:
    """One warning: a code and a one-line message. (A plain class: every drop-in call
    imports this, and dataclasses would pull in `inspect`.)"""

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompatWarning) and (self.code, self.message) == (
            other.code, other.message)

    def __hash__(self) -> int:
        return hash((self.code, self.message))

    def __repr__(self) -> str:
        return f"CompatWarning({self.code!r}, {self.message!r})"

    def line(self, command: str) -> str:
        return f"{command}: warning [{self.code}]: {self.message}"


class UsageError(Exception):
    """A user's mistake in the command line: one line, and the exit status the legacy
    client gave for it. `status` 2 is for what its option parser (optparse/argparse) itself
    rejected; None leaves it to the command: 1, as the legacy client's own checks exited."""

    def __init__(self, message: str, code: str | None = None, status: int | None = None
                 ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    def line(self, command: str) -> str:
        tag = f" [{self.code}]" if self.code else ""
        return f"{command}: error{tag}: {self}"


class RuntimeFailure(Exception):
    """A missing backend or credential: one line naming the next step, exit 1."""

    def line(self, command: str) -> str:
        return f"{command}: error: {self}"
