"""A submit file read as condor_submit reads it, with HTCondor's own submit library.

`job_ads(path)` parses the file with `htcondor.Submit` (the library condor_submit is built
on) and expands its `queue` statement into the job ClassAds a schedd would be handed, with
`Submit.jobs()`: the same macro expansion, `arguments`/`environment` syntax checks and
`+Attr` handling as condor_submit, and the same errors (e.g. "Found illegal unescaped
double-quote"). What only a schedd adds (Owner, QDate, ...) is not there.
"""

from __future__ import annotations

from typing import Any

import htcondor  # type: ignore


class SubmitError(Exception):
    """condor_submit would have refused the file (HTCondor's message)."""


def _value(ad: Any, key: str) -> Any:
    """A literal as its Python value; anything else (an expression, undefined, a list) as
    {"expr": its ClassAd text}."""
    value = ad[key]
    if isinstance(value, (str, bool, int, float)) and type(value).__module__ == "builtins":
        return value
    return {"expr": str(ad.lookup(key))}


def job_ads(path: str, cluster: int = 1) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        submit = htcondor.Submit(text)
        qargs = (submit.getQArgs() or "").strip()
        count = int(qargs) if qargs else 1
        ads = list(submit.jobs(count=count, clusterid=cluster))
    except ValueError as exc:
        raise SubmitError(f"unsupported queue statement in {path}: {exc}") from None
    except Exception as exc:  # HTCondor raises its own classes (HTCondorInternalError, ...)
        raise SubmitError(str(exc)) from None
    return [{key: _value(ad, key) for key in ad.keys()} for ad in ads]
