"""Check-ins move out of `measures` into their own app, keeping their tables.

CheckIn, CheckInEvent, CheckInLink, MeasurementPlan and the history of CheckIn and
MeasurementPlan are created here in Django's state only: their tables (`measures_checkin`
and so on, named by `Meta.db_table` and `HistoricalRecords(table_name=...)`) already exist,
made by measures 0001-0003, with a clinic's rows in them. No SQL runs. measures 0005 then
points `Response.checkin` here and forgets its own copies, again without SQL.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('measures', '0004_merge_20261122_0404'),
        ('patients', '0002_phone_numbers_to_e164'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables stay where they are (see the docstring).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CheckIn',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('instruments', models.JSONField()),
                        ('context', models.CharField(choices=[('baseline', 'Baseline'), ('pre_dose', 'Before a dose'), ('post_24h', '24 hours after a dose'), ('post_7d', '7 days after a dose'), ('weekly', 'Weekly'), ('follow_up', 'Follow-up'), ('ad_hoc', 'Ad hoc')], max_length=12)),
                        ('due_at', models.DateTimeField(db_index=True)),
                        ('expires_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('sent', 'Sent'), ('opened', 'Opened'), ('started', 'Started'), ('submitted', 'Submitted'), ('missed', 'Missed'), ('undelivered', 'Could not send'), ('cancelled', 'Cancelled')], db_index=True, default='scheduled', max_length=12)),
                        ('channel', models.CharField(blank=True, choices=[('email', 'Email'), ('sms', 'Text message'), ('portal', 'Portal only')], max_length=8)),
                        ('draft', models.JSONField(blank=True, default=dict)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('opened_at', models.DateTimeField(blank=True, null=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('missed_at', models.DateTimeField(blank=True, null=True)),
                        ('reminded_at', models.DateTimeField(blank=True, null=True)),
                        ('send_problem', models.CharField(blank=True, max_length=300)),
                        ('send_failures', models.PositiveSmallIntegerField(default=0)),
                        ('renew_requested_at', models.DateTimeField(blank=True, null=True)),
                        ('schedule_key', models.CharField(blank=True, max_length=80)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='checkins', to='patients.patient')),
                    ],
                    options={
                        'db_table': 'measures_checkin',
                        'ordering': ['-due_at'],
                    },
                ),
                migrations.CreateModel(
                    name='CheckInEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('event', models.CharField(max_length=20)),
                        ('channel', models.CharField(blank=True, max_length=8)),
                        ('detail', models.CharField(blank=True, max_length=300)),
                        ('at', models.DateTimeField()),
                        ('checkin', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='checkins.checkin')),
                    ],
                    options={
                        'db_table': 'measures_checkinevent',
                        'ordering': ['at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='CheckInLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('created_at', models.DateTimeField()),
                        ('expires_at', models.DateTimeField()),
                        ('used_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('checkin', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links', to='checkins.checkin')),
                    ],
                    options={
                        'db_table': 'measures_checkinlink',
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalCheckIn',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('instruments', models.JSONField()),
                        ('context', models.CharField(choices=[('baseline', 'Baseline'), ('pre_dose', 'Before a dose'), ('post_24h', '24 hours after a dose'), ('post_7d', '7 days after a dose'), ('weekly', 'Weekly'), ('follow_up', 'Follow-up'), ('ad_hoc', 'Ad hoc')], max_length=12)),
                        ('due_at', models.DateTimeField(db_index=True)),
                        ('expires_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('sent', 'Sent'), ('opened', 'Opened'), ('started', 'Started'), ('submitted', 'Submitted'), ('missed', 'Missed'), ('undelivered', 'Could not send'), ('cancelled', 'Cancelled')], db_index=True, default='scheduled', max_length=12)),
                        ('channel', models.CharField(blank=True, choices=[('email', 'Email'), ('sms', 'Text message'), ('portal', 'Portal only')], max_length=8)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('opened_at', models.DateTimeField(blank=True, null=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('missed_at', models.DateTimeField(blank=True, null=True)),
                        ('reminded_at', models.DateTimeField(blank=True, null=True)),
                        ('send_problem', models.CharField(blank=True, max_length=300)),
                        ('schedule_key', models.CharField(blank=True, max_length=80)),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('patient', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='patients.patient')),
                    ],
                    options={
                        'verbose_name': 'historical check in',
                        'verbose_name_plural': 'historical check ins',
                        'db_table': 'measures_historicalcheckin',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalMeasurementPlan',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('calendar_instruments', models.JSONField(default=list)),
                        ('interval_days', models.JSONField(default=dict)),
                        ('after_dose', models.BooleanField(default=True)),
                        ('updated_at', models.DateTimeField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('patient', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='patients.patient')),
                    ],
                    options={
                        'verbose_name': 'historical measurement plan',
                        'verbose_name_plural': 'historical measurement plans',
                        'db_table': 'measures_historicalmeasurementplan',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='MeasurementPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('calendar_instruments', models.JSONField(default=list)),
                        ('interval_days', models.JSONField(default=dict)),
                        ('after_dose', models.BooleanField(default=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('patient', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='measurement_plan', to='patients.patient')),
                    ],
                    options={
                        'db_table': 'measures_measurementplan',
                    },
                ),
                migrations.AddConstraint(
                    model_name='checkin',
                    constraint=models.UniqueConstraint(condition=models.Q(('schedule_key', ''), _negated=True), fields=('patient', 'schedule_key'), name='one_checkin_per_schedule_slot'),
                ),
            ],
        ),
    ]
