"""The site install of jobsub-compat: everything a node needs, read-only and fast for users.

    python3 packaging/install.py                  # as root, from the checkout

Read from the environment, as `make install` reads them:
  PREFIX   the install's own directory (default /opt/jobsub_compat)
  DESTDIR  a staging root (packagers): every file goes below it, nothing is written
           anywhere else, and the tree below $DESTDIR$PREFIX runs as it will from $PREFIX
  PYTHON   the interpreter the drop-ins run (default /usr/bin/python3, the system python3
           that EL9 nodes have and sites install HTCondor's bindings for; else the first
           python3 on PATH)

What it writes (each below $DESTDIR):
  $PREFIX/bin/, $PREFIX/bin/credentials/  the launcher, run by `$PYTHON -S`, and the
                                          drop-ins' names, relative symlinks to it
  $PREFIX/src/jobsub_compat/              the package, byte-compiled by $PYTHON
  $PREFIX/share/man/man1/, share/doc/     the man pages; README.md and compat-matrix.md
  /etc/profile.d/jobsub_compat.sh, .csh   $PREFIX/bin first on PATH
  /etc/jobsub_compat/jobsub_compat.conf   the commented site config

Why it is fast for users who cannot write the tree: every module has bytecode for the
interpreter that runs it. Without it each call compiles every module it imports (and
cannot store the result): measured by benchmarks/run.py (as `nobody`, on the 2-core CI
machine), jobsub_q then costs 4.8x a bare interpreter start instead of 1.4x, and
jobsub_submit 5.7x instead of 2.3x. So:
- the launchers' first line names $PYTHON (as pip's installed scripts do) instead of
  `/usr/bin/env python3`: a user whose PATH has another python3 (a conda or UPS setup)
  would otherwise run the drop-ins without their bytecode and without the HTCondor
  bindings;
- bytecode is compiled by $PYTHON itself, isolated (-I) from root's environment (a
  PYTHONPYCACHEPREFIX there would put it outside the tree, PYTHONOPTIMIZE would give the
  wrong file names), into __pycache__ next to each module;
- in unchecked-hash mode: Python uses it without comparing it to the source, so it stays
  valid whatever happens to the files' times on the way (DESTDIR staging, tar, rpm, which
  clamps mtimes). The tree changes only by installing again, which replaces it whole;
  `jobsub-compat doctor` says when a source no longer matches its bytecode.

Modes are set explicitly (0755 directories and launchers, 0644 files), whatever the
umask: run as root, the tree is root's and read-only to users. A reinstall builds the new
tree beside the old one and swaps bin/, src/ and share/ in by renaming. Files under /etc
are the site's: an existing one that differs is kept, and the new one written beside it
as FILE.new (as rpm's %config(noreplace) does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROG = "packaging/install.py"
LAUNCHER_SHEBANG = "#!/usr/bin/env -S python3 -S\n"  # bin/'s first line, in the checkout
OWNED = ("bin", "src", "share")  # what an install replaces inside PREFIX
PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-/@")

PROFILE_SH = """\
# /etc/profile.d/jobsub_compat.sh, written by jobsub-compat's site install: the legacy
# jobsub commands (jobsub_submit, jobsub_q, ...) from {prefix}/bin, first on PATH.
# The opt-in credential drop-ins (kx509, voms-proxy-*, cigetcert) are in
# {prefix}/bin/credentials: uncomment the line below to put them first on PATH too.
case ":${{PATH-}}:" in
  *:{prefix}/bin:*) ;;
  *) PATH="{prefix}/bin${{PATH:+:$PATH}}"; export PATH ;;
esac
#case ":$PATH:" in *:{prefix}/bin/credentials:*) ;; *) PATH="{prefix}/bin/credentials:$PATH" ;; esac
# man finds the pages through PATH; a MANPATH that is set gets them first.
if [ -n "${{MANPATH-}}" ]; then
  case ":$MANPATH:" in
    *:{prefix}/share/man:*) ;;
    *) MANPATH="{prefix}/share/man:$MANPATH"; export MANPATH ;;
  esac
fi
"""

PROFILE_CSH = """\
# /etc/profile.d/jobsub_compat.csh, written by jobsub-compat's site install: the legacy
# jobsub commands (jobsub_submit, jobsub_q, ...) from {prefix}/bin, first on PATH.
# The opt-in credential drop-ins (kx509, voms-proxy-*, cigetcert) are in
# {prefix}/bin/credentials: uncomment the lines below to put them first on PATH too.
if ( ! $?PATH ) setenv PATH ""
if ( ":${{PATH}}:" !~ *:{prefix}/bin:* ) then
    if ( "${{PATH}}" == "" ) then
        setenv PATH "{prefix}/bin"
    else
        setenv PATH "{prefix}/bin:${{PATH}}"
    endif
endif
#if ( ":${{PATH}}:" !~ *:{prefix}/bin/credentials:* ) then
#    setenv PATH "{prefix}/bin/credentials:${{PATH}}"
#endif
# man finds the pages through PATH; a MANPATH that is set gets them first.
if ( $?MANPATH ) then
    if ( "${{MANPATH}}" != "" && ":${{MANPATH}}:" !~ *:{prefix}/share/man:* ) then
        setenv MANPATH "{prefix}/share/man:${{MANPATH}}"
    endif
endif
"""


class Failure(Exception):
    """One line for the admin; `status` 2 for a wrong setting, 1 otherwise."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def interpreter(named: str) -> str:
    """The absolute path of the interpreter the drop-ins will run, checked."""
    if named:
        found = shutil.which(named)
        if found is None:
            raise Failure(f"PYTHON={named} is not an executable; name the python3 the "
                          "nodes run, e.g. PYTHON=/usr/bin/python3", 2)
    else:
        found = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else \
            shutil.which("python3")
        if found is None:
            raise Failure("no python3 found; install Python 3.9 or newer, or set PYTHON")
    found = os.path.abspath(found)
    if not set(found) <= PLAIN:
        raise Failure(f"PYTHON={found} holds characters a launcher's #! line cannot carry; "
                      "use a plain path (a symlink to it will do)", 2)
    return found


def describe(python: str) -> tuple[str, str]:
    """(cache tag, version) of the interpreter, e.g. ('cpython-311', '3.11.2')."""
    try:
        done = subprocess.run(
            [python, "-I", "-c", "import sys; print(sys.implementation.cache_tag, "
             "'%d.%d.%d' % sys.version_info[:3], int(sys.version_info >= (3, 9)))"],
            capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise Failure(f"cannot run PYTHON={python} ({exc})") from None
    tag, version, recent = done.stdout.split()
    if recent != "1":
        raise Failure(f"PYTHON={python} is Python {version}; the drop-ins need 3.9 or "
                      "newer (set PYTHON)", 2)
    return tag, version


def settings(environ: dict[str, str]) -> tuple[str, str, str]:
    """(prefix, destdir, where the prefix is written), checked."""
    prefix = environ.get("PREFIX") or "/opt/jobsub_compat"
    destdir = environ.get("DESTDIR", "")
    if not os.path.isabs(prefix) or not set(prefix) <= PLAIN or prefix.rstrip("/") == "":
        raise Failure(f"PREFIX={prefix} must be a plain absolute directory of its own, "
                      "e.g. /opt/jobsub_compat", 2)
    prefix = os.path.normpath(prefix)
    if destdir and not os.path.isabs(destdir):
        raise Failure(f"DESTDIR={destdir} must be an absolute directory", 2)
    return prefix, destdir, staged(destdir, prefix)


def staged(destdir: str, path: str) -> str:
    return os.path.normpath(destdir + path) if destdir else path


def check_owned(target: str) -> None:
    """Refuse to replace anything in a directory that is not ours (PREFIX=/usr/local)."""
    if not os.path.isdir(target):
        if os.path.lexists(target):
            raise Failure(f"{target} exists and is not a directory; choose another PREFIX", 2)
        return
    present = [n for n in os.listdir(target) if not n.startswith(".install-")]
    ours = os.path.isfile(os.path.join(target, "src", "jobsub_compat", "__init__.py"))
    if present and not ours:
        raise Failure(f"{target} holds other files and no jobsub-compat install; PREFIX "
                      "must be a directory of its own, e.g. /opt/jobsub_compat", 2)


def _mkdir(path: str) -> None:
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o755)


def _copy(source: str, target: str, mode: int) -> None:
    shutil.copyfile(source, target)
    os.chmod(target, mode)


def copy_launchers(source: str, target: str, python: str) -> None:
    _mkdir(target)
    for name in sorted(os.listdir(source)):
        path, into = os.path.join(source, name), os.path.join(target, name)
        if os.path.islink(path):  # a drop-in's name: a link to the one launcher
            link = os.readlink(path)
            if os.path.isabs(link) or not os.path.isfile(path):
                raise Failure(f"{path} must be a relative symlink to the launcher (ln -s "
                              f"jobsub-compat {name}), not to {link}")
            os.symlink(link, into)
        elif os.path.isdir(path):
            copy_launchers(path, into, python)
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            if not text.startswith(LAUNCHER_SHEBANG):
                raise Failure(f"{path} is not a launcher (its first line is not "
                              f"{LAUNCHER_SHEBANG.strip()})")
            with open(into, "w", encoding="utf-8") as handle:
                handle.write(f"#!{python} -S\n" + text[len(LAUNCHER_SHEBANG):])
            os.chmod(into, 0o755)


def copy_package(source: str, target: str) -> None:
    """The package's modules only: no bytecode or metadata from the checkout."""
    _mkdir(target)
    for name in sorted(os.listdir(source)):
        path = os.path.join(source, name)
        if os.path.isdir(path) and name != "__pycache__":
            copy_package(path, os.path.join(target, name))
        elif name.endswith(".py"):
            _copy(path, os.path.join(target, name), 0o644)


def compile_package(python: str, tag: str, staged_src: str, final_src: str) -> int:
    """Byte-compile with the drop-ins' interpreter; the number of modules."""
    done = subprocess.run([python, "-I", "-m", "compileall", "-q", "-d", final_src,
                           "--invalidation-mode", "unchecked-hash", staged_src],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise Failure(f"{python} could not compile the package: "
                      f"{(done.stdout + done.stderr).strip().splitlines()[-1:]}")
    modules = 0
    for directory, subdirs, files in os.walk(staged_src):
        if os.path.basename(directory) == "__pycache__":
            for name in files:
                os.chmod(os.path.join(directory, name), 0o644)
            continue
        for name in (f for f in files if f.endswith(".py")):
            pyc = os.path.join(directory, "__pycache__", f"{name[:-3]}.{tag}.pyc")
            if not os.path.isfile(pyc):
                raise Failure(f"{python} wrote no {pyc}")
            modules += 1
        os.chmod(directory, 0o755)
        if "__pycache__" in subdirs:
            os.chmod(os.path.join(directory, "__pycache__"), 0o755)
    return modules


def build(stage: str, prefix: str, python: str, tag: str) -> int:
    """The whole $PREFIX tree in `stage`; the number of compiled modules."""
    copy_launchers(os.path.join(ROOT, "bin"), os.path.join(stage, "bin"), python)
    copy_package(os.path.join(ROOT, "src", "jobsub_compat"),
                 os.path.join(stage, "src", "jobsub_compat"))
    os.chmod(os.path.join(stage, "src"), 0o755)
    modules = compile_package(python, tag, os.path.join(stage, "src"),
                              os.path.join(prefix, "src"))
    man = os.path.join(stage, "share", "man", "man1")
    doc = os.path.join(stage, "share", "doc", "jobsub_compat")
    for directory in (os.path.join(stage, "share"), os.path.dirname(man), man,
                      os.path.dirname(doc), doc):
        _mkdir(directory)
    for name in sorted(os.listdir(os.path.join(ROOT, "man", "man1"))):
        _copy(os.path.join(ROOT, "man", "man1", name), os.path.join(man, name), 0o644)
    for name in ("README.md", "compat-matrix.md"):
        _copy(os.path.join(ROOT, name), os.path.join(doc, name), 0o644)
    return modules


def swap_in(stage: str, target: str) -> None:
    """Replace bin/, src/ and share/ of `target` by the staged ones, each by renames."""
    old = os.path.join(stage, "old")
    os.mkdir(old)
    for name in OWNED:
        current = os.path.join(target, name)
        if os.path.lexists(current):
            os.rename(current, os.path.join(old, name))
        os.rename(os.path.join(stage, name), current)


def site_file(path: str, text: str) -> str:
    """Write a file under /etc unless the site has its own there; says what was done."""
    _mkdir(os.path.dirname(path))
    said = path
    if os.path.lexists(path):
        try:
            with open(path, encoding="utf-8") as handle:
                if handle.read() == text:
                    return f"{path} (unchanged)"
        except (OSError, UnicodeDecodeError):
            pass
        said = f"{path} kept (it differs from this version's); the new one is {path}.new"
        path += ".new"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o644)
    return said


def install(environ: dict[str, str]) -> list[str]:
    """Install; the lines that say what was done."""
    prefix, destdir, target = settings(environ)
    python = interpreter(environ.get("PYTHON", ""))
    tag, version = describe(python)
    check_owned(target)
    _mkdir(target)
    for name in os.listdir(target):  # left by an install that was interrupted
        if name.startswith(".install-"):
            shutil.rmtree(os.path.join(target, name))
    stage = tempfile.mkdtemp(prefix=".install-", dir=target)
    try:
        modules = build(stage, prefix, python, tag)
        swap_in(stage, target)
    finally:
        shutil.rmtree(stage)
    done = [f"installed jobsub-compat in {target}: drop-ins run by {python} -S "
            f"(Python {version}), {modules} modules byte-compiled for it"]
    etc = staged(destdir, "/etc")
    with open(os.path.join(ROOT, "packaging", "jobsub_compat.conf"), encoding="utf-8") as conf:
        files = {os.path.join(etc, "jobsub_compat", "jobsub_compat.conf"): conf.read(),
                 os.path.join(etc, "profile.d", "jobsub_compat.sh"):
                     PROFILE_SH.format(prefix=prefix),
                 os.path.join(etc, "profile.d", "jobsub_compat.csh"):
                     PROFILE_CSH.format(prefix=prefix)}
    done += [site_file(path, text) for path, text in files.items()]
    return done


def main() -> int:
    os.umask(0o022)
    try:
        for line in install(dict(os.environ)):
            print(line)
    except Failure as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.status
    except OSError as exc:
        print(f"{PROG}: error: {exc.filename or ''}: {exc.strerror or exc}; run as root, or "
              "stage into DESTDIR", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
