from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from ketacare.accounts.access import PatientRequest, patient_required
from ketacare.accounts.forms import PortalLoginForm
from ketacare.audit.models import AccessAction
from ketacare.audit.services import access_record
from ketacare.patients.selectors import care_team_current

PHASE_MEANING = {
    "referred": "We have your referral and will contact you to arrange an evaluation.",
    "evaluation": "We are getting to know you and checking that this treatment is right for you.",
    "induction": "You are in the first series of treatment sessions.",
    "maintenance": "You have finished the first series; we keep checking in and plan "
    "further sessions when they help.",
    "paused": "Your treatment is on hold for now. We still want to hear how you are.",
    "discharged": "Your treatment with us has ended. You can contact us if you need us.",
}


class PortalLoginView(auth_views.LoginView):
    form_class = PortalLoginForm
    template_name = "portal/login.html"
    redirect_authenticated_user = True
    next_page = "portal:home"


@patient_required
def home(request: PatientRequest) -> HttpResponse:
    patient = request.patient
    access_record(
        actor=request.user, patients=[patient], action=AccessAction.PORTAL_VIEW, request=request
    )
    context = {
        "patient": patient,
        "phase_meaning": PHASE_MEANING.get(patient.phase, ""),
        "care_team": care_team_current(patient),
        "clinic": patient.clinic,
    }
    return render(request, "portal/home.html", context)


set_password = auth_views.PasswordResetConfirmView.as_view(
    template_name="portal/set_password.html",
    success_url=reverse_lazy("portal:login"),
    post_reset_login=False,
)
