"""Stand-in for /usr/bin/condor_submit, as jobsub_lite 1.12 runs it.

jobsub_lite runs `condor_submit -pool HOST -remote SCHEDD [-debug] FILE` (lib/condor.py)
and reads only its exit status and its `N job(s) submitted to cluster C.` line. This
stand-in parses FILE with HTCondor's own submit library (submitfile.py), exactly where
condor_submit would parse it, and fails where it fails: HTCondor's message on stderr
(`ERROR: ...`) and exit 1. On success it prints condor_submit's two lines and records, in
a new directory under $JOBSUB_LITE_STANDIN_RECORD (one per call, named by the cluster
number, taken from a counter there):
  call.json   argv, cwd, the credential-related environment condor_submit would use
              (BEARER_TOKEN_FILE, _condor_CREDD_HOST, _condor_SEC_CREDENTIAL_STORER,
              _condor_SEC_CREDENTIAL_VAULT_STORER_OPTS), the submitted file's name
  ads.json    the job ClassAds HTCondor makes of FILE (attribute -> value; an
              expression that is not a literal as {"expr": text})
  nodes.json  for a DAGMan submit file: the ads (or HTCondor's error) of every node's
              submit file in the DAG, which DAGMan would submit later
  files/      a copy of FILE's directory (jobsub_lite deletes it after submitting)
The credential storer (jobsub_lite's condor_vault_storer, named in
_condor_SEC_CREDENTIAL_STORER) is not run: it would reach the vault and the schedd's
credd. Its name is recorded instead.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from standins.submitfile import SubmitError, job_ads  # noqa: E402

ENV_KEYS = ("BEARER_TOKEN_FILE", "_condor_CREDD_HOST", "_condor_SEC_CREDENTIAL_STORER",
            "_condor_SEC_CREDENTIAL_VAULT_STORER_OPTS", "X509_USER_PROXY")


def next_cluster(record: str) -> int:
    os.makedirs(record, exist_ok=True)
    with open(os.path.join(record, ".counter"), "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read().strip()
        cluster = int(text) + 1 if text else 1001
        handle.seek(0)
        handle.truncate()
        handle.write(str(cluster))
    return cluster


def dag_nodes(path: str) -> dict[str, object]:
    """Node submit files named in the DAG a DAGMan submit file runs."""
    dag = None
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip().startswith("arguments") and "-Dag " in line:
                dag = line.split("-Dag ", 1)[1].split()[0]
    if dag is None:
        return {}
    base = os.path.dirname(os.path.abspath(path))
    nodes: dict[str, object] = {}
    with open(os.path.join(base, dag), encoding="utf-8") as handle:
        for line in handle:
            words = line.split()
            if len(words) >= 3 and words[0] == "JOB":
                cmd = os.path.join(base, words[2])
                try:
                    nodes[words[1]] = {"file": words[2], "ads": job_ads(cmd)}
                except (SubmitError, OSError) as exc:
                    nodes[words[1]] = {"file": words[2], "error": str(exc)}
    return nodes


USAGE = """Usage: condor_submit [options] [[attr=value] [submit-file]]
    [options] are
        -help               Display this screen
        -remote <name>      Submit to the specified remote schedd
        -pool <host>        Use host as the central manager to query
        -spool              Spool all required input files, job event log, and proxy
        -debug              Display debugging output
"""


def main(argv: list[str]) -> int:
    if any(word in ("-h", "-help", "--help") for word in argv):
        sys.stdout.write(USAGE)  # jobsub_lite puts condor_submit's help in its epilog
        return 0
    files = []
    skip = False
    for _i, word in enumerate(argv):
        if skip:
            skip = False
        elif word in ("-pool", "-remote", "-name", "-append", "-batch-name"):
            skip = True
        elif not word.startswith("-"):
            files.append(word)
    if len(files) != 1:
        sys.stderr.write("ERROR: the condor_submit stand-in takes exactly one submit file\n")
        return 1
    path = files[0]
    record = os.environ.get("JOBSUB_LITE_STANDIN_RECORD", "")
    cluster = next_cluster(record) if record else 1
    try:
        ads = job_ads(path, cluster)
    except OSError as exc:
        sys.stderr.write(f"ERROR: Can't open \"{path}\" with flags 00 ({exc.strerror})\n")
        return 1
    except SubmitError as exc:
        sys.stderr.write(f"ERROR: {exc}\n")
        return 1
    if record:
        out = os.path.join(record, str(cluster))
        os.makedirs(out)
        shutil.copytree(os.path.dirname(os.path.abspath(path)), os.path.join(out, "files"))
        call = {"argv": argv, "cwd": os.getcwd(), "file": os.path.basename(path),
                "env": {k: os.environ[k] for k in ENV_KEYS if k in os.environ}}
        with open(os.path.join(out, "call.json"), "w", encoding="utf-8") as handle:
            json.dump(call, handle)
        with open(os.path.join(out, "ads.json"), "w", encoding="utf-8") as handle:
            json.dump(ads, handle)
        nodes = dag_nodes(path)
        if nodes:
            with open(os.path.join(out, "nodes.json"), "w", encoding="utf-8") as handle:
                json.dump(nodes, handle)
    print("Submitting job(s)" + "." * len(ads))
    print(f"{len(ads)} job(s) submitted to cluster {cluster}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
