"""plan_many and ``scheduler capacity``: many campaigns planned at once, on any executor.

2026-03-09 is a Monday, and New York has been on EDT (UTC-04:00) since the day
before: NOW, 13:00Z, is 09:00 in New York, when the campaigns' windows open.
"""

from __future__ import annotations

import io
import json
import pickle
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pytest

from scheduler import Campaign, Summary, outcomes, plan, plan_many
from scheduler.cli import main
from scheduler.fleet import CampaignError, CampaignInput, fit
from scheduler.outcomes import OutcomeSource

NOW = "2026-03-09T13:00:00Z"

P = ParamSpec("P")
T = TypeVar("T")


def spec(name: str, count: int, first: int = 0, **fields: Any) -> dict[str, Any]:
    """A campaign in New York, 09:00-17:00 every day, of ``count`` numbers in phoneList."""
    return {
        "name": name,
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "phoneList": [f"+1415555{first + i:04d}" for i in range(count)],
        **fields,
    }


# Five customers called from 09:00 30 s apart, each retried an hour after its call
# ended: the last retry starts at 10:02:30 on Monday, four days before its endDate.
FITS = spec("Fits", 5, callRetries=1, retryDelaySeconds=3600, endDate="2026-03-13")
# Three customers 30 s apart in a one-minute window on its only day: the third is due
# at 09:01:00, when the window has closed, and expires.
LATE = spec("Late", 3, endTime="09:01", endDate="2026-03-09")


def campaigns() -> list[CampaignInput]:
    """Campaigns of every form plan_many takes, with zones, rules, modes and dates of
    their own, and with sizes that tell them apart."""
    return [
        Campaign.model_validate(spec("Big", 120, callRetries=2, retryDelaySeconds=600)),
        LATE,
        json.dumps(FITS),
        json.dumps(
            spec(
                "Prague next day",
                7,
                first=200,
                timezone="Europe/Prague",
                callRetries=2,
                retryDelayMode="next_day",
                endDate="2026-03-11",
            )
        ).encode(),
        Campaign.model_validate(
            spec(
                "Rules",
                0,
                callingRules=["US-TCPA"],
                recipientLocalTime=True,
                customers=[
                    {"phoneNumber": "+13035550101", "timezone": "America/Denver", "region": "US"},
                    {"phoneNumber": "+12135550102", "timezone": "America/Los_Angeles"},
                ],
                callRetries=1,
            )
        ),
        spec("Over", 4, first=300, endDate="2026-03-06"),
        spec("Nobody", 0),
        spec("Asap", 30, first=400, schedulingMode="asap", maxConcurrency=3, callRetries=1),
        spec("Blackout", 2, first=500, blackoutDates=["2026-03-09"], endDate="2026-03-10"),
    ]


def validated(item: CampaignInput) -> Campaign:
    if isinstance(item, Campaign):
        return item
    if isinstance(item, str | bytes):
        return Campaign.model_validate_json(item)
    return Campaign.model_validate(item)


def one_by_one(items: list[CampaignInput], source: Any = None) -> list[Summary]:
    return [plan(validated(item), now=NOW, outcomes=source).summary() for item in items]


class RoundTrips(Executor):
    """Runs each call at once, here, after sending the call and its result through pickle
    as a process pool does; counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        self.calls += 1
        future: Future[T] = Future()
        sent, sent_args, sent_kwargs = pickle.loads(pickle.dumps((fn, args, kwargs)))
        try:
            result = sent(*sent_args, **sent_kwargs)
        except Exception as error:
            future.set_exception(pickle.loads(pickle.dumps(error)))
        else:
            future.set_result(pickle.loads(pickle.dumps(result)))
        return future


@pytest.fixture(scope="module")
def processes() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def threads() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as pool:
        yield pool


@pytest.fixture(params=["in_process", "threads", "processes", "pickled_round_trips"])
def executor(
    request: pytest.FixtureRequest, processes: ProcessPoolExecutor, threads: ThreadPoolExecutor
) -> Executor | None:
    return {
        "in_process": None,
        "threads": threads,
        "processes": processes,
        "pickled_round_trips": RoundTrips(),
    }[request.param]


# -- plan_many ------------------------------------------------------------------------


def test_plan_many_gives_the_summary_plan_gives_each_campaign(executor: Executor | None) -> None:
    items = campaigns()
    got = plan_many(items, now=NOW, executor=executor)
    assert got == one_by_one(items)
    # In the order given, whatever finished first.
    assert [s.customers for s in got] == [120, 3, 5, 7, 2, 4, 0, 30, 2]
    assert [s.attempts for s in got] == [360, 2, 10, 21, 4, 0, 0, 60, 2]


def test_plan_many_with_a_seeded_random_source_gives_plans_results(
    executor: Executor | None,
) -> None:
    items = campaigns()
    source = outcomes.random(7, answer_rate=0.4)
    got = plan_many(items, now=NOW, outcomes=source, executor=executor)
    assert got == one_by_one(items, source)
    assert got != one_by_one(items)
    assert got[0].outcomes["success"] == 86


def test_the_order_is_kept_across_many_chunks(
    processes: ProcessPoolExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of about 50 customers: the big first campaign is a chunk of its own, which
    # takes longer than the chunks of two or three small ones that follow.
    monkeypatch.setattr("scheduler.fleet._CHUNK_CUSTOMERS", 50)
    items: list[CampaignInput] = [spec("Big", 400, first=9000, callRetries=3)]
    items += [spec(f"Small {k}", 1 + k % 5, first=100 * k) for k in range(1, 40)]
    got = plan_many(items, now=NOW, executor=processes)
    assert got == one_by_one(items)
    assert [s.customers for s in got] == [400] + [1 + k % 5 for k in range(1, 40)]


def test_two_hundred_small_campaigns_take_three_round_trips() -> None:
    # 3 customers and the fixed cost of a campaign (20) weigh 23; a chunk closes at 2,000.
    executor = RoundTrips()
    items: list[CampaignInput] = [spec(f"Tiny {k}", 3, first=3 * k) for k in range(200)]
    got = plan_many(items, now=NOW, executor=executor)
    assert executor.calls == 3
    assert [s.customers for s in got] == [3] * 200


def test_campaigns_of_two_thousand_customers_go_one_per_round_trip() -> None:
    executor = RoundTrips()
    items: list[CampaignInput] = [spec(f"Large {k}", 2_000, first=0) for k in range(3)]
    got = plan_many(items, now=NOW, executor=executor)
    assert executor.calls == 3
    assert [s.attempts for s in got] == [2_000, 2_000, 2_000]


def test_no_campaigns_give_no_summaries(executor: Executor | None) -> None:
    assert plan_many([], now=NOW, executor=executor) == []


@pytest.mark.parametrize("where", ["in_process", "threads"])
def test_timelines_are_plans_own(where: str, threads: ThreadPoolExecutor) -> None:
    items = campaigns()
    executor = threads if where == "threads" else None
    got = plan_many(items, now=NOW, executor=executor, timelines=True)
    want = [plan(validated(item), now=NOW) for item in items]
    assert [t.attempts for t in got] == [t.attempts for t in want]
    assert [t.expired for t in got] == [t.expired for t in want]
    assert [t.warnings for t in got] == [t.warnings for t in want]
    assert [t.summary() for t in got] == [t.summary() for t in want]
    assert got[2].attempts[-1].start.isoformat() == "2026-03-09T14:02:30+00:00"


def test_timelines_cannot_come_back_from_other_processes(processes: ProcessPoolExecutor) -> None:
    with pytest.raises(ValueError, match=r"^timelines=True: a Timeline keeps its run in"):
        plan_many([FITS], now=NOW, executor=processes, timelines=True)


def closure_source(outcome: str, seconds: int) -> OutcomeSource:
    """A source of the user's own, as a closure: it does not pickle."""

    def source(phone: str, number: int) -> tuple[str, int]:
        return outcome, seconds

    return source


def test_a_source_that_does_not_pickle_is_refused_for_processes_naming_outcomes(
    processes: ProcessPoolExecutor,
) -> None:
    with pytest.raises(TypeError) as caught:
        plan_many([FITS], now=NOW, executor=processes, outcomes=closure_source("Busy", 20))
    assert str(caught.value).startswith(
        "outcomes: a ProcessPoolExecutor's workers cannot receive it, it does not pickle "
        "(Can't pickle local object 'closure_source.<locals>.source'); the sources of "
        "scheduler.outcomes, "
    )


def test_the_shipped_sources_travel_to_processes(processes: ProcessPoolExecutor) -> None:
    items = campaigns()
    for source in (
        outcomes.always("Busy", 20),
        outcomes.scripted({"+14155550000": [("Busy", 5), ("success", 60)]}),
        outcomes.random(7),
    ):
        got = plan_many(items, now=NOW, outcomes=source, executor=processes)
        assert got == one_by_one(items, source)


def test_a_source_that_does_not_pickle_plans_in_threads(threads: ThreadPoolExecutor) -> None:
    source = closure_source("Busy", 20)
    items = campaigns()
    assert plan_many(items, now=NOW, outcomes=source, executor=threads) == one_by_one(items, source)


# -- errors name the campaign ----------------------------------------------------------


def test_an_invalid_spec_names_its_place_name_and_id(executor: Executor | None) -> None:
    items = campaigns()
    items[3] = spec("Broken", 2, id="cmp_7", maxConcurrency=0, callRetries=11)
    items[6] = spec("Also broken", 2, maxConcurrency=0)
    with pytest.raises(CampaignError) as caught:
        plan_many(items, now=NOW, executor=executor)
    error = caught.value
    assert (error.index, error.label) == (3, "'Broken', id 'cmp_7'")
    assert str(error) == (
        "campaign 3 ('Broken', id 'cmp_7'): invalid campaign spec: callRetries: must be 0 "
        "to 10, got 11; maxConcurrency: must be 1 or more, got 0"
    )


def test_text_that_is_not_json_is_named_by_its_place(executor: Executor | None) -> None:
    items = campaigns()
    items[1] = '{"name": "Cut short", '
    with pytest.raises(CampaignError) as caught:
        plan_many(items, now=NOW, executor=executor)
    assert str(caught.value) == (
        "campaign 1 (not JSON): invalid campaign spec: Invalid JSON: EOF while parsing a "
        "value at line 1 column 22"
    )


def test_a_spec_without_a_name_says_so(executor: Executor | None) -> None:
    items = campaigns()
    items[2] = {"timezone": "UTC", "phoneList": ["+14155550001"]}
    with pytest.raises(CampaignError) as caught:
        plan_many(items, now=NOW, executor=executor)
    assert str(caught.value) == "campaign 2 (no name): invalid campaign spec: name: Field required"


def bad_length(phone: str, number: int) -> tuple[str, int]:
    """Every call of +14155559999 lasts 0 s, which plan refuses."""
    return ("No Answer", 0 if phone == "+14155559999" else 30)


def test_a_planning_error_names_the_campaign_and_the_call(executor: Executor | None) -> None:
    items = campaigns()
    items[4] = spec("Zero length", 1, first=9999, id="cmp_9")
    with pytest.raises(CampaignError) as caught:
        plan_many(items, now=NOW, outcomes=bad_length, executor=executor)
    assert str(caught.value) == (
        "campaign 4 ('Zero length', id 'cmp_9'): call length of +14155559999 attempt 1: "
        "whole seconds >= 1, got 0"
    )


def lookup(phone: str, number: int) -> tuple[str, int]:
    """A source that knows only the numbers it was given: any other is a KeyError."""
    return {"+14155550000": ("Busy", 20)}[phone]


def test_an_error_of_another_kind_keeps_its_type_with_a_note_naming_the_campaign() -> None:
    with pytest.raises(KeyError) as caught:
        plan_many([spec("Known", 1), spec("Unknown", 2, id="cmp_3")], now=NOW, outcomes=lookup)
    assert caught.value.__notes__ == ["while planning campaign 1 ('Unknown', id 'cmp_3')"]


def test_something_that_is_not_a_campaign_is_refused_by_its_place() -> None:
    with pytest.raises(TypeError) as caught:
        plan_many([FITS, 42], now=NOW)  # type: ignore[list-item]
    assert str(caught.value) == (
        "campaigns[1]: expected a Campaign, a dict or the JSON text of a spec, got int"
    )


def test_a_bad_now_is_named_as_now_not_as_a_campaign() -> None:
    with pytest.raises(ValueError, match=r"^now") as caught:
        plan_many([FITS], now="2026-03-09T13:00:00")
    assert not isinstance(caught.value, CampaignError)


# -- fit -------------------------------------------------------------------------------


def fit_of(body: dict[str, Any]) -> str:
    campaign = Campaign.model_validate(body)
    return str(fit(campaign, plan(campaign, now=NOW).summary()))


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            FITS,
            "fits: 5 customers, 10 attempts; the last call starts Mon 2026-03-09 10:02 EDT, "
            "4 days before endDate 2026-03-13",
        ),
        (
            LATE,
            "does not fit: 1 of 3 customers is never called before the campaign ends (2 attempts "
            "start); the last call starts Mon 2026-03-09 09:00 EDT, on endDate 2026-03-09",
        ),
        (
            spec("Over", 3, endDate="2026-03-06"),
            "does not fit: no call can start; 3 of 3 customers never called; endDate 2026-03-06",
        ),
        (
            spec(
                "Quiet",
                3,
                endDate="2026-03-13",
                callingRules=[{"name": "quiet", "hours": {str(day): [] for day in range(7)}}],
            ),
            "does not fit: no call can start; 3 of 3 customers never called; rule quiet leaves 3 "
            "customers uncallable; endDate 2026-03-13",
        ),
        (
            # Every first call starts; every retry, due the next day, finds no window.
            spec("Retries", 3, callRetries=1, retryDelaySeconds=86_400, endDate="2026-03-09"),
            "does not fit: 3 of 3 customers lose retries before the campaign ends (3 attempts "
            "start); the last call starts Mon 2026-03-09 09:01 EDT, on endDate 2026-03-09",
        ),
        (
            # The third is never called; the two called lose their retries, due the next day.
            spec(
                "Mixed",
                3,
                endTime="09:01",
                endDate="2026-03-09",
                callRetries=1,
                retryDelaySeconds=86_400,
            ),
            "does not fit: 1 of 3 customers is never called, 2 more lose retries before the "
            "campaign ends (2 attempts start); the last call starts Mon 2026-03-09 09:00 EDT, "
            "on endDate 2026-03-09",
        ),
        (
            spec("Open-ended", 2),
            "fits: 2 customers, 2 attempts; the last call starts Mon 2026-03-09 09:00 EDT, "
            "no endDate",
        ),
        (spec("Nobody", 0, endDate="2026-03-13"), "fits: no customers to call"),
    ],
    ids=[
        "fits",
        "late",
        "end_date_over",
        "rule_forbids_every_hour",
        "retries_expire",
        "never_called_and_retries_lost",
        "no_end_date",
        "no_customers",
    ],
)
def test_fit_says_whether_and_why(body: dict[str, Any], said: str) -> None:
    assert fit_of(body) == said


def test_fit_counts_days_after_end_date_on_the_campaigns_clock() -> None:
    # Customers in Los Angeles called on their own clock until their endDate: the last
    # call starts at 17:59 PDT on Monday, which is Tuesday in Prague.
    body = spec(
        "Far",
        0,
        timezone="Europe/Prague",
        recipientLocalTime=True,
        endDate="2026-03-09",
        customers=[{"phoneNumber": "+12135550102", "timezone": "America/Los_Angeles"}],
        startTime="17:59",
        endTime="18:00",
    )
    assert fit_of(body) == (
        "fits: 1 customer, 1 attempt; the last call starts Tue 2026-03-10 01:59 CET, "
        "1 day after endDate 2026-03-09"
    )


# -- scheduler capacity ----------------------------------------------------------------


def capacity(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["capacity", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.fixture
def specs(tmp_path: Path) -> tuple[str, str]:
    fits, late = tmp_path / "fits.json", tmp_path / "late.json"
    fits.write_text(json.dumps(FITS), encoding="utf-8")
    late.write_text(json.dumps(LATE), encoding="utf-8")
    return str(fits), str(late)


def capacity_lines(fits: str, late: str) -> list[str]:
    return [
        f"{fits} (Fits): fits: 5 customers, 10 attempts; the last call starts Mon 2026-03-09 "
        "10:02 EDT, 4 days before endDate 2026-03-13",
        f"{late} (Late): does not fit: 1 of 3 customers is never called before the campaign "
        "ends (2 attempts start); the last call starts Mon 2026-03-09 09:00 EDT, on endDate "
        "2026-03-09",
    ]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_capacity_prints_one_plain_line_per_campaign_and_exits_1_when_one_does_not_fit(
    capsys: pytest.CaptureFixture[str], specs: tuple[str, str], workers: str
) -> None:
    code, lines, err = capacity(capsys, *specs, "--now", NOW, "--workers", workers)
    assert (code, err) == (1, "")
    assert lines == capacity_lines(*specs)


def test_capacity_exits_0_when_every_campaign_fits(
    capsys: pytest.CaptureFixture[str], specs: tuple[str, str]
) -> None:
    fits, _ = specs
    code, lines, err = capacity(capsys, fits, fits, "--now", NOW)
    assert (code, err) == (0, "")
    assert lines == [capacity_lines(*specs)[0]] * 2


def test_capacity_reads_a_spec_from_standard_input(
    capsys: pytest.CaptureFixture[str], specs: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(LATE)))
    code, lines, _ = capacity(capsys, specs[0], "-", "--now", NOW)
    assert code == 1
    assert lines[1].startswith("standard input (Late): does not fit: 1 of 3 customers is never")


def test_capacity_help_documents_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["capacity", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "Exit status: 0 when every campaign fits, 1 when one or more do not, 2 on bad input."
        in text
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json"], "scheduler: cannot read campaign spec 'missing.json': "),
        (["-", "-"], "scheduler: standard input (-) can be read once; give - at most once"),
        (["FITS", "--workers", "0"], "scheduler: --workers: a number of processes >= 1, got 0"),
        (
            ["FITS", "--workers", "2", "--dask", "tcp://127.0.0.1:8786"],
            "scheduler: --workers and --dask: give one; with --dask the cluster's workers plan",
        ),
        (
            ["FITS", "--dask", "nonsense://here"],
            "scheduler: --dask: cannot reach a dask scheduler at 'nonsense://here': unknown "
            "address scheme 'nonsense'",
        ),
        (["FITS", "--now", "2026-03-09T13:00:00"], "scheduler: --now: give a UTC offset or Z"),
        (["INVALID"], "scheduler: "),
    ],
    ids=[
        "missing_file",
        "stdin_twice",
        "no_workers",
        "workers_and_dask",
        "bad_dask_address",
        "naive_now",
        "invalid_spec",
    ],
)
def test_capacity_exits_2_on_bad_input(
    capsys: pytest.CaptureFixture[str],
    specs: tuple[str, str],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps(spec("Invalid", 1, callRetries=11)), encoding="utf-8")
    args = [{"FITS": specs[0], "INVALID": str(invalid)}.get(arg, arg) for arg in args]
    if "--now" not in args:
        args += ["--now", NOW]
    code, lines, err = capacity(capsys, *args)
    assert (code, lines) == (2, [])
    assert err.startswith(message.replace("INVALID", str(invalid)))
    if args[0] == str(invalid):
        assert err == (
            f"scheduler: {invalid}: invalid campaign spec (1 error):\n"
            "  callRetries: must be 0 to 10, got 11 (given: 11)\n"
        )


def test_capacity_without_dask_installed_names_the_extra(
    capsys: pytest.CaptureFixture[str], specs: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if absent
    code, lines, err = capacity(capsys, specs[0], "--now", NOW, "--dask", "tcp://127.0.0.1:8786")
    assert (code, lines) == (2, [])
    assert err == (
        "scheduler: --dask: dask.distributed is not installed; pip install 'scheduler[dask]'\n"
    )


# -- dask ------------------------------------------------------------------------------


def test_a_dask_cluster_plans_what_one_process_plans(
    capsys: pytest.CaptureFixture[str], specs: tuple[str, str]
) -> None:
    from dask.distributed import Client, LocalCluster

    items = campaigns()
    source = closure_source("Busy", 20)  # dask's cloudpickle sends closures too
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        executor: Executor = client.get_executor()
        got = plan_many(items, now=NOW, executor=executor)
        busy = plan_many(items, now=NOW, outcomes=source, executor=executor)
        with pytest.raises(CampaignError, match=r"^campaign 1 \(not JSON\): "):
            plan_many([FITS, "{"], now=NOW, executor=executor)
        code, lines, err = capacity(
            capsys, *specs, "--now", NOW, "--dask", cluster.scheduler_address
        )
    assert got == one_by_one(items)
    assert busy == one_by_one(items, source)
    assert (code, err) == (1, "")
    assert lines == capacity_lines(*specs)
