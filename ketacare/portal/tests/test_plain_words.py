"""Plain words follow the same reference points and reliable change as staff see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ketacare.conftest import treatment_started
from ketacare.core import instruments
from ketacare.core.reference_points import ScorePoint, latest_standing
from ketacare.measures import services
from ketacare.portal.plain_words import since_best, since_start

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GAD7 = instruments.get("gad7")


def standing(*totals, start=T0):
    points = [ScorePoint(T0 + dt.timedelta(weeks=i), t, i) for i, t in enumerate(totals)]
    return latest_standing(GAD7, points, treatment_start=start)


@pytest.mark.parametrize(
    ("totals", "start", "words"),
    [
        ((14,), None, "This is your first score"),
        (
            (14, 11),
            T0,
            "3 points lower than your score when you started treatment (14). "
            "Lower is better, though a change this size can still be part of the usual ups",
        ),
        (
            (14, 7),
            T0,
            "7 points lower than your score when you started treatment (14). "
            "Lower is better, and this is a real improvement",
        ),
        (
            (14, 16),
            T0,
            "2 points higher than your score when you started treatment (14). "
            "A change this size is within the usual ups and downs",
        ),
        ((10, 15), None, "5 points higher than your first score (10): more than the usual"),
        ((14, 14), T0, "the same as your score when you started treatment (14)"),
        ((14,), T0, "the score your care team measures your progress from"),
    ],
)
def test_since_start_takes_reliable_change_into_account(totals, start, words):
    assert words in since_start(standing(*totals, start=start))


def test_a_relapse_from_the_best_is_said_kindly_and_plainly():
    s = standing(17, 12, 9, 19)
    assert "within the usual ups and downs" in since_start(s)  # +2 from baseline
    words = since_best(s)
    assert "best score since treatment began was 9" in words
    assert "10 points higher" in words and "contact the clinic" in words


def test_no_best_words_without_a_reliable_worsening():
    assert since_best(standing(17, 12, 9, 12)) == ""  # +3 from best: not reliable for GAD-7


def test_the_portal_shows_the_relapse(patient_client, patient, alice):
    now = timezone.now()
    treatment_started(patient, alice.user, now=now, evaluation_days_ago=40, induction_days_ago=29)
    for days, value in ((30, 2), (20, 1), (2, 3)):  # 14 baseline, best 7, now 21
        services.response_record(
            patient=patient,
            instrument="gad7",
            answers={str(i): value for i in range(1, 8)},
            context="weekly",
            source="link",
            collected_at=now - dt.timedelta(days=days),
        )
    page = patient_client.get(reverse("portal:progress")).content.decode()
    assert "best score since treatment began was 7" in page
    assert "7 points higher than your score when you started treatment (14)" in page
