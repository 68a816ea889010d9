"""Legacy jobsub_q / jobsub_history text from condor_q / condor_history -json ads.

Expected outputs are built from the legacy server's own format strings, copied from
condor_commands.py condor_format() / condor_header(), sqlite_commands.py fmtStr(),
ifront_q.sh and jobsubClient.py report_counts(), never from qformat's helpers.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jobsub_compat import qformat
from jobsub_compat.qformat import format_history, format_q, job_id, parse_json_stream

DATA = Path(__file__).parent / "data"

# condor_header(), default/run/idle, --dag and --hold.
HEADER = (
    "JOBSUBJOBID                           OWNER           SUBMITTED     RUN_TIME   ST PRI SIZE CMD"
    "\n"
)
DAG_HEADER = (
    "JOBSUBJOBID                           OWNER    DAG_INFO          SUBMITTED"
    "     RUN_TIME   ST PRI SIZE CMD\n"
)
HOLD_HEADER = "JOBSUBJOBID                           OWNER           HELD_SINCE    HOLDREASON\n"
# condor_format(): the -format strings of each view, in order.
Q_ROW = "%-37s" " %-14s " " %-11s " "%3d+" "%02d" ":%02d" ":%02d" " %-2s" "%3d " " %4.1f " "%-30s "
DAG_ROW = (
    "%-37s" " %-1s " " %-16s " " %-11s " "%3d+" "%02d" ":%02d" ":%02d" " %-2s" "%3d " " %4.1f "
    "%-30s" "%-10s"
)
HOLD_ROW = "%-37s" " %-14s " " %-11s " "  %s"
# report_counts() in jobsubClient.py.
COUNTS = "%d jobs; %d completed, %d removed, %d idle, %d running, %d held, %d suspended\n"
# sqlite_commands.py fmtStr().
HISTORY = "%-38s  %-19s  %-19s %-19s %-3s      %s"
HISTORY_HEADER = HISTORY % ("JOBSUBJOBID", "OWNER", "SUBMITTED", "FINISHED", "ST", "CMD") + "\n"
# ifront_q.sh.
SUMMARY_HEADER = " OWNER        RUN   IDLE   HELD     OLDEST_JOB\n"
SUMMARY_COUNTS = "%-10s %6d %6d %6d "
OLDEST = "%s %s %s %-18s"

Q = 1_700_000_000  # 2023-11-14 22:13:20 UTC
SUBMITTED = "11/14 22:13"
WRAP = "myscript.sh_20231114_221320_123456_0_1_wrap.sh"
CMD = f"/fife/local/scratch/uploads/fermilab/alice/2023-11-14_221320.123456_7890/{WRAP}"


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The legacy server printed its own local time; tests pin the zone.
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def zone(monkeypatch: pytest.MonkeyPatch, tz: str) -> None:
    monkeypatch.setenv("TZ", tz)
    time.tzset()


def ad(cluster: int = 101, proc: int = 0, schedd: str = "jobsub01.fnal.gov",
       **attrs: Any) -> dict[str, Any]:
    """An idle job as condor_q -json prints it; keyword arguments override or add attributes."""
    job: dict[str, Any] = {
        "ClusterId": cluster, "ProcId": proc, "GlobalJobId": f"{schedd}#{cluster}.{proc}#{Q}",
        "Owner": "alice", "QDate": Q, "JobStatus": 1, "JobPrio": 0, "ImageSize": 300,
        "Cmd": CMD, "EnteredCurrentStatus": Q,
    }
    job.update(attrs)
    return job


def q_out(*rows: str, counts: tuple[int, ...] | None) -> str:
    body = HEADER + "".join(row + "\n" for row in rows) + "\n"
    return body + (COUNTS % counts if counts else "")


# --- parse_json_stream ------------------------------------------------------------------

A = '{"ClusterId": 1, "ProcId": 0}'
B = '{"ClusterId": 2, "ProcId": 0}'

STREAMS = [
    pytest.param("", [], id="nothing-at-all"),
    pytest.param("[]\n", [], id="one-empty-schedd"),
    pytest.param(f"[\n{A}\n,\n{B}\n]\n", [1, 2], id="one-array"),
    pytest.param(f"[{A}]\n[{B}]\n", [1, 2], id="two-arrays"),
    pytest.param(f"[{A}][{B}]", [1, 2], id="two-arrays-no-newline"),
    pytest.param(f"\n\n[{A}]\n[]\n\n[{B}]\n", [1, 2], id="empty-array-and-blank-lines"),
    pytest.param(f"Warning: no token\n[{A}]\nschedd 3 timed out [x]\n[{B}]\ntrailer\n",
                 [1, 2], id="garbage-lines-between"),
    pytest.param(f"[\n{A}\n,\nWARNING: a line inside the array\n{B}\n]\n", [1, 2],
                 id="garbage-inside-an-array"),
    pytest.param(f"[{A}]\n[{B}", [1, 2], id="last-array-cut-short"),
]


@pytest.mark.parametrize(("text", "clusters"), STREAMS)
def test_parse_json_stream(text: str, clusters: list[int]) -> None:
    assert [job["ClusterId"] for job in parse_json_stream(text)] == clusters


def test_parse_json_stream_fixture_keeps_every_job() -> None:
    jobs = parse_json_stream((DATA / "condor_q_two_schedds.json").read_text())
    assert [job_id(job) for job in jobs] == [
        "101.0@jobsub01.fnal.gov", "101.1@jobsub01.fnal.gov", "202.0@jobsub02.fnal.gov",
    ]


# --- job_id -------------------------------------------------------------------------------

JOB_IDS = [
    pytest.param({"GlobalJobId": "jobsub01.fnal.gov#123.4#1700000000"},
                 "123.4@jobsub01.fnal.gov", id="global-job-id"),
    pytest.param({"GlobalJobId": "schedd2@jobsub02.fnal.gov#5.0#1700000000"},
                 "5.0@schedd2@jobsub02.fnal.gov", id="secondary-schedd"),
    pytest.param({"globaljobid": "jobsub01.fnal.gov#7.1#1"}, "7.1@jobsub01.fnal.gov",
                 id="attribute-names-ignore-case"),
    pytest.param({"JobsubJobId": "8.0@jobsub03.fnal.gov", "ClusterId": 8, "ProcId": 0},
                 "8.0@jobsub03.fnal.gov", id="jobsub-job-id"),
    pytest.param({"ClusterId": 9, "ProcId": 2}, "9.2", id="cluster-and-proc-only"),
]


@pytest.mark.parametrize(("job", "expected"), JOB_IDS)
def test_job_id(job: dict[str, Any], expected: str) -> None:
    assert job_id(job) == expected


# --- jobsub_q, default layout ---------------------------------------------------------------

NOW = Q + 100 + 3723  # a job started at Q+100 has run 1:02:03

ROWS = [
    pytest.param(ad(JobStatus=2, JobCurrentStartDate=Q + 100),
                 ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 1, 2, 3, "R", 0, 300 / 1024,
                  WRAP), (1, 0, 0, 0, 1, 0, 0), id="running"),
    pytest.param(ad(), ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 0, 0, 0, "I", 0,
                        300 / 1024, WRAP), (1, 0, 0, 1, 0, 0, 0), id="idle-never-started"),
    pytest.param(ad(JobCurrentStartDate=Q + 10, EnteredCurrentStatus=Q + 70),
                 ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 0, 1, 0, "I", 0, 300 / 1024,
                  WRAP), (1, 0, 0, 1, 0, 0, 0), id="idle-after-eviction-shows-last-run"),
    pytest.param(ad(JobStatus=5, JobCurrentStartDate=Q, EnteredCurrentStatus=Q + 2 * 86400 + 11045,
                    ImageSize=2_560_000, JobPrio=10),
                 ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 2, 3, 4, 5, "H", 10, 2500.0,
                  WRAP), (1, 0, 0, 0, 0, 1, 0), id="held-days-and-size"),
    pytest.param(ad(JobStatus=3, JobCurrentStartDate=Q, EnteredCurrentStatus=Q + 59),
                 ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 0, 0, 59, "X", 0, 300 / 1024,
                  WRAP), (1, 0, 1, 0, 0, 0, 0), id="removed"),
    pytest.param(ad(JobStatus=4, JobCurrentStartDate=Q, EnteredCurrentStatus=Q + 3600),
                 ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 1, 0, 0, "C", 0, 300 / 1024,
                  WRAP), (1, 1, 0, 0, 0, 0, 0), id="completed"),
    pytest.param(ad(JobStatus=2, JobCurrentStartDate=Q + 100, TransferringInput=True),
                 ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 1, 2, 3, "<", 0, 300 / 1024,
                  WRAP), (1, 0, 0, 0, 0, 0, 0), id="transferring-input-not-counted"),
    pytest.param(ad(JobStatus=2, JobCurrentStartDate=Q + 100, JobPrio=100),
                 ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 1, 2, 3, "R", 100,
                  300 / 1024, WRAP), (1, 0, 0, 0, 0, 0, 0), id="priority-100-hides-running"),
    pytest.param(ad(Cmd="/bin/short.sh", Owner="averyveryverylongname"),
                 ("101.0@jobsub01.fnal.gov ", "averyveryverylongname", SUBMITTED, 0, 0, 0, 0, "I",
                  0, 300 / 1024, "short.sh"), (1, 0, 0, 1, 0, 0, 0), id="short-cmd-long-owner"),
    pytest.param(ad(GlobalJobId=f"schedd2@jobsub02.fnal.gov#12345678.0#{Q}"),
                 ("12345678.0@schedd2@jobsub02.fnal.gov ", "alice", SUBMITTED, 0, 0, 0, 0, "I", 0,
                  300 / 1024, WRAP), (1, 0, 0, 1, 0, 0, 0), id="id-wider-than-column"),
    pytest.param(ad(JobStatus=2, JobCurrentStartDate=NOW + 30),
                 ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 0, 0, -30, "R", 0, 300 / 1024,
                  WRAP), (1, 0, 0, 0, 1, 0, 0), id="clock-skew-truncates-toward-zero"),
    pytest.param({"ClusterId": 3, "ProcId": 0, "Owner": "alice", "QDate": Q, "JobStatus": 1,
                  "JobPrio": 0, "ImageSize": 300, "Cmd": CMD},
                 ("3.0 ", "alice", SUBMITTED, 0, 0, 0, 0, "I", 0, 300 / 1024, WRAP), None,
                 id="no-schedd-in-id-is-not-counted"),
]


@pytest.mark.parametrize(("job", "values", "counts"), ROWS)
def test_format_q_default_rows(job: dict[str, Any], values: tuple[Any, ...],
                               counts: tuple[int, ...] | None) -> None:
    assert format_q([job], now=NOW) == q_out(Q_ROW % values, counts=counts)


def test_running_time_comes_from_server_time_without_now() -> None:
    job = ad(JobStatus=2, JobCurrentStartDate=Q, ServerTime=Q + 61)
    values = ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 0, 1, 1, "R", 0, 300 / 1024, WRAP)
    assert format_q([job]) == q_out(Q_ROW % values, counts=(1, 0, 0, 0, 1, 0, 0))


def test_matches_a_captured_legacy_jobsub_q(monkeypatch: pytest.MonkeyPatch) -> None:
    # Printed by jobsub_q on a Fermilab gpvm in May 2022 (Central time), copied from a
    # public DUNE analysis README; every byte, including the empty line, is the server's.
    zone(monkeypatch, "CST6CDT,M3.2.0,M11.1.0")
    job = {
        "ClusterId": 56541241, "ProcId": 0,
        "GlobalJobId": "jobsub01.fnal.gov#56541241.0#1653482029",
        "Owner": "sbhuller", "QDate": 1653482029, "JobStatus": 1, "JobPrio": 0, "ImageSize": 25,
        "Cmd": "/fife/local/scratch/uploads/dune/sbhuller/x/1_20220525_073349_292366_0_1_wrap.sh",
    }
    assert format_q([job]) == (
        "JOBSUBJOBID                           OWNER           SUBMITTED     RUN_TIME"
        "   ST PRI SIZE CMD\n"
        "56541241.0@jobsub01.fnal.gov          sbhuller        05/25 07:33   0+00:00:00 I   0   0.0"
        " 1_20220525_073349_292366_0_1_wrap.sh \n"
        "\n"
        "1 jobs; 0 completed, 0 removed, 1 idle, 0 running, 0 held, 0 suspended\n"
    )


def test_several_schedds_in_one_stream() -> None:
    jobs = parse_json_stream((DATA / "condor_q_two_schedds.json").read_text())
    assert format_q(jobs) == q_out(
        Q_ROW % ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 1, 2, 3, "R", 0, 300 / 1024,
                 WRAP),
        Q_ROW % ("101.1@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 0, 0, 0, "I", 0, 0.0, WRAP),
        Q_ROW % ("202.0@jobsub02.fnal.gov ", "bob", "11/14 23:13", 0, 0, 58, 20, "H", 0, 2500.0,
                 "analysis.sh_20231114_231320_654321_0_1_wrap.sh"),
        counts=(3, 0, 0, 1, 1, 1, 0),
    )


# --- the other views ------------------------------------------------------------------------

RUNNING = ad(101, JobStatus=2, JobCurrentStartDate=Q + 100)
IDLE = ad(102)
HELD = ad(103, JobStatus=5, Owner="bob", JobCurrentStartDate=Q, EnteredCurrentStatus=Q + 7200,
          HoldReason="Job has gone over memory limit of 2000 megabytes.")
MIXED = [RUNNING, IDLE, HELD]

VIEWS = [
    pytest.param("run", q_out(Q_ROW % ("101.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 1, 2, 3,
                                       "R", 0, 300 / 1024, WRAP), counts=(1, 0, 0, 0, 1, 0, 0)),
                 id="run"),
    pytest.param("idle", q_out(Q_ROW % ("102.0@jobsub01.fnal.gov ", "alice", SUBMITTED, 0, 0, 0, 0,
                                        "I", 0, 300 / 1024, WRAP), counts=(1, 0, 0, 1, 0, 0, 0)),
                 id="idle"),
    # No status column in --hold rows, so report_counts finds a job in no state.
    pytest.param("hold", HOLD_HEADER
                 + HOLD_ROW % ("103.0@jobsub01.fnal.gov ", "bob", "11/15 00:13",
                               "Job has gone over memory limit of 2000 megabytes.")
                 + "\n\n" + COUNTS % (1, 0, 0, 0, 0, 0, 0), id="hold"),
]


@pytest.mark.parametrize(("view", "expected"), VIEWS)
def test_format_q_views(view: str, expected: str) -> None:
    assert format_q(MIXED, view=view, now=NOW) == expected


@pytest.mark.parametrize("view", ["default", "run", "idle", "hold", "dag"])
def test_no_jobs_prints_header_and_empty_line_only(view: str) -> None:
    header = {"hold": HOLD_HEADER, "dag": DAG_HEADER}.get(view, HEADER)
    assert format_q([], view=view) == header + "\n"


def test_dag_view() -> None:
    dagman = ad(200, JobStatus=2, JobCurrentStartDate=Q, Cmd="/usr/bin/condor_dagman",
                DAG_NodesDone=3, DAG_NodesTotal=10)
    node = ad(201, JobStatus=1, DAGManJobId=200, DAGNodeName="stage1_job")
    assert format_q([dagman, node], view="dag", now=Q + 90) == (
        DAG_HEADER
        + DAG_ROW % ("200.0@jobsub01.fnal.gov ", " ", "alice", SUBMITTED, 0, 0, 1, 30, "R", 0,
                     300 / 1024, "condor_dagman", " 3/10 done") + "\n"
        + DAG_ROW % ("201.0@jobsub01.fnal.gov ", " ", "stage1_job", SUBMITTED, 0, 0, 0, 0, "I", 0,
                     300 / 1024, WRAP, "") + "\n"
        + "\n" + COUNTS % (2, 0, 0, 1, 1, 0, 0)
    )


def test_summary_view() -> None:
    dagman = ad(200, JobStatus=2, Cmd="/usr/bin/condor_dagman", Args="-f -l . -Dag x.dag")
    running = ad(201, JobStatus=2, RemoteWallClockTime=60.0, ShadowBday=Q + 100,
                 Args="-x 1", DAGManJobId=200)
    held = ad(301, schedd="jobsub02.fnal.gov", Owner="bob", JobStatus=5, QDate=Q + 3600)
    idle = ad(302, schedd="jobsub02.fnal.gov", Owner="bob")
    assert format_q([dagman, running, held, idle], view="summary", now=Q + 3700) == (
        "\n"
        "-- Summary of jobsub01.fnal.gov, jobsub02.fnal.gov\n"
        + SUMMARY_HEADER
        # condor_dagman is left out of the counts but is alice's oldest job
        + SUMMARY_COUNTS % ("alice", 1, 0, 0) + "    "
        + OLDEST % ("11/14", "22:13", "0+00:00:00", "x.dag") + "\n"
        + SUMMARY_COUNTS % ("bob", 0, 1, 1) + "    "
        + OLDEST % ("11/14", "23:13", "0+00:00:00", WRAP) + "\n"
        + "\n"
        + SUMMARY_COUNTS % ("TOTALS", 1, 1, 1) + "\n"
        + "\n"
        + "\n"  # no gfactory jobs: the glidein line is empty
        + "\n"
        + "\n"
    )


def test_summary_owner_match_is_grep_substring() -> None:
    # ifront_q.sh ran `grep $OWNER`, so "al" also takes alice's lines and shows the last
    # line's owner.
    jobs = [ad(1, Owner="al", JobStatus=2), ad(2, Owner="alice")]
    owner_rows = format_q(jobs, view="summary", now=Q).splitlines()[3:5]
    oldest = OLDEST % ("11/14", "22:13", "0+00:00:00", WRAP)
    assert owner_rows == [
        SUMMARY_COUNTS % ("alice", 1, 1, 0) + "    " + oldest,
        SUMMARY_COUNTS % ("alice", 0, 1, 0) + "    " + oldest,
    ]


def test_unknown_view_is_refused() -> None:
    with pytest.raises(ValueError, match="long"):
        format_q([], view="long")


# --- jobsub_history -------------------------------------------------------------------------

HISTORY_ROWS = [
    pytest.param(ad(JobStatus=4, CompletionDate=Q + 7323),
                 ("101.0@jobsub01.fnal.gov", "alice", "2023-11-14 22:13:20", "2023-11-15 00:15:23",
                  "C", "myscript.sh "), (1, 1, 0, 0, 0, 0, 0), id="completed-suffix-stripped"),
    pytest.param(ad(JobStatus=3, CompletionDate=0),
                 ("101.0@jobsub01.fnal.gov", "alice", "2023-11-14 22:13:20", " ", "X",
                  "myscript.sh "), (1, 0, 1, 0, 0, 0, 0), id="removed-finished-blank"),
    pytest.param(ad(JobStatus=4, CompletionDate=Q, Cmd="/usr/bin/condor_dagman"),
                 ("101.0@jobsub01.fnal.gov", "alice", "2023-11-14 22:13:20", "2023-11-14 22:13:20",
                  "C", "condor_dagman"), (1, 1, 0, 0, 0, 0, 0), id="no-suffix-kept"),
    pytest.param(ad(JobStatus=4, Cmd="/x/run_20190101.sh"),
                 ("101.0@jobsub01.fnal.gov", "alice", "2023-11-14 22:13:20", "1970-01-01 00:00:00",
                  "C", "run "), (1, 1, 0, 0, 0, 0, 0), id="undefined-date-is-epoch"),
]


@pytest.mark.parametrize(("job", "values", "counts"), HISTORY_ROWS)
def test_format_history_rows(job: dict[str, Any], values: tuple[str, ...],
                             counts: tuple[int, ...]) -> None:
    assert format_history([job]) == HISTORY_HEADER + HISTORY % values + "\n" + COUNTS % counts


def test_history_one_block_per_schedd() -> None:
    jobs = parse_json_stream((DATA / "condor_history_two_schedds.json").read_text())
    assert format_history(jobs) == (
        HISTORY_HEADER
        + HISTORY % ("101.0@jobsub01.fnal.gov", "alice", "2023-11-14 22:13:20",
                     "2023-11-15 00:15:23", "C", "myscript.sh ") + "\n"
        + HISTORY % ("101.1@jobsub01.fnal.gov", "alice", "2023-11-14 22:13:20", " ", "X",
                     "myscript.sh ") + "\n"
        + COUNTS % (2, 1, 1, 0, 0, 0, 0)
        + HISTORY_HEADER
        + HISTORY % ("202.0@jobsub02.fnal.gov", "bob", "2023-11-14 23:13:20",
                     "2023-11-15 01:00:00", "C", "condor_dagman") + "\n"
        + COUNTS % (1, 1, 0, 0, 0, 0, 0)
    )


def test_history_without_jobs_is_the_header_alone() -> None:
    assert format_history([]) == HISTORY_HEADER


def test_history_dates_are_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    zone(monkeypatch, "CST6")
    row = format_history([ad(JobStatus=4, CompletionDate=Q + 60)]).splitlines()[1]
    assert row == HISTORY % ("101.0@jobsub01.fnal.gov", "alice", "2023-11-14 16:13:20",
                             "2023-11-14 16:14:20", "C", "myscript.sh ")


# --- the legacy regular expressions, matched without re -------------------------------------
# qformat reproduces each expression with str methods; these compare it with Python's re on
# strings made mostly of the characters that matter to the expressions.

GLOBAL_JOB_ID = re.compile(r"(.+)#(.+)#(.+)")
CMD_BASENAME = re.compile(r".*/(.+)")
CMD_SUFFIX = re.compile(r"_20[1-3][0-9][0-1][0-9].*")
JOB_LINE = re.compile(r"[0-9]+[.][0-9]+@")
JSON_START = re.compile(r"[\[{]")

# "." stops at "\n" only, so "\r", "\x0b", "\x85" and "\u2028" are ordinary characters to
# it; "٣" and "²" are digits to str.isdigit but not to [0-9].
PIECES = [
    "#", "/", "_", "2", "0", "1", "3", "9", ".", "@", "\n", "[", "{", "a", "Z", " ", "\r",
    "\x0b", "\x85", "\u2028", "٣", "²", "_20", "_201", "_2023", "_2019", "_2041", "_2013x",
    "_202", "12", "3.4@", "#1.0#", "//", "\n\n",
]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.characters()), max_size=24).map("".join)
# Near misses of the two expressions made of digit classes: mostly the characters they
# take, with digits to str.isdigit that [0-9] does not take ("٣", "²") in their place at times.
SUFFIX = st.builds(lambda chars, size: ("_20" + "".join(chars))[:size], st.tuples(
    st.sampled_from("1233٣4"), st.sampled_from("0919٣²"), st.sampled_from("0101٣2"),
    st.sampled_from("0919²a")), st.sampled_from([7, 7, 7, 6, 5, 4, 3]))
SUFFIXY = st.builds("".join, st.lists(st.one_of(SUFFIX, TEXT), max_size=5))
DIGIT_RUN = st.lists(st.sampled_from("0919٣²"), max_size=3).map("".join)
JOB_LINEY = st.builds(lambda *parts: "".join(parts), DIGIT_RUN, st.sampled_from("..@x"),
                      DIGIT_RUN, st.sampled_from(["@", "@", "", ".", "\n"]), TEXT)


def regex_global_job_id(text: str) -> tuple[str | Any, ...] | None:
    match = GLOBAL_JOB_ID.search(text)
    return match.groups() if match else None


GLOBAL_JOB_IDS = [
    ("", None), ("#", None), ("##", None), ("a##b", None), ("a#b#", None), ("#a#b", None),
    ("a#b#c", ("a", "b", "c")), ("a#b#c#d", ("a#b", "c", "d")), ("a#b#c#", ("a", "b", "c#")),
    ("a##b#c", ("a#", "b", "c")), ("a#b##c", ("a", "b#", "c")), ("#a#b#c", ("#a", "b", "c")),
    ("###a", None), ("####a", ("#", "#", "a")), ("a#b\n#c#d", None),
    ("a#b\nx#c#d", ("x", "c", "d")),
    ("a#b#c\nx#y#z", ("a", "b", "c")), ("a#b#\nc", None), ("a#b#c\r", ("a", "b", "c\r")),
    ("s@h.gov#1.0#17\u2028", ("s@h.gov", "1.0", "17\u2028")),
]


@pytest.mark.parametrize(("gid", "groups"), GLOBAL_JOB_IDS)
def test_global_job_id_edge_cases(gid: str, groups: tuple[str, str, str] | None) -> None:
    assert regex_global_job_id(gid) == groups  # the cases themselves are right
    assert qformat._global_job_id(gid) == groups


@settings(max_examples=1000, deadline=None)
@given(TEXT)
def test_global_job_id_is_the_regex(gid: str) -> None:
    assert qformat._global_job_id(gid) == regex_global_job_id(gid)
    match = GLOBAL_JOB_ID.search(gid)
    if match:
        assert job_id({"GlobalJobId": gid}) == f"{match.group(2)}@{match.group(1)}"


def regex_basename(text: str) -> str:
    match = CMD_BASENAME.search(text)
    return match.group(1) if match else ""


BASENAMES = [
    ("", ""), ("/", ""), ("a/", ""), ("//", "/"), ("a", ""), ("/a", "a"), ("/a/b", "b"),
    ("/a/b/", "b/"), ("/a//", "/"), ("\n/a", "a"), ("/a\n/b", "a"), ("/\n/b", "b"),
    ("x/\ny", ""), ("/a\r", "a\r"), ("/a\u2028/b", "b"),
]


@pytest.mark.parametrize(("cmd", "name"), BASENAMES)
def test_cmd_basename_edge_cases(cmd: str, name: str) -> None:
    assert regex_basename(cmd) == name
    assert qformat._after_last_slash(cmd) == name


@settings(max_examples=1000, deadline=None)
@given(TEXT)
def test_cmd_basename_is_the_regex(cmd: str) -> None:
    assert qformat._after_last_slash(cmd) == regex_basename(cmd)
    assert qformat._cmd_basename({"cmd": cmd}) == regex_basename(cmd)


CMD_SUFFIXES = [
    ("", ""), ("run_2019", "run_2019"), ("run_20191", "run_20191"), ("run_201912", "run "),
    ("run_201912x_202301", "run "), ("run_2041_201912", "run_2041 "), ("_2_201001", "_2 "),
    ("a_202312\nb_201001c\nd", "a \nb \nd"), ("a_20231\n2", "a_20231\n2"),
    ("a_20٣012", "a_20٣012"), ("a_202٣12", "a_202٣12"), ("a_20231²", "a_20231²"),
    ("a_202312\r\x85", "a "),
    ("_20_20_201012", "_20_20 "), ("x_2020121", "x "),
]


@pytest.mark.parametrize(("name", "cut"), CMD_SUFFIXES)
def test_cmd_suffix_edge_cases(name: str, cut: str) -> None:
    assert CMD_SUFFIX.sub(" ", name) == cut
    assert qformat._cmd_suffix_to_space(name) == cut


@settings(max_examples=1000, deadline=None)
@given(SUFFIXY)
def test_cmd_suffix_is_the_regex(name: str) -> None:
    assert qformat._cmd_suffix_to_space(name) == CMD_SUFFIX.sub(" ", name)


JOB_LINES = [
    ("", False), ("1.2@", True), ("12.345@x", True), ("1.2", False), (".2@", False),
    ("1.@", False), ("1..2@", False), ("1.2.3@", False), (" 1.2@", False), ("1.2 @", False),
    ("٣.2@", False), ("1.²@", False), ("1.2@\n", True), ("1.2\n@", False),
]


@pytest.mark.parametrize(("line", "counted"), JOB_LINES)
def test_job_line_edge_cases(line: str, counted: bool) -> None:
    assert bool(JOB_LINE.match(line)) is counted
    assert qformat._is_job_line(line) is counted


@settings(max_examples=1000, deadline=None)
@given(JOB_LINEY)
def test_job_line_is_the_regex(line: str) -> None:
    assert qformat._is_job_line(line) is bool(JOB_LINE.match(line))


@settings(max_examples=500, deadline=None)
@given(TEXT)
@example("")
@example("[{")
@example("x{[\n[")
def test_json_start_is_the_regex(text: str) -> None:
    marks = qformat._json_marks(text)
    for pos in range(len(text) + 2):
        match = JSON_START.search(text, pos)
        assert marks.find("{", pos) == (match.start() if match else -1)


# --- no re (and no json) for jobsub_q's and jobsub_history's formatting ----------------------

SRC = Path(qformat.__file__).resolve().parents[1]


def test_formatting_imports_neither_re_nor_json() -> None:
    """What jobsub_q and jobsub_history run after condor's JSON is read: the module import and
    every view, on the fixtures' jobs and the ones above (given as Python literals, since
    reading JSON would import json and re itself)."""
    jobs = [*parse_json_stream((DATA / "condor_q_two_schedds.json").read_text()), *MIXED,
            ad(200, JobStatus=2, Cmd="/usr/bin/condor_dagman", DAG_NodesDone=3,
               DAG_NodesTotal=10, Args="-f -l . -Dag x.dag"),
            ad(201, DAGManJobId=200, DAGNodeName="stage1", Owner="gfactory"),
            ad(JobStatus=7, ShadowBday=Q, RemoteWallClockTime=5.0),
            {"JobsubJobId": "8.0@jobsub03.fnal.gov", "ClusterId": 8, "ProcId": 0}]
    history = parse_json_stream((DATA / "condor_history_two_schedds.json").read_text())
    code = f"""if True:
        import sys
        sys.path.insert(0, {str(SRC)!r})
        from jobsub_compat import qformat
        loaded = ("re" in sys.modules, "json" in sys.modules)
        jobs, history = {jobs!r}, {history!r}
        out = [qformat.format_q(jobs, view) for view in qformat.VIEWS]
        out.append(qformat.format_q(jobs, "default", now={NOW}))
        out.append(qformat.format_history(history + jobs))
        assert all("jobsub0" in text for text in out), out
        print(*loaded, "re" in sys.modules, "json" in sys.modules)
    """
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"] * 4
