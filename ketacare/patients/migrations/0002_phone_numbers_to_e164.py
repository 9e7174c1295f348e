"""Put stored phone numbers (patients, support persons, clinics) in E.164.

A number that parses (with its country code, or in the clinic's country when one is set)
is rewritten in E.164 and the change is kept in the record's history with a reason. A
number that does not parse is left exactly as it was typed, so nothing is lost: the chart
marks it "could not be read", and saving the record asks for a readable number beside the
field. The count of such numbers is printed so whoever migrates can follow up.
"""

import phonenumbers
from django.db import migrations
from django.utils import timezone

REASON = "Phone numbers put in international form (E.164)"


def _e164(value, region):
    try:
        number = phonenumbers.parse(value, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _history(historical, row, now):
    names = {f.attname for f in row._meta.concrete_fields}
    data = {
        f.attname: getattr(row, f.attname)
        for f in historical._meta.concrete_fields
        if f.attname in names and f.attname != "history_id"
    }
    historical.objects.create(
        **data,
        history_date=now,
        history_type="~",
        history_change_reason=REASON,
        history_user=None,
    )


def _convert(model, historical, fields, region_of, now):
    unreadable = 0
    for row in model.objects.all().iterator():
        changed = []
        for name in fields:
            value = getattr(row, name)
            if not value:
                continue
            converted = _e164(value, region_of(row))
            if converted is None:
                unreadable += 1
            elif converted != value:
                setattr(row, name, converted)
                changed.append(name)
        if changed:
            row.save(update_fields=changed)
            _history(historical, row, now)
    return unreadable


def forwards(apps, schema_editor):
    now = timezone.now()
    Clinic = apps.get_model("accounts", "Clinic")
    Patient = apps.get_model("patients", "Patient")
    countries = dict(Clinic.objects.values_list("pk", "country"))
    unreadable = _convert(
        Clinic, apps.get_model("accounts", "HistoricalClinic"), ["phone"],
        lambda c: c.country, now,
    )
    unreadable += _convert(
        Patient, apps.get_model("patients", "HistoricalPatient"), ["phone", "support_phone"],
        lambda p: countries.get(p.clinic_id, ""), now,
    )
    if unreadable:
        print(
            f"\n  {unreadable} stored phone number(s) could not be read and were left as typed;"
            " the chart marks them and asks for a correction on the next save."
        )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_merge_20261122_0411"),
        ("patients", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
