"""Stand-ins for condor_q, condor_rm, condor_hold, condor_release and condor_history, as
jobsub_lite 1.12 runs them, answering from the fixed job ads of the pool file.

jobsub_lite's jobsub_q/rm/hold/release (lib/mains/cmd.py) run `/usr/bin/condor_X -name
SCHEDD ARGS...` once per schedd with subprocess (launcher.py redirects that path here), and
its jobsub_history runs `condor_history 'ARG' ...` through os.system, found on PATH
(standins/bin comes first). Usage: condor_tools.py TOOL ARG...

Selection is HTCondor 24's, with its own ClassAd library evaluating every expression
against each ad (only ads where it is exactly true match):
- condor_q (src/condor_q.V6/queue.cpp, src/condor_utils/condor_q.cpp, generic_query.cpp):
  every -constraint is ANDed; the plain words (owners `Owner == "U"`, clusters, C.P) are
  ORed; the two groups ANDed. Without an owner or job word and without -allusers only the
  caller's ($USER) jobs (CONDOR_Q_ONLY_MY_JOBS). -schedd-constraint is evaluated against
  the schedd ad (false: nothing). Output: -json (one JSON array of the ads; nothing when no
  ad matched), -long (`Attr = value` blocks), -af ATTR... (values, space-separated).
- condor_rm/hold/release (src/condor_rm.V6/rm.cpp): C.P words are acted on one by one
  (`Job C.P marked for removal` / `held` / `released` on stdout; `Job C.P not found`,
  `Permission denied to remove job C.P`, `Job C.P not held to be released`, `Job C.P
  already held` on stderr; a -constraint beside them is ignored for them, with condor's
  warning); owners and clusters are ORed, then ANDed with the -constraints, and acted on
  together: `All jobs matching constraint (C) have been marked for removal` (`of user
  "U"`, `in cluster N` for a lone owner or cluster), else `Couldn't find/remove all jobs
  ...` on stderr and exit 1, or `There are no jobs in the queue` when it is empty. Only
  the caller's own jobs are acted on (the schedd's permission check; the caller is $USER,
  the token's subject in the harness). -totals prints condor's counts line. A removed job
  leaves the queue for the history; a held one gets JobStatus 5, a released one 1.
- condor_history (src/condor_tools/history.cpp): the same AND/OR rule, no only-my-jobs
  default; `-name SCHEDD` reads that schedd's history; without it the schedd named by the
  SCHEDD_HOST configuration (e.g. `_condor_SCHEDD_HOST`), else no history at all (HTCondor
  then reads the local history file, and a gpvm has none: its `Extra Info` message).
  -backwards, -limit N; output -json, -long, -af.
An option of the real tool this stand-in does not model is refused on stderr with exit
1, so a test never passes on an unmodelled path.

The pool file ($JOBSUB_LITE_STANDIN_POOL, pool.py) gains `"history": {"<schedd>": [ads]}`;
actions rewrite it (under a lock). Every call appends one line to
$JOBSUB_LITE_STANDIN_RECORD/condor_tools.jsonl: {"tool", "argv", "schedd", "matched":
["C.P@SCHEDD", ...], "acted": [...]}, so a test sees exactly which jobs each run selected.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from typing import Any

import classad  # type: ignore
import htcondor  # type: ignore

ACTIONS = {"condor_rm": ("marked for removal", "remove"), "condor_hold": ("held", "hold"),
           "condor_release": ("released", "release")}
# Options each tool takes with one value (the rest of the modelled ones are flags).
VALUED = {"-name", "-pool", "-constraint", "-schedd-constraint", "-limit", "-reason",
          "-subcode", "-attributes"}
FLAGS = {"condor_q": {"-allusers", "-json", "-long", "-nobatch", "-debug", "-totals"},
         "condor_history": {"-backwards", "-json", "-long", "-debug"},
         "condor_rm": {"-totals", "-long", "-debug", "-forcex"},
         "condor_hold": {"-totals", "-long", "-debug"},
         "condor_release": {"-totals", "-long", "-debug"}}


class Refused(Exception):
    """What the real tool would refuse (or this stand-in does not model): exit 1."""


def load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    data.setdefault("jobs", {})
    data.setdefault("history", {})
    return data


def ad_of(attributes: dict[str, Any]) -> Any:
    ad = classad.ClassAd()
    for key, value in attributes.items():
        ad[key] = value
    return ad


def expr(text: str) -> Any:
    try:
        return classad.ExprTree(text)
    except Exception as exc:  # HTCondor's own parse error, whatever its class
        raise Refused(f"Error: Argument ({text}) is not a valid constraint ({exc})") from None


def true_for(tree: Any, ad: Any) -> bool:
    return tree.eval(ad) is True


def job_id(ad: dict[str, Any]) -> str:
    return f"{ad['ClusterId']}.{ad['ProcId']}"


def parse(tool: str, argv: list[str]) -> dict[str, Any]:
    """The options and restriction words of one call (dashes as condor reads them)."""
    opts: dict[str, Any] = {"constraint": [], "words": [], "af": [], "flags": set()}
    i = 0
    while i < len(argv):
        word = argv[i]
        if not word.startswith("-"):
            opts["words"].append(word)
        elif word in ("-af", "-autoformat"):
            while i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                opts["af"].append(argv[i + 1])
                i += 1
        elif word in VALUED:
            if i + 1 >= len(argv):
                raise Refused(f"Error: {word} requires another argument")
            value = argv[i + 1]
            i += 1
            if word == "-constraint":
                opts["constraint"].append(value)
            else:
                opts[word[1:]] = value
        elif word in FLAGS[tool]:
            opts["flags"].add(word)
        else:
            raise Refused(f"Error: {tool} stand-in: option {word} is not modelled")
        i += 1
    return opts


def restriction(words: list[str]) -> tuple[list[Any], list[tuple[int, int | None]], list[str]]:
    """condor's plain words: (owner expressions, (cluster, proc or None), owners)."""
    owners, jobs = [], []
    for word in words:
        cluster, dot, proc = word.partition(".")
        if cluster.isdigit() and (not dot or proc.isdigit() or proc == ""):
            jobs.append((int(cluster), int(proc) if proc else None))
        else:
            owners.append(word)
    return [expr(f'Owner == "{o}"') for o in owners], jobs, owners


def selects(opts: dict[str, Any], ad: Any, only_mine: bool) -> bool:
    """(AND of -constraint) && (OR of the plain words), condor_q/condor_history's rule."""
    if not all(true_for(expr(c), ad) for c in opts["constraint"]):
        return False
    owner_exprs, jobs, _ = restriction(opts["words"])
    if owner_exprs or jobs:
        return any(true_for(e, ad) for e in owner_exprs) or any(
            ad.eval("ClusterId") == c and (p is None or ad.eval("ProcId") == p)
            for c, p in jobs)
    if only_mine:
        return bool(ad.eval("Owner") == os.environ.get("USER", ""))
    return True


def show(opts: dict[str, Any], ads: list[dict[str, Any]]) -> None:
    if "-json" in opts["flags"]:
        if ads:
            print(json.dumps(ads, indent=2))
    elif "-long" in opts["flags"]:
        for ad in ads:
            print(ad_of(ad).printOld())
    elif opts["af"]:
        for ad in ads:
            built = ad_of(ad)
            print(" ".join(str(built.eval(a)) if a in built else "undefined"
                           for a in opts["af"]))
    else:
        raise Refused("Error: this stand-in prints only -json, -long or -af")


def record(entry: dict[str, Any]) -> None:
    directory = os.environ.get("JOBSUB_LITE_STANDIN_RECORD", "")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "condor_tools.jsonl"), "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(json.dumps(entry) + "\n")


def schedd_ad(pool: dict[str, Any], name: str) -> dict[str, Any]:
    for ad in pool["schedds"]:
        if ad.get("Name") == name:
            return dict(ad)
    raise Refused(f"Error: Can't find address for schedd {name}")


def condor_q(argv: list[str], pool: dict[str, Any]) -> int:
    opts = parse("condor_q", argv)
    name = opts.get("name") or ""
    schedd = schedd_ad(pool, name)
    if "schedd-constraint" in opts and not true_for(expr(opts["schedd-constraint"]),
                                                     ad_of(schedd)):
        record({"tool": "condor_q", "argv": argv, "schedd": name, "matched": []})
        return 0
    only_mine = "-allusers" not in opts["flags"]
    found = [a for a in pool["jobs"].get(name, []) if selects(opts, ad_of(a), only_mine)]
    record({"tool": "condor_q", "argv": argv, "schedd": name,
            "matched": [f"{job_id(a)}@{name}" for a in found]})
    show(opts, found)
    return 0


def condor_history(argv: list[str], pool: dict[str, Any]) -> int:
    opts = parse("condor_history", argv)
    name = opts.get("name") or htcondor.param.get("SCHEDD_HOST") or ""
    if not name:
        record({"tool": "condor_history", "argv": argv, "schedd": "", "matched": []})
        sys.stderr.write("\nExtra Info: The variable HISTORY is not defined in your config "
                         "file. If you want Condor to keep a history of past jobs, you must "
                         "define HISTORY in your config file\n")
        return 0
    schedd_ad(pool, name)
    ads = list(pool["history"].get(name, []))
    if "-backwards" in opts["flags"]:
        ads.reverse()
    found = [a for a in ads if selects(opts, ad_of(a), only_mine=False)]
    if "limit" in opts:
        found = found[:int(opts["limit"])]
    record({"tool": "condor_history", "argv": argv, "schedd": name,
            "matched": [f"{job_id(a)}@{name}" for a in found]})
    show(opts, found)
    return 0


def act(tool: str, ad: dict[str, Any], pool: dict[str, Any], name: str) -> str:
    """The schedd's answer for one job: "" when done, else condor's reason."""
    done, verb = ACTIONS[tool]
    if ad.get("Owner") != os.environ.get("USER"):
        return f"Permission denied to {verb} job {job_id(ad)}"
    status = ad.get("JobStatus")
    if tool == "condor_rm":
        pool["jobs"][name].remove(ad)
        pool["history"].setdefault(name, []).insert(0, {**ad, "JobStatus": 3,
                                                        "EnteredCurrentStatus": int(time.time())})
    elif tool == "condor_hold":
        if status == 5:
            return f"Job {job_id(ad)} already held"
        ad.update(JobStatus=5, HoldReason=f"via condor_hold (by user {ad['Owner']})",
                  EnteredCurrentStatus=int(time.time()))
    else:
        if status != 5:
            return f"Job {job_id(ad)} not held to be released"
        ad.update(JobStatus=1, EnteredCurrentStatus=int(time.time()))
        ad.pop("HoldReason", None)
    return ""


def condor_action(tool: str, argv: list[str], pool: dict[str, Any]) -> int:
    done, verb = ACTIONS[tool]
    opts = parse(tool, argv)
    name = opts.get("name") or ""
    schedd_ad(pool, name)
    queue = pool["jobs"].setdefault(name, [])
    empty = not queue
    _, jobs, owners = restriction(opts["words"])
    procs = [(c, p) for c, p in jobs if p is not None]
    clusters = [c for c, p in jobs if p is None]
    if not (procs or clusters or owners or opts["constraint"]):
        raise Refused("You did not specify any jobs")
    status, matched, acted = 0, [], []
    counts = dict.fromkeys(("Succeeded", "Failed", "Not Found", "Bad Status", "Already Done",
                            "Permission Denied"), 0)
    if procs and opts["constraint"]:
        sys.stderr.write("Warning, -constraint is ignored for fully qualified job ids\n")
    for cluster, proc in procs:
        ad = next((a for a in queue if a["ClusterId"] == cluster and a["ProcId"] == proc),
                  None)
        if ad is None:
            sys.stderr.write(f"Job {cluster}.{proc} not found\n")
            counts["Not Found"] += 1
            continue
        matched.append(f"{cluster}.{proc}@{name}")
        why = act(tool, ad, pool, name)
        if why:
            sys.stderr.write(why + "\n")
            counts["Permission Denied" if why.startswith("Permission") else
                   "Already Done" if "already" in why else "Bad Status"] += 1
        else:
            print(f"Job {cluster}.{proc} {done}")
            acted.append(f"{cluster}.{proc}@{name}")
            counts["Succeeded"] += 1
    words = [f'Owner == "{o}"' for o in owners] + [f"ClusterId == {c}" for c in clusters]
    terms = list(opts["constraint"]) + (["(" + " || ".join(words) + ")"] if words else [])
    if terms:
        text = " && ".join(f"({t})" for t in terms) if len(terms) > 1 else terms[0]
        if not opts["constraint"] and len(words) == 1:
            what = f" of user \"{owners[0]}\"" if owners else f" in cluster {clusters[0]}"
        else:
            what = f" matching constraint ({text})"
        tree = expr(text)
        hits = [a for a in list(queue) if true_for(tree, ad_of(a))]
        matched += [f"{job_id(a)}@{name}" for a in hits]
        done_here = [a for a in hits if not act(tool, a, pool, name)]
        acted += [f"{job_id(a)}@{name}" for a in done_here]
        counts["Succeeded"] += len(done_here)
        if done_here:
            print(f"All jobs{what} have been {done}")
        elif empty:
            sys.stderr.write(f"{tool}: There are no jobs in the queue\n")
        else:
            sys.stderr.write(f"Couldn't find/{verb} all jobs{what}\n")
            status = 1
    if "-totals" in opts["flags"]:
        print(", ".join(f"{n} {k}" for k, n in counts.items()))
    write(pool)
    record({"tool": tool, "argv": argv, "schedd": name, "matched": matched, "acted": acted})
    return status


def write(pool: dict[str, Any]) -> None:
    path = os.environ["JOBSUB_LITE_STANDIN_POOL"]
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(pool, handle)
    os.replace(path + ".tmp", path)


def main(argv: list[str]) -> int:
    tool, args = os.path.basename(argv[0]), argv[1:]
    path = os.environ["JOBSUB_LITE_STANDIN_POOL"]
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one call at a time changes the pool
        pool = load(path)
        try:
            if tool == "condor_q":
                return condor_q(args, pool)
            if tool == "condor_history":
                return condor_history(args, pool)
            return condor_action(tool, args, pool)
        except Refused as exc:
            sys.stderr.write(f"{exc}\n")
            return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
