"""Reads about clinics that pages need before anyone has signed in."""

from __future__ import annotations

from ketacare.accounts.models import CRISIS_FIELDS, Clinic


def crisis_help_for_visitors() -> Clinic | None:
    """The crisis help to show someone who has not signed in (the portal sign-in page).

    We do not know their clinic yet. With one clinic, it is that clinic's help. With several
    that all give the same help, that help, without any one clinic's name or phone. When
    they differ, None: the page then gives the general wording rather than a number that
    may be wrong for this person.
    """
    clinics = list(Clinic.objects.all()[:2])
    if len(clinics) == 1:
        return clinics[0]
    settings = set(Clinic.objects.values_list(*CRISIS_FIELDS).distinct()[:2])
    if len(settings) != 1:
        return None
    return Clinic(**dict(zip(CRISIS_FIELDS, settings.pop(), strict=True)))
