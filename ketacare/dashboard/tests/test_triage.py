"""The patient list as a triage list: tiers, order, columns, and a pinned query count."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from ketacare.alerts.models import Alert
from ketacare.checkins.models import CheckIn
from ketacare.core import instruments
from ketacare.core.reference_points import ScorePoint, latest_standing
from ketacare.dashboard import triage
from ketacare.measures.models import Response
from ketacare.patients import services
from ketacare.patients.models import Patient, PhaseChange

NOW = timezone.now()


def make(clinic, by, family, phase="induction", start_days_ago=60):
    p = services.patient_create(
        clinic=clinic,
        by=by,
        given_name="T",
        family_name=family,
        birth_date=dt.date(1980, 1, 1),
        email=f"{family.lower()}@patient.test",
    )
    p.phase = phase
    p.save(update_fields=["phase"])
    if start_days_ago is not None:
        PhaseChange.objects.create(
            patient=p,
            from_phase="evaluation",
            to_phase="induction",
            reason="t",
            changed_by=by,
            changed_at=NOW - dt.timedelta(days=start_days_ago),
        )
    return p


def scores(patient, code, *totals_days_ago):
    definition = instruments.get(code)
    for total, days in totals_days_ago:
        Response.objects.create(
            patient=patient,
            instrument=code,
            version="1",
            answers={},
            total=total,
            band=definition.band_for(total) or "",
            context="weekly",
            source="link",
            collected_at=NOW - dt.timedelta(days=days),
        )


def checkin(patient, status, days_from_now):
    due = NOW + dt.timedelta(days=days_from_now)
    CheckIn.objects.create(
        patient=patient,
        instruments=["gad7"],
        context="weekly",
        due_at=due,
        expires_at=due + dt.timedelta(days=3),
        status=status,
    )


def alert(patient, severity, status="open"):
    Alert.objects.create(
        patient=patient,
        kind="t",
        severity=severity,
        status=status,
        title="t",
        triggered_at=NOW,
        raised_at=NOW,
    )


@pytest.fixture
def ward(clinic, alice):
    """One patient per tier, created in the reverse of the order they must appear."""
    by = alice.user
    fine = make(clinic, by, "Adams")  # contact planned, no alerts, improving
    scores(fine, "gad7", (16, 70), (8, 20), (7, 2))
    checkin(fine, "scheduled", 3)
    no_plan = make(clinic, by, "Baker")  # followed, nothing planned
    missed = make(clinic, by, "Clark")
    checkin(missed, "missed", -4)
    checkin(missed, "scheduled", 3)
    relapse = make(clinic, by, "Davis")  # GAD-7 best 9, now 19 (+2 from baseline 17)
    scores(relapse, "gad7", (17, 70), (12, 40), (9, 20), (19, 1))
    checkin(relapse, "scheduled", 3)
    warned = make(clinic, by, "Evans")
    alert(warned, "warning", "acknowledged")
    checkin(warned, "scheduled", 3)
    urgent = make(clinic, by, "Foster")
    alert(urgent, "urgent")
    alert(urgent, "warning")
    checkin(urgent, "scheduled", 3)
    resolved = make(clinic, by, "Green")  # a resolved alert is not an open one
    alert(resolved, "urgent", "resolved")
    checkin(resolved, "scheduled", 3)
    discharged = make(clinic, by, "Hill", phase="discharged")  # not followed: no contact due
    return [urgent, warned, relapse, missed, no_plan, fine, resolved, discharged]


def _names(response):
    return [p.family_name for p in response.context["page"]]


def test_needs_attention_order(alice_client, ward):
    response = alice_client.get(reverse("patients:list"), {"sort": "attention"})
    assert _names(response)[:5] == ["Foster", "Evans", "Davis", "Clark", "Baker"]
    assert set(_names(response)[5:]) == {"Adams", "Green", "Hill"}
    labels = [p.attention_label for p in response.context["page"]][:5]
    assert labels == [
        "Urgent alert",
        "Open alert",
        "Reliably worse than best",
        "Missed check-in",
        "No contact planned",
    ]


def test_it_is_the_default_for_every_care_team_role(admin_client_, alice_client, ward):
    coordinator = admin_client_.get(reverse("patients:list"))  # admin holds the coordinator role
    assert _names(coordinator)[0] == "Foster"
    assert 'value="attention" selected' in coordinator.content.decode()
    prescriber = alice_client.get(reverse("patients:list"))
    assert _names(prescriber)[0] == "Foster"
    by_name = alice_client.get(reverse("patients:list"), {"sort": "name"})
    assert _names(by_name)[0] == "Adams"
    assert _names(alice_client.get(reverse("patients:list")))[0] == "Adams"  # choice kept


def test_the_row_shows_scores_alerts_and_contacts(alice_client, ward):
    html = alice_client.get(reverse("patients:list"), {"sort": "attention"}).content.decode()
    davis = html.split("Davis, T", 1)[1].split("</tr>", 1)[0]
    assert "<strong>19</strong>" in davis and "Moderately severe" not in davis
    assert "↑ +10 <strong>worsened</strong>" in davis
    assert "Worse than best +10" in davis
    foster = html.split("Foster, T", 1)[1].split("</tr>", 1)[0]
    assert "1 urgent" in foster and "1 other" in foster
    clark = html.split("Clark, T", 1)[1].split("</tr>", 1)[0]
    assert "none yet" in clark and "last check-in missed" in clark
    baker = html.split("Baker, T", 1)[1].split("</tr>", 1)[0]
    assert "none planned" in baker


@pytest.mark.parametrize("seed", range(6))
def test_the_database_tier_agrees_with_the_core_definition(clinic, alice, seed):
    """Tier 2 is computed in SQL for speed; it must flag exactly the patients the core
    calls reliably worse than their best, on varied histories."""
    rng = random.Random(seed)
    made = []
    for i in range(25):
        start = rng.choice([None, 30, 60, 100])
        p = make(clinic, alice.user, f"R{seed}x{i:02d}", start_days_ago=start)
        for code in ("gad7", "phq9"):
            days = sorted(rng.sample(range(0, 120), rng.randrange(0, 7)), reverse=True)
            top = instruments.get(code).max_total
            scores(p, code, *[(rng.randrange(0, top + 1), d) for d in days])
        made.append(p)
    annotated = {
        p.pk: p for p in triage.with_triage(Patient.objects.filter(clinic=clinic), now=NOW)
    }
    starts = dict(
        PhaseChange.objects.filter(to_phase="induction").values_list("patient_id", "changed_at")
    )
    flagged = []
    for p in made:
        core_worse = False
        for code in ("gad7", "phq9"):
            points = [
                ScorePoint(at, total, pk)
                for pk, total, at in Response.objects.filter(patient=p, instrument=code)
                .order_by("collected_at", "pk")
                .values_list("pk", "total", "collected_at")
            ]
            s = latest_standing(instruments.get(code), points, treatment_start=starts.get(p.pk))
            core_worse |= bool(s and s.relapse_from_best)
        tier = annotated[p.pk].attention  # type: ignore[attr-defined]
        assert (tier == 2) == core_worse, p.family_name
        flagged.append(core_worse)
    assert any(flagged) and not all(flagged)  # the comparison is not vacuous


def _busy_clinic(clinic, by, n, offset=0):
    for i in range(n):
        p = make(clinic, by, f"Q{offset + i:03d}")
        scores(p, "gad7", (15, 50), (9, 30), (14, 2))
        scores(p, "phq9", (18, 50), (8, 30), (10, 2))
        checkin(p, "missed" if i % 3 else "submitted", -3)
        checkin(p, "scheduled", 4)
        if i % 4 == 0:
            alert(p, "urgent" if i % 8 == 0 else "warning")


def test_the_query_count_does_not_grow_with_the_clinic(
    alice_client, clinic, alice, django_assert_max_num_queries
):
    _busy_clinic(clinic, alice.user, 30)
    url = reverse("patients:list")
    # 15 for the page and its triage columns, plus two access-log inserts (the page, and
    # the patients it showed).
    with django_assert_max_num_queries(17):
        first = alice_client.get(url, {"sort": "attention"})
    _busy_clinic(clinic, alice.user, 30, offset=100)
    with django_assert_max_num_queries(17):
        second = alice_client.get(url, {"sort": "attention", "page": "2"})
    with django_assert_max_num_queries(17):
        by_name = alice_client.get(url, {"sort": "name", "page": "2"})
    assert len(first.context["page"]) == 25 and len(second.context["page"]) == 25
    row = by_name.context["page"][0]
    assert row.attention_label in triage.TIER_LABELS.values() and row.next_contact_at
