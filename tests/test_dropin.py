"""End to end: bin/jobsub_submit in a process, with the jobsub_lite test double."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from jobsub_compat import dropin
from tests.conftest import DOUBLE_BIN, ROOT

SHIM = ROOT / "bin" / "jobsub_submit"


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SHIM), *argv], env=env, capture_output=True,
                          text=True, timeout=60)


def g2_argv() -> list[str]:
    cmd = ("-G gm2 -M --jobsub-server=https://fifebatch.fnal.gov:8443 -N 10 "
           "--lines='' --append_condor_requirements='(TARGET.Arch == \"X86_64\")' "
           "-e RUNSET=7 file:///gm2/run.sh --fcl run.fcl -1")
    return cmd.split()


def test_g2_line_reaches_the_double(double_env: dict[str, str], tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    done = run(g2_argv(), {**double_env, "JOBSUB_LITE_DOUBLE_RECORD": str(record)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    at = lines.index("JobsubJobId of first job: 4242.0@jobsub01.fnal.gov")
    assert lines[at + 1] == "Use job id 4242.0@jobsub01.fnal.gov to retrieve output"
    assert lines[at].split()[4] == "4242.0@jobsub01.fnal.gov"  # awk '{print $5}'
    args = json.loads(record.read_text())["args"]
    assert args["mail"] == "always"
    assert args["append_condor_requirements"] == ['(TARGET.Arch == "X86_64")']
    assert args["lines"] == [""]
    assert args["exe_arguments"] == ["--fcl", "run.fcl", "-1"]
    assert "warning [JC104]" in done.stderr and "warning [JC101]" in done.stderr


def test_jobid_output_only(double_env: dict[str, str]) -> None:
    done = run(["-G", "gm2", "--jobid-output-only", "file:///x.sh"], double_env)
    assert done.returncode == 0
    assert done.stdout == "4242.0@jobsub01.fnal.gov\n"


def test_condor_failure_exits_non_zero(double_env: dict[str, str]) -> None:
    done = run(["-G", "gm2", "file:///x.sh"], {**double_env, "JOBSUB_LITE_DOUBLE_FAIL": "condor"})
    assert done.returncode == 1
    assert "condor_submit exited with failed status" in done.stdout
    assert "[JC401]" in done.stderr


def test_condor_failure_with_jobid_output_only_loses_nothing(double_env: dict[str, str]) -> None:
    done = run(["-G", "gm2", "--jobid-output-only", "file:///x.sh"],
               {**double_env, "JOBSUB_LITE_DOUBLE_FAIL": "condor"})
    assert done.returncode == 1 and done.stdout == ""
    assert "condor_submit exited with failed status" in done.stderr


def test_backend_status_passes_through(double_env: dict[str, str]) -> None:
    assert run(["-G", "gm2", "file:///x.sh"],
               {**double_env, "JOBSUB_LITE_DOUBLE_EXIT": "3"}).returncode == 3


def test_dry_run_needs_no_job_id(double_env: dict[str, str]) -> None:
    done = run(["-G", "gm2", "-n", "file:///x.sh"], double_env)
    assert done.returncode == 0 and "Submission files are in:" in done.stdout


@pytest.mark.parametrize("argv", [["-G", "gm2", "--support-email"],
                                  ["-G", "gm2", "--support-email", "file:///x.sh"]],
                         ids=["alone", "with-executable"])
def test_support_email_gives_jobsub_lites_answer(double_env: dict[str, str],
                                                 argv: list[str]) -> None:
    """It submits nothing, so there is no job id to wait for: jobsub_lite's line, exit 0."""
    done = run(argv, double_env)
    assert (done.returncode, done.stdout) == (0, "Email jobsub-support@fnal.gov for help.\n")
    assert "JC401" not in done.stderr, done.stderr


def test_lite_rejection_passes_its_status(double_env: dict[str, str]) -> None:
    done = run(["-G", "gm2", "file:///x.sh"], {**double_env, "JOBSUB_LITE_DOUBLE_EXIT": "3"})
    assert done.returncode == 3


def test_missing_backend(environ: dict[str, str], tmp_path: Path) -> None:
    done = run(["-G", "gm2", "file:///x.sh"],
               {**environ, "JOBSUB_COMPAT_BACKEND": str(tmp_path)})
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and "JOBSUB_COMPAT_BACKEND" in done.stderr


def test_shim_first_on_path_finds_the_real_one(environ: dict[str, str]) -> None:
    env = {**environ, "PATH": os.pathsep.join([str(ROOT / "bin"), str(DOUBLE_BIN),
                                               os.environ["PATH"]])}
    assert run(["-G", "gm2", "file:///x.sh"], env).returncode == 0


def test_recursion_is_stopped(double_env: dict[str, str]) -> None:
    done = run(["-G", "gm2", "file:///x.sh"],
               {**double_env, "JOBSUB_COMPAT_ACTIVE": "jobsub_submit"})
    assert done.returncode == 1 and "called jobsub_submit again" in done.stderr


def test_usage_error_is_one_line_exit_1(double_env: dict[str, str]) -> None:
    """The legacy client passed an unknown option to the server, which refused it: 1."""
    done = run(["-G", "gm2", "--frobnicate", "file:///x.sh"], double_env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "jobsub_submit: error: unknown option --frobnicate; see jobsub_submit --help"]


def test_version_names_both(double_env: dict[str, str]) -> None:
    done = run(["--version"], double_env)
    assert done.returncode == 0
    assert "jobsub-compat" in done.stdout and "jobsub_lite version 1.12" in done.stdout


def test_help(double_env: dict[str, str]) -> None:
    done = run(["--help"], double_env)
    assert done.returncode == 0 and done.stdout.startswith("usage: jobsub_submit")


def test_dry_run_environment_prints_the_plan(double_env: dict[str, str], tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    done = run(["-G", "gm2", "-M", "file:///x.sh"],
               {**double_env, "JOBSUB_COMPAT_DRY_RUN": "1",
                "JOBSUB_LITE_DOUBLE_RECORD": str(record)})
    assert done.returncode == 0
    assert "--mail_always" in done.stdout and not record.exists()


def test_sigint_reaches_the_backend(double_env: dict[str, str]) -> None:
    """^C to the drop-in alone reaches jobsub_lite (here the double, which dies of it as a
    Python program does), and the drop-in then dies of SIGINT too."""
    env = {**double_env, "JOBSUB_LITE_DOUBLE_HANG": "1"}
    proc = subprocess.Popen([sys.executable, str(SHIM), "-G", "gm2", "file:///x.sh"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    assert proc.stdout is not None and proc.stdout.readline() == "Submitting job(s).\n"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGINT, err
    assert "KeyboardInterrupt" in err  # the double's own, as jobsub_lite's would be
    assert "jobsub_compat" not in err


def test_in_process_main(double_env: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    assert dropin.run("jobsub_submit", ["-G", "gm2", "-q", "file:///x.sh"], double_env) == 0
    out, err = capfd.readouterr()
    assert "JobsubJobId of first job: 4242.0@jobsub01.fnal.gov" in out
    assert "[JC123]" in err


def test_silenced_codes_are_not_printed(double_env: dict[str, str]) -> None:
    done = run(["-G", "gm2", "-M", "-q", "file:///x.sh"],
               {**double_env, "JOBSUB_COMPAT_SILENCE": "JC104"})
    assert "[JC104]" not in done.stderr and "[JC123]" in done.stderr
    done = run(["-G", "gm2", "-M", "file:///x.sh"], {**double_env, "JOBSUB_COMPAT_SILENCE": "all"})
    assert done.stderr == "" and done.returncode == 0


def test_strict_mode_turns_deprecations_into_errors(double_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    env = {**double_env, "JOBSUB_COMPAT_STRICT": "1", "JOBSUB_LITE_DOUBLE_RECORD": str(record)}
    done = run(["-G", "gm2", "-M", "file:///x.sh"], env)
    assert done.returncode == 2 and not record.exists()
    assert done.stderr.splitlines()[0].startswith("jobsub_submit: error [JC104]: ")
    assert run(["-G", "gm2", "--mail_always", "file:///x.sh"], env).returncode == 0
    conf = Path(double_env["XDG_CONFIG_HOME"]) / "jobsub_compat.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("strict = 1\nsilence = JC104\n")
    assert run(["-G", "gm2", "-M", "file:///x.sh"],
               {**double_env, "JOBSUB_LITE_DOUBLE_RECORD": str(record)}).returncode == 0


def test_each_call_leaves_one_log_record(double_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "migration.jsonl"
    env = {**double_env, "JOBSUB_COMPAT_LOG": str(log)}
    assert run(["-G", "gm2", "-M", "-e", "SECRET=hunter2", "file:///x.sh"], env).returncode == 0
    assert run(["-G", "gm2", "--frobnicate", "file:///x.sh"], env).returncode == 1
    run(["-G", "gm2", "file:///x.sh"], {**env, "JOBSUB_COMPAT_DRY_RUN": "1"})
    first, second = (json.loads(line) for line in log.read_text().splitlines())
    assert first["command"] == "jobsub_submit" and first["status"] == 0
    assert first["warnings"] == ["JC104"] and first["backend_version"] == "1.12"
    assert "hunter2" not in log.read_text()
    assert second["status"] == 1


def test_an_unwritable_log_does_not_stop_the_job(double_env: dict[str, str]) -> None:
    done = run(["-G", "gm2", "file:///x.sh"], {**double_env, "JOBSUB_COMPAT_LOG": "/proc/x/y"})
    assert done.returncode == 0
    assert "cannot write the migration log" in done.stderr


def test_launcher_runs_without_site_and_loads_packages_when_needed(double_env: dict[str, str]
                                                                   ) -> None:
    """The shebang runs `python3 -S`; the ClassAd tie-break still finds the bindings."""
    assert SHIM.read_text().startswith("#!/usr/bin/env -S python3 -S\n")
    done = subprocess.run([str(SHIM), "-G", "gm2", "-l",
                           '+SingularityImage="/cvmfs/x/fnal-wn-el9:latest"', "file:///x.sh"],
                          env=double_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "[JC205]" in done.stderr
