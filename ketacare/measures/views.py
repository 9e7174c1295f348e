"""Staff pages for scores and questionnaire entry."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ketacare.accounts.access import StaffRequest, permission_required
from ketacare.accounts.permissions import Action
from ketacare.audit.models import AccessAction
from ketacare.core import instruments
from ketacare.core.instruments.base import InstrumentError
from ketacare.measures import charts, hooks, selectors, services
from ketacare.measures.forms import AmendForm, QuestionnaireForm
from ketacare.measures.models import Response, Source
from ketacare.patients.access import patient_read_by_staff


def _mark_unanswered(form: QuestionnaireForm, answers: dict[str, int]) -> bool:
    """Mark every question still to answer (given the skip logic); return whether any were."""
    missing = [
        item.code
        for item in form.instrument.visible_items(answers)
        if item.required and item.code not in answers
    ]
    for code in missing:
        form.add_error(f"item_{code}", "Please answer this question.")
    return bool(missing)


def _all_errors_marked(form: QuestionnaireForm, instrument: str) -> bool:
    """Validate the form and mark unanswered questions; return whether all is well."""
    valid = form.is_valid()
    if not form.is_bound:  # an empty POST: nothing to mark
        return False
    missing = _mark_unanswered(form, services.visible_answers(instrument, form.answers()))
    return valid and not missing


def _apply_errors(form: QuestionnaireForm, exc: ValidationError) -> None:
    for key, errs in exc.message_dict.items():
        item = key.split(".", 1)[1] if "." in key else None
        field = f"item_{item}" if item and f"item_{item}" in form.fields else None
        for message in errs:
            form.add_error(field, message)


@require_safe
@permission_required(Action.CHART_READ)
def scores(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id, action=AccessAction.VIEW_CHART)
    rows = selectors.trajectory(patient)
    context = {
        "patient": patient,
        "rows": rows,
        "spec": json.dumps(charts.trajectory_spec(rows)),
        "scores": selectors.score_rows(patient),
        "references": selectors.reference_summaries(patient),
        "instruments": instruments.REGISTRY.values(),
        # From the rules the comparison uses, so the explanation cannot drift from them.
        "reliable_changes": [
            (i.name, i.change.reliable_change) for i in instruments.REGISTRY.values() if i.change
        ],
        # Check-ins (plan, "send now", delivery record) come from the app above, via a hook.
        "sections": hooks.scores_page_sections(patient=patient),
    }
    return render(request, "measures/scores.html", context)


@permission_required(Action.QUESTIONNAIRE_ENTER)
def response_new(request: StaffRequest, patient_id: int, instrument: str) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id)
    try:
        definition = instruments.get(instrument)
    except InstrumentError as exc:
        raise Http404 from exc
    form = QuestionnaireForm(request.POST or None, instrument=definition, born=patient.birth_date)
    # Every problem at once: the unanswered questions are marked even when the date is
    # wrong too, so nobody fixes one and then meets the next.
    if request.method == "POST" and _all_errors_marked(form, instrument):
        answers = services.visible_answers(instrument, form.answers())
        try:
            _, alerts = services.response_record(
                patient=patient,
                instrument=instrument,
                answers=answers,
                context=form.cleaned_data["context"],
                source=Source.STAFF,
                collected_at=form.cleaned_data["collected_at"],
                by=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            for alert in alerts:
                messages.warning(request, f"Alert raised: {alert.title}")
            messages.success(request, f"{definition.name} saved.")
            return redirect("measures:scores", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "definition": definition}
    return render(request, "measures/response_form.html", context)


@permission_required(Action.QUESTIONNAIRE_AMEND)
def response_amend(request: StaffRequest, patient_id: int, response_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id)
    response = Response.objects.filter(pk=response_id, patient=patient).first()
    if response is None:
        raise Http404
    definition = response.instrument_def
    initial = {f"item_{k}": v for k, v in response.answers.items()}
    initial.update(
        context=response.context,
        collected_at=timezone.localtime(response.collected_at).strftime("%Y-%m-%dT%H:%M"),
    )
    form = QuestionnaireForm(
        request.POST or None, instrument=definition, initial=initial, born=patient.birth_date
    )
    amend = AmendForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and amend.is_valid()
        and not _mark_unanswered(
            form, services.visible_answers(response.instrument, form.answers())
        )
    ):
        try:
            services.response_amend(
                response=response,
                by=request.user,
                reason=amend.cleaned_data["reason"],
                answers=services.visible_answers(response.instrument, form.answers()),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{definition.name} corrected; the original is kept.")
            return redirect("measures:scores", patient_id=patient.pk)
    context = {
        "patient": patient,
        "form": form,
        "amend": amend,
        "definition": definition,
        "response": response,
    }
    return render(request, "measures/response_form.html", context)
