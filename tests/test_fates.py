"""fates.py: every row of every option table names a handler, and each handler does what
its row's fate says (a case that changes the line and one that leaves it alone)."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path
from typing import Any

import pytest

from jobsub_compat import fates, legacy, options
from jobsub_compat.options import Fate, Option
from jobsub_compat.plan import Plan
from jobsub_compat.warnings import UsageError

ROWS = [(command, row) for command, table in options.TABLES.items() for row in table]
EXE = "file:///bin/true"


@pytest.mark.parametrize(("command", "row"), [
    pytest.param(c, r, id=f"{c}-{r.key}") for c, r in ROWS if r.fate != Fate.PASS])
def test_every_non_pass_row_has_a_handler(command: str, row: Option) -> None:
    assert row.handler in fates.HANDLERS, (
        f"{command} {row.key} ({row.fate}) names no handler of fates.HANDLERS: give the row "
        "handler=NAME and define NAME in fates.py")
    if row.fate in (Fate.REWRITE, Fate.EMULATE):  # never the option written unchanged
        assert fates.HANDLERS[row.handler] is not fates.passed, (command, row.key)


def test_every_pass_row_has_a_handler() -> None:
    missing = [(c, r.key, r.handler) for c, r in ROWS if r.handler not in fates.HANDLERS]
    assert not missing


@pytest.mark.parametrize("fate", [Fate.REWRITE, Fate.EMULATE])
def test_a_rewrite_or_emulation_has_no_default_handler(fate: str) -> None:
    """A new row whose fate needs code of its own fails the test above until it names it."""
    row = Option("new", ("--new",), (), 1, fate, "A new option.", "JC999", "is new")
    assert row.handler not in fates.HANDLERS


@pytest.mark.parametrize(("fate", "handler"), [
    (Fate.PASS, "pass"), (Fate.RENAME, "rename"), (Fate.DROP, "drop"),
    (Fate.REFUSE, "refuse")])
def test_generic_fates_have_generic_handlers(fate: str, handler: str) -> None:
    assert Option("new", ("--new",), ("--new",), 0, fate, "m").handler == handler


def test_every_handler_serves_a_row() -> None:
    used = {r.handler for _, r in ROWS}
    assert set(fates.HANDLERS) <= used, sorted(set(fates.HANDLERS) - used)
    assert set(fates.EARLY) <= used


def apply(command: str, words: list[str], environ: dict[str, str] | None = None,
          lite_version: str | None = None) -> fates.Call:
    """Each row's handler applied to `words` (a jobsub_submit line gets an executable)."""
    grammar = legacy.Grammar(options.rows_for(command, "gm2"), command)
    raw: list[str] = []
    origin: list[tuple[int, ...]] = []
    if command.startswith("jobsub_submit"):  # the legacy server's re-split, as submit does
        raw = words + [EXE]
        resplit, origin = legacy.resplit(raw)
        parsed = legacy.parse(resplit, grammar)
    else:
        parsed = legacy.parse(words, grammar, passthrough=True)
    call = fates.Call(Plan(command), grammar, parsed, environ or {})
    call.raw, call.origin, call.lite_version = raw, origin, lite_version
    for item in parsed.items:
        fates.apply(call, item)
    for check in call.checks:
        check(call)
    return call


def codes(call: fates.Call) -> list[str]:
    return [w.code for w in call.plan.warnings]


def dag_file(tmp: Path) -> str:
    path = tmp / "x.dag"
    path.write_text("<serial>\njobsub file:///bin/true\n</serial>\n")
    return str(path)


def tarball(tmp: Path, kind: str) -> str:
    path = tmp / f"code.{kind}"
    path.write_bytes((bz2 if kind == "tbz2" else gzip).compress(b"x" * 10))
    return str(path)


# (handler, command, words, words written, warning codes, what else holds of the Call)
CASES: list[Any] = [
    ("pass", "jobsub_submit", ["-N", "3"], ["-N", "3"], [], None),
    ("rename", "jobsub_submit", ["-M"], ["--mail_always"], ["JC104"], None),
    ("rename", "jobsub_submit", ["--mail_always"], ["--mail_always"], [], None),
    ("rename", "jobsub_submit_dag", ["--maxRunning", "2"], ["--maxConcurrent", "2"],
     ["JC140"], None),
    ("drop", "jobsub_submit", ["--grid"], [], ["JC126"], None),
    ("drop", "jobsub_q", ["--debug"], [], ["JC163"], None),
    ("selection", "jobsub_q", ["--user", "bob"], [], [], None),
    ("selection", "jobsub_rm", ["--constraint", "X==1"], [], [], None),
    ("whole_call", "jobsub_prio", ["--prio", "5"], [], [], None),
    ("whole_call", "jobsub_fetchlog", ["--list"], [], [], None),
    ("dag_flag", "jobsub_submit", ["--dag"], [], ["JC103"], None),
    ("json_config", "jobsub_submit", ["--json-config", "/nonexistent.json"], [], [], None),
    ("jobid_output_only", "jobsub_submit", ["--jobid-output-only"], [], ["JC106"],
     lambda c: c.plan.jobid_only),
    ("x509_proxy", "jobsub_submit", ["-x", "/tmp/x509up_u1"], [], ["JC107"],
     lambda c: c.plan.env == {"X509_USER_PROXY": "/tmp/x509up_u1"}),
    ("size_mb", "jobsub_submit", ["--memory=2000"], ["--memory=2000MB"], ["JC111"], None),
    ("size_mb", "jobsub_submit", ["--memory=2GB"], ["--memory=2GB"], [], None),
    ("size_kb", "jobsub_submit", ["--disk", "10"], ["--disk", "10KB"], ["JC112"], None),
    ("seconds", "jobsub_submit", ["--timeout", "60"], ["--timeout", "60s"], ["JC114"], None),
    ("seconds", "jobsub_submit", ["--expected_lifetime=long"], ["--expected-lifetime=long"],
     ["JC113"], None),
    ("seconds", "jobsub_submit", ["--expected-lifetime=2h"], ["--expected-lifetime=2h"], [],
     None),
    ("usage_model_upper", "jobsub_submit", ["--resource-provides=usage_model=offsite"],
     ["--resource-provides=usage_model=OFFSITE"], ["JC116"], None),
    ("usage_model_upper", "jobsub_submit", ["--resource-provides=usage_model=OFFSITE"],
     ["--resource-provides=usage_model=OFFSITE"], [], None),
    ("blocklist", "jobsub_submit", ["--blacklist", "FNAL"], ["--blocklist", "FNAL"],
     ["JC117"], None),
    ("tarball", "jobsub_submit", ["--tar_file_name", "dropbox:///x/code.tgz"],
     ["--tar_file_name", "dropbox:///x/code.tgz"], [], None),
    ("verbose_level", "jobsub_submit", ["-v"], ["--verbose", "1"], ["JC131"], None),
    ("verbose_level", "jobsub_submit", ["--verbose", "2"], ["--verbose", "2"], [], None),
    ("drain", "jobsub_submit", ["--drain"], ["--lines=+Drain=True"], ["JC124"], None),
    ("show_parsing", "jobsub_submit", ["--show-parsing"], [], ["JC130"],
     lambda c: c.show_parsing),
    ("dry_run", "jobsub_submit", ["-n"], ["-n"], [], lambda c: not c.plan.expect_job_id),
    ("export_variable", "jobsub_submit", ["-e", "RUN"], ["-e", "RUN"], [], None),
    ("export_variable", "jobsub_submit", ["-e", "RUN=7"], ["-e", "RUN=7"], [], None),
    ("retired_os", "jobsub_submit", ["--OS=SL7"], ["--OS=SL7"], ["JC115"], None),
    ("retired_os", "jobsub_submit", ["--OS=EL9"], ["--OS=EL9"], [], None),
    ("glued_tag", "jobsub_submit", ["-dOUT", "/x"], ["-d", "OUT", "/x"], ["JC203"], None),
    ("glued_tag", "jobsub_submit", ["-d", "OUT", "/x"], ["-d", "OUT", "/x"], [], None),
    ("submit_line", "jobsub_submit", ["--lines=+X=1"], ["--lines=+X=1"], [], None),
    ("requirement", "jobsub_submit", ["-c", "a==1"], ["-c", "a==1"], [],
     lambda c: [i.values for i in c.requirements] == [["a==1"]]),
    ("legacy_view", "jobsub_q", ["--hold"], [], ["JC162"], lambda c: c.view == "hold"),
    ("condor_option", "jobsub_q", ["--long"], ["-long"], ["JC161"], lambda c: c.view == ""),
    ("condor_option", "jobsub_rm", ["--forcex"], ["-forcex"], ["JC161"], None),
    ("owner_constraint", "jobsub_rm", ["--user", "bob"], [], ["JC164"], None),
    ("history_constraint", "jobsub_history", ["--constraint", "X==1"], [], [],
     lambda c: c.terms == ["(X==1)"]),
    ("qdate_ge", "jobsub_history", ["--qdate-ge", "2024-01-01"], [], ["JC165"],
     lambda c: c.terms == [f"QDate >= {fates.epoch('2024-01-01')}"]),
    ("qdate_le", "jobsub_history", ["--qdate-le", "2024-01-01 10:00:00"], [], ["JC165"],
     lambda c: c.terms == [f"QDate <= {fates.epoch('2024-01-01 10:00:00')}"]),
    ("fetchlog_user", "jobsub_fetchlog", ["--user", "bob"], [], ["JC166"], None),
    ("archive_format", "jobsub_fetchlog", ["--archive-format", "zip"], [], ["JC168"],
     lambda c: c.plan.details == {"archive_format": "zip"}),
    ("archive_format", "jobsub_fetchlog", ["--archive-format", "tar"], [], [],
     lambda c: c.plan.details == {}),
]


@pytest.mark.parametrize(("handler", "command", "words", "written", "warned", "holds"), [
    pytest.param(*case, id=f"{case[0]}-{' '.join(case[2])}") for case in CASES])
def test_handler(handler: str, command: str, words: list[str], written: list[str],
                 warned: list[str], holds: Any) -> None:
    call = apply(command, words, {"RUN": "7"})
    assert [i.row.handler for i in call.parsed.items] == [handler]
    assert call.out.words == written
    assert codes(call) == warned
    assert holds is None or holds(call)


def test_every_handler_has_a_case() -> None:
    tested = {case[0] for case in CASES} | {"help", "version", "manual", "refuse"}
    assert tested == set(fates.HANDLERS), sorted(set(fates.HANDLERS) ^ tested)


@pytest.mark.parametrize(("words", "what"), [
    (["--hel"], "help"), (["--vers"], "version"), (["-N 2 -man"], "manual")])
def test_answered(words: list[str], what: str) -> None:
    """Abbreviated, or (-man) inside a word the legacy server re-split."""
    with pytest.raises(fates.Answered) as raised:
        apply("jobsub_submit_dag", words)
    assert raised.value.what == what


@pytest.mark.parametrize(("command", "words", "code"), [
    ("jobsub_submit", ["--override", "a", "b"], "JC128"),
    ("jobsub_submit", ["-e", "NOT_SET"], "JC302"),
    ("jobsub_submit", ["--tar_file_name", "/nonexistent/code.tgz"], "JC136"),
    ("jobsub_status", ["--sites"], "JC170"),
    ("jobsub_history", ["--qdate-ge", "2024-13-01"], "JC165"),
])
def test_refusals(command: str, words: list[str], code: str) -> None:
    with pytest.raises(UsageError) as raised:
        apply(command, words)
    assert raised.value.code == code


def test_refusal_status_is_the_calls() -> None:
    grammar = legacy.Grammar(options.rows_for("jobsub_status", None), "jobsub_status")
    parsed = legacy.parse(["--sites"], grammar, passthrough=True)
    with pytest.raises(UsageError) as raised:
        fates.apply(fates.Call(Plan("jobsub_status"), grammar, parsed, {}, refusal_status=1),
                    parsed.items[0])
    assert raised.value.status == 1


def test_dag_flag_kept_for_a_dag_file(tmp_path: Path) -> None:
    grammar = legacy.Grammar(options.rows_for("jobsub_submit", "gm2"), "jobsub_submit")
    parsed = legacy.parse(["--dag", "file://" + dag_file(tmp_path)], grammar)
    call = fates.Call(Plan("jobsub_submit"), grammar, parsed, {})
    fates.apply(call, parsed.items[0])
    assert call.out.words == ["--dag"] and not call.plan.warnings


def test_blocklist_for_an_old_jobsub_lite() -> None:
    call = apply("jobsub_submit", ["--blacklist", "FNAL"], lite_version="1.3")
    assert call.out.words == ["--blacklist", "FNAL"] and not call.plan.warnings


@pytest.mark.parametrize(("kind", "passed", "warned"), [
    ("tbz2", "{path}", []), ("tgz", "dropbox://{path}", ["JC136"])])
def test_tarball_by_its_compression(tmp_path: Path, kind: str, passed: str,
                                    warned: list[str]) -> None:
    path = tarball(tmp_path, kind)
    call = apply("jobsub_submit", ["--tar_file_name", path])
    assert call.out.words == ["--tar_file_name", passed.format(path=path)]
    assert codes(call) == warned


def test_jobid_output_only_refuses_debug() -> None:
    with pytest.raises(UsageError, match="cannot be combined with --debug"):
        apply("jobsub_submit", ["--jobid-output-only", "--debug"])


def test_json_config_is_expanded_early(tmp_path: Path) -> None:
    config = tmp_path / "opts.json"
    config.write_text('{"-M": true, "--memory": "100", "file:///x.sh": ["a"]}')
    grammar = legacy.Grammar(options.rows_for("jobsub_submit", "gm2"), "jobsub_submit")
    parsed = legacy.parse(["--json-config", str(config)], grammar)
    call = fates.Call(Plan("jobsub_submit"), grammar, parsed, {})
    fates.EARLY[parsed.items[0].row.handler](call, parsed.items[0])
    assert [i.row.key for i in parsed.items] == ["json_config", "mail_always", "memory"]
    assert (parsed.executable, parsed.arguments) == ("file:///x.sh", ["a"])
    assert codes(call) == ["JC105"]


def test_support_email_submits_nothing() -> None:
    rows = [r for r in options.SUBMIT + options.SUBMIT_DAG if r.submits_nothing]
    assert {r.key for r in rows} == {"support_email", "show_parsing"}
