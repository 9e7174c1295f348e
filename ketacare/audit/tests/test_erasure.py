"""The audit trail cannot be erased or blurred: not by deleting the person who acted, not
by raw SQL, not on SQLite, not after a dump-and-load restore."""

from __future__ import annotations

import sqlite3

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.db.models.signals import pre_delete
from django.test import RequestFactory

from ketacare.accounts.models import User
from ketacare.audit.models import AccessEvent
from ketacare.audit.services import access_record
from ketacare.patients.models import Patient

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's own guard; PostgreSQL has roles"
)


@pytest.fixture
def root(django_user_model) -> User:
    user: User = django_user_model.objects.create_superuser(
        email="root@x.test", password="x", full_name="Rae Root"
    )
    return user


@pytest.fixture
def edited_by_root(patient, root) -> Patient:
    """A superuser (no clinic membership to protect them) corrects a record in the admin."""
    patient.phone = "+1 555 0142"
    patient._history_user = root
    patient.save()
    return patient


def _last_editor(patient: Patient) -> User | None:
    return patient.history.order_by("-history_id").first().history_user


def test_deleting_someone_whose_changes_are_in_the_history_is_refused(edited_by_root, root):
    with pytest.raises(ProtectedError, match="deactivate"), transaction.atomic():
        root.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        User.objects.filter(pk=root.pk).delete()
    assert _last_editor(edited_by_root) == root


def test_deleting_someone_who_read_a_record_is_refused(patient, root):
    access_record(actor=root, patients=[patient], action="view_admin")
    with pytest.raises(ProtectedError), transaction.atomic():
        root.delete()


def test_someone_with_no_trail_can_still_be_deleted(root):
    root.delete()
    assert not User.objects.filter(pk=root.pk).exists()


def test_the_admin_offers_deactivation_not_deletion(edited_by_root, root, django_user_model):
    other = django_user_model.objects.create_user(email="new@x.test", password="x", full_name="N")
    request = RequestFactory().get("/")
    request.user = root
    user_admin = site._registry[User]
    assert not user_admin.has_delete_permission(request, root)
    assert user_admin.has_delete_permission(request, other)


def test_even_past_django_the_database_keeps_the_actor(edited_by_root, root):
    """Without the model's guard, Django would set history_user to NULL: the database
    refuses that update, so the delete fails as a whole."""
    receivers = pre_delete._live_receivers(User)
    assert receivers, "the model-level guard is not connected"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pre_delete, "receivers", [])
        mp.setattr(pre_delete, "sender_receivers_cache", {})
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            User.objects.filter(pk=root.pk).delete()
    assert _last_editor(edited_by_root) == root


def test_history_rows_cannot_be_rewritten_with_raw_sql(edited_by_root, root):
    table = Patient.history.model._meta.db_table
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET history_user_id = NULL")  # noqa: S608
    assert _last_editor(edited_by_root) == root


def test_history_rows_cannot_be_deleted_with_raw_sql_or_the_prune_command(edited_by_root, root):
    """Found by attacking the build: history could be pruned on SQLite (UPDATE was refused,
    DELETE was not), by raw SQL or simple-history's own `clean_old_history`."""
    from django.core.management import call_command

    table = Patient.history.model._meta.db_table
    before = Patient.history.count()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        call_command("clean_old_history", "--auto", "--days", "0", verbosity=0)
    assert Patient.history.count() == before


def test_every_history_table_has_the_append_only_trigger(db):
    """Row triggers fire only on rows: check each table carries one (the patient's history
    above shows it refusing); a new app's historical table is covered after migrate."""
    from ketacare.audit.history import historical_models

    tables = {m._meta.db_table for m in historical_models()}
    assert len(tables) >= 6
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE '%%append_only'"
            )
        guarded = {row[0] for row in cursor.fetchall()}
    assert tables <= guarded, tables - guarded


def test_raw_sql_cannot_delete_from_the_access_log(patient, alice):
    access_record(actor=alice.user, patients=[patient], action="view_chart")
    access_record(
        actor=alice.user, patients=[patient, patient.clinic.patients.first()], action="view_list"
    )
    for table in ("audit_accesseventpatient", "audit_accessevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    assert AccessEvent.objects.count() == 2


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_only_the_test_databases_flush_may_empty_the_log(clinic, alice, patient):
    access_record(actor=alice.user, patients=[patient], action="view_chart")
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accessevent")
    call_command("flush", interactive=False, verbosity=0)
    assert AccessEvent.objects.count() == 0


@sqlite_only
def test_a_dump_and_load_restore_keeps_the_guard(patient, alice, tmp_path):
    from ketacare.audit.sqlite import register_functions

    access_record(actor=alice.user, patients=[patient], action="view_chart")
    source = sqlite3.connect(connection.settings_dict["NAME"])
    restored_path = tmp_path / "restored.sqlite3"
    restored = sqlite3.connect(restored_path)
    restored.executescript("\n".join(source.iterdump()))
    source.close()
    restored.execute(
        "INSERT INTO audit_accessevent (action, path, at) VALUES ('view_chart', '', '2026-01-01')"
    )
    restored.commit()
    # A bare sqlite3 shell has no way to say "this is a test flush": DELETE fails closed.
    with pytest.raises(sqlite3.OperationalError):
        restored.execute("DELETE FROM audit_accessevent")
    restored.close()
    # Opened the way ketacare opens it, the trigger refuses with its own message.
    app_like = sqlite3.connect(restored_path)
    register_functions(app_like, erasable=lambda: False)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        app_like.execute("DELETE FROM audit_accessevent")
    assert app_like.execute("SELECT count(*) FROM audit_accessevent").fetchone()[0] == 1
    app_like.close()
