"""jobsub-compat migrate on shell scripts: command strings followed through the script's
assignments, arrays, units of run-time values, IFS by scope, here-documents, and the
credential steps written for tokens. Each rewrite is also run in bash: the words the
rewritten script hands jobsub_submit read, for jobsub_lite, like the drop-in's
translation of the words the original handed it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jobsub_compat import migrate

RECORDER = f"""#!{sys.executable}
# stand-in for jobsub_submit: records its argv
import json, os, sys
with open(os.environ["RECORD"], "a") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def migrated(tmp_path: Path, text: str, name: str = "x.sh") -> tuple[str, list[str]]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    run = migrate.Migration()
    run.path(str(path))
    outcome = next(o for o in run.outcomes if o.path == str(path))
    return outcome.new, [f"{r.line}: [{r.code}]" for r in run.failures + outcome.reports]


def bash_words(tmp_path: Path, text: str, env: dict[str, str]) -> list[list[str]]:
    """The argv of every jobsub_submit the script runs in bash."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "jobsub_submit").write_text(RECORDER)
    (bin_dir / "jobsub_submit").chmod(0o755)
    record = tmp_path / "record.jsonl"
    record.unlink(missing_ok=True)
    script = tmp_path / "run.sh"
    script.write_text(text)
    subprocess.run(["bash", str(script)], cwd=tmp_path, capture_output=True, timeout=60,
                   env={"PATH": f"{bin_dir}:/usr/bin:/bin", "RECORD": str(record),
                        "HOME": str(tmp_path), **env})
    return [json.loads(x) for x in record.read_text().splitlines()] if record.exists() else []


def meant(words: list[str]) -> list[str]:
    plan = migrate.translate("jobsub_submit", words)
    assert plan.error is None, plan.error
    return migrate.lite_reading(plan.backend_argv[1:])


STRING_FIXES = [
    # the blacklist requirement the legacy server made of three words: an array
    pytest.param("""\
        SITE_OPT=""
        [ -n "$SITE" ] && SITE_OPT="--site=$SITE"
        if [ -n "$BL" ]; then
           SITE_OPT="-c '(TARGET.GLIDEIN_Site isnt \\"$BL\\")' ${SITE_OPT}"
        fi
        CMD="jobsub_submit -G gm2 \\
             ${SITE_OPT} \\
             -M file://$PWD/x.sh"
        echo $CMD
        $CMD 2>&1 | tee log
        """, """\
        SITE_OPT=()
        [ -n "$SITE" ] && SITE_OPT=(--site=$SITE)
        if [ -n "$BL" ]; then
           SITE_OPT=(-c "'(TARGET.GLIDEIN_Site isnt \\"$BL\\")'" "${SITE_OPT[@]}")
        fi
        CMD=(jobsub_submit -G gm2 \\
             "${SITE_OPT[@]}" \\
             --mail_always file://$PWD/x.sh)
        echo ${CMD[*]}
        "${CMD[@]}" 2>&1 | tee log
        """, [{"BL": "SiteX", "SITE": "A,B"}, {"BL": "SiteX"}, {}], id="requirement-to-array"),
    # units of run-time values, fragments in the branches, quotes the legacy server took out
    pytest.param("""\
        LT=""
        [ -n "$L" ] && LT="--expected-lifetime $L"
        LINES_OPT=""
        [ -n "$IMG" ] && LINES_OPT=+SingularityImage=\\"/cvmfs/x:latest\\"
        CMD="jobsub_submit -G gm2 ${LT} --lines='${LINES_OPT}' file:///x.sh"
        $CMD
        """, """\
        LT=""
        [ -n "$L" ] && LT="--expected-lifetime $L$(case ${L} in ''|*[!0-9]*) ;; *) echo s;; esac)"
        LINES_OPT=""
        [ -n "$IMG" ] && LINES_OPT=+SingularityImage=\\"/cvmfs/x:latest\\"
        CMD="jobsub_submit -G gm2 ${LT} --lines=${LINES_OPT} file:///x.sh"
        $CMD
        """, [{"L": "3600", "IMG": "1"}, {"L": "3h"}, {}], id="units-and-quotes"),
    # IFS changed and restored far from the command string: it does not matter there
    pytest.param("""\
        OLD=$IFS; IFS=,; read -r x y <<< "1,2"; IFS=$OLD
        for f in a,b c; do
          IFS=','
          PARTS=($f)
          unset IFS
        done
        CMD="jobsub_submit -G gm2 -M file:///x.sh $x"
        $CMD
        """, """\
        OLD=$IFS; IFS=,; read -r x y <<< "1,2"; IFS=$OLD
        for f in a,b c; do
          IFS=','
          PARTS=($f)
          unset IFS
        done
        CMD="jobsub_submit -G gm2 --mail_always file:///x.sh $x"
        $CMD
        """, [{}], id="ifs-by-scope"),
    # an if/else that sets the value in every branch: the environment cannot give it
    pytest.param("""\
        if [ "$M" -le 100 ]; then MEM="${M}GB"; else MEM="${M}MB"; fi
        jobsub_submit -G gm2 --memory=$MEM -q file:///x.sh
        """, """\
        if [ "$M" -le 100 ]; then MEM="${M}GB"; else MEM="${M}MB"; fi
        jobsub_submit -G gm2 --memory=$MEM --mail_on_error file:///x.sh
        """, [{"M": "2"}, {"M": "2000"}], id="if-else-covers-the-value"),
    # eval reads the string as shell again: its quotes are real
    pytest.param("""\
        CMD="jobsub_submit -G gm2 -l '+A=1' -M file:///x.sh"
        eval "$CMD"
        """, """\
        CMD="jobsub_submit -G gm2 -l '+A=1' --mail_always file:///x.sh"
        eval "$CMD"
        """, [{}], id="eval"),
    # a here-document that runs a jobsub command is migrated like the script
    pytest.param("""\
        bash <<'EOF'
        jobsub_submit -G gm2 -M --expected-lifetime=600 file:///x.sh
        EOF
        """, """\
        bash <<'EOF'
        jobsub_submit -G gm2 --mail_always --expected-lifetime=600s file:///x.sh
        EOF
        """, [{}], id="here-document"),
]


@pytest.mark.parametrize(("before", "after", "envs"), STRING_FIXES)
def test_string_fixes(tmp_path: Path, before: str, after: str,
                      envs: list[dict[str, str]]) -> None:
    new, reports = migrated(tmp_path, before)
    assert new == textwrap.dedent(after)
    assert reports == []
    assert migrated(tmp_path, new, "again.sh") == (new, [])  # idempotent
    for env in envs:
        old_runs = bash_words(tmp_path, textwrap.dedent(before), env)
        new_runs = bash_words(tmp_path, new, env)
        assert len(old_runs) == len(new_runs) == 1, env
        assert migrate.lite_reading(new_runs[0]) == meant(old_runs[0]), env


STRING_REPORTS = [
    pytest.param('export CMD="jobsub_submit -G gm2 --site=\'A B\' file:///x.sh"\n$CMD\n',
                 ["2: [JCM02]"], id="an-exported-string-cannot-become-an-array"),
    pytest.param('CMD="jobsub_submit -G gm2 --site=\'A B\' file:///x.sh"\n'
                 'echo ${#CMD}\n$CMD\n', ["3: [JCM02]"], id="string-length-read"),
    pytest.param('CMD="jobsub_submit -G gm2 -M file:///x.sh"\nssh gpvm $CMD\n', ["2: [JCM07]"],
                 id="run-through-ssh"),
    pytest.param('O=""\nO="--site=\'A B\'"\nssh h $O\nCMD="jobsub_submit -G gm2 $O file:///x.sh"\n'
                 '$CMD\n', ["5: [JCM02]"], id="fragment-handed-to-another-program"),
    pytest.param('O="--site=\'A B\'" true\nCMD="jobsub_submit -G gm2 $O file:///x.sh"\n$CMD\n',
                 ["3: [JCM01]"], id="fragment-set-for-one-command-only"),
    pytest.param("O='--site=\"A B\"'\nCMD=\"jobsub_submit -G gm2 $O file:///x.sh\"\n$CMD\n",
                 ["3: [JCM02]"], id="fragment-in-single-quotes"),
    # IFS unset, then copied and "restored": it is empty, and nothing is split any more
    pytest.param('unset IFS\nOLD=$IFS; IFS=,; IFS=$OLD\nCMD="jobsub_submit -G gm2 -M file:///x.sh"\n'
                 '$CMD\n', ["4: [JCM06]"], id="ifs-restored-from-unset"),
    # the image known only at run time: the quotes that keep its own quotes from the
    # legacy re-split cannot go where it is empty and stay where it is not
    pytest.param('L=""\n[ -n "$IMG" ] && L=+SingularityImage=\\"$IMG\\"\n'
                 "CMD=\"jobsub_submit -G gm2 --lines='${L}' file:///x.sh\"\n$CMD\n",
                 ["4: [JCM04]"], id="quotes-needed-in-one-branch-only"),
]


@pytest.mark.parametrize(("text", "expected"), STRING_REPORTS)
def test_string_reports(tmp_path: Path, text: str, expected: list[str]) -> None:
    new, reports = migrated(tmp_path, text)
    assert reports == expected
    assert new == text


# --- credentials ----------------------------------------------------------------------------

CREDENTIAL_FIXES = [
    pytest.param("kx509\nvoms-proxy-init -rfc -noregen "
                 "-voms fermilab:/fermilab/gm2/Role=Analysis\n",
                 "htgettoken -a htvaultprod.fnal.gov -i gm2\n", id="kx509-and-analysis-proxy"),
    pytest.param("voms-proxy-init -voms=fermilab:/fermilab/nova/Role=Production -q\n",
                 "htgettoken -a htvaultprod.fnal.gov -i nova -r production -q\n",
                 id="production-role"),
    pytest.param("voms-proxy-init -voms dune:/dune/Role=$ROLE\n",
                 "htgettoken -a htvaultprod.fnal.gov -i dune -r \"$(r=$(printf %s \"${ROLE}\" "
                 "| tr '[:upper:]' '[:lower:]'); case $r in ''|analysis|null) r=default;; esac; "
                 "printf %s \"$r\")\"\n", id="role-from-a-variable"),
    pytest.param("if [[ $ROLE == \"Analysis\" ]]; then\n"
                 "  voms-proxy-init -voms fermilab:/fermilab/gm2/Role=$ROLE || exit 1\n"
                 "else\n  export X509_USER_PROXY=/opt/gm2pro/gm2pro.Production.proxy\nfi\n",
                 "if [[ $ROLE == \"Analysis\" ]]; then\n"
                 "  htgettoken -a htvaultprod.fnal.gov -i gm2 || exit 1\n"
                 "else\n  :\nfi\n", id="role-known-from-the-test-and-managed-proxy"),
    pytest.param("voms-proxy-destroy > /dev/null 2>&1\nif kx509 | tee -a log; then :; fi\n",
                 "if true | tee -a log; then :; fi\n", id="nothing-to-do-kx509-destroy"),
    pytest.param("jobsub_submit -G gm2 file:///x.sh\n"
                 "voms-proxy-info -exists -valid 2:30 || voms-proxy-init "
                 "-voms fermilab:/fermilab/gm2/Role=Analysis\n",
                 "jobsub_submit -G gm2 file:///x.sh\n"
                 "htgettoken -a htvaultprod.fnal.gov -i gm2 --minsecs=9000 -q || htgettoken "
                 "-a htvaultprod.fnal.gov -i gm2\n", id="exists-valid"),
    pytest.param("kx509\nvoms-proxy-init -voms fermilab:/fermilab/gm2/Role=Analysis\n"
                 "if [ $(voms-proxy-info -all | grep -c \"VO fermilab\") -eq 0 ]; then exit 1; fi\n"
                 "voms-proxy-info -all | grep -q 'Role=Production' && echo prod\n",
                 "htgettoken -a htvaultprod.fnal.gov -i gm2\n"
                 "if [ $({ htgettoken -a htvaultprod.fnal.gov -i gm2 >/dev/null 2>&1 && echo 1 "
                 "|| echo 0; }) -eq 0 ]; then exit 1; fi\n"
                 "false && echo prod\n", id="all-grep-count-and-status"),
    pytest.param("LEFT=$(voms-proxy-info -timeleft)\nP=$(voms-proxy-info -path)\nvoms-proxy-info\n"
                 "setup cigetcert\ncigetcert -n -o /tmp/x509up_u1 && echo ok\n",
                 "LEFT=$( (exp=$(httokendecode 2>/dev/null | sed -n 's/^ *\"exp\": *\\([0-9]*\\)"
                 ".*/\\1/p'); [ -n \"$exp\" ] && now=$(date +%s) && echo $((exp > now ? exp - now"
                 " : 0))))\nP=$(echo \"${BEARER_TOKEN_FILE:-${XDG_RUNTIME_DIR:-/tmp}/bt_u"
                 "$(id -u)}\")\nhttokendecode -H\ntrue && echo ok\n",
                 id="timeleft-path-info-cigetcert"),
    pytest.param("jobsub_submit --group=dune file:///x.sh\nvoms-proxy-info -exists -hours 2 "
                 "&& echo ok\n",
                 "jobsub_submit --group=dune file:///x.sh\nhtgettoken -a htvaultprod.fnal.gov -i "
                 "dune --minsecs=7200 -q && echo ok\n", id="exists-hours-group-from-a-call"),
    pytest.param("export X509_USER_PROXY=$(voms-proxy-info -path)\nsource setup_fnal_security\n"
                 "jobsub_submit -G mu2e file:///x.sh\n",
                 "htgettoken -a htvaultprod.fnal.gov -i mu2e\njobsub_submit -G mu2e file:///x.sh\n",
                 id="helper-and-proxy-path"),
]


@pytest.mark.parametrize(("before", "after"), CREDENTIAL_FIXES)
def test_credential_fixes(tmp_path: Path, before: str, after: str) -> None:
    new, reports = migrated(tmp_path, before)
    assert new == after
    assert reports == []
    assert migrated(tmp_path, new, "again.sh") == (new, [])
    assert subprocess.run(["bash", "-n", str(tmp_path / "again.sh")]).returncode == 0


CREDENTIAL_REPORTS = [
    pytest.param("voms-proxy-info -fqan\n", ["1: [JCM12]"], id="fqan-output"),
    pytest.param("voms-proxy-info -exists\n", ["1: [JCM12]"], id="no-experiment-named"),
    pytest.param("voms-proxy-init -voms \"$FQAN\"\n", ["1: [JCM12]"], id="fqan-at-run-time"),
    pytest.param("voms-proxy-info -all | grep timeleft\n", ["1: [JCM12]"], id="grep-output-used"),
    pytest.param("jobsub_submit -G gm2 file:///x.sh\nvoms-proxy-info -all | grep -c 'VO.*' \n",
                 ["2: [JCM12]"], id="grep-pattern"),
    pytest.param("voms-proxy-init -rfc\n", ["1: [JCM12]"], id="init-without-voms"),
    pytest.param("voms-proxy-info -frobnicate\n", ["1: [JCM12]"], id="unknown-option"),
    pytest.param("jobsub_submit -G gm2 file:///x.sh\nvoms-proxy-info -exists -valid 10\n",
                 ["2: [JCM12]"], id="valid-not-h-m"),
    pytest.param("X509_USER_PROXY=/tmp/p OTHER=1\n", ["1: [JCM12]"], id="proxy-with-others"),
    pytest.param("voms-proxy-init -voms fermilab:/fermilab/gm2/$SUB/Role=Analysis\n",
                 ["1: [JCM12]"], id="fqan-with-a-variable-group"),
]


@pytest.mark.parametrize(("text", "expected"), CREDENTIAL_REPORTS)
def test_credential_reports(tmp_path: Path, text: str, expected: list[str]) -> None:
    new, reports = migrated(tmp_path, text)
    assert reports == expected
    assert new == text


def test_credential_branches_follow_htgettoken(tmp_path: Path) -> None:
    """The migrated check takes the branch htgettoken's status decides (the double:
    Kerberos on, then off)."""
    text = ("kx509 && voms-proxy-init -voms fermilab:/fermilab/gm2/Role=Analysis && "
            "echo GOT || echo NONE\n")
    new, _ = migrated(tmp_path, text)
    double = Path(__file__).parent / "doubles" / "htgettoken" / "htgettoken"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "htgettoken").write_text(f"#!/bin/sh\nexec {sys.executable} {double} \"$@\"\n")
    (bin_dir / "htgettoken").chmod(0o755)
    (tmp_path / "run.sh").write_text(new)
    for kerberos, expected in (("1", "GOT"), ("0", "NONE")):
        done = subprocess.run(["bash", str(tmp_path / "run.sh")], capture_output=True,
                              text=True, env={"PATH": f"{bin_dir}:/usr/bin:/bin",
                                              "XDG_RUNTIME_DIR": str(tmp_path),
                                              "HTGETTOKEN_DOUBLE_KERBEROS": kerberos,
                                              "HOME": str(tmp_path)})
        assert done.stdout.splitlines()[-1] == expected, done.stdout + done.stderr
    assert "kx509" not in new and "voms" not in new
    assert os.path.exists(tmp_path / "run.sh")


MORE_FIXES = [
    pytest.param('CMD=(jobsub_submit -G gm2)\nCMD+=(-M "--site=A")\n"${CMD[@]}" file:///x.sh\n',
                 'CMD=(jobsub_submit -G gm2)\nCMD+=(--mail_always "--site=A")\n'
                 '"${CMD[@]}" file:///x.sh\n', id="array-built-by-hand"),
    pytest.param('CMD="jobsub_submit -G gm2 -q"\n$CMD file:///x.sh a b\n',
                 'CMD="jobsub_submit -G gm2 --mail_on_error"\n$CMD file:///x.sh a b\n',
                 id="string-run-with-more-words"),
]


@pytest.mark.parametrize(("before", "after"), MORE_FIXES)
def test_more_fixes(tmp_path: Path, before: str, after: str) -> None:
    new, reports = migrated(tmp_path, before)
    assert (new, reports) == (after, [])
    assert migrated(tmp_path, new, "again.sh") == (new, [])


MORE_REPORTS = [
    pytest.param('CMD="jobsub_submit -G gm2 -f /pnfs/*.root file:///x.sh"\n$CMD\n',
                 ["2: [JCM01]"], id="file-pattern-in-a-string"),
    pytest.param('IFS=:\njobsub_submit -G gm2 $OPTS -M file:///x.sh\n', ["2: [JCM06]"],
                 id="ifs-splits-a-word-of-the-line"),
    pytest.param("".join(f'V{k}=""\n' + "".join(f'[ "$X" = {j} ] && V{k}="-e A{k}={j}"\n'
                                                 for j in range(11)) for k in range(40))
                 + 'jobsub_submit -G gm2 ' + " ".join(f"$V{k}" for k in range(40))
                 + " -M file:///x.sh\n", [f"{40 * 12 + 1}: [JCM06]"],
                 id="too-many-branches"),
]


@pytest.mark.parametrize(("text", "expected"), MORE_REPORTS)
def test_more_reports(tmp_path: Path, text: str, expected: list[str]) -> None:
    new, reports = migrated(tmp_path, text)
    assert (new, reports) == (text, expected)


def test_credential_steps_in_a_python_string(tmp_path: Path) -> None:
    text = ('import os\nos.system("kx509 && voms-proxy-init -voms '
            'fermilab:/fermilab/gm2/Role=Production && jobsub_submit -G gm2 -M file:///x.sh")\n'
            'os.system("voms-proxy-init -voms fermilab:/fermilab/gm2/Role=$ROLE; '
            'jobsub_submit -G gm2 file:///x.sh")\n')
    new, reports = migrated(tmp_path, text, "x.py")
    assert new.splitlines()[1] == (
        'os.system("true && htgettoken -a htvaultprod.fnal.gov -i gm2 -r production && '
        'jobsub_submit -G gm2 --mail_always file:///x.sh")')
    assert reports == ["3: [JCM12]"]  # the run-time role needs quotes the string cannot hold
