"""The synthetic demo clinic. Every name, date and number here is invented.

Loaded by `manage.py demo_seed`, which refuses to run outside demo mode, so these
logins can never exist on a real installation.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import Clinic, Role, StaffMember, User
from ketacare.core.phases import Phase
from ketacare.patients import services
from ketacare.patients.models import CareTeamMember, CareTeamRole, Patient

DEMO_PASSWORD = "demo-ketacare-2026"  # noqa: S105  (demo mode only; printed on the login page)
DEMO_PATIENT_EMAIL = "alex.rivera@patient.example.org"

# email, full name, title, roles, what to try with this login
DEMO_STAFF = [
    ("prescriber@demo.ketacare.org", "Dr Maya Okafor", "MD", [Role.PRESCRIBER], "prescriber"),
    ("nurse@demo.ketacare.org", "Sam Lindqvist", "RN", [Role.NURSE], "nurse / session monitor"),
    ("therapist@demo.ketacare.org", "Jordan Ellis", "LCSW", [Role.THERAPIST], "therapist"),
    ("coordinator@demo.ketacare.org", "Priya Raman", "", [Role.COORDINATOR], "care coordinator"),
    (
        "admin@demo.ketacare.org",
        "Chris Novak",
        "",
        [Role.CLINIC_ADMIN, Role.COORDINATOR],
        "clinic admin",
    ),
    ("nurse2@demo.ketacare.org", "Ana Sousa", "RN", [Role.NURSE], "second nurse"),
    (
        "prescriber2@demo.ketacare.org",
        "Dr Felix Brandt",
        "NP",
        [Role.PRESCRIBER],
        "second prescriber",
    ),
]
OUTSIDER = (
    "outsider@other.ketacare.org",
    "Robin Vale",
    "MD",
    [Role.PRESCRIBER, Role.CLINIC_ADMIN],
    "staff of another clinic (sees none of the demo patients)",
)


# Moves that only a prescriber may make (see accounts/permissions.py).
PRESCRIBER_PHASES = frozenset({Phase.INDUCTION, Phase.MAINTENANCE, Phase.DISCHARGED})


def demo_logins() -> list[tuple[str, str]]:
    rows = [(email, label) for email, _, _, _, label in DEMO_STAFF]
    rows.append((OUTSIDER[0], OUTSIDER[4]))
    rows.append((DEMO_PATIENT_EMAIL, "patient (portal: /portal/login/)"))
    return rows


GIVEN = [
    "Alex",
    "Bea",
    "Carlos",
    "Dana",
    "Eitan",
    "Farah",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kemi",
    "Lars",
    "Mina",
    "Noor",
    "Otto",
    "Pia",
    "Quinn",
    "Rosa",
    "Sol",
    "Tariq",
    "Uma",
    "Vik",
    "Wren",
    "Xiu",
    "Yara",
    "Zane",
]
FAMILY = [
    "Rivera",
    "Abbott",
    "Baptiste",
    "Chen",
    "Doyle",
    "Eriksen",
    "Fontaine",
    "Gallo",
    "Haddad",
    "Ibarra",
    "Jansen",
    "Kowalski",
    "Lindgren",
    "Moreau",
    "Nakamura",
    "Osei",
    "Petrov",
    "Quintero",
    "Rahman",
    "Silva",
    "Takahashi",
    "Umar",
    "Varga",
    "Whitfield",
    "Yilmaz",
    "Zeller",
]
# How many demo patients end in each phase (48 in all).
PHASE_MIX = [
    (Phase.REFERRED, 6),
    (Phase.EVALUATION, 8),
    (Phase.INDUCTION, 12),
    (Phase.MAINTENANCE, 14),
    (Phase.PAUSED, 4),
    (Phase.DISCHARGED, 4),
]
PATHS = {
    Phase.REFERRED: [],
    Phase.EVALUATION: [Phase.EVALUATION],
    Phase.INDUCTION: [Phase.EVALUATION, Phase.INDUCTION],
    Phase.MAINTENANCE: [Phase.EVALUATION, Phase.INDUCTION, Phase.MAINTENANCE],
    Phase.PAUSED: [Phase.EVALUATION, Phase.INDUCTION, Phase.PAUSED],
    Phase.DISCHARGED: [Phase.EVALUATION, Phase.INDUCTION, Phase.MAINTENANCE, Phase.DISCHARGED],
}
REASONS = {
    Phase.EVALUATION: "Referral accepted; evaluation booked",
    Phase.INDUCTION: "Eligible; consent signed; induction series planned",
    Phase.MAINTENANCE: "Induction complete; response on GAD-7",
    Phase.PAUSED: "Patient asked to pause over the holidays",
    Phase.DISCHARGED: "Sustained remission; discharged to GP follow-up",
}


def _user(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=name, password=DEMO_PASSWORD)
    return user


def _member(clinic: Clinic, user: User, title: str, roles: Sequence[str]) -> StaffMember:
    member, _ = StaffMember.objects.get_or_create(
        user=user, clinic=clinic, defaults={"roles": [str(r) for r in roles], "title": title}
    )
    return member


@transaction.atomic
def seed(now: dt.datetime | None = None) -> dict[str, int]:
    """Create the demo clinic; running it again adds nothing. Return counts of what exists."""
    if not settings.DEMO:
        raise ImproperlyConfigured("The demo clinic is loaded only with KETACARE_DEMO=true.")
    now = now or timezone.now()
    rng = random.Random(2026)
    clinic, _ = Clinic.objects.get_or_create(
        slug="harbour-light",
        defaults={
            "name": "Harbour Light Clinic (demo)",
            "time_zone": "America/Chicago",
            "country": "US",
            # 555-0100 to 555-0199 are reserved for fiction in North America.
            "phone": "+13125550100",
            "mrn_prefix": "HL",
            "open_days": [0, 1, 2, 3, 4, 5],
            "emergency_number": "911",
            "crisis_line_name": "988 Suicide & Crisis Lifeline",
            "crisis_line_number": "988",
            "crisis_line_note": "Call or text, any time. It is free.",
        },
    )
    other, _ = Clinic.objects.get_or_create(
        slug="northside",
        defaults={
            "name": "Northside Clinic (demo)",
            "time_zone": "Europe/London",
            "country": "GB",
            "phone": "+442079460000",  # Ofcom's range for drama
            "mrn_prefix": "NS",
            "emergency_number": "999",
            "crisis_line_name": "Samaritans",
            "crisis_line_number": "116 123",
            "crisis_line_note": "Call any time. It is free.",
        },
    )
    members = {
        email: _member(clinic, _user(email, name), title, roles)
        for email, name, title, roles, _ in DEMO_STAFF
    }
    outsider = _member(other, _user(OUTSIDER[0], OUTSIDER[1]), OUTSIDER[2], OUTSIDER[3])
    admin_user = members["admin@demo.ketacare.org"].user

    prescribers = [m for m in members.values() if m.has_role(Role.PRESCRIBER)]
    nurses = [m for m in members.values() if m.has_role(Role.NURSE)]
    therapist = members["therapist@demo.ketacare.org"]
    coordinator = members["coordinator@demo.ketacare.org"]

    number = 0
    for final_phase, count in PHASE_MIX:
        for _ in range(count):
            number += 1
            mrn = f"HL-{number:06d}"
            given = GIVEN[(number - 1) % len(GIVEN)]
            family = FAMILY[(number * 7 + number // len(GIVEN)) % len(FAMILY)]
            if number == 27:  # the demo patient login: in maintenance, with a full history
                given, family = "Alex", "Rivera"
            birth = dt.date(1950 + rng.randrange(0, 55), rng.randrange(1, 13), rng.randrange(1, 29))
            if Patient.objects.filter(clinic=clinic, mrn=mrn).exists():
                continue
            path = PATHS[final_phase]
            start = now - dt.timedelta(days=30 + 40 * len(path) + rng.randrange(0, 60))
            email = (
                DEMO_PATIENT_EMAIL
                if number == 27
                else f"{given}.{family}.{number}@patient.example.org".lower()
            )
            patient = services.patient_create(
                clinic=clinic,
                by=admin_user,
                now=start,
                mrn=mrn,
                given_name=given,
                family_name=family,
                birth_date=birth,
                sex_at_birth=rng.choice(["female", "male", "female", "male", "intersex"]),
                email=email,
                phone=f"312 555 01{number:02d}",  # typed as dialled; stored as E.164
                preferred_contact=rng.choice(["email", "email", "sms"]),
                support_name=f"{rng.choice(GIVEN)} {family}",
                support_relationship=rng.choice(["partner", "parent", "friend", "sibling"]),
                support_phone=f"(312) 555-01{number + 50:02d}",
            )
            when = start
            for step in path:
                when += dt.timedelta(days=rng.randrange(7, 40))
                # Only a prescriber signs eligibility, moves into treatment or discharges
                # (accounts/permissions.py): the demo's history follows the same rules.
                signer = prescribers[number % len(prescribers)].user
                services.patient_phase_change(
                    patient=patient,
                    to_phase=step.value,
                    reason=REASONS[step],
                    by=signer if step in PRESCRIBER_PHASES else admin_user,
                    now=min(when, now),
                )
            if path:
                team = [
                    (rng.choice(prescribers), CareTeamRole.PRESCRIBER),
                    (rng.choice(nurses), CareTeamRole.NURSE),
                    (therapist, CareTeamRole.THERAPIST),
                    (coordinator, CareTeamRole.COORDINATOR),
                ]
                for staff, role in team:
                    services.care_team_add(
                        patient=patient, staff_member=staff, role=role, by=admin_user
                    )
                if final_phase == Phase.DISCHARGED:
                    for assignment in CareTeamMember.objects.current().filter(patient=patient):
                        services.care_team_end(assignment=assignment, by=admin_user)
            if number == 27:
                user = _user(DEMO_PATIENT_EMAIL, patient.legal_name)
                patient.portal_user = user
                patient._change_reason = "portal account created (demo)"  # type: ignore[attr-defined]
                patient.save(update_fields=["portal_user"])

    # A few patients at the other clinic, so an outsider has something of their own.
    for n in range(1, 4):
        mrn = f"NS-{n:06d}"
        if not Patient.objects.filter(clinic=other, mrn=mrn).exists():
            services.patient_create(
                clinic=other,
                by=outsider.user,
                mrn=mrn,
                given_name=GIVEN[-n],
                family_name=FAMILY[-n],
                birth_date=dt.date(1980 + n, n, 10 + n),
                email=f"ns{n}@patient.example.org",
            )
    _seed_measures(clinic, rng, now, admin_user)
    return {
        "clinics": Clinic.objects.count(),
        "staff": StaffMember.objects.count(),
        "patients": Patient.objects.count(),
    }


def _answers_for_total(code: str, total: int, rng: random.Random) -> dict[str, int]:
    """Spread a target total over an instrument's scored items (synthetic data only)."""
    from ketacare.core import instruments

    items = [i for i in instruments.get(code).items if i.scored]
    answers = {i.code: 0 for i in items}
    top = max(o.value for o in items[0].options)
    remaining = max(0, min(total, top * len(items)))
    while remaining:
        item = rng.choice(items)
        if answers[item.code] < top:
            answers[item.code] += 1
            remaining -= 1
    return answers


def _seed_measures(clinic: Clinic, rng: random.Random, now: dt.datetime, by: User) -> None:
    """Give treated demo patients a believable score history and delivery record.

    Trajectories are invented: anxiety falls during induction, and some patients drift
    back up (the relapse the product exists to catch). Runs once per patient.
    """
    from ketacare.checkins import services as checkin_services
    from ketacare.checkins.models import CheckIn, CheckInStatus
    from ketacare.measures import services as measures
    from ketacare.measures.models import Response

    treated = Patient.objects.filter(
        clinic=clinic, phase__in=["induction", "maintenance", "paused", "discharged"]
    ).order_by("mrn")
    for index, patient in enumerate(treated):
        if Response.objects.filter(patient=patient).exists():
            continue
        started = patient.phase_changes.order_by("changed_at").first()
        start = started.changed_at if started else now - dt.timedelta(days=90)
        weeks = max(3, min(16, (now - start).days // 7))
        gad, phq = rng.randint(12, 19), rng.randint(10, 19)
        relapses = index % 4 == 1  # a quarter drift back up in the last weeks
        for week in range(weeks):
            when = start + dt.timedelta(days=7 * week, hours=rng.randint(0, 30))
            if when >= now:
                break
            if week:
                fall = rng.choice([0, 1, 2, 2, 3]) if week < 6 else rng.choice([-1, 0, 0, 1])
                if relapses and week >= weeks - 3:
                    fall = -rng.choice([2, 3, 4])
                gad = max(1, min(21, gad - fall))
                phq = max(1, min(27, phq - fall + rng.choice([-1, 0, 1])))
            context = "baseline" if week == 0 else "weekly"
            missed = week and rng.random() < 0.12
            checkin = CheckIn.objects.create(
                patient=patient,
                instruments=["gad7", "phq9"],
                context=context,
                due_at=when,
                expires_at=when + dt.timedelta(hours=72),
                channel="email",
                sent_at=when,
                status=CheckInStatus.MISSED if missed else CheckInStatus.SUBMITTED,
                opened_at=None if missed else when + dt.timedelta(hours=2),
                submitted_at=None if missed else when + dt.timedelta(hours=2, minutes=4),
                missed_at=when + dt.timedelta(hours=72) if missed else None,
                schedule_key=f"demo:{week}",
            )
            if missed:
                continue
            phq_answers = _answers_for_total("phq9", phq, rng)
            phq_answers["9"] = 1 if (relapses and week == weeks - 1 and index % 8 == 1) else 0
            for code, answers in (
                ("gad7", _answers_for_total("gad7", gad, rng)),
                ("phq9", phq_answers),
            ):
                measures.response_record(
                    patient=patient,
                    instrument=code,
                    answers=answers,
                    context=context,
                    source="link",
                    collected_at=when + dt.timedelta(hours=2, minutes=4),
                    checkin=checkin,
                )
    # Alex (the demo patient login) has a check-in waiting now.
    alex = Patient.objects.filter(clinic=clinic, portal_user__email=DEMO_PATIENT_EMAIL).first()
    if alex and not CheckIn.objects.filter(patient=alex, schedule_key="demo:now").exists():
        waiting = checkin_services.checkin_create(
            patient=alex,
            instruments_=["gad7", "phq9"],
            context="weekly",
            due_at=now,
            schedule_key="demo:now",
        )
        CheckIn.objects.filter(pk=waiting.pk).update(
            status=CheckInStatus.SENT, sent_at=now, channel="email"
        )


def demo_checkin_link(now: dt.datetime | None = None) -> str | None:
    """Issue a fresh secure link for Alex's waiting check-in (demo mode only)."""
    from ketacare.checkins import services as checkin_services
    from ketacare.checkins.models import CheckIn

    if not settings.DEMO:
        return None
    waiting = CheckIn.objects.filter(
        patient__portal_user__email=DEMO_PATIENT_EMAIL,
        schedule_key="demo:now",
        status__in=["sent", "opened", "started"],
    ).first()
    if waiting is None:
        return None
    return checkin_services.link_url(checkin_services.link_issue(waiting, now or timezone.now()))
