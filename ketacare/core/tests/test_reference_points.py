"""Baseline, best since treatment started, and change from each (table tests)."""

from __future__ import annotations

import datetime as dt

import pytest

from ketacare.core import instruments
from ketacare.core.instruments.change import Direction
from ketacare.core.reference_points import (
    BEST,
    BaselineKind,
    ScorePoint,
    baseline,
    best_since_start,
    latest_standing,
    standings,
)

T0 = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
GAD7 = instruments.get("gad7")
PHQ9 = instruments.get("phq9")


def week(n: int) -> dt.datetime:
    return T0 + dt.timedelta(weeks=n)


def pts(*totals: int) -> list[ScorePoint]:
    """One score a week from week 0."""
    return [ScorePoint(week(i), t, i) for i, t in enumerate(totals)]


@pytest.mark.parametrize(
    ("totals", "start", "expected_total", "expected_kind"),
    [
        # last score at or before treatment start
        ((15, 17, 16, 10), week(2), 16, BaselineKind.BEFORE_TREATMENT),
        ((15, 17, 16, 10), week(1) + dt.timedelta(days=1), 17, BaselineKind.BEFORE_TREATMENT),
        # nothing before the start: the first score after it stands in
        ((12, 8), week(0) - dt.timedelta(days=1), 12, BaselineKind.FIRST_AFTER_START),
        # not in treatment yet: the first score
        ((14, 9, 20), None, 14, BaselineKind.NOT_STARTED),
    ],
)
def test_baseline(totals, start, expected_total, expected_kind):
    ref = baseline(pts(*totals), treatment_start=start)
    assert (ref.point.total, ref.kind) == (expected_total, expected_kind)


def test_no_scores_no_baseline():
    assert baseline([], treatment_start=T0) is None
    assert best_since_start([], treatment_start=T0) is None


def test_order_does_not_matter_and_ties_use_seq():
    same_time = [ScorePoint(T0, 12, 2), ScorePoint(T0, 18, 1)]
    assert baseline(same_time, treatment_start=T0).point.total == 12  # the later row


@pytest.mark.parametrize(
    ("totals", "start", "best"),
    [
        ((18, 12, 9, 19), week(0), 9),
        ((18, 12, 9, 9, 19), week(0), 9),
        # the pre-treatment baseline never counts as "best since treatment started"
        ((5, 12, 14), week(0), 12),
        ((18, 12), None, None),
        ((18,), week(0), None),
    ],
)
def test_best_since_start(totals, start, best):
    ref = best_since_start(pts(*totals), treatment_start=start)
    assert (ref.point.total if ref else None) == best
    if ref:
        assert ref.kind == BEST


def test_best_is_the_earliest_of_equal_lows():
    ref = best_since_start(pts(18, 9, 9), treatment_start=week(0))
    assert ref.point.seq == 1


def test_the_relapse_the_first_score_comparison_hid():
    """GAD-7 17 at baseline, best 9 in treatment, back to 19: +2 from baseline reads as
    'no reliable change'; from the best it is +10, a reliable worsening (>= 4 [K63])."""
    latest = latest_standing(GAD7, pts(17, 12, 9, 19), treatment_start=week(0))
    assert latest.from_baseline.delta == 2
    assert latest.from_baseline.direction == Direction.NO_RELIABLE_CHANGE
    assert latest.best.point.total == 9
    assert (latest.from_best.delta, latest.from_best.direction) == (10, Direction.WORSENED)
    assert latest.relapse_from_best


@pytest.mark.parametrize(
    ("instrument", "totals", "from_baseline", "from_best", "relapse"),
    [
        # GAD-7 reliable change is 4 [K63]
        (GAD7, (15, 10, 13), ("no reliable change", -2), ("no reliable change", 3), False),
        (GAD7, (15, 10, 14), ("no reliable change", -1), ("worsened", 4), True),
        (GAD7, (15, 11), ("improved", -4), None, False),
        # PHQ-9 reliable change is 6 [K63]
        (PHQ9, (20, 8, 13), ("improved", -7), ("no reliable change", 5), False),
        (PHQ9, (20, 8, 14), ("improved", -6), ("worsened", 6), True),
        # a new low is its own best from now on, never a relapse
        (GAD7, (15, 10, 6), ("improved", -9), ("improved", -4), False),
    ],
)
def test_change_from_each_reference(instrument, totals, from_baseline, from_best, relapse):
    latest = latest_standing(instrument, pts(*totals), treatment_start=week(0))
    got_base = (str(latest.from_baseline.direction), latest.from_baseline.delta)
    assert got_base == from_baseline
    if from_best is None:
        assert latest.from_best is None
    else:
        assert (str(latest.from_best.direction), latest.from_best.delta) == from_best
    assert latest.relapse_from_best is relapse


def test_each_row_is_read_against_the_best_before_it():
    rows = standings(GAD7, pts(16, 12, 8, 14, 10), treatment_start=week(0))
    assert [r.best.point.total if r.best else None for r in rows] == [None, None, 12, 8, 8]
    assert [r.relapse_from_best for r in rows] == [False, False, False, True, False]
    assert rows[0].is_baseline and rows[0].from_baseline is None
    assert [r.from_baseline.delta for r in rows[1:]] == [-4, -8, -2, -6]


def test_before_treatment_there_is_no_best_and_change_is_from_the_first_score():
    rows = standings(GAD7, pts(10, 15), treatment_start=None)
    assert rows[1].best is None and rows[1].from_best is None
    assert rows[1].from_baseline.direction == Direction.WORSENED


def test_scores_before_the_baseline_are_compared_with_it_too():
    rows = standings(GAD7, pts(9, 16, 10), treatment_start=week(1))
    assert rows[1].is_baseline
    assert rows[0].from_baseline.delta == -7  # an earlier evaluation score, read vs baseline
    assert rows[2].best is None and rows[2].from_baseline.delta == -6
