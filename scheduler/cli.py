"""The command line: ``scheduler preview``, ``scheduler validate``, ``scheduler schema``.

Thin on purpose: parse the arguments, call the library, print. Every bad
input ends in one message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import importlib.resources
import io
import json
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from scheduler import outcomes as outcome_sources
from scheduler.audit import AuditError, audit
from scheduler.export import write_rows
from scheduler.fleet import CampaignError, fit, plan_many
from scheduler.plan import Timeline, plan
from scheduler.reasons import no_window_cause
from scheduler.retry import UnknownOutcome, check_outcome
from scheduler.spec import Campaign, field_path
from scheduler.times import check_now, iso_utc

__all__ = ["main"]

EXAMPLE = "q1-customer-outreach.json"
EXIT_INPUT = 2


class InputError(Exception):
    """Bad input from the user: the message is all they need to see."""


def _fail(message: str) -> NoReturn:
    raise InputError(message)


def _read_json(path: str, what: str) -> Any:
    """The JSON in file ``path`` (``-``: standard input)."""
    name = "standard input" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        _fail(f"cannot read {what} {path!r}: {error.strerror or error}")
    except UnicodeDecodeError:
        _fail(f"cannot read {what} {path!r}: it is not UTF-8 text")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        _fail(f"{name}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}")
    except RecursionError:
        _fail(f"{name}: the JSON is nested too deeply to be a campaign spec")


def _unwrap(body: Any, source: str) -> Any:
    """Accept the API's whole response too: ``{"data": {"result": {"campaign": {...}}}}``."""
    if isinstance(body, dict) and "name" not in body and "data" in body:
        data = body["data"]
        result = data.get("result") if isinstance(data, dict) else None
        campaign = result.get("campaign") if isinstance(result, dict) else None
        if not isinstance(campaign, dict):
            _fail(f"{source}: an API response without data.result.campaign; nothing to plan")
        return campaign
    return body


def _format_errors(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        given = item.get("input")
        plain = isinstance(given, str | int | float | bool) or given is None
        shown = f" (given: {json.dumps(given)})" if plain else ""
        lines.append(f"{field_path(item['loc']) or '(campaign)'}: {message}{shown}")
    return lines


def load_campaign(path: str | None) -> tuple[Campaign, str]:
    """The campaign in ``path``, or the embedded example when ``path`` is None."""
    if path is None:
        ref = importlib.resources.files("scheduler").joinpath("examples", EXAMPLE)
        body, source = json.loads(ref.read_text(encoding="utf-8")), f"embedded example {EXAMPLE}"
    else:
        source = "standard input" if path == "-" else path
        body = _unwrap(_read_json(path, "campaign spec"), source)
    if not isinstance(body, dict):
        _fail(f"{source}: a campaign spec is a JSON object, got {type(body).__name__}")
    try:
        return Campaign.model_validate(body), source
    except ValidationError as error:
        errors = _format_errors(error)
        count = f"{len(errors)} error" + ("s" if len(errors) != 1 else "")
        _fail(f"{source}: invalid campaign spec ({count}):\n  " + "\n  ".join(errors))


def _parse_now(text: str | None) -> datetime:
    if text is None:
        # The command line is the one place that reads the clock; the library never does.
        return datetime.now(UTC).replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"--now: expected an ISO 8601 instant such as 2026-03-09T13:00:00Z, got {text!r}")
    if value.tzinfo is None:
        _fail(
            f"--now: give a UTC offset or Z (such as 2026-03-09T13:00:00Z); got the naive {text!r}"
        )
    return value


def _script_row(row: Any, where: str) -> tuple[str, int]:
    if not isinstance(row, list) or len(row) != 2:
        _fail(f'{where}: expected [outcome, seconds], such as ["Busy", 20], got {json.dumps(row)}')
    return row[0], row[1]


def _outcome_source(args: argparse.Namespace) -> outcome_sources.OutcomeSource:
    if args.outcomes == "always":
        try:
            check_outcome(args.outcome, "--outcome")
        except ValueError as error:
            _fail(str(error))
        try:
            return outcome_sources.always(args.outcome, args.call_seconds)
        except ValueError as error:
            _fail(f"--call-seconds: {str(error).removeprefix('seconds: ')}")
    if args.outcomes == "random":
        try:
            return outcome_sources.random(args.seed, answer_rate=args.answer_rate)
        except ValueError as error:
            _fail(f"--answer-rate: {str(error).removeprefix('answer_rate: ')}")
    path = args.outcomes
    scripts = _read_json(path, "outcome script")
    if not isinstance(scripts, dict):
        _fail(f"{path}: expected an object {{phone: [[outcome, seconds], ...]}}")
    fallback = None
    rows: dict[str, list[tuple[str, int]]] = {}
    for phone, script in scripts.items():
        if phone == "default":
            outcome, seconds = _script_row(script, f"{path}: default")
            try:
                fallback = outcome_sources.always(outcome, seconds)
            except ValueError as error:
                _fail(f"{path}: default: {error}")
            continue
        if not isinstance(script, list):
            _fail(
                f"{path}: {phone}: expected a list of [outcome, seconds], got {json.dumps(script)}"
            )
        rows[phone] = [_script_row(row, f"{path}: {phone}[{i}]") for i, row in enumerate(script)]
    try:
        return outcome_sources.scripted(rows, fallback)
    except ValueError as error:
        _fail(f"{path}: {error}")


def _progress() -> tuple[Callable[[int], None], Callable[[], None]]:
    """A progress display on stderr that appears only when planning takes more than a moment."""
    if not sys.stderr.isatty():
        return (lambda _count: None), (lambda: None)
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    began = time.monotonic()
    bar = Progress(
        SpinnerColumn(),
        TextColumn("planning: {task.completed:,} attempts"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("plan", total=None)
    shown = False

    def update(count: int) -> None:
        nonlocal shown
        if not shown and time.monotonic() - began > 0.5:
            bar.start()
            shown = True
        bar.update(task, completed=count)

    def stop() -> None:
        if shown:
            bar.stop()

    return update, stop


def _as_json(timeline: Timeline, limit: int | None) -> str:
    attempts = timeline.attempts if limit is None else timeline.attempts[:limit]
    payload = {
        "campaign": timeline.campaign.name,
        "timezone": timeline.campaign.timezone,
        "now": iso_utc(timeline.now.astimezone(UTC)),
        "tzdataVersion": timeline.tzdata_version,
        "versions": timeline.versions,
        "warnings": list(timeline.warnings),
        "summary": timeline.summary().as_dict(),
        "attempts": [a.as_dict() for a in attempts],
        "expired": [e.as_dict() for e in timeline.expired],
        "finalStates": timeline.final_states,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _clocks_text(zones: tuple[str, ...], region: str | None) -> str:
    """``America/Denver + 1 more, US-SD``: a customer's clocks and region, short."""
    text = zones[0] if len(zones) == 1 else f"{zones[0]} + {len(zones) - 1} more"
    return f"{text}, {region or 'region unknown'}"


def _width() -> int | None:
    """The terminal's width, or None when the output is piped (plain lines, no wrapping)."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((100, 24)).columns


def attempt_lines(timeline: Timeline, limit: int | None, width: int | None) -> list[str]:
    """The attempts as text for a terminal ``width`` columns wide (None: piped).

    Piped, each attempt is one unpadded line, fields two spaces apart. On a
    terminal, the columns are aligned; the reason goes on its own indented
    line below narrower than 160 columns, and the UTC start is left out below
    100 columns; long reasons wrap under themselves.
    """
    shown = timeline.attempts if limit is None else timeline.attempts[:limit]
    own = any(
        a.callee is not None
        and (a.callee.zones != (timeline.campaign.timezone,) or a.callee.region is not None)
        for a in shown
    )
    lines: list[str] = []
    if width is not None and shown:
        header = f"{'#':>5} {'phone':<16} {'try':>2} {'local start':<22}"
        if width >= 100:
            header += f" {'UTC start':<15}"
        header += " outcome"
        lines.append(header if width < 160 else f"{header:<{len(header) + 14}}  why then")
    for i, a in enumerate(shown, 1):
        local = a.local_start.strftime("%a %m-%d %H:%M:%S %Z")
        utc = a.start.strftime("%m-%d %H:%M:%SZ")
        where = ""
        if own and a.callee is not None:
            where = _clocks_text(a.callee.zones, a.callee.region)
        if width is None:
            fields = [str(i), a.phone, str(a.number), local, utc, a.outcome]
            lines.append("  ".join([*fields, *([where] if own else []), a.reason]))
            continue
        cells = [f"{i:>5}", f"{a.phone:<16}", f"{a.number:>2}", f"{local:<22}"]
        if width >= 100:
            cells.append(f"{utc:<15}")
        cells.append(a.outcome)
        head = " ".join(cells)
        if width >= 160:
            indent = len(head) + 2 - len(a.outcome) + 21
            text = textwrap.wrap(a.reason, max(width - indent, 30)) or [""]
            lines.append(f"{head:<{indent - 2}}  {text[0]}")
            lines += [" " * indent + rest for rest in text[1:]]
        else:
            lines.append(head)
            lines += textwrap.wrap(
                a.reason, width - 1, initial_indent=" " * 9, subsequent_indent=" " * 11
            )
        if own and where:
            lines.append(" " * 9 + where)
    return lines


def _fact_lines(timeline: Timeline, width: int | None) -> list[str]:
    summary = timeline.summary()
    facts: list[tuple[str, str]] = [
        ("customers", f"{summary.customers:,}"),
        ("attempts", f"{summary.attempts:,}"),
    ]
    zone = summary.zone
    if summary.first_call and summary.last_call:
        facts.append(("first call", summary.first_call.astimezone(zone).strftime(_LONG)))
        facts.append(("last call", summary.last_call.astimezone(zone).strftime(_LONG)))
    if len(summary.calls_per_day) > 31:
        weeks: dict[date, int] = {}
        for day, calls in summary.calls_per_day.items():
            monday = day - timedelta(days=day.weekday())
            weeks[monday] = weeks.get(monday, 0) + calls
        facts.append(("calls per week", ", ".join(f"{d:%m-%d} {n:,}" for d, n in weeks.items())))
    else:
        facts.append(
            (
                "calls per day",
                ", ".join(f"{d:%a %m-%d} {n:,}" for d, n in summary.calls_per_day.items())
                or "none",
            )
        )
    facts.append(("reached last attempt", f"{summary.reached_last_attempt:,}"))
    facts.append(("expired", f"{summary.expired:,}"))
    if summary.busiest_hour:
        hour, calls = summary.busiest_hour
        local = hour.astimezone(zone)
        facts.append(("busiest hour", f"{local:%a %Y-%m-%d %H:00 %Z} ({calls:,} calls)"))
    facts.append(
        ("outcomes", ", ".join(f"{k} {v:,}" for k, v in summary.outcomes.items()) or "none")
    )
    for name, count in summary.rules.items():
        facts.append(
            (
                f"rule {name}",
                f"moved {count.moved:,} attempts, left {count.uncallable:,} customers uncallable",
            )
        )
    if timeline.campaign.calling_rules or timeline.campaign.recipient_local_time:
        facts.append(
            ("data", ", ".join(f"{name} {version}" for name, version in timeline.versions.items()))
        )
    label = max(len(name) for name, _ in facts) + 2
    lines = []
    for name, value in facts:
        if width is None:
            lines.append(f"{name:<{label}}{value}")
            continue
        wrapped = textwrap.wrap(value, max(width - label - 1, 20)) or [""]
        lines.append(f"{name:<{label}}{wrapped[0]}")
        lines += [" " * label + rest for rest in wrapped[1:]]
    return lines


_LONG = "%a %Y-%m-%d %H:%M %Z"


def _print_table(timeline: Timeline, limit: int | None, source: str) -> None:
    width = _width()
    out: list[str] = [
        f"{timeline.campaign.name} ({source}) in {timeline.campaign.timezone}, "
        f"planned from {iso_utc(timeline.now.astimezone(UTC))}, tzdata {timeline.tzdata_version}"
    ]
    out += attempt_lines(timeline, limit, width)
    hidden = len(timeline.attempts) - min(len(timeline.attempts), limit or len(timeline.attempts))
    if hidden:
        out.append(f"... {hidden:,} more attempts (--limit 0 shows all; --format json or csv)")
    if timeline.expired:
        out.append(f"expired ({len(timeline.expired):,}):")
        shown = timeline.expired[: limit or None]
        for e in shown:
            text = f"{e.phone}  attempt {e.number}: {e.reason}"
            if width is None:
                out.append(text)
            else:
                out += textwrap.wrap(text, width - 1, subsequent_indent=" " * 4)
        if len(shown) < len(timeline.expired):
            out.append(
                f"... {len(timeline.expired) - len(shown):,} more expired "
                "(--limit 0 shows all; --format json or csv)"
            )
    out += _fact_lines(timeline, width)
    out += [f"warning: {warning}" for warning in timeline.warnings]
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()


def _preview(args: argparse.Namespace) -> int:
    campaign, source = load_campaign(args.spec)
    _strict(campaign, args)
    now = _parse_now(args.now)
    outcomes = _outcome_source(args)
    if args.limit is not None and args.limit < 0:
        _fail(f"--limit: a number >= 0 (0 shows all), got {args.limit}")
    limit = args.limit if args.limit else None
    if args.limit is None and args.format == "table":
        limit = 40
    update, stop = _progress()
    try:
        if args.format in ("csv", "jsonl"):
            # Rows go out as they are planned: a million of them in flat memory.
            write_rows(
                sys.stdout,
                campaign,
                now=now,
                outcomes=outcomes,
                form=args.format,
                limit=limit,
                progress=update,
            )
            return 0
        timeline = plan(campaign, now=now, outcomes=outcomes, progress=update)
    except UnknownOutcome as error:
        _fail(f"--outcomes: {error}")
    except ValueError as error:
        _fail(f"cannot plan: {error}")
    finally:
        stop()
    if args.format == "json":
        print(_as_json(timeline, limit))
    else:
        _print_table(timeline, limit, source)
    return 0


def _strict(campaign: Campaign, args: argparse.Namespace) -> None:
    """With ``--strict``, a spec with warnings is refused like an invalid one."""
    if getattr(args, "strict", False) and campaign.warnings:
        count = len(campaign.warnings)
        _fail(
            f"--strict: {count} warning{'' if count == 1 else 's'}:\n  "
            + "\n  ".join(campaign.warnings)
        )


def _validate(args: argparse.Namespace) -> int:
    campaign, source = load_campaign(args.spec)
    now = _parse_now(args.now)
    never = no_window_cause(campaign.calendar(), campaign, check_now(now))
    if never is not None and args.strict:
        _fail(f"--strict: nothing can be called: {never}")
    _strict(campaign, args)
    for warning in campaign.warnings:
        print(f"warning: {warning}")
    if never is not None:
        print(f"warning: nothing can be called from {iso_utc(now)}: {never}")
    count = len(campaign.unique_phones())
    print(f"{source}: valid campaign spec ({count} customer{'' if count == 1 else 's'})")
    return 0


def _read_calls(path: str) -> list[dict[str, Any]]:
    """The rows of a call log: CSV with a ``phone,start,end,outcome`` header, or JSON Lines;
    ``-`` reads standard input."""
    try:
        # utf-8-sig: spreadsheets save CSV with a byte order mark.
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
        text = text.removeprefix("\ufeff")
    except OSError as error:
        _fail(f"cannot read call log {path!r}: {error.strerror or error}")
    except UnicodeDecodeError:
        _fail(f"cannot read call log {path!r}: it is not UTF-8 text")
    name = "standard input" if path == "-" else path
    stripped = text.lstrip()
    if stripped.startswith("{"):
        rows = []
        for line_number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                _fail(f"{name}: line {line_number} is not JSON: {error.msg}")
            if not isinstance(row, dict):
                _fail(f"{name}: line {line_number}: a call is a JSON object, got {row!r}")
            rows.append(row)
        return rows
    reader = csv.DictReader(io.StringIO(text))
    wanted = {"phone", "start", "end", "outcome"}
    missing = wanted - set(reader.fieldnames or ())
    if missing:
        _fail(
            f"{name}: a call log is CSV with the header phone,start,end,outcome (or JSON "
            f"Lines); missing {', '.join(sorted(missing))}"
        )
    return list(reader)


def _audit(args: argparse.Namespace) -> int:
    campaign, _ = load_campaign(args.spec)
    calls = _read_calls(args.calls)
    try:
        violations = audit(campaign, calls)
    except AuditError as error:
        _fail(f"{args.calls}: {error}")
    if args.format == "json":
        print(json.dumps([v.as_dict() for v in violations], indent=2, ensure_ascii=False))
    else:
        from rich.console import Console
        from rich.table import Table

        console = Console(markup=False) if sys.stdout.isatty() else Console(width=200, markup=False)
        if violations:
            table = Table(header_style="bold")
            for column in ("code", "phone", "try", "start", "rule", "what"):
                table.add_column(column, no_wrap=column != "what")
            for v in violations:
                table.add_row(
                    v.code, v.phone, str(v.number), iso_utc(v.start), v.rule or "", v.message
                )
            console.print(table)
        console.print(
            f"{len(calls):,} calls, {len(violations):,} violation"
            f"{'' if len(violations) == 1 else 's'}"
        )
    return 1 if violations else 0


def _plan_for(args: argparse.Namespace) -> Timeline:
    """The plan a ``report`` or ``ics`` command shows: the preview's options, its errors."""
    campaign, _ = load_campaign(args.spec)
    now = _parse_now(args.now)
    outcomes = _outcome_source(args)
    try:
        return plan(campaign, now=now, outcomes=outcomes)
    except ValueError as error:
        _fail(f"cannot plan: {error}")


def _report(args: argparse.Namespace) -> int:
    from scheduler.report import render

    timeline = _plan_for(args)
    try:
        Path(args.output).write_text(render(timeline), encoding="utf-8")
    except OSError as error:
        _fail(f"-o: cannot write {args.output!r}: {error.strerror or error}")
    print(f"{args.output}: the report of {len(timeline.attempts):,} attempts")
    return 0


def _ics(args: argparse.Namespace) -> int:
    from scheduler.ics import calendar_file

    timeline = _plan_for(args)
    start = timeline.now
    last = timeline.attempts[-1].end if timeline.attempts else start
    days = max(args.days, 1)
    end = max(last, start + timedelta(days=days)) if args.attempts else start + timedelta(days=days)
    data = calendar_file(
        timeline.campaign,
        start=start,
        end=end,
        timeline=timeline if args.attempts else None,
    )
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            Path(args.output).write_bytes(data)
        except OSError as error:
            _fail(f"-o: cannot write {args.output!r}: {error.strerror or error}")
    return 0


def _capacity(args: argparse.Namespace) -> int:
    if args.workers < 1:
        _fail(f"--workers: a number of processes >= 1, got {args.workers}")
    if args.dask is not None and args.workers != 1:
        _fail("--workers and --dask: give one; with --dask the cluster's workers plan")
    if args.spec.count("-") > 1:
        _fail("standard input (-) can be read once; give - at most once")
    loaded = [load_campaign(path) for path in args.spec]
    now = _parse_now(args.now)
    with ExitStack() as stack:
        executor = _executor(args, stack)
        try:
            summaries = plan_many([campaign for campaign, _ in loaded], now=now, executor=executor)
        except CampaignError as error:
            _fail(f"{loaded[error.index][1]}: cannot plan: {error.message}")
    width = _width()
    out: list[str] = []
    fitting = 0
    for (campaign, source), summary in zip(loaded, summaries, strict=True):
        result = fit(campaign, summary)
        fitting += result.fits
        line = f"{source} ({campaign.name}): {result}"
        if width is None:
            out.append(line)
        else:
            out += textwrap.wrap(line, width - 1, subsequent_indent=" " * 4)
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()
    return 0 if fitting == len(loaded) else 1


def _executor(args: argparse.Namespace, stack: ExitStack) -> Executor | None:
    """Where ``capacity`` plans: a dask cluster, N processes, or here (None)."""
    if args.dask is not None:
        try:
            from dask.distributed import Client
        except ImportError:
            _fail("--dask: dask.distributed is not installed; pip install 'scheduler[dask]'")
        try:
            client = Client(args.dask, set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, ValueError) as error:
            _fail(f"--dask: cannot reach a dask scheduler at {args.dask!r}: {error}")
        stack.enter_context(client)
        executor: Executor = client.get_executor()  # type: ignore[no-untyped-call]
        return executor
    if args.workers > 1:
        return stack.enter_context(ProcessPoolExecutor(args.workers))
    return None


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(Campaign.model_json_schema(by_alias=True), indent=2))
    return 0


def _plan_options(command: argparse.ArgumentParser) -> None:
    """The options that say how a plan is made: its instant and its outcomes."""
    command.add_argument(
        "--now", help="plan from this instant, ISO 8601 with offset (default: now)"
    )
    command.add_argument(
        "--outcomes",
        default="always",
        help="'always' (default), 'random', or a JSON file "
        '{phone: [[outcome, seconds], ...], "default": [outcome, seconds]}',
    )
    command.add_argument("--outcome", default="No Answer", help="the outcome of 'always'")
    command.add_argument("--call-seconds", type=int, default=30, help="call length of 'always'")
    command.add_argument("--seed", type=int, default=0, help="seed of 'random'")
    command.add_argument("--answer-rate", type=float, default=0.3, help="answer rate of 'random'")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scheduler",
        description="When exactly will each person of a call campaign be called, and why then.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    preview = commands.add_parser("preview", help="plan a campaign and show every call attempt")
    preview.add_argument(
        "spec", nargs="?", help="campaign JSON, - for stdin (default: an embedded example)"
    )
    preview.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _plan_options(preview)
    preview.add_argument(
        "--format",
        choices=("table", "json", "csv", "jsonl"),
        default="table",
        help="csv and jsonl stream every row as it is planned",
    )
    preview.add_argument("--limit", type=int, help="show at most N attempts (0: all; table: 40)")
    preview.set_defaults(run=_preview)

    validate = commands.add_parser("validate", help="check a campaign spec, list every error")
    validate.add_argument("spec", help="campaign JSON, - for stdin")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    validate.add_argument("--now", help="check from this instant, ISO 8601 (default: now)")
    validate.set_defaults(run=_validate)

    audit_command = commands.add_parser(
        "audit", help="check a call log (CSV or JSON Lines) against a campaign's rules"
    )
    audit_command.add_argument("spec", help="campaign JSON")
    audit_command.add_argument(
        "calls",
        help="call log: CSV with header phone,start,end,outcome, or JSON Lines; - for stdin",
    )
    audit_command.add_argument("--format", choices=("table", "json"), default="table")
    audit_command.set_defaults(run=_audit)

    report = commands.add_parser(
        "report", help="write one self-contained HTML page of a campaign's plan"
    )
    report.add_argument("spec", nargs="?", help="campaign JSON, - for stdin (default: example)")
    report.add_argument("-o", "--output", default="report.html", help="the HTML file to write")
    _plan_options(report)
    report.set_defaults(run=_report)

    ics = commands.add_parser("ics", help="write the calling windows as an iCalendar file")
    ics.add_argument("spec", nargs="?", help="campaign JSON, - for stdin (default: example)")
    ics.add_argument("-o", "--output", help="the .ics file to write (default: standard output)")
    ics.add_argument("--attempts", action="store_true", help="also each planned call, as an event")
    ics.add_argument(
        "--days", type=int, default=28, help="how many days of windows from --now (default 28)"
    )
    _plan_options(ics)
    ics.set_defaults(run=_ics)

    capacity = commands.add_parser(
        "capacity",
        help="plan many campaigns and say whether each gets through its list in time",
        description="Plan each campaign (every call a 30 s No Answer: the most calls it can "
        "make) and print one line per campaign: whether it fits (calls start and no customer "
        "expires before endDate), and if not, why. Exit status: 0 when every campaign fits, "
        "1 when one or more do not, 2 on bad input.",
    )
    capacity.add_argument("spec", nargs="+", help="campaign JSON files; - for stdin (once)")
    capacity.add_argument(
        "--now", help="plan from this instant, ISO 8601 with offset (default: now)"
    )
    capacity.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="plan in N processes (default 1: in this one)",
    )
    capacity.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="plan on the dask.distributed cluster at ADDRESS, such as tcp://10.0.0.5:8786 "
        "(pip install 'scheduler[dask]')",
    )
    capacity.set_defaults(run=_capacity)

    schema = commands.add_parser("schema", help="print the JSON Schema of the campaign spec")
    schema.set_defaults(run=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except InputError as error:
        print(f"scheduler: {error}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())
