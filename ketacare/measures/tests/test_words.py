"""Staff questionnaire forms speak in words a clinician reads, not in storage codes."""

import pytest
from django.urls import reverse

from ketacare.core import instruments


@pytest.mark.parametrize("code", ["side_effects", "hama", "gad7", "cssrs"])
def test_staff_entry_form_labels_carry_no_item_codes_or_licence_notes(alice_client, patient, code):
    page = alice_client.get(reverse("measures:response_new", args=[patient.pk, code]))
    assert page.status_code == 200
    html = page.content.decode()
    definition = instruments.get(code)
    labels = [f.label for f in page.context["form"].item_fields()]
    for number, (item, label) in enumerate(zip(definition.items, labels, strict=True), start=1):
        assert label == f"{number}. {item.text}"
    assert "Licence" not in html and "UNCONFIRMED" not in html
    if code == "side_effects":
        assert "dissociation." not in html
