from django.urls import reverse

from ketacare.accounts.clinic_settings import ClinicalSettings
from ketacare.checkins import worker
from ketacare.core.phases import Phase

URL = "measures:clinic_settings"
GOOD = {
    "window_hours": "48",
    "reminder_hours": "12",
    "renew_grace_hours": "6",
    "interval_induction": "5",
    "interval_maintenance": "21",
    "interval_paused": "0",
}


def test_the_page_shows_the_defaults_in_force(admin_client_):
    page = admin_client_.get(reverse(URL)).content.decode()
    assert 'value="72"' in page and 'value="24"' in page and 'value="14"' in page
    assert 'name="renew_grace_hours" value="12"' in page


def test_a_clinic_admin_changes_the_check_in_defaults_with_history(
    admin_client_, admin, clinic, patient
):
    response = admin_client_.post(reverse(URL), GOOD)
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.clinical_settings["checkin_window_hours"] == 48
    assert clinic.history.first().history_change_reason == "check-in defaults changed"
    assert worker.interval_days(patient, Phase.INDUCTION) == 5
    assert worker.interval_days(patient, Phase.PAUSED) is None
    assert ClinicalSettings.of(patient.clinic).checkin_window_hours == 48
    assert clinic.clinical_settings["checkin_renew_grace_hours"] == 6


def test_a_reminder_after_the_window_closes_is_refused(admin_client_, clinic):
    response = admin_client_.post(
        reverse(URL), {**GOOD, "window_hours": "24", "reminder_hours": "30"}
    )
    assert response.status_code == 200
    assert b"before the window closes" in response.content
    clinic.refresh_from_db()
    assert "checkin_window_hours" not in clinic.clinical_settings


def test_out_of_range_values_are_shown_beside_the_field(admin_client_):
    response = admin_client_.post(
        reverse(URL), {**GOOD, "window_hours": "2", "interval_paused": "-1"}
    )
    assert b"greater than or equal to 12" in response.content
    assert b"greater than or equal to 0" in response.content
