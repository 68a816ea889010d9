"""Legacy jobsub_submit lines and the jobsub_lite lines they become (Plans, no process)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from jobsub_compat import lite
from jobsub_compat.commands import common, submit

ENV = {"USER": "alice", "PATH": "/usr/bin"}


def lite_line(line: str, env: dict[str, str] | None = None, version: str | None = "1.12"
              ) -> list[str]:
    plan = submit.translate(shlex.split(line), {**ENV, **(env or {})}, version)
    assert plan.error is None, plan.error
    return plan.backend_argv[1:]


def codes(line: str, env: dict[str, str] | None = None, version: str | None = "1.12"
          ) -> list[str]:
    plan = submit.translate(shlex.split(line), {**ENV, **(env or {})}, version)
    return [w.code for w in plan.warnings]


NOOP = [
    pytest.param("-G gm2 file:///x.sh", id="minimal"),
    pytest.param("-G gm2 --mail_always -N 10 --memory=2000MB --disk=10GB --cpu=1 "
                 "--expected-lifetime=3h file:///x.sh a b", id="typical"),
    pytest.param("--group=gm2 --role=Production -Q --OS=EL9 file:///x.sh", id="eq-forms"),
    pytest.param("-G gm2 -N10 -f /pnfs/a -f dropbox:///b -d OUT /pnfs/out file://rel.sh",
                 id="glued-N-and-files"),
    pytest.param("-G gm2 --resource-provides=usage_model=DEDICATED,OPPORTUNISTIC,OFFSITE "
                 "--blocklist=SiteA --site=SiteB file:///x.sh", id="sites"),
    pytest.param("-G gm2 -l +FERMIHTC_AutoRelease=True -l +FERMIHTC_GraceMemory=1024 "
                 "-c (TARGET.HAS_Singularity==true) file:///x.sh", id="lines-requirements"),
    pytest.param("-G gm2 --singularity-image=/cvmfs/x --need-storage-modify=/gm2/scratch "
                 "--auth-methods=token --verbose 2 file:///x.sh", id="already-migrated"),
    pytest.param("-G gm2 --tar_file_name dropbox:///code.tgz --use-cvmfs-dropbox file:///x.sh",
                 id="tarball"),
    pytest.param("-G gm2 file:///x.sh --group nova -N 5 -d --memory 3GB -1",
                 id="script-args-look-like-options"),
    pytest.param("-G gm2 --expected 3h file:///x.sh", id="abbreviation-lite-reads-same"),
    pytest.param("-G gm2 -e FOO=bar -e FOO=bar -e EMPTY= file:///x.sh", id="env-pairs"),
    pytest.param("-G gm2 -n file:///x.sh", id="dry-run"),
    pytest.param("-G gm2 --tar-file-name dropbox:///a.tgz --tar_file_name dropbox:///b.tgz "
                 "file:///x.sh", id="two-tarballs-in-jobsub_lite-spelling"),
]


@pytest.mark.parametrize("line", NOOP)
def test_noop(line: str) -> None:
    assert lite_line(line) == shlex.split(line)
    assert codes(line) == []


FIXES = [
    pytest.param("-G gm2 -M file:///x.sh", "-G gm2 --mail_always file:///x.sh", id="M"),
    pytest.param("-G gm2 -q file:///x.sh", "-G gm2 --mail_on_error file:///x.sh", id="q"),
    pytest.param("-G gm2 --jobsub-server=https://fifebatch.fnal.gov:8443 file:///x.sh",
                 "-G gm2 file:///x.sh", id="jobsub-server"),
    pytest.param("-G gm2 --jobsub_server https://fifebatch.fnal.gov file:///x.sh",
                 "-G gm2 file:///x.sh", id="jobsub_server-underscore"),
    pytest.param("-G gm2 --dropbox-server x -g --grid file:///x.sh", "-G gm2 file:///x.sh",
                 id="dropbox-server-grid"),
    pytest.param("-G gm2 --dag file:///x.sh", "-G gm2 file:///x.sh", id="dag-ignored"),
    pytest.param("-G gm2 -v file:///x.sh", "-G gm2 --verbose 1 file:///x.sh", id="v"),
    pytest.param("-G gm2 --verbose file:///x.sh", "-G gm2 --verbose 1 file:///x.sh",
                 id="bare-verbose"),
    pytest.param("-G gm2 --expected-lifetime=3600 --timeout 600 file:///x.sh",
                 "-G gm2 --expected-lifetime=3600s --timeout 600s file:///x.sh",
                 id="bare-seconds"),
    pytest.param("-G gm2 --expected_lifetime=8h file:///x.sh",
                 "-G gm2 --expected-lifetime=8h file:///x.sh", id="expected_lifetime"),
    pytest.param("-G gm2 --memory 2000 --disk=25000 file:///x.sh",
                 "-G gm2 --memory 2000MB --disk=25000KB file:///x.sh", id="units"),
    pytest.param("-G gm2 --tar_file_name dropbox:///a.tgz --tar_file_name dropbox:///b.tgz "
                 "file:///x.sh", "-G gm2 --tar_file_name dropbox:///b.tgz file:///x.sh",
                 id="tar-last-wins"),
    pytest.param("-G gm2 --blacklist=SiteA file:///x.sh", "-G gm2 --blocklist=SiteA file:///x.sh",
                 id="blacklist"),
    pytest.param("-G gm2 --use-pnfs-dropbox --use-cvmfs-dropbox file:///x.sh",
                 "-G gm2 --use-cvmfs-dropbox file:///x.sh", id="two-dropboxes-cvmfs-wins"),
    pytest.param("-G gm2 -dOUT /pnfs/out file:///x.sh", "-G gm2 -d OUT /pnfs/out file:///x.sh",
                 id="glued-d"),
    pytest.param("-G gm2 --N 10 file:///x.sh", "-G gm2 -N 10 file:///x.sh", id="two-dash-N"),
    pytest.param("-G gm2 -append_condor_requirements=(a==b) file:///x.sh",
                 "-G gm2 --append_condor_requirements=(a==b) file:///x.sh", id="one-dash-long"),
    pytest.param("-G gm2 --resource-provides=usage_model=offsite,dedicated file:///x.sh",
                 "-G gm2 --resource-provides=usage_model=OFFSITE,DEDICATED file:///x.sh",
                 id="usage-model-case"),
    pytest.param("-G gm2 --drain file:///x.sh", "-G gm2 --lines=+Drain=True file:///x.sh",
                 id="drain"),
    pytest.param("-G gm2 --schedd jobsub01.fnal.gov file:///x.sh",
                 "-G gm2 --schedd-for-testing jobsub01.fnal.gov file:///x.sh", id="schedd"),
    pytest.param("-G gm2 -C --nowrapfile --use_gftp --compress_log --no_log_buffer "
                 "file:///x.sh", "-G gm2 file:///x.sh", id="dropped-legacy-flags"),
    pytest.param("-G gm2 --jobid-output-only file:///x.sh", "-G gm2 file:///x.sh",
                 id="jobid-output-only"),
    pytest.param("-G gm2 '--site SiteB' file:///x.sh", "-G gm2 --site SiteB file:///x.sh",
                 id="word-with-space"),
    pytest.param("-G gm2 '' --site '' SiteB file:///x.sh", "-G gm2 --site SiteB file:///x.sh",
                 id="empty-words-vanish"),
]


@pytest.mark.parametrize(("line", "expected"), FIXES)
def test_fixes(line: str, expected: str) -> None:
    env = {"HOME": "/home/alice"}
    assert lite_line(line, env) == shlex.split(expected)
    assert codes(line, env), "every rewrite has a warning"


def test_empty_raw_words_vanish() -> None:
    assert submit.translate(["-G", "gm2", "", "file:///x.sh", ""], ENV).backend_argv[1:] == [
        "-G", "gm2", "file:///x.sh"]


def test_g2_submit_line_means_what_legacy_made_of_it() -> None:
    """The g-2 shape: a command string word-split by bash, with literal quotes."""
    cmd = ("jobsub_submit -G gm2 -M --jobsub-server=https://fifebatch.fnal.gov:8443 "
           "-N 10 --memory=2GB --disk=10GB --expected-lifetime=8h "
           "--resource-provides=usage_model=DEDICATED,OPPORTUNISTIC,OFFSITE "
           "--lines='' --append_condor_requirements='(TARGET.Arch == \"X86_64\")' "
           "-e SAM_DATASET=gm2_run1 -e EMPTY= -e EMPTY= "
           "-f dropbox:///gm2/app/users/alice/job.fcl "
           "file:///gm2/app/users/alice/run.sh")
    argv = cmd.split()[1:]  # bash word-splits $CMD; quotes stay literal
    argv += [" --group", "gm2", "outdir", "10", "-1"]  # a leading-space argument
    plan = submit.translate(argv, ENV)
    assert plan.error is None
    words = [lite.escape_layer(x) for x in plan.backend_argv[1:]]
    args = lite.submit_parser().parse_args(words)
    assert args.mail == "always"
    assert args.append_condor_requirements == ['(TARGET.Arch == "X86_64")']
    assert args.lines == [""]
    assert args.environment == ["SAM_DATASET=gm2_run1", "EMPTY=", "EMPTY="]
    assert args.executable == "file:///gm2/app/users/alice/run.sh"
    assert args.exe_arguments == ["--group", "gm2", "outdir", "10", "-1"]
    assert {"JC104", "JC101", "JC210"} <= {w.code for w in plan.warnings}


def test_literal_reading_wins_when_only_it_is_classad() -> None:
    pytest.importorskip("classad2")
    plan = submit.translate(
        ["-G", "gm2", "-l", '+SingularityImage="/cvmfs/x/fnal-wn-el9:latest"', "file:///x.sh"],
        ENV)
    assert plan.backend_argv[4] == '+SingularityImage="/cvmfs/x/fnal-wn-el9:latest"'
    assert [w.code for w in plan.warnings] == ["JC205"]


def test_legacy_reading_kept_when_valid() -> None:
    pytest.importorskip("classad2")
    plan = submit.translate(["-G", "gm2", "-l", '+Tag="calib"', "file:///x.sh"], ENV)
    assert plan.backend_argv[4] == "+Tag=calib"  # what the legacy server wrote
    assert "JC205" not in [w.code for w in plan.warnings]


def test_escaped_quotes_reach_lite_as_legacy_read_them() -> None:
    plan = submit.translate(["-G", "gm2", r"--lines=+Tag=\"calib\"", "file:///x.sh"], ENV)
    word = plan.backend_argv[3]
    assert lite.escape_layer(word) == '--lines=+Tag="calib"'


def test_requirements_joined_before_lite_1_4() -> None:
    line = "-G gm2 -c (a==1) -c (b==2) file:///x.sh"
    assert lite_line(line, version="1.3.7") == shlex.split(
        "-G gm2 '--append_condor_requirements=((a==1)) && ((b==2))' file:///x.sh")
    assert "JC209" in codes(line, version="1.3.7")
    assert lite_line(line, version="1.12") == shlex.split(line)


def test_blacklist_kept_before_lite_1_4() -> None:
    assert lite_line("-G gm2 --blacklist=A file:///x.sh", version="1.3") == [
        "-G", "gm2", "--blacklist=A", "file:///x.sh"]


def test_retired_os_and_image_warn() -> None:
    assert codes("-G gm2 --OS=SL7 file:///x.sh") == ["JC115"]
    assert codes("-G gm2 -l +SingularityImage=\\\"/cvmfs/fnal-wn-sl7:latest\\\" "
                 "file:///x.sh") == ["JC119", "JC205"]


REFUSED = [
    pytest.param("-G gm2 --overwrite_condor_requirements=(a) file:///x.sh", "JC118",
                 id="overwrite"),
    pytest.param("-G gm2 --override KEY VALUE file:///x.sh", "JC128", id="override"),
    pytest.param("-G minerva -y /enstore/x file:///x.sh", "JC132", id="minerva-y"),
    pytest.param("-G minerva -O file:///x.sh", "JC133", id="minerva-O"),
    pytest.param("-G minos -O opt file:///x.sh", "JC133", id="minos-O"),
    pytest.param("-G cdf --dataset x file:///x.sh", "JC135", id="cdf-dataset"),
    pytest.param("-G gm2 --continue-on-failure file:///x.sh", "JC108", id="continue"),
]


@pytest.mark.parametrize(("line", "code"), REFUSED)
def test_refused(line: str, code: str) -> None:
    """Our refusals exit 1, as every line the legacy server refused did."""
    plan = submit.translate(shlex.split(line), ENV)
    assert plan.exit_code == 1
    assert plan.error is not None and plan.error.startswith(f"[{code}]")
    assert "\n" not in plan.error


# The legacy client exited 1 for every bad line (its own checks, or the server's refusal),
# 2 only for optparse's: a client option without its value (split_client_server_args).
ERRORS = [
    pytest.param("file:///x.sh", "no group", id="no-group"),
    pytest.param("-G gm2 --debug -N 3", "no executable", id="no-exe"),
    pytest.param("-G gm2 --mail file:///x.sh", "ambiguous", id="ambiguous-prefix"),
    pytest.param("-G gm2 --frobnicate file:///x.sh", "unknown option", id="unknown"),
    pytest.param("-G gm2 -cpu=2 file:///x.sh", "ambiguous", id="ambiguous-one-dash"),
    pytest.param("-G gm2 stray file:///x.sh", "unexpected word", id="stray-word"),
    pytest.param("-G gm2 -N file:///x.sh", "needs a value", id="missing-value"),
    pytest.param("-G gm2 -M=1 file:///x.sh", "takes no value", id="flag-with-value"),
    pytest.param("-G gm2 --jobid-output-only --debug file:///x.sh", "--debug",
                 id="jobid-only-with-debug"),
]


@pytest.mark.parametrize(("line", "fragment"), ERRORS)
def test_usage_errors(line: str, fragment: str) -> None:
    plan = submit.translate(shlex.split(line), ENV)
    assert plan.exit_code == 1
    assert plan.error is not None and fragment in plan.error and "\n" not in plan.error


@pytest.mark.parametrize("line", ["-G", "-G gm2 --role", "--jobsub-server"])
def test_a_client_option_without_its_value_is_optparses_exit_2(line: str) -> None:
    plan = submit.translate(shlex.split(line), ENV)
    assert plan.exit_code == 2 and plan.error and "requires an argument" in plan.error


def test_only_client_options_print_the_help() -> None:
    """client/jobsub_submit: no server words, no executable: help, exit 0."""
    plan = submit.translate(["-G", "gm2", "--debug"], {"PATH": "/usr/bin"})
    assert plan.action == "print" and plan.exit_code == 0 and "usage:" in plan.text


def test_the_last_group_wins_with_a_warning() -> None:
    plan = submit.translate(shlex.split("-G gm2 -G nova file:///x.sh"), ENV)
    assert plan.error is None and plan.details["group"] == "nova"
    assert [w.code for w in plan.warnings] == ["JC208"]


@pytest.mark.parametrize(("env", "state"), [
    pytest.param({}, "unset", id="unset"),
    pytest.param({"SETUP_FILE": ""}, "empty", id="empty"),
])
def test_environment_name_unset_or_empty_is_refused(env: dict[str, str], state: str) -> None:
    """lib/groupsettings/JobSettings.py checkSanity refused a `-e NAME` the server's
    environment lacked, and the client sent only non-empty values (jobsubClient.py
    get_server_env_exports `if val:`): unset and empty alike exit 1."""
    plan = submit.translate(shlex.split("-G gm2 -e HOME -e SETUP_FILE file:///x.sh"),
                            {**ENV, "HOME": "/home/a", **env})
    assert plan.exit_code == 1 and plan.error is not None
    assert plan.error.startswith("[JC302] you used -e SETUP_FILE, but $SETUP_FILE must be "
                                 "set first!")
    assert f"$SETUP_FILE is {state}" in plan.error and "-e SETUP_FILE=VALUE" in plan.error


def test_environment_name_set_or_with_value_passes() -> None:
    plan = submit.translate(shlex.split("-G gm2 -e HOME -e X=1 file:///x.sh"),
                            {**ENV, "HOME": "/home/a"})
    assert plan.error is None and plan.backend_argv[1:] == shlex.split(
        "-G gm2 -e HOME -e X=1 file:///x.sh")


def test_group_from_environment() -> None:
    assert submit.translate(["file:///x.sh"], {**ENV, "JOBSUB_GROUP": "gm2"}).error is None
    assert submit.translate(["file:///x.sh"], {**ENV, "GROUP": "gm2"}).error is None


def test_group_specific_arity_follows_the_environment_group() -> None:
    plan = submit.translate(["-O", "opt", "file:///x.sh"], {**ENV, "JOBSUB_GROUP": "minos"})
    assert plan.error is not None and plan.error.startswith("[JC133]")


def test_jobsub_server_variable_unset_for_backend() -> None:
    plan = submit.translate(["-G", "gm2", "file:///x.sh"], {**ENV, "JOBSUB_SERVER": "x"})
    assert plan.env == {"JOBSUB_SERVER": None}
    assert [w.code for w in plan.warnings] == ["JC301"]


def test_x509_option_becomes_environment() -> None:
    plan = submit.translate(["-G", "gm2", "-x", "/tmp/p", "file:///x.sh"], ENV)
    assert plan.env == {"X509_USER_PROXY": "/tmp/p"}
    assert plan.backend_argv[1:] == ["-G", "gm2", "file:///x.sh"]


def test_dag_flag_kept_for_dag_files(tmp_path: Path) -> None:
    dag = tmp_path / "x.dag"
    dag.write_text("<serial>\njobsub -n file://a.sh\n</serial>\n")
    plan = submit.translate(["-G", "gm2", "--dag", f"file://{dag}"], ENV)
    assert plan.backend_argv[1:] == ["-G", "gm2", "--dag", f"file://{dag}"]
    assert plan.warnings == []


def test_json_config_expanded(tmp_path: Path) -> None:
    config = tmp_path / "opts.json"
    config.write_text(json.dumps({"#": "comment", "-N": "5", "--mail_always": "True",
                                  "--mail_never": "False", "-l": ["+A=1", "+B=2"],
                                  "file:///x.sh": ["a", "b"]}))
    plan = submit.translate(["-G", "gm2", "--json-config", str(config)], ENV)
    assert plan.backend_argv[1:] == ["-G", "gm2", "-N", "5", "--mail_always", "-l", "+A=1",
                                     "-l", "+B=2", "file:///x.sh", "a", "b"]
    assert "JC105" in [w.code for w in plan.warnings]


@pytest.mark.parametrize("content", [
    pytest.param("{", id="bad-json"), pytest.param("[]", id="not-object")])
def test_json_config_errors(tmp_path: Path, content: str) -> None:
    config = tmp_path / "opts.json"
    config.write_text(content)
    plan = submit.translate(["-G", "gm2", f"--json-config={config}", "file:///x.sh"], ENV)
    assert plan.exit_code == 1 and plan.error and str(config) in plan.error


def test_json_config_missing_file() -> None:
    plan = submit.translate(["-G", "gm2", "--json-config", "/nonexistent.json",
                             "file:///x.sh"], ENV)
    assert plan.exit_code == 1 and plan.error and "/nonexistent.json" in plan.error


def test_help_and_version_and_show_parsing() -> None:
    assert submit.translate(["--help"], ENV).action == "print"
    assert "--mail_always" in common.help_text("jobsub_submit")
    assert submit.translate(["--version"], ENV).action == "version"
    plan = submit.translate(["-G", "gm2", "--show-parsing", "-N", "3", "file:///x.sh"], ENV)
    assert plan.action == "print" and "'-N'" in plan.text and plan.backend_argv == []


@pytest.mark.parametrize(("argv", "action"), [
    pytest.param(["-G", "gm2", "--hel", "file:///x.sh"], "print", id="help"),
    pytest.param(["-G", "gm2", "--vers", "file:///x.sh"], "version", id="version"),
    pytest.param(["-G", "gm2", "-N 2 --help", "file:///x.sh"], "print", id="help-re-split"),
])
def test_abbreviated_help_and_version_are_answered(argv: list[str], action: str) -> None:
    """optparse read --hel as --help: the legacy client answered and submitted nothing."""
    plan = submit.translate(argv, ENV)
    assert (plan.action, plan.error, plan.backend_argv) == (action, None, [])
    assert action == "version" or plan.text == common.help_text("jobsub_submit")


@pytest.mark.parametrize("argv", [
    pytest.param(["-G", "gm2", "--support-email"], id="alone"),
    pytest.param(["-G", "gm2", "--support-email", "file:///x.sh"], id="with-executable"),
])
def test_support_email_submits_nothing(argv: list[str]) -> None:
    """jobsub_lite prints its support address and submits nothing: no executable is
    needed, and its output carries no job id to wait for."""
    plan = submit.translate(argv, ENV)
    assert plan.error is None and not plan.expect_job_id
    assert plan.backend_argv[1:] == argv


def test_without_support_email_an_executable_is_needed() -> None:
    plan = submit.translate(["-G", "gm2", "--devserver"], ENV)
    assert plan.error == "no executable: give file://SCRIPT after the options"


def test_help_lists_every_row() -> None:
    text = common.help_text("jobsub_submit")
    for row in submit.options.SUBMIT:
        assert (row.legacy or row.lite)[0] in text


@pytest.mark.parametrize("argv, error", [
    pytest.param(["--lines='+A=1", "file:///x.sh", "b'"],
                 "the quote opened in '--lines='\"'\"'+A=1' closes only after "
                 "file:///x.sh: the legacy server read '--lines=+A=1 file:///x.sh b' as one "
                 "word, and no executable is left; close the quote in the word that opens it",
                 id="quote-swallows-it"),
    pytest.param(["-f", "", "file:///x.sh"],
                 "-f has an empty value: the legacy server dropped empty words, so -f took "
                 "file:///x.sh as its value and no executable was left; give -f a value or "
                 "remove it", id="empty-value"),
    pytest.param(["--lines", "\\", "file:///x.sh"],
                 "the word '\\' ends with a backslash, which escapes the space after it: the "
                 "legacy server joined it and file:///x.sh into one word (' file:///x.sh'), "
                 "and no executable is left; double the backslash or drop it",
                 id="trailing-backslash"),
    pytest.param(["file:///x y.sh"],
                 "the executable 'file:///x y.sh' holds a space: the legacy server re-split it "
                 "into 2 words (file:///x, y.sh) and ran file:///x; give the script a path "
                 "without spaces, quotes or backslashes", id="space-in-the-path"),
    pytest.param(["-l", "x file:///a", "file:///x.sh"],
                 "the legacy server's re-split made file:///a, an earlier word, the executable "
                 "instead of file:///x.sh; quote the word holding it so that it stays one",
                 id="an-earlier-file-word"),
    pytest.param(["-N", "file:///x.sh"], "-N needs a value (N)", id="option-without-value"),
])
def test_a_lost_executable_says_what_is_wrong(argv: list[str], error: str) -> None:
    """Not "unbalanced quotes" when none are: what the legacy server's re-split did."""
    plan = submit.translate(["-G", "gm2", *argv], ENV)
    assert (plan.exit_code, plan.error) == (1, error)


def test_quotes_inside_the_executable_are_taken_out_as_the_legacy_server_did() -> None:
    plan = submit.translate(["-G", "gm2", "file:///x'y'.sh"], ENV)
    assert plan.error is None and plan.backend_argv[-1] == "file:///xy.sh"


def test_unbalanced_quotes_keep_words_as_given() -> None:
    plan = submit.translate(["-G", "gm2", "file:///x.sh", "it's"], ENV)
    assert [lite.escape_layer(x) for x in plan.backend_argv[1:]] == [
        "-G", "gm2", "file:///x.sh", "it's"]


def test_no_heavy_import_on_a_plain_submit() -> None:
    """Every script call pays for the drop-in: htcondor, jwt, sh, configargparse and
    packaging stay unloaded unless a line needs them."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys; sys.path.insert(0, 'src')\n"
        "from jobsub_compat.commands import submit\n"
        "plan = submit.translate(['-G', 'gm2', '-M', '-N', '10', '-l', '+A=1', '-c', '(a==b)',"
        " 'file:///x.sh', '-1'], {'PATH': '/usr/bin'})\n"
        "assert plan.error is None, plan.error\n"
        "heavy = {'htcondor', 'htcondor2', 'classad', 'classad2', 'jwt', 'sh', "
        "'configargparse', 'packaging', 'argparse', 'asyncio'}\n"
        "print(sorted(heavy & set(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("args", "expected"), [
    pytest.param(["--"], ["--", "--"], id="first-double-dash"),
    pytest.param(["--mail"], ["''--mail"], id="ambiguous-abbreviation"),
    pytest.param(["--append=x"], ["''--append=x"], id="two-spellings-of-one-option"),
    pytest.param(["--mail", "--", "--mail"], ["''--mail", "--", "--mail"],
                 id="after-double-dash-is-positional"),
    pytest.param(["--mem", "--memory", "-N"], ["--mem", "--memory", "-N"], id="unambiguous"),
])
def test_script_arguments_jobsub_lite_would_eat(args: list[str], expected: list[str]) -> None:
    plan = submit.translate(["-G", "gm2", "file:///x.sh", *args], ENV)
    assert plan.backend_argv[4:] == expected
    assert ("JC213" in [w.code for w in plan.warnings]) == (args != expected)
    parsed = lite.submit_parser().parse_args([lite.escape_layer(w)
                                              for w in plan.backend_argv[1:]])
    # what the job's bash command line makes of jobsub_lite's exe_arguments
    assert shlex.split(" ".join(parsed.exe_arguments)) == args


def test_protected_argument_keeps_the_jobs_expansion() -> None:
    plan = submit.translate(["-G", "gm2", "file:///x.sh", "--mail=$HOME"], ENV)
    assert plan.error is None and plan.backend_argv[4:] == ["''--mail=$HOME"]


def test_abbreviation_matching_two_lite_spellings_is_spelled_out() -> None:
    plan = submit.translate(["-G", "gm2", "--append=(a)", "file:///x.sh"], ENV)
    assert plan.backend_argv[3] == "--append_condor_requirements=(a)"
    assert [w.code for w in plan.warnings] == ["JC204"]


def test_double_dash_value_is_refused() -> None:
    plan = submit.translate(["-G", "gm2", "--lines=--", "file:///x.sh"], ENV)
    assert plan.exit_code == 1 and plan.error and "drops a value" in plan.error


def test_plain_path_tarball_jobsub_lite_unpacks_passes(tmp_path: Path) -> None:
    import tarfile

    tarball = tmp_path / "code.tar.bz2"
    with tarfile.open(tarball, "w:bz2"):
        pass
    plan = submit.translate(["-G", "gm2", f"--tar_file_name={tarball}", "file:///x.sh"], ENV)
    assert plan.backend_argv[3] == f"--tar_file_name={tarball}" and not plan.warnings


@pytest.mark.parametrize("mode", ["w:gz", "w", "w:xz"])
def test_plain_path_tarball_jobsub_lite_would_not_unpack_is_shipped(tmp_path: Path,
                                                                    mode: str) -> None:
    import tarfile

    tarball = tmp_path / "code.tar"
    with tarfile.open(tarball, mode):
        pass
    plan = submit.translate(["-G", "gm2", f"--tar_file_name={tarball}", "file:///x.sh"], ENV)
    assert plan.backend_argv[3] == f"--tar_file_name=dropbox://{tarball}"
    assert [w.code for w in plan.warnings] == ["JC136"]


@pytest.mark.parametrize(("path", "refused"), [
    ("/pnfs/nowhere/code.tar.gz", True), ("/pnfs/nowhere/code.tbz2", False),
    ("/cvmfs/nowhere/code.tar.bz2", True)])
def test_plain_path_tarball_not_readable_here(path: str, refused: bool) -> None:
    plan = submit.translate(["-G", "gm2", f"--tar_file_name={path}", "file:///x.sh"], ENV)
    assert (plan.error is not None and "[JC136]" in plan.error) == refused


def test_lines_jobsub_lite_refuses_is_refused_or_dropped() -> None:
    plan = submit.translate(["-G", "gm2", "-l", "MyFlag==True", "file:///x.sh"], ENV)
    text = plan.error or " ".join(w.message for w in plan.warnings)
    assert "+MyFlag=True" in text and "classad.parseOne" in text
    assert plan.error is not None or not any("MyFlag" in a for a in plan.backend_argv)
