"""dagNabbit DAG description files: the legacy server's reading, rewritten for jobsub_lite.

Legacy (jobsub_tools `dagsub`): `#` starts a comment anywhere on a line; tags are matched
case-insensitively; `<macros>` holds `NAME = value` lines (a value in backticks is the
output of that command) and every later line has each NAME replaced by its value; each
job line (`jobsub ...` or `jobsub_submit ...`) was run through a shell and then re-split
by jobsub, so its words are exactly those of a legacy command line. `<beginjob>` and
`<finishjob>` ran a command before and after the whole DAG.

jobsub_lite 1.12 (lib/dagnabbit.py): tags are case-sensitive; any line containing
`jobsub` inside `<serial>`/`<parallel>` is a job line, expanded with `os.path.expandvars`,
split at whitespace (no quoting), put through its quote layer and parsed strictly;
`prescript`/`postscript` lines follow a job line; it knows no macros, beginjob or finishjob.

So every job line goes through the jobsub_submit translator, values that hold spaces are
written without them where ClassAd syntax allows (else refused), macros are expanded here,
and beginjob/finishjob become the first job's prescript and the last job's postscript
where that means the same thing.

translate() reads text, not a file, and is handed the job-line translator and the runner
of `<macros>` commands by its caller: jobsub_submit_dag (submit_dag.py) hands it
jobsub_submit's translator and backend.capture, migrate (migrate/dag.py) no runner.
"""

from __future__ import annotations

import os
import re
import shlex
from collections import abc
from dataclasses import dataclass, field

from .. import backend, classads, legacy, lite, userfiles
from .. import codes as w
from ..warnings import UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Callable, Optional

    from ..plan import Plan

    # A job line's words (after `jobsub`) and the environment -> jobsub_submit's Plan.
    JobLine = Callable[[list[str], Mapping[str, str]], Plan]
    # A `<macros>` command without a shell -> (status, output), as backend.capture.
    Runner = Optional[Callable[[list[str], Mapping[str, str]], tuple[int, str]]]

MANUAL = """\
jobsub_submit_dag (jobsub-compat) submits a dagNabbit DAG description file with
jobsub_lite (`jobsub_submit --dag`). The file, for jobs A, B, then C and D together, E last:

  <serial>
  jobsub -G expt file://jobA.sh
  jobsub -G expt file://jobB.sh
  </serial>
  <parallel>
  jobsub -G expt file://jobC.sh
  jobsub -G expt file://jobD.sh
  </parallel>
  <serial>
  jobsub -G expt file://jobE.sh
  prescript file://check_inputs.sh E
  </serial>

Job lines take every jobsub_submit option, legacy spellings and quoting included; options
given to jobsub_submit_dag apply to every job. `#` starts a comment. A `prescript` or
`postscript` line after a job line runs a script before or after that job.

Emulated: <macros> blocks of NAME = value lines (each NAME is replaced wherever its text
appears in later lines, as the legacy server did; a value in backticks is the output of
that command, run without a shell), and <beginjob> /
<finishjob> holding one `file://SCRIPT ARGS` line (the first job's prescript, the last
job's postscript). jobsub_lite splits job lines at spaces, so values with spaces are
written without them where ClassAd syntax allows. `-N COUNT` in a job line queues COUNT
jobs for that node, as the legacy server's dagNabbit did (jobsub_lite 1.12 renders the
node's stage with `queue COUNT`). Refused with the fix: nested DAGs, lines that are not jobs.

Options: --maxConcurrent N (legacy --maxRunning, -max_running, -m) runs at most N jobs at
once. `jobsub-compat explain -- jobsub_submit_dag ...` shows the translated file.
"""

TAG = re.compile(r"<\s*(/?)\s*(serial|parallel|beginjob|finishjob|macros)\s*>", re.IGNORECASE)
COMMENT = re.compile(r"#.*")
JOB_WORDS = {"jobsub", "jobsub_submit", "jobsub_submit.py"}
_NESTED = {"jobsub_submit_dag", "jobsub_submit_dag.py", "dagsub"}
_SCRIPT_WORDS = ("prescript", "postscript")
# Backtick macros are run without a shell: plain `command args` only.
_SHELL_SYNTAX = re.compile(r"[|&;<>()$`\\\"'*?\[\]{}~]")
_EXPANDED = re.compile(r"\$(\w+|\{([^}]*)\})")
_RELATIVE_URL = re.compile(r"^(file|dropbox|tardir)://(?!/)(.+)$")
_CLASSAD_OPTIONS = {"-c", "--append_condor_requirements", "--append-condor-requirements",
                    "-l", "--lines"}
_IDENT = re.compile(r"[A-Za-z0-9_.]")
LIMIT = 16 * userfiles.MiB  # a DAG file: thousands of job lines fit many times over


@dataclass
class _Job:
    out: int  # index of the job line in the output lines
    block: int  # index of its top-level block
    scripts: set[str] = field(default_factory=set)


@dataclass
class Translated:
    text: str
    warnings: list[tuple[str, str]]


class _Reader:
    def __init__(self, shown: str, environ: Mapping[str, str], cwd: str, job_line: JobLine,
                 run_command: Runner) -> None:
        self.shown, self.environ, self.cwd = shown, environ, cwd
        self.job_line, self.run_command = job_line, run_command
        self.out: list[str] = []
        self.warnings: list[tuple[str, str]] = []
        self.macros: list[tuple[str, str]] = []
        self.jobs: list[_Job] = []
        self.blocks: list[str] = []  # kinds of the top-level blocks, in order
        self.stack: list[str] = []
        self.hooks: dict[str, list[tuple[int, str]]] = {"beginjob": [], "finishjob": []}

    def where(self, n: int) -> str:
        return f"{self.shown}:{n}"

    def warn(self, code: str, n: int, message: str) -> None:
        entry = (code, f"{self.where(n)}: {message}")
        if entry not in self.warnings:
            self.warnings.append(entry)

    def fail(self, n: int, message: str) -> UsageError:
        return UsageError(f"{self.where(n)}: {message}")

    # --- the file, line by line ----------------------------------------------------------
    def read(self, text: str) -> Translated:
        lines = text.splitlines()
        block: str | None = None
        for n, raw in enumerate(lines, 1):
            line = COMMENT.sub("", raw).strip()
            if not line:
                continue
            tag = TAG.search(line)
            if tag:
                block = self.tag(n, line, tag, block)
            elif block == "macros":
                self.macro(n, line)
            elif block in self.hooks:
                self.hooks[block].append((n, line))
            else:
                self.statement(n, line)
        if self.stack:
            raise self.fail(len(lines), f"<{self.stack[-1]}> is never closed; add "
                            f"</{self.stack[-1]}>")
        self.attach_hooks()
        return Translated("\n".join(self.out) + "\n", self.warnings)

    def tag(self, n: int, line: str, tag: re.Match[str], block: str | None) -> str | None:
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if TAG.sub("", line).strip():
            self.warn(w.DAG_TEXT_BESIDE_TAG, n, f"text beside <{name}> is ignored, as the "
                      "legacy server ignored it. Put it on a line of its own.")
        if name in ("macros", "beginjob", "finishjob"):
            return None if closing else name
        if closing:
            if not self.stack or self.stack[-1] != name:
                raise self.fail(n, f"</{name}> does not close an open <{name}>")
            self.stack.pop()
        else:
            if name == "parallel" and "parallel" in self.stack:
                raise self.fail(n, "<parallel> inside <parallel> is not supported by "
                                "jobsub_lite; close the first one")
            if not self.stack:
                self.blocks.append(name)
            self.stack.append(name)
        self.out.append(f"<{'/' if closing else ''}{name}>")
        return block

    def macro(self, n: int, line: str) -> None:
        name, eq, value = line.partition("=")
        if not eq or "=" in value:
            raise self.fail(n, "a macro line is NAME = value (one '='), as the legacy "
                            "server required")
        name, value = name.strip(), value.strip()
        if len(value) > 1 and value.startswith("`") and value.endswith("`"):
            value = self.run_macro(n, name, value)
        self.macros.append((name, value))

    def run_macro(self, n: int, name: str, quoted: str) -> str:
        command = quoted[1:-1].strip()
        if not command or _SHELL_SYNTAX.search(command):
            raise self.fail(n, f"macro {name} = {quoted}: only a plain command (no pipes, "
                            "redirections, variables or quotes) can be run without a shell; "
                            "compute the value before submitting and write it in the file")
        if self.run_command is None:
            self.warn(w.DAG_MACRO_COMMAND, n, f"macro {name} = {quoted} is not run by "
                      "explain; the drop-in runs it when submitting.")
            return quoted
        status, output = self.run_command(shlex.split(command), self.environ)
        if status == backend.CAPTURE_TOO_LONG:
            raise self.fail(n, f"macro {name} = {quoted} printed more than "
                            f"{userfiles.describe_size(backend.CAPTURE_LIMIT)}, which is no "
                            "macro value; compute the value before submitting")
        if status != 0:  # the legacy server kept the text as written when it failed
            self.warn(w.DAG_MACRO_COMMAND, n, f"macro {name} = {quoted} failed (status "
                      f"{status}); its text is used as written, as the legacy server did.")
            return quoted
        return output.strip()

    def statement(self, n: int, line: str) -> None:
        for name, value in self.macros:
            line = line.replace(name, value)
        first = line.split()[0]
        if first in _SCRIPT_WORDS:
            self.script(n, line, first)
            return
        try:
            words = shlex.split(line)
        except ValueError:
            raise self.fail(n, "unbalanced quotes; close them") from None
        if not words or words[0] not in JOB_WORDS:
            if words and words[0] in _NESTED:
                raise self.fail(n, "a DAG inside a DAG is not supported by jobsub_lite; "
                                "put its job lines in this file")
            raise self.fail(n, "not a job line; job lines start with jobsub or jobsub_submit "
                            "(the legacy server ran other lines as commands, jobsub_lite "
                            "ignores them)")
        if not self.stack:
            raise self.fail(n, "job line outside <serial> or <parallel>; put it in a block")
        self.out.append("jobsub " + " ".join(self.node(n, words[1:])))
        self.jobs.append(_Job(len(self.out) - 1, len(self.blocks) - 1))

    def script(self, n: int, line: str, kind: str) -> None:
        if not self.jobs or self.out[-1].split()[0] not in ("jobsub",) + _SCRIPT_WORDS:
            raise self.fail(n, f"{kind} must follow a job line")
        job = self.jobs[-1]
        if kind in job.scripts:
            raise self.fail(n, f"a second {kind} for one job; jobsub_lite allows one")
        job.scripts.add(kind)
        self.out.append(" ".join(self.absolute(word) for word in line.split()))

    # --- one job line --------------------------------------------------------------------
    def node(self, n: int, argv: list[str]) -> list[str]:
        group = self.environ.get("JOBSUB_GROUP") or self.environ.get("GROUP") or ""
        env = _NodeEnvironment(self.environ, group or "unknown")
        plan = self.job_line(argv, env)
        if plan.error:
            raise self.fail(n, plan.error)
        if plan.action != "run" or plan.jobid_only or plan.env:
            raise self.fail(n, "this option only makes sense on a command line, not in a DAG "
                            "job line; remove it")
        for warning in plan.warnings:
            self.warn(warning.code, n, warning.message)
        words = plan.backend_argv[1:]
        exe = legacy.find_executable(words)
        options = words if exe is None else words[:exe]
        rest = [] if exe is None else words[exe:]
        kept: list[str] = []
        for word in options:
            if word in ("-n", "--no_submit", "--no-submit"):
                self.warn(w.DAG_NO_SUBMIT, n, f"{word} was needed in legacy DAG job lines; "
                          "jobsub_lite never submits a node by itself; dropped. Remove it.")
                continue
            if word == "--dag":
                raise self.fail(n, "a DAG inside a DAG is not supported by jobsub_lite")
            kept.append(self.absolute(word))
        rest = [self.absolute(word) for word in rest]
        out = []
        for i, word in enumerate(kept + rest):
            previous = (kept + rest)[i - 1] if i else ""
            out.append(self.no_spaces(n, word, previous))
        return out

    def absolute(self, word: str) -> str:
        """A relative file://, dropbox:// or tardir:// path, as the legacy client read it
        (from the submitting directory), whatever directory jobsub_lite reads it from."""
        name, eq, value = word.rpartition("=") if word.startswith("-") else ("", "", word)
        match = _RELATIVE_URL.match(value)
        if not match:
            return word
        path = os.path.normpath(os.path.join(self.cwd, match.group(2)))
        return f"{name}{eq}{match.group(1)}://{path}"

    def no_spaces(self, n: int, word: str, previous: str) -> str:
        """jobsub_lite splits DAG job lines at whitespace: a word must hold none."""
        value = lite.escape_layer(word)
        if not re.search(r"\s", value):
            self.check_expansion(n, value)
            return word
        prefix = ""
        option = previous
        if value.startswith("-") and "=" in value:
            option, _, rest = value.partition("=")
            prefix, value = option + "=", rest
        compact = _compact(value) if option in _CLASSAD_OPTIONS else None
        if compact is None or not _same_classad(option, value, compact):
            raise self.fail(n, f"{(prefix + value)!r} holds a space, and jobsub_lite splits DAG "
                            "job lines at every space; write it without spaces")
        self.warn(w.DAG_SPACES_REMOVED, n, f"{(prefix + value)!r}: spaces removed, since "
                  f"jobsub_lite splits DAG job lines at every space. Write {prefix + compact}.")
        return lite.quote_for_lite(prefix + compact)

    def check_expansion(self, n: int, word: str) -> None:
        for match in _EXPANDED.finditer(word):
            name = match.group(2) or match.group(1)
            if name in self.environ:
                self.warn(w.DAG_EXPANDS, n, f"jobsub_lite expands ${name} in DAG job lines "
                          "from the submitting environment (the legacy server used its own). "
                          "Write the value if that is not what you mean.")

    # --- beginjob and finishjob ----------------------------------------------------------
    def attach_hooks(self) -> None:
        for block, kind, first in (("beginjob", "prescript", True),
                                   ("finishjob", "postscript", False)):
            hook = self.hooks[block]
            if not hook:
                continue
            n, command = hook[0]
            stage = 0 if first else len(self.blocks) - 1
            jobs = [j for j in self.jobs if j.block == stage]
            if jobs and self.blocks[stage] == "serial":  # its first (last) job runs first (last)
                jobs = [jobs[0] if first else jobs[-1]]
            if (len(hook) != 1 or not command.startswith(legacy.EXE_PREFIX) or len(jobs) != 1
                    or kind in jobs[0].scripts):
                raise self.fail(n, f"<{block}> ran a command on the legacy jobsub server "
                                f"{'before' if first else 'after'} the DAG; jobsub_lite has "
                                f"no such hook. Write `{kind} file://SCRIPT ARGS` after the "
                                f"{'first' if first else 'last'} job line instead")
            job = jobs[0]
            at = job.out + 1 + len(job.scripts)
            if first and "postscript" in job.scripts:
                at -= 1  # prescript before an existing postscript
            line = " ".join(self.absolute(word) for word in command.split())
            self.out.insert(at, f"{kind} {line}")
            for other in self.jobs:
                if other.out >= at:
                    other.out += 1
            job.scripts.add(kind)
            self.warn(w.DAG_HOOK, n, f"<{block}> becomes a {kind} of the "
                      f"{'first' if first else 'last'} job. Write it that way.")


def _compact(value: str) -> str | None:
    """`value` without whitespace outside string literals, or None when a space separates
    two words that would run together (`a isnt b`)."""
    out: list[str] = []
    in_string = escaped = False
    pending = False
    for char in value:
        if in_string:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char.isspace():
            pending = True
            continue
        if pending and out and _IDENT.match(out[-1]) and _IDENT.match(char):
            return None
        pending = False
        out.append(char)
        in_string = char == '"'
    return "".join(out)


def _same_classad(option: str, before: str, after: str) -> bool:
    """Do both texts mean the same ClassAd? (True without bindings: _compact is safe.)"""
    try:
        if option in ("-l", "--lines"):
            return classads.valid_line(after) == classads.valid_line(before)
        return classads.same_expression(before, after)
    except classads.Unavailable:
        return True


class _NodeEnvironment(abc.Mapping):  # type: ignore[type-arg]
    """The environment a job line is translated in: the caller's, looked up name by name
    (so `-e NAME` means in a node what it means on the command line, whatever mapping the
    caller gave), with the group of the command line and without $JOBSUB_SERVER."""

    def __init__(self, environ: Mapping[str, str], group: str) -> None:
        self.environ, self.group = environ, group

    def __getitem__(self, key: str) -> str:
        if key == "JOBSUB_GROUP":
            return self.group
        if key == "JOBSUB_SERVER":
            raise KeyError(key)
        return self.environ[key]

    def __iter__(self) -> Iterator[str]:
        yield "JOBSUB_GROUP"
        yield from (k for k in self.environ if k not in ("JOBSUB_GROUP", "JOBSUB_SERVER"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def translate(text: str, shown: str, environ: Mapping[str, str], cwd: str,
              job_line: JobLine, run_command: Runner) -> Translated:
    """A DAG file's text (the file called `shown` in messages, submitted from `cwd`),
    rewritten for jobsub_lite: each job line through `job_line`, each `<macros>` command
    through `run_command` (None: not run, as by explain)."""
    return _Reader(shown, environ, cwd, job_line, run_command).read(text)
