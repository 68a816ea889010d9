"""THE option table: every legacy and jobsub_lite option of jobsub_submit, one row each.

The legacy parser, the translator, `--help`, warnings and compat-matrix.md all read these
rows. A new option is one new row (and its tests); a row that is rewritten or emulated
names its handler, the function of fates.py that does it.

Facts: ../shared/reference/legacy-jobsub.md (jobsub_client 1.2 and 1.3.4.1 client and
server options, group extras) and jobsub-lite.md (jobsub_lite 1.12 lib/get_parser.py).

One rule decides what happens to a legacy-only option: a job must never silently behave
differently. If dropping it leaves the job and its outputs as the legacy client made
them (it only steered the legacy server, its transport or its log formatting), it is
dropped with a warning; if jobsub_lite can do the same thing another way, it is
rewritten; otherwise it is refused with exit 2 and the exact fix.
"""

from __future__ import annotations


class Fate:
    """What the shim does with a legacy option. (Plain strings rather than an Enum:
    importing enum costs every drop-in call about 4 ms.)"""

    PASS = "pass"
    RENAME = "rename"
    REWRITE = "rewrite"
    DROP = "drop"
    EMULATE = "emulate"
    REFUSE = "refuse"


class Option:
    """One row. (A plain class: every drop-in call builds the table, and dataclasses would
    pull in `inspect`.)"""

    def __init__(self, key: str, legacy: tuple[str, ...], lite: tuple[str, ...], nargs: int,
                 fate: str, meaning: str, code: str | None = None, reason: str = "",
                 fix: str = "", legacy_repeat: str = "last", lite_repeat: str = "last",
                 where: str = "server", groups: tuple[str, ...] = (), metavar: str = "",
                 integer: bool = False, handler: str = "", submits_nothing: bool = False
                 ) -> None:
        self.key = key
        self.legacy = legacy  # spellings the legacy client or server accepted
        self.lite = lite  # jobsub_lite 1.12 spellings; the first is the one we write
        self.nargs = nargs  # 0 flag, 1 value, 2 values (legacy arity)
        self.fate = fate
        self.meaning = meaning
        self.code = code  # warning/refusal code of this row
        self.reason = reason  # why this fate; completes "<option> ..." in warnings
        self.fix = fix  # the exact replacement, one sentence
        self.legacy_repeat = legacy_repeat  # "append": every occurrence counts; "last": wins
        self.lite_repeat = lite_repeat
        self.where = where  # "server"; "client": legacy client option; "lite": jobsub_lite only
        self.groups = groups  # legacy group-specific option (only for these groups)
        self.metavar = metavar
        self.integer = integer  # the legacy optparse option was type='int' (else exit 2)
        # What the fate does: a function of fates.HANDLERS, by name. A rewrite or an
        # emulation names its own; other fates default to their generic handler.
        self.handler = handler or _GENERIC.get(fate, "")
        # jobsub_lite answers this option itself and submits nothing: no executable is
        # needed, and no job id is expected of the output (--support-email).
        self.submits_nothing = submits_nothing

    def __repr__(self) -> str:
        return f"Option({self.key!r})"

    @property
    def spellings(self) -> tuple[str, ...]:
        return self.legacy + tuple(s for s in self.lite if s not in self.legacy)

    @property
    def lite_spelling(self) -> str:
        return self.lite[0] if self.lite else ""


_GENERIC = {Fate.PASS: "pass", Fate.RENAME: "rename", Fate.DROP: "drop",
            Fate.REFUSE: "refuse"}
P, RN, RW, D, E, RF = (Fate.PASS, Fate.RENAME, Fate.REWRITE, Fate.DROP, Fate.EMULATE,
                       Fate.REFUSE)

_NO_SERVER = "names the legacy jobsub server; jobsub_lite has no server and picks an " \
    "HTCondor schedd itself"

SUBMIT: tuple[Option, ...] = (
    # --- legacy client options (parsed by the client, never re-split) ---------------------
    Option("group", ("-G", "--group"), ("-G", "--group"), 1, P,
           "Experiment/accounting group (default $JOBSUB_GROUP; the last -G wins). The legacy "
           "client read no $GROUP; jobsub_lite does, and so does the drop-in (JC304).",
           where="client", metavar="GROUP"),
    Option("role", ("--role",), ("--role",), 1, P,
           "VOMS role of the submission (Analysis, Production, ...); selects the token role.",
           where="client", metavar="ROLE"),
    Option("jobsub_server", ("--jobsub-server", "--jobsub_server"), (), 1, D,
           "Legacy jobsub server URL.", "JC101", _NO_SERVER, "Remove it.",
           where="client", metavar="URL"),
    Option("dropbox_server", ("--dropbox-server",), (), 1, D,
           "Alternate legacy dropbox server (expert).", "JC102",
           "names a legacy dropbox server; jobsub_lite takes RCDS servers from "
           "$JOBSUB_DROPBOX_SERVER_LIST", "Remove it.", where="client", metavar="URL"),
    Option("dag", ("--dag",), ("--dag",), 0, D,
           "Legacy: stored but never used by jobsub_submit. jobsub_lite: the executable "
           "is a dagNabbit DAG file.", "JC103",
           "was ignored by the legacy jobsub_submit but makes jobsub_lite read the "
           "executable as a DAG file; kept only when the executable is a DAG file",
           "Remove it, or use jobsub_submit_dag for DAG files.", where="client",
           handler="dag_flag"),
    Option("json_config", ("--json-config",), (), 1, E,
           "JSON file of options (legacy 1.2.8+).", "JC105",
           "is not a jobsub_lite option; its JSON file is expanded into options",
           "Write the options on the command line.", where="client", metavar="FILE",
           handler="json_config"),
    Option("tarball_exclusion_file", ("--tarball-exclusion-file",),
           ("--tarball-exclusion-file",), 1, P,
           "File of patterns excluded when a tardir:// is packed.", where="client",
           metavar="FILE"),
    Option("use_cvmfs_dropbox", ("--use-cvmfs-dropbox",), ("--use-cvmfs-dropbox",), 0, P,
           "Upload dropbox/tardir tarballs to RCDS/CVMFS.", where="client"),
    Option("use_pnfs_dropbox", ("--use-pnfs-dropbox",), ("--use-pnfs-dropbox",), 0, P,
           "Upload dropbox/tardir tarballs to dCache (pnfs).", where="client"),
    Option("debug", ("--debug",), ("--debug",), 0, P,
           "Debug output (jobsub_lite: --verbose 1).", where="client"),
    Option("jobid_output_only", ("--jobid-output-only",), (), 0, E,
           "Print only the job id on success.", "JC106",
           "is not a jobsub_lite option; emulated: stdout is only the job id",
           "Take the id from the 'Use job id ID to retrieve output' line.", where="client",
           handler="jobid_output_only"),
    Option("help", ("-h", "--help"), ("-h", "--help"), 0, E,
           "Show this help (legacy options, their fates and the jobsub_lite spelling).",
           reason="is answered by the drop-in", where="client", handler="help"),
    Option("version", ("--version",), ("--version",), 0, E,
           "Show the compat layer's version and the jobsub_lite version behind it.",
           reason="is answered by the drop-in", where="client", handler="version"),
    Option("x509_user_proxy", ("-x", "--X509_USER_PROXY"), (), 1, RW,
           "X.509 proxy to use (jobsub_client 1.2.2 era).", "JC107",
           "is not a jobsub_lite option; passed as $X509_USER_PROXY",
           "Export X509_USER_PROXY instead (jobsub_lite uses tokens; proxies only where "
           "the site enables them).", where="client", metavar="PROXY", handler="x509_proxy"),
    Option("continue_on_failure", ("--continue-on-failure",), (), 0, RF,
           "jobsub_client 1.2.2-era option with no documented behaviour.", "JC108",
           "has no documented meaning and no jobsub_lite equivalent",
           "Remove it and check the job does what you expect.", where="client"),
    # --- legacy server options (re-split with shlex by the legacy server) -----------------
    Option("subgroup", ("--subgroup",), ("--subgroup",), 1, P,
           "Accounting subgroup.", metavar="SUBGROUP"),
    Option("N", ("-N",), ("-N",), 1, P, "Number of jobs (procs) in the cluster.",
           metavar="N"),
    Option("maxConcurrent", ("--maxConcurrent",), ("--maxConcurrent",), 1, P,
           "Run the N jobs as a DAG with at most this many running.", metavar="M"),
    Option("memory", ("--memory",), ("--memory",), 1, RW,
           "Memory request, NUMBER[KB|MB|GB|TB].", "JC111",
           "without a unit means MB in both clients; the unit is written out",
           "Write the unit, e.g. --memory=2000MB.", metavar="SIZE", handler="size_mb"),
    Option("disk", ("--disk",), ("--disk",), 1, RW,
           "Disk request, NUMBER[KB|MB|GB|TB].", "JC112",
           "without a unit means KB in both clients; the unit is written out",
           "Write the unit, e.g. --disk=10GB.", metavar="SIZE", handler="size_kb"),
    Option("cpu", ("--cpu",), ("--cpu",), 1, P, "Number of CPUs.", metavar="N"),
    Option("expected_lifetime", ("--expected-lifetime", "--expected_lifetime"),
           ("--expected-lifetime",), 1, RW,
           "Expected job lifetime: short, medium, long or NUMBER[s|m|h|d].", "JC113",
           "bare numbers are seconds in both clients; the unit is written out",
           "Write --expected-lifetime=NUMBERs (or m, h, d).", metavar="LIFETIME",
           handler="seconds"),
    Option("timeout", ("--timeout",), ("--timeout",), 1, RW,
           "Kill the job script after NUMBER[s|m|h|d].", "JC114",
           "bare numbers are seconds in both clients; the unit is written out",
           "Write --timeout=NUMBERs (or m, h, d).", metavar="DURATION", handler="seconds"),
    Option("OS", ("--OS",), ("--OS",), 1, P,
           "Desired worker OS list (+DesiredOS).", "JC115",
           "names a retired OS (SL5/SL6/SL7). jobsub_lite 1.12 sets +DesiredOS and its "
           "requirements keep (isUndefined(DesiredOS) || stringListsIntersect(toUpper("
           "DesiredOS), IFOS_installed)), so the job matches only slots whose IFOS_installed "
           "lists that OS, and none advertise a retired one; the job itself runs in the "
           "container image (default EL9), not in that OS",
           "Remove --OS; to run in another OS give its image with --singularity-image=IMAGE.",
           metavar="OS", handler="retired_os"),
    Option("resource_provides", ("--resource-provides",), ("--resource-provides",), 1, RW,
           "KEY=VALUES resource request, e.g. usage_model=DEDICATED,OPPORTUNISTIC,OFFSITE.",
           "JC116",
           "usage_model values are upper-cased: jobsub_lite checks OFFSITE "
           "case-sensitively and would otherwise keep the job onsite",
           "Write usage_model values in upper case.", legacy_repeat="append",
           lite_repeat="append", metavar="KEY=VALUE", handler="usage_model_upper"),
    Option("site", ("--site",), ("--site",), 1, P, "Comma list of sites.", metavar="SITES"),
    Option("blacklist", ("--blacklist",), ("--blocklist", "--blacklist"), 1, RW,
           "Comma list of sites to avoid.", "JC117",
           "is the legacy spelling of --blocklist (jobsub_lite 1.4 and later; an older "
           "jobsub_lite gets --blacklist)", "Use --blocklist.", metavar="SITES",
           handler="blocklist"),
    Option("append_condor_requirements", ("-c", "--append_condor_requirements"),
           ("-c", "--append_condor_requirements", "--append-condor-requirements"), 1, P,
           "ClassAd expression ANDed onto the job requirements.", "JC209",
           "passes; several are joined with && when the installed jobsub_lite is older than "
           "1.4 (it kept only the last); a value that is ClassAd only as written is passed "
           "as written (JC205)", legacy_repeat="append", lite_repeat="append", metavar="EXPR",
           handler="requirement"),
    Option("overwrite_condor_requirements", ("--overwrite_condor_requirements",),
           ("--overwrite_condor_requirements", "--overwrite-condor-requirements"), 1, RF,
           "Replace the job requirements entirely.", "JC118",
           "is accepted but ignored by jobsub_lite 1.12 (its template never uses it), so "
           "the job would silently run with the default requirements",
           "Express the requirement with --append_condor_requirements=EXPR.",
           metavar="EXPR"),
    Option("lines", ("-l", "--lines"), ("-l", "--lines"), 1, P,
           "Line appended verbatim to the HTCondor submit file.", "JC119",
           "names a retired SL6/SL7 image; jobsub_lite runs the job in that image only "
           "while it is still published on CVMFS",
           "Use --singularity-image=/cvmfs/singularity.opensciencegrid.org/fermilab/"
           "fnal-wn-el9:latest.", legacy_repeat="append", lite_repeat="append",
           metavar="LINE", handler="submit_line"),
    Option("environment", ("-e", "--environment"), ("-e", "--environment"), 1, P,
           "Export VAR (caller's value) or VAR=VALUE to the job. A VAR unset or empty is "
           "refused, as the legacy server refused it (JC302).", legacy_repeat="append",
           lite_repeat="append", metavar="VAR[=VALUE]", handler="export_variable"),
    Option("f", ("-f",), ("-f",), 1, P, "Input file (path or dropbox://path).",
           legacy_repeat="append", lite_repeat="append", metavar="FILE"),
    Option("d", ("-d",), ("-d",), 2, P,
           "Output directory: $CONDOR_DIR_TAG on the worker, copied to DIR at the end.",
           "JC203", "passes; a tag glued to -d (-dOUT DIR) is split, since jobsub_lite "
           "rejects it", legacy_repeat="append", lite_repeat="append", metavar="TAG DIR",
           handler="glued_tag"),
    Option("tar_file_name", ("--tar_file_name",), ("--tar_file_name", "--tar-file-name"), 1,
           RW, "Tarball shipped to the job and unpacked (dropbox://TAR, tardir://DIR or a "
           "path; jobsub_lite: the files are in $INPUT_TAR_DIR_LOCAL).", "JC136",
           "dropbox://, tardir:// and a bzip2 plain path pass. Another plain path: the legacy "
           "job unpacked it with tar xvf (any compression); jobsub_lite 1.12 runs tar -xjvf "
           "(bzip2 only) and takes a /cvmfs path for an RCDS directory, so a readable one is "
           "passed as dropbox://PATH (uploaded, unpacked in the job) and an unreadable one is "
           "refused. Given twice, only the last is kept, as the legacy client did (JC208)",
           "Use --tar_file_name=dropbox://PATH, or a .tar.bz2 for a path only the job can "
           "read.", lite_repeat="append", metavar="URI", handler="tarball"),
    Option("log_file", ("-L", "--log_file"), ("-L", "--log_file", "--log-file"), 1, P,
           "Extra log of the job's output, copied back.", metavar="PATH"),
    Option("compress_log", ("--compress_log",), (), 0, D,
           "Compress the -L log.", "JC120",
           "only changed how the legacy server stored the -L log; jobsub_lite copies the "
           "log back uncompressed (its size is bounded by the wrapper)", "Remove it."),
    Option("no_log_buffer", ("--no_log_buffer",), (), 0, D,
           "Write the -L log without buffering.", "JC121",
           "only changed how the legacy wrapper buffered the -L log; jobsub_lite has one "
           "way of writing it", "Remove it."),
    Option("use_gftp", ("--use_gftp",), (), 0, D,
           "Copy outputs back with grid-ftp.", "JC122",
           "chose the legacy copy-back transport; jobsub_lite copies with ifdh, same "
           "files, same destinations", "Remove it."),
    Option("mail_never", ("-Q", "--mail_never"), ("-Q", "--mail_never", "--mail-never"), 0,
           P, "Never send mail about the job."),
    Option("mail_on_error", ("-q", "--mail_on_error"),
           ("--mail_on_error", "--mail-on-error"), 0, RN,
           "Send mail when the job fails.", "JC123", "is the legacy spelling of "
           "--mail_on_error", "Use --mail_on_error."),
    Option("mail_always", ("-M", "--mail_always"), ("--mail_always", "--mail-always"), 0, RN,
           "Send mail when the job ends.", "JC104", "is the legacy spelling of --mail_always",
           "Use --mail_always."),
    Option("email_to", ("--email-to",), ("--email-to",), 1, P,
           "Mail address for notifications.", metavar="ADDRESS"),
    Option("generate_email_summary", ("--generate-email-summary",),
           ("--generate-email-summary",), 0, P, "Mail a summary when a DAG finishes."),
    Option("dataset_definition", ("--dataset_definition",),
           ("--dataset-definition", "--dataset_definition", "--dataset"), 1, P,
           "SAM dataset definition: run as a SAM DAG.", metavar="DEFINITION"),
    Option("project_name", ("--project_name",), ("--project-name", "--project_name"), 1, P,
           "SAM project name for --dataset_definition.", metavar="NAME"),
    Option("drain", ("--drain",), (), 0, E, "Mark the job drainable (+Drain = True).",
           "JC124", "is not a jobsub_lite option; emulated with --lines=+Drain=True",
           "Use --lines=+Drain=True.", handler="drain"),
    Option("schedd", ("--schedd",), ("--schedd-for-testing",), 1, RN,
           "Submit to this schedd.", "JC125",
           "is the legacy spelling of jobsub_lite's --schedd-for-testing, which checks the "
           "name against the jobsub_lite collector", "Use --schedd-for-testing=NAME.",
           metavar="SCHEDD"),
    Option("grid", ("-g", "--grid"), (), 0, D, "Run on the grid.", "JC126",
           "asked the legacy server to run on the grid; jobsub_lite always does",
           "Remove it."),
    Option("no_submit", ("-n", "--no_submit"), ("-n", "--no_submit", "--no-submit"), 0, P,
           "Make the submit files but do not submit (dry run).", handler="dry_run"),
    Option("C", ("-C",), (), 0, D, "Run from the submit directory (obsolete in legacy).",
           "JC127", "was obsolete in the legacy client and had no effect on grid jobs",
           "Remove it."),
    Option("override", ("--override",), (), 2, RF,
           "Override an internal legacy server setting (expert).", "JC128",
           "changed internal legacy server settings that jobsub_lite does not have",
           "Remove it and express the intent with jobsub_lite options (see "
           "jobsub_submit --help).", metavar="KEY VALUE"),
    Option("nowrapfile", ("--nowrapfile",), (), 0, D,
           "Disabled in legacy: accepted, warned about, ignored.", "JC129",
           "was already disabled and ignored by the legacy server", "Remove it."),
    Option("show_parsing", ("--show-parsing",), (), 0, E,
           "Print how the command line was parsed and exit without submitting.", "JC130",
           "is not a jobsub_lite option; emulated: the parse is shown and nothing is "
           "submitted", "Use `jobsub-compat explain -- jobsub_submit ...`.",
           handler="show_parsing", submits_nothing=True),
    Option("verbose", ("-v", "--verbose"), ("--verbose",), 0, RW,
           "Verbose output (legacy: a flag; jobsub_lite: --verbose LEVEL).", "JC131",
           "is a flag in the legacy client but takes a level in jobsub_lite; "
           "written as --verbose=1", "Use --verbose=1.", handler="verbose_level"),
    # --- experiment-specific legacy server options ----------------------------------------
    Option("i", ("-i",), ("-i",), 1, P, "Release directory whose setup.sh is sourced "
           "(minerva, nova).", metavar="RELDIR"),
    Option("t", ("-t",), ("-t",), 1, P, "Test release directory (minerva, nova, minos).",
           metavar="TESTRELDIR"),
    Option("r", ("-r",), ("-r",), 1, P, "Experiment release to set up (minerva, nova, "
           "minos).", metavar="REL"),
    Option("cmtconfig", ("--cmtconfig",), ("--cmtconfig",), 1, P, "minerva CMTCONFIG.",
           metavar="CFG"),
    Option("minerva_y", ("-y",), (), 1, RF, "minerva: enstore file for the job.", "JC132",
           "was a minerva-only legacy option with no jobsub_lite equivalent",
           "Pass the file with -f and read it in the job script.", legacy_repeat="append",
           groups=("minerva",), metavar="ENSTOREFILE"),
    Option("minerva_O", ("-O",), (), 0, RF, "minerva: use the optimized build.", "JC133",
           "was a minerva-only legacy option with no jobsub_lite equivalent",
           "Set up the optimized build in the job script (-r/-i/-t do the release setup).",
           groups=("minerva",)),
    Option("minos_O", ("-O",), (), 1, RF, "minos: release qualifier.", "JC133",
           "was a minos-only legacy option with no jobsub_lite equivalent",
           "Set the qualifier in the job script.", groups=("minos",), metavar="VALUE"),
    Option("minerva_prefix", ("--prefix",), (), 1, RF, "minerva: job name prefix.",
           "JC134", "was a minerva-only legacy option with no jobsub_lite equivalent",
           "Remove it.", groups=("minerva",), metavar="PREFIX"),
    # --- jobsub_lite 1.12 options that were never legacy (lines already migrated) ---------
    Option("auth_methods", (), ("--auth-methods",), 1, P,
           "Credential methods: token and/or proxy.", where="lite", metavar="METHODS"),
    Option("global_pool", (), ("--global-pool",), 1, P, "Use a named global pool.",
           where="lite", metavar="POOL"),
    Option("devserver", (), ("--devserver",), 0, P, "Use development schedds.",
           where="lite"),
    Option("support_email", (), ("--support-email",), 0, P, "Print the support address.",
           where="lite", submits_nothing=True),
    Option("schedd_for_testing", (), ("--schedd-for-testing",), 1, P,
           "Submit to this jobsub_lite schedd.", where="lite", metavar="SCHEDD"),
    Option("job_info", (), ("--job-info",), 1, P,
           "Script run with the job id after submission.", lite_repeat="append",
           where="lite", metavar="SCRIPT"),
    Option("need_storage_modify", (), ("--need-storage-modify",), 1, P,
           "Add storage.modify:PATH to the job token.", lite_repeat="append", where="lite",
           metavar="PATH"),
    Option("need_scope", (), ("--need-scope",), 1, P, "Add a scope to the job token.",
           lite_repeat="append", where="lite", metavar="SCOPE"),
    Option("gpu", (), ("--gpu",), 1, P, "Number of GPUs.", where="lite", metavar="N"),
    Option("dd_percentage", (), ("--dd-percentage",), 1, P,
           "Percent of the dataset staged before the start job proceeds.", where="lite",
           metavar="PERCENT"),
    Option("dd_extra_dataset", (), ("--dd-extra-dataset",), 1, P,
           "Extra dataset checked as staged.", lite_repeat="append", where="lite",
           metavar="NAME"),
    Option("managed_token", (), ("--managed-token",), 0, P,
           "Skip re-storing a recently stored vault token.", where="lite"),
    Option("no_env_cleanup", (), ("--no-env-cleanup",), 0, P,
           "Do not unset LC_CTYPE, CPATH, LIBRARY_PATH in the job.", where="lite"),
    Option("onsite", (), ("--onsite", "--onsite-only"), 0, P, "Run on FermiGrid only.",
           where="lite"),
    Option("offsite", (), ("--offsite", "--offsite-only"), 0, P, "Run offsite only.",
           where="lite"),
    Option("singularity_image", (), ("--singularity-image", "--apptainer-image"), 1, P,
           "Container image of the job.", where="lite", metavar="IMAGE"),
    Option("no_singularity", (), ("--no-singularity", "--no-apptainer"), 0, P,
           "Run without a container.", where="lite"),
    Option("skip_check", (), ("--skip-check",), 1, P, "Skip a submit-time check (rcds).",
           lite_repeat="append", where="lite", metavar="CHECK"),
)

# CDF's legacy server options: CDF no longer submits through jobsub, and none of these
# has a jobsub_lite equivalent. (name, arity)
_CDF = (("--tarFile", 1), ("--sendtkt", 0), ("--outLocation", 1), ("--procType", 1),
        ("--start", 1), ("--end", 1), ("--sections", 1), ("--dhaccess", 1),
        ("--sam_station", 1), ("--maxParallelSec", 1), ("--email", 1), ("--dataset", 1),
        ("--farm", 1), ("--os", 1), ("--cdfsoft", 1), ("--donotdrain", 0))
SUBMIT += tuple(
    Option(f"cdf_{name.lstrip('-')}", (name,), (), arity, RF, "cdf-only legacy option.",
           "JC135", "was a cdf-only legacy option with no jobsub_lite equivalent",
           "Remove it.", groups=("cdf",), metavar="VALUE" if arity else "")
    for name, arity in _CDF
)

# jobsub_submit_dag: the legacy client split its argv as jobsub_submit does (1.3) and the
# server passed every jobsub option on to the DAG's nodes; jobsub_lite does the same for
# `jobsub_submit --dag` (node lines take the command line's values as defaults).
_DAG_ONLY = (
    Option("max_running", ("--maxRunning", "-max_running", "-m"), ("--maxConcurrent",), 1, RN,
           "Run at most N jobs of the DAG at once.", "JC140",
           "is a legacy alias of --maxConcurrent", "Use --maxConcurrent=N.", metavar="N"),
    Option("manual", ("-manual", "-man"), (), 0, E, "Print the DAG description manual.",
           reason="is answered by the drop-in", where="client", handler="manual"),
    Option("continue_on_failure", ("--continue-on-failure",), (), 0, RF,
           "Keep running downstream DAG jobs after a job fails.", "JC141",
           "has no jobsub_lite equivalent: a failed node stops its dependants",
           "Remove it, or make the failing step exit 0 in its script."),
)
SUBMIT_DAG: tuple[Option, ...] = tuple(
    r for r in SUBMIT if r.key not in {"json_config", "continue_on_failure"}) + _DAG_ONLY

# --- job-management commands (legacy-jobsub.md §4-§8, jobsub-lite.md §1.3-§1.5) -----------
# The legacy client parsed these locally (no server re-split). jobsub_lite's versions hand
# every word they do not know to the condor tool they wrap, so lines written for
# jobsub_lite (condor options such as -af) pass through unchanged.
_BY_KEY = {r.key: r for r in SUBMIT}
_GROUP, _ROLE, _HELP, _VERSION = (_BY_KEY[k] for k in ("group", "role", "help", "version"))
_SERVER_Q = Option("jobsub_server", ("--jobsub-server",), (), 1, D, "Legacy jobsub server URL.",
                   "JC101", _NO_SERVER, "Remove it.", where="client", metavar="URL")
_DEBUG = Option("debug", ("--debug",), ("--debug",), 0, P, "Debug output.", where="client")
# jobsub_lite 1.12's options of every command (lib/get_parser.py get_base_parser), for
# lines written for jobsub_lite; -G, --role and --debug have legacy rows.
_LITE_BASE = (
    Option("auth_methods", (), ("--auth-methods",), 1, P,
           "Credential methods: token and/or proxy.", where="lite", metavar="METHODS"),
    Option("global_pool", (), ("--global-pool",), 1, P, "Use a named global pool.",
           where="lite", metavar="POOL"),
    Option("subgroup", (), ("--subgroup",), 1, P, "Accounting subgroup.", where="lite",
           metavar="SUBGROUP"),
    Option("verbose", (), ("--verbose",), 1, P, "jobsub_lite's verbosity (a number).",
           where="lite", metavar="LEVEL"),
    Option("devserver", (), ("--devserver",), 0, P, "Use development schedds.", where="lite"),
    Option("support_email", (), ("--support-email",), 0, P, "Print the support address.",
           where="lite"),
)
_LITE_ROLE = Option("role", (), ("--role",), 1, P, "jobsub_lite's --role (unused here).",
                    where="lite", metavar="ROLE")

# The options of the condor tool each jobsub_lite command hands the words it does not know
# (name, shortest prefix condor reads; HTCondor 24 src/condor_q.V6/queue.cpp,
# src/condor_rm.V6/rm.cpp, src/condor_tools/history.cpp `is_dash_arg_prefix` calls). A
# dash word that is neither a row nor one of these is an unknown option, exit 2, as the
# legacy optparse refused it (condor would refuse it too, and jobsub_lite exit 0).
_CONDOR_Q = (
    ("address", 1), ("af", 2), ("all-users", 2), ("allusers", 2), ("analyse", 2),
    ("analyze", 2), ("attributes", 2), ("autocluster", 2), ("autoformat", 5), ("batch", 2),
    ("better-analyse", 2), ("better-analyze", 2), ("capture-raw-results", 7),
    ("constraint", 1), ("cputime", 2), ("cumulative-time", 3), ("currentrun", 3),
    ("dag", 2), ("debug", 3), ("direct", 1), ("dry-run", 3), ("expert", 1), ("factory", 4),
    ("format", 1), ("global", 1), ("goodput", 2), ("grid", 2), ("group-by", 2), ("held", 2),
    ("help", 1), ("hold", 2), ("idle", 3), ("io", 2), ("jobads", 1), ("jobset", 5),
    ("json", 2), ("limit", 3), ("long", 1), ("machine", 2), ("mconstraint", 2), ("name", 1),
    ("nobatch", 3), ("nosort", 6), ("nouserprios", 7), ("pool", 1), ("print-format", 2),
    ("profile", 4), ("progress", 3), ("reverse-analyze", 3), ("run", 1),
    ("schedd-constraint", 5), ("slotads", 1), ("slotconstraint", 5), ("stream-results", 2),
    ("submitter", 1), ("totals", 3), ("unmatchable", 5), ("userlog", 1), ("userprios", 5),
    ("verbose", 4), ("version", 1), ("wide", 1), ("xml", 3))
_CONDOR_RM = (("addr", 2), ("all", 1), ("constraint", 1), ("debug", 1), ("help", 1),
              ("long", 1), ("name", 1), ("pool", 1), ("reason", 1), ("totals", 3),
              ("version", 1))
_CONDOR_HISTORY = (
    ("af", 2), ("attributes", 2), ("autoformat", 5), ("backwards", 1), ("completedsince", 3),
    ("constraint", 1), ("daemon", 3), ("debug", 3), ("diagnostic", 4), ("directory", 3),
    ("epochs", 2), ("extract", 2), ("file", 2), ("format", 1), ("forwards", 4), ("help", 1),
    ("json", 4), ("jsonl", 5), ("limit", 3), ("local", 2), ("long", 1), ("match", 1),
    ("name", 1), ("nobackwards", 3), ("pool", 1), ("print-format", 2), ("scanlimit", 4),
    ("schedd", 3), ("search", 3), ("since", 4), ("startd", 3), ("stream-results", 6),
    ("transfer-history", 2), ("type", 2), ("userlog", 1), ("wide", 1), ("xml", 3))
CONDOR_OPTIONS: dict[str, tuple[tuple[str, int], ...]] = {
    "jobsub_q": _CONDOR_Q,
    "jobsub_rm": _CONDOR_RM + (("forcex", 1),),
    "jobsub_hold": _CONDOR_RM + (("subcode", 1),),
    "jobsub_release": _CONDOR_RM,
    "jobsub_history": _CONDOR_HISTORY,
}


def _jobid(legacy: tuple[str, ...], many: bool, handler: str = "selection") -> Option:
    return Option("jobid", legacy, ("-J", "--jobid"), 1, P,
                  "Job id CLUSTER[.PROC]@SCHEDD" + (", or a comma list of them." if many
                                                    else "."),
                  "JC160", "must name its schedd (CLUSTER[.PROC]@SCHEDD)",
                  "Write the job id as CLUSTER[.PROC]@SCHEDD, e.g. 12345.0@jobsub01.fnal.gov.",
                  where="client", metavar="JOBID", handler=handler)


_CONSTRAINT = Option("constraint", ("--constraint",), ("--constraint",), 1, P,
                     "ClassAd constraint selecting the jobs.", where="client", metavar="EXPR",
                     handler="selection")
_Q_VIEW = "shared legacy destination: the last of --long/--dag/--hold/--run/--idle wins"

Q: tuple[Option, ...] = (
    _GROUP, _ROLE, _SERVER_Q,
    Option("jobsub_server_lite", (), ("--jobsub_server",), 1, P,
           "jobsub_lite's ignored --jobsub_server.", where="lite", metavar="URL"),
    Option("user", ("--user",), ("--user",), 1, P, "Only this user's jobs.", where="client",
           metavar="USER", handler="selection"),
    _jobid(("--jobid",), False), _CONSTRAINT,
    Option("long", ("--long",), ("-long",), 0, RW, "All attributes of each job (condor_q -long).",
           "JC161", "is passed to condor_q as -long; the output is condor's, as it was",
           "Use -long.", where="client", handler="condor_option"),
    Option("dag", ("--dag",), (), 0, E, "Jobs grouped by DAG.", "JC162",
           "is formatted by the drop-in from condor_q's JSON, in the legacy layout",
           "Use -dag for condor's own layout.", handler="legacy_view"),
    Option("hold", ("--hold",), (), 0, E, "Held jobs with their hold reason.", "JC162",
           "is formatted by the drop-in from condor_q's JSON, in the legacy layout",
           "Use -hold for condor's own layout.", handler="legacy_view"),
    Option("run", ("--run",), (), 0, E, "Running jobs only.", "JC162",
           "is formatted by the drop-in from condor_q's JSON, in the legacy layout",
           "Use -run for condor's own layout.", handler="legacy_view"),
    Option("idle", ("--idle",), (), 0, E, "Idle jobs only.", "JC162",
           "is formatted by the drop-in from condor_q's JSON, in the legacy layout",
           "Use -idle for condor's own layout.", handler="legacy_view"),
    Option("summary", ("--summary",), (), 0, E, "Job counts per owner.", "JC162",
           "is formatted by the drop-in from condor_q's JSON, in the legacy layout",
           "Use -totals for condor's own counts.", handler="legacy_view"),
    Option("better_analyze", ("--better-analyze",), ("-better-analyze",), 0, RW,
           "Why a job does not run (condor_q -better-analyze; needs --jobid).", "JC161",
           "is passed to condor_q as -better-analyze; the output is condor's, as it was",
           "Use -better-analyze.", where="client", handler="condor_option"),
    Option("debug", ("--debug",), (), 0, D, "Debug output.", "JC163",
           "printed the legacy server's request details; jobsub_q's table is made from "
           "condor_q's JSON here, which debug output would break", "Remove it.",
           where="client"),
    _HELP, _VERSION, *_LITE_BASE,
)


def _action_table(action: str) -> tuple[Option, ...]:
    rows = [
        _GROUP, _ROLE, _SERVER_Q,
        Option("jobsub_server_lite", (), ("--jobsub_server",), 1, P,
               "jobsub_lite's ignored --jobsub_server.", where="lite", metavar="URL"),
        _jobid(("--jobid",), True),
        Option("user", ("--user",), (), 1, RW, f"{action.capitalize()} all of this user's jobs.",
               "JC164", "is not a jobsub_lite option of this command; passed as a constraint "
               "on Owner and the group (as the legacy server kept to the group's jobs)",
               "Give --constraint 'Owner==\"USER\"&&Jobsub_Group==\"GROUP\"'.",
               where="client", metavar="USER", handler="owner_constraint"),
        _CONSTRAINT, _DEBUG, _HELP, _VERSION, *_LITE_BASE,
    ]
    if action == "remove":
        rows.append(Option("forcex", ("--forcex",), ("-forcex",), 0, RW,
                           "Force removal of jobs in the X state (condor_rm -forcex).",
                           "JC161", "is passed to condor_rm as -forcex", "Use -forcex.",
                           where="client", handler="condor_option"))
    return tuple(rows)


HISTORY: tuple[Option, ...] = (
    _GROUP, _SERVER_Q,
    Option("user", ("--user",), ("--user",), 1, P, "Only this user's jobs.", where="client",
           metavar="USER", handler="selection"),
    _jobid(("--jobid",), False),
    Option("constraint", (), ("--constraint",), 1, E,
           "ClassAd constraint (no legacy option; jobsub_lite 1.12 parses it and ignores it): "
           "the drop-in hands it to condor_history, ANDed with the rest.", where="lite",
           metavar="EXPR", handler="history_constraint"),
    Option("qdate_ge", ("--qdate-ge",), ("--qdate-ge",), 1, RW,
           "Jobs submitted on or after DATE (YYYY-MM-DD or 'YYYY-MM-DD hh:mm:ss').", "JC165",
           "is passed as a QDate constraint, since jobsub_lite reads only YYYY-MM-DD",
           "Give -constraint 'QDate >= EPOCH'.", where="client", metavar="DATE",
           handler="qdate_ge"),
    Option("qdate_le", ("--qdate-le",), ("--qdate-le",), 1, RW,
           "Jobs submitted on or before DATE (YYYY-MM-DD or 'YYYY-MM-DD hh:mm:ss').", "JC165",
           "is passed as a QDate constraint, since jobsub_lite reads only YYYY-MM-DD",
           "Give -constraint 'QDate <= EPOCH'.", where="client", metavar="DATE",
           handler="qdate_le"),
    Option("debug", ("--debug",), (), 0, D, "Debug output.", "JC163",
           "printed the legacy server's request details; jobsub_history's table is made from "
           "condor_history's JSON here, which debug output would break", "Remove it.",
           where="client"),
    _HELP, _LITE_ROLE, *_LITE_BASE,
)

FETCHLOG: tuple[Option, ...] = (
    _GROUP, _ROLE, _SERVER_Q, _jobid(("-J", "--job", "--jobid"), False, "pass"),
    Option("destdir", ("--dest-dir", "--unzipdir", "--destdir"),
           ("--dest-dir", "--unzipdir", "--destdir"), 1, P,
           "Unpack the logs into DIR (created) instead of keeping the archive.",
           where="client", metavar="DIR"),
    Option("archive_format", ("--archive-format",), ("--archive-format",), 1, E,
           "Archive type: tar (default) or zip.", "JC168",
           "zip is emulated: jobsub_lite 1.12 fetches only tar from its web service, so the "
           "drop-in asks for tar and repacks it into <jobid>.zip with Python's zipfile, "
           "entries <jobid>/<file>, where the legacy client wrote it (tar passes)",
           "Use the default tar (<jobid>.tgz), or --dest-dir DIR for the files themselves.",
           where="client", metavar="FORMAT", handler="archive_format"),
    Option("partial", ("--partial",), ("--partial",), 0, P,
           "Only the job's stdout/stderr, not the whole sandbox.", where="client"),
    Option("list", ("--list-sandboxes", "--list"), (), 0, E,
           "List your jobs' sandboxes (job id and creation date).", "JC166",
           "is not a jobsub_lite option; emulated from jobsub_q and jobsub_history",
           "Use jobsub_q/jobsub_history --user USER.", where="client", handler="whole_call"),
    Option("user", ("--user",), (), 1, E, "User whose sandboxes --list shows.", "JC166",
           "only chose the user of --list-sandboxes; jobsub_lite's fetchlog has no such option",
           "Use it only with --list.", where="client", metavar="USER", handler="fetchlog_user"),
    Option("timeout", ("--timeout",), (), 1, D, "Transfer timeout in seconds.", "JC167",
           "set the legacy client's transfer timeout; jobsub_lite has its own",
           "Remove it.", where="client", metavar="SECONDS", integer=True),
    Option("condor", (), ("--condor",), 0, P, "Fetch through condor instead of the web "
           "service.", where="lite"),
    _DEBUG, _HELP, _VERSION, *_LITE_BASE,
)

_NO_LITE = "has no jobsub_lite equivalent"
STATUS: tuple[Option, ...] = (
    _GROUP, _SERVER_Q, _DEBUG,
    Option("sites", ("--sites",), (), 0, RF, "List the sites valid for --site.", "JC170",
           _NO_LITE + " (jobsub_lite reads sites from the collector at submit time)",
           "Run condor_status -pool <collector> -af GLIDEIN_Site | sort -u, or ask your "
           "experiment's computing contact.", where="client"),
    _HELP, _VERSION,
)
PRIO: tuple[Option, ...] = (
    _GROUP, _ROLE, _SERVER_Q, _jobid(("--jobid",), True),
    Option("prio", ("--prio",), (), 1, E, "New priority (higher runs first).", "JC171",
           "is emulated: JobPrio is set on the job's schedd with the HTCondor bindings",
           "Use condor_prio -name SCHEDD -p N JOBID.", where="client", metavar="N",
           handler="whole_call"),
    Option("user", ("--user",), (), 1, RF, "Disabled in the legacy client.", "JC172",
           "was disabled in the legacy client", "Give --jobid.", where="client",
           metavar="USER"),
    _DEBUG, _HELP, _VERSION,
)
PRELOAD: tuple[Option, ...] = (
    _GROUP, _ROLE, _SERVER_Q, _BY_KEY["tarball_exclusion_file"], _BY_KEY["use_cvmfs_dropbox"],
    _BY_KEY["use_pnfs_dropbox"], _DEBUG, _HELP, _VERSION,
)
PROBE_URL: tuple[Option, ...] = (
    _GROUP, _SERVER_Q,
    Option("endpoint", ("--endpoint",), (), 1, RF, "REST endpoint of the legacy server.",
           "JC173", "named a REST endpoint of the legacy jobsub server, which is gone",
           "Use jobsub_q, jobsub_history or condor_q instead.", where="client",
           metavar="PATH"),
    Option("post_data", ("--post-data",), (), 1, RF, "Data to POST.", "JC173",
           "was sent to the legacy jobsub server, which is gone", "Remove it.",
           where="client", metavar="DATA"),
    Option("action", ("--action",), (), 1, RF, "HTTP action.", "JC173",
           "was sent to the legacy jobsub server, which is gone", "Remove it.",
           where="client", metavar="ACTION"),
    _DEBUG, _HELP, _VERSION,
)

TABLES: dict[str, tuple[Option, ...]] = {
    "jobsub_submit": SUBMIT,
    "jobsub_submit_dag": SUBMIT_DAG,
    "jobsub_q": Q,
    "jobsub_rm": _action_table("remove"),
    "jobsub_hold": _action_table("hold"),
    "jobsub_release": _action_table("release"),
    "jobsub_history": HISTORY,
    "jobsub_fetchlog": FETCHLOG,
    "jobsub_status": STATUS,
    "jobsub_prio": PRIO,
    "jobsub_preload": PRELOAD,
    "jobsub_probe_url": PROBE_URL,
}


def rows_for(command: str, group: str | None) -> list[Option]:
    """The rows in force for `command` when the submission's group is `group`.

    Group-specific legacy rows come last: for their own group they take over a spelling
    that a generic row also has (cdf's --dataset); other groups never see them.
    """
    rows = TABLES[command]
    return [r for r in rows if not r.groups] + [r for r in rows if group in r.groups]


def code_of(command: str, key: str) -> str:
    """The code of `command`'s row `key`: what the code raising or warning about that
    option uses, so that the row stays the code's one home."""
    for row in TABLES[command]:
        if row.key == key and row.code:
            return row.code
    raise KeyError(f"{command} has no row {key!r} with a code")
