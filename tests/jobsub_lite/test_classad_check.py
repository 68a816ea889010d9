"""classads.lite_accepts_line against jobsub_lite 1.12's own check, HTCondor 24's v1
classad.parseOne, in the harness venv (which has both v1 `classad` and `classad2`)."""

from __future__ import annotations

import json
import subprocess

import pytest

from . import harness

pytestmark = pytest.mark.jobsub_lite

CODE = r"""
import json, random, sys
sys.path.insert(0, sys.argv[1])
import classad, classad2
from jobsub_compat import classads
names = ["A", "MyFlag", "my.flag", "request_memory", "+A", " A ", "priority", "foo bar"]
rests = list("=!?:()\"' .;,<>&|*-1") + ["==", "=?=", "=!=", "True", '"x"', " ", "B", "(1)"]
random.seed(7)
lines = ["MyFlag==True", "A==", "A=?=1", "A=!=1", "+A=\"v\"", "priority=0", "''", "",
         "+SingularityImage=\\\"/cvmfs/x\\\"", "A = 1 junk", "A=(1", "x", "a b"]
lines += [random.choice(names) + "=" + "".join(random.choice(rests)
          for _ in range(random.randint(0, 5))) for _ in range(4000)]
out = {"v1_used": [], "false_refusals": [], "missed": [], "double_equals": []}
for line in lines:
    try:
        classad.parseOne(line); v1 = True
    except Exception:
        v1 = False
    if classads.lite_accepts_line(line) != v1:
        out["v1_used"].append(line)
    fallback = not classads._v1_refuses(classad2, line)
    if fallback:
        try:
            classad2.parseOne(line)
        except Exception:
            fallback = False
    if v1 and not fallback:
        out["false_refusals"].append(line)
    if fallback and not v1:
        out["missed"].append(line)
for line in ["MyFlag==True", "A==1", "X=?=2", "Y=!=3", "Z="]:
    out["double_equals"].append(classads._v1_refuses(classad2, line))
print(json.dumps(out))
"""


def test_lite_check_is_v1_parseone_and_the_fallback_agrees(lite: harness.Sandbox) -> None:
    done = subprocess.run([str(lite.python), "-c", CODE, str(harness.ROOT / "src")],
                          capture_output=True, text=True, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["v1_used"] == []  # with v1 present the verdict is v1's own
    assert all(out["double_equals"])  # the NAME==VALUE family is known without v1
    # the classad2 fallback never refuses what jobsub_lite accepts (a few lines of garbage
    # aside) and misses only garbage such as unclosed calls, which jobsub_lite reports
    assert len(out["false_refusals"]) <= 4000 // 500, out["false_refusals"]
    assert len(out["missed"]) <= 4000 // 50, out["missed"]
