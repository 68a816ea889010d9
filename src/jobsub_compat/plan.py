"""The Plan: what a drop-in will do with one call, computed without running anything."""

from __future__ import annotations

from .warnings import CompatWarning

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from .config import Setting


def one_line(text: str) -> str:
    """Messages quote the caller's words, which may hold line breaks: keep one line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class Plan:
    """What a drop-in will do. (A plain class: see warnings.CompatWarning.)"""

    def __init__(self, command: str) -> None:
        self.command = command
        self.backend_argv: list[str] = []  # argv[0] is the backend
        self.env: dict[str, str | None] = {}  # None: unset
        self.warnings: list[CompatWarning] = []
        self.error: str | None = None  # one line; the call stops with exit_code
        self.exit_code = 0
        self.action = "run"  # "run", "print" (text, then exit_code), "version", ...
        self.text = ""  # printed: the answer of a "print" action, or a preface before a run
        self.jobid_only = False  # --jobid-output-only: stdout is just the id
        self.expect_job_id = True  # False for -n dry runs
        self.files: dict[str, str] = {}  # written before the run, then removed
        self.mode = ""  # command-specific output mode (jobsub_q's view, jobsub_rm's targets)
        self.details: dict[str, str] = {}  # what that output needs to know
        self.settings: dict[str, Setting] = {}  # the call's (dropin.plan_for), for answers

    def warn(self, code: str, message: str) -> None:
        message = one_line(message)
        if not any(w.code == code and w.message == message for w in self.warnings):
            self.warnings.append(CompatWarning(code, message))

    def _as_dict(self, warning: CompatWarning) -> dict[str, str]:
        """One warning for `explain --json`, with its code's severity and replacement
        (codes.describe, the one answer)."""
        from .codes import describe

        found = describe(warning.code, (self.command,))
        return {"code": warning.code, "message": warning.message,
                "severity": found.severity if found else "",
                "instead": found.replacement if found else ""}

    def as_json(self) -> str:
        import json

        data: dict[str, object] = {
            "command": self.command,
            "backend_argv": self.backend_argv,
            "env": self.env,
            "warnings": [self._as_dict(w) for w in self.warnings],
            "error": self.error,
        }
        if self.files:
            data["files"] = self.files
        return json.dumps(data, indent=2)

    def as_text(self) -> str:
        import shlex  # only `explain` shows a plan: its re import stays off the drop-ins

        lines = [f"command: {self.command}"]
        if self.error:
            lines.append(f"error: {self.error}")
        elif self.action == "run":
            lines.append(f"jobsub_lite: {shlex.join(self.backend_argv)}")
            for name, value in sorted(self.env.items()):
                change = f"unset {name}" if value is None else f"{name}={shlex.quote(value)}"
                lines.append(f"env: {change}")
        else:
            lines.append("jobsub_lite: (not run: the drop-in answers this call itself)")
        from .codes import replacement

        for w in self.warnings:
            lines.append(f"warning [{w.code}]: {w.message}")
            instead = replacement(w.code, (self.command,))
            if instead:
                lines.append(f"  instead: {instead}")
        for path, content in self.files.items():
            lines.append(f"file {path}:")
            lines.extend(f"  {line}" for line in content.splitlines())
        return "\n".join(lines) + "\n"
