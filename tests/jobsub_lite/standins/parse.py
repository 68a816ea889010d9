"""jobsub_lite 1.12's own jobsub_submit parser, applied to argv lists (no submission).

Usage: <venv python> -I -B parse.py TREE OUT.json < [{"argv": [...], "env": {...}}, ...]
Writes one JSON list to OUT.json (jobsub_lite prints notes on stdout), per argv
{"status": 0, "args": {...}} or {"status": 2, "stderr": "..."}.
Each argv is first put through jobsub_lite's backslash_escape_layer and then parsed
by the parser jobsub_submit_main builds (get_parser.get_parser on an ArgumentParser with
condor_submit's epilog), exactly as bin/jobsub_submit does before it submits anything.
The collector stand-in (pool.py) answers get_parser's --schedd-for-testing check.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    tree = sys.argv[1]
    sys.path.insert(0, os.path.dirname(here))
    from standins import launcher, pool

    pool.install()
    import subprocess

    original = subprocess.Popen.__init__

    def popen_init(self: subprocess.Popen, args: object, *rest: object, **kw: object) -> None:
        original(self, launcher.redirect(args), *rest, **kw)  # type: ignore[arg-type]

    subprocess.Popen.__init__ = popen_init  # type: ignore[method-assign]
    sys.path.append(os.path.join(tree, "lib"))
    import get_parser  # type: ignore
    from utils import backslash_escape_layer  # type: ignore

    results = []
    saved = dict(os.environ)
    for request in json.load(sys.stdin):
        os.environ.clear()
        os.environ.update(saved)
        os.environ.update(request.get("env", {}))
        argv = ["jobsub_submit"] + list(request["argv"])
        backslash_escape_layer(argv)
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                parser = argparse.ArgumentParser(
                    prog="jobsub_submit", epilog=get_parser.get_condor_epilog("condor_submit"))
                parser = get_parser.get_parser(parser)
                args = parser.parse_args(argv[1:])
            results.append({"status": 0, "words": argv[1:],
                            "args": json.loads(json.dumps(vars(args), default=str))})
        except SystemExit as exc:
            results.append({"status": exc.code, "words": argv[1:], "stderr": err.getvalue()})
        except Exception as exc:  # as bin/jobsub_submit reports it: exit 1
            results.append({"status": 1, "words": argv[1:],
                            "stderr": f"Error: {exc.__class__.__name__}: {exc}"})
    with open(sys.argv[2], "w", encoding="utf-8") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    main()
