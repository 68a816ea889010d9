"""The start-up budget of the job-management drop-ins (issue 8: at most 2.5x a bare
interpreter start) rests on what they do not import: re (with enum, functools,
collections), json, shlex, typing, subprocess. These tests guard that, and prove that
each text rule written with string methods instead of a regex reads exactly what the
regex read."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
from benchmarks.run import DROPINS, STAND_IN
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jobsub_compat import backend, legacy, lite, tokens
from jobsub_compat.commands import COMMANDS, common, q, rm
from tests.conftest import ROOT

# Modules whose import the job-management path must not pay for.
HEAVY = {"re", "json", "enum", "shlex", "typing", "subprocess", "threading", "signal",
         "collections", "functools", "dataclasses", "inspect", "jwt", "cryptography",
         "htcondor", "htcondor2", "classad", "classad2", "sh", "asyncio", "configargparse"}

# The benchmark's stand-in backend and calls: the calls it measures are the ones guarded.
CALLS = {name: argv for name, argv in DROPINS.items() if name != "jobsub_submit"}


def imported(stderr: str) -> set[str]:
    """Module names from `python -X importtime` lines (`import time: us | us | name`)."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


@pytest.fixture()
def management_env(tmp_path: Path) -> dict[str, str]:
    """A realistic call: a valid gm2 token in BEARER_TOKEN_FILE, the log on, a backend
    without lib/version.py (so its version comes from the cache)."""
    bin_dir = tmp_path / "lite" / "bin"
    bin_dir.mkdir(parents=True)
    for name in CALLS:
        tool = bin_dir / str(COMMANDS[name].backend)  # the jobsub_lite tool behind it
        tool.write_text(STAND_IN)
        tool.chmod(0o755)
    token = jwt.encode({"wlcg.groups": ["/gm2", "/gm2/production"], "exp": int(time.time()) + 7200,
                        "iss": "https://cilogon.org/gm2", "sub": "alice"}, "k" * 32,
                       algorithm="HS256")
    token_file = tmp_path / "bt_gm2"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"),
            "JOBSUB_COMPAT_BACKEND": str(bin_dir), "BEARER_TOKEN_FILE": str(token_file),
            "TMPDIR": str(tmp_path)}


@pytest.mark.parametrize("command", sorted(CALLS))
def test_management_calls_import_nothing_heavy(command: str,
                                               management_env: dict[str, str]) -> None:
    argv = [sys.executable, "-S", "-X", "importtime", str(ROOT / "bin" / command),
            *CALLS[command]]
    first = subprocess.run(argv, env=management_env, capture_output=True, text=True,
                           timeout=60)  # fills the version and token-claims caches
    assert first.returncode == 0, first.stderr
    again = subprocess.run(argv, env=management_env, capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout and "42.0" in again.stdout
    assert sorted(imported(again.stderr) & HEAVY) == []


def test_the_registry_imports_nothing() -> None:
    """Every call reads the registry (commands/__init__.py) to find its command: it is
    data, and imports no module a bare interpreter has not (but __future__, which every
    module of the package imports anyway)."""
    def modules(code: str) -> set[str]:
        done = subprocess.run([sys.executable, "-S", "-X", "importtime", "-c", code],
                              capture_output=True, text=True, timeout=60,
                              env={"PYTHONPATH": str(ROOT / "src")})
        assert done.returncode == 0, done.stderr
        return imported(done.stderr)

    registry = modules("import jobsub_compat.commands")
    assert registry - modules("pass") == {"jobsub_compat", "jobsub_compat.commands",
                                          "__future__"}


def test_imported_reads_importtime_lines() -> None:
    done = subprocess.run([sys.executable, "-S", "-X", "importtime", "-c", "import json"],
                          capture_output=True, text=True, timeout=60)
    assert {"json", "re", "enum"} <= imported(done.stderr)


# -- each string-method rule against the regex it replaces ------------------------------

SIGNIFICANT = st.lists(st.sampled_from(list("0123456789.@_-/#=:'\"\\ \t\nabzAZ_é٣²K")
                                       + ["version", "__version__", "jobsub_lite version ",
                                          "held", "released", "error", "ERROR", "Role"]),
                       max_size=12).map("".join)
TEXT = st.one_of(SIGNIFICANT, st.text(max_size=30))


@given(st.one_of(TEXT, st.tuples(TEXT, st.sampled_from(
    ["fnal.gov", "fnal.gov\n", "fnalXgov", "s.fnal.gov", "@x.fnal.gov"])).map("".join)))
@example("12.@s.fnal.gov")
@example("1@s.fnal.gov\n")
@example("1.2.3@s.fnal.gov")
@example("1..2@s.fnal.gov")
@example("٣@s.fnal.gov")
@example("1@é-x.y@z.fnal.gov")
@example("1@fnal.gov")
@example("1@sXfnalYgov")
def test_is_job_id_is_the_legacy_regex(text: str) -> None:
    """jobsubClient.py check_id (Python 2, str pattern: ASCII \\w)."""
    regex = re.match(r"^[0-9]+\.*[0-9]*\@[\w]+[\w\-\_\.\@]*.fnal.gov$", text, re.ASCII)
    assert common.is_job_id(text) == bool(regex)


@given(TEXT, st.sampled_from(["held", "released", "marked for removal"]))
@example("beheld", "held")
@example("Job 1.0 HELD.", "held")
@example("held_", "held")
def test_has_word_is_a_bounded_case_blind_search(text: str, word: str) -> None:
    regex = re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE)
    if text.isascii():
        assert common.has_word(text, word) == bool(regex)


RM_FAILED = (r"Couldn't find|not found|Permission denied|not authorized|"
             r"no jobs in the queue|not held to be released|already held|"
             r"did not specify any jobs|Unrecognized option|Failed to|^Error|^ERROR")
PHRASES = st.sampled_from([p.upper() for p in rm.FAILED] + list(rm.FAILED)
                          + ["Failed to fetch ads", "failed to connect", "ERROR", "Error"])


@given(st.lists(st.one_of(TEXT, PHRASES), max_size=4).map(" ".join))
@example("Error: no such job")
@example("Failed to connect to schedd")
@example(" error")
def test_says_is_the_failure_regexes(text: str) -> None:
    if not text.isascii():  # condor's messages are English: ASCII case rules suffice
        return
    q_regex = re.search(r"Failed to fetch ads|Failed to connect|^Error|^ERROR", text,
                        re.IGNORECASE)
    assert common.says(text, q.FAILED, "error") == bool(q_regex)
    rm_regex = re.search(RM_FAILED, text, re.IGNORECASE)
    assert common.says(text, rm.FAILED, rm.FAILED_START) == bool(rm_regex)


@given(TEXT)
@example("version = '1.12'")
@example("  __version__: \"1.12.1\"  # comment")
@example("version_info = '1'")
@example("version = ''")
@example("version = 'x\"")
def test_version_assignment_is_the_version_regex(line: str) -> None:
    line = line.replace("\n", " ")  # one line, as detect_version hands it
    regex = re.search(r"""^\s*(?:__version__|version)\s*[:=]\s*["']([^"']+)["']""", line)
    assert backend.version_assignment(line) == (regex.group(1) if regex else None)


@given(TEXT)
@example("jobsub_lite version 1.12\n")
@example("jobsub_lite version  x jobsub_lite version 2")
def test_version_in_output_is_the_version_regex(text: str) -> None:
    regex = re.search(r"jobsub_lite version (\S+)", text)
    assert backend.version_in_output(text) == (regex.group(1) if regex else None)


@given(st.one_of(TEXT, st.lists(st.sampled_from(["/", "a", "b", "\n"]), max_size=8).map("".join)))
@example("/gm2/production")
@example("/fermilab/uboone/production")
@example("/a/b/")
@example("//b")
@example("/a/b\nc/d")
@example("/")
def test_group_entry_is_jobsub_lites_regex(name: str) -> None:
    both = re.match(r"/(.+)/(.+)", name)
    one = re.match(r"/(.+)", name)
    expected = (both.group(1), both.group(2)) if both else (one.group(1), None) if one else None
    assert tokens._group_entry(name) == expected


@settings(max_examples=300)
@given(st.lists(TEXT, max_size=6))
def test_resplit_without_shlex_is_shlex(raw: list[str]) -> None:
    words, origin = legacy.resplit(raw)
    if not any(set("'\"\\ \t\r\n") & set(w) for w in raw):  # the path that skips shlex
        assert words == shlex.split(" ".join(raw))
        assert [raw[i] for (i,) in origin] == words


@given(TEXT)
@example("a'b'c")
@example("x\\y")
def test_escape_layer_fast_path(word: str) -> None:
    expected = re.sub(r"\\(.)", r"\1", re.sub(r"(?!\\)'(.*[^\\])'", r"\1", word))
    assert lite.escape_layer(word) == expected
