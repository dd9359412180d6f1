"""Many campaigns planned at once, on any executor, and whether each one fits its days.

``plan_many`` plans every campaign of a list as ``plan`` would, in this
process or on any ``concurrent.futures.Executor`` (threads, processes, a dask
cluster's ``client.get_executor()``), and returns their summaries in the
order given. ``fit`` reads a summary and says whether the campaign gets
through its list before it ends, and if not, why.

>>> from scheduler import Campaign
>>> c = Campaign(name="Short", timezone="Europe/Prague", start_time="09:00",
...              end_time="09:01", end_date="2026-03-09", call_interval_seconds=30,
...              phone_list=("+420601000001", "+420601000002", "+420601000003"))
>>> [summary] = plan_many([c], now="2026-03-09T08:00:00Z")
>>> print(fit(c, summary))
does not fit: 1 of 3 customers is never called before the campaign ends (2 attempts start); \
the last call starts Mon 2026-03-09 09:00 CET, on endDate 2026-03-09
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, overload

from pydantic import ValidationError

from scheduler.outcomes import OutcomeSource
from scheduler.plan import Summary, Timeline, plan
from scheduler.spec import Campaign, field_path
from scheduler.times import check_now
from scheduler.tz import load_zone

__all__ = ["CampaignError", "Fit", "fit", "plan_many"]

#: A campaign as ``plan_many`` takes it: the model, or its spec as a dict or JSON text.
CampaignInput = Campaign | Mapping[str, Any] | str | bytes

# Work goes to an executor in chunks of about this many customers: a few tens of
# milliseconds of planning, which a round trip to a worker process (or a dask
# cluster's few milliseconds) no longer weighs on. A campaign as large as this or
# larger goes alone.
_CHUNK_CUSTOMERS = 2_000
# What planning any campaign costs beyond its customers (its run, its calendars), counted
# in customers: 200 campaigns of 10 customers go in a few chunks, not 200.
_CAMPAIGN_COST = 20

_T = TypeVar("_T")


class CampaignError(ValueError):
    """One campaign given to ``plan_many`` could not be validated or planned.

    ``index`` is its place in the list (from 0), ``label`` its name and id as
    given (``'Q1 Customer Outreach', id 'cmp_42'``), ``message`` what is wrong.
    """

    def __init__(self, index: int, label: str, message: str) -> None:
        # All three in args: an exception crosses to another process as its args.
        super().__init__(index, label, message)
        self.index = index
        self.label = label
        self.message = message

    def __str__(self) -> str:
        return f"campaign {self.index} ({self.label}): {self.message}"


@overload
def plan_many(
    campaigns: Iterable[CampaignInput],
    *,
    now: datetime | str,
    outcomes: OutcomeSource | None = None,
    executor: Executor | None = None,
    timelines: Literal[False] = False,
) -> list[Summary]: ...
@overload
def plan_many(
    campaigns: Iterable[CampaignInput],
    *,
    now: datetime | str,
    outcomes: OutcomeSource | None = None,
    executor: Executor | None = None,
    timelines: Literal[True],
) -> list[Timeline]: ...
@overload
def plan_many(
    campaigns: Iterable[CampaignInput],
    *,
    now: datetime | str,
    outcomes: OutcomeSource | None = None,
    executor: Executor | None = None,
    timelines: bool,
) -> list[Summary] | list[Timeline]: ...
def plan_many(
    campaigns: Iterable[CampaignInput],
    *,
    now: datetime | str,
    outcomes: OutcomeSource | None = None,
    executor: Executor | None = None,
    timelines: bool = False,
) -> list[Summary] | list[Timeline]:
    """The summary of each campaign's plan from ``now`` on, in the order given.

    Each campaign is a ``Campaign``, or its spec as a dict or JSON text
    (validated, in the worker that plans it). ``now`` and ``outcomes`` are
    ``plan``'s, the same for every campaign. The result is exactly
    ``[plan(c, now=now, outcomes=outcomes).summary() for c in campaigns]``,
    whatever runs it: ``executor=None`` plans here, one campaign after the
    other; any ``concurrent.futures.Executor`` (a ``ProcessPoolExecutor``, a
    dask ``client.get_executor()``) gets the campaigns in chunks of a few
    thousand customers, so many small campaigns cost a few round trips.

    A ``ProcessPoolExecutor`` needs ``outcomes`` to pickle: the sources of
    ``scheduler.outcomes`` and module-level functions do; a closure or a
    lambda does not, and is refused with a ``TypeError`` naming ``outcomes``
    (dask sends closures too). ``timelines=True`` returns each campaign's
    ``Timeline`` instead; a timeline holds its run in memory and cannot leave
    its process, so that needs ``executor=None`` or a ``ThreadPoolExecutor``.

    A campaign that cannot be validated or planned raises ``CampaignError``
    naming its place in the list, its name and its id; with several, the first
    in the list.
    """
    items = [_checked(index, item) for index, item in enumerate(campaigns)]
    check_now(now)  # a bad instant is the caller's, not one campaign's
    plans_here = executor is None or isinstance(executor, ThreadPoolExecutor)
    if not plans_here:
        if timelines:
            raise ValueError(
                "timelines=True: a Timeline keeps its run in the memory of the process that "
                "planned it and cannot be sent back from another; use executor=None or a "
                "ThreadPoolExecutor, or take the summaries (timelines=False)"
            )
        if isinstance(executor, ProcessPoolExecutor):
            # It pickles what it sends, and says so only when a result is asked for, in
            # words about a local object. (dask's cloudpickle takes closures too.)
            _check_pickles(outcomes)
        if isinstance(now, datetime):
            # Only the instant matters to a summary, and a zone loaded from a file (such
            # as scheduler.tz.load_zone's) does not pickle.
            now = now.astimezone(UTC)
    # Campaigns go as they are given. A pickled Campaign costs its sender more than its
    # JSON text would (0.8 ms against 0.5 ms for 10,000 numbers; 35 ms against 6 ms for
    # 10,000 customer objects) and its worker less than validating that text again
    # (0.7 ms against 5 ms; 38 ms against 68 ms, next to 150-250 ms of planning): no
    # more work in all, less in the workers, and the sender keeps ahead of a handful.
    work = _timelines if timelines else _summaries
    if executor is None:
        parts: list[list[Any]] = [work(0, items, now, outcomes)]
    else:
        parts = _gather(
            [executor.submit(work, first, chunk, now, outcomes) for first, chunk in _chunks(items)]
        )
    results = [result for part in parts for result in part]
    if timelines:
        return results
    return [_summary_from(wire) for wire in results]


def _checked(index: int, item: object) -> CampaignInput:
    if isinstance(item, Campaign | str | bytes | dict):
        return item
    if isinstance(item, Mapping):
        return dict(item)
    raise TypeError(
        f"campaigns[{index}]: expected a Campaign, a dict or the JSON text of a spec, "
        f"got {type(item).__name__}"
    )


def _check_pickles(outcomes: OutcomeSource | None) -> None:
    try:
        pickle.dumps(outcomes)
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        raise TypeError(
            f"outcomes: a ProcessPoolExecutor's workers cannot receive it, it does not pickle "
            f"({error}); the sources of scheduler.outcomes, module-level functions and "
            "picklable callable objects do, closures and lambdas do not; or plan with "
            "executor=None, a ThreadPoolExecutor or a dask client.get_executor()"
        ) from error


def _chunks(items: Sequence[CampaignInput]) -> list[tuple[int, list[CampaignInput]]]:
    """Consecutive runs of campaigns of about ``_CHUNK_CUSTOMERS`` customers each, with the
    index of each run's first campaign."""
    chunks: list[tuple[int, list[CampaignInput]]] = []
    chunk: list[CampaignInput] = []
    first = weight = 0
    for index, item in enumerate(items):
        chunk.append(item)
        weight += _customers(item) + _CAMPAIGN_COST
        if weight >= _CHUNK_CUSTOMERS:
            chunks.append((first, chunk))
            first, chunk, weight = index + 1, [], 0
    if chunk:
        chunks.append((first, chunk))
    return chunks


def _customers(item: CampaignInput) -> int:
    """About how many customers a campaign has, without validating it."""
    if isinstance(item, Campaign):
        return len(item.customers) + len(item.phone_list)
    if isinstance(item, str):
        return item.count("+")  # every E.164 number starts with one
    if isinstance(item, bytes):
        return item.count(b"+")
    return sum(
        len(value)
        for key in ("customers", "phoneList", "phone_list")
        if isinstance(value := item.get(key), list | tuple)
    )


def _gather(futures: list[Future[_T]]) -> list[_T]:
    """Each future's result, in order; on the first error, the rest are cancelled."""
    try:
        return [future.result() for future in futures]
    finally:
        for future in futures:
            future.cancel()


def _plan_one(
    index: int, item: CampaignInput, now: datetime | str, outcomes: OutcomeSource | None
) -> Timeline:
    campaign = None
    try:
        campaign = _campaign(item)
        return plan(campaign, now=now, outcomes=outcomes)
    except ValueError as error:
        raise CampaignError(index, _label(campaign or item), _message(error)) from error
    except Exception as error:
        error.add_note(f"while planning campaign {index} ({_label(campaign or item)})")
        raise


def _campaign(item: CampaignInput) -> Campaign:
    if isinstance(item, Campaign):
        return item
    if isinstance(item, str | bytes):
        return Campaign.model_validate_json(item)
    return Campaign.model_validate(item)


def _label(item: CampaignInput) -> str:
    """``'Q1 Customer Outreach', id 'cmp_42'``: a campaign's name and id, as far as given."""
    name: object
    id_: object
    if isinstance(item, Campaign):
        name, id_ = item.name, item.id
    else:
        body: Any = item
        if isinstance(item, str | bytes):
            try:
                body = json.loads(item)
            except ValueError:
                return "not JSON"
        if not isinstance(body, dict):
            return f"a JSON {type(body).__name__}, not an object"
        name, id_ = body.get("name"), body.get("id")
    label = repr(name) if isinstance(name, str) else "no name"
    return f"{label}, id {id_!r}" if isinstance(id_, str) else label


def _message(error: ValueError) -> str:
    if not isinstance(error, ValidationError):
        return str(error)
    problems = []
    for item in error.errors(include_url=False):
        where = field_path(item["loc"])
        text = item["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {text}" if where else text)
    return "invalid campaign spec: " + "; ".join(problems)


def _timelines(
    first: int, items: Sequence[CampaignInput], now: datetime | str, outcomes: OutcomeSource | None
) -> list[Timeline]:
    return [_plan_one(first + k, item, now, outcomes) for k, item in enumerate(items)]


def _summaries(
    first: int, items: Sequence[CampaignInput], now: datetime | str, outcomes: OutcomeSource | None
) -> list[tuple[Any, ...]]:
    return [
        _summary_wire(_plan_one(first + k, item, now, outcomes).summary())
        for k, item in enumerate(items)
    ]


_FIELDS = tuple(field.name for field in fields(Summary))


def _summary_wire(summary: Summary) -> tuple[Any, ...]:
    # A zone read from the tzdata package's file does not pickle (zoneinfo refuses
    # ZoneInfo.from_file); its key does, and load_zone gives back the very same object.
    return tuple(summary.zone.key if name == "zone" else getattr(summary, name) for name in _FIELDS)


def _summary_from(wire: tuple[Any, ...]) -> Summary:
    values = dict(zip(_FIELDS, wire, strict=True))
    values["zone"] = load_zone(values["zone"])
    return Summary(**values)


@dataclass(frozen=True, slots=True)
class Fit:
    """Whether a campaign gets through its list before it ends (``fits``), and in words
    why or why not (``why``); ``str()`` gives ``fits: ...`` or ``does not fit: ...``."""

    fits: bool
    why: str

    def __str__(self) -> str:
        return f"{'fits' if self.fits else 'does not fit'}: {self.why}"


def fit(campaign: Campaign, summary: Summary) -> Fit:
    """Whether ``campaign`` fits its days, from the ``summary`` of its plan.

    It fits when calls start and no customer expires: every customer gets
    every attempt the outcomes call for before the campaign ends. ``why``
    tells customers never called (their first call found no instant) from
    customers whose retries found none, names the customers each calling rule
    left uncallable, and puts the last call's start against ``endDate`` (on
    the campaign's clock).
    """
    customers, attempts, expired = summary.customers, summary.attempts, summary.expired
    never, cut = summary.never_called, summary.expired - summary.never_called
    fits = expired == 0 and (attempts > 0 or customers == 0)
    of = f"of {_count(customers, 'customer')}"
    if customers == 0:
        clauses = ["no customers to call"]
    elif fits:
        clauses = [f"{_count(customers, 'customer')}, {_count(attempts, 'attempt')}"]
    elif attempts == 0:
        clauses = [f"no call can start; {never:,} {of} never called"]
    else:
        started = f"{_count(attempts, 'attempt')} {'starts' if attempts == 1 else 'start'}"
        lost = []
        if never:
            lost.append(f"{never:,} {of} {'is' if never == 1 else 'are'} never called")
        if cut:
            more = " more" if never else f" {of}"
            lost.append(f"{cut:,}{more} {'loses' if cut == 1 else 'lose'} retries")
        clauses = [f"{', '.join(lost)} before the campaign ends ({started})"]
    clauses += [
        f"rule {name} leaves {_count(count.uncallable, 'customer')} uncallable"
        for name, count in summary.rules.items()
        if count.uncallable
    ]
    end = campaign.end_date
    if summary.last_call is not None:
        last = summary.last_call.astimezone(summary.zone)
        text = f"the last call starts {last:%a %Y-%m-%d %H:%M %Z}"
        if end is None:
            text += ", no endDate"
        else:
            days = (end - last.date()).days
            if days == 0:
                text += f", on endDate {end.isoformat()}"
            elif days > 0:
                text += f", {_count(days, 'day')} before endDate {end.isoformat()}"
            else:
                text += f", {_count(-days, 'day')} after endDate {end.isoformat()}"
        clauses.append(text)
    elif end is not None and customers:
        clauses.append(f"endDate {end.isoformat()}")
    return Fit(fits, "; ".join(clauses))


def _count(n: int, thing: str) -> str:
    """``1 customer``, ``1,600 customers``."""
    return f"{n:,} {thing}" if n == 1 else f"{n:,} {thing}s"
