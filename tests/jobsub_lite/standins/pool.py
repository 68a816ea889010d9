"""Stand-ins for htcondor.Collector and htcondor.Schedd, answering from fixed ads.

Loaded by launcher.py into the interpreter that runs jobsub_lite, ahead of its code:
only these two classes of the real (HTCondor 24, v1) `htcondor` module are replaced;
every other name (Submit, param, classad, AdTypes, DaemonTypes, ...) stays HTCondor's.
This is the narrowest boundary for the collector and schedd: jobsub_lite 1.12 reaches
them only through `htcondor.Collector(host).query(AdTypes.Schedd, constraint=...)`,
`Collector.locate(DaemonTypes.Schedd, name)` and `htcondor.Schedd(ad)` (lib/condor.py,
lib/mains/cmd.py, lib/mains/fetchlog.py).

The ads come from the JSON file $JOBSUB_LITE_STANDIN_POOL:
  {"schedds": [{...schedd ad attributes...}, ...],
   "jobs": {"<schedd name>": [{...job ad attributes...}, ...]}}
A query's constraint is evaluated against each ad with HTCondor's own ClassAd library, so
the constraint jobsub_lite writes is tested as the collector would evaluate it (only ads
where it is exactly true match). To extend (jobsub_q, jobsub_rm, jobsub_history,
jobsub_fetchlog): add job ads under "jobs" and, for the commands that shell out, a
condor_* executable next to condor_submit in standins/bin.
"""

from __future__ import annotations

import json
import os
from typing import Any

import classad  # type: ignore
import htcondor  # type: ignore


def _load() -> dict[str, Any]:
    path = os.environ.get("JOBSUB_LITE_STANDIN_POOL", "")
    if not path:
        return {"schedds": [], "jobs": {}}
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _ad(attributes: dict[str, Any]) -> Any:
    ad = classad.ClassAd()
    for key, value in attributes.items():
        ad[key] = value
    return ad


def _matches(constraint: Any, ad: Any) -> bool:
    if constraint in (None, "", True):
        return True
    expr = constraint if isinstance(constraint, classad.ExprTree) else classad.ExprTree(
        str(constraint))
    return expr.eval(ad) is True


def _project(ad: Any, projection: Any) -> Any:
    if not projection:
        return ad
    return _ad({k: ad.eval(k) for k in projection if k in ad})


class Collector:
    """htcondor.Collector over the fixed schedd ads (the host name is recorded only)."""

    def __init__(self, pool: Any = None) -> None:
        self.pool = pool

    def query(self, ad_type: Any = None, constraint: Any = "", projection: Any = None,
              statistics: Any = None) -> list[Any]:
        if ad_type is not None and ad_type != htcondor.AdTypes.Schedd:
            return []
        ads = [_ad(a) for a in _load()["schedds"]]
        return [_project(a, projection) for a in ads if _matches(constraint, a)]

    def locate(self, daemon_type: Any, name: Any = None) -> Any:
        for attributes in _load()["schedds"]:
            if name is None or attributes.get("Name") == name:
                return _ad(attributes)
        raise ValueError(f"Unable to find daemon {name}")  # as HTCondor does

    def locateAll(self, daemon_type: Any) -> list[Any]:  # noqa: N802 - HTCondor's name
        return [_ad(a) for a in _load()["schedds"]]


class Schedd:
    """htcondor.Schedd over the fixed job ads of one schedd (query only)."""

    def __init__(self, location: Any = None) -> None:
        self.name = location.eval("Name") if location is not None else ""

    def query(self, constraint: Any = "", projection: Any = None, limit: int = -1,
              **_: Any) -> list[Any]:
        jobs = [_ad(a) for a in _load()["jobs"].get(self.name, [])]
        found = [_project(a, projection) for a in jobs if _matches(constraint, a)]
        return found if limit is None or limit < 0 else found[:limit]

    def retrieve(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("the Schedd stand-in has no sandboxes to retrieve")


def install() -> None:
    htcondor.Collector = Collector
    htcondor.Schedd = Schedd
