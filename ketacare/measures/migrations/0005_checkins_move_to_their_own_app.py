"""Check-ins now live in the `checkins` app (its 0001 took over their tables): measures
forgets its copies of the models and points `Response.checkin` at `checkins.CheckIn`.
State only: the tables, rows and foreign-key constraints stay as they are. No SQL runs.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('checkins', '0001_initial'),
        ('measures', '0004_merge_20261122_0404'),
    ]

    operations = [
        # State only: the tables stay where they are (see the docstring).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='checkin',
                    name='patient',
                ),
                migrations.AlterField(
                    model_name='historicalresponse',
                    name='checkin',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='checkins.checkin'),
                ),
                migrations.RemoveField(
                    model_name='checkinlink',
                    name='checkin',
                ),
                migrations.AlterField(
                    model_name='response',
                    name='checkin',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='responses', to='checkins.checkin'),
                ),
                migrations.RemoveField(
                    model_name='historicalcheckin',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalcheckin',
                    name='patient',
                ),
                migrations.RemoveField(
                    model_name='historicalmeasurementplan',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalmeasurementplan',
                    name='patient',
                ),
                migrations.RemoveField(
                    model_name='measurementplan',
                    name='patient',
                ),
                migrations.DeleteModel(
                    name='CheckInEvent',
                ),
                migrations.DeleteModel(
                    name='CheckInLink',
                ),
                migrations.DeleteModel(
                    name='CheckIn',
                ),
                migrations.DeleteModel(
                    name='HistoricalCheckIn',
                ),
                migrations.DeleteModel(
                    name='HistoricalMeasurementPlan',
                ),
                migrations.DeleteModel(
                    name='MeasurementPlan',
                ),
            ],
        ),
    ]
