"""`jobsub-compat doctor`'s bytecode line: is the install it runs from compiled for this
interpreter, can this user write it, and what a missing bytecode costs."""

from __future__ import annotations

import compileall
import py_compile
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from jobsub_compat import doctor


@pytest.fixture()
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small package tree, as an install has it (a subpackage too); no bytecode yet."""
    root = tmp_path / "src" / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("X = 1\n")
    (root / "mod.py").write_text("Y = 2\n")
    (root / "sub" / "__init__.py").write_text("")
    (root / "notes.txt").write_text("not a module\n")
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    return root


def compile_tree(root: Path, mode: py_compile.PycInvalidationMode) -> None:
    assert compileall.compile_dir(str(root), quiet=1, invalidation_mode=mode)


def read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """This user cannot write anything (tests may run as root, who can)."""
    monkeypatch.setattr(doctor, "_can_write", lambda directory: False)


def test_compiled_unchecked_hash_read_only(package: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    compile_tree(package, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    read_only(monkeypatch)
    line = doctor.bytecode(str(package))
    impl = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert line == (f"3 modules byte-compiled for CPython {impl} (unchecked-hash); "
                    f"{package} is read-only for you")


def test_compiled_timestamp_writable(package: Path) -> None:
    compile_tree(package, py_compile.PycInvalidationMode.TIMESTAMP)
    line = doctor.bytecode(str(package))
    assert "3 modules byte-compiled" in line and "(timestamp)" in line
    assert line.endswith("is writable by you")


def test_missing_and_read_only_says_what_it_costs(package: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    read_only(monkeypatch)
    line = doctor.bytecode(str(package))
    assert line.startswith("3 of 3 modules have no bytecode for CPython")
    assert "is not writable by you: every call compiles them again" in line
    assert doctor.UNCOMPILED_COST in line and "x a bare python3 start instead of" in line
    assert f"packaging/install.py as root (PYTHON={sys.executable})" in line


def test_missing_and_writable_is_compiled_once(package: Path) -> None:
    compile_tree(package / "sub", py_compile.PycInvalidationMode.TIMESTAMP)
    line = doctor.bytecode(str(package))
    assert line.startswith("2 of 3 modules have no bytecode")
    assert "compiled once, on first use" in line


def test_missing_with_bytecode_writing_off(package: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    line = doctor.bytecode(str(package))
    assert "PYTHONDONTWRITEBYTECODE keeps Python from storing it" in line
    assert f"Compile it: {sys.executable} -m compileall {package}" in line


def test_another_interpreters_bytecode_is_missing(package: Path) -> None:
    compile_tree(package, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    for pyc in package.rglob("*.pyc"):
        data = bytearray(pyc.read_bytes())
        data[0] ^= 0xFF  # another magic number: another Python version's bytecode
        pyc.write_bytes(bytes(data))
    assert doctor.bytecode(str(package)).startswith("3 of 3 modules have no bytecode")


def test_an_edited_source_under_unchecked_hash(package: Path) -> None:
    compile_tree(package, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    (package / "mod.py").write_text("Y = 3\n")
    line = doctor.bytecode(str(package))
    assert "1 modules differ from their bytecode, which Python runs anyway" in line


@pytest.mark.parametrize("mode", [py_compile.PycInvalidationMode.TIMESTAMP,
                                  py_compile.PycInvalidationMode.CHECKED_HASH])
def test_an_edited_source_is_compiled_again(package: Path, mode: py_compile.PycInvalidationMode,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    compile_tree(package, mode)
    (package / "mod.py").write_text("Y = 3  # longer\n")
    assert "1 modules changed since they were compiled, so they are compiled again once" \
        in doctor.bytecode(str(package))
    read_only(monkeypatch)
    assert "compiled again on every call" in doctor.bytecode(str(package))


def test_a_pycache_prefix_hides_the_install_bytecode(package: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    compile_tree(package, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "elsewhere"))
    line = doctor.bytecode(str(package))
    assert line.startswith("3 of 3 modules have no bytecode")
    assert f"PYTHONPYCACHEPREFIX={tmp_path / 'elsewhere'} makes Python look for bytecode " \
           "there" in line


def test_a_truncated_bytecode_file_is_missing(package: Path) -> None:
    compile_tree(package, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    next(package.rglob("mod.*.pyc")).write_bytes(b"\x00\x01")
    assert doctor.bytecode(str(package)).startswith("1 of 3 modules have no bytecode")


def test_the_screen_has_the_line(environ: dict[str, str], capsys: pytest.CaptureFixture[str]
                                 ) -> None:
    doctor.main([], environ)
    assert "\nbytecode " in capsys.readouterr().out


def test_optimized_runs_look_for_other_files(package: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    compile_tree(package, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    flags = SimpleNamespace(**{name: getattr(sys.flags, name) for name in dir(sys.flags)
                               if not name.startswith("_") and name not in ("count", "index")})
    flags.optimize = 1
    monkeypatch.setattr(sys, "flags", flags)
    line = doctor.bytecode(str(package))
    assert line.startswith("3 of 3 modules have no bytecode")
    assert "-O/PYTHONOPTIMIZE looks for .opt-1.pyc files" in line


def test_an_interpreter_without_bytecode(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.implementation, "cache_tag", None)
    assert doctor.bytecode(str(package)).endswith("keeps no bytecode "
                                                  "(sys.implementation.cache_tag is None)")
