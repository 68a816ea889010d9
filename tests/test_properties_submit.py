"""End-to-end properties of jobsub_submit's translate(): the quoting contract, robustness,
and that every translated line is accepted by jobsub_lite 1.12's parser (our model of it).

The contract: the words jobsub_lite's parser reads (after its own quote layer,
lite.escape_layer) are exactly the words the legacy server read (legacy.resplit: the
caller's words joined with single spaces and re-split with shlex). The one exception is
JC213: a script argument that jobsub_lite's argparse would reject even after the
executable (an ambiguous abbreviation of one of its options) reaches it double-quoted,
for the job's bash command line to unquote.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shlex
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jobsub_compat import classads, legacy, lite, options
from jobsub_compat.commands import submit
from jobsub_compat.dropin import run
from jobsub_compat.plan import Plan
from tests.conftest import DOUBLE_BIN

EXE = "file:///x.sh"
ENV: dict[str, str] = {"HOME": "/home/alice", "USER": "alice"}

SETTINGS = settings(max_examples=200, deadline=None)


def lite_reads(plan: Plan) -> argparse.Namespace:
    """What jobsub_lite 1.12 makes of the plan's backend argv (AssertionError if it exits)."""
    words = [lite.escape_layer(word) for word in plan.backend_argv[1:]]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            return lite.submit_parser().parse_args(words)
        except SystemExit as exc:
            last = (err.getvalue().strip().splitlines() or [""])[-1]
            raise AssertionError(f"jobsub_lite exits {exc.code} on {plan.backend_argv!r}: "
                                 f"{last}") from None


def legacy_arguments(argv: list[str]) -> list[str]:
    """The script arguments the legacy server gave the job: its words after the exe."""
    words, _ = legacy.resplit(argv)
    return words[words.index(EXE) + 1:]


# --- the quoting contract: script arguments ------------------------------------------

OPTION_LOOKING = st.sampled_from([
    "-1", "-N10", "-G", "gm2", "--memory", "3GB", "--verbose", "-v", "--lines=''", "-f",
    "--", "--mail", "--=x", "-", "--help", "-h", "--version", "file:///y.sh", "-c",
])
QUOTING = st.sampled_from([
    "'", '"', "\\", "''", '""', "\\'", '\\"', "'a b'", '"a b"', "a\\ b", " lead", "trail ",
    "a b", "\\\\", "'x'y", "#", "$HOME", "\n", "\t", "*",
])
ARG = st.one_of(st.text(), st.text(alphabet="'\"\\ \n-ab=", max_size=8), OPTION_LOOKING,
                QUOTING)


LITE_LONG = {"--help", "--version"} | {s for row in options.SUBMIT for s in row.lite
                                        if s.startswith("--")}


def ambiguous_for_lite(word: str) -> bool:
    """Would jobsub_lite's argparse stop at `word` even after the executable? On EL9's
    Python 3.9 a prefix of two option strings is ambiguous, even of one option's two."""
    name = word.partition("=")[0]
    if not name.startswith("--") or word == "--":
        return False
    return name not in LITE_LONG and sum(s.startswith(name) for s in LITE_LONG) > 1


def check_arguments(plan: Plan, argv: list[str]) -> None:
    """The job gets the legacy words: jobsub_lite's parser reads each of them unchanged,
    except that a word it would reject (an ambiguous abbreviation of one of its options,
    before any `--`) gets an empty pair of single quotes in front, with a JC213 warning,
    which the job's bash command line removes (HTCondor's old arguments syntax keeps
    them)."""
    want = legacy_arguments(argv)
    dashes = want.index("--") if "--" in want else len(want)
    protect = [k < dashes and ambiguous_for_lite(a) for k, a in enumerate(want)]
    rejected = [a for a, p in zip(want, protect) if p]
    assert plan.error is None, plan.error
    got = lite_reads(plan).exe_arguments
    expected = [f"''{a}" if p else a for a, p in zip(want, protect)]
    assert got == expected
    assert ("JC213" in {w.code for w in plan.warnings}) == bool(rejected or want[:1] == ["--"])
    for a in rejected:  # the job's bash reads it as unprotected (fails alike when unbalanced)
        assert bash_words(f"''{a}") == bash_words(a)


def bash_words(line: str) -> list[str] | str:
    try:
        return shlex.split(line)
    except ValueError as exc:  # an unbalanced quote
        return str(exc)


@SETTINGS
@given(st.lists(ARG, max_size=6))
@example(["a", "-1"])
@example(["'a b'", "\\'", "\" c\""])
@example(["--mail", "--", "--mail"])
@example(['--="'])
def test_script_arguments_reach_the_job_as_legacy_words(args: list[str]) -> None:
    argv = ["-G", "gm2", EXE, *args]
    try:
        shlex.split(" ".join(argv))
    except ValueError:
        pass  # unbalanced quotes: the legacy server kept the words (resplit knows)
    check_arguments(submit.translate(argv, ENV), argv)


@pytest.mark.parametrize(("args", "lite_reads_them_as"), [
    pytest.param(["a", "-1"], ["a", "-1"], id="negative-number"),
    pytest.param(["--memory", "3GB"], ["--memory", "3GB"], id="option-looking"),
    pytest.param([" lead"], ["lead"], id="leading-space-is-split-away"),
    pytest.param(["'a b'", "c"], ["a b", "c"], id="quoted-space"),
    pytest.param(["\\'"], ["'"], id="escaped-quote"),
    pytest.param(["--lines=''"], ["--lines="], id="empty-quotes"),
    pytest.param(["-G", "nova"], ["-G", "nova"], id="group-after-exe"),
    pytest.param(["--"], ["--"], id="double-dash-first"),
    pytest.param(["--", "a"], ["--", "a"], id="double-dash-then-word"),
    pytest.param(["a", "--"], ["a", "--"], id="double-dash-later"),
    pytest.param(["--mail"], ["''--mail"], id="ambiguous-lite-prefix"),
    pytest.param(["x", "--=y"], ["x", "''--=y"], id="ambiguous-empty-prefix"),
    pytest.param(["--", "--mail"], ["--", "--mail"], id="ambiguous-after-double-dash"),
    pytest.param(["--mail_al"], ["--mail_al"], id="unique-lite-prefix"),
    pytest.param(["--log"], ["''--log"], id="prefix-of-two-spellings-of-one-option"),
    pytest.param(["--nosuch"], ["--nosuch"], id="unknown-long"),
])
def test_script_argument_table(args: list[str], lite_reads_them_as: list[str]) -> None:
    argv = ["-G", "gm2", EXE, *args]
    plan = submit.translate(argv, ENV)
    assert plan.error is None, plan.error
    assert lite_reads(plan).exe_arguments == lite_reads_them_as
    check_arguments(plan, argv)


def test_ambiguous_argument_with_shell_characters_is_protected() -> None:
    plan = submit.translate(["-G", "gm2", EXE, "--mail=$HOME"], ENV)
    check_arguments(plan, ["-G", "gm2", EXE, "--mail=$HOME"])


# --- the quoting contract: --lines and -c values -------------------------------------

PIECE = st.sampled_from([
    "+A", "+CAT", "B", "=", "==", " ", "  ", '"', '\\"', "'", "\\'", "\\", "v", "1", "(", ")",
    "TARGET.Site", "isnt", "&&", ",", "a,b", "True", '"X86_64"', "\\ ", "x y", " - ", "#",
    "\t",
])
CLASSAD_VALUE = st.sampled_from([
    '"v"', '"a b"', '"x, y z"', "1", "True", '"a,b"', '\\"v\\"', "'\"v\"'", '"X86_64"',
    "(1 + 2)", '"a\\ b"', '"it\'s"',
])
CLASSAD_LINE = st.builds(lambda name, value: f"{name}={value}",
                         st.sampled_from(["+A", "+JobsubClientPython", "B", "+CAT"]),
                         CLASSAD_VALUE)
CLASSAD_EXPR = st.builds(lambda fmt, left, op, right: fmt.format(left, op, right),
                         st.sampled_from(["({} {} {})", "{}{}{}", "({}{}{})"]),
                         st.sampled_from(["TARGET.Arch", "TARGET.Site", "my.x"]),
                         st.sampled_from(["==", "=?=", "!=", "=!="]), CLASSAD_VALUE)


def wrapped(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """The text as a caller might have quoted it, for the shell or for the legacy server."""
    return st.one_of(text, text.map(lambda t: f"'{t}'"), text.map(shlex.quote))


LINE_VALUE = st.one_of(wrapped(CLASSAD_LINE), st.lists(PIECE, min_size=1, max_size=8).map("".join))
EXPR_VALUE = st.one_of(wrapped(CLASSAD_EXPR), st.lists(PIECE, min_size=1, max_size=8).map("".join))


def split_words(text: str, cuts: list[int]) -> list[str]:
    """`text` cut at spaces into several raw words, as `$VAR` unquoted in a script did."""
    parts = text.split(" ")
    out: list[str] = []
    for i, part in enumerate(parts):
        if out and i in cuts:
            out.append(part)
        elif out:
            out[-1] += " " + part
        else:
            out.append(part)
    return out


def check_value(argv: list[str], value_at: int, key: str, prefix: str) -> None:
    """The value jobsub_lite reads is the legacy word, or as written with JC205."""
    words, _ = legacy.resplit(argv)
    shape = ["-G", "gm2", "-c", "V", EXE] if prefix == "-c" else ["-G", "gm2", "L", EXE]
    if len(words) != len(shape) or words[:2] != ["-G", "gm2"] or words[-1] != EXE \
            or not words[2].startswith(prefix):
        return  # the value did not stay one legacy word: not this property's business
    plan = submit.translate(argv, ENV)
    legacy_value = words[3] if prefix == "-c" else words[2][len(prefix):]
    if prefix == "-c" and legacy_value.startswith("-"):
        return  # a value that looks like an option: refused or passed, tested elsewhere
    codes = {w.code for w in plan.warnings}
    if key == "lines" and (plan.error or "JC207" in codes):
        # jobsub_lite's own --lines check refuses the value the job would get: refused
        # with the fix, or dropped when the legacy submit file made nothing of it
        assert "JC207" in (plan.error or "") or "JC207" in codes
        assert not classads.lite_accepts_line(legacy_value) or "JC205" in str(plan.warnings)
        return
    assert plan.error is None, plan.error
    got = getattr(lite_reads(plan), key)
    if "JC205" in codes:
        literal = " ".join(w for w in argv[value_at:-1] if w)  # empty words are ignored
        literal = literal[len(prefix):] if prefix != "-c" else literal
        assert got == [literal], plan.warnings
    else:
        assert got == [legacy_value], plan.warnings


@SETTINGS
@given(LINE_VALUE, st.lists(st.integers(1, 6), max_size=2))
@example('+A="a b"', [])
@example("'+A=\"v\"'", [])
@example('+A=\\"v\\"', [])
@example("''", [])
@example("'+A=\"x y\"'", [1])
def test_lines_value_is_the_legacy_reading(value: str, cuts: list[int]) -> None:
    raw = split_words(f"--lines={value}", cuts)
    check_value(["-G", "gm2", *raw, EXE], 2, "lines", "--lines=")


@SETTINGS
@given(EXPR_VALUE, st.lists(st.integers(1, 6), max_size=2))
@example('(TARGET.Arch == "X86_64")', [])
@example("'(TARGET.Arch == \"X86_64\")'", [1, 2])
@example('(TARGET.Site\\ isnt\\ \\"X\\")', [])
def test_requirement_value_is_the_legacy_reading(value: str, cuts: list[int]) -> None:
    raw = split_words(value, cuts)
    check_value(["-G", "gm2", "-c", *raw, EXE], 3, "append_condor_requirements", "-c")


@pytest.mark.parametrize(("argv", "key", "expected"), [
    pytest.param(["--append_condor_requirements='(TARGET.Arch", "==", "\"X86_64\")'"],
                 "append_condor_requirements", ['(TARGET.Arch == "X86_64")'],
                 id="requirement-over-three-words"),
    pytest.param(["--lines=''"], "lines", [""], id="empty-lines"),
    pytest.param(["--lines=+A=\\\"v\\\""], "lines", ['+A="v"'], id="escaped-quotes"),
    pytest.param(["-c", "-1"], "append_condor_requirements", ["-1"], id="value-with-dash"),
    pytest.param(["-c  ", "*2"], "append_condor_requirements", ["*2"],
                 id="option-word-with-trailing-spaces"),
])
def test_value_table(argv: list[str], key: str, expected: list[str]) -> None:
    plan = submit.translate(["-G", "gm2", *argv, EXE], ENV)
    assert plan.error is None, plan.error
    assert getattr(lite_reads(plan), key) == expected


def test_literal_reading_reaches_lite_as_written() -> None:
    pytest.importorskip("classad2")
    plan = submit.translate(["-G", "gm2", "-l", '+A="a b"', EXE], ENV)
    assert "JC205" in {w.code for w in plan.warnings}
    assert lite_reads(plan).lines == ['+A="a b"']


# --- robustness ----------------------------------------------------------------------

SMALL_ENV = st.sampled_from([
    {}, {"JOBSUB_GROUP": "nova"}, {"GROUP": "minerva", "JOBSUB_SERVER": "https://x:8443"},
    {"JOBSUB_GROUP": "gm2", "HOME": "/home/alice"},
])
LEGACY_WORD = st.sampled_from([
    "-G", "gm2", "minerva", "minos", "cdf", "-M", "-q", "-N", "10", "-N10", "-dOUT", "-d",
    "-O", "-cpu=2", "--mail", "--expected", "--verbose", "-v", "2", "-f", EXE, "-c", "-l",
    "--lines=''", "--json-config=/nonexistent/x.json", "--show-parsing", "--help",
    "--version", "-x", "--jobid-output-only", "--debug", "--", "-", "", " ", "'", '"', "\\",
    "-e", "NOPE", "--override", "--blacklist=A", "--drain", "--dag", "-n",
])
ANY_ARGV = st.lists(st.one_of(st.text(), LEGACY_WORD), max_size=10)


def check_plan(plan: Plan) -> None:
    if plan.error is not None:  # 2 only for optparse's own errors (legacy client)
        assert plan.exit_code in (1, 2)
        assert "\n" not in plan.error, f"error is not one line: {plan.error!r}"
        assert plan.error.strip()
    else:
        assert plan.exit_code == 0
    for warning in plan.warnings:
        assert "\n" not in warning.message, f"warning is not one line: {warning.message!r}"
        assert warning.code.startswith("JC"), warning


@SETTINGS
@given(ANY_ARGV, SMALL_ENV)
@example(["-G", "gm2", "'a\nb'", EXE], {})
def test_translate_never_raises(argv: list[str], environ: Mapping[str, str]) -> None:
    check_plan(submit.translate(argv, environ))


@pytest.mark.parametrize("argv", [
    pytest.param(["-G", "gm2", "'a\nb'", EXE], id="newline-in-stray-word"),
    pytest.param(["-G", "gm2", "'--no\nsuch'", EXE], id="newline-in-unknown-option"),
    pytest.param(["-G", "gm2", "'-cpu=\n'", EXE], id="newline-in-ambiguous-option"),
    pytest.param(["-G", "gm2", "-M=x", EXE], id="flag-with-value"),
    pytest.param(["-G", "gm2", "--json-config=/nonexistent/x.json", EXE], id="json-missing"),
    pytest.param(["-G", "gm2", "--override", "a", "b", EXE], id="refused-option"),
    pytest.param([EXE], id="no-group"),
])
def test_translate_errors_are_one_line(argv: list[str]) -> None:
    plan = submit.translate(argv, {})
    assert plan.error is not None
    check_plan(plan)


@pytest.fixture(scope="module")
def dry_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home: Path = tmp_path_factory.mktemp("dry")
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "JOBSUB_COMPAT_SITE_CONFIG": str(home / "site.conf"),
        "JOBSUB_COMPAT_DRY_RUN": "1",
        "JOBSUB_COMPAT_BACKEND": str(DOUBLE_BIN),
    }


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=ANY_ARGV, environ=SMALL_ENV)
def test_main_dry_run_returns_a_status(argv: list[str], environ: Mapping[str, str],
                                       dry_env: dict[str, str],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    env = {**dry_env, **environ}
    status = run("jobsub_submit", argv, env)
    out = capsys.readouterr().out
    assert status in (0, 1, 2)
    assert status == submit.translate(argv, env).exit_code
    assert out.startswith("command: jobsub_submit\n")
    assert ("\nerror: " in out) == (status != 0)


# --- every translated line is accepted by jobsub_lite --------------------------------

CHUNKS = [
    ["-G", "gm2"], ["-M"], ["-q"], ["-Q"], ["-g"],
    ["--jobsub-server=https://fifebatch.fnal.gov:8443"],
    ["--jobsub-server", "https://fifebatch.fnal.gov:8443"], ["--role=Analysis"],
    ["--role", "Production"], ["-N", "10"], ["-N10"], ["--N", "5"], ["--memory=2000MB"],
    ["--memory", "2000"], ["--disk", "10GB"], ["--disk=100"], ["--expected-lifetime=3600"],
    ["--expected_lifetime", "8h"], ["--expected", "3h"], ["--OS=SL7"],
    ["--resource-provides=usage_model=offsite,DEDICATED"],
    ["--resource-provides", "usage_model=OPPORTUNISTIC"], ["-l", "+A=1"], ["--lines=''"],
    ["--lines=+B=\"v\""], ["-l", "'+C=\"x y\"'"], ["--lines=+F=\\\"q\\\""], ["-l=+E=2"],
    ["--lines", "+D=-1"], ["-e", "FOO=bar"], ["-e", "HOME"], ["-e", "UNSET_VARIABLE_X"],
    ["-e", "'Y=a b'"], ["-dOUT", "/pnfs/x"], ["-d", "LOG", "/pnfs/y"], ["--verbose"], ["-v"],
    ["--verbose", "2"], ["--verbose=3"], ["--debug"], ["--tar_file_name", "dropbox:///a.tgz"],
    ["--tar_file_name=tardir:///d"], ["-f", "/pnfs/in"], ["-f", "file:///in"],
    ["-f", "dropbox:///in"], ["-c", "(TARGET.Arch == \"X86_64\")"],
    ["--append_condor_requirements='(TARGET.Arch", "==", "\"X86_64\")'"],
    ["-append_condor_requirements=True"], ["-c", "'a b'"], ["--blacklist=SiteA"],
    ["--site", "SiteB"], ["--timeout=30"], ["--timeout", "2h"], ["--cpu", "2"], ["--cpu=4"],
    ["--mail_on"], ["--mail_always"], ["--mail-never"], ["--drain"], ["--use_gftp"],
    ["--compress_log"], ["--no_log_buffer"], ["-L", "/tmp/log"], ["--log_file=/tmp/l"],
    ["--email-to=a@b"], ["--email-to", "-x@y"], ["-n"], ["--no_submit"],
    ["--schedd", "jobsub01"], ["-x", "/tmp/x509"], ["--singularity-image", "/cvmfs/img"],
    ["--subgroup", "prod"], ["--subgroup=-neg"], ["--dataset_definition", "def"],
    ["--project_name", "p"], ["-C"], ["--nowrapfile"], ["--maxConcurrent", "3"],
    ["--generate-email-summary"], ["--dag"], ["--jobid-output-only"], ["--onsite"],
    ["--gpu", "1"], ["--need-scope", "x"], ["--use-cvmfs-dropbox"],
    ["--tarball-exclusion-file", "/tmp/ex"], ["--dropbox-server", "x"], ["-i", "/rel"],
    ["-t", "/t"], ["-r", "v1"], ["--cmtconfig", "x"], ["--auth-methods=token"],
    ["--memory", "1.5GB"], ["--blocklist", "S"], ["--group=gm2"],
]
SCRIPT_ARG = st.one_of(
    st.text().filter(lambda t: not t.lstrip().startswith("-")),
    st.sampled_from(["-1", "--memory", "3GB", "a b", "'", "\\", '"x y"', "-G", "--verbose",
                     "-N10", " lead"]),
)


@SETTINGS
@given(st.sampled_from(["gm2", "minerva", "nova", "minos"]),
       st.lists(st.sampled_from(CHUNKS), max_size=8), st.lists(SCRIPT_ARG, max_size=4),
       st.sampled_from([{}, {"JOBSUB_SERVER": "https://x:8443"}]))
@example("gm2", [["-M"], ["--jobsub-server=https://fifebatch.fnal.gov:8443"], ["-N", "10"],
                 ["--lines=''"], ["--append_condor_requirements='(TARGET.Arch", "==",
                                  "\"X86_64\")'"], ["-e", "FOO=bar"]],
         ["--fcl", "run.fcl", "-1"], {})
def test_translation_is_accepted_by_jobsub_lite(group: str, chunks: list[list[str]],
                                                args: list[str],
                                                extra: dict[str, str]) -> None:
    argv = ["-G", group, *(word for chunk in chunks for word in chunk), EXE, *args]
    plan = submit.translate(argv, {**ENV, **extra})
    if plan.error is not None or plan.action != "run":
        return
    got = lite_reads(plan)
    assert got.executable == EXE
    assert got.group == plan.details["group"]  # the last -G/--group (the legacy client's)
