import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.utils import timezone

from ketacare.audit.models import AccessEvent, AppendOnlyError
from ketacare.audit.services import access_record


@pytest.fixture
def event(alice, patient):
    access_record(actor=alice.user, patients=[patient], action="view_chart")
    return AccessEvent.objects.get()


def test_a_logged_read_cannot_be_changed(event):
    event.action = "export"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.filter(pk=event.pk).update(at=timezone.now())


def test_a_logged_read_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()
    assert AccessEvent.objects.count() == 1


def test_not_even_a_superuser_can_edit_the_log_in_the_admin(event, django_user_model):
    superuser = django_user_model.objects.create_superuser(
        email="root@x.test", password="x", full_name="R"
    )
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = site._registry[AccessEvent]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_it_records_who_what_where(alice, patient):
    request = RequestFactory().get("/patients/1/?x=1", REMOTE_ADDR="10.1.2.3")
    access_record(actor=alice.user, patients=[patient], action="export", request=request)
    event = AccessEvent.objects.get()
    assert (event.path, event.ip_address, event.action) == (
        "/patients/1/?x=1",
        "10.1.2.3",
        "export",
    )


def test_every_staff_page_showing_a_patient_logs_the_read(alice_client, alice, patient):
    from django.urls import reverse

    from ketacare.audit.models import AccessAction

    pages = {
        reverse("patients:detail", args=[patient.pk]): AccessAction.VIEW_CHART,
        reverse("patients:edit", args=[patient.pk]): AccessAction.VIEW_PAGE,
        reverse("patients:audit", args=[patient.pk]): AccessAction.VIEW_AUDIT,
        reverse("patients:export", args=[patient.pk]): AccessAction.EXPORT,
        reverse("measures:scores", args=[patient.pk]): AccessAction.VIEW_CHART,
        reverse("measures:response_new", args=[patient.pk, "gad7"]): AccessAction.VIEW_PAGE,
        reverse("measures:plan", args=[patient.pk]): AccessAction.VIEW_PAGE,
    }
    for url, action in pages.items():
        before = AccessEvent.objects.count()
        assert alice_client.get(url).status_code == 200
        event = AccessEvent.objects.first()
        assert AccessEvent.objects.count() == before + 1, url
        assert (event.actor, event.patient, event.action, event.path) == (
            alice.user,
            patient,
            action,
            url,
        )


def test_even_raw_sql_cannot_change_the_log(event):
    from django.db import DatabaseError, connection, transaction

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_accessevent SET action = 'export'")
    event.refresh_from_db()
    assert event.action == "view_chart"
