"""`{{ number|phone_display }}`: a stored number as people read it, in every template.

Registered as a template builtin (settings.TEMPLATES), so staff pages, the portal, emails
and SMS all show "+1 312-555-0142" rather than the stored "+13125550142". `tel:` links keep
the stored E.164 form, which every phone dials.
"""

from __future__ import annotations

from django import template

from ketacare.lib import phones

register = template.Library()


@register.filter(name="phone_display")
def phone_display(value: object) -> str:
    return phones.phone_display(str(value or ""))
