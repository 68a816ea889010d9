"""jobsub-compat migrate on hostile files: --write never follows a link or opens what it
creates, never blocks on a FIFO, leaves read-only files alone and counts only what it
wrote; --from-log skips and counts malformed or hostile records and never lets a record
drive the terminal."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest

from jobsub_compat import migrate

LEGACY = "jobsub_submit -G gm2 -M file:///x.sh\n"
NATIVE = "jobsub_submit -G gm2 --mail_always file:///x.sh\n"


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = migrate.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_dangling_orig_link_is_never_followed(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    tree = tmp_path / "tree"
    tree.mkdir()
    script = tree / "s.sh"
    script.write_text(LEGACY)
    (tree / "s.sh.orig").symlink_to(outside / "planted")
    status, _, err = run_main(capsys, "--write", str(script))
    assert status == 1
    assert not (outside / "planted").exists()  # nothing created through the link
    assert os.readlink(tree / "s.sh.orig") == str(outside / "planted")
    assert (tree / "s.sh.orig.1").read_text() == LEGACY  # the real backup, a new name
    assert script.read_text() == NATIVE
    assert f"{script}.orig exists and is not a regular file (left alone); the backup is " \
           f"{script}.orig.1" in err


def test_an_existing_orig_link_is_not_taken_for_the_backup(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.txt"
    other.write_text("someone else's file\n")
    script = tmp_path / "s.sh"
    script.write_text(LEGACY)
    script.chmod(0o750)
    (tmp_path / "s.sh.orig").symlink_to(other)
    run_main(capsys, "--write", str(script))
    assert other.read_text() == "someone else's file\n"
    backup = tmp_path / "s.sh.orig.1"
    assert backup.read_text() == LEGACY
    assert stat.S_IMODE(backup.stat().st_mode) == 0o750
    assert not backup.is_symlink()


def test_a_symlinked_script_is_reported_not_replaced(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "real.sh"
    target.write_text(LEGACY)
    link = tmp_path / "link.sh"
    link.symlink_to(target)
    status, _, err = run_main(capsys, "--write", str(link))
    assert status == 1
    assert link.is_symlink() and target.read_text() == LEGACY
    assert not (tmp_path / "link.sh.orig").exists()
    assert f"{link}:1: [JCM02] not written: it is a symbolic link (to {target})" in err
    assert "0 changed, 0 call(s) rewritten" in err


def test_a_directory_with_a_file_and_a_link_to_it(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "z.sh").write_text(LEGACY)
    (tmp_path / "a.sh").symlink_to(tmp_path / "z.sh")  # sorts first, still not the one
    status, _, err = run_main(capsys, "--write", "--no-backup", str(tmp_path))
    assert (tmp_path / "z.sh").read_text() == NATIVE
    assert (tmp_path / "a.sh").is_symlink()
    assert "1 file(s) read, 1 changed" in err


@pytest.mark.parametrize("kind", ["fifo", "socket", "device"])
def test_special_files_are_skipped_without_blocking(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    (tmp_path / "good.sh").write_text(LEGACY)
    special = tmp_path / "x.sh"
    if kind == "fifo":
        os.mkfifo(special)  # opening it for reading would wait for a writer for ever
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(special))
    else:
        special.symlink_to("/dev/zero")  # a device that never ends
    for argv in ([str(tmp_path)], [str(special)]):
        status, out, err = run_main(capsys, *argv)
        assert status == 1
        # a socket cannot even be opened (ENXIO); the others are refused by their type
        assert f"{special}:1: [JCM11] not migrated: " + (
            "No such device or address" if kind == "socket" else "is a ") in err
    assert "-jobsub_submit -G gm2 -M file:///x.sh" in run_main(capsys, str(tmp_path))[1]
    if kind == "socket":
        server.close()


def test_a_read_only_file_is_left_alone(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.sh"
    script.write_text(LEGACY)
    script.chmod(0o444)
    writable = tmp_path / "w.sh"
    writable.write_text(LEGACY)
    status, _, err = run_main(capsys, "--write", str(script), str(writable))
    assert status == 1
    assert script.read_text() == LEGACY
    assert stat.S_IMODE(script.stat().st_mode) == 0o444
    assert not (tmp_path / "s.sh.orig").exists()
    assert f"{script}:1: [JCM02] not written: the file is read-only" in err
    assert writable.read_text() == NATIVE
    assert "2 file(s) read, 1 changed, 1 call(s) rewritten (JC104 x1)" in err


# --- --from-log and hostile records ---------------------------------------------------------

def _line(**fields: object) -> str:
    record: dict[str, object] = {"time": "2026-01-05T10:00:00Z", "command": "jobsub_submit",
                                 "warnings": ["JC104"], "caller": {"script": "/a/s.sh"}}
    record.update(fields)
    return json.dumps(record)


HOSTILE = [
    "[" * 100_000 + "]" * 100_000,  # nested far deeper than the parser recurses
    '{"caller": {"cmdline": ' + "[" * 900 + "1" + "]" * 900 + '}}',  # deep but readable: kept
    '"just a string"',
    "[1, 2, 3]",
    "{not json",
    _line(time=12, command=["x"], warnings="JC104", caller="nobody"),  # wrong types: kept
    '{"caller": {"script": "' + "x" * (2 * 1024 * 1024) + '"}}',  # a line over the limit
]


def test_hostile_records_are_skipped_and_counted(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join([_line()] + HOSTILE + [_line(time="2026-01-06T10:00:00Z")]) + "\n")
    status, out, err = run_main(capsys, "--from-log", str(log))
    assert status == 1
    assert "Traceback" not in err
    assert "  2 call(s), last seen 2026-01-06T10:00:00Z; commands: jobsub_submit" in out
    assert "(unknown caller)" in out  # the record of wrong types counts, as unknown
    skipped = [x for x in err.splitlines() if "skipped" in x]
    assert skipped == ["jobsub-compat migrate: warning: skipped 5 malformed line(s)"]


def test_records_never_drive_the_terminal(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(_line(caller={"script": "\u001b]0;pwned\u0007/s.sh"},
                         command="jobsub_submit\u001b[2J", warnings=["JC1\u009b04"]) + "\n")
    status, out, err = run_main(capsys, "--from-log", str(log))
    assert status == 1
    for text in (out, err):
        assert not any(ord(c) < 0x20 and c != "\n" or 0x7f <= ord(c) < 0xa0 for c in text)
    assert "\\e]0;pwned\\x07/s.sh" in out
    assert "jobsub_submit\\e[2J" in out


def test_a_fifo_log_is_refused_without_blocking(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "log.jsonl"
    os.mkfifo(fifo)
    status, out, err = run_main(capsys, "--from-log", str(fifo))
    assert status == 2
    assert err.startswith("jobsub-compat migrate: error: ")
    assert len(err.splitlines()) == 1


def test_without_the_grammar_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from jobsub_compat.migrate import bash

    real_import = builtins.__import__

    def no_tree_sitter(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("tree_sitter"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bash, "_PARSER", None)
    monkeypatch.setattr(builtins, "__import__", no_tree_sitter)
    script = tmp_path / "s.sh"
    script.write_text(LEGACY)
    status, out, err = run_main(capsys, str(script))
    assert (status, out) == (1, "")
    assert err.splitlines() == [err.strip()]
    assert "python3 -m pip install jobsub-compat" in err
    assert "tree-sitter-bash" in err
