"""Every form that shows stored values can be saved unchanged.

A browser posts back exactly what the page rendered; if a field renders a value its
input cannot hold (a 09/09/1998 date in <input type="date">), the browser shows it empty
and the save fails. These tests read the rendered HTML the way a browser does (including
the rule that a date input drops a value that is not ISO) and post it back.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.urls import reverse

from ketacare.accounts.forms import ClinicSettingsForm, StaffEditForm, StaffInviteForm
from ketacare.measures import forms as measure_forms
from ketacare.patients.forms import PatientForm

# What a browser keeps from a value attribute, by input type (HTML's value sanitisation).
BROWSER_FORMATS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "datetime-local": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?"),
}


class _FormReader(HTMLParser):
    """Collect what a browser would submit from the page's main form."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.inside = self.form_id is None or a.get("id") == self.form_id
            return
        if not self.inside or not a.get("name"):
            if tag == "option" and self._select is not None and "selected" in a:
                self.data.setdefault(self._select, []).append(a.get("value", ""))
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind == "submit":
                return
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            pattern = BROWSER_FORMATS.get(kind)
            if pattern and value and not pattern.fullmatch(value):
                value = ""  # the browser cannot read it and shows an empty field
            self.data.setdefault(name, []).append(value)
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self.data.setdefault(name, [""])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.data[self._textarea] = [self.data[self._textarea][0] + data]


def submitted(html: str) -> dict[str, list[str]]:
    reader = _FormReader(None)
    reader.feed(html)
    return reader.data


def test_the_reader_drops_a_date_a_browser_cannot_read():
    html = '<form method="post"><input type="date" name="d" value="09/09/1998"></form>'
    assert submitted(html) == {"d": [""]}


def test_the_patient_edit_form_saves_unchanged(alice_client, patient):
    patient.birth_date = dt.date(1998, 9, 9)
    patient.support_phone = "+13125550150"
    patient.save()
    url = reverse("patients:edit", args=[patient.pk])
    page = alice_client.get(url).content.decode()
    assert 'value="1998-09-09"' in page
    data = submitted(page)
    response = alice_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    patient.refresh_from_db()
    assert patient.birth_date == dt.date(1998, 9, 9)
    assert patient.phone == "+13125550199"


def test_clinic_settings_save_unchanged(admin_client_, clinic):
    url = reverse("accounts:clinic_settings")
    response = admin_client_.post(url, submitted(admin_client_.get(url).content.decode()))
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.phone, clinic.country) == ("+13125550100", "US")


def test_staff_edit_saves_unchanged(admin_client_, bob):
    url = reverse("accounts:staff_edit", args=[bob.pk])
    response = admin_client_.post(url, submitted(admin_client_.get(url).content.decode()))
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.roles == ["nurse"] and bob.is_active


def test_check_in_plan_and_clinic_defaults_save_unchanged(alice_client, admin_client_, patient):
    # The plan is a clinician's (prescriber Alice); the clinic defaults the clinic admin's.
    for client, url in (
        (alice_client, reverse("measures:plan", args=[patient.pk])),
        (admin_client_, reverse("measures:clinic_settings")),
    ):
        response = client.post(url, submitted(client.get(url).content.decode()))
        assert response.status_code == 302, url


def test_a_questionnaire_form_posts_its_own_collected_time_back(alice_client, patient):
    url = reverse("measures:response_new", args=[patient.pk, "gad7"])
    data = submitted(alice_client.get(url).content.decode())
    assert data["collected_at"][0], "the datetime-local input rendered a value it cannot hold"


FORMS_WITH_DATES = [
    PatientForm,
    ClinicSettingsForm,
    StaffEditForm,
    StaffInviteForm,
    *[
        obj
        for obj in vars(measure_forms).values()
        if isinstance(obj, type)
        and issubclass(obj, forms.BaseForm)
        and obj.__module__.startswith("ketacare")
    ],
]


@pytest.mark.parametrize("form_class", FORMS_WITH_DATES, ids=lambda c: c.__name__)
def test_every_date_input_renders_iso(form_class):
    """Any date or datetime-local input shows a stored value in the only format it reads."""
    for name, field in form_class.base_fields.items():
        widget = field.widget
        kind = getattr(widget, "input_type", "")
        if kind not in BROWSER_FORMATS:
            continue
        value = dt.datetime(1998, 9, 9, 14, 30, tzinfo=dt.UTC)
        shown = widget.format_value(value.date() if kind == "date" else value)
        assert BROWSER_FORMATS[kind].fullmatch(str(shown)), (form_class.__name__, name, shown)
