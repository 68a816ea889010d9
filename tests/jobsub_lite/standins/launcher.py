"""Run one of jobsub_lite's own bin/ scripts with the outside world replaced.

Usage: <venv python> -I -B launcher.py TREE/bin/SCRIPT ARG...

Run in jobsub_lite's isolated mode (`-I`, as its `#!/usr/bin/python3 -I` line asks) by
the interpreter of the test venv (HTCondor 24 bindings), it
- replaces htcondor.Collector and htcondor.Schedd by the stand-ins of pool.py;
- redirects the absolute paths jobsub_lite 1.12 runs (`/usr/bin/condor_submit`,
  `/usr/bin/condor_submit_dag`, `/usr/bin/klist`, and the condor_q/rm/... tools for the
  other commands) to the executables in standins/bin, by rewriting only that path in
  the command subprocess.Popen is given (a shell command keeps its variable assignments
  and quoting). Everything run by name (htgettoken, gfal-*, tar, sha256sum) is found on
  PATH, where the harness puts standins/bin first;
- does what the script's own LD_LIBRARY_PATH re-exec does (hide the value in
  HIDE_LD_LIBRARY_PATH and unset it), since re-exec'ing the file would run its
  `/usr/bin/python3` instead of this interpreter;
- then runs the script as `__main__` with sys.argv[0] = its path, so its PREFIX, its
  name checks (jobsub_submit_dag) and its error handling are its own.
"""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN_BIN = os.path.join(HERE, "bin")
REDIRECTED = ("condor_submit_dag", "condor_submit", "condor_q", "condor_rm", "condor_hold",
              "condor_release", "condor_history", "condor_transfer_data", "condor_wait",
              "condor_store_cred", "klist")
_PATTERN = re.compile(r"(?<![\w/.-])/usr/bin/(" + "|".join(REDIRECTED) + r")(?![\w.-])")


def redirect(args: object) -> object:
    if isinstance(args, str):
        return _PATTERN.sub(lambda m: os.path.join(STANDIN_BIN, m.group(1)), args)
    if isinstance(args, (list, tuple)) and args and isinstance(args[0], str):
        return [redirect(args[0]), *args[1:]]
    return args


def main() -> None:
    sys.path.insert(0, os.path.dirname(HERE))
    from standins import pool

    pool.install()
    original = subprocess.Popen.__init__

    def popen_init(self: subprocess.Popen, args: object, *rest: object, **kw: object) -> None:
        original(self, redirect(args), *rest, **kw)  # type: ignore[arg-type]

    subprocess.Popen.__init__ = popen_init  # type: ignore[method-assign]
    sys.path.pop(0)
    if os.environ.get("LD_LIBRARY_PATH", ""):
        os.environ["HIDE_LD_LIBRARY_PATH"] = os.environ.pop("LD_LIBRARY_PATH")
    script = os.path.abspath(sys.argv[1])
    sys.argv = [script] + sys.argv[2:]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
