"""Legacy jobsub_submit lines through our drop-in and the REAL jobsub_lite 1.12: what the job gets.

Each case is a legacy command line; all of them are rendered once, in parallel, through
bin/jobsub_submit with jobsub_lite 1.12 as its backend (harness.Sandbox.dropin), and each
test asserts on the job: the rendered .cmd, the job ClassAd HTCondor makes of it, and,
where that is the way to see it, the wrapper run as the worker runs it (Render.run_job:
argv, environment, files). `test_every_row_has_a_rendered_job_test` walks the option
table: a pass/rename/rewrite/emulate row without a case here fails it.
"""

from __future__ import annotations

import bz2
import io
import os
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jobsub_compat import options

from . import harness

pytestmark = pytest.mark.jobsub_lite
Check = Callable[["Ctx", harness.Render], None]


class Ctx:
    """Paths the cases use: the probe executable, input files, tarballs, output dirs."""

    def __init__(self, root: Path, lite: harness.Sandbox) -> None:
        self.root, self.lite = root, lite
        self.probe = harness.probe_script(root / "probe.sh")
        self.exe = f"file://{self.probe}"
        self.input = root / "input.txt"
        self.input.write_text("input data\n")
        self.out = root / "outdir"
        self.out.mkdir()
        self.log = root / "job.log"
        self.code = root / "code"
        self.code.mkdir()
        (self.code / "setup.sh").write_text("echo from tarball\n")
        self.excludes = root / "excludes"
        self.excludes.write_text("*.skip\n")
        (self.code / "big.skip").write_text("excluded\n")
        for name, mode in (("code.tar.gz", "w:gz"), ("code.tgz", "w:gz"), ("code.tar", "w"),
                           ("code.tar.bz2", "w:bz2")):
            for where in (root, lite.pnfs(f"/pnfs/gm2/scratch/{name}").parent):
                with tarfile.open(where / name, mode) as archive:
                    archive.add(self.code / "setup.sh", "setup.sh")
        self.dag = root / "legacy.dag"
        self.dag.write_text(
            "<serial>\n"
            f"jobsub -n --memory=1000 {self.exe} first\n"
            "</serial>\n<parallel>\n"
            f"jobsub -g -M {self.exe} second\n"
            f"jobsub --lines=+Stage=3 {self.exe} third\n"
            "</parallel>\n")
        self.lite_dag = root / "lite.dag"
        self.lite_dag.write_text(
            "<serial>\n"
            f"jobsub_submit --memory=1GB {self.exe} first\n"
            "</serial>\n<parallel>\n"
            f"jobsub_submit {self.exe} second\n"
            f"jobsub_submit {self.exe} third\n"
            "</parallel>\n")


Case = tuple[str, list[str], set[str], Check]
CASES: list[Any] = []


def case(name: str, argv: list[str], rows: set[str], command: str = "jobsub_submit",
         env: dict[str, str] | None = None, group: str = "gm2",
         role: str | None = None, dropin: bool = True) -> Callable[[Check], Check]:
    """A legacy line (through the drop-in) or, with dropin=False, a jobsub_lite line."""
    def wrap(check: Check) -> Check:
        CASES.append(pytest.param(name, argv, rows, check, command, env or {}, group, role,
                                  dropin, id=name))
        return check
    return wrap


def ok(render: harness.Render) -> None:
    assert render.status == 0, render
    assert render.job_id, render


def requirements(render: harness.Render) -> str:
    return str(render.ad["Requirements"]["expr"])


# --- group, role, subgroup, tokens ---------------------------------------------------------
@case("group", ["-G", "gm2", "{exe}"], {"group"})
def _group(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["Jobsub_Group"] == "gm2" and r.ad["AccountingGroup"] == "group_gm2.alice"
    assert "EXPERIMENT=gm2" in r.ad["Environment"]


@case("group-from-env", ["{exe}"], {"group"}, env={"JOBSUB_GROUP": "nova"}, group="nova")
def _group_env(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["Jobsub_Group"] == "nova"


@case("role", ["-G", "gm2", "--role=Production", "{exe}"], {"role"}, role="Production")
def _role(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "use_oauth_services = gm2_production" in r.cmd
    assert r.ad["OAuthServicesNeeded"].startswith("gm2_production*")
    assert "BEARER_TOKEN_FILE=.condor_creds/gm2_production_" in r.ad["Environment"]


@case("analysis-oauth-service", ["-G", "gm2", "{exe}"], {"auth_methods"})
def _oauth(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "use_oauth_services = gm2\n" in r.cmd
    scopes = r.cmd.split("gm2_oauth_permissions_", 1)[1].split("\n", 1)[0]
    assert "storage.create:/gm2/scratch" in scopes and "storage.modify" not in scopes


@case("auth-methods", ["-G", "gm2", "--auth-methods=token", "{exe}"], {"auth_methods"})
def _auth(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "x509userproxy" not in r.ad


@case("subgroup", ["-G", "gm2", "--subgroup=prod", "{exe}"], {"subgroup"})
def _subgroup(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["AccountingGroup"] == "group_gm2.prod.alice"


@case("need-scope", ["-G", "gm2", "--need-scope=compute.special", "{exe}"],
      {"need_scope"})
def _need_scope(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "compute.special" in r.cmd.split("_oauth_permissions_", 1)[1].split("\n", 1)[0]


@case("need-storage-modify",
      ["-G", "gm2", "--need-storage-modify=/gm2/scratch/out", "{exe}"], {"need_storage_modify"})
def _need_modify(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "storage.modify:/gm2/scratch/out" in r.cmd


@case("managed-token", ["-G", "gm2", "--managed-token", "{exe}"], {"managed_token"})
def _managed(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.submission.call["env"]["_condor_SEC_CREDENTIAL_STORER"].endswith(
        "condor_vault_storer")


# --- counts, resources, units ----------------------------------------------------------------
@case("N", ["-G", "gm2", "-N", "3", "{exe}"], {"N"})
def _n(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert [a["ProcId"] for a in r.ads] == [0, 1, 2]
    assert [a["JOBSUBJOBSECTION"] if "JOBSUBJOBSECTION" in a else
            a["Environment"].split("JOBSUBJOBSECTION=")[1].split()[0] for a in r.ads] == [
        "0", "1", "2"]


@case("N-glued", ["-G", "gm2", "-N10", "{exe}"], {"N"})
def _n_glued(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert len(r.ads) == 10


@case("memory-bare-is-MB", ["-G", "gm2", "--memory=1500", "{exe}"], {"memory"})
def _memory(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["RequestMemory"] == 1500


@case("memory-GB", ["-G", "gm2", "--memory=2GB", "{exe}"], {"memory"})
def _memory_gb(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["RequestMemory"] == 2048


@case("disk-bare-is-KB", ["-G", "gm2", "--disk=5000", "{exe}"], {"disk"})
def _disk(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["RequestDisk"] == 5000


@case("disk-GB", ["-G", "gm2", "--disk=10GB", "{exe}"], {"disk"})
def _disk_gb(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["RequestDisk"] == 10 * 1024 * 1024


@case("cpu", ["-G", "gm2", "--cpu=4", "{exe}"], {"cpu"})
def _cpu(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["RequestCpus"] == 4


@case("gpu", ["-G", "gm2", "--gpu=1", "{exe}"], {"gpu"})
def _gpu(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["RequestGPUs"] == 1


@case("lifetime-seconds", ["-G", "gm2", "--expected-lifetime=7200", "{exe}"],
      {"expected_lifetime"})
def _lifetime(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["JOB_EXPECTED_MAX_LIFETIME"] == 7200


@case("lifetime-underscore-hours", ["-G", "gm2", "--expected_lifetime=2h", "{exe}"],
      {"expected_lifetime"})
def _lifetime_h(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["JOB_EXPECTED_MAX_LIFETIME"] == 7200


@case("lifetime-short", ["-G", "gm2", "--expected-lifetime=short", "{exe}"],
      {"expected_lifetime"})
def _lifetime_short(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["JOB_EXPECTED_MAX_LIFETIME"] == 3 * 3600


@case("timeout", ["-G", "gm2", "--timeout=90", "{exe}"], {"timeout"})
def _timeout(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert " timeout 90.0 " in r.wrapper
    assert r.run_job(ctx.probe).status == 0


# --- requirements, sites, OS -----------------------------------------------------------------
@case("append-requirements", ["-G", "gm2", "-c", '(TARGET.HAS_Singularity==true)',
                              "--append_condor_requirements=(TARGET.Memory>1000)", "{exe}"],
      {"append_condor_requirements"})
def _reqs(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    text = requirements(r)
    assert "(TARGET.HAS_Singularity == true)" in text and "(TARGET.Memory > 1000)" in text


@case("requirement-quoted-literal", ["-G", "gm2",
                                     '--append_condor_requirements=(TARGET.Site\\ isnt\\ \\"X\\")',
                                     "{exe}"], {"append_condor_requirements"})
def _reqs_quoted(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert '(TARGET.Site isnt "X")' in requirements(r)


@case("site", ["-G", "gm2", "--site=Michigan,FermiGrid", "{exe}"], {"site"})
def _site(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["DESIRED_SITES"] == "Michigan,FermiGrid"
    assert "stringListIMember(target.GLIDEIN_Site,my.DESIRED_Sites)" in requirements(r)
    assert r.ad["DESIRED_usage_model"] == "DEDICATED,OPPORTUNISTIC,OFFSITE"


@case("blacklist", ["-G", "gm2", "--blacklist=BadSite", "{exe}"], {"blacklist"})
def _blacklist(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["Blacklist_Sites"] == "BadSite"
    assert "!stringListIMember(target.GLIDEIN_Site,my.Blacklist_Sites)" in requirements(r)


@case("resource-provides-lower-case", ["-G", "gm2",
                                       "--resource-provides=usage_model=opportunistic,offsite",
                                       "{exe}"], {"resource_provides"})
def _usage(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    # upper-cased by the drop-in, so jobsub_lite keeps the job offsite-capable
    assert r.ad["DESIRED_usage_model"] == "OPPORTUNISTIC,OFFSITE"
    assert r.ad.get("DESIRED_SITES", "") == ""


@case("onsite", ["-G", "gm2", "--onsite", "{exe}"], {"onsite"})
def _onsite(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["DESIRED_SITES"] == "FermiGrid"
    assert "OFFSITE" not in r.ad["DESIRED_usage_model"]


@case("offsite", ["-G", "gm2", "--offsite", "{exe}"], {"offsite"})
def _offsite(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["DESIRED_usage_model"] == "OFFSITE"


@case("OS", ["-G", "gm2", "--OS=SL7", "{exe}"], {"OS"})
def _os(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["DesiredOS"] == "SL7"
    # what the row (JC115) says: the requirements then need a slot advertising SL7
    assert "stringListsIntersect(toUpper(DesiredOS),IFOS_installed)" in requirements(r)
    assert "[JC115]" in r.stderr and "IFOS_installed" in r.stderr
    assert r.ad["SingularityImage"].endswith("fnal-wn-el9:latest")


@case("singularity-image", ["-G", "gm2", "--singularity-image=/cvmfs/img/x:1", "{exe}"],
      {"singularity_image"})
def _image(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["SingularityImage"] == "/cvmfs/img/x:1"


@case("no-singularity", ["-G", "gm2", "--no-singularity", "{exe}"], {"no_singularity"})
def _no_image(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "SingularityImage" not in r.ad


# --- --lines, + attributes, submit lines -----------------------------------------------------
@case("lines-attribute", ["-G", "gm2", "--lines=+MyAttr=\\\"hello\\\"", "-l", "+N=3", "{exe}"],
      {"lines"})
def _lines(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["MyAttr"] == "hello" and r.ad["N"] == 3


@case("lines-submit-command", ["-G", "gm2", "--lines=priority=5", "{exe}"], {"lines"})
def _lines_cmd(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["JobPrio"] == 5


@case("lines-singularity-image", ["-G", "gm2",
                                  "--lines=+SingularityImage=\\\"/cvmfs/img/sl7:latest\\\"",
                                  "{exe}"], {"lines"})
def _lines_image(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["SingularityImage"] == "/cvmfs/img/sl7:latest"


@case("lines-double-equals-dropped", ["-G", "gm2", "-l", "MyFlag==True", "{exe}"], {"lines"})
def _lines_double(ctx: Ctx, r: harness.Render) -> None:
    # jobsub_lite's v1 classad.parseOne refuses it and would submit nothing; the legacy
    # submit file read it as the macro MyFlag = "=True", which set nothing in the job:
    # dropped where HTCondor's submit library can show that (HTCondor 24's v1 bindings),
    # refused with the fix where it cannot (HTCondor 25's Submit.jobs is a stub)
    assert "[JC207]" in r.stderr and "+MyFlag=True" in r.stderr, r
    if r.status == 0:
        ok(r)
        assert "MyFlag" not in r.ad and "MyFlag" not in r.cmd
    else:
        assert r.submissions == [] and "cannot be checked here" in r.stderr


@case("drain", ["-G", "gm2", "--drain", "{exe}"], {"drain"})
def _drain(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["Drain"] is True


# --- environment -----------------------------------------------------------------------------
@case("environment", ["-G", "gm2", "-e", "MYVAR", "-e", "SET=given", "--environment=SPACEY",
                      "{exe}"], {"environment"}, env={"MYVAR": "from submit host",
                                                     "SPACEY": "a  b"})
def _env(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    job = r.run_job(ctx.probe)
    assert job.env["MYVAR"] == "from submit host" and job.env["SET"] == "given"
    assert job.env["SPACEY"] == "a  b"


@case("environment-unset-refused", ["-G", "gm2", "-e", "NOT_SET_ANYWHERE", "{exe}"],
      {"environment"})
def _env_unset(ctx: Ctx, r: harness.Render) -> None:
    """The legacy server refused `-e NAME` with NAME unset (JobSettings.checkSanity): no
    job is submitted, exit 1, and the message names the variable."""
    assert r.status == 1 and not r.submissions and not r.job_id, r
    assert "[JC302]" in r.stderr and "NOT_SET_ANYWHERE" in r.stderr


@case("no-env-cleanup", ["-G", "gm2", "--no-env-cleanup", "{exe}"], {"no_env_cleanup"})
def _no_cleanup(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "eval unset $env_var" not in r.wrapper


# --- mail ------------------------------------------------------------------------------------
@case("mail-never", ["-G", "gm2", "-Q", "{exe}"], {"mail_never"})
def _mail_never(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["JobNotification"] == 0


@case("mail-on-error", ["-G", "gm2", "-q", "{exe}"], {"mail_on_error"})
def _mail_error(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["JobNotification"] == 3


@case("mail-always", ["-G", "gm2", "-M", "--email-to=bob@fnal.gov", "{exe}"],
      {"mail_always", "email_to"})
def _mail_always(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["JobNotification"] == 1 and "bob@fnal.gov" in r.ad["NotifyUser"]


# --- files: -f, --tar_file_name, -d, -L ------------------------------------------------------
@case("input-file", ["-G", "gm2", "-f", "{input}", "{exe}"], {"f"})
def _f(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    job = r.run_job(ctx.probe)
    got = Path(job.env["CONDOR_DIR_INPUT"]) / "input.txt"
    assert got.read_text() == "input data\n"


@case("input-file-dropbox", ["-G", "gm2", "-f", "dropbox://{input}", "{exe}"], {"f"})
def _f_dropbox(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    job = r.run_job(ctx.probe)
    assert (Path(job.env["CONDOR_DIR_INPUT"]) / "input.txt").read_text() == "input data\n"


@case("tar-dropbox", ["-G", "gm2", "--tar_file_name", "dropbox://{root}/code.tar.gz", "{exe}"],
      {"tar_file_name"})
def _tar_dropbox(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    job = r.run_job(ctx.probe)
    assert (Path(job.env["INPUT_TAR_DIR_LOCAL"]) / "setup.sh").exists(), job


@case("tardir", ["-G", "gm2", "--tar_file_name=tardir://{root}/code",
                 "--tarball-exclusion-file={root}/excludes", "{exe}"],
      {"tar_file_name", "tarball_exclusion_file"})
def _tardir(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    tar_dir = Path(r.run_job(ctx.probe).env["INPUT_TAR_DIR_LOCAL"])
    assert (tar_dir / "setup.sh").exists() and not (tar_dir / "big.skip").exists()


@case("tar-cvmfs-dropbox", ["-G", "gm2", "--use-cvmfs-dropbox",
                            "--tar_file_name=dropbox://{root}/code.tar", "{exe}"],
      {"use_cvmfs_dropbox", "tar_file_name"})
def _tar_cvmfs(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert (Path(r.run_job(ctx.probe).env["INPUT_TAR_DIR_LOCAL"]) / "setup.sh").exists()


@case("tar-pnfs-dropbox", ["-G", "gm2", "--use-pnfs-dropbox",
                           "--tar_file_name=dropbox://{root}/code.tgz", "{exe}"],
      {"use_pnfs_dropbox", "tar_file_name"})
def _tar_pnfs(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["PNFS_INPUT_FILES"].startswith("/pnfs/GM2/resilient/jobsub_stage/")
    job = r.run_job(ctx.probe)
    assert (Path(job.env["INPUT_TAR_DIR_LOCAL"]) / "setup.sh").exists(), job


@pytest.mark.parametrize("name", ["code.tar.gz", "code.tgz", "code.tar", "code.tar.bz2"])
def test_plain_path_tarball_is_unpacked_in_the_job(lite: harness.Sandbox, ctx: Ctx,
                                                   name: str) -> None:
    """A plain /pnfs path: the legacy job had it unpacked whatever its compression; with
    jobsub_lite 1.12's tar -xjvf only bzip2 is, so the drop-in ships the others as
    dropbox:// (JC136)."""
    path = f"/pnfs/gm2/scratch/{name}"
    local = lite.pnfs(path)
    r = lite.dropin(["-G", "gm2", f"--tar_file_name={local}", ctx.exe])
    ok(r)
    assert ("[JC136]" in r.stderr) == (name != "code.tar.bz2")
    job = r.run_job(ctx.probe)
    assert (Path(job.env["INPUT_TAR_DIR_LOCAL"]) / "setup.sh").read_text() == \
        "echo from tarball\n", job


def test_plain_path_tarball_jobsub_lite_would_not_unpack(lite: harness.Sandbox,
                                                         ctx: Ctx) -> None:
    """What the drop-in protects against: the same line straight to jobsub_lite 1.12."""
    local = lite.pnfs("/pnfs/gm2/scratch/code.tar.gz")
    r = lite.submit(["-G", "gm2", f"--tar_file_name={local}", ctx.exe])
    ok(r)
    job = r.run_job(ctx.probe)
    assert "not a bzip2 file" in job.output
    assert not (Path(job.env["INPUT_TAR_DIR_LOCAL"]) / "setup.sh").exists()


def test_unreadable_plain_path_tarball_is_refused(lite: harness.Sandbox, ctx: Ctx) -> None:
    r = lite.dropin(["-G", "gm2", "--tar_file_name=/pnfs/nowhere/code.tar.gz", ctx.exe])
    assert r.status != 0 and "[JC136]" in r.stderr and "dropbox://" in r.stderr
    assert r.submissions == []


@case("output-dir", ["-G", "gm2", "-d", "OUT", "{out}", "{exe}"], {"d"})
def _d(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "export CONDOR_DIR_OUT=" in r.wrapper


@case("output-dir-glued", ["-G", "gm2", "-dOUT", "{out}", "{exe}"], {"d"})
def _d_glued(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "export CONDOR_DIR_OUT=" in r.wrapper and "[JC203]" in r.stderr


def test_output_dir_is_copied_back(lite: harness.Sandbox, tmp_path: Path) -> None:
    probe = harness.probe_script(tmp_path / "writer.sh",
                                 extra='echo result > "$CONDOR_DIR_OUT/result.txt"\n')
    out = tmp_path / "out"
    out.mkdir()
    r = lite.dropin(["-G", "gm2", "-d", "OUT", str(out), f"file://{probe}"])
    ok(r)
    job = r.run_job(probe)
    assert job.status == 0 and (out / "result.txt").read_text() == "result\n", job


@case("log-file", ["-G", "gm2", "-L", "{log}", "{exe}"], {"log_file"})
def _log(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    job = r.run_job(ctx.probe)
    assert job.status == 0 and ctx.log.exists(), job


# --- releases (minerva/nova) and misc -------------------------------------------------------
@case("release-setup", ["-G", "nova", "-i", "/grid/rel", "-t", "/grid/test", "-r", "v1",
                        "{exe}"], {"i", "t", "r"}, group="nova")
def _release(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "source /grid/rel/setup.sh" in r.wrapper and "source /grid/test/setup.sh" in r.wrapper
    assert "setup  novacode v1" in r.wrapper


@case("cmtconfig", ["-G", "minerva", "-i", "/grid/rel", "--cmtconfig=x86_64-slc7", "{exe}"],
      {"cmtconfig", "i"}, group="minerva")
def _cmt(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "source /grid/rel/setup.sh -c x86_64-slc7" in r.wrapper


@case("schedd", ["-G", "gm2", "--schedd=jobsub01.fnal.gov", "{exe}"], {"schedd",
                                                                      "schedd_for_testing"})
def _schedd(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.job_id and r.job_id.endswith("@jobsub01.fnal.gov")


@case("devserver", ["-G", "gm2", "--devserver", "{exe}"], {"devserver"})
def _dev(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.job_id and r.job_id.endswith("@jobsubdevgpvm01.fnal.gov")


@case("no-submit", ["-G", "gm2", "-n", "{exe}"], {"no_submit"})
def _no_submit(ctx: Ctx, r: harness.Render) -> None:
    assert r.status == 0, r
    assert r.submissions == [] and "Submission files are in:" in r.stdout


@case("verbose-flag", ["-G", "gm2", "-v", "{exe}"], {"verbose"})
def _verbose(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "in jobsub_submit_main: args" in r.stdout


@case("debug", ["-G", "gm2", "--debug", "{exe}"], {"debug"})
def _debug(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "in jobsub_submit_main: args" in r.stdout


@case("jobid-output-only", ["-G", "gm2", "--jobid-output-only", "{exe}"],
      {"jobid_output_only"})
def _jobid_only(ctx: Ctx, r: harness.Render) -> None:
    assert r.status == 0, r
    assert r.stdout.strip() == f"{r.submission.ads[0]['ClusterId']}.0@jobsub01.fnal.gov"


@case("json-config", ["-G", "gm2", "--json-config={root}/opts.json", "{exe}"],
      {"json_config"})
def _json(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["RequestMemory"] == 3000 and r.ad["JobNotification"] == 1


@case("x509-proxy-option", ["-G", "gm2", "-x", "{root}/proxy", "{exe}"], {"x509_user_proxy"})
def _x509(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.submission.call["env"].get("X509_USER_PROXY") == str(ctx.root / "proxy")


@case("job-info", ["-G", "gm2", "--job-info={root}/info.sh", "{exe}"], {"job_info"})
def _job_info(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert (ctx.root / "info.out").read_text().split()[0] == r.job_id


@case("skip-check", ["-G", "gm2", "--skip-check=rcds", "{exe}"], {"skip_check"})
def _skip(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.ad["JobsubSkipChecks"] == "rcds"


@case("global-pool", ["-G", "gm2", "--global-pool=dune", "{exe}"], {"global_pool"},
      env={"JOBSUB_POOL_MAP": '{"dune": {"collector": "dunecol.fnal.gov", "onsite": "DUNE"}}'})
def _pool(ctx: Ctx, r: harness.Render) -> None:
    ok(r)


@case("support-email", ["-G", "gm2", "--support-email", "{exe}"], {"support_email"},
      dropin=False)
def _support(ctx: Ctx, r: harness.Render) -> None:
    # jobsub_lite prints the address and submits nothing (a line written for jobsub_lite)
    assert r.status == 0 and "jobsub-support@fnal.gov" in r.stdout, r
    assert r.submissions == []


@case("support-email-dropin", ["-G", "gm2", "--support-email", "{exe}"], {"support_email"})
@case("support-email-alone", ["-G", "gm2", "--support-email"], {"support_email"})
def _support_dropin(ctx: Ctx, r: harness.Render) -> None:
    # through the drop-in: jobsub_lite's answer and status, no job id expected (no JC401)
    assert r.status == 0 and "jobsub-support@fnal.gov" in r.stdout, r
    assert r.submissions == [] and "JC401" not in r.stderr, r


# --- SAM datasets, maxConcurrent, DAGs -------------------------------------------------------
@case("dataset", ["-G", "gm2", "--dataset_definition=mydef", "--project_name=proj1",
                  "--generate-email-summary", "{exe}"],
      {"dataset_definition", "project_name", "generate_email_summary"})
def _dataset(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    names = set(r.files)
    assert {"dagbegin.cmd", "dagend.cmd"} <= names, names
    assert "SAM_DATASET=mydef" in r.node_cmd(next(iter(r.nodes)))
    assert any("SAM_PROJECT=proj1" in r.node_cmd(n) for n in r.nodes)


@case("dataset-extras", ["-G", "gm2", "--dataset_definition=mydef", "--dd-percentage=50",
                         "--dd-extra-dataset=other", "{exe}"],
      {"dd_percentage", "dd_extra_dataset", "dataset_definition"})
def _dataset_extra(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert all("error" not in v for v in r.nodes.values()), r.nodes


@case("maxConcurrent", ["-G", "gm2", "-N", "4", "--maxConcurrent=2", "{exe}"],
      {"maxConcurrent", "N"})
def _maxconc(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "maxconcurrent.dag" in r.files or any(f.endswith(".dag") for f in r.files)
    assert len(r.nodes) == 4 and all(len(v["ads"]) == 1 for v in r.nodes.values())


@case("dag-flag", ["-G", "gm2", "--dag", "file://{root}/lite.dag"], {"dag"})
def _dag_flag(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert len(r.nodes) == 3, r.nodes


@case("submit-dag", ["-G", "gm2", "file://{root}/legacy.dag"], {"max_running"},
      command="jobsub_submit_dag")
def _submit_dag(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    nodes = r.nodes
    assert len(nodes) == 3 and all("ads" in v for v in nodes.values()), nodes
    first, second, third = (nodes[n]["ads"][0] for n in nodes)
    assert first["RequestMemory"] == 1000
    assert second["JobNotification"] == 1  # the node line's -M, as --mail_always
    assert third["Stage"] == 3


@case("submit-dag-max-running", ["-G", "gm2", "--maxRunning", "2", "file://{root}/legacy.dag"],
      {"max_running"}, command="jobsub_submit_dag")
def _submit_dag_max(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "maxjobs" in (r.files.get("dagmax.config", "") + r.files["dag.dag.condor.sub"]
                         ).lower() or "2" in r.files.get("dagmax.config", "")


# --- the legacy quoting contract: script arguments as the job's shell sees them -------------
@case("arguments-plain", ["-G", "gm2", "{exe}", "a", "b c", "--memory", "3GB"], {"group"})
def _args(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.run_job(ctx.probe).argv == ["a", "b", "c", "--memory", "3GB"]


@case("arguments-ambiguous-option", ["-G", "gm2", "{exe}", "x", "--ma", "y"], {"group"})
def _args_protected(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert "[JC213]" in r.stderr
    assert r.run_job(ctx.probe).argv == ["x", "--ma", "y"]


@case("arguments-ambiguous-with-variable", ["-G", "gm2", "{exe}", "--mail=$USER"], {"group"})
def _args_expand(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.run_job(ctx.probe).argv == ["--mail=alice"]


@case("arguments-first-double-dash", ["-G", "gm2", "{exe}", "--", "z"], {"group"})
def _args_dashes(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert r.run_job(ctx.probe).argv == ["--", "z"]


@case("arguments-requoted", ["-G", "gm2", "{exe}", "'single quoted'", "back\\\\slash",
                             "'$USER'"], {"group"})
def _args_requoted(ctx: Ctx, r: harness.Render) -> None:
    # the legacy server re-split these words (shlex); the job's bash reads the result
    ok(r)
    assert r.run_job(ctx.probe).argv == ["single", "quoted", "backslash", "alice"]


@case("arguments-options-after-exe", ["-G", "gm2", "{exe}", "--group", "nova", "-N", "3"],
      {"group"})
def _args_opts(ctx: Ctx, r: harness.Render) -> None:
    ok(r)
    assert len(r.ads) == 1 and r.ad["Jobsub_Group"] == "gm2"
    assert r.run_job(ctx.probe).argv == ["--group", "nova", "-N", "3"]


# ---------------------------------------------------------------------------------------------
def _fill(word: str, ctx: Ctx) -> str:
    return word.format(exe=ctx.exe, input=ctx.input, root=ctx.root, out=ctx.out, log=ctx.log)


@pytest.fixture(scope="module")
def ctx(lite: harness.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Ctx:
    context = Ctx(tmp_path_factory.mktemp("cases"), lite)
    (context.root / "opts.json").write_text('{"--memory": "3000", "-M": "True"}')
    (context.root / "proxy").write_text("not a proxy\n")
    info = context.root / "info.sh"
    info.write_text(f'#!/bin/sh\necho "$1" > {context.root}/info.out\n')
    info.chmod(0o755)
    return context


@pytest.fixture(scope="module")
def rendered(lite: harness.Sandbox, ctx: Ctx) -> dict[str, harness.Render]:
    requests = []
    for param in CASES:
        name, argv, _rows, _check, command, env, group, role, dropin = param.values
        requests.append(harness.Request([_fill(w, ctx) for w in argv], env=env, group=group,
                                        role=role, command=command, dropin=dropin,
                                        cwd=ctx.root))
    renders = lite.submit_many(requests)
    return {p.values[0]: r for p, r in zip(CASES, renders)}


@pytest.mark.parametrize(("name", "argv", "rows", "check", "command", "env", "group", "role",
                          "dropin"), CASES)
def test_rendered_job(rendered: dict[str, harness.Render], ctx: Ctx, name: str,
                      argv: list[str], rows: set[str], check: Check, command: str,
                      env: dict[str, str], group: str, role: str | None, dropin: bool) -> None:
    check(ctx, rendered[name])


NOT_A_JOB = {"help": "prints the help, submits nothing",
             "version": "prints versions, submits nothing",
             "show_parsing": "prints the parse, submits nothing",
             "manual": "prints the DAG manual, submits nothing"}


def test_every_row_has_a_rendered_job_test() -> None:
    covered = set().union(*(p.values[2] for p in CASES))
    wanted = {r.key for r in options.SUBMIT + options.SUBMIT_DAG
              if r.fate in (options.Fate.PASS, options.Fate.RENAME, options.Fate.REWRITE,
                            options.Fate.EMULATE)}
    missing = sorted(wanted - covered - set(NOT_A_JOB))
    assert not missing, f"option rows without a rendered-job case: {missing}"


def test_table_lite_spellings_are_jobsub_lites(lite: harness.Sandbox) -> None:
    """Every jobsub_lite spelling of the table, parsed by jobsub_lite's own get_parser."""
    argvs, spellings = [], []
    for row in options.SUBMIT:
        for spelling in row.lite:
            if spelling in ("-h", "--help", "--version", "--support-email"):
                continue
            value = {"-N": ["2"], "--maxConcurrent": ["2"], "--verbose": ["1"],
                     "--cpu": ["1"], "--gpu": ["1"], "--dd-percentage": ["5"],
                     "--skip-check": ["rcds"], "--auth-methods": ["token"],
                     "--global-pool": ["dune"],
                     "-d": ["OUT", "/x"]}.get(spelling, ["v"] * row.nargs)
            if row.nargs == 0 and spelling not in ("--verbose",):
                value = []
            argvs.append(["-G", "gm2", spelling, *value, "file:///x.sh"])
            spellings.append(spelling)
    results = lite.parse_many(argvs, env={
        "JOBSUB_POOL_MAP": '{"dune": {"collector": "dunecol.fnal.gov", "onsite": "DUNE"}}'})
    bad = [(s, r.stderr.strip().splitlines()[-1:]) for s, r in zip(spellings, results)
           if r.status != 0 and "schedd" not in s]
    assert not bad, bad
    assert all(r.args.get("executable") == "file:///x.sh"
               for s, r in zip(spellings, results) if r.status == 0), results


def test_bzip2_magic_is_what_tar_j_reads() -> None:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:bz2"):
        pass
    assert data.getvalue()[:3] == bz2.compress(b"")[:3] == b"BZh"


def test_case_names_are_unique() -> None:
    names = [p.values[0] for p in CASES]
    assert len(names) == len(set(names)) and len(names) >= 60 - 10
    assert os.path.basename(__file__).startswith("test_")
