"""Stand-in for /usr/bin/condor_submit_dag, as jobsub_lite 1.12 runs it.

jobsub_lite runs `condor_submit_dag -insert_sub_file sub_file -no_submit -dagman
dagman_wrapper.sh [ARGS] DAGFILE` in the submit directory (lib/condor.py submit_dag) and
then submits DAGFILE.condor.sub with condor_submit. This stand-in writes that file with
HTCondor's own `htcondor.Submit.from_dag` (the first half of condor_submit_dag: the
DAGMan job's submit description, written to DAGFILE.condor.sub) and then does what
`-insert_sub_file FILE` does, which from_dag has no option for: FILE's lines are
inserted before the final `queue`. With -no_submit nothing is submitted; a DAG HTCondor
cannot read gives its message and exit 1.
"""

from __future__ import annotations

import sys

import htcondor  # type: ignore


def main(argv: list[str]) -> int:
    options: dict[str, object] = {}
    insert = None
    rest: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "-insert_sub_file":
            insert, i = argv[i + 1], i + 2
        elif word == "-dagman":
            options["dagman"], i = argv[i + 1], i + 2
        elif word in ("-maxjobs", "-maxidle", "-MaxPre", "-MaxPost"):
            options[word.lstrip("-")], i = int(argv[i + 1]), i + 2
        elif word in ("-no_submit", "-force", "-f"):
            options["force"] = True if word != "-no_submit" else options.get("force", False)
            i += 1
        else:
            rest.append(word)
            i += 1
    if not options.get("force"):
        options.pop("force", None)
    if len(rest) != 1:
        sys.stderr.write(f"ERROR: the condor_submit_dag stand-in takes one DAG file: {rest}\n")
        return 1
    dag = rest[0]
    try:
        htcondor.Submit.from_dag(dag, options)
    except Exception as exc:  # HTCondor's own exception classes
        sys.stderr.write(f"ERROR: {exc}\n")
        return 1
    if insert:
        subfile = f"{dag}.condor.sub"
        with open(subfile, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        with open(insert, encoding="utf-8") as handle:
            extra = handle.read().splitlines()
        at = max(i for i, line in enumerate(lines) if line.strip().startswith("queue"))
        with open(subfile, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines[:at] + extra + lines[at:]) + "\n")
    print(f"File for submitting this DAG to HTCondor           : {dag}.condor.sub")
    print("-no_submit given, not submitting DAG to HTCondor.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
