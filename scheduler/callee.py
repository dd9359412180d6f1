"""A customer's zones and region: from the spec when given, else from the phone number.

The zones Z(c) are the customer's ``timezone`` if given; else the zones
``phonenumbers`` gives for a geographic number (fixed line, mobile, or
either), possibly several (+1 605 222: America/Denver and
America/North_Dakota/Center); else (toll-free, premium, unknown) the
campaign's zone, with a warning naming the customer. Several zones mean the
customer is called only when every one of those clocks allows it.

The region is the customer's ``region`` if given; else the number's
country, and for +1 numbers of the US and Canada the state or province,
read from the geocoder's description of the area code ("Florida",
"Pensacola, FL", "Ontario"); else unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from scheduler.tz import available_zones

__all__ = ["Callee", "callee", "number_facts"]

_US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Washington D.C.": "DC", "Washington DC": "DC", "Washington State": "WA",
    "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA",
    "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD",
    "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK",
    "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
    "Virginia": "VA", "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI",
    "Wyoming": "WY",
}  # fmt: skip
_CA_PROVINCES = {
    "Alberta": "AB", "British Columbia": "BC", "British Colombia": "BC", "Manitoba": "MB",
    "New Brunswick": "NB",
    "Newfoundland and Labrador": "NL", "Newfoundland": "NL", "Nova Scotia": "NS",
    "Northwest Territories": "NT", "Nunavut": "NU", "Ontario": "ON",
    "Prince Edward Island": "PE", "Quebec": "QC", "Québec": "QC", "Saskatchewan": "SK",
    "Yukon": "YT", "Yukon Territory": "YT",
}  # fmt: skip
_SUBDIVISIONS = {"US": _US_STATES, "CA": _CA_PROVINCES}


@dataclass(frozen=True, slots=True)
class Callee:
    """Where a customer is: the zones their clock may be on, and their region.

    ``zone_source`` says where the zones come from: ``"spec"`` (the
    customer's ``timezone``), ``"number"`` (the phone number) or
    ``"campaign"`` (no zone known: the campaign's).
    """

    zones: tuple[str, ...]
    region: str | None
    zone_source: str


def _subdivision(country: str, description: str) -> str | None:
    """``FL`` of ``"Florida"`` or ``"Pensacola, FL"`` for the US; ``ON`` of ``"Ontario"``."""
    names = _SUBDIVISIONS.get(country)
    if names is None or not description:
        return None
    if description in names:
        return names[description]
    tail = description.rsplit(",", 1)[-1].strip()
    if tail in names.values():
        return tail
    return names.get(tail)


@lru_cache(maxsize=1 << 18)
def number_facts(phone: str) -> tuple[tuple[str, ...], str | None]:
    """The zones (empty for a non-geographic number) and the region a number tells of."""
    # Imported here, not with the module: their data take a third of a second to load, and
    # only campaigns that place customers by their numbers need them.
    import phonenumbers
    from phonenumbers import PhoneNumberType, geocoder
    from phonenumbers import timezone as number_zones

    geographic = (
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return (), None
    country = phonenumbers.region_code_for_number(number)
    region = country if country and country != "001" and len(country) == 2 else None
    kind = phonenumbers.number_type(number)
    if kind not in geographic:
        return (), region
    known = available_zones()
    zones = tuple(sorted(z for z in number_zones.time_zones_for_number(number) if z in known))
    if region in _SUBDIVISIONS:
        subdivision = _subdivision(region, geocoder.description_for_number(number, "en"))
        if subdivision is not None:
            region = f"{region}-{subdivision}"
    return zones, region


def callee(phone: str, timezone: str | None, region: str | None, campaign_zone: str) -> Callee:
    """The zones and region of a customer, from the spec first and then from the number."""
    if timezone is not None and region is not None:
        return Callee((timezone,), region, "spec")
    number_zones_found, number_region = number_facts(phone)
    found_region = region if region is not None else number_region
    if timezone is not None:
        return Callee((timezone,), found_region, "spec")
    if number_zones_found:
        return Callee(number_zones_found, found_region, "number")
    return Callee((campaign_zone,), found_region, "campaign")
