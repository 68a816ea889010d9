"""Benchmarks of jobsub-compat, reported as ratios measured in one run.

    python benchmarks/run.py [--runs N] [--records N] [--scripts N]

1. Whole-process overhead of each drop-in over calling the backend directly: each drop-in
   runs against a trivial stand-in backend (a shell script printing what jobsub_lite
   prints, so the measurement is the shim, not jobsub_lite), median of --runs runs after
   warm-up, in milliseconds and as a ratio to a bare `python3 -c pass` measured in the
   same run with the same interpreter. The calls are the everyday ones: a valid token in
   BEARER_TOKEN_FILE (so the pre-flight reads its claims), the migration log on, and a
   queue of two jobs for jobsub_q to reformat.
2. `jobsub-compat report` on a generated log of --records records: time and peak memory.
3. `jobsub-compat migrate` on --scripts generated legacy scripts: time, and the time per
   script as a ratio to a bare `python -S -c pass` of the same run (when the migrate command
   exists).
4. The migration log's redaction of hostile 100 kB words (HOSTILE_WORDS: shapes that
   drive a backtracking pattern quadratic), as a ratio to redacting the same number of
   bytes of everyday argv words: the redaction must stay linear in the words' length.
5. The same drop-in calls as 1 on the site install (the README's site-install command,
   into a scratch DESTDIR) as a user who cannot write the tree: `nobody` when this runs as
   root (the tree is then root's), else this user on a tree made read-only. For each
   drop-in, rounds of a bare start of the launchers' interpreter, the stand-in called
   directly and the drop-in, in turn; then the same through a copy of the install without
   its bytecode (what a user gets from a tree without it: every module compiled on every
   call). Medians of --runs rounds, of wall-clock time and of CPU time; each ratio is to
   the bare start it alternated with.

The machines are shared and noisy: compare the ratios of one run, not milliseconds across
runs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # the registry of the checkout measured
from jobsub_compat.commands import COMMANDS  # noqa: E402

PY = sys.executable

STAND_IN = """#!/bin/sh
# a trivial stand-in for jobsub_lite: prints what jobsub_lite prints, does nothing else
case "$(basename "$0")" in
  jobsub_submit) echo "1 job(s) submitted to cluster 42."
                 echo "Use job id 42.0@jobsub01.fnal.gov to retrieve output" ;;
  jobsub_q) cat <<'EOF'
[
{"GlobalJobId": "jobsub01.fnal.gov#42.0#1700000000", "Owner": "alice", "QDate": 1700000000,
 "RemoteWallClockTime": 61.0, "JobStatus": 2, "JobPrio": 0, "ImageSize": 2000,
 "Cmd": "/fife/local/scratch/uploads/gm2/alice/run.sh", "Args": "--fcl run.fcl"},
{"GlobalJobId": "jobsub01.fnal.gov#42.1#1700000000", "Owner": "alice", "QDate": 1700000000,
 "RemoteWallClockTime": 0.0, "JobStatus": 1, "JobPrio": 0, "ImageSize": 0,
 "Cmd": "/fife/local/scratch/uploads/gm2/alice/run.sh", "Args": "--fcl run.fcl"}
]
EOF
  ;;
  jobsub_rm) echo "Job 42.0 marked for removal" ;;
  jobsub_hold) echo "Job 42.0 held" ;;
  jobsub_release) echo "Job 42.0 released" ;;
esac
"""

DROPINS = {
    "jobsub_submit": ["-G", "gm2", "-M", "--jobsub-server=https://fifebatch.fnal.gov:8443",
                      "-N", "10", "--memory=2000MB", "--lines=''",
                      "--append_condor_requirements='(TARGET.Arch", "==", "\"X86_64\")'",
                      "-e", "RUNSET=7", "file:///pnfs/gm2/run.sh", "--fcl", "run.fcl", "-1"],
    "jobsub_q": ["-G", "gm2", "--user", "alice"],
    "jobsub_rm": ["-G", "gm2", "--jobid", "42.0@jobsub01.fnal.gov"],
    "jobsub_hold": ["-G", "gm2", "--jobid", "42.0@jobsub01.fnal.gov"],
    "jobsub_release": ["-G", "gm2", "--jobid", "42.0@jobsub01.fnal.gov"],
}
TARGETS = {"jobsub_submit": 4.0, "jobsub_q": 2.5, "jobsub_rm": 2.5, "jobsub_hold": 2.5,
           "jobsub_release": 2.5}


def lite_name(dropin: str) -> str:
    """The jobsub_lite executable behind a drop-in (the registry's), which the stand-in
    replaces."""
    return str(COMMANDS[dropin].backend)


def unsigned_token(claims: dict[str, object]) -> str:
    """A JWT with these claims (the shim reads claims without checking signatures)."""
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def median_ms(argv: list[str], env: dict[str, str], runs: int) -> float:
    for _ in range(3):  # warm-up: page cache, pyc files
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def overhead(runs: int, workdir: Path) -> list[dict[str, object]]:
    backend = workdir / "backend"
    backend.mkdir()
    for name in DROPINS:
        script = backend / lite_name(name)
        script.write_text(STAND_IN)
        script.chmod(0o755)
    token = workdir / "bt_gm2"
    token.write_text(unsigned_token({"wlcg.groups": ["/gm2"], "sub": "alice",
                                     "iss": "https://cilogon.org/gm2",
                                     "exp": int(time.time()) + 86400}))
    token.chmod(0o600)
    env = {**os.environ, "JOBSUB_COMPAT_BACKEND": str(backend),  # the log is on, as by default
           "JOBSUB_COMPAT_SILENCE": "all", "HOME": str(workdir),
           "BEARER_TOKEN_FILE": str(token), "TMPDIR": str(workdir),
           "PATH": os.pathsep.join([os.path.dirname(PY), os.environ.get("PATH", "")])}
    # Bytecode as an install has it (pip compiles it): without this, PYTHONDONTWRITEBYTECODE
    # in the environment would make every run compile the sources again.
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    bare = median_ms(["python3", "-c", "pass"], env, runs)  # the python3 the shebang finds
    rows: list[dict[str, object]] = [{"what": "python3 -c pass", "ms": round(bare, 1),
                                      "ratio": 1.0}]
    for name, argv in DROPINS.items():
        direct = median_ms([str(backend / lite_name(name)), *argv], env, runs)
        shim = median_ms([str(ROOT / "bin" / name), *argv], env, runs)  # as scripts run it
        rows.append({"what": name, "ms": round(shim, 1), "backend_ms": round(direct, 1),
                     "overhead_ms": round(shim - direct, 1),
                     "ratio": round((shim - direct) / bare, 2), "target": TARGETS[name]})
    return rows


# The timing loop of installed_overhead(), a script run as the unprivileged user by the
# launchers' interpreter (this one may be private to its owner): JSON [{group: {name:
# argv}}, rounds] on stdin, not in its argv, which every drop-in reads (and redacts) as
# its caller's command line; each group's calls run in turn, round after round (after three
# rounds of warm-up); out comes JSON {group: {name: [median wall-clock s, median CPU s]}}.
# CPU time (user and system, of the process and what it waited for) is what load on a
# shared machine disturbs least; the targets are on wall-clock time.
INTERLEAVED = """
import json, resource, statistics, subprocess, sys, time
groups, rounds = json.load(sys.stdin)
def used():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
out = {}
for group, calls in groups.items():
    wall = {name: [] for name in calls}
    cpu = {name: [] for name in calls}
    for i in range(rounds + 3):
        for name, argv in calls.items():
            start, before = time.perf_counter(), used()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if i >= 3:
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(used() - before)
    out[group] = {n: [statistics.median(wall[n]), statistics.median(cpu[n])] for n in calls}
print(json.dumps(out))
"""


def readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"<!-- {marker} -->\n```sh\n") + len(f"<!-- {marker} -->\n```sh\n")
    return text[start:text.index("\n```", start)]


def unprivileged() -> tuple[list[str], str, int, int]:
    """How to run as a user who cannot write a root-owned tree: the argv prefix, and that
    user's name, uid and gid."""
    import pwd

    if os.geteuid() == 0 and shutil.which("setpriv"):
        nobody = pwd.getpwnam("nobody")
        return (["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                 "--clear-groups"], "nobody", nobody.pw_uid, nobody.pw_gid)
    return [], pwd.getpwuid(os.geteuid()).pw_name, os.geteuid(), os.getegid()


def site_install(area: Path) -> tuple[Path, Path]:
    """The README's site install into area/root (DESTDIR); (the tree, its root)."""
    root = area / "root"
    env = {**os.environ, "DESTDIR": str(root), "PREFIX": "/opt/jobsub_compat"}
    subprocess.run(["bash", "-c", readme_block("site-install")], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return root / "opt" / "jobsub_compat", root


def installed_overhead(runs: int, workdir: Path) -> dict[str, object]:
    """Section 5 of the docstring: the drop-ins of a site install, run by a user who cannot
    write it, against the stand-in backend, with and without the install's bytecode."""
    area = workdir / "installed"
    area.mkdir()
    for directory in (workdir, area):
        directory.chmod(0o755)  # the unprivileged user reaches the tree through them
    tree, root = site_install(area)
    bare_root = area / "no-bytecode"
    bare_tree = bare_root / "opt" / "jobsub_compat"
    shutil.copytree(tree, bare_tree, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    run_as, user, uid, gid = unprivileged()
    python = (tree / "bin" / "jobsub_q").read_text().split("\n")[0][2:].split()[0]
    backend = area / "backend"
    backend.mkdir()
    for name in DROPINS:
        (backend / lite_name(name)).write_text(STAND_IN)
        (backend / lite_name(name)).chmod(0o755)
    home = area / "home"
    home.mkdir()
    token = home / "bt_gm2"
    token.write_text(unsigned_token({"wlcg.groups": ["/gm2"], "sub": "alice",
                                     "iss": "https://cilogon.org/gm2",
                                     "exp": int(time.time()) + 86400}))
    token.chmod(0o600)
    for path in (home, token):
        os.chown(path, uid, gid)
    env = {"PATH": f"{tree / 'bin'}:/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home),
           "JOBSUB_COMPAT_BACKEND": str(backend), "JOBSUB_COMPAT_SILENCE": "all",
           "BEARER_TOKEN_FILE": str(token),
           "JOBSUB_COMPAT_SITE_CONFIG": str(root / "etc" / "jobsub_compat" /
                                            "jobsub_compat.conf")}
    # One group per drop-in and tree: a bare start, the stand-in called directly, the
    # drop-in; so each is compared with the bare start it alternated with, and the tree
    # without bytecode (which compiles every module, every call) disturbs no other figure.
    groups: dict[str, dict[str, list[str]]] = {}
    for name, argv in DROPINS.items():
        for label, bin_dir in ((name, tree / "bin"), (f"{name} no bytecode", bare_tree / "bin")):
            groups[label] = {"bare": [python, "-c", "pass"],
                             "direct": [str(backend / lite_name(name)), *argv],
                             "shim": [str(bin_dir / name), *argv]}
    timer = area / "timer.py"
    timer.write_text(INTERLEAVED)
    trees = [p for p in [root, *root.rglob("*"), bare_root, *bare_root.rglob("*")]
             if p.is_dir() and not p.is_symlink()]
    try:
        if not run_as:  # this user's own trees: make them ones they cannot write
            for path in trees:
                path.chmod(0o555)
        done = subprocess.run([*run_as, python, str(timer)], input=json.dumps([groups, runs]),
                              env=env, capture_output=True, text=True, check=True)
    finally:
        for path in trees if not run_as else ():
            path.chmod(0o755)  # so that the scratch directory can be removed
    found: dict[str, dict[str, list[float]]] = json.loads(done.stdout)

    def ratio(group: str, kind: int) -> float:
        got = found[group]
        return round((got["shim"][kind] - got["direct"][kind]) / got["bare"][kind], 2)

    bares = [found[name]["bare"] for name in DROPINS]
    rows: list[dict[str, object]] = [{
        "what": f"{python} -c pass", "ms": round(statistics.median(b[0] for b in bares) * 1000, 1),
        "cpu_ms": round(statistics.median(b[1] for b in bares) * 1000, 1), "ratio": 1.0}]
    for name in DROPINS:
        wall = {call: seconds * 1000 for call, (seconds, _) in found[name].items()}
        rows.append({"what": name, "ms": round(wall["shim"], 1),
                     "backend_ms": round(wall["direct"], 1),
                     "overhead_ms": round(wall["shim"] - wall["direct"], 1),
                     "ratio": ratio(name, 0), "cpu_ratio": ratio(name, 1),
                     "no_bytecode_ratio": ratio(f"{name} no bytecode", 0),
                     "no_bytecode_cpu_ratio": ratio(f"{name} no bytecode", 1),
                     "target": TARGETS[name]})
    return {"as": user, "python": python, "overhead": rows}


def report(records: int, workdir: Path) -> dict[str, object]:
    log = workdir / "migration.jsonl"
    line = ('{{"time":"2026-{m:02d}-{d:02d}T10:00:00Z","host":"gpvm01","user":"u{u}",'
            '"command":"jobsub_submit","caller":{{"cmdline":"bash run{s}.sh","script":'
            '"/home/u{u}/run{s}.sh"}},"cwd":"/home","argv":["-G","gm2","-M"],'
            '"backend_argv":["jobsub_submit","-G","gm2","--mail_always"],'
            '"warnings":{w},"backend":"/opt/jobsub_lite/bin/jobsub_submit",'
            '"backend_version":"1.12","status":0,"duration_ms":40}}\n')
    with open(log, "w", encoding="utf-8") as handle:
        for i in range(records):
            handle.write(line.format(m=1 + i % 12, d=1 + i % 28, u=i % 50, s=i % 200,
                                     w='["JC104","JC101"]' if i % 2 else "[]"))
    code = ("import resource, sys, time; sys.path.insert(0, 'src');"
            "from jobsub_compat import report; t = time.perf_counter();"
            f"rc = report.main(['--format', 'json', '--output', '/dev/null', {str(log)!r}]);"
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss"
            " + report.reading.usable_cores()"  # its reading processes, the largest's each
            " * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([PY, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    seconds, peak_kb = done.stdout.split()
    return {"records": records, "seconds": round(float(seconds), 2),
            "peak_mb": round(int(peak_kb) / 1024, 1), "target": "10 s, 200 MB"}


def migrate(scripts: int, workdir: Path) -> dict[str, object] | None:
    if not (ROOT / "src" / "jobsub_compat" / "migrate").exists():
        return None
    tree = workdir / "scripts"
    tree.mkdir()
    for i in range(scripts):
        (tree / f"submit{i}.sh").write_text(
            "#!/bin/bash\n# a legacy submitter\n"
            f"jobsub_submit -G gm2 -M --jobsub-server=https://fifebatch.fnal.gov:8443 \\\n"
            f"  -N {1 + i % 10} --expected-lifetime=3600 file:///pnfs/gm2/run{i}.sh a b\n")
    bare = median_ms([PY, "-S", "-c", "pass"], dict(os.environ), 20)  # this run's yardstick
    start = time.perf_counter()
    subprocess.run([PY, str(ROOT / "bin" / "jobsub-compat"), "migrate", str(tree)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    return {"scripts": scripts, "seconds": round(seconds, 2),
            "ratio": round(seconds * 1000 / scripts / bare, 3)}  # per script, to python -S -c pass


# 100 kB words shaped like every redaction pattern's prefix, one per pattern (what a
# quadratic pattern would choke on); tests/log/test_redaction.py checks what redaction
# makes of them.
HOSTILE_SHAPES = ("x", "a.", "eyJ", "tokentoken", "token=", "a://b", "Aa1", "s.", "--credkey",
                  "-eA", "Bearer ", "/aaaaaaaaaa", "a://b:", "@a://b:", "-token=",
                  "-password=\n", "token_file=", "X_TOKEN:", 'token="\\', "token='token=\"",
                  '"token": ', "token = ", "a \t")
HOSTILE_WORDS = [shape * (100_000 // len(shape)) for shape in HOSTILE_SHAPES]


def redaction(runs: int) -> dict[str, object]:
    sys.path.insert(0, str(ROOT / "src"))
    from jobsub_compat import log

    def calls(words: list[str]) -> list[list[str]]:  # as is, as -e values, as secrets
        return [words, [w for word in words for w in ("-e", word)],
                [w for word in words for w in ("--password", word)]]

    size = sum(len(w) for w in HOSTILE_WORDS)
    everyday = " ".join(DROPINS["jobsub_submit"])
    ordinary = [(everyday * (size // len(everyday) + 1))[:size]]

    def median_s(words: list[str]) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            for argv in calls(words):
                log.redact(argv)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    hostile, plain = median_s(HOSTILE_WORDS), median_s(ordinary)
    return {"bytes": size, "hostile_ms": round(hostile * 1000, 1),
            "everyday_ms": round(plain * 1000, 1), "ratio": round(hostile / plain, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--scripts", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        result = {"python": sys.version.split()[0], "overhead": overhead(args.runs, workdir),
                  "report": report(args.records, workdir),
                  "migrate": migrate(args.scripts, workdir),
                  "redaction": redaction(min(args.runs, 5)),
                  "installed": installed_overhead(args.runs, workdir)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
