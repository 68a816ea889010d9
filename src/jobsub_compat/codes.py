"""Every warning code: its severity, what it means and what to write instead.

`describe(code)` is the one answer for any code, wherever it is shown (compat-matrix.md,
`jobsub-compat explain`, report and migrate). Option codes (JC1xx) are defined on their
option's row in options.py (reason: why, fix: what to write instead), and describe()
reads them there, so a new option is still one new row. Every other code is defined
here: grammar and quoting (JC2xx), DAG files (JC15x), environment (JC3xx), output
(JC4xx), credentials (JC5xx), and the places `jobsub-compat migrate` leaves to a person
(JCMxx).

Every drop-in call imports this module for its constants: it imports nothing, and reads
the option table only when describe() is asked about an option code.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .options import Option

# Severities: what a code does to the call.
WARNING = "warning"  # it runs, as the message says (rewritten, dropped, emulated, noted)
ERROR = "error"  # it is refused (nothing runs), with the fix
REVIEW = "review"  # jobsub-compat migrate left the place for a person
SEVERITIES = {
    WARNING: "the call runs, rewritten, dropped or emulated as the message says (strict "
    "mode makes it an error); a value that cannot be translated is refused with the fix",
    ERROR: "the call is refused and nothing runs; the message names the fix",
    REVIEW: "jobsub-compat migrate changed nothing there: a person rewrites it",
}

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

# Credential pre-flight (JC50x, JC51x).
TOKEN_REDIRECTED = "JC501"
BEARER_TOKEN_SHADOWS = "JC502"
TOKEN_EXPIRING = "JC503"
TOKEN_FILE_READABLE = "JC504"
ROLE_FROM_PROXY = "JC505"
PROXY_IN_USE = "JC506"
PRODUCTION_PROXY = "JC507"
TOKEN_UNUSABLE = "JC508"
ROLE_FROM_TOKEN = "JC509"
PROXY_EXPIRED = "JC510"
PROXY_IS_TOKEN = "JC511"
TOKEN_FILE_UNSAFE = "JC512"
# Credential drop-ins (JC52x).
KX509 = "JC520"
CIGETCERT = "JC521"
VOMS_PROXY_INIT = "JC522"
VOMS_PROXY_INFO = "JC523"
VOMS_PROXY_DESTROY = "JC524"
X509_ONLY_OPTION = "JC525"
LIFETIME_OPTION = "JC526"
EXTRA_VOMS = "JC527"

# What `jobsub-compat migrate` leaves to a person (JCMxx).
NON_LITERAL = "JCM01"
CANNOT_WRITE = "JCM02"
REFUSED = "JCM03"
UNSTABLE = "JCM04"
EMULATED = "JCM05"
UNMODELED = "JCM06"
IN_STRING = "JCM07"
DAG_FILE = "JCM08"
RUNTIME = "JCM09"
JOB_ID_LINE = "JCM10"
UNREADABLE = "JCM11"
CREDENTIAL = "JCM12"

_EXPLAIN = "`jobsub-compat explain -- COMMAND ARG...` shows the words jobsub_lite gets"
_MIGRATE = ("Nothing to change by hand: `jobsub-compat migrate SCRIPT` writes the words as "
            "jobsub_lite reads them.")
_TOKEN = "htgettoken -a htvaultprod.fnal.gov -i GROUP [-r ROLE]"

# code -> (severity, what it means, what to write instead or do next)
CODES: dict[str, tuple[str, str, str]] = {
    ONE_DASH_LONG: (
        WARNING, "A long option written with one dash (`-append_condor_requirements=X`) is "
        "read as the one long option it names and spelled with two dashes.",
        "Write the long option with two dashes (`--append_condor_requirements=X`)."),
    TWO_DASH_SHORT: (
        WARNING, "A short option written with two dashes (`--N 10`) is read as that short "
        "option.", "Write the short option with one dash (`-N 10`)."),
    GLUED_VALUE: (
        WARNING, "A value glued to a short option that jobsub_lite cannot read glued "
        "(`-dOUT DIR`) is split into separate words.",
        "Write the option and its values as separate words (`-d OUT DIR`)."),
    ABBREVIATION: (
        WARNING, "An abbreviated long option that jobsub_lite would resolve differently or "
        "not at all is spelled out in full.", "Write the option's full name."),
    LITERAL_READING: (
        WARNING, "A `--lines`/`--append_condor_requirements` value that is not valid "
        "ClassAd after the legacy server's re-split, but is as written, is passed as "
        "written.", _MIGRATE),
    CLASSAD_UNCHECKED: (
        WARNING, "The HTCondor Python bindings are missing, so the quoting tie-break could "
        "not check ClassAd syntax; the legacy reading is used.",
        "Install the HTCondor Python bindings (python3-condor) for the interpreter that "
        "runs the drop-ins, or write the value as jobsub_lite reads it (" + _EXPLAIN + ")."),
    CLASSAD_INVALID: (
        WARNING, "A `--lines` value that jobsub_lite 1.12's ClassAd check (v1 "
        "`classad.parseOne`) refuses, failing the whole submission (e.g. `NAME==VALUE`): "
        "dropped when the legacy submit file made nothing of it (a plain macro), otherwise "
        "refused with the fix (`+NAME=VALUE`).",
        "Write a job attribute as `--lines=+NAME=VALUE`; remove a line that only set a "
        "submit-file macro."),
    REPEATED_LAST_WINS: (
        WARNING, "An option the legacy client kept only once (last one wins) but "
        "jobsub_lite repeats: the earlier occurrences are dropped.",
        "Give the option once, with the value that counted (the last one)."),
    REPEATED_JOINED: (
        WARNING, "Several `-c` requirements joined with `&&` because the installed "
        "jobsub_lite (before 1.4) keeps only the last one.",
        "Upgrade jobsub_lite to 1.4 or later, or give one `-c 'A && B'`."),
    REQUOTED: (
        WARNING, "Words re-quoted so that jobsub_lite's own quote layer gives back exactly "
        "the words the legacy server used (the quoting contract).", _MIGRATE),
    EMPTY_WORDS: (
        WARNING, "Empty words (from empty quoted variables) are ignored, as the legacy "
        "server's re-split ignored them; jobsub_lite would take one as the executable and "
        "fail.", "Pass an optional variable only when it is set: `${VAR:+\"$VAR\"}`."),
    TWO_DROPBOXES: (
        WARNING, "Both dropbox flags: the legacy client used CVMFS, jobsub_lite would use "
        "the last one given; `--use-pnfs-dropbox` is dropped.",
        "Give `--use-cvmfs-dropbox` alone."),
    PROTECTED_ARGUMENT: (
        WARNING, "A script argument jobsub_lite's parser would drop (a first `--`) or "
        "reject (an ambiguous abbreviation of one of its options) is written so that the "
        "job still gets it: `-- --`, or `''` in front, which HTCondor's arguments line "
        "keeps and the job's bash command line removes.", _MIGRATE),
    DAG_NO_SUBMIT: (
        WARNING, "`-n` in a DAG job line (the legacy server needed it) is dropped: "
        "jobsub_lite never submits a node by itself.", "Remove `-n` from the DAG's job lines."),
    DAG_SPACES_REMOVED: (
        WARNING, "jobsub_lite splits DAG job lines at whitespace; spaces in a ClassAd value "
        "are removed where that keeps its meaning (else the line is refused).",
        "Write ClassAd values in DAG job lines without spaces."),
    DAG_EXPANDS: (
        WARNING, "jobsub_lite expands `$NAME` in DAG job lines from the submitting "
        "environment; the legacy server expanded it in its own.",
        "Export NAME with the value the job needs before submitting, or write the value "
        "in the DAG file."),
    DAG_MACRO_COMMAND: (
        WARNING, "A backtick `<macros>` value: run without a shell when submitting (not by "
        "explain); on failure its text is used, as the legacy server did.",
        "Compute the value before submitting and write it in the DAG file."),
    DAG_HOOK: (
        WARNING, "`<beginjob>`/`<finishjob>` with a `file://` script become the first job's "
        "`prescript` / the last job's `postscript` (refused when that would not mean the "
        "same).", "Give the scripts as the first job's `prescript` and the last job's "
        "`postscript` in a DAG file for `jobsub_submit --dag`."),
    DAG_TEXT_BESIDE_TAG: (
        WARNING, "Text on the same line as a DAG tag is ignored, as the legacy server "
        "ignored it.", "Remove the text beside the tag (or make it a job line of its own)."),
    DAG_TRANSLATED: (
        WARNING, "jobsub_submit_dag runs `jobsub_submit --dag` on a translated copy of the "
        "DAG file; the original is never modified and the copy is removed afterwards.",
        "Run `jobsub_submit --dag file://DAGFILE` on a DAG file written for jobsub_lite "
        "(`jobsub-compat migrate DAGFILE` writes it)."),
    ENV_JOBSUB_SERVER: (
        WARNING, "`$JOBSUB_SERVER` names a legacy jobsub server; jobsub_lite has none. It "
        "is removed from the backend's environment.", "Stop exporting JOBSUB_SERVER."),
    ENV_UNSET_VARIABLE: (
        ERROR, "`-e NAME` with NAME unset or empty: refused (exit 1), as the legacy server "
        "refused it (\"you used -e NAME , but $NAME must be set first!\"): the client "
        "exported only non-empty variables.", "Export NAME or write `-e NAME=VALUE`."),
    GROUP_FROM_TOKEN: (
        WARNING, "jobsub_q without a group: the legacy client listed your jobs in every "
        "group, jobsub_lite needs one; the group of your token (BEARER_TOKEN_FILE, else "
        "jobsub_lite's token files when they are all one group's) is used.",
        "Give `-G GROUP` (or export JOBSUB_GROUP)."),
    GROUP_FROM_ENV: (
        WARNING, "The group came from `$GROUP` alone: the legacy client read only "
        "`$JOBSUB_GROUP` (and refused, or for jobsub_q listed every group, without it); "
        "jobsub_lite reads `$GROUP`, and so does the drop-in, with this warning.",
        "Give `-G GROUP` to make the group explicit (jobsub_lite reads `$GROUP` too)."),
    IGNORED_BESIDE: (
        WARNING, "An option the legacy client or server ignored in this combination is "
        "dropped, so the jobs selected are the ones legacy selected: `--jobid` beside "
        "`--constraint` (the constraint alone selected), and in rm/hold/release `--user` "
        "beside `--jobid` (the server only checked that the user was you).",
        "Remove the ignored option: `--constraint` without `--jobid`; `--jobid` without "
        "`--user`."),
    NO_JOB_ID: (
        WARNING, "jobsub_lite exits 0 even when condor_submit failed; without a `Use job id` "
        "line the drop-in exits 1, as the legacy client did.",
        "Read jobsub_lite's output for condor_submit's error, and check the exit status "
        "and the `Use job id ID to retrieve output` line."),
    TOKEN_REDIRECTED: (
        WARNING, "`BEARER_TOKEN_FILE` holds a token of another group or role (or no usable "
        "token): jobsub_lite would refuse it, so `BEARER_TOKEN_FILE` is pointed at "
        "jobsub_lite's own per-group/role file `${TMPDIR:-/tmp}/bt_token_<issuer>_<role>_"
        "<uid>` for this call (jobsub_lite gets a token there if needed); the file is left "
        "alone.", "Point BEARER_TOKEN_FILE at a token of the call's group and role (`"
        + _TOKEN + "`), or unset it."),
    BEARER_TOKEN_SHADOWS: (
        WARNING, "`BEARER_TOKEN` is set: WLCG tools (condor, gfal, xrootd) use it before "
        "any token file, so it hides the file jobsub_lite and htgettoken use.",
        "`unset BEARER_TOKEN`."),
    TOKEN_EXPIRING: (
        WARNING, "The token jobsub_lite will use expires within 10 minutes or has expired; "
        "jobsub_lite renews it only when under 60 s are left, with htgettoken (Kerberos or "
        "a vault token needed).",
        "Get a fresh token before the call: `" + _TOKEN + " --minsecs=600` (with a "
        "Kerberos ticket, `kinit`)."),
    TOKEN_FILE_READABLE: (
        WARNING, "A bearer token file is readable by group or others; anyone who can read "
        "it can act as you until it expires.", "`chmod 600` the token file."),
    ROLE_FROM_PROXY: (
        WARNING, "No `--role`: the legacy client used the Role of the X.509 proxy's first "
        "VOMS FQAN, so that role is passed as `--role`.",
        "Give `--role ROLE` on the command line."),
    PROXY_IN_USE: (
        WARNING, "`X509_USER_PROXY` is set: jobsub_lite authenticates with tokens; a proxy "
        "only travels with jobs where the site's jobsub_lite auth methods include `proxy`.",
        "Unset X509_USER_PROXY and get a token (`" + _TOKEN + "`), unless your jobs need "
        "the proxy (`--auth-methods=token,proxy`)."),
    PRODUCTION_PROXY: (
        WARNING, "A managed production proxy (`/opt/<exp>pro/<exp>pro.Production.proxy`) "
        "is in use: production accounts get managed tokens (vault tokens pushed to the "
        "node), used by `htgettoken --nooidc --nokerberos --credkey=...`.",
        "Use the account's managed token: `htgettoken -a htvaultprod.fnal.gov -i EXP -r "
        "production --nooidc --nokerberos --credkey=...`, and stop using the proxy."),
    TOKEN_UNUSABLE: (
        WARNING, "The token jobsub_lite will read is not a JWT, has no usable `wlcg.groups`, "
        "or names another group or role: jobsub_lite will replace or refuse it.",
        "Get a token of the call's group and role: `" + _TOKEN + "`."),
    ROLE_FROM_TOKEN: (
        WARNING, "No `--role` and no proxy role: jobsub_lite takes the role from the token "
        "in `BEARER_TOKEN_FILE`, where the legacy client used Analysis.",
        "Give `--role Analysis` (what the legacy client used), or the role you mean."),
    PROXY_EXPIRED: (
        WARNING, "The X.509 proxy carrying a role has expired: the legacy client would have "
        "made a new one without VOMS attributes, so its role is not used.",
        "Give `--role ROLE`, and remove the expired proxy (or unset X509_USER_PROXY)."),
    PROXY_IS_TOKEN: (
        WARNING, "`X509_USER_PROXY` names a bearer token file (often set from "
        "`voms-proxy-info -path`): it is removed from jobsub_lite's environment, which "
        "would otherwise treat the token file as a proxy.",
        "Stop exporting X509_USER_PROXY; jobsub_lite finds the token itself (or export "
        "BEARER_TOKEN_FILE)."),
    TOKEN_FILE_UNSAFE: (
        WARNING, "jobsub_lite's per-group/role token file in the shared directory "
        "(`${TMPDIR:-/tmp}/bt_token_<issuer>_<role>_<uid>`) is not a regular file of the "
        "caller's own with mode 0600 (a symbolic link, another user's file, readable by "
        "others): the drop-in neither reads it nor points jobsub_lite at it, and leaves "
        "the call to jobsub_lite's own behaviour.",
        "Remove that file (a new token is written there by `" + _TOKEN + "`), or make it "
        "a regular file of your own with `chmod 600`."),
    KX509: (
        WARNING, "kx509 (drop-in): KCA certificates are retired; htgettoken uses the "
        "Kerberos ticket directly, so nothing is written.", "Remove the kx509 call."),
    CIGETCERT: (
        WARNING, "cigetcert (drop-in): jobsub_lite uses tokens, so no certificate is "
        "fetched.", "Remove the cigetcert call."),
    VOMS_PROXY_INIT: (
        WARNING, "voms-proxy-init (drop-in): gets the equivalent token with htgettoken "
        "(`-i <experiment>`, `-r <role>` unless Analysis) where jobsub_lite and WLCG tools "
        "read it, instead of a VOMS proxy.",
        "Write `" + _TOKEN + "` (`jobsub-compat migrate SCRIPT` writes it)."),
    VOMS_PROXY_INFO: (
        WARNING, "voms-proxy-info (drop-in): answers from the bearer token (FQANs, VO and "
        "time left derived from `wlcg.groups` and `exp`) with the legacy shapes and "
        "statuses.", "Check the token instead: `httokendecode -H` shows it, `htgettoken "
        "... --minsecs=N -q` makes sure it is valid for N seconds (`jobsub-compat migrate "
        "SCRIPT` writes these)."),
    VOMS_PROXY_DESTROY: (
        WARNING, "voms-proxy-destroy (drop-in): removes the bearer token file, the token "
        "files the voms-proxy-init drop-in made (jobsub_lite's per-group/role file "
        "included) and any X.509 proxy file, instead of a proxy only; vault tokens are "
        "kept.", "Remove the call (access tokens expire by themselves), or remove the "
        "token file the script means to: `rm -f \"$BEARER_TOKEN_FILE\"`."),
    X509_ONLY_OPTION: (
        WARNING, "A voms-proxy-init option that only shapes an X.509 proxy (`-rfc`, "
        "`-noregen`, `-out`, `-bits`, ...) is ignored: tokens have no equivalent.",
        "Remove the option."),
    LIFETIME_OPTION: (
        WARNING, "`-valid`/`-hours`/`-vomslife`: the issuer fixes an access token's "
        "lifetime (about 3 h at Fermilab); the option is ignored.",
        "Remove the option; `htgettoken ... --minsecs=N` gets a token valid for at least "
        "N seconds."),
    EXTRA_VOMS: (
        WARNING, "Several `-voms` options: a token is for one experiment and role, the "
        "first one is used.", "Get one token per experiment and role: one `htgettoken` "
        "call each."),
    NON_LITERAL: (
        REVIEW, "Words built from variables, command output or file patterns: what jobsub "
        "receives is only known at run time, so nothing is rewritten.",
        "Rewrite the words by hand; " + _EXPLAIN + " for a value they take."),
    CANNOT_WRITE: (
        REVIEW, "The jobsub_lite words need quoting that this place cannot carry (a $CMD "
        "string keeps quotes literally; a Python string with escapes).",
        "Rewrite the call by hand, as an argv list or array; " + _EXPLAIN + "."),
    REFUSED: (
        REVIEW, "The drop-in refuses this call; the message names the fix.",
        "Apply the fix the message names."),
    UNSTABLE: (
        REVIEW, "The rewritten call would not translate to itself (the drop-in and "
        "jobsub_lite would read it differently), so it is not rewritten.",
        "Rewrite the call by hand; " + _EXPLAIN + "."),
    EMULATED: (
        REVIEW, "The drop-in emulates legacy behaviour jobsub_lite does not have (output "
        "format, --jobid-output-only, environment); check what the script expects.",
        "Change what the script reads to jobsub_lite's output, as the message says."),
    UNMODELED: (
        REVIEW, "A command string built conditionally, run another way than `$CMD`, or a "
        "script that cannot be parsed.", "Rewrite the call by hand; " + _EXPLAIN + "."),
    IN_STRING: (
        REVIEW, "A jobsub command run from a string (ssh, sh -c, eval, a here-document, a "
        "Python string of unknown use): rewrite it by hand.",
        "Rewrite the command in the string by hand; " + _EXPLAIN + "."),
    DAG_FILE: (
        REVIEW, "A DAG file that cannot be rewritten line by line (macros, begin/finish "
        "jobs, comments jobsub_lite would read, file not found).",
        "Rewrite the DAG file by hand for `jobsub_submit --dag`; `jobsub-compat explain -- "
        "jobsub_submit_dag ...` shows the translated file."),
    RUNTIME: (
        REVIEW, "The translation depends on the run-time environment (group from $GROUP, "
        "-e NAME, --dag or --json-config files).",
        "Write the value the call needs (`-G GROUP`, `-e NAME=VALUE`, the options of the "
        "JSON file) in the call."),
    JOB_ID_LINE: (
        REVIEW, "The script reads the legacy `JobsubJobId of first job:` line, which "
        "jobsub_lite does not print; use `Use job id ID to retrieve output`.",
        "Read the job id from the `Use job id ID to retrieve output` line."),
    UNREADABLE: (
        REVIEW, "A file that cannot be read or parsed.",
        "Make the file readable (or fix its syntax) and run migrate again."),
    CREDENTIAL: (
        REVIEW, "An X.509 credential step (voms-proxy-*, kx509, cigetcert, X509_USER_PROXY) "
        "whose token form cannot be written here; the message says what to write.",
        "Write the token step the message names (`" + _TOKEN + "`)."),
}


class Description:
    """What one code means: severity, text (what happens and why) and replacement (what
    to write instead, or the next step)."""

    __slots__ = ("code", "severity", "text", "replacement")

    def __init__(self, code: str, severity: str, text: str, replacement: str) -> None:
        self.code, self.severity, self.text, self.replacement = (code, severity, text,
                                                                 replacement)

    def __repr__(self) -> str:
        return f"Description({self.code!r}, {self.severity!r})"


def describe(code: str, commands: Iterable[str] = ()) -> Description | None:
    """The one answer for any code; None for a code this version does not know.

    An option code is described by its rows (those of `commands` when any of them has
    the code, else every table's): `OPTION: reason` and `OPTION: fix` for each distinct
    text; it is an error when its rows refuse the option (or in _REFUSAL_ONLY)."""
    own = CODES.get(code)
    if own is not None:
        return Description(code, *own)
    rows = _rows_with(code, commands) or _rows_with(code, ())
    if not rows:
        return None
    from .options import Fate

    refused = all(r.fate == Fate.REFUSE for r in rows) or code in _REFUSAL_ONLY
    return Description(code, ERROR if refused else WARNING, _by_text(rows, "reason"),
                       _by_text(rows, "fix"))


def replacement(code: str, commands: Iterable[str] = ()) -> str:
    """What to write instead, for `code`; "" for a code this version does not know."""
    found = describe(code, commands)
    return found.replacement if found else ""


def text(code: str) -> str:
    """What one of this module's own codes means."""
    return CODES[code][1]


# An option code whose rows pass the option but that is only ever raised to refuse a
# value (a job id without @SCHEDD): its rows' fate is the option's, not the code's.
_REFUSAL_ONLY = frozenset({"JC160"})


def _rows_with(code: str, commands: Iterable[str]) -> list[Option]:
    from .options import TABLES

    names = sorted(commands)
    tables = [TABLES[c] for c in names if c in TABLES] if names else list(TABLES.values())
    rows: list[Option] = []
    for table in tables:
        rows.extend(r for r in table if r.code == code and r not in rows)
    return rows


def _spelling(row: Option) -> str:
    """The option a row's code is about: its first legacy spelling (and group)."""
    name = (row.legacy or row.lite or (row.key,))[0]
    return f"{name} ({', '.join(row.groups)})" if row.groups else name


def _by_text(rows: list[Option], field: str) -> str:
    """`OPTION: text` for each distinct `field` text of `rows`, joined with semicolons."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        value = getattr(row, field)
        if value:
            names = groups.setdefault(value, [])
            if _spelling(row) not in names:
                names.append(_spelling(row))
    parts = [f"{', '.join(names)}: {value}" for value, names in groups.items()]
    return "; ".join([part.rstrip(".") for part in parts[:-1]] + parts[-1:])
