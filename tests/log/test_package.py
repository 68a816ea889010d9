"""The log's public surface (log/__init__.py) and the cost of importing and using it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from jobsub_compat import log
from tests.log.common import JWT, SRC, lines, make_script

RECORD_PATH = textwrap.dedent("""\
    import os, sys
    sys.path.insert(0, os.environ["SRC"])
    from jobsub_compat import log
    from jobsub_compat.log import redaction
    at_import = "re" in sys.modules
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ["HOME"], "USER": "alice",
           "LOGNAME": "alice", "SHELL": "/bin/bash", "LANG": "en_US.UTF-8", "GROUP": "gm2",
           "BEARER_TOKEN_FILE": "/run/user/1000/bt_u1000", "BEARER_TOKEN": os.environ["JWT"],
           "X509_USER_PROXY": "/tmp/x509up_u1000", "JOBSUB_COMPAT_LOG": os.environ["LOG"],
           "JOBSUB_COMPAT_SITE_CONFIG": os.environ["HOME"] + "/site.conf"}
    argv = ["-G", "gm2", "--jobid", "42.0@jobsub01.fnal.gov"]
    rec = log.make_record("jobsub_rm", argv, ["/opt/jobsub_lite/bin/jobsub_rm"] + argv,
                          ["JC104"], "/opt/jobsub_lite/bin/jobsub_rm", "1.12", 0, 0.25, env)
    after_record = "re" in sys.modules
    before = set(sys.modules)
    problem = log.write(rec, env)
    new = sorted(set(sys.modules) - before)
    import json
    print(json.dumps({"no_site": sys.flags.no_site, "at_import": at_import,
                      "after_record": after_record, "compiled": redaction._PATTERNS is not None,
                      "new": new, "problem": problem, "record": rec}))
""")


def test_ordinary_record_needs_no_re(tmp_path: Path) -> None:
    """A jobsub_rm call's record is made without importing re; writing it imports re only
    through json (encode's json.dumps, to be replaced)."""
    script = make_script(tmp_path / "run.sh", '"$PY" -S -c "$CODE"\nexit $?\n')
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "PY": sys.executable, "CODE": RECORD_PATH, "SRC": SRC,
           "HOME": str(home), "JWT": JWT, "LOG": str(tmp_path / "m.jsonl")}
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["no_site"] == 1 and out["problem"] is None
    rec = out["record"]
    assert rec["caller"] == {"cmdline": ["bash", str(script)], "script": str(script)}
    assert rec["argv"] == ["-G", "gm2", "--jobid", "42.0@jobsub01.fnal.gov"]
    assert lines(tmp_path / "m.jsonl") == [rec]
    assert (out["at_import"], out["after_record"], out["compiled"]) == (False, False, False)
    assert "re" not in out["new"] or "json" in out["new"], out["new"]


def test_import_is_light() -> None:
    code = (f"import sys; sys.path.insert(0, {SRC!r}); import jobsub_compat.log; "
            "print(sorted(m for m in ('syslog', 'socket', 'fcntl', 'subprocess', 'datetime',"
            " 're', 'json') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_public_surface() -> None:
    """What the drop-ins, doctor, report, migrate and the benchmarks use. The modules are
    not named after these functions, so that `log.redact` and `log.caller` stay them."""
    import types

    from jobsub_compat.log import calling, record, redaction, writer

    assert sorted(log.__all__) == ["REDACTED", "caller", "encode", "iso_time", "make_record",
                                   "redact", "scrub", "user_log", "write"]
    assert not any(isinstance(getattr(log, name), types.ModuleType) for name in log.__all__)
    assert (log.caller, log.redact, log.scrub, log.make_record, log.encode, log.write,
            log.user_log) == (calling.caller, redaction.redact, redaction.scrub,
                              record.make_record, record.encode, writer.write, writer.user_log)
