"""log/calling.py: the caller's command line and the script it runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jobsub_compat import log
from jobsub_compat.log import calling
from tests.log.common import JWT, SRC, make_script

SCRIPT_ARGUMENTS = [
    pytest.param(["bash", "/p/run.sh", "a"], ("/p/run.sh", False), id="bash"),
    pytest.param(["/bin/bash", "-x", "-o", "pipefail", "run.sh"], ("run.sh", False),
                 id="bash-options"),
    pytest.param(["bash", "--norc", "--", "-weird.sh"], ("-weird.sh", False), id="dashdash"),
    pytest.param(["bash", "-c", "jobsub_submit x"], (None, True), id="bash-c"),
    pytest.param(["sh", "-ec", "jobsub_submit x"], (None, True), id="sh-ec"),
    pytest.param(["-bash"], (None, False), id="login-shell"),
    pytest.param(["bash", "-s", "x"], (None, False), id="bash-stdin"),
    pytest.param(["python3.9", "-u", "-W", "ignore", "sub.py"], ("sub.py", False),
                 id="python"),
    pytest.param(["/usr/bin/python3", "-m", "pytest"], (None, False), id="python-m"),
    pytest.param(["python", "-c", "x"], (None, True), id="python-c"),
    pytest.param(["perl", "-w", "s.pl"], ("s.pl", False), id="perl"),
    pytest.param(["perl", "-e", "x"], (None, True), id="perl-e"),
    pytest.param(["make", "all"], (None, False), id="not-an-interpreter"),
    pytest.param([], (None, False), id="empty"),
]


@pytest.mark.parametrize(("argv", "expected"), SCRIPT_ARGUMENTS)
def test_script_argument(argv: list[str], expected: tuple[str | None, bool]) -> None:
    assert calling.script_argument(argv) == expected


SNIPPET = textwrap.dedent("""\
    import json, os, sys
    sys.path.insert(0, os.environ["SRC"])
    from jobsub_compat import log
    rec = log.make_record("jobsub_submit", [], [], [], None, None, 0, 0.0, os.environ)
    print(json.dumps(rec["caller"]))
""")


CALLERS = [
    # (script name, body, how it is run, expected cmdline[0] basename)
    pytest.param("run.sh", '#!/bin/bash\n"$PY" -c "$SNIPPET"\nexit $?\n',
                 ["bash", "{script}"], "bash", id="bash-absolute"),
    pytest.param("run.sh", '"$PY" -c "$SNIPPET"\nexit $?\n', ["bash", "run.sh"], "bash",
                 id="bash-relative"),
    pytest.param("run.sh", '#!/bin/bash\n"$PY" -c "$SNIPPET"\nexit $?\n', ["./run.sh"],
                 "bash", id="shebang-relative"),
    pytest.param("sub/run.sh", 'cd /\n"$PY" -c "$SNIPPET"\nexit $?\n',
                 ["bash", "sub/run.sh"], "bash", id="bash-cd-elsewhere"),
    pytest.param("sub/run.sh", 'cd /\n"$PY" -c "$SNIPPET"\nexit $?\n',
                 ["/bin/sh", "./sub/run.sh"], "sh", id="sh-cd-elsewhere"),
    pytest.param("run.sh", '("$PY" -c "$SNIPPET") &\nwait\n', ["bash", "run.sh"], "bash",
                 id="background-subshell"),
    pytest.param("run.sh", 'echo x | xargs -n1 "$PY" -c "$SNIPPET"\nexit $?\n',
                 ["bash", "run.sh"], "xargs", id="through-xargs"),
    pytest.param("submit.py",
                 'import subprocess\nsubprocess.run(\'"$PY" -c "$SNIPPET"; true\', '
                 'shell=True)\n', ["{python}", "submit.py"], "sh", id="python-shell-true"),
]


@pytest.mark.parametrize(("name", "body", "run", "parent"), CALLERS)
def test_caller_script(tmp_path: Path, name: str, body: str, run: list[str],
                       parent: str) -> None:
    script = make_script(tmp_path / name, body)
    argv = [w.format(script=script, python=sys.executable) for w in run]
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "SNIPPET": SNIPPET, "SRC": SRC}
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["script"] == str(script)
    assert os.path.basename(found["cmdline"][0]) == parent


@pytest.mark.parametrize(("how", "expected"), [
    pytest.param('bash /dev/fd/3 3< "$DIR/run.sh"', "{dir}/run.sh", id="dev-fd-file"),
    pytest.param('bash /dev/stdin < "$DIR/run.sh"', "{dir}/run.sh", id="dev-stdin-file"),
    pytest.param('bash < "$DIR/run.sh"', "{dir}/run.sh", id="stdin-file"),
    pytest.param('cat "$DIR/run.sh" | bash /dev/stdin', None, id="pipe"),
])
def test_caller_script_from_a_descriptor(tmp_path: Path, how: str,
                                         expected: str | None) -> None:
    make_script(tmp_path / "run.sh", '"$PY" -c "$SNIPPET"\nexit $?\n')
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "SNIPPET": SNIPPET, "SRC": SRC,
           "DIR": str(tmp_path)}
    done = subprocess.run(["bash", "-c", how + "; exit $?"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["script"] == (expected and expected.format(dir=tmp_path))


def test_caller_cmdline_is_redacted(tmp_path: Path) -> None:
    script = make_script(tmp_path / "run.sh", '"$PY" -c "$SNIPPET"\nexit $?\n')
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "SNIPPET": SNIPPET, "SRC": SRC}
    done = subprocess.run(["bash", str(script), JWT], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    found = json.loads(done.stdout)
    assert found["cmdline"] == ["bash", str(script), "<redacted>"]


def test_caller_interactive_shell_has_no_script(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "SNIPPET": SNIPPET, "SRC": SRC}
    done = subprocess.run(["bash", "-s"], input='"$PY" -c "$SNIPPET"\nexit $?\n',
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert json.loads(done.stdout) == {"cmdline": ["bash", "-s"], "script": None}


def test_caller_unknown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(calling, "PROC", str(tmp_path / "noproc"))
    assert log.make_record("jobsub_q", [], [], [], None, None, 0, 0.0, {})["caller"] is None


_OLD_PYTHON = re.compile(r"python[0-9.]*[a-z]?")  # what _is_python replaced


def test_python_names() -> None:
    for start in ("python", "pytho", "pypy", "xpython", ""):
        for version in ("", "3", "3.11", "3.", ".", "311", "3-11", "3x", "٣", "3.1 "):
            for end in ("", "t", "m", "z", "T", "é", "ǆ", "1", ".", "tt", "İ", "\n", "-"):
                name = start + version + end
                assert calling._is_python(name) == bool(_OLD_PYTHON.fullmatch(name)), name
