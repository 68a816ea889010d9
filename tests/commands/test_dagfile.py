"""dagNabbit DAG files before and after translation (no process, except backtick macros)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from jobsub_compat import backend
from jobsub_compat.commands import dagfile, submit, submit_dag
from jobsub_compat.plan import Plan
from jobsub_compat.warnings import UsageError

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "JOBSUB_GROUP": "gm2", "USER": "alice"}


def job_line(argv: list[str], env: object) -> Plan:
    """What jobsub_submit_dag hands dagfile: jobsub_submit's translation of a job line."""
    return submit.translate(argv, env, "1.12", "jobsub")  # type: ignore[arg-type]


def run(tmp_path: Path, text: str, run_commands: bool = True,
        env: dict[str, str] | None = None) -> dagfile.Translated:
    return dagfile.translate(textwrap.dedent(text), "x.dag", {**ENV, **(env or {})},
                             "/work/dir", job_line, backend.capture if run_commands else None)


def codes(done: dagfile.Translated) -> list[str]:
    return [code for code, _ in done.warnings]


NOOP = [
    pytest.param("""\
        <serial>
        jobsub -G gm2 file:///abs/a.sh 1
        jobsub -G gm2 file:///abs/b.sh 2
        </serial>
        """, id="serial"),
    pytest.param("""\
        <serial>
        jobsub --expected-lifetime=3h file:///abs/a.sh
        prescript file:///abs/pre.sh x
        postscript file:///abs/post.sh y
        </serial>
        <parallel>
        jobsub --mail_always file:///abs/b.sh
        <serial>
        jobsub file:///abs/c.sh
        </serial>
        </parallel>
        """, id="scripts-and-nesting"),
]


@pytest.mark.parametrize("text", NOOP)
def test_noop(tmp_path: Path, text: str) -> None:
    done = run(tmp_path, text)
    assert done.text == textwrap.dedent(text)
    assert done.warnings == []


FIXES = [
    pytest.param("""\
        # legacy DAG
        <Serial>
        jobsub -n -G gm2 -M --expected-lifetime=1800 file://a.sh -x 3
        </SERIAL>
        """, """\
        <serial>
        jobsub -G gm2 --mail_always --expected-lifetime=1800s file:///work/dir/a.sh -x 3
        </serial>
        """, ["JC104", "JC113", "JC150"], id="legacy-flags-case-comment-relative"),
    pytest.param("""\
        <parallel>
        jobsub_submit --jobsub-server=https://fifebatch.fnal.gov:8443 -g file:///abs/a.sh
        jobsub_submit -q --tar_file_name dropbox://code.tgz file:///abs/b.sh  # trailing
        </parallel>
        """, """\
        <parallel>
        jobsub file:///abs/a.sh
        jobsub --mail_on_error --tar_file_name dropbox:///work/dir/code.tgz file:///abs/b.sh
        </parallel>
        """, ["JC101", "JC126", "JC123"], id="dropped-flags-and-dropbox-path"),
    pytest.param("""\
        <serial>
        jobsub -c '"(TARGET.Arch == \\"X86_64\\")"' file:///abs/a.sh
        </serial>
        """, """\
        <serial>
        jobsub -c (TARGET.Arch=="X86_64") file:///abs/a.sh
        </serial>
        """, ["JC210", "JC151"], id="spaces-in-requirement"),
    pytest.param("""\
        <macros>
        REL = v1_2
        </macros>
        <serial>
        jobsub -e RELEASE=REL file:///abs/a.sh REL
        </serial>
        """, """\
        <serial>
        jobsub -e v1_2EASE=v1_2 file:///abs/a.sh v1_2
        </serial>
        """, [], id="macros-replace-text-anywhere-as-legacy-did"),
    pytest.param("""\
        <macros>
        WHO = `echo alice`
        </macros>
        <serial>
        jobsub file:///abs/a.sh WHO
        </serial>
        """, """\
        <serial>
        jobsub file:///abs/a.sh alice
        </serial>
        """, [], id="backtick-macro"),
    pytest.param("""\
        <beginjob>
        file:///abs/setup.sh now
        </beginjob>
        <serial>
        jobsub file:///abs/a.sh
        jobsub file:///abs/b.sh
        </serial>
        <finishjob>
        file://report.sh
        </finishjob>
        """, """\
        <serial>
        jobsub file:///abs/a.sh
        prescript file:///abs/setup.sh now
        jobsub file:///abs/b.sh
        postscript file:///work/dir/report.sh
        </serial>
        """, ["JC154", "JC154"], id="beginjob-finishjob"),
    pytest.param("""\
        <serial> stray text
        jobsub file:///abs/a.sh
        </serial>
        """, """\
        <serial>
        jobsub file:///abs/a.sh
        </serial>
        """, ["JC155"], id="text-beside-tag"),
]


@pytest.mark.parametrize(("text", "expected", "warned"), FIXES)
def test_fixes(tmp_path: Path, text: str, expected: str, warned: list[str]) -> None:
    done = run(tmp_path, text)
    assert done.text == textwrap.dedent(expected)
    assert codes(done) == warned
    assert all(message.startswith("x.dag:") for _, message in done.warnings)


def test_backtick_macro_not_run_by_explain(tmp_path: Path) -> None:
    done = run(tmp_path, "<macros>\nW = `echo x`\n</macros>\n<serial>\njobsub file:///a W\n"
               "</serial>\n", run_commands=False)
    assert "jobsub file:///a `echo x`" in done.text
    assert codes(done) == ["JC153"]


def test_failing_backtick_macro_keeps_its_text(tmp_path: Path) -> None:
    done = run(tmp_path, "<macros>\nW = `false`\n</macros>\n<serial>\njobsub file:///a W\n"
               "</serial>\n")
    assert "jobsub file:///a `false`" in done.text and codes(done) == ["JC153"]


def test_variable_expanded_by_jobsub_lite_is_pointed_out(tmp_path: Path) -> None:
    done = run(tmp_path, "<serial>\njobsub file:///a '$HOME'\n</serial>\n",
               env={"HOME": "/home/alice"})
    assert "JC152" in codes(done)


@pytest.mark.parametrize("words", ["-N 50", "-N=50", "-N50"])
def test_n_jobs_of_a_node_pass(tmp_path: Path, words: str) -> None:
    """The legacy dagNabbit submitted the node with -N jobs; jobsub_lite 1.12 renders its
    stage with `queue 50` (lib/dagnabbit.py takes N from the line over its default 1)."""
    done = run(tmp_path, f"<serial>\njobsub {words} file:///a\n</serial>\n")
    assert f"jobsub {words} file:///a" in done.text


REFUSED = [
    pytest.param("<serial>\njobsub_submit_dag file:///b.dag\n</serial>\n", "DAG inside a DAG",
                 id="nested-dag"),
    pytest.param("<serial>\necho hello\n</serial>\n", "not a job line", id="not-a-job"),
    pytest.param("jobsub file:///a\n", "outside <serial>", id="outside-block"),
    pytest.param("<parallel>\n<parallel>\n", "inside <parallel>", id="nested-parallel"),
    pytest.param("<serial>\njobsub file:///a\n", "never closed", id="unclosed"),
    pytest.param("</serial>\n", "does not close", id="stray-close"),
    pytest.param("<serial>\njobsub -c '\"a isnt b\"' file:///a\n</serial>\n", "holds a space",
                 id="space-that-matters"),
    pytest.param("<serial>\njobsub --override A B file:///a\n</serial>\n", "JC128",
                 id="refused-option-in-node"),
    pytest.param("<serial>\njobsub --jobid-output-only file:///a\n</serial>\n",
                 "only makes sense on a command line", id="command-line-only"),
    pytest.param("<macros>\nA = b = c\n</macros>\n", "NAME = value", id="bad-macro"),
    pytest.param("<macros>\nA = `ls | wc -l`\n</macros>\n", "without a shell",
                 id="shell-macro"),
    pytest.param("<beginjob>\nmailer.py\n</beginjob>\n<serial>\njobsub file:///a\n</serial>\n",
                 "no such hook", id="beginjob-command"),
    pytest.param("<serial>\nprescript file:///p.sh\n</serial>\n", "must follow a job line",
                 id="prescript-first"),
    pytest.param("<serial>\njobsub file:///a\nprescript file:///p\nprescript file:///q\n"
                 "</serial>\n", "second prescript", id="two-prescripts"),
    pytest.param("<serial>\njobsub file:///a 'b\n</serial>\n", "unbalanced", id="quotes"),
]


@pytest.mark.parametrize(("text", "fragment"), REFUSED)
def test_refused(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(UsageError) as exc:
        run(tmp_path, text)
    assert fragment in str(exc.value) and str(exc.value).startswith("x.dag:")


def test_unreadable_file(tmp_path: Path) -> None:
    """jobsub_submit_dag reads the file (dagfile takes its text)."""
    missing = tmp_path / "missing.dag"
    plan = submit_dag.translate(["-G", "gm2", f"file://{missing}"], ENV)
    assert plan.exit_code == 1 and plan.error
    assert f"the DAG file {missing} cannot be read" in plan.error


def test_compact_keeps_strings_and_separated_words() -> None:
    assert dagfile._compact('(a == "x y")') == '(a=="x y")'
    assert dagfile._compact('a == "q\\" r"') == 'a=="q\\" r"'
    assert dagfile._compact("a isnt b") is None
