"""A customer's zones and region, from the number or from the spec (the README's Semantics).

The zones of a geographic number are the ones ``phonenumbers`` gives (several
for some area codes); a toll-free number has none, so the campaign's zone
stands in. The region is the number's country and, for +1 numbers, the state
or province of the area code. A ``timezone`` or ``region`` given in the spec
wins over the number.
"""

from __future__ import annotations

import pytest

from scheduler.callee import Callee, callee, number_facts

RUSSIAN_MOBILE_ZONES = (
    "Asia/Almaty",
    "Asia/Anadyr",
    "Asia/Aqtobe",
    "Asia/Irkutsk",
    "Asia/Kamchatka",
    "Asia/Krasnoyarsk",
    "Asia/Magadan",
    "Asia/Novosibirsk",
    "Asia/Omsk",
    "Asia/Sakhalin",
    "Asia/Vladivostok",
    "Asia/Yakutsk",
    "Asia/Yekaterinburg",
    "Europe/Bucharest",
    "Europe/Moscow",
    "Europe/Samara",
)


@pytest.mark.parametrize(
    ("phone", "zones", "region"),
    [
        ("+14155550100", ("America/Los_Angeles",), "US-CA"),
        ("+18505550100", ("America/New_York",), "US-FL"),
        ("+18502345678", ("America/Chicago",), "US-FL"),
        ("+14165550100", ("America/Toronto",), "CA-ON"),
        ("+16052220100", ("America/Denver", "America/North_Dakota/Center"), "US-SD"),
        ("+16052345678", ("America/Chicago",), "US-SD"),
        ("+18015550100", ("America/Denver",), "US-UT"),
        ("+14355550100", ("America/Denver",), "US-UT"),
        ("+14055550100", ("America/Chicago",), "US-OK"),
        ("+13015550100", ("America/New_York",), "US-MD"),
        ("+14105550100", ("America/New_York",), "US-MD"),
        ("+12069876543", ("America/Los_Angeles",), "US-WA"),
        ("+19022345678", ("America/Halifax",), "CA"),
        ("+18005550100", (), "US"),
        ("+18885550100", (), "US"),
        ("+33123456789", ("Europe/Paris",), "FR"),
        ("+33612345678", ("Europe/Paris",), "FR"),
        ("+61212345678", ("Australia/Sydney",), "AU"),
        ("+79161234567", RUSSIAN_MOBILE_ZONES, "RU"),
        ("+442012345678", ("Europe/London",), "GB"),
        ("+493012345678", ("Europe/Berlin",), "DE"),
        ("+80012345678", (), None),
    ],
    ids=[
        "san_francisco",
        "florida_850_eastern",
        "florida_850_central",
        "toronto",
        "south_dakota_605_222_two_zones",
        "south_dakota_605_one_zone",
        "utah_801",
        "utah_435",
        "oklahoma_405",
        "maryland_301",
        "maryland_410",
        "seattle_city_named",
        "nova_scotia_or_pei_is_only_canada",
        "toll_free_800",
        "toll_free_888",
        "paris_fixed",
        "french_mobile",
        "sydney",
        "russian_mobile_sixteen_zones",
        "london",
        "berlin",
        "universal_freephone_no_country",
    ],
)
def test_number_facts(phone: str, zones: tuple[str, ...], region: str | None) -> None:
    assert number_facts(phone) == (zones, region)


def test_the_russian_mobile_range_is_on_sixteen_clocks() -> None:
    zones, region = number_facts("+79161234567")
    assert len(zones) == 16
    assert region == "RU"


def test_a_washington_state_number_is_in_us_wa() -> None:
    assert number_facts("+12062345678") == (("America/Los_Angeles",), "US-WA")


def test_a_257_number_is_in_british_columbia() -> None:
    assert number_facts("+12572004567") == (("America/Vancouver",), "CA-BC")


@pytest.mark.parametrize(
    ("phone", "timezone", "region", "expected"),
    [
        (
            "+14155550100",
            None,
            None,
            Callee(("America/Los_Angeles",), "US-CA", "number"),
        ),
        (
            "+14155550100",
            "America/New_York",
            None,
            Callee(("America/New_York",), "US-CA", "spec"),
        ),
        (
            "+14155550100",
            None,
            "US-FL",
            Callee(("America/Los_Angeles",), "US-FL", "number"),
        ),
        (
            "+14155550100",
            "Europe/Paris",
            "FR",
            Callee(("Europe/Paris",), "FR", "spec"),
        ),
        (
            "+16052220100",
            "America/Chicago",
            None,
            Callee(("America/Chicago",), "US-SD", "spec"),
        ),
        (
            "+18005550100",
            None,
            None,
            Callee(("Europe/Prague",), "US", "campaign"),
        ),
        (
            "+18005550100",
            None,
            "US-MD",
            Callee(("Europe/Prague",), "US-MD", "campaign"),
        ),
        (
            "+18005550100",
            "America/Denver",
            None,
            Callee(("America/Denver",), "US", "spec"),
        ),
        (
            "+80012345678",
            None,
            None,
            Callee(("Europe/Prague",), None, "campaign"),
        ),
    ],
    ids=[
        "number_alone",
        "spec_timezone_wins_region_from_number",
        "spec_region_wins_zones_from_number",
        "spec_timezone_and_region_win",
        "spec_timezone_replaces_two_zones",
        "toll_free_falls_back_to_campaign_zone",
        "toll_free_with_spec_region",
        "toll_free_with_spec_timezone",
        "unknown_country",
    ],
)
def test_callee_precedence(
    phone: str, timezone: str | None, region: str | None, expected: Callee
) -> None:
    assert callee(phone, timezone, region, "Europe/Prague") == expected
