"""Phone numbers: one rule for what is valid, and one stored form (E.164, e.g. +13125550142).

Every boundary (staff forms, the JSON API, clinic settings, the demo seeder) goes through
`phone_to_e164`, so a number the form accepts is a number the API accepts. Google's
libphonenumber metadata (`phonenumbers`) decides validity; a number written without a
country code is read in the clinic's country.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError

# What people type into a phone box: digits, spaces, + ( ) - . and /. Anything else
# (letters, markup, emoji) is refused before parsing, because the parser would skip it.
_TYPED = re.compile(r"\+?[0-9 ()./\-]+")
_MAX_TYPED = 40
_TOO_SHORT = ValidationError(
    "This number is too short to be a phone number; check the digits and the country code.",
    code="phone_too_short",
)
_TOO_LONG = ValidationError(
    "This number is too long to be a phone number; check the digits and the country code.",
    code="phone_too_long",
)
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def region_choices() -> list[tuple[str, str]]:
    """(code, label) for each country libphonenumber knows, e.g. ("GB", "GB (+44)")."""
    return [(code, f"{code} (+{phonenumbers.country_code_for_region(code)})") for code in REGIONS]


def validate_region(value: str) -> None:
    if value and value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(f"{value!r} is not a two-letter country code (e.g. GB, US).")


def phone_to_e164(raw: str, *, region: str = "") -> str:
    """Return the number in E.164, or "" for an empty value; raise ValidationError if invalid.

    `region` is the clinic's country (ISO 3166 alpha-2); without one, only numbers
    written with their country code (+44 …) can be read.
    """
    text = raw.strip()
    if not text:
        return ""
    if not _TYPED.fullmatch(text):
        raise ValidationError(
            "Use only digits, spaces and + ( ) - . in a phone number.", code="phone_characters"
        )
    if len(text) > _MAX_TYPED:
        raise _TOO_LONG
    if sum(c.isdigit() for c in text) < 3:  # too few digits for the parser to try
        raise _TOO_SHORT
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.TOO_LONG:
            raise _TOO_LONG from exc
        if exc.error_type in (
            phonenumbers.NumberParseException.TOO_SHORT_NSN,
            phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            raise _TOO_SHORT from exc
        if not region and not text.startswith("+"):
            raise ValidationError(
                "Start the number with its country code, e.g. +44 7700 900123 "
                "(the clinic has no country set).",
                code="phone_country_code",
            ) from exc
        raise ValidationError("This is not a phone number.", code="phone_invalid") from exc
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        raise _TOO_SHORT
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        raise _TOO_LONG
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "This is not a valid phone number; check the digits and the country code.",
            code="phone_invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_e164(value: str) -> bool:
    """Whether a stored value is a valid number already in the stored form."""
    if not _E164.fullmatch(value):
        return False
    try:
        return phone_to_e164(value) == value
    except ValidationError:
        return False


def phone_display(value: str) -> str:
    """A stored number as people read it (+1 312-555-0142); anything else unchanged."""
    if not _E164.fullmatch(value or ""):
        return value
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
