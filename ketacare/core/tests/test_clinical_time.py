import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.core.clinical_time import CLOCK_SKEW, clinical_time_problem

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BORN = dt.date(1990, 5, 17)


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        (NOW, None),
        (NOW - dt.timedelta(days=400), None),
        (NOW + CLOCK_SKEW, None),
        (NOW + CLOCK_SKEW + dt.timedelta(seconds=1), "in the future"),
        (dt.datetime(9999, 12, 31, 23, 59, tzinfo=UTC), "in the future"),
        (dt.datetime(1990, 5, 16, 23, 0, tzinfo=UTC), "date of birth"),
        (dt.datetime(1990, 5, 17, 0, 0, tzinfo=UTC), None),
        (dt.datetime(1900, 12, 31, tzinfo=UTC), "before 1901"),
        (dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))), "before 1901"),
        (dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-14))), "before 1901"),
        (dt.datetime(2026, 1, 1), "time zone"),  # noqa: DTZ001 (naive on purpose)
    ],
)
def test_limits(when, problem):
    found = clinical_time_problem(when, now=NOW, born=BORN)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_unknown_birth_date_only_checks_the_floor():
    assert clinical_time_problem(dt.datetime(1950, 1, 1, tzinfo=UTC), now=NOW) is None


@given(
    st.datetimes(timezones=st.sampled_from([UTC, dt.timezone(dt.timedelta(hours=14))])),
)
def test_never_raises(when):
    result = clinical_time_problem(when, now=NOW, born=BORN)
    assert result is None or isinstance(result, str)
    if result is None:
        assert when <= NOW + CLOCK_SKEW
