"""`jobsub-compat report` at site scale, side by side with DuckDB, in one run.

    python benchmarks/report_scale.py [--records N] [--big N] [--files N] [--runs N]

For each size (--records, default 1,000,000, and --big, default 10,000,000; 0 skips it)
a site's log_dir of --files files is made by the drop-ins' own code (benchmarks/sitelog.py:
translate, log.caller, log.make_record, log.encode; the `<user>.jsonl`, `.1` and `.2.gz`
files of a shared log_dir), in a temporary directory removed at the end. Then, --runs
times, in turn:

- report: `jobsub-compat report --format json` over the directory (msgspec installed,
  one process per usable core), as a coordinator runs it;
- report, stdlib: the same with the standard library's json only (1,000,000 records only:
  it is the fallback, not the fast path);
- duckdb: DuckDB (the `bench` extra) computing the same tables from the same files with
  read_json and the equivalent SQL (its best case: told the columns and types, so it
  reads only those), all threads.

Each is a whole process (interpreter start and imports included), timed from outside.
Peak memory (VmHWM): DuckDB's process; for the report, its own plus, for each reading
process, the largest one's (an upper bound: forked processes share pages). Before timing, DuckDB's
tables are checked equal to the report's, so both compute the same thing. The ratio
report/duckdb is taken within each round; the spread over rounds is printed (min, median,
max), because the machine is shared and its load changes from one second to the next.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
PY = sys.executable

# Peak memory of this process since exec: VmHWM (ru_maxrss would also count what the
# benchmark's own process held when it started this one).
PEAK = """
def peak_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
"""

REPORT = PEAK + """
import resource, sys
from jobsub_compat import logrecords, report
if sys.argv[1] == "stdlib":
    logrecords.msgspec = None
status = report.main(["--format", "json", "--output", sys.argv[2], sys.argv[3]])
worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # forked: no exec
print(status, peak_kb(), worker, report.reading.usable_cores())
"""

# The report's tables in SQL: the same normalisation (logrecords.py) and aggregation
# (report/tally.py) for the records a site has.
DUCKDB = PEAK + """
import json, sys
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute('''CREATE TEMP TABLE r AS SELECT time,
  coalesce(nullif("user", ''), '(unknown)') AS "user", nullif(command, '') AS command,
  CASE WHEN caller IS NULL THEN '(unknown caller)'
       WHEN coalesce(caller.script, '') = '' THEN '(no script)' ELSE caller.script END
    AS script,
  list_distinct(list_filter(warnings, lambda c: c <> '')) AS codes
  FROM read_json(?, format='newline_delimited', compression='auto', columns={
    'time': 'VARCHAR', 'user': 'VARCHAR', 'command': 'VARCHAR',
    'caller': 'STRUCT(script VARCHAR)', 'warnings': 'VARCHAR[]'})''', [sys.argv[1] + "/*"])
out = {}
out["summary"] = con.execute('''SELECT count(*), count(*) FILTER (len(codes) > 0),
  coalesce(sum(len(codes)), 0), min(time), max(time) FROM r''').fetchone()
out["codes"] = con.execute('''SELECT code, count(*), min(time), max(time),
  count(DISTINCT script), count(DISTINCT "user") FROM
  (SELECT unnest(codes) AS code, time, script, "user" FROM r) GROUP BY code''').fetchall()
out["scripts"] = con.execute('''SELECT script, count(*), sum(len(codes)),
  count(DISTINCT "user"), min(time), max(time) FROM r WHERE len(codes) > 0
  GROUP BY script''').fetchall()
out["users"] = con.execute('''SELECT "user", count(*), sum(len(codes)),
  count(DISTINCT script), min(time), max(time) FROM r WHERE len(codes) > 0
  GROUP BY "user"''').fetchall()
out["weeks"] = con.execute('''SELECT strftime(date_trunc('week',
  CAST(substr(time, 1, 10) AS DATE)), '%Y-%m-%d') AS monday, count(*),
  count(*) FILTER (len(codes) > 0), coalesce(sum(len(codes)), 0) FROM r
  GROUP BY monday''').fetchall()
with open(sys.argv[2], "w") as handle:
    json.dump(out, handle, default=str)
print(0, peak_kb(), 0, 1)
"""


def _run(code: str, *argv: str) -> tuple[float, float]:
    """(seconds, peak MB) of one whole process."""
    start = time.perf_counter()
    done = subprocess.run([PY, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0 or not done.stdout.strip():
        sys.exit(f"failed: {done.stderr[-3000:]}")
    status, own, worker, cores = done.stdout.split()[-4:]
    if status != "0":
        sys.exit(f"status {status}: {done.stderr[-3000:]}")
    return seconds, (int(own) + int(worker) * int(cores)) / 1024


def _same_tables(ours: Path, duck: Path) -> None:
    """DuckDB's tables are the report's: so both did the same work."""
    mine = json.loads(ours.read_text())
    theirs = json.loads(duck.read_text())
    s = mine["summary"]
    checks = {
        "summary": ([s["records"], s["legacy_calls"], s["warnings"], s["first_seen"],
                     s["last_seen"]], theirs["summary"]),
        "codes": (sorted([r["code"], r["calls"], r["first_seen"], r["last_seen"],
                          r["scripts"], r["users"]] for r in mine["codes"]),
                  sorted(theirs["codes"])),
        "scripts": (sorted([r["script"], r["calls"], r["warnings"], r["users"],
                            r["first_seen"], r["last_seen"]] for r in mine["scripts"]),
                    sorted(theirs["scripts"])),
        "users": (sorted([r["user"], r["calls"], r["warnings"], r["scripts"],
                          r["first_seen"], r["last_seen"]] for r in mine["users"]),
                  sorted(theirs["users"])),
        "weeks": (sorted([w["start"], w["calls"], w["legacy_calls"], w["warnings"]]
                         for w in mine["weeks"] if w["calls"]), sorted(theirs["weeks"])),
    }
    for name, (a, b) in checks.items():
        if a != b:
            sys.exit(f"the {name} tables differ: report {a[:3]}... duckdb {b[:3]}...")


def _spread(values: list[float]) -> dict[str, float]:
    return {"min": round(min(values), 2), "median": round(statistics.median(values), 2),
            "max": round(max(values), 2)}


def measure(records: int, files: int, runs: int, stdlib: bool, tmp: Path) -> dict[str, object]:
    from sitelog import site_log

    site = tmp / f"log_dir_{records}"
    site.mkdir()
    start = time.perf_counter()
    paths = site_log(site, records, files)
    made = time.perf_counter() - start
    size = sum(p.stat().st_size for p in paths)
    ours, duck = tmp / "report.json", tmp / "duckdb.json"
    _run(REPORT, "fast", str(ours), str(site))
    _run(DUCKDB, str(site), str(duck))
    _same_tables(ours, duck)
    kinds = ["fast", "duckdb"] + (["stdlib"] if stdlib else [])
    seconds: dict[str, list[float]] = {k: [] for k in kinds}
    memory: dict[str, list[float]] = {k: [] for k in kinds}
    for round_ in range(runs):
        order = kinds if round_ % 2 == 0 else kinds[::-1]  # neither always goes first
        for kind in order:
            if kind == "duckdb":
                took, peak = _run(DUCKDB, str(site), str(duck))
            else:
                took, peak = _run(REPORT, kind, str(ours), str(site))
            seconds[kind].append(took)
            memory[kind].append(peak)
    for path in paths:  # not kept beyond the run
        path.unlink()
    site.rmdir()
    result: dict[str, object] = {
        "records": records, "files": files, "bytes_on_disk": size,
        "generated_in_s": round(made, 1),
        "seconds": {k: _spread(v) for k, v in seconds.items()},
        "peak_mb": {k: _spread(v) for k, v in memory.items()},
        "ratio_report_to_duckdb": _spread([a / b for a, b in zip(seconds["fast"],
                                                                  seconds["duckdb"])]),
    }
    if stdlib:
        result["ratio_stdlib_to_duckdb"] = _spread(
            [a / b for a, b in zip(seconds["stdlib"], seconds["duckdb"])])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for records in (args.records, args.big):
            if records:
                results.append(measure(records, args.files, args.runs,
                                       records == args.records, Path(tmp)))
                print(json.dumps(results[-1], indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
