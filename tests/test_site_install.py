"""The README's site-install command, run with PREFIX and DESTDIR in temporary directories
from a copy of the checkout: the layout it leaves, that it writes nothing outside
DESTDIR, and that the staged launchers run from $DESTDIR$PREFIX."""

from __future__ import annotations

import glob
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from jobsub_compat import __version__, config, matrix
from tests.conftest import DOUBLE_BIN, ROOT

LAUNCHER_SHEBANG = "#!/usr/bin/env -S python3 -S\n"


def readme_block(marker: str) -> str:
    """The ```sh block after `<!-- marker -->` in README.md, as .ci/run's awk reads it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker} -->\n```sh\n(.*?)\n```", text, re.DOTALL)
    assert found, f"README.md has no <!-- {marker} --> block"
    return found.group(1)


def copy_checkout(into: Path) -> Path:
    """The checkout's files (tracked or not ignored), without the venv and caches."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                             "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60)
    for name in filter(None, listed.stdout.decode().split("\0")):
        source, target = ROOT / name, into / name
        if not os.path.lexists(source):
            continue  # deleted in the work tree
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    return into


def site_install(checkout: Path, scratch: Path, **settings: str
                 ) -> subprocess.CompletedProcess[str]:
    """Run the README's block from `checkout`, as a packager would: PREFIX, DESTDIR, ... in
    the environment, a private HOME and TMPDIR."""
    for name in ("home", "tmp"):
        (scratch / name).mkdir(exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch / "home"),
           "TMPDIR": str(scratch / "tmp"), "LC_ALL": "C.UTF-8", **settings}
    return subprocess.run(["bash", "-c", readme_block("site-install")], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=600)


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    return {str(p.relative_to(root)): (p.lstat().st_mode, p.lstat().st_size,
                                       p.lstat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def launcher_python(prefix_dir: Path) -> str:
    first = (prefix_dir / "bin" / "jobsub_submit").read_text(encoding="utf-8").split("\n")[0]
    assert first.startswith("#!") and first.endswith(" -S"), first
    return first[2:-3]


ETC_FILES = ("/etc/profile.d/jobsub_compat.sh", "/etc/profile.d/jobsub_compat.csh",
             "/etc/jobsub_compat/jobsub_compat.conf")


def etc_state() -> dict[str, object]:
    return {p: os.path.lexists(p) and os.lstat(p).st_mtime_ns for p in ETC_FILES}


class Installed:
    """The README's block run once with PREFIX and DESTDIR in a temporary directory."""

    def __init__(self, tmp: Path) -> None:
        self.checkout = copy_checkout(tmp / "checkout")
        self.destdir = tmp / "stage"
        self.scratch = tmp
        self.final = tmp / "prefix"  # PREFIX: where the tree will run, never written here
        self.etc_before = etc_state()
        self.checkout_before = snapshot(self.checkout)
        self.done = site_install(self.checkout, tmp, PREFIX=str(self.final),
                                 DESTDIR=str(self.destdir))
        self.prefix = Path(f"{self.destdir}{self.final}")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return Installed(tmp_path_factory.mktemp("site-install"))


def test_the_readme_has_one_site_install_command() -> None:
    block = readme_block("site-install")
    assert "packaging/install.py" in block and len(block.strip().splitlines()) == 1


def test_it_installs(installed: Installed) -> None:
    assert installed.done.returncode == 0, installed.done.stderr
    assert installed.done.stderr == ""
    assert f"installed jobsub-compat in {installed.prefix}" in installed.done.stdout


def test_nothing_is_written_outside_destdir(installed: Installed) -> None:
    assert not os.path.lexists(installed.final)
    assert etc_state() == installed.etc_before
    assert snapshot(installed.checkout) == installed.checkout_before
    assert list((installed.scratch / "home").iterdir()) == []
    assert list((installed.scratch / "tmp").iterdir()) == []
    outside = [p for p in installed.destdir.rglob("*") if not p.is_dir()
               and installed.prefix not in p.parents
               and installed.destdir / "etc" not in p.parents]
    assert outside == []
    assert sorted(p.name for p in installed.prefix.iterdir()) == ["bin", "share", "src"]
    assert sorted(str(p.relative_to(installed.destdir / "etc"))
                  for p in (installed.destdir / "etc").rglob("*") if p.is_file()) == [
        "jobsub_compat/jobsub_compat.conf", "profile.d/jobsub_compat.csh",
        "profile.d/jobsub_compat.sh"]


def test_launchers_are_the_checkouts_with_the_interpreter_named(installed: Installed) -> None:
    python = launcher_python(installed.prefix)
    assert os.path.isabs(python) and os.access(python, os.X_OK)
    for directory in ("bin", "bin/credentials"):
        source_dir, target_dir = ROOT / directory, installed.prefix / directory
        names = sorted(p.name for p in source_dir.iterdir() if not p.is_dir())
        assert sorted(p.name for p in target_dir.iterdir() if not p.is_dir()) == names
        for name in names:
            source, target = source_dir / name, target_dir / name
            if source.is_symlink():
                assert os.readlink(target) == os.readlink(source)
                continue
            text = source.read_text(encoding="utf-8")
            assert text.startswith(LAUNCHER_SHEBANG)
            assert target.read_text(encoding="utf-8") == \
                f"#!{python} -S\n" + text[len(LAUNCHER_SHEBANG):]


def test_every_name_runs_the_installed_launcher(installed: Installed) -> None:
    """The drop-ins' names stay relative links, so each runs the installed launcher (whose
    first line names the interpreter), never the checkout's."""
    launcher = (installed.prefix / "bin" / "jobsub-compat").resolve()
    for directory in ("bin", "bin/credentials"):
        for path in (installed.prefix / directory).iterdir():
            if not path.is_dir():
                assert path.resolve() == launcher, path


# What the launchers' interpreter says of the installed package: its cache tag, then each
# module whose bytecode is not unchecked-hash for exactly this source (the source hash is
# keyed by the interpreter's magic number, so only that interpreter can check it).
CHECK_BYTECODE = """
import importlib.util, pathlib, sys
print(sys.implementation.cache_tag)
for source in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    pyc = pathlib.Path(importlib.util.cache_from_source(str(source)))
    header = pyc.read_bytes()[:16] if pyc.is_file() else b""
    if (header[:4] != importlib.util.MAGIC_NUMBER or header[4:8] != bytes([1, 0, 0, 0])
            or header[8:16] != importlib.util.source_hash(source.read_bytes())):
        print(source)
"""


def test_the_package_is_byte_compiled_unchecked_for_the_launchers_python(
        installed: Installed) -> None:
    source_root = ROOT / "src" / "jobsub_compat"
    target_root = installed.prefix / "src" / "jobsub_compat"
    modules = sorted(str(p.relative_to(source_root)) for p in source_root.rglob("*.py"))
    assert sorted(str(p.relative_to(target_root)) for p in target_root.rglob("*.py")) == modules
    for name in modules:
        assert (target_root / name).read_bytes() == (source_root / name).read_bytes()
    checked = subprocess.run([launcher_python(installed.prefix), "-I", "-c", CHECK_BYTECODE,
                              str(target_root)], capture_output=True, text=True, timeout=60)
    tag, *wrong = checked.stdout.splitlines()
    assert checked.returncode == 0 and wrong == [], checked.stderr or wrong
    pycs = [(target_root / m).parent / "__pycache__" / f"{Path(m).stem}.{tag}.pyc"
            for m in modules]
    everything = [p for p in target_root.rglob("*") if p.is_file()]
    assert sorted(everything) == sorted([target_root / m for m in modules] + pycs)


def test_man_pages_and_docs(installed: Installed) -> None:
    man = installed.prefix / "share" / "man" / "man1"
    assert {p.name: p.read_bytes() for p in man.iterdir()} == {
        p.name: p.read_bytes() for p in (ROOT / "man" / "man1").iterdir()}
    doc = installed.prefix / "share" / "doc" / "jobsub_compat"
    assert sorted(p.name for p in doc.iterdir()) == ["README.md", "compat-matrix.md"]


def test_the_tree_is_read_only_to_users(installed: Installed) -> None:
    for path in [installed.destdir, *installed.destdir.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        assert not mode & (stat.S_IWGRP | stat.S_IWOTH | stat.S_ISUID | stat.S_ISGID), path
        executable = path.is_dir() or path.parent.name in ("bin", "credentials")
        assert stat.S_IMODE(mode) == (0o755 if executable else 0o644), path
        if os.geteuid() == 0:
            assert path.lstat().st_uid == 0, path


def test_launchers_run_from_destdir(installed: Installed, tmp_path: Path) -> None:
    bin_dir = installed.prefix / "bin"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path),
           "JOBSUB_COMPAT_BACKEND": str(DOUBLE_BIN), "JOBSUB_COMPAT_LOG": "off"}
    version = subprocess.run(["jobsub_submit", "--version"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert version.returncode == 0 and __version__ in version.stdout, version.stderr
    plan = subprocess.run(["jobsub_submit.py", "-G", "gm2", "-M", "file:///x.sh"],
                          env={**env, "JOBSUB_COMPAT_DRY_RUN": "1"}, capture_output=True,
                          text=True, timeout=60)
    assert plan.returncode == 0, plan.stderr
    assert f"{DOUBLE_BIN}/jobsub_submit -G gm2 --mail_always file:///x.sh" in plan.stdout
    shown = subprocess.run(["jobsub-compat", "matrix"], env=env, capture_output=True,
                           text=True, timeout=60)
    assert shown.stdout == matrix.render()


def test_the_site_config_describes_every_setting_commented_out(installed: Installed) -> None:
    conf = installed.destdir / "etc" / "jobsub_compat" / "jobsub_compat.conf"
    assert conf.read_text() == (ROOT / "packaging" / "jobsub_compat.conf").read_text()
    assert config.read_file(str(conf)) == {}  # as installed, every setting is a default
    examples = [line[1:] for line in conf.read_text().splitlines()
                if re.match(r"#\w+ = ", line)]
    uncommented = installed.scratch / "uncommented.conf"
    uncommented.write_text("\n".join(examples) + "\n")
    values = config.read_file(str(uncommented))
    assert sorted(values) == sorted(config.DEFAULTS)
    prose = " ".join(line.lstrip("#").strip() for line in conf.read_text().splitlines())
    for name in config.DEFAULTS:
        var = config.ENVIRONMENT.get(name, f"JOBSUB_COMPAT_{name.upper()}")
        assert f"# {name}: " in conf.read_text() and f"Environment: {var}." in prose, name
    found = config.settings({"HOME": str(installed.scratch / "home"),
                             "JOBSUB_COMPAT_SITE_CONFIG": str(uncommented)})
    assert found["silence"].source == f"site config {uncommented}"


def _profile(installed: Installed) -> Path:
    return installed.destdir / "etc" / "profile.d" / "jobsub_compat.sh"


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_the_sh_profile_puts_bin_first_once(installed: Installed, shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"no {shell}")
    profile = _profile(installed)
    done = subprocess.run([shell, "-uc", f'. {profile}; . {profile}; echo "$PATH"; '
                           'echo "${MANPATH-unset}"'],
                          env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{installed.final}/bin:/usr/bin:/bin\nunset\n"
    done = subprocess.run([shell, "-uc", f'. {profile}; . {profile}; echo "$MANPATH"'],
                          env={"PATH": "/usr/bin", "MANPATH": "/usr/share/man"},
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == f"{installed.final}/share/man:/usr/share/man\n"


@pytest.mark.skipif(shutil.which("tcsh") is None and shutil.which("csh") is None,
                    reason="no csh or tcsh (apt-get install tcsh)")
def test_the_csh_profile_puts_bin_first_once(installed: Installed) -> None:
    csh = shutil.which("tcsh") or shutil.which("csh") or "csh"
    profile = installed.destdir / "etc" / "profile.d" / "jobsub_compat.csh"
    script = f'source {profile}; source {profile}; echo "$PATH"'
    done = subprocess.run([csh, "-f", "-c", script], env={"PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{installed.final}/bin:/usr/bin:/bin\n"
    done = subprocess.run([csh, "-f", "-c", script + '; echo "$MANPATH"'],
                          env={"PATH": "/usr/bin", "MANPATH": "/usr/share/man"},
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[-1] == f"{installed.final}/share/man:/usr/share/man"


def test_a_reinstall_replaces_the_tree_and_keeps_the_sites_files(tmp_path: Path) -> None:
    checkout = copy_checkout(tmp_path / "checkout")
    stage = tmp_path / "stage"
    settings = {"PREFIX": "/opt/jc", "DESTDIR": str(stage)}
    assert site_install(checkout, tmp_path, **settings).returncode == 0
    stray = stage / "opt" / "jc" / "src" / "jobsub_compat" / "removed_module.py"
    stray.write_text("")
    conf = stage / "etc" / "jobsub_compat" / "jobsub_compat.conf"
    conf.write_text("silence = all\n")
    again = site_install(checkout, tmp_path, **settings)
    assert again.returncode == 0, again.stderr
    assert not stray.exists()
    assert conf.read_text() == "silence = all\n"
    assert (stage / "etc" / "jobsub_compat" / "jobsub_compat.conf.new").read_text() == \
        (ROOT / "packaging" / "jobsub_compat.conf").read_text()
    assert f"{conf} kept" in again.stdout
    assert f"{stage}/etc/profile.d/jobsub_compat.sh (unchanged)" in again.stdout
    assert sorted(p.name for p in (stage / "opt" / "jc").iterdir()) == ["bin", "share", "src"]


@pytest.mark.parametrize(("settings", "says"), [
    pytest.param({"PREFIX": "opt/jc"}, "PREFIX=opt/jc must be a plain absolute directory",
                 id="relative-prefix"),
    pytest.param({"PREFIX": "/opt/j c"}, "must be a plain absolute directory", id="space"),
    pytest.param({"DESTDIR": "stage"}, "DESTDIR=stage must be an absolute directory",
                 id="relative-destdir"),
    pytest.param({"PYTHON": "no-such-python3"}, "PYTHON=no-such-python3 is not an executable",
                 id="no-python"),
])
def test_wrong_settings_are_one_line_and_status_2(tmp_path: Path, settings: dict[str, str],
                                                  says: str) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "DESTDIR": str(tmp_path / "stage"), **settings}
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "install.py")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("packaging/install.py: error: ") and says in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "stage" / "etc").exists()


def test_a_name_linked_outside_the_tree_is_refused(tmp_path: Path) -> None:
    """A drop-in's name must be a relative link to the launcher: an absolute one would run
    the checkout's launcher from the installed tree."""
    checkout = copy_checkout(tmp_path / "checkout")
    (checkout / "bin" / "jobsub_q").unlink()
    (checkout / "bin" / "jobsub_q").symlink_to(checkout / "bin" / "jobsub-compat")
    done = site_install(checkout, tmp_path, PREFIX=str(tmp_path / "prefix"),
                        DESTDIR=str(tmp_path / "stage"))
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert "bin/jobsub_q must be a relative symlink to the launcher" in done.stderr
    assert [p.name for p in (tmp_path / "stage" / str(tmp_path / "prefix")[1:]).iterdir()] == []


def _old_python() -> str | None:
    """A Python older than 3.9 on this machine, if there is one."""
    for candidate in sorted(glob.glob("/usr/bin/python3.[5-8]")
                            + glob.glob("/root/.pyenv/versions/3.[5-8].*/bin/python3.[5-8]")):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.mark.skipif(_old_python() is None, reason="no Python older than 3.9 on this machine")
def test_an_interpreter_older_than_3_9_is_refused(tmp_path: Path) -> None:
    old = _old_python()
    env = {"PATH": os.environ.get("PATH", ""), "DESTDIR": str(tmp_path / "stage"),
           "PYTHON": str(old)}
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "install.py")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "the drop-ins need 3.9 or newer" in done.stderr
    assert not (tmp_path / "stage").exists()


def test_a_directory_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "stage" / "usr" / "local"
    (foreign / "bin").mkdir(parents=True)
    (foreign / "bin" / "someone_elses_tool").write_text("")
    env = {"PATH": os.environ.get("PATH", ""), "DESTDIR": str(tmp_path / "stage"),
           "PREFIX": "/usr/local"}
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "install.py")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "holds other files and no jobsub-compat install" in \
        done.stderr
    assert sorted(p.name for p in foreign.rglob("*")) == ["bin", "someone_elses_tool"]
