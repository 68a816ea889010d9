"""jobsub-compat migrate: scripts before and after, what it reports instead, exit codes,
backups, idempotence, and --from-log."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsub_compat import codes, migrate

DATA = Path(__file__).parent / "data" / "migrate"
REPORT_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): \[(?P<code>JCM?\d+)\] \S")


def migrated(tmp_path: Path, name: str, text: str) -> tuple[str, list[str]]:
    """The file's text after migration, and its reports as 'LINE: [CODE]' (nothing is
    written)."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    run = migrate.Migration()
    run.path(str(path))
    outcome = next(o for o in run.outcomes if o.path == str(path))
    reports = [f"{r.line}: [{r.code}]" for r in run.failures + outcome.reports]
    return outcome.new, reports


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = migrate.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# --- before/after tables ---------------------------------------------------------------------

BASH_FIXES = [
    pytest.param("jobsub_submit -G gm2 -M file:///x.sh\n",
                 "jobsub_submit -G gm2 --mail_always file:///x.sh\n", id="short-option-renamed"),
    pytest.param("jobsub_submit -G gm2 \\\n  --jobsub-server=https://fifebatch.fnal.gov:8443 \\\n"
                 "  --memory=2000 file:///x.sh\n",
                 "jobsub_submit -G gm2 \\\n  --memory=2000MB file:///x.sh\n",
                 id="continuation-line-dropped-and-unit-written"),
    pytest.param("jobsub_submit -G gm2 -dOUT /pnfs/out file:///x.sh\n",
                 "jobsub_submit -G gm2 -d OUT /pnfs/out file:///x.sh\n", id="glued-tag-split"),
    # The legacy server re-split the words with shlex: the double quotes never reached the
    # job; jobsub_lite keeps them, so the script must now write the legacy words.
    pytest.param("jobsub_submit -G gm2 -l '+Tag=\"calib\"' file:///x.sh\n",
                 "jobsub_submit -G gm2 -l +Tag=calib file:///x.sh\n",
                 id="legacy-resplit-took-quotes-out"),
    pytest.param('jobsub_submit -G gm2 "--site SiteB" file:///x.sh\n',
                 "jobsub_submit -G gm2 --site SiteB file:///x.sh\n", id="word-with-space-split"),
    pytest.param('jobsub_submit -G gm2 "" file:///x.sh\n',
                 "jobsub_submit -G gm2 file:///x.sh\n", id="empty-word-dropped"),
    pytest.param("jobsub_submit -G gm2 -e \"MSG=\\\"it's ok\\\"\" file:///x.sh\n",
                 "jobsub_submit -G gm2 -e 'MSG=it'\"'\"'s ok' file:///x.sh\n",
                 id="new-word-shell-quoted"),
    # the legacy server and jobsub_lite both read +A="b" here: the word stays as written
    pytest.param("jobsub_submit -G gm2 -l '+A=\\\"b\\\"' -M file:///x.sh\n",
                 "jobsub_submit -G gm2 -l '+A=\\\"b\\\"' --mail_always file:///x.sh\n",
                 id="word-read-alike-kept-as-written"),
    pytest.param("ID=$(jobsub_submit -G gm2 -q file:///x.sh | tail -1)\n",
                 "ID=$(jobsub_submit -G gm2 --mail_on_error file:///x.sh | tail -1)\n",
                 id="command-substitution"),
    pytest.param("if jobsub_submit -G gm2 --expected-lifetime=600 file:///x.sh | tee l; then\n"
                 "  :\nfi\n",
                 "if jobsub_submit -G gm2 --expected-lifetime=600s file:///x.sh | tee l; then\n"
                 "  :\nfi\n", id="condition-and-pipeline"),
    pytest.param("JOBSUB_GROUP=gm2 nohup jobsub_submit --drain file:///x.sh\n",
                 "JOBSUB_GROUP=gm2 nohup jobsub_submit --lines=+Drain=True file:///x.sh\n",
                 id="environment-prefix-wrapper-emulated-option"),
    pytest.param("/opt/jobsub/bin/jobsub_submit.py -G gm2 --blacklist=SiteA file:///x.sh\n",
                 "/opt/jobsub/bin/jobsub_submit.py -G gm2 --blocklist=SiteA file:///x.sh\n",
                 id="path-and-py-twin"),
    pytest.param("jobsub_rm -G gm2 --jobsub-server=https://x --jobid=1.0@jobsub01.fnal.gov\n",
                 "jobsub_rm -G gm2 --jobid=1.0@jobsub01.fnal.gov\n", id="jobsub_rm-server"),
    pytest.param("jobsub_q -G gm2 --long --jobid=1.0@jobsub01.fnal.gov\n",
                 "jobsub_q -G gm2 -long --jobid=1.0@jobsub01.fnal.gov\n", id="jobsub_q-long"),
    # The legacy server's group filter, written out: stable, since the group's name is
    # then in the constraint (server/webapp/util.py doJobAction adds it only when not).
    pytest.param("jobsub_rm -G gm2 --constraint 'Owner==\"alice\"'\n",
                 "jobsub_rm -G gm2 --constraint 'Jobsub_Group=?=\"gm2\" && Owner==\"alice\"'\n",
                 id="group-filter-written-out"),
    pytest.param("for f in a b; do\n  jobsub_submit -G gm2 -M file:///x.sh\ndone\n",
                 "for f in a b; do\n  jobsub_submit -G gm2 --mail_always file:///x.sh\ndone\n",
                 id="in-a-loop"),
    pytest.param("jobsub_submit -G $GROUP -M file://$PWD/job.sh\n",
                 "jobsub_submit -G $GROUP --mail_always file://$PWD/job.sh\n",
                 id="variable-words-kept"),
    pytest.param('jobsub_submit -G gm2 --jobsub-server=https://x -f "$IN" file://$PWD/x.sh\n',
                 'jobsub_submit -G gm2 -f "$IN" file://$PWD/x.sh\n', id="variable-server-dropped"),
    # a bare number is seconds to the legacy client: the unit is written when it is one
    pytest.param("jobsub_submit -G gm2 -M --expected-lifetime=$L file:///x.sh\n",
                 "jobsub_submit -G gm2 --mail_always --expected-lifetime=$L$(case ${L} in "
                 "''|*[!0-9]*) ;; *) echo s;; esac) file:///x.sh\n", id="unit-of-a-run-time-value"),
]

CMD_FIXES = [
    pytest.param('CMD="jobsub_submit -G gm2 -M file:///x.sh"\n$CMD\n',
                 'CMD="jobsub_submit -G gm2 --mail_always file:///x.sh"\n$CMD\n',
                 id="cmd-string"),
    pytest.param('CMD="jobsub_submit -G gm2"\nCMD="$CMD --jobsub-server=https://x"\n'
                 'CMD="${CMD} file:///x.sh"\n$CMD 2>&1 | tee log\n',
                 'CMD="jobsub_submit -G gm2"\nCMD="${CMD} file:///x.sh"\n$CMD 2>&1 | tee log\n',
                 id="cmd-emptied-append-removed"),
    pytest.param('CMD="jobsub_submit -G gm2"\nCMD+=" -q file:///x.sh"\n${CMD}\n',
                 'CMD="jobsub_submit -G gm2"\nCMD+=" --mail_on_error file:///x.sh"\n${CMD}\n',
                 id="cmd-plus-equals"),
    # $CMD keeps its quotes literally: jobsub_lite takes this quote pair off itself.
    pytest.param("CMD=\"jobsub_submit -G gm2 --lines='+A=\\\"b\\\"' -M file:///x.sh\"\n$CMD\n",
                 "CMD=\"jobsub_submit -G gm2 --lines='+A=\\\"b\\\"' --mail_always file:///x.sh\"\n"
                 "$CMD\n", id="cmd-literal-quotes-kept"),
    pytest.param('export CMD="jobsub_submit -G gm2 -M -dOUT /o file:///x.sh"\necho "$CMD"\n'
                 'if $CMD | tee -a log; then echo ok; fi\n',
                 'export CMD="jobsub_submit -G gm2 --mail_always -d OUT /o file:///x.sh"\n'
                 'echo "$CMD"\nif $CMD | tee -a log; then echo ok; fi\n',
                 id="cmd-exported-echoed-run-in-if"),
    # followed through the script's own assignments: conditional pieces, eval, functions
    pytest.param('CMD="jobsub_submit -G gm2"\nif [ -n "$X" ]; then CMD="$CMD -M"; fi\n'
                 'CMD="$CMD file:///x.sh"\n$CMD\n',
                 'CMD="jobsub_submit -G gm2"\nif [ -n "$X" ]; then CMD="$CMD --mail_always"; fi\n'
                 'CMD="$CMD file:///x.sh"\n$CMD\n', id="cmd-conditional"),
    pytest.param('CMD="jobsub_submit -G gm2 -M file:///x.sh"\neval $CMD\n',
                 'CMD="jobsub_submit -G gm2 --mail_always file:///x.sh"\neval $CMD\n',
                 id="cmd-eval"),
    pytest.param('run() { $CMD; }\nCMD="jobsub_submit -G gm2 -M file:///x.sh"\nrun\n',
                 'run() { $CMD; }\nCMD="jobsub_submit -G gm2 --mail_always file:///x.sh"\nrun\n',
                 id="cmd-run-in-earlier-function"),
    pytest.param('CMD="jobsub_submit -G gm2 -M file:///x.sh"\n$CMD\nCMD="$CMD -N 2"\n$CMD\n',
                 'CMD="jobsub_submit -G gm2 --mail_always file:///x.sh"\n$CMD\nCMD="$CMD -N 2"\n'
                 '$CMD\n', id="cmd-changed-after-run"),
    # the legacy server took the literal quotes out: the word is written as it read it
    pytest.param('CMD="jobsub_submit -G gm2 --memory=\\"2000\\" file:///x.sh"\n$CMD\n',
                 'CMD="jobsub_submit -G gm2 --memory=2000MB file:///x.sh"\n$CMD\n',
                 id="cmd-word-written-with-escapes"),
    # the legacy words hold a blank, which no word of a $CMD string can: the string becomes
    # an array, the word is quoted for jobsub_lite's layer (and the drop-in's re-split)
    pytest.param("CMD=\"jobsub_submit -G gm2 --site='A B' -M file:///x.sh\"\n$CMD\n",
                 "CMD=(jobsub_submit -G gm2 \"--site='A B'\" --mail_always file:///x.sh)\n"
                 '"${CMD[@]}"\n', id="cmd-word-with-space"),
    # a word known only at run time does not keep the literal words from being rewritten
    pytest.param("CMD=\"jobsub_submit -G gm2\"\nCMD=\"$CMD -M --lines='${L}'\"\n"
                 'CMD="$CMD file:///x.sh"\n$CMD\n',
                 "CMD=\"jobsub_submit -G gm2\"\nCMD=\"$CMD --mail_always --lines='${L}'\"\n"
                 'CMD="$CMD file:///x.sh"\n$CMD\n', id="cmd-variable"),
]

BASH_NOOP = [
    pytest.param("jobsub_submit -G gm2 --mail_always --memory=2000MB --expected-lifetime=3h "
                 "-d OUT /o file:///x.sh -1\n", id="native"),
    pytest.param("jobsub_submit -G gm2 --lines='+A=\\\"b\\\"' file:///x.sh\n",
                 id="escaped-quotes-read-alike"),
    pytest.param("jobsub_submit --version | grep -q jobsub_lite && LITE=1\n", id="version-probe"),
    pytest.param('echo "run jobsub_submit -G gm2 -M file:///x.sh"\n', id="message"),
    pytest.param("# jobsub_submit -G gm2 -M file:///x.sh\n", id="comment"),
    pytest.param("jobsub_q -G gm2 -af Owner ClusterId\n", id="condor-options-pass"),
    pytest.param("jobsub_rm -G gm2 --jobid=1.0@jobsub01.fnal.gov\n", id="jobsub_rm-native"),
    pytest.param('CMD="jobsub_submit -G gm2 --mail_always file:///x.sh"\n$CMD\n',
                 id="cmd-native"),
    pytest.param('HINT="jobsub_q -G gm2 --user $USER"\necho "$HINT"\n', id="message-variable"),
    pytest.param("jobsub_submit -G gm2 -e CALIB file:///x.sh\n", id="environment-name"),
    pytest.param("which jobsub_submit\ncat <<EOF\nno jobs here\nEOF\n", id="which-heredoc"),
]

BASH_REPORTS = [
    pytest.param("jobsub_submit -G gm2 -f /pnfs/*.fcl file:///x.sh\n", ["1: [JCM01]"],
                 id="file-pattern"),
    pytest.param("jobsub_submit -G gm2 $OPTS -M file:///x.sh\n", ["1: [JCM01]"],
                 id="options-from-a-variable"),
    pytest.param('CMD="jobsub_submit -G gm2 -M file:///x.sh"\nIFS=,\n$CMD\n', ["3: [JCM06]"],
                 id="cmd-ifs"),
    pytest.param('CMD="cd /x && jobsub_submit -G gm2 -M file:///x.sh"\neval "$CMD"\n',
                 ["2: [JCM07]"], id="cmd-shell-command-line"),
    pytest.param("JOB=$(jobsub_submit -G gm2 --jobid-output-only file:///x.sh)\n",
                 ["1: [JCM05]"], id="jobid-output-only"),
    pytest.param("jobsub_q -G gm2 --user alice | awk '$6==\"H\"'\n", ["1: [JCM05]"],
                 id="jobsub_q-legacy-layout"),
    pytest.param("jobsub_status -G gm2 --sites\n", ["1: [JCM03]"], id="refused"),
    pytest.param("jobsub_submit -G gm2 -c '(TARGET.x == 1)' file:///x.sh\n", ["1: [JCM03]"],
                 id="legacy-resplit-breaks-requirement"),
    pytest.param("jobsub_rm --user=alice\n", ["1: [JCM09]"], id="group-from-environment"),
    pytest.param("jobsub_submit -G gm2 --dag file:///nowhere/x.dag\n", ["1: [JCM09]"],
                 id="dag-flag-needs-the-file"),
    pytest.param('ssh gpvm "jobsub_q -G gm2 --user alice"\n', ["1: [JCM07]"], id="ssh-string"),
    pytest.param("cat > x.dag <<EOF\n<serial>\njobsub -n -G gm2 file://a.sh\n</serial>\nEOF\n",
                 ["3: [JCM07]"], id="dag-in-heredoc"),
    pytest.param("ID=$(grep 'JobsubJobId of first job' log | awk '{print $5}')\n",
                 ["1: [JCM10]"], id="reads-legacy-job-id-line"),
    pytest.param("jobsub_submit -G gm2 -M --OS=SL7 file:///x.sh\n", ["1: [JC115]"],
                 id="warning-left-after-rewrite"),
    pytest.param("jobsub_submit -G gm2 -M file:///x.sh\necho 'never closed\n", ["2: [JCM06]"],
                 id="unparsable"),
]

PY_FIXES = [
    pytest.param('subprocess.call(["jobsub_submit", "-G", "gm2", "-M", "file:///x.sh"])\n',
                 'subprocess.call(["jobsub_submit", "-G", "gm2", "--mail_always", '
                 '"file:///x.sh"])\n', id="argv-list"),
    pytest.param("subprocess.run(('jobsub_submit', '-G', 'gm2', '-dOUT', '/o', 'file:///x.sh'))\n",
                 "subprocess.run(('jobsub_submit', '-G', 'gm2', '-d', 'OUT', '/o', "
                 "'file:///x.sh'))\n", id="argv-tuple-insert-in-its-quote-style"),
    pytest.param('subprocess.call([\n    "jobsub_submit", "-G", "gm2",\n'
                 '    "--jobsub-server=https://x",  # the old server\n'
                 '    "file:///x.sh",\n])\n',
                 'subprocess.call([\n    "jobsub_submit", "-G", "gm2",\n'
                 '    "file:///x.sh",\n])\n', id="argv-element-line-removed"),
    pytest.param('os.system("jobsub_submit -G gm2 -M file:///x.sh")\n',
                 'os.system("jobsub_submit -G gm2 --mail_always file:///x.sh")\n',
                 id="os-system"),
    pytest.param('subprocess.run("cd /tmp && jobsub_submit -G gm2 -q file:///x.sh", shell=True)\n',
                 'subprocess.run("cd /tmp && jobsub_submit -G gm2 --mail_on_error file:///x.sh", '
                 'shell=True)\n', id="shell-true"),
    pytest.param('subprocess.call("jobsub_rm -G gm2 --jobsub-server=https://x '
                 '--jobid=1.0@jobsub01.fnal.gov".split())\n',
                 'subprocess.call("jobsub_rm -G gm2 --jobid=1.0@jobsub01.fnal.gov".split())\n',
                 id="split-string"),
    pytest.param('cmd = "jobsub_submit -G gm2 -M file:///x.sh"\nsubprocess.call(cmd.split())\n',
                 'cmd = "jobsub_submit -G gm2 --mail_always file:///x.sh"\n'
                 'subprocess.call(cmd.split())\n', id="plain-string-of-unknown-use"),
]

PY_NOOP = [
    pytest.param('subprocess.call(["jobsub_submit", "-G", "gm2", "--mail_always", '
                 '"file:///x.sh"])\n', id="native-list"),
    pytest.param('"""jobsub_submit -G gm2 -M file:///x.sh, by hand."""\n', id="docstring"),
    pytest.param('print("jobsub_q -G gm2 --user " + user)\n', id="message"),
    pytest.param('logging.info("jobsub_submit -M failed")\n', id="log-message"),
    pytest.param('path = shutil.which("jobsub_submit")\n', id="bare-name"),
    pytest.param('# os.system("jobsub_submit -G gm2 -M file:///x.sh")\n', id="comment"),
]

PY_REPORTS = [
    pytest.param('subprocess.call(f"jobsub_submit -G {g} -M file:///x.sh", shell=True)\n',
                 ["1: [JCM01]"], id="f-string"),
    pytest.param('os.system("jobsub_submit -G " + g + " -M file:///x.sh")\n', ["1: [JCM01]"],
                 id="concatenation"),
    pytest.param('os.system("jobsub_submit -G {} -M file:///x.sh".format(g))\n', ["1: [JCM01]"],
                 id="format"),
    pytest.param('subprocess.call(["jobsub_submit", "-G", group, "-M", "file:///x.sh"])\n',
                 ["1: [JCM01]"], id="list-with-variable"),
    pytest.param('cmd = ["jobsub_submit", "-G", "gm2", "file:///x.sh"]\ncmd += ["-M"]\n',
                 ["1: [JCM01]"], id="list-extended"),
    pytest.param('subprocess.call(["jobsub_submit"] + opts)\n', ["1: [JCM01]"],
                 id="list-concatenated"),
    pytest.param('subprocess.call(["ssh", host, "jobsub_q", "--user", "alice"])\n',
                 ["1: [JCM07]"], id="through-ssh"),
    pytest.param("remote(\"jobsub_submit -G gm2 -l '+A=1' -M file:///x.sh\")\n", ["1: [JCM07]"],
                 id="quoted-string-of-unknown-use"),
    pytest.param('os.system("jobsub_submit -G gm2 -M -l \\"+A=1\\" file:///x.sh")\n',
                 ["1: [JCM02]"], id="string-with-escapes"),
    pytest.param('subprocess.check_output(["jobsub_submit", "-G", "gm2", "--jobid-output-only", '
                 '"file:///x.sh"])\n', ["1: [JCM05]"], id="jobid-output-only"),
    pytest.param('re.search("JobsubJobId of first job: (\\\\S+)", out)\n', ["1: [JCM10]"],
                 id="reads-legacy-job-id-line"),
    pytest.param("def broken(:\n", ["1: [JCM11]"], id="syntax-error"),
]

DAG_FIXES = [
    pytest.param("""\
        <SERIAL>
        jobsub -n -G gm2 --expected-lifetime=3600 file:///abs/a.sh 1
        jobsub_submit -n -G gm2 -M file:///abs/b.sh
        </SERIAL>
        """, """\
        <serial>
        jobsub -G gm2 --expected-lifetime=3600s file:///abs/a.sh 1
        jobsub_submit -G gm2 --mail_always file:///abs/b.sh
        </serial>
        """, id="tags-no-submit-lifetime-mail"),
    # A node's -e NAME means what it means on the command line (the script's environment).
    pytest.param("""\
        <serial>
        jobsub -G gm2 -M -e CALIB file:///abs/a.sh
        </serial>
        """, """\
        <serial>
        jobsub -G gm2 --mail_always -e CALIB file:///abs/a.sh
        </serial>
        """, id="environment-name-in-a-node"),
    pytest.param("""\
        <parallel>
            jobsub -G gm2 --memory=2000 file://rel/a.sh x   # stage one
            jobsub -G gm2 --mail_always file://b.sh
        </parallel>
        """, """\
        <parallel>
            # stage one
            jobsub -G gm2 --memory=2000MB file://rel/a.sh x
            jobsub -G gm2 --mail_always file://b.sh
        </parallel>
        """, id="comment-moved-relative-path-kept"),
    pytest.param("""\
        <serial>
        jobsub -G gm2 -l +A=\\"b\\" --resource-provides=usage_model=offsite file:///a.sh
        prescript file://check.sh
        </serial>
        """, """\
        <serial>
        jobsub -G gm2 -l +A=b --resource-provides=usage_model=OFFSITE file:///a.sh
        prescript file://check.sh
        </serial>
        """, id="legacy-quotes-and-usage-model"),
]

DAG_NOOP = [
    pytest.param("""\
        # a native file
        <serial>
        jobsub -G gm2 --expected-lifetime=3h file:///abs/a.sh 1
        prescript file:///abs/pre.sh
        </serial>
        <parallel>
        jobsub -G gm2 --mail_always file://b.sh
        </parallel>
        """, id="native"),
]

DAG_REPORTS = [
    pytest.param("""\
        <macros>
        DIR = /pnfs/gm2
        </macros>
        <serial>
        jobsub -n -G gm2 file://DIR/a.sh
        </serial>
        """, ["1: [JCM08]"], id="macros"),
    pytest.param("""\
        <serial>
        # jobsub -n -G gm2 file:///abs/old.sh
        jobsub -G gm2 file:///abs/a.sh
        </serial>
        """, ["2: [JCM08]"], id="comment-read-as-job-line"),
    pytest.param("""\
        <serial>
        jobsub -G gm2 --overwrite_condor_requirements=x file:///abs/a.sh
        </serial>
        """, ["2: [JCM03]"], id="refused-option"),
    pytest.param("""\
        <serial>
        jobsub -G gm2 -M --OS=SL7 file:///abs/a.sh
        </serial>
        """, ["2: [JC115]"], id="warning-left-after-rewrite"),
]


@pytest.mark.parametrize(("before", "after"), BASH_FIXES + CMD_FIXES)
def test_bash_fixes(tmp_path: Path, before: str, after: str) -> None:
    new, reports = migrated(tmp_path, "x.sh", before)
    assert new == after
    assert reports == []
    assert migrated(tmp_path, "again.sh", after) == (after, [])  # idempotent


@pytest.mark.parametrize("text", BASH_NOOP)
def test_bash_noop(tmp_path: Path, text: str) -> None:
    assert migrated(tmp_path, "x.sh", text) == (text, [])


@pytest.mark.parametrize(("text", "expected"), BASH_REPORTS)
def test_bash_reports(tmp_path: Path, text: str, expected: list[str]) -> None:
    new, reports = migrated(tmp_path, "x.sh", text)
    assert reports == expected
    if not expected[0].endswith("[JC115]"):
        assert new == text  # what needs a person is left alone


@pytest.mark.parametrize(("before", "after"), PY_FIXES)
def test_python_fixes(tmp_path: Path, before: str, after: str) -> None:
    new, reports = migrated(tmp_path, "x.py", before)
    assert new == after
    assert reports == []
    assert migrated(tmp_path, "again.py", after) == (after, [])


@pytest.mark.parametrize("text", PY_NOOP)
def test_python_noop(tmp_path: Path, text: str) -> None:
    assert migrated(tmp_path, "x.py", text) == (text, [])


@pytest.mark.parametrize(("text", "expected"), PY_REPORTS)
def test_python_reports(tmp_path: Path, text: str, expected: list[str]) -> None:
    new, reports = migrated(tmp_path, "x.py", text)
    assert reports == expected
    assert new == text


@pytest.mark.parametrize(("before", "after"), DAG_FIXES)
def test_dag_fixes(tmp_path: Path, before: str, after: str) -> None:
    new, reports = migrated(tmp_path, "x.dag", before)
    assert new == textwrap.dedent(after)
    assert reports == []
    assert migrated(tmp_path, "again.dag", new) == (new, [])


@pytest.mark.parametrize("text", DAG_NOOP)
def test_dag_noop(tmp_path: Path, text: str) -> None:
    assert migrated(tmp_path, "x.dag", text) == (textwrap.dedent(text), [])


@pytest.mark.parametrize(("text", "expected"), DAG_REPORTS)
def test_dag_reports(tmp_path: Path, text: str, expected: list[str]) -> None:
    new, reports = migrated(tmp_path, "x.dag", text)
    assert reports == expected
    if not expected[0].endswith("[JC115]"):
        assert new == textwrap.dedent(text)


def test_dag_found_by_its_tags(tmp_path: Path) -> None:
    new, _ = migrated(tmp_path, "workflow", "<serial>\njobsub -G gm2 -M file:///a.sh\n</serial>\n")
    assert new == "<serial>\njobsub -G gm2 --mail_always file:///a.sh\n</serial>\n"


def _bindings() -> bool:
    from jobsub_compat import classads

    try:
        classads.valid_line("+A=1")
    except classads.Unavailable:
        return False
    return True


@pytest.mark.skipif(not _bindings(), reason="the quoting tie-break needs the ClassAd bindings")
def test_literal_reading_tie_break(tmp_path: Path) -> None:
    """+A=b c is no ClassAd line as the legacy server re-split it; the drop-in passes the
    literal +A="b c", which jobsub_lite reads as written: only -M changes."""
    line = "jobsub_submit -G gm2 -l '+A=\"b c\"' -M file:///x.sh\n"
    new, reports = migrated(tmp_path, "x.sh", line)
    assert new == "jobsub_submit -G gm2 -l '+A=\"b c\"' --mail_always file:///x.sh\n"
    assert reports == []


# --- the quoting contract ------------------------------------------------------------------------

def _lite(words: list[str]) -> list[str]:
    return migrate.lite_reading(words)


@pytest.mark.parametrize(("before", "after"), BASH_FIXES[:8])
def test_command_line_words_are_the_translation(tmp_path: Path, before: str, after: str
                                                ) -> None:
    """bash's words of the new line (shlex.split models them) are what the drop-in would
    have handed jobsub_lite for the old line, as jobsub_lite reads them."""
    old_words = shlex.split(before.replace("\\\n", ""))
    new_words = shlex.split(after.replace("\\\n", ""))
    plan = migrate.translate(old_words[0], old_words[1:])
    assert plan.error is None
    assert _lite(new_words[1:]) == _lite(plan.backend_argv[1:])
    # and the changed words are the translator's own, written exactly
    assert set(new_words[1:]) - set(old_words[1:]) <= set(plan.backend_argv[1:])


@pytest.mark.parametrize(("before", "after"), [p for p in CMD_FIXES if "CMD=(" not in p.values[1]])
def test_cmd_string_words_are_the_translation(before: str, after: str) -> None:
    """An unquoted $CMD is split without quote removal: model it with str.split()."""
    def value(script: str) -> list[str]:
        text = ""
        for line in script.splitlines():
            if re.match(r"(export )?CMD\+?=", line):
                body = shlex.split(line.replace("$CMD", "").replace("${CMD}", "")
                                   .replace("export ", ""))[0]
                text += " " + body.split("=", 1)[1]
        return text.split()

    old, new = value(before), value(after)
    plan = migrate.translate(old[0], old[1:])
    assert _lite(new[1:]) == _lite(plan.backend_argv[1:])


_FRAGMENTS = ["-M", "-q", "--mail_always", "--jobsub-server=https://x", "-g", "--memory=2000",
              "--memory=2GB", "--disk=100", "--expected-lifetime=3600", "--expected-lifetime=3h",
              "-N 2", "-N3", "-dOUT /o", "-d OUT /o", "--blacklist=A", "-l '+A=\"b\"'",
              "--lines=+A=1", "\"--site S\"", "--resource-provides=usage_model=offsite",
              "-e X=1", "-e Y", "--role=Analysis", "-f /pnfs/a", "--drain", "--timeout=60"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=6),
       st.lists(st.sampled_from(["a", "-1", "--debug", "'x y'"]), max_size=3))
def test_property_rewrites_are_faithful_and_stable(tmp_path: Path, picked: list[str],
                                                   arguments: list[str]) -> None:
    line = " ".join(["jobsub_submit -G gm2"] + picked + ["file:///x.sh"] + arguments) + "\n"
    new, reports = migrated(tmp_path, "p.sh", line)
    old_words = shlex.split(line)
    plan = migrate.translate("jobsub_submit", old_words[1:])
    if new != line:  # rewritten: what jobsub_lite reads is what the legacy client made
        assert _lite(shlex.split(new)[1:]) == _lite(plan.backend_argv[1:])
    elif plan.error is None and not reports:  # untouched and clean: already read alike
        assert _lite(old_words[1:]) == _lite(plan.backend_argv[1:])
    again, reports_again = migrated(tmp_path, "q.sh", new)
    assert again == new
    assert all(r.endswith(("[JC115]", "[JCM03]", "[JCM04]", "[JCM02]")) for r in reports_again)


# --- DAG files named by jobsub_submit_dag ---------------------------------------------------------

def test_dag_named_by_a_submit_dag_call(tmp_path: Path) -> None:
    (tmp_path / "flow.dag").write_text("<SERIAL>\njobsub -n -G gm2 -M file:///a.sh\n</SERIAL>\n")
    (tmp_path / "go.sh").write_text("jobsub_submit_dag -G gm2 --maxRunning=2 file://flow.dag\n")
    run = migrate.Migration()
    run.path(str(tmp_path / "go.sh"))
    new = {Path(o.path).name: o.new for o in run.outcomes}
    assert new == {"go.sh": "jobsub_submit_dag -G gm2 --maxConcurrent=2 file://flow.dag\n",
                   "flow.dag": "<serial>\njobsub -G gm2 --mail_always file:///a.sh\n</serial>\n"}


def test_dag_of_a_jobsub_submit_dag_flag(tmp_path: Path) -> None:
    dag = tmp_path / "flow.dag"
    dag.write_text("<serial>\njobsub -G gm2 -q file:///a.sh\n</serial>\n")
    new, reports = migrated(tmp_path, "go.sh", f"jobsub_submit -G gm2 --dag file://{dag}\n")
    assert (new, reports) == (f"jobsub_submit -G gm2 --dag file://{dag}\n", [])
    assert dag.read_text().count("-q") == 1  # nothing is written without --write
    run = migrate.Migration()
    run.path(str(tmp_path / "go.sh"))
    assert [o.new for o in run.outcomes if o.path == str(dag)] == [
        "<serial>\njobsub -G gm2 --mail_on_error file:///a.sh\n</serial>\n"]


def test_dag_named_but_missing(tmp_path: Path) -> None:
    new, reports = migrated(tmp_path, "go.sh", "\njobsub_submit_dag -G gm2 file://nowhere.dag\n")
    assert reports == ["2: [JCM08]"]


# --- the fixture scripts ---------------------------------------------------------------

def test_fixtures_before_and_after(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "scripts"
    shutil.copytree(DATA / "before", work)
    status, out, err = run_main(capsys, "--write", "--no-backup", str(work))
    assert status == 1
    assert out == ""
    for expected in sorted((DATA / "after").iterdir()):
        assert (work / expected.name).read_text() == expected.read_text(), expected.name
    assert not list(work.glob("*.orig"))
    # the second run: nothing changes, the same places still need a person
    status, out, err_again = run_main(capsys, str(work))
    assert out == ""
    assert "0 would change" in err_again
    people = [line for line in err_again.splitlines() if REPORT_LINE.match(line)]
    assert len(people) == len([line for line in err.splitlines() if REPORT_LINE.match(line)])
    assert {REPORT_LINE.match(x).group("code") for x in people} == {  # type: ignore[union-attr]
        "JCM01", "JCM05", "JCM10", "JC115"}


# --- the command -----------------------------------------------------------------------

def test_default_is_a_diff_and_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    script = tmp_path / "s.sh"
    script.write_text("#!/bin/bash\njobsub_submit -G gm2 -M file:///x.sh\n"
                      "jobsub_submit -G gm2 $OPTS -q file:///x.sh\n")
    before = script.read_text()
    status, out, err = run_main(capsys, str(script))
    assert status == 1
    assert script.read_text() == before  # nothing written
    assert out.splitlines()[:2] == [f"--- {script}", f"+++ {script}"]
    assert "-jobsub_submit -G gm2 -M file:///x.sh" in out.splitlines()
    assert "+jobsub_submit -G gm2 --mail_always file:///x.sh" in out.splitlines()
    lines = err.splitlines()
    assert lines[0].startswith(f"{script}:3: [JCM01] jobsub_submit: its words use $OPTS")
    assert lines[-1] == ("jobsub-compat migrate: 1 file(s) read, 1 would change, 1 call(s) "
                         "rewritten (JC104 x1); 1 place(s) need a person (JCM01 x1).")


def test_write_keeps_a_backup_and_the_mode(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.sh"
    script.write_text("jobsub_submit -G gm2 -M file:///x.sh\n")
    script.chmod(0o750)
    status, out, err = run_main(capsys, "--write", str(script))
    assert (status, out) == (1, "")
    assert script.read_text() == "jobsub_submit -G gm2 --mail_always file:///x.sh\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o750
    assert (tmp_path / "s.sh.orig").read_text() == "jobsub_submit -G gm2 -M file:///x.sh\n"
    assert "1 changed" in err
    # again: nothing left to do, exit 0, the backup untouched
    assert run_main(capsys, "--write", str(script))[0] == 0
    assert (tmp_path / "s.sh.orig").read_text() == "jobsub_submit -G gm2 -M file:///x.sh\n"


def test_write_without_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.py"
    script.write_text('os.system("jobsub_submit -G gm2 -M file:///x.sh")\n')
    assert run_main(capsys, "--write", "--no-backup", str(script))[0] == 1
    assert "--mail_always" in script.read_text()
    assert not (tmp_path / "s.py.orig").exists()


def test_an_existing_backup_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.sh"
    script.write_text("jobsub_submit -G gm2 -M file:///x.sh\n")
    (tmp_path / "s.sh.orig").write_text("the first original\n")
    status, _, err = run_main(capsys, "--write", str(script))
    assert status == 1
    assert (tmp_path / "s.sh.orig").read_text() == "the first original\n"
    assert f"kept the existing backup {script}.orig" in err


def test_clean_files_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.sh"
    script.write_text("jobsub_submit -G gm2 --mail_always file:///x.sh\n")
    status, out, err = run_main(capsys, str(script))
    assert (status, out) == (0, "")
    assert err == ("jobsub-compat migrate: 1 file(s) read, 0 would change, 0 call(s) "
                   "rewritten; 0 place(s) need a person.\n")


def test_reports_alone_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.sh"
    script.write_text("jobsub_submit -G gm2 --OS=SL7 file:///x.sh\n")
    status, out, err = run_main(capsys, str(script))
    assert (status, out) == (1, "")
    assert REPORT_LINE.match(err.splitlines()[0])


def test_directory_walk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.sh").write_text("jobsub_submit -G gm2 -M file:///x.sh\n")
    (tmp_path / "b.py").write_text('os.system("jobsub_submit -G gm2 -M file:///x.sh")\n')
    (tmp_path / "c.dag").write_text("<serial>\njobsub -G gm2 -M file:///a.sh\n</serial>\n")
    (tmp_path / "tool").write_text("#!/bin/sh\njobsub_q -G gm2 --long --jobid=1.0@j.fnal.gov\n")
    (tmp_path / "notes.txt").write_text("jobsub_submit -G gm2 -M file:///x.sh\n")
    (tmp_path / "a.sh.orig").write_text("jobsub_submit -G gm2 -M file:///x.sh\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "hook.sh").write_text("jobsub_submit -G gm2 -M file:///x.sh\n")
    (tmp_path / "blob.sh").write_bytes(b"\0\1jobsub_submit")
    status, out, err = run_main(capsys, str(tmp_path))
    assert status == 1
    changed = sorted(line[4:] for line in out.splitlines() if line.startswith("--- "))
    assert changed == [str(tmp_path / n) for n in ("a.sh", "b.py", "c.dag", "tool")]
    assert "4 would change" in err


def test_an_unreadable_file_named_is_reported(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    blob = tmp_path / "blob.sh"
    blob.write_bytes(b"\0\1jobsub_submit")
    status, _, err = run_main(capsys, str(blob))
    assert status == 1
    assert err.splitlines()[0] == f"{blob}:1: [JCM11] cannot read it: a binary file"


@pytest.mark.parametrize("argv", [
    pytest.param([], id="no-path"),
    pytest.param(["/nonexistent/x.sh"], id="missing-path"),
    pytest.param(["--from-log", "--write"], id="from-log-with-write"),
    pytest.param(["--from-log", "/nonexistent/log.jsonl"], id="missing-log"),
    pytest.param(["--frobnicate", "x"], id="unknown-option"),
])
def test_usage_errors_exit_2_with_one_line(argv: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("jobsub-compat migrate: error: ")


def test_help_names_the_exit_statuses_and_codes(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(capsys, "--help")
    assert status == 0
    assert "Exit status: 0 when nothing would change" in out
    assert "named on the command line that does not exist or cannot be read" in out
    review = [c for c, (severity, _, _) in codes.CODES.items() if severity == codes.REVIEW]
    assert review
    for code in review:
        assert code in out


def test_report_lines_have_one_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(DATA / "before", tmp_path / "s")
    _, _, err = run_main(capsys, str(tmp_path / "s"))
    lines = err.splitlines()
    assert all(REPORT_LINE.match(line) for line in lines[:-1])
    assert lines[-1].startswith("jobsub-compat migrate: 4 file(s) read, 4 would change")


# --- --from-log ------------------------------------------------------------------------

def _record(time: str, command: str, codes: list[str], script: str | None,
            cmdline: list[str] | None = None) -> str:
    caller = None if script is None and cmdline is None else {
        "cmdline": cmdline or ["bash", script], "script": script}
    return json.dumps({"time": time, "command": command, "argv": [], "warnings": codes,
                       "caller": caller})


LOG = "\n".join([
    _record("2026-01-05T10:00:00Z", "jobsub_submit", ["JC104", "JC101"], "/home/a/submit.sh"),
    _record("2026-01-06T10:00:00Z", "jobsub_submit", ["JC104"], "/home/a/submit.sh"),
    _record("2026-01-06T11:00:00Z", "jobsub_q", [], None, ["-bash"]),
    "this line is not JSON",
    _record("2026-01-07T09:00:00Z", "jobsub_q", ["JC162"], None),
]) + "\n"


def test_from_log_lists_scripts_and_what_they_still_need(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "migration.jsonl"
    log.write_text(LOG)
    status, out, err = run_main(capsys, "--from-log", str(log))
    assert status == 1
    assert out.splitlines() == [
        "(unknown caller)",
        "  1 call(s), last seen 2026-01-07T09:00:00Z; commands: jobsub_q",
        "  JC162  1 call(s), last seen 2026-01-07T09:00:00Z: --dag: Use -dag for condor's own "
        "layout; --hold: Use -hold for condor's own layout; --run: Use -run for condor's own "
        "layout; --idle: Use -idle for condor's own layout; --summary: Use -totals for "
        "condor's own counts.",
        "/home/a/submit.sh",
        "  2 call(s), last seen 2026-01-06T10:00:00Z; commands: jobsub_submit",
        "  JC104  2 call(s), last seen 2026-01-06T10:00:00Z: -M: Use --mail_always.",
        "  JC101  1 call(s), last seen 2026-01-05T10:00:00Z (not in its latest call: fixed?): "
        "--jobsub-server: Remove it.",
        "-bash",
        "  1 call(s), last seen 2026-01-06T11:00:00Z; commands: jobsub_q",
        "  nothing left to migrate",
    ]
    assert err.splitlines() == [
        "jobsub-compat migrate: warning: skipped 1 malformed line(s)",
        "jobsub-compat migrate: 3 script(s) in the log, 2 still using legacy options."]


def test_from_log_general_codes_and_a_script_to_migrate(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "run.sh"
    script.write_text("jobsub_submit -G gm2 --lines=\"'x'\" file:///x.sh\n")
    log = tmp_path / "log.jsonl"
    log.write_text(_record("2026-02-01T00:00:00Z", "jobsub_submit", ["JC210"], str(script)) + "\n")
    status, out, _ = run_main(capsys, "--from-log", str(log))
    assert status == 1
    assert ("  JC210  1 call(s), last seen 2026-02-01T00:00:00Z: Nothing to change by hand: "
            "`jobsub-compat migrate SCRIPT` writes") in out
    assert f"  migrate it: jobsub-compat migrate {script}" in out


def test_from_log_default_log_and_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("JOBSUB_COMPAT_SITE_CONFIG", str(tmp_path / "site.conf"))
    monkeypatch.delenv("JOBSUB_COMPAT_LOG", raising=False)
    status, out, err = run_main(capsys, "--from-log")
    assert (status, out) == (1, "")
    assert err.startswith(f"jobsub-compat migrate: error: no migration log at {state}")
    (state / "jobsub_compat").mkdir(parents=True)
    (state / "jobsub_compat" / "migration.jsonl").write_text(
        _record("2026-01-06T11:00:00Z", "jobsub_q", [], "/x.sh") + "\n")
    status, out, _ = run_main(capsys, "--from-log")
    assert status == 0
    assert out.splitlines() == ["/x.sh", "  1 call(s), last seen 2026-01-06T11:00:00Z; "
                                "commands: jobsub_q", "  nothing left to migrate"]


def test_from_log_streams(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Many records of few scripts: only the aggregates are kept."""
    log = tmp_path / "big.jsonl"
    with open(log, "w") as handle:
        for n in range(20000):
            handle.write(_record(f"2026-03-{1 + n % 28:02d}T00:00:00Z", "jobsub_submit",
                                 ["JC104"], f"/s{n % 3}.sh") + "\n")
    status, out, _ = run_main(capsys, "--from-log", str(log))
    assert status == 1
    assert out.count("JC104") == 3
    assert "  JC104  6667 call(s), last seen 2026-03-28T00:00:00Z" in out


def test_no_traceback_on_odd_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "odd.sh"
    script.write_text("case $x in\n a) jobsub_submit -G gm2 -M file:///x.sh ;;\n"
                      " *) $(( 1 + 2 )) ;;\nesac\nf() { (jobsub_q -G gm2 -af Owner); }\n"
                      "arr=(a b)\n[[ -n $x && -z $y ]] && jobsub_submit -G gm2 -q file:///y.sh\n")
    status, out, err = run_main(capsys, str(script))
    assert status == 1
    assert "+ a) jobsub_submit -G gm2 --mail_always file:///x.sh ;;" in out
    assert "+[[ -n $x && -z $y ]] && jobsub_submit -G gm2 --mail_on_error file:///y.sh" in out
    assert "Traceback" not in err


def test_environment_of_the_script_is_unknown() -> None:
    env = migrate.ScriptEnvironment()
    assert env.get("GROUP") == migrate.ENV_VALUE
    assert "JOBSUB_SERVER" not in env
    assert dict(env) == {}
    assert os.environ.get("GROUP") != migrate.ENV_VALUE


def test_from_log_reads_the_site_log_dir_when_set(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "alice.jsonl").write_text(_record("2026-01-06T11:00:00Z", "jobsub_q", [],
                                                  "/alice.sh") + "\n")
    (site_dir / "bob.jsonl.1").write_text(_record("2026-01-05T11:00:00Z", "jobsub_q", [],
                                                  "/bob.sh") + "\n")
    (site_dir / "bob.jsonl.2.gz").write_bytes(b"\x1f\x8b not read")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "jobsub_compat.conf").write_text(f"log-dir: {site_dir}\n")
    status, out, err = run_main(capsys, "--from-log")
    assert (status, err) == (0, "jobsub-compat migrate: 2 script(s) in the log, 0 still "
                                "using legacy options.\n")
    assert [line for line in out.splitlines() if line.startswith("/")] == ["/alice.sh", "/bob.sh"]
    status, _, err = run_main(capsys, "--from-log", "--log-dir", str(tmp_path / "none"))
    assert status == 1 and f"no migration log at {tmp_path / 'none'}" in err
