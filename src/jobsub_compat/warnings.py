"""Warning codes and the one shape every warning line has.

Option rows in options.py carry their own codes (JC1xx); the codes here are for the
grammar, quoting, environment and output rules that are not tied to one option.
"""

from __future__ import annotations

# Grammar and quoting (JC2xx).
ONE_DASH_LONG = "JC201"
TWO_DASH_SHORT = "JC202"
GLUED_VALUE = "JC203"
ABBREVIATION = "JC204"
LITERAL_READING = "JC205"
CLASSAD_UNCHECKED = "JC206"
CLASSAD_INVALID = "JC207"
REPEATED_LAST_WINS = "JC208"
REPEATED_JOINED = "JC209"
REQUOTED = "JC210"
EMPTY_WORDS = "JC211"
TWO_DROPBOXES = "JC212"
PROTECTED_ARGUMENT = "JC213"

# DAG files (JC15x).
DAG_NO_SUBMIT = "JC150"
DAG_SPACES_REMOVED = "JC151"
DAG_EXPANDS = "JC152"
DAG_MACRO_COMMAND = "JC153"
DAG_HOOK = "JC154"
DAG_TEXT_BESIDE_TAG = "JC155"
DAG_TRANSLATED = "JC156"

# Environment and backend (JC3xx).
ENV_JOBSUB_SERVER = "JC301"
ENV_UNSET_VARIABLE = "JC302"
GROUP_FROM_TOKEN = "JC303"
GROUP_FROM_ENV = "JC304"
IGNORED_BESIDE = "JC305"

# Output emulation (JC4xx).
NO_JOB_ID = "JC401"

# What each non-option code means, for compat-matrix.md and `jobsub-compat explain`.
GENERAL_CODES: dict[str, str] = {
    ONE_DASH_LONG: "A long option written with one dash (`-append_condor_requirements=X`) is "
    "read as the one long option it names and spelled with two dashes.",
    TWO_DASH_SHORT: "A short option written with two dashes (`--N 10`) is read as that "
    "short option.",
    GLUED_VALUE: "A value glued to a short option that jobsub_lite cannot read glued "
    "(`-dOUT DIR`) is split into separate words.",
    ABBREVIATION: "An abbreviated long option that jobsub_lite would resolve differently "
    "or not at all is spelled out in full.",
    LITERAL_READING: "A `--lines`/`--append_condor_requirements` value that is not valid "
    "ClassAd after the legacy server's re-split, but is as written, is passed as written.",
    CLASSAD_UNCHECKED: "The HTCondor Python bindings are missing, so the quoting tie-break "
    "could not check ClassAd syntax; the legacy reading is used.",
    CLASSAD_INVALID: "A `--lines` value that jobsub_lite 1.12's ClassAd check (v1 "
    "`classad.parseOne`) refuses, failing the whole submission (e.g. `NAME==VALUE`): dropped "
    "when the legacy submit file made nothing of it (a plain macro), otherwise refused with "
    "the fix (`+NAME=VALUE`).",
    REPEATED_LAST_WINS: "An option the legacy client kept only once (last one wins) but "
    "jobsub_lite repeats: the earlier occurrences are dropped.",
    REPEATED_JOINED: "Several `-c` requirements joined with `&&` because the installed "
    "jobsub_lite (before 1.4) keeps only the last one.",
    REQUOTED: "Words re-quoted so that jobsub_lite's own quote layer gives back exactly the "
    "words the legacy server used (the quoting contract).",
    EMPTY_WORDS: "Empty words (from empty quoted variables) are ignored, as the legacy server's "
    "re-split ignored them; jobsub_lite would take one as the executable and fail.",
    TWO_DROPBOXES: "Both dropbox flags: the legacy client used CVMFS, jobsub_lite would use the "
    "last one given; `--use-pnfs-dropbox` is dropped.",
    PROTECTED_ARGUMENT: "A script argument jobsub_lite's parser would drop (a first `--`) or "
    "reject (an ambiguous abbreviation of one of its options) is written so that the job "
    "still gets it: `-- --`, or `''` in front, which HTCondor's arguments line keeps and the "
    "job's bash command line removes.",
    DAG_NO_SUBMIT: "`-n` in a DAG job line (the legacy server needed it) is dropped: "
    "jobsub_lite never submits a node by itself.",
    DAG_SPACES_REMOVED: "jobsub_lite splits DAG job lines at whitespace; spaces in a "
    "ClassAd value are removed where that keeps its meaning (else the line is refused).",
    DAG_EXPANDS: "jobsub_lite expands `$NAME` in DAG job lines from the submitting "
    "environment; the legacy server expanded it in its own.",
    DAG_MACRO_COMMAND: "A backtick `<macros>` value: run without a shell when submitting "
    "(not by explain); on failure its text is used, as the legacy server did.",
    DAG_HOOK: "`<beginjob>`/`<finishjob>` with a `file://` script become the first job's "
    "`prescript` / the last job's `postscript` (refused when that would not mean the same).",
    DAG_TEXT_BESIDE_TAG: "Text on the same line as a DAG tag is ignored, as the legacy "
    "server ignored it.",
    DAG_TRANSLATED: "jobsub_submit_dag runs `jobsub_submit --dag` on a translated copy of the "
    "DAG file; the original is never modified and the copy is removed afterwards.",
    ENV_JOBSUB_SERVER: "`$JOBSUB_SERVER` names a legacy jobsub server; jobsub_lite has none. "
    "It is removed from the backend's environment.",
    ENV_UNSET_VARIABLE: "`-e NAME` with NAME unset or empty: refused (exit 1), as the legacy "
    "server refused it (\"you used -e NAME , but $NAME must be set first!\"): the client "
    "exported only non-empty variables. Export NAME or write `-e NAME=VALUE`.",
    GROUP_FROM_TOKEN: "jobsub_q without a group: the legacy client listed your jobs in every "
    "group, jobsub_lite needs one; the group of your token (BEARER_TOKEN_FILE, else "
    "jobsub_lite's token files when they are all one group's) is used.",
    GROUP_FROM_ENV: "The group came from `$GROUP` alone: the legacy client read only "
    "`$JOBSUB_GROUP` (and refused, or for jobsub_q listed every group, without it); jobsub_lite "
    "reads `$GROUP`, and so does the drop-in, with this warning.",
    IGNORED_BESIDE: "An option the legacy client or server ignored in this combination is "
    "dropped, so the jobs selected are the ones legacy selected: `--jobid` beside "
    "`--constraint` (the constraint alone selected), and in rm/hold/release `--user` beside "
    "`--jobid` (the server only checked that the user was you).",
    NO_JOB_ID: "jobsub_lite exits 0 even when condor_submit failed; without a "
    "`Use job id` line the drop-in exits 1, as the legacy client did.",
}


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
