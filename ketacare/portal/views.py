from __future__ import annotations

import json

from django import forms
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from ketacare.accounts.forms import PortalLoginForm
from ketacare.accounts.selectors import crisis_help_for_visitors
from ketacare.accounts.throttle import email_rate_limited, posted_email
from ketacare.accounts.views import PasswordLoginView
from ketacare.checkins import selectors as checkin_selectors
from ketacare.checkins.answering import answer_checkin, save_one_answer
from ketacare.checkins.models import OPEN_STATUSES, CheckIn
from ketacare.measures import charts, selectors
from ketacare.measures.models import Source
from ketacare.patients.access import PatientRequest, patient_read_by_self, patient_required
from ketacare.patients.selectors import care_team_current
from ketacare.portal import magic
from ketacare.portal.plain_words import explain_scores

PHASE_MEANING = {
    "referred": "We have your referral and will contact you to arrange an evaluation.",
    "evaluation": "We are getting to know you and checking that this treatment is right for you.",
    "induction": "You are in the first series of treatment sessions.",
    "maintenance": "You have finished the first series; we keep checking in and plan "
    "further sessions when they help.",
    "paused": "Your treatment is on hold for now. We still want to hear how you are.",
    "discharged": "Your treatment with us has ended. You can contact us if you need us.",
}

LEARN_PAGES = {
    "after-a-dose": "What to expect after a treatment session",
    "feeling-worse": "Why some people feel worse for a while, and what helps",
    "when-to-call": "When to contact the clinic, and when to call for help at once",
}


class PortalLoginView(PasswordLoginView):
    form_class = PortalLoginForm
    template_name = "portal/login.html"
    redirect_authenticated_user = True
    next_page = "portal:home"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        return {**super().get_context_data(**kwargs), "clinic": crisis_help_for_visitors()}


@patient_required
def home(request: PatientRequest) -> HttpResponse:
    patient = request.patient
    patient_read_by_self(request)
    context = {
        "patient": patient,
        "phase_meaning": PHASE_MEANING.get(patient.phase, ""),
        "care_team": care_team_current(patient),
        "clinic": patient.clinic,
        "due": checkin_selectors.open_checkins(patient),
    }
    return render(request, "portal/home.html", context)


def _own_checkin(request: PatientRequest, checkin_id: int) -> CheckIn:
    checkin = CheckIn.objects.filter(pk=checkin_id, patient=request.patient).first()
    if checkin is None:
        raise Http404("No such check-in.")
    return checkin


@patient_required
def checkin(request: PatientRequest, checkin_id: int) -> HttpResponse:
    item = _own_checkin(request, checkin_id)
    if item.status not in OPEN_STATUSES:
        return render(
            request,
            "portal/checkin_closed.html",
            {"checkin": item, "clinic": request.patient.clinic},
        )
    save_url = reverse("portal:checkin_save", args=[item.pk])
    patient_read_by_self(request)
    return answer_checkin(
        request,
        item,
        source=Source.PORTAL,
        by=request.user,
        extra={"save_url": save_url, "portal": True},
    )


@require_POST
@patient_required
def checkin_save(request: PatientRequest, checkin_id: int) -> HttpResponse:
    item = _own_checkin(request, checkin_id)
    patient_read_by_self(request)
    return save_one_answer(
        request, item, {"save_url": reverse("portal:checkin_save", args=[item.pk])}
    )


@patient_required
def progress(request: PatientRequest) -> HttpResponse:
    patient = request.patient
    patient_read_by_self(request)
    rows = selectors.trajectory(patient)
    context = {
        "patient": patient,
        "rows": rows,
        "spec": json.dumps(charts.trajectory_spec(rows)),
        "explained": explain_scores(patient),
    }
    return render(request, "portal/progress.html", context)


@patient_required
def learn(request: PatientRequest, slug: str = "") -> HttpResponse:
    if slug and slug not in LEARN_PAGES:
        raise Http404
    template = f"portal/learn/{slug}.html" if slug else "portal/learn/index.html"
    return render(
        request,
        template,
        {
            "pages": LEARN_PAGES,
            "clinic": request.patient.clinic,
            "title": LEARN_PAGES.get(slug, "Learn"),
        },
    )


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


@email_rate_limited("portal-sign-in-link", recipient=posted_email, what="email a sign-in link")
def magic_request(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        magic.send_link(form.cleaned_data["email"])
        return render(request, "portal/magic_sent.html")
    return render(request, "portal/magic_request.html", {"form": form})


def magic_login(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST signs in (mail scanners follow links but press no buttons)."""
    user = magic.user_for_token(token)
    if user is None:
        return render(request, "portal/magic_invalid.html", status=410)
    if request.method == "POST":
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("portal:home")
    return render(request, "portal/magic_confirm.html")


set_password = auth_views.PasswordResetConfirmView.as_view(
    template_name="portal/set_password.html",
    success_url=reverse_lazy("portal:login"),
    post_reset_login=False,
)
