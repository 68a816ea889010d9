"""THE registry of commands: every name in bin/ and bin/credentials/, and what answers it.

bin/ holds one launcher, bin/jobsub-compat; every other name there (and in
bin/credentials/) is a relative symlink to it, and the name a launcher was called by
(argv[0], a legacy `.py` twin included) picks its command here (dropin.main). Whatever
lists commands reads this registry: the launcher, dropin.run, `jobsub-compat explain`,
the man pages, compat-matrix.md, migrate, doctor, the benchmarks and the tests.

Adding a drop-in is one module in this package plus one entry below (and its rows in
options.TABLES when it has legacy options): the module's `translate(argv, environ,
lite_version, backend_path, command=NAME) -> Plan`, and, when the Plan runs jobsub_lite,
an Output class (see dropin.Output); a Plan it answers itself (action "local") names the
module's answer function. Then link its name in bin/ (`ln -s jobsub-compat NAME`, and
`NAME.py` for a legacy twin) and regenerate the man pages and the matrix; the tests fail
until all of that is there.

Importing this module must cost nothing on the drop-ins' path: data only, modules named
by strings, no imports (tests/test_startup.py); reading and building it takes about
0.1 ms of a call's 15 to 40 (Python 3.11, the 2-core CI machine, 2026-12-02).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Callable, Optional

    from ..plan import Plan

    # A drop-in's translation: (argv, environ, lite_version, backend_path) -> Plan.
    Translate = Callable[[list[str], Mapping[str, str], Optional[str], str], Plan]

PLAN = "plan"  # runner: dropin.run (translate -> Plan -> jobsub_lite or an answer -> log)
MAIN = "main"  # runner: the module's own main() (the umbrella `jobsub`, jobsub-compat)


class Command:
    """One command of bin/: its names, the module that answers it (of this package, or a
    dotted name), the option table (options.TABLES key, None: none), how it runs (PLAN or
    MAIN), the jobsub_lite executable behind it (None: none; what --version names), the
    Output class of a Plan that runs jobsub_lite and the function that answers a Plan it
    answers itself (action "local"; default: its module's `answer`), each an attribute
    of its module or "module.attribute" of this package, its usage line and man page
    summary, `check_status`, and whether jobsub_lite gets a credential for it
    (`preflight`: tokens.preflight, as jobsub_lite's get_creds).

    check_status is the exit status of the legacy client's own checks: missing required
    arguments, a job id without its schedd or malformed, a bad date (`sys.exit(message)`
    or `sys.exit(1)` in client/jobsub_q, jobsub_rm, ..., jobsubClient.py jid_callback,
    check_id, date_callback): 1. What optparse itself rejected (an unknown option, a
    missing value) exited 2 everywhere; the 1.3-only tools (prio, preload, probe_url)
    keep 2 for both."""

    __slots__ = ("name", "module", "runner", "table", "backend", "output", "answer", "usage",
                 "summary", "directory", "twin", "check_status", "preflight")

    def __init__(self, name: str, module: str, usage: str, summary: str, *,
                 runner: str = PLAN, table: bool = True, backend: str | None = None,
                 output: str | None = None, answer: str = "answer",
                 directory: str = "bin", twin: bool = True, check_status: int = 1,
                 preflight: bool = False) -> None:
        self.name, self.runner, self.usage, self.summary = name, runner, usage, summary
        self.module = f"{__name__}.{module}" if "." not in module else module
        self.table = name if table else None
        self.backend, self.output, self.answer = backend, output, answer
        self.directory, self.twin = directory, twin
        self.check_status, self.preflight = check_status, preflight

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it answers to: the legacy client's tools also had a `.py` name."""
        return (self.name, f"{self.name}.py") if self.twin else (self.name,)

    def load(self, attribute: str) -> object:
        """`module.attribute` of this package, or an attribute of the command's module."""
        module, _, name = attribute.rpartition(".")
        where = f"{__name__}.{module}" if module else self.module
        return getattr(__import__(where, fromlist=[name]), name)


_JOBS = "(--jobid IDS | --user USER | --constraint EXPR)"
_CREDENTIALS = "bin/credentials"

COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("jobsub_submit", "submit",
            "jobsub_submit [options] file://SCRIPT [script arguments]",
            "submit a job with the legacy jobsub_client options, on jobsub_lite",
            backend="jobsub_submit", output="SubmitOutput", preflight=True),
    Command("jobsub_submit_dag", "submit_dag",
            "jobsub_submit_dag [options] file://DAG_DESCRIPTION_FILE",
            "submit a dagNabbit DAG with the legacy options, on jobsub_lite",
            backend="jobsub_submit", output="submit.SubmitOutput", preflight=True),
    Command("jobsub_q", "q",
            "jobsub_q [-G GROUP] [--user USER | --jobid ID | --constraint EXPR] [view]",
            "list jobs in the legacy jobsub_q layout, from jobsub_lite",
            backend="jobsub_q", output="QOutput", preflight=True),
    Command("jobsub_rm", "rm", f"jobsub_rm -G GROUP {_JOBS}",
            "remove jobs, with the legacy options and messages, through jobsub_lite",
            backend="jobsub_rm", output="ActionOutput", preflight=True),
    Command("jobsub_hold", "rm", f"jobsub_hold -G GROUP {_JOBS}",
            "hold jobs, with the legacy options and messages, through jobsub_lite",
            backend="jobsub_hold", output="ActionOutput", preflight=True),
    Command("jobsub_release", "rm", f"jobsub_release -G GROUP {_JOBS}",
            "release held jobs, with the legacy options and messages, through jobsub_lite",
            backend="jobsub_release", output="ActionOutput", preflight=True),
    Command("jobsub_history", "history",
            "jobsub_history -G GROUP [--user USER] [--jobid ID] [--qdate-ge DATE]",
            "list finished jobs in the legacy jobsub_history layout",
            backend="jobsub_history", output="HistoryOutput"),
    Command("jobsub_fetchlog", "fetchlog",
            "jobsub_fetchlog -G GROUP --jobid ID [--dest-dir DIR] | --list",
            "fetch a job's logs (sandbox), with the legacy options",
            backend="jobsub_fetchlog", output="FetchOutput",
            answer="list_sandboxes", preflight=True),
    # --version of the next four names the jobsub_lite behind them; nothing else runs it.
    Command("jobsub_status", "unavailable", "jobsub_status -G GROUP --sites",
            "legacy jobsub_status: says what to use instead", backend="jobsub_submit"),
    Command("jobsub_prio", "prio", "jobsub_prio -G GROUP --jobid IDS --prio N",
            "set the priority (JobPrio) of jobs with the HTCondor Python bindings",
            backend="jobsub_q", answer="set_priority", check_status=2),
    Command("jobsub_preload", "unavailable", "jobsub_preload -G GROUP file://TARBALL",
            "legacy jobsub_preload: says what to use instead", backend="jobsub_submit",
            check_status=2),
    Command("jobsub_probe_url", "unavailable", "jobsub_probe_url -G GROUP --endpoint PATH",
            "legacy jobsub_probe_url: says what to use instead", backend="jobsub_submit",
            check_status=2),
    Command("jobsub", "jobsub", "jobsub [SUBCOMMAND ARG...]",
            "the bare legacy jobsub, and jobsub_lite's umbrella form", runner=MAIN,
            table=False),
    # The opt-in credential drop-ins: no option table (voms-clients' own grammar), no
    # jobsub_lite behind them, no .py twins.
    Command("kx509", "credentials", "kx509 [-d] [-q] [-s SERVER] [-o FILE]",
            "legacy kx509: nothing to do, jobsub_lite uses tokens", table=False,
            directory=_CREDENTIALS, twin=False, check_status=2),
    Command("cigetcert", "credentials",
            "cigetcert [-i INSTITUTION] [-n] [-s SERVER] [-o FILE] [--proxyhours N] "
            "[--minhours N]",
            "legacy cigetcert: nothing to do, jobsub_lite uses tokens", table=False,
            directory=_CREDENTIALS, twin=False, check_status=2),
    Command("voms-proxy-init", "credentials",
            "voms-proxy-init -voms VO:/VO[/EXPERIMENT][/Role=ROLE] [-rfc] [-noregen] "
            "[-valid H:M] [-q]",
            "get the bearer token a legacy voms-proxy-init line asks for", table=False,
            directory=_CREDENTIALS, twin=False, check_status=2),
    Command("voms-proxy-info", "credentials",
            "voms-proxy-info [-file FILE] [-all | -fqan | -vo | -path | -identity | -subject "
            "| -issuer | -type | -timeleft | -actimeleft] [-exists [-valid H:M] [-hours H]] "
            "[-acexists VO]",
            "answer legacy voms-proxy-info queries from the bearer token", table=False,
            directory=_CREDENTIALS, twin=False, check_status=2),
    Command("voms-proxy-destroy", "credentials", "voms-proxy-destroy [-file FILE] [-dry] [-q]",
            "remove the bearer token file instead of a proxy", table=False,
            directory=_CREDENTIALS, twin=False, check_status=2),
    # The coordinator's tools: not a drop-in, the same launcher.
    Command("jobsub-compat", "jobsub_compat.cli", "jobsub-compat SUBCOMMAND [ARG...]",
            "the coordinator's tools of jobsub-compat", runner=MAIN, table=False,
            twin=False),
)}

# Every name a launcher may be called by.
NAMES: dict[str, Command] = {name: c for c in COMMANDS.values() for name in c.names}

# The legacy jobsub_client tools that have a jobsub_lite behind them (what migrate
# rewrites, what `jobsub-compat explain` shows besides the credential drop-ins).
DROPINS: dict[str, Command] = {n: c for n, c in COMMANDS.items() if c.backend}


def find(called: str) -> Command | None:
    """The command a launcher called as `called` (a path, or a bare name) answers."""
    return NAMES.get(called.rpartition("/")[2])


def translator(name: str) -> Translate:
    """The drop-in `name`'s translation: its module's translate, for `name`."""
    command = COMMANDS[name]
    translate: Callable[..., Plan] = command.load("translate")  # type: ignore[assignment]

    def bound(argv: list[str], environ: Mapping[str, str], lite_version: str | None = None,
              backend_path: str | None = None) -> Plan:
        return translate(argv, environ, lite_version, backend_path or command.backend or name,
                         command=name)

    return bound
