"""The harness itself: each stand-in answers as the piece it replaces would."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import harness

pytestmark = pytest.mark.jobsub_lite


def test_a_plain_submission_reaches_htcondor(lite: harness.Sandbox, probe: Path) -> None:
    render = lite.submit(["-G", "gm2", f"file://{probe}", "a"])
    assert render.status == 0, render
    assert render.job_id == f"{render.ad['ClusterId']}.0@{harness.SCHEDD}"
    assert render.ad["JobsubCmd"] == "probe.sh"
    assert "Requirements" in render.ad and "expr" in render.ad["Requirements"]
    assert render.submission.call["env"]["_condor_CREDD_HOST"] == harness.SCHEDD
    assert render.submission.call["env"]["_condor_SEC_CREDENTIAL_STORER"].endswith(
        "/bin/condor_vault_storer")
    job = render.run_job(probe)
    assert job.status == 0, job
    assert job.argv == ["a"]
    assert job.env["JOBSUBJOBID"] == render.job_id


def test_the_collector_constraint_picks_the_available_schedd(lite: harness.Sandbox,
                                                             probe: Path) -> None:
    # jobsub02 is in downtime and jobsubdevgpvm01 is a dev schedd: jobsub_lite's own
    # constraint, evaluated by HTCondor's ClassAd library, leaves jobsub01.
    dev = lite.submit(["-G", "gm2", "--devserver", f"file://{probe}"])
    assert dev.status == 0, dev
    assert dev.job_id and dev.job_id.endswith("@jobsubdevgpvm01.fnal.gov")
    none = lite.submit(["-G", "lariat", f"file://{probe}"], group="lariat")
    assert none.status == 1 and "No schedds satisfying the constraint" in none.stderr


def test_condor_submit_fails_where_htcondor_fails(lite: harness.Sandbox, probe: Path) -> None:
    # A double quote inside the old arguments syntax: HTCondor refuses the file, and
    # jobsub_lite 1.12 still exits 0 (reference jobsub-lite.md §4).
    render = lite.submit(["-G", "gm2", f"file://{probe}", "a", '"b"'])
    assert render.status == 0
    assert render.submissions == [] and render.job_id is None
    assert "illegal unescaped double-quote" in render.stderr


def test_parse_is_jobsub_lites_own_parser(lite: harness.Sandbox) -> None:
    ok, ambiguous, glued = lite.parse_many([
        ["-G", "gm2", "--mem", "2GB", "file:///x.sh", "--memory", "3GB"],
        ["-G", "gm2", "file:///x.sh", "--ma"],
        ["-G", "gm2", "-dOUT", "/pnfs/x", "file:///x.sh"]])
    assert ok.status == 0 and ok.args["memory"] == "2GB"
    assert ok.args["exe_arguments"] == ["--memory", "3GB"]
    assert ambiguous.status == 2 and "ambiguous option: --ma" in ambiguous.stderr
    assert glued.status == 2


def test_a_dropbox_tarball_goes_through_the_rcds_stand_in(lite: harness.Sandbox,
                                                          probe: Path, tmp_path: Path) -> None:
    import tarfile

    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "setup.sh").write_text("echo hi\n")
    tarball = tmp_path / "code.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(tmp_path / "code" / "setup.sh", "setup.sh")
    render = lite.submit(["-G", "gm2", f"--tar_file_name=dropbox://{tarball}",
                          f"file://{probe}"], cwd=tmp_path)
    assert render.status == 0, render
    job = render.run_job(probe)
    assert job.status == 0, job
    assert (Path(job.env["INPUT_TAR_DIR_LOCAL"]) / "setup.sh").read_text() == "echo hi\n"
    assert lite.rcds.published


def test_the_dropin_runs_on_the_real_jobsub_lite(lite: harness.Sandbox, probe: Path) -> None:
    render = lite.dropin(["-G", "gm2", "-M", f"file://{probe}", "x"])
    assert render.status == 0, render
    assert "JobsubJobId of first job:" in render.stdout
    assert render.ad["JobNotification"] == 1  # HTCondor: 0 Never, 1 Always, 3 Error
