"""When a clinical observation can have happened: one rule for forms, the JSON API and FHIR.

A time is refused when it is in the future beyond a small clock-skew allowance (a phone's
clock may run a few minutes fast), before the patient was born, or before a floor that no
record in this system can predate. The check never does arithmetic on an out-of-range
value first, so year 1 with a +14:00 offset is refused, not an overflow.
"""

from __future__ import annotations

import datetime as dt

# A device clock may run a little fast; more than this is a wrong date, not skew.
CLOCK_SKEW = dt.timedelta(minutes=5)
# No clinical record here predates this; an earlier year is a typing error.
EARLIEST_YEAR = 1900


def clinical_time_problem(
    when: dt.datetime, *, now: dt.datetime, born: dt.date | None = None
) -> str | None:
    """Return why `when` cannot be the time of a clinical observation, or None if it can.

    `when` and `now` must be aware. `born` is the patient's birth date, if known.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        return "Give a time zone with the time (for example Z or +01:00)."
    # Compare calendar dates before any arithmetic: extreme offsets overflow near year 1.
    if when.year <= EARLIEST_YEAR:
        return f"This is before {EARLIEST_YEAR + 1}; check the year."
    if born is not None and when.date() < born:
        return "This is before the patient's date of birth."
    if when.year > now.year + 1 or when > now + CLOCK_SKEW:
        return "This is in the future."
    return None
