"""migrate finishes the migration, end to end: a submitter in the shape of g-2's
(tests/data/migrate/g2_shape/submit_gm2.sh, invented) is run as it is, against the legacy
world, and again after `jobsub-compat migrate --write` on a node without the shim and
without kx509/voms-proxy-*/cigetcert (htgettoken is there). In every mode, what the
migrated script hands jobsub_submit, read by jobsub_lite 1.12's own parser, is what the
drop-in's translator (`jobsub-compat explain --json`) makes of the legacy line; the
script's credential branches are taken the same way.

The outside world is stand-ins on PATH, each a few lines: a jobsub_submit that records
its argv (and prints jobsub_lite's job id line), klist (a valid ticket), samweb (a file
count), ifdh (copies succeed); the legacy run also has the opt-in credential drop-ins of
bin/credentials (the X.509 commands as the shim answers them); both have the htgettoken
double of tests/doubles (htgettoken's documented behaviour). jobsub_lite's parser runs
in the jobsub_lite harness (tests/jobsub_lite/harness.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobsub_compat import migrate

from .jobsub_lite import harness

pytestmark = pytest.mark.jobsub_lite

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "data" / "migrate" / "g2_shape" / "submit_gm2.sh"
X509_TOOLS = ("kx509", "voms-proxy-init", "voms-proxy-info", "voms-proxy-destroy",
              "cigetcert")

RECORDER = f"""#!{sys.executable}
# stand-in for jobsub_submit: records its argv, prints jobsub_lite's job id line
import json, os, sys
with open(os.environ["RECORD"], "a") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
print("Use job id 1.0@jobsub01.fnal.gov to retrieve output")
"""
STANDINS = {
    "klist": "#!/bin/sh\n# stand-in: a valid Kerberos ticket\nexit 0\n",
    "samweb": "#!/bin/sh\n# stand-in: samweb count-definition-files\necho 42\n",
    "ifdh": "#!/bin/sh\n# stand-in: every copy succeeds\nexit 0\n",
    "htgettoken": f"#!/bin/sh\nexec {sys.executable} "
                  f"{ROOT / 'tests' / 'doubles' / 'htgettoken' / 'htgettoken'} \"$@\"\n",
}


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Sandbox]:
    source = harness.tree()
    if source is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(harness.SKIP_REASON + " (CI=true: the jobsub_lite tests must run)")
        pytest.skip(harness.SKIP_REASON)
    sandbox = harness.Sandbox.create(tmp_path_factory.mktemp("jobsub_lite"), source)
    yield sandbox
    sandbox.close()


def _bin(directory: Path, legacy: bool) -> Path:
    directory.mkdir()
    (directory / "jobsub_submit").write_text(RECORDER)
    for name, text in STANDINS.items():
        (directory / name).write_text(text)
    for path in directory.iterdir():
        path.chmod(0o755)
    if legacy:  # the X.509 commands, as the shim's opt-in drop-ins answer them
        for name in X509_TOOLS:
            (directory / name).symlink_to(ROOT / "bin" / "credentials" / name)
    return directory


def _run(script: Path, argv: list[str], bin_dir: Path, work: Path, env: dict[str, str],
         legacy: bool) -> tuple[list[str], str]:
    record = work / "record.jsonl"
    record.unlink(missing_ok=True)
    path = [str(bin_dir)] + ([os.path.dirname(sys.executable)] if legacy else []) + [
        "/usr/bin", "/bin"]
    environ = {"PATH": os.pathsep.join(path), "HOME": str(work), "USER": "alice",
               "RECORD": str(record), "TMPDIR": str(work), "XDG_RUNTIME_DIR": str(work),
               "XDG_CONFIG_HOME": str(work / "config"), "XDG_STATE_HOME": str(work / "state"),
               "JOBSUB_COMPAT_LOG": "off", "JOBSUB_COMPAT_SITE_CONFIG": str(work / "none"),
               "STAMP": "2026120100", "LANG": "C", **env}
    if not legacy:
        for tool in X509_TOOLS + ("jobsub-compat",):
            assert shutil.which(tool, path=environ["PATH"]) is None, tool
    done = subprocess.run(["bash", str(script), *argv], cwd=work, env=environ,
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "command not found" not in output, output
    lines = record.read_text().splitlines() if record.exists() else []
    assert len(lines) == 1, output
    return json.loads(lines[0]), output


def _credential_lines(output: str) -> list[str]:
    return [x for x in output.splitlines() if x.startswith("CREDENTIAL:")]


SCENARIOS = [
    pytest.param(["--daq", "--fhiclFile", "reco.fcl", "--sam-dataset", "run2_set",
                  "--njobs", "5", "--blacklist", "SiteX", "--lifetime", "3600"], {},
                 id="daq-sam-blacklist-lifetime-in-seconds"),
    pytest.param(["--mc", "--fhiclFile", "gen.fcl,reco.fcl", "--input-filelist", "files.txt",
                  "--njobs", "2", "--site", "SiteA,SiteB", "--timeout", "2h",
                  "--maxconcurrent", "3", "--lines", "+Tag=1", "--sl6"], {},
                 id="mc-filelist-sites-timeout-lines-sl6-image"),
    pytest.param(["--daq", "--fhiclFile", "reco.fcl", "--njobs", "1", "--sl7",
                  "--offsite-only", "--memory", "3000", "--disk", "10", "--subgroup", "prod",
                  "--blacklist", "SiteY", "--site", "SiteZ"], {"USER": "gm2pro"},
                 id="production-account-sl7-offsite-resources"),
    pytest.param(["--mc", "--fhiclFile", "reco.fcl", "--njobs", "3", "--localArea",
                  "--noxroot", "--useProRole", "--memory", "4"], {},
                 id="production-role-local-area-tarball"),
    pytest.param(["--daq", "--fhiclFile", "reco.fcl", "--njobs", "4"],
                 {"HTGETTOKEN_DOUBLE_KERBEROS": "0"}, id="no-credential-streaming-off"),
]


@pytest.mark.parametrize(("argv", "env"), SCENARIOS)
def test_the_migrated_submitter_means_what_the_legacy_one_meant(
        lite: harness.Sandbox, tmp_path: Path, argv: list[str], env: dict[str, str]) -> None:
    migrated = tmp_path / "migrated.sh"
    shutil.copy(SCRIPT, migrated)
    assert migrate.main(["--write", "--no-backup", str(migrated)]) == 1
    assert migrate.main([str(migrated)]) in (0, 1)  # idempotent: a second run changes nothing
    assert migrated.read_text() == Path(migrated).read_text()
    legacy_dir, new_dir = tmp_path / "legacy", tmp_path / "new"
    legacy_dir.mkdir()
    new_dir.mkdir()
    before, legacy_out = _run(SCRIPT, argv, _bin(tmp_path / "legacy-bin", True), legacy_dir,
                              env, legacy=True)
    after, new_out = _run(migrated, argv, _bin(tmp_path / "new-bin", False), new_dir, env,
                          legacy=False)
    assert _credential_lines(new_out) == _credential_lines(legacy_out)
    explained = subprocess.run([sys.executable, str(ROOT / "bin" / "jobsub-compat"), "explain",
                                "--json", "--", "jobsub_submit", *before],
                               capture_output=True, text=True, cwd=legacy_dir,
                               env={**os.environ, "JOBSUB_COMPAT_LOG": "off"})
    plan = json.loads(explained.stdout)
    assert plan["error"] is None, plan
    meant = [w.replace(str(legacy_dir), "$PWD") for w in plan["backend_argv"][1:]]
    got = [w.replace(str(new_dir), "$PWD") for w in after]
    parsed_meant, parsed_got = lite.parse_many([meant, got])
    assert parsed_meant.status == 0, parsed_meant
    assert parsed_got.status == 0, parsed_got
    assert parsed_got.args == parsed_meant.args


def test_the_migration_needs_nobody(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every construct of the submitter is rewritten; only the retired image's warning
    is left for a person."""
    migrated = tmp_path / "submit_gm2.sh"
    shutil.copy(SCRIPT, migrated)
    status = migrate.main([str(migrated)])
    out, err = capsys.readouterr()
    assert status == 1
    people = [x for x in err.splitlines() if "[JCM" in x]
    assert people == [], err
    for gone in X509_TOOLS:
        assert f"+{gone}" not in out
    assert '+    "${CMD[@]}" 2>&1 | tee -a $LOG && SUBMITTED=1' not in out  # (indentation)
    assert '+"${CMD[@]}" 2>&1 | tee -a $LOG && SUBMITTED=1' in out
