"""Numbers people read are written the way people write them; numbers phones dial stay
in E.164."""

from django.template.loader import render_to_string
from django.urls import reverse


def test_the_portal_shows_readable_numbers_and_dials_e164(patient_client, patient):
    patient.phone = "+13125550166"
    patient.save(update_fields=["phone"])
    page = patient_client.get(reverse("portal:home")).content.decode()
    assert "+1 312-555-0100" in page and "+1 312-555-0166" in page
    assert 'href="tel:+13125550100"' in page
    assert ">+13125550100<" not in page and "+13125550166" not in page


def test_emails_and_sms_show_readable_numbers(clinic, patient):
    from django.utils import timezone

    clinic.crisis_line_name, clinic.crisis_line_number = "Line", "+13125550199"
    clinic.emergency_number = "911"
    context = {
        "patient": patient,
        "clinic": clinic,
        "url": "https://x.test/c/abc",
        "expires_at": timezone.now(),
        "reminder": False,
    }
    sms = render_to_string("emails/checkin-sms.txt", context)
    body = render_to_string("emails/checkin-body.txt", context)
    assert "+1 312-555-0199" in sms and "911" in sms
    assert "+1 312-555-0100" in body and "+13125550100" not in body
