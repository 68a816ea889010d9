"""A site's shared migration log (`log_dir`), made by the drop-ins' own code.

Each record comes from the real path of a call: the drop-in's `translate()` of a legacy
command line (its jobsub_lite argv and warning codes), `log.caller()` reading a process
table in the shape of /proc (a bash script calling the drop-in, or an interactive shell),
`log.make_record()` and `log.encode()`. What differs from node to node and call to call
(time, host, user, working directory, duration) is then set as a site has it: users
submit from a few scripts each over a year, on ten gpvm nodes.

To make millions quickly, each distinct call is encoded once as a template and only its
time, host and duration are filled in per record.

    site_log(directory, records, files=200, seed=1) -> list of the files written

The directory is laid out as log/writer.py and a site's logrotate leave it: `<user>.jsonl`, its
rotated `<user>.jsonl.1`, and older `<user>.jsonl.N.gz`; with files=1 one file holds all.
"""

from __future__ import annotations

import gzip
import os
import random
import tempfile
from pathlib import Path

from jobsub_compat import commands, log
from jobsub_compat.log import calling

HOSTS = [f"{e}gpvm{n:02d}.fnal.gov" for e in ("gm2", "nova", "mu2e", "dune", "uboone")
         for n in (1, 2)]
GROUPS = ("gm2", "nova", "mu2e", "dune", "uboone")
YEAR_START = 1767225600  # 2026-01-01T00:00:00Z
YEAR = 365 * 86400

# Legacy command lines as experiments' scripts write them ({g}: group, {u}: user, {d}: the
# user's area, {n}: a number). Some are clean jobsub_lite lines, some legacy, some refused.
LINES: dict[str, list[str]] = {
    "jobsub_submit": [
        "-G {g} -M --jobsub-server=https://fifebatch.fnal.gov:8443 -N {n} --memory=2000MB "
        "--disk=10GB --expected-lifetime=3600 "
        "--resource-provides=usage_model=DEDICATED,OPPORTUNISTIC,OFFSITE --lines='' "
        "-e RUNSET=7 -e CALIB_MODE= -dOUT /pnfs/{g}/scratch/users/{u}/out "
        "file://{d}/job.sh --fcl run{n}.fcl /pnfs/{g}/scratch/users/{u}/out 2 -1",
        "-G {g} --role=Analysis -N {n} --memory=2000MB --disk=10GB --expected-lifetime=8h "
        "--resource-provides=usage_model=DEDICATED,OPPORTUNISTIC "
        "file://{d}/job.sh --run {n}",
        "-G {g} --OS=SL7 --memory=4GB -N {n} --expected-lifetime=long "
        "--resource-provides=usage_model=OPPORTUNISTIC file://{d}/reco.sh {n}",
        "-G {g} --role=Production --jobsub-server=https://fifebatch.fnal.gov:8443 -N {n} "
        "--disk=20GB --memory=3000MB --expected-lifetime=24h "
        "--append_condor_requirements='(TARGET.HAS_SINGULARITY=?=true)' "
        "-f dropbox://{d}/config.tar.gz --tar_file_name dropbox://{d}/code.tar.gz "
        "file://{d}/prod.sh --stage reco --run {n}",
        "-G {g} --group {g} -l '+SingularityImage=\"/cvmfs/singularity.opensciencegrid.org/"
        "fermilab/fnal-wn-sl7:latest\"' --memory=2GB file://{d}/sim.sh -n {n}",
        "-G {g} -N {n} --memory=1999MB --cpu=2 --timeout=2h "
        "--resource-provides=usage_model=DEDICATED file://{d}/ana.sh",
    ],
    "jobsub_q": ["-G {g} --user {u}", "--group {g} --user={u}",
                 "-G {g} --jobid {n}.0@jobsub01.fnal.gov", "-G {g} --user {u} --summary",
                 "-G {g} --user {u} --held"],
    "jobsub_rm": ["-G {g} --jobid {n}.0@jobsub01.fnal.gov", "-G {g} --user {u}"],
    "jobsub_hold": ["-G {g} --jobid {n}.0@jobsub02.fnal.gov"],
    "jobsub_release": ["-G {g} --jobid {n}.0@jobsub02.fnal.gov"],
    "jobsub_fetchlog": ["-G {g} --jobid {n}.0@jobsub01.fnal.gov --dest-dir {d}/logs",
                        "-G {g} -J {n}.0@jobsub01.fnal.gov"],
}
TRANSLATE = {name: commands.translator(name) for name in LINES}
# How often each command is called (submissions and queue checks dominate).
WEIGHTS = {"jobsub_submit": 40, "jobsub_q": 35, "jobsub_rm": 8, "jobsub_hold": 3,
           "jobsub_release": 3, "jobsub_fetchlog": 11}
SCRIPTS = ("submit_run.sh", "grid/launch.sh", "poms/stage.sh", "tools/checkq.sh")


def _proc_entry(proc: Path, pid: int, argv: list[str], cwd: str) -> None:
    """What log.caller() reads of one process: cmdline, stat (its parent: 1), cwd."""
    entry = proc / str(pid)
    (entry / "fd").mkdir(parents=True)
    (entry / "cmdline").write_bytes(b"".join(w.encode() + b"\0" for w in argv))
    (entry / "stat").write_text(f"{pid} (bash) S 1 {pid} {pid} 0 -1\n")
    (entry / "cwd").symlink_to(cwd)


def _templates(rng: random.Random, users: list[str], workdir: Path) -> dict[str, list[bytes]]:
    """Each user's calls, encoded with %s where time, host and duration go."""
    proc = workdir / "proc"
    old_proc = calling.PROC
    calling.PROC = str(proc)
    pid = 1000
    out: dict[str, list[bytes]] = {}
    try:
        for number, user in enumerate(users):
            group = GROUPS[number % len(GROUPS)]
            area = f"/exp/{group}/app/users/{user}"
            env = {"HOME": f"/nashome/{user[0]}/{user}", "USER": user, "PATH": "/usr/bin",
                   "GROUP": group}
            callers = []
            for script in rng.sample(SCRIPTS, rng.randint(1, 3)):
                pid += 1
                _proc_entry(proc, pid, ["/bin/bash", f"{area}/{script}", "run42"], area)
                callers.append(pid)
            pid += 1  # interactive calls: a login shell
            _proc_entry(proc, pid, ["-bash"], area)
            callers.append(pid)
            encoded = []
            for command, lines in LINES.items():
                for line in lines:
                    words = line.format(g=group, u=user, d=area, n=rng.randint(1, 99)).split()
                    backend = f"/opt/jobsub_lite/bin/{command}"
                    plan = TRANSLATE[command](words, env, backend_path=backend)
                    for caller_pid in callers:
                        record = log.make_record(
                            command, words, plan.backend_argv,
                            [w.code for w in plan.warnings], backend, "1.12",
                            plan.exit_code if plan.error else rng.choice((0, 0, 0, 0, 1)),
                            0.0, env)
                        record.update(time="@T@", host="@H@", user=user, cwd=area,
                                      caller=log.caller(caller_pid), duration_ms=987654321)
                        text = log.encode(record).replace(b"%", b"%%")
                        text = text.replace(b'"@T@"', b'"%s"').replace(b'"@H@"', b'"%s"')
                        encoded.append(text.replace(b"987654321", b"%d"))
                        encoded.extend([encoded[-1]] * (WEIGHTS[command] // 4))
            out[user] = encoded
    finally:
        calling.PROC = old_proc
    return out


def _names(files: int) -> list[tuple[int, str]]:
    """(user index, file name) for `files` files: per user the current file, its .1, and
    every third user an older .2.gz."""
    if files == 1:
        return [(0, "site.jsonl")]
    names: list[tuple[int, str]] = []
    user = 0
    while len(names) < files:
        for suffix in ("", ".1", ".2.gz") if user % 3 == 0 else ("", ".1"):
            if len(names) < files:
                names.append((user, f"user{user:03d}.jsonl{suffix}"))
        user += 1
    return names


def site_log(directory: Path, records: int, files: int = 200, seed: int = 1) -> list[Path]:
    """Write `records` records into `files` files of `directory`; return the paths."""
    rng = random.Random(seed)
    names = _names(files)
    users = sorted({f"user{u:03d}" for u, _ in names})
    with tempfile.TemporaryDirectory() as tmp:
        templates = _templates(rng, users, Path(tmp))
    # every file gets its share; a user's older files hold earlier times
    share, extra = divmod(records, len(names))
    written = []
    for index, (user, name) in enumerate(names):
        count = share + (index < extra)
        older = name.endswith(".gz") + name.endswith((".1", ".2.gz"))
        start = YEAR_START + (2 - older) * YEAR // 3
        times = sorted(rng.randrange(start, start + YEAR // 3) for _ in range(count))
        calls = templates[f"user{user:03d}"]
        host = rng.choice(HOSTS)
        lines = []
        for when in times:
            if rng.random() < 0.2:
                host = rng.choice(HOSTS)
            lines.append(rng.choice(calls) % (log.iso_time(when).encode(), host.encode(),
                                               rng.randrange(300, 9000)))
        data = b"".join(lines)
        path = directory / name
        if name.endswith(".gz"):
            data = gzip.compress(data, compresslevel=6)
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":  # a look at what it makes: python benchmarks/sitelog.py DIR N
    import sys

    paths = site_log(Path(sys.argv[1]), int(sys.argv[2]))
    print(len(paths), "files,", sum(os.path.getsize(p) for p in paths), "bytes")
