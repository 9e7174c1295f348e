import datetime as dt
import json
import re

from django.urls import reverse
from django.utils import timezone

from ketacare.alerts.models import Alert
from ketacare.conftest import treatment_started
from ketacare.measures import services
from ketacare.measures.models import Amendment, Response


def record(patient, code, value, days_ago, **extra):
    answers = {
        i.code: value
        for i in __import__("ketacare.core.instruments", fromlist=["get"]).get(code).items
        if i.required
    }
    answers.update(extra)
    return services.response_record(
        patient=patient,
        instrument=code,
        answers=answers,
        context="weekly",
        source="link",
        collected_at=timezone.now() - dt.timedelta(days=days_ago),
    )[0]


def test_the_scores_page_shows_bands_change_from_baseline_and_the_chart_data(alice_client, patient):
    record(patient, "gad7", 2, 30)  # 14 moderate: baseline
    record(patient, "gad7", 1, 1)  # 7 mild: improved by 7
    record(patient, "phq9", 1, 1, **{"9": 0})
    response = alice_client.get(reverse("measures:scores", args=[patient.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "<strong>7</strong> Mild" in content and "-7" in content and "improved" in content
    spec = json.loads(response.context["spec"])
    assert [panel["title"].split(" ")[0] for panel in spec["vconcat"]] == ["GAD-7", "PHQ-9"]
    points = spec["vconcat"][0]["layer"][1]["data"]["values"]
    assert [p["total"] for p in points] == [14, 7]
    assert [r["total"] for r in response.context["rows"] if r["instrument"] == "GAD-7"] == [14, 7]


def test_staff_enter_a_clinician_rated_questionnaire(alice_client, alice, patient):
    data = {
        "context": "pre_dose",
        "collected_at": timezone.localtime(timezone=patient.clinic.tz).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update({f"item_{i}": "2" for i in range(1, 15)})
    response = alice_client.post(reverse("measures:response_new", args=[patient.pk, "hama"]), data)
    assert response.status_code == 302
    stored = Response.objects.get()
    assert (stored.instrument, stored.total, stored.source, stored.collected_by) == (
        "hama",
        28,
        "staff",
        alice.user,
    )


def test_a_missing_item_is_shown_beside_it_and_nothing_is_saved(alice_client, patient):
    data = {
        "context": "ad_hoc",
        "collected_at": timezone.localtime(timezone=patient.clinic.tz).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update({f"item_{i}": "1" for i in range(1, 7)})  # item 7 missing
    response = alice_client.post(reverse("measures:response_new", args=[patient.pk, "gad7"]), data)
    assert response.status_code == 200
    assert response.content.count(b"Please answer this question.") == 1
    assert not Response.objects.exists()


def test_an_empty_cssrs_marks_every_question_asked_and_explains_the_conditional_ones(
    alice_client, patient
):
    data = {
        "context": "ad_hoc",
        "collected_at": timezone.localtime(timezone=patient.clinic.tz).strftime("%Y-%m-%dT%H:%M"),
    }
    response = alice_client.post(reverse("measures:response_new", args=[patient.pk, "cssrs"]), data)
    assert response.content.count(b"Please answer this question.") == 3  # items 1, 2 and 6
    assert response.content.count(b"Asked only when an earlier answer is Yes.") == 4  # 3, 4, 5, 6a
    yes_to_2 = {**data, "item_1": "1", "item_2": "1", "item_6": "0"}
    response = alice_client.post(
        reverse("measures:response_new", args=[patient.pk, "cssrs"]), yes_to_2
    )
    assert response.content.count(b"Please answer this question.") == 3  # now 3, 4 and 5
    assert not Response.objects.exists()


def test_a_future_collection_time_is_refused(alice_client, patient):
    future = (timezone.localtime(timezone=patient.clinic.tz) + dt.timedelta(days=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    data = {"context": "ad_hoc", "collected_at": future, **{f"item_{i}": "1" for i in range(1, 8)}}
    response = alice_client.post(reverse("measures:response_new", args=[patient.pk, "gad7"]), data)
    assert b"in the future" in response.content
    assert not Response.objects.exists()


def test_an_unknown_instrument_is_a_404(alice_client, patient):
    assert (
        alice_client.get(reverse("measures:response_new", args=[patient.pk, "bdi"])).status_code
        == 404
    )


def test_staff_entry_of_a_positive_cssrs_raises_an_urgent_alert(alice_client, patient):
    data = {
        "context": "ad_hoc",
        "collected_at": timezone.localtime(timezone=patient.clinic.tz).strftime("%Y-%m-%dT%H:%M"),
        "item_1": "1",
        "item_2": "1",
        "item_3": "1",
        "item_4": "1",
        "item_5": "0",
        "item_6": "0",
    }
    response = alice_client.post(
        reverse("measures:response_new", args=[patient.pk, "cssrs"]), data, follow=True
    )
    assert b"Alert raised" in response.content
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity) == ("cssrs_high", "urgent")


def test_a_correction_keeps_the_original_and_needs_a_reason(alice_client, alice, patient):
    stored = record(patient, "gad7", 1, 1)
    url = reverse("measures:response_amend", args=[patient.pk, stored.pk])
    data = {
        "context": "weekly",
        "collected_at": timezone.localtime(timezone=patient.clinic.tz).strftime("%Y-%m-%dT%H:%M"),
        **{f"item_{i}": "1" for i in range(1, 8)},
        "item_7": "3",
    }
    assert b"This field is required" in alice_client.post(url, data).content
    response = alice_client.post(
        url, {**data, "reason": "patient meant nearly every day on item 7"}
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.total == 9
    amendment = Amendment.objects.get()
    assert (amendment.total_before, amendment.total_after, amendment.amended_by) == (
        7,
        9,
        alice.user,
    )
    assert stored.history.count() == 2


def test_a_relapse_from_the_best_is_flagged_in_the_score_table(alice_client, alice, patient):
    """GAD-7 baseline 17, best 9, back to 19: +2 from baseline hid it; +10 from best shows it."""

    now = timezone.now()
    treatment_started(patient, alice.user, now=now, evaluation_days_ago=60, induction_days_ago=49)
    totals = [(50, 17), (40, 12), (30, 9), (1, 19)]
    for days, total in totals:
        answers = {str(i): 3 for i in range(1, 8)}
        remaining = 21 - total
        for i in range(1, 8):
            take = min(3, remaining)
            answers[str(i)] -= take
            remaining -= take
        services.response_record(
            patient=patient,
            instrument="gad7",
            answers=answers,
            context="weekly",
            source="link",
            collected_at=now - dt.timedelta(days=days),
        )
    response = alice_client.get(reverse("measures:scores", args=[patient.pk]))
    rows = response.context["scores"]
    latest = rows[0].standing
    assert (latest.from_baseline.delta, str(latest.from_baseline.direction)) == (
        2,
        "no reliable change",
    )
    assert (latest.from_best.delta, str(latest.from_best.direction)) == (10, "worsened")
    content = response.content.decode()
    assert content.count("Reliably worse than best") >= 2  # summary and the row
    assert "baseline 17" in content and "best since treatment started 9" in content
    marked = [r for r in response.context["rows"] if r["marker"]]
    assert [(r["total"], r["marker"]) for r in marked] == [
        (17, "Baseline"),
        (19, "Reliably worse than best"),
    ]


def test_the_reliable_change_explanation_says_at_least_the_threshold_compare_uses(
    alice_client, patient
):
    from ketacare.core import instruments
    from ketacare.core.instruments.change import Direction, compare

    record(patient, "gad7", 1, days_ago=9)
    text = alice_client.get(reverse("measures:scores", args=[patient.pk])).content.decode()
    assert "at least 4 points on the GAD-7 or 6 points on the PHQ-9" in text
    assert "larger than" not in text
    gad7 = instruments.get("gad7")
    assert compare(gad7, baseline=5, current=9).direction == Direction.WORSENED  # exactly 4


def test_a_future_date_and_a_missing_item_are_shown_together_and_answers_kept(
    alice_client, patient
):
    future = timezone.localtime(timezone=patient.clinic.tz) + dt.timedelta(days=2)
    data = {"context": "ad_hoc", "collected_at": future.strftime("%Y-%m-%dT%H:%M")}
    data.update({f"item_{i}": "2" for i in range(1, 7)})  # item 7 missing
    response = alice_client.post(reverse("measures:response_new", args=[patient.pk, "gad7"]), data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "in the future" in text
    assert text.count("Please answer this question.") == 1
    kept = re.findall(r'<input type="radio" name="item_\d" value="2"[^>]*checked', text)
    assert len(kept) == 6
    assert not Response.objects.exists()
