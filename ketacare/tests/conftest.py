"""Browser fixtures shared by the journeys and the accessibility checks: one Chromium
(Debian's, driven by Playwright) for the whole session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per session; a missing one fails under CI=true."""
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed, and CI=true forbids skipping browser tests.")
        pytest.skip(
            "*** Chromium not found: browser journeys SKIPPED (apt-get install chromium) ***"
        )
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


# --- records every page of the access matrix and the bad-input sweep needs -----------


@pytest.fixture
def assignment(patient, bob, alice):
    from ketacare.patients import services

    return services.care_team_add(patient=patient, staff_member=bob, role="nurse", by=alice.user)


@pytest.fixture
def response(patient):
    from django.utils import timezone

    from ketacare.measures import services

    return services.response_record(
        patient=patient,
        instrument="gad7",
        answers={str(i): 1 for i in range(1, 8)},
        context="ad_hoc",
        source="staff",
        collected_at=timezone.now(),
    )[0]


@pytest.fixture
def checkin(patient):
    from django.utils import timezone

    from ketacare.checkins import services as checkin_services

    return checkin_services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=timezone.now()
    )


@pytest.fixture
def objs(patient, assignment, admin, response, checkin):
    from django.utils import timezone

    from ketacare.checkins import services as checkin_services

    return {
        "token": checkin_services.link_issue(checkin, timezone.now()),
        "patient": patient,
        "assignment": assignment,
        "admin": admin,
        "response": response,
        "checkin": checkin,
    }
