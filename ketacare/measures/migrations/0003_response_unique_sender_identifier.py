"""One stored response per sender identifier and patient, so a retried import is kept once.

Rows stored twice before this rule keep their answers; only the later copy's identifier is
cleared, so the constraint can be created and nothing clinical is lost.
"""

from django.db import migrations, models


def clear_repeated_identifiers(apps, schema_editor):
    Response = apps.get_model("measures", "Response")
    seen = set()
    for row in (
        Response.objects.exclude(external_id="")
        .order_by("pk")
        .values_list("pk", "patient_id", "external_id")
    ):
        key = row[1:]
        if key in seen:
            Response.objects.filter(pk=row[0]).update(external_id="")
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0002_measurement_plan"),
    ]

    operations = [
        migrations.RunPython(clear_repeated_identifiers, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="response",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("patient", "external_id"),
                name="one_response_per_sender_identifier",
            ),
        ),
    ]
