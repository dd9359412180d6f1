"""Outcome sources: how each previewed attempt ends, and how long the call lasts.

the README's Semantics: the outcome of an attempt is an input to the preview.
``always`` fails every call the same way, ``scripted`` follows a list per
phone and falls back to a default, ``random`` is a seeded model that gives
the same answer for the same seed, phone and attempt, whatever the order in
which it is asked.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from scheduler import Campaign, outcomes, plan
from scheduler.retry import UnknownOutcome
from scheduler.spec import FAILURE_OUTCOMES, OUTCOMES

A = "+14155550001"
B = "+14155550002"
C = "+14155550003"

# Enough (phone, attempt) pairs that a seeded model shows its mix.
DRAWS = [(f"+1415555{n:04d}", number) for n in range(100) for number in range(1, 5)]


def assert_names_unknown(error: pytest.ExceptionInfo[ValueError], given: str) -> None:
    """The error names the bad outcome and lists what is allowed, spelled exactly."""
    message = str(error.value)
    assert repr(given) in message
    assert "allowed" in message
    for allowed in OUTCOMES:
        assert allowed in message
    assert isinstance(error.value, UnknownOutcome)


# -- always ---------------------------------------------------------------------


def test_always_defaults_to_a_30_second_no_answer_for_every_attempt() -> None:
    source = outcomes.always()
    assert source(A, 1) == ("No Answer", 30)
    assert source(B, 7) == ("No Answer", 30)


def test_always_gives_the_outcome_and_length_it_was_told() -> None:
    source = outcomes.always("Busy", 5)
    assert [source(phone, n) for phone in (A, B) for n in (1, 2, 3)] == [("Busy", 5)] * 6


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_always_accepts_every_outcome_of_the_vocabulary(outcome: str) -> None:
    assert outcomes.always(outcome, 1)(A, 1) == (outcome, 1)


@pytest.mark.parametrize(
    "given",
    ["no answer", "Voicemail", "NO_ANSWER", "answered", "", "success "],
    ids=["lowercase", "capitalised", "enum_style", "made_up", "empty", "trailing_space"],
)
def test_always_rejects_an_unknown_outcome_naming_it(given: str) -> None:
    with pytest.raises(ValueError) as error:
        outcomes.always(given)
    assert_names_unknown(error, given)


@pytest.mark.parametrize("seconds", [0, -1, 1.5, True], ids=["zero", "negative", "float", "bool"])
def test_always_rejects_a_call_shorter_than_a_whole_second(seconds: Any) -> None:
    with pytest.raises(ValueError, match="seconds >= 1"):
        outcomes.always("Busy", seconds)


def test_always_accepts_a_one_second_call() -> None:
    assert outcomes.always("Busy", 1)(A, 1) == ("Busy", 1)


def test_constant_result_knows_an_always_source_and_no_other() -> None:
    assert outcomes.constant_result(outcomes.always("Busy", 5)) == ("Busy", 5)
    assert outcomes.constant_result(outcomes.scripted({})) is None
    assert outcomes.constant_result(lambda phone, number: ("Busy", 5)) is None


# -- scripted -------------------------------------------------------------------


def test_scripted_plays_the_script_then_the_default_past_its_end() -> None:
    source = outcomes.scripted(
        {A: [("Busy", 5), ("voicemail", 40), ("success", 120)]},
        default=outcomes.always("Unreachable", 3),
    )
    assert [source(A, n) for n in (1, 2, 3, 4, 5)] == [
        ("Busy", 5),
        ("voicemail", 40),
        ("success", 120),
        ("Unreachable", 3),
        ("Unreachable", 3),
    ]


def test_scripted_answers_an_unlisted_phone_with_the_default() -> None:
    source = outcomes.scripted({A: [("success", 60)]}, default=outcomes.always("Busy", 9))
    assert source(B, 1) == ("Busy", 9)
    assert source(B, 2) == ("Busy", 9)


def test_scripted_default_is_always_a_30_second_no_answer() -> None:
    source = outcomes.scripted({A: [("success", 60)]})
    assert source(A, 1) == ("success", 60)
    assert source(A, 2) == ("No Answer", 30)
    assert source(B, 1) == ("No Answer", 30)


def test_scripted_empty_script_uses_the_default_from_the_first_attempt() -> None:
    source = outcomes.scripted({A: []}, default=outcomes.always("Timeout", 11))
    assert source(A, 1) == ("Timeout", 11)


def test_scripted_can_default_to_another_source() -> None:
    model = outcomes.random(3)
    source = outcomes.scripted({A: [("Busy", 5)]}, default=model)
    assert source(A, 1) == ("Busy", 5)
    assert source(A, 2) == model(A, 2)
    assert source(B, 1) == model(B, 1)


def test_scripted_accepts_rows_as_lists() -> None:
    source = outcomes.scripted({A: [["Busy", 5]]})  # type: ignore[list-item]
    assert source(A, 1) == ("Busy", 5)


def test_scripted_is_not_changed_by_editing_the_script_afterwards() -> None:
    script = [("Busy", 5)]
    source = outcomes.scripted({A: script})
    script[0] = ("success", 99)
    script.append(("success", 99))
    assert source(A, 1) == ("Busy", 5)
    assert source(A, 2) == ("No Answer", 30)


@pytest.mark.parametrize("given", ["Voicemail", "no answer", "SUCCESS"])
def test_scripted_rejects_an_unknown_outcome_naming_it_and_where(given: str) -> None:
    with pytest.raises(ValueError) as error:
        outcomes.scripted({A: [("Busy", 5), (given, 10)]})
    assert_names_unknown(error, given)
    assert f"scripts[{A!r}][1]" in str(error.value)


@pytest.mark.parametrize("seconds", [0, -5, 2.5, False], ids=["zero", "negative", "float", "bool"])
def test_scripted_rejects_a_call_shorter_than_a_whole_second(seconds: Any) -> None:
    with pytest.raises(ValueError, match="seconds >= 1") as error:
        outcomes.scripted({A: [("Busy", seconds)]})
    assert f"scripts[{A!r}][0]" in str(error.value)


@pytest.mark.parametrize(
    "row", [("Busy",), ("Busy", 5, 6), "Busy"], ids=["one_item", "three_items", "bare_string"]
)
def test_scripted_rejects_a_row_that_is_not_outcome_and_seconds(row: Any) -> None:
    with pytest.raises(ValueError, match=r"expected \(outcome, seconds\)"):
        outcomes.scripted({A: [row]})


# -- random ---------------------------------------------------------------------


def test_random_is_deterministic_for_a_seed() -> None:
    first = [outcomes.random(42)(phone, n) for phone, n in DRAWS]
    second = [outcomes.random(42)(phone, n) for phone, n in DRAWS]
    assert first == second


def test_random_does_not_depend_on_the_order_of_questions() -> None:
    source = outcomes.random(42)
    forward = {key: source(*key) for key in DRAWS}
    backward = {key: source(*key) for key in reversed(DRAWS)}
    assert forward == backward


def test_random_differs_across_seeds() -> None:
    one = [outcomes.random(1)(phone, n) for phone, n in DRAWS]
    two = [outcomes.random(2)(phone, n) for phone, n in DRAWS]
    assert one != two
    # Not just one draw: the seeds give different previews through and through.
    assert sum(a != b for a, b in zip(one, two, strict=True)) > len(DRAWS) // 4


def test_random_defaults_mix_answers_and_the_default_failures() -> None:
    source = outcomes.random(5)
    results = [source(phone, n) for phone, n in DRAWS]
    seen = Counter(outcome for outcome, _ in results)
    assert set(seen) == {"success", "No Answer", "Busy", "voicemail", "Unreachable"}
    # answer_rate 0.3 by default: 400 draws land well inside 20%-40%.
    assert 0.2 * len(DRAWS) < seen["success"] < 0.4 * len(DRAWS)
    for outcome, seconds in results:
        low, high = (60, 300) if outcome == "success" else (10, 45)
        assert low <= seconds <= high


def test_random_answer_rate_zero_never_answers() -> None:
    source = outcomes.random(9, answer_rate=0.0)
    assert all(source(phone, n)[0] != "success" for phone, n in DRAWS)


def test_random_answer_rate_one_always_answers() -> None:
    source = outcomes.random(9, answer_rate=1.0, answered_seconds=(61, 62))
    results = [source(phone, n) for phone, n in DRAWS]
    assert {outcome for outcome, _ in results} == {"success"}
    assert {seconds for _, seconds in results} == {61, 62}


def test_random_failure_mix_yields_only_the_given_outcomes() -> None:
    source = outcomes.random(
        11, answer_rate=0.0, failures={"Busy": 1.0, "Rejected": 3.0}, failed_seconds=(2, 4)
    )
    results = [source(phone, n) for phone, n in DRAWS]
    seen = Counter(outcome for outcome, _ in results)
    assert set(seen) == {"Busy", "Rejected"}
    assert seen["Rejected"] > seen["Busy"]  # weight 3 against 1
    assert {seconds for _, seconds in results} == {2, 3, 4}


def test_random_failure_mix_of_one_outcome() -> None:
    source = outcomes.random(0, answer_rate=0.5, failures={"api_error": 0.1})
    assert {source(phone, n)[0] for phone, n in DRAWS} == {"success", "api_error"}


def test_random_call_lengths_may_be_fixed() -> None:
    source = outcomes.random(4, answered_seconds=(90, 90), failed_seconds=(7, 7))
    for phone, n in DRAWS:
        outcome, seconds = source(phone, n)
        assert seconds == (90 if outcome == "success" else 7)


@pytest.mark.parametrize("given", ["Bogus", "busy", "no-answer"])
def test_random_rejects_an_unknown_failure_naming_it(given: str) -> None:
    with pytest.raises(ValueError) as error:
        outcomes.random(1, failures={"Busy": 1.0, given: 1.0})
    assert_names_unknown(error, given)


def test_random_rejects_success_as_a_failure() -> None:
    with pytest.raises(ValueError, match="answer_rate") as error:
        outcomes.random(1, failures={"success": 1.0})
    for failure in FAILURE_OUTCOMES:
        assert failure in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"failed_seconds": (0, 10)}, "failed_seconds"),
        ({"answered_seconds": (0, 10)}, "answered_seconds"),
        ({"answered_seconds": (30, 10)}, "low <= high"),
        ({"answer_rate": 1.5}, "answer_rate"),
        ({"answer_rate": -0.1}, "answer_rate"),
        ({"failures": {}}, "at least one"),
        ({"failures": {"Busy": 0.0}}, "weight"),
        ({"failures": {"Busy": -1.0}}, "weight"),
    ],
    ids=[
        "zero_second_failure",
        "zero_second_answer",
        "range_upside_down",
        "rate_above_one",
        "rate_below_zero",
        "no_failures",
        "zero_weight",
        "negative_weight",
    ],
)
def test_random_rejects_bad_parameters(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        outcomes.random(1, **kwargs)


@pytest.mark.parametrize("seed", ["1", 1.0, True, None], ids=["str", "float", "bool", "none"])
def test_random_seed_must_be_an_integer(seed: Any) -> None:
    with pytest.raises(ValueError, match="seed"):
        outcomes.random(seed)


# -- sources in a plan ----------------------------------------------------------

CAMPAIGN = Campaign.model_validate(
    {
        "name": "t",
        "timezone": "Europe/Prague",
        "startTime": "09:00",
        "endTime": "17:00",
        "callRetries": 3,
        "retryDelaySeconds": 600,
        "phoneList": [A, B, C],
    }
)
NOW = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # Monday 09:00 CEST


def test_plan_uses_the_outcome_and_length_the_source_gives() -> None:
    source = outcomes.scripted(
        {A: [("Busy", 5), ("success", 200)], B: [("Rejected", 17)]},
        default=outcomes.always("voicemail", 44),
    )
    timeline = plan(CAMPAIGN, now=NOW, outcomes=source)
    for attempt in timeline.attempts:
        outcome, seconds = source(attempt.phone, attempt.number)
        assert attempt.outcome == outcome
        assert attempt.end_ts - attempt.start_ts == seconds
    assert timeline.final_states == {A: "done", B: "done", C: "exhausted"}


@pytest.mark.parametrize(("outcome", "seconds"), [("No Answer", 30), ("Busy", 7), ("success", 90)])
def test_plan_with_always_equals_plan_with_the_same_answer_asked_per_attempt(
    outcome: str, seconds: int
) -> None:
    # An always() source is not called per attempt: the plan must not differ for it.
    def asked(phone: str, number: int) -> tuple[str, int]:
        return (outcome, seconds)

    fixed = plan(CAMPAIGN, now=NOW, outcomes=outcomes.always(outcome, seconds))
    called = plan(CAMPAIGN, now=NOW, outcomes=asked)
    assert [a.as_dict() for a in fixed.attempts] == [a.as_dict() for a in called.attempts]
    assert len(fixed.attempts) == (3 if outcome == "success" else 12)


def test_plan_with_a_random_source_is_the_same_for_the_same_seed() -> None:
    one = plan(CAMPAIGN, now=NOW, outcomes=outcomes.random(8))
    two = plan(CAMPAIGN, now=NOW, outcomes=outcomes.random(8))
    assert [a.as_dict() for a in one.attempts] == [a.as_dict() for a in two.attempts]


@pytest.mark.parametrize(
    ("result", "fragment"),
    [
        (("No answer", 30), "unknown outcome 'No answer'"),
        (("Busy", 0), "seconds >= 1"),
        (("Busy", -3), "seconds >= 1"),
        (("Busy", 2.0), "seconds >= 1"),
    ],
    ids=["unknown_outcome", "zero_seconds", "negative_seconds", "float_seconds"],
)
def test_plan_rejects_a_custom_source_that_breaks_the_rules(
    result: tuple[Any, Any], fragment: str
) -> None:
    def source(phone: str, number: int) -> tuple[str, int]:
        return result

    with pytest.raises(ValueError, match=fragment) as error:
        plan(CAMPAIGN, now=NOW, outcomes=source)
    assert f"{A} attempt 1" in str(error.value)
