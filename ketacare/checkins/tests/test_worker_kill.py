"""A real worker process, killed with SIGKILL in the middle of a round.

The worker runs `manage.py worker --once` against the test database, with a test-only
pause (KETACARE_TEST_PAUSE) at the step under attack and a file-based mail backend, so
what it sent before dying is on disk. After the kill nothing may be stuck, nothing sent
twice, and no email may name a link that does not exist.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ketacare.checkins import services, worker
from ketacare.checkins.models import CheckIn, CheckInLink, CheckInStatus, hash_token
from ketacare.measures.models import Context
from ketacare.outbox.models import Message
from ketacare.outbox.services import deliver_due

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


def _database_env() -> dict[str, str]:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    user, password = db.get("USER") or "", db.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = db.get("HOST") or "localhost"
    if host.startswith("/"):
        return {"DATABASE_URL": f"postgres://{auth}/{db['NAME']}?host={host}&port={db['PORT']}"}
    return {"DATABASE_URL": f"postgres://{auth}{host}:{db.get('PORT') or 5432}/{db['NAME']}"}


def _worker_env(mailbox: Path, pause: str = "", mark: Path | None = None) -> dict[str, str]:
    return {
        **os.environ,
        **_database_env(),
        "DJANGO_SETTINGS_MODULE": "ketacare.settings",
        "KETACARE_TESTING": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mailbox),
        "KETACARE_TEST_PAUSE": f"{pause}:120" if pause else "",
        "KETACARE_TEST_PAUSE_MARK": str(mark or ""),
    }


def _spawn(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--once"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _start_worker(tmp_path: Path, pause: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    mailbox, mark = tmp_path / "mail", tmp_path / "paused"
    mailbox.mkdir()
    process = _spawn(_worker_env(mailbox, pause, mark))
    deadline = time.monotonic() + 60
    while not mark.exists():
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"the worker ended before reaching {pause}: {output}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the worker never reached {pause}")
        time.sleep(0.05)
    return process, mailbox, mark


def _kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def _due(patient):
    return services.checkin_create(
        patient=patient,
        instruments_=["gad7"],
        context=Context.WEEKLY,
        due_at=timezone.now() - dt.timedelta(minutes=5),
    )


def _links_in(bodies: list[str]) -> list[str]:
    return [m for body in bodies for m in re.findall(r"/c/([\w-]+)/", body)]


def test_killed_while_sending_an_email_the_lease_lapses_and_it_is_sent_once(
    patient, tmp_path, settings, client
):
    checkin = _due(patient)
    process, mailbox, _ = _start_worker(tmp_path, "outbox_send")
    _kill(process)

    # Nothing left the machine, and what the dead worker held is on record, not lost.
    assert list(mailbox.iterdir()) == []
    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.SENT
    message = Message.objects.get()
    assert message.status == "pending" and message.claimed_by and message.attempts == 1
    assert message.lease_until is not None

    # While the lease runs another worker leaves the message alone...
    assert deliver_due(now=timezone.now(), worker="other") == {"sent": 0, "failed": 0}
    # ...and once it lapses, takes it over and sends it, once.
    after_lease = message.lease_until + dt.timedelta(seconds=1)
    assert deliver_due(now=after_lease, worker="other") == {"sent": 1, "failed": 0}
    assert deliver_due(now=after_lease + dt.timedelta(hours=1), worker="other")["sent"] == 0
    assert len(mail.outbox) == 1
    (token,) = _links_in([str(mail.outbox[0].body)])
    link = CheckInLink.objects.get(token_hash=hash_token(token))
    assert link.checkin_id == checkin.pk and link.revoked_at is None
    assert client.get(reverse("measures:link", args=[token])).status_code == 200
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2 and not message.claimed_by
    assert message.body == ""  # the plaintext link is not kept once it has left


def test_killed_while_preparing_a_check_in_nothing_is_held_and_the_next_round_sends_it(
    patient, tmp_path, client
):
    checkin = _due(patient)
    process, mailbox, _ = _start_worker(tmp_path, "checkin_send")
    _kill(process)

    # The dead worker's transaction rolled back: no claim, no link, no message.
    assert list(mailbox.iterdir()) == []
    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.SCHEDULED and checkin.sent_at is None
    assert not CheckInLink.objects.exists() and not Message.objects.exists()

    # The very next round of any worker sends it, once.
    done = worker.run_once(now=timezone.now(), worker="other")
    assert (done["sent"], done["delivered"]) == (1, 1)
    assert worker.run_once(now=timezone.now(), worker="third")["delivered"] == 0
    assert len(mail.outbox) == 1
    (token,) = _links_in([str(mail.outbox[0].body)])
    assert client.get(reverse("measures:link", args=[token])).status_code == 200


def test_a_killed_worker_never_leaves_an_email_whose_link_does_not_exist(patient, tmp_path):
    """Let the worker really send (no pause at the send), kill it right after; every link
    in every email on disk must be a committed, live link."""
    for _ in range(3):
        _due(patient)
    process, mailbox, _ = _start_worker(tmp_path, "after_round")
    _kill(process)
    bodies = [f.read_text() for f in mailbox.iterdir()]
    assert len(bodies) == 3
    for token in _links_in(bodies):
        assert CheckInLink.objects.filter(token_hash=hash_token(token)).exists()
    assert Message.objects.filter(status="sent").count() == 3


def test_three_worker_processes_at_once_send_each_message_once(patient, tmp_path):
    for _ in range(30):
        _due(patient)
    mailbox = tmp_path / "mail"
    mailbox.mkdir()
    processes = [_spawn(_worker_env(mailbox)) for _ in range(3)]
    for process in processes:
        output = process.communicate(timeout=120)[0].decode()
        assert process.returncode == 0, output
    worker.run_once(now=timezone.now(), worker="last")  # what a round left queued
    bodies = [f.read_text() for f in mailbox.iterdir()] + [str(m.body) for m in mail.outbox]
    links = _links_in(bodies)
    assert len(links) == 30 and len(set(links)) == 30
    assert Message.objects.filter(status="sent").count() == 30
    assert CheckIn.objects.filter(status=CheckInStatus.SENT).count() == 30


def test_with_the_mail_server_down_the_worker_process_finishes_its_round(patient, tmp_path):
    """It used to exit 1 on the first mail error in the reminder step, marking it sent."""
    due = timezone.now() - dt.timedelta(hours=25)
    reminded = services.checkin_create(
        patient=patient, instruments_=["gad7"], context=Context.WEEKLY, due_at=due, now=due
    )
    worker.send_due(now=due + dt.timedelta(minutes=1))
    deliver_due(now=due + dt.timedelta(minutes=1), worker="before")
    _due(patient)
    mailbox = tmp_path / "mail"
    mailbox.mkdir()
    env = {
        **_worker_env(mailbox),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": "9",  # nobody listens: every connection is refused
        "EMAIL_USE_TLS": "false",
    }
    process = _spawn(env)
    output = process.communicate(timeout=120)[0].decode()
    assert process.returncode == 0, output
    assert "sent 1, reminded 1" in output and "delivered 0" in output
    waiting = Message.objects.filter(status="pending")
    assert waiting.count() == 2 and all("Connection" in m.last_error for m in waiting)
    assert not reminded.events.filter(event="reminded").exists()
    assert reminded.events.filter(event="remind_failed").exists()
