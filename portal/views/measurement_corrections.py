"""Correcting a data point, from the service's measurements page: one point's page with a form
for the right value and one to remove it (each with the reason) and the point's history.
Written by sla.services (measurement_correct, measurement_remove); who may is catalog/rules.py's
'sla.record_measurements' on the service (its owner and admins). On a problem, the page again
with the messages beside the fields, and nothing changed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from portal.forms import add_validation_error
from portal.views.access import form_action, require_perm
from portal.views.measurements import _measure_rows
from sla import selectors as sla_selectors
from sla.correction_selectors import final_verdict_of
from sla.models import Measurement
from sla.models.measurements import REASON_MAX
from sla.services import measurement_correct, measurement_remove
from sla.services.measurement_corrections import settled_message
from sla.services.measurements import number_text

REASON_HELP = "Why: kept with the point's history, where everyone who reads the measure can see it."


class CorrectionForm(forms.Form):
    value = forms.FloatField(label="New value")
    reason = forms.CharField(
        label="Reason", max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}), help_text=REASON_HELP
    )


class RemovalForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}), help_text=REASON_HELP
    )


@login_required
def measurement_correct_view(request, slug: str, pk: int):
    """GET: the point, its history and the forms. POST: the right value, with the reason."""
    point = _point_to_correct(request, slug, pk)
    if request.method != "POST":
        return _page(request, point)
    form = CorrectionForm(request.POST, prefix="correct")
    if form.is_valid():
        old, what = point.value, _what(point)
        try:
            measurement_correct(measurement=point, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(
                request,
                f"Corrected {what}: {number_text(old)} is now {number_text(point.value)}. "
                "The measure is being evaluated again.",
            )
            return redirect("portal:service_measurements", slug=point.service.slug)
    return _page(request, point, correct=form)


@login_required
@form_action("portal:measurement_correct")
def measurement_remove_view(request, slug: str, pk: int):
    """POST: remove the point, with the reason; its history stays."""
    point = _point_to_correct(request, slug, pk)
    form = RemovalForm(request.POST, prefix="remove")
    if form.is_valid():
        what = _what(point)
        try:
            measurement_remove(measurement=point, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, f"Removed {what}. Its history is kept; the measure is being evaluated again.")
            return redirect("portal:service_measurements", slug=point.service.slug)
    return _page(request, point, remove=form)


# --- helpers --------------------------------------------------------------------------------


def _point_to_correct(request, slug: str, pk: int) -> Measurement:
    """The point, if the user may read it (else 404) and correct it (else 403)."""
    point = (
        sla_selectors.measurement_list(user=request.user)
        .filter(service__slug=slug, pk=pk)
        .select_related("service__category")
        .first()
    )
    if point is None:
        raise Http404("No such data point.")
    require_perm(
        request,
        "sla.record_measurements",
        point.service,
        message=f"Only the owner of “{point.service.name}” or an admin may correct its measurements.",
    )
    return point


def _measure_of(point: Measurement):
    """The measure the point feeds, as the measurements page lists it (None: no version defines it)."""
    return {row.key: row for row in _measure_rows(point.service)}.get(point.measure_key)


def _what(point: Measurement) -> str:
    measure = _measure_of(point)
    at = timezone.localtime(point.measured_at)
    return f"the point of “{measure.name if measure else point.measure_key}” at {at:%d %b %Y, %H:%M}"


def _page(request, point: Measurement, *, correct=None, remove=None):
    final = final_verdict_of(point)
    context = {
        "service": point.service,
        "point": point,
        "measure": _measure_of(point),
        "settled": settled_message(final, point.service) if final else "",
        "history": list(point.corrections.select_related("corrected_by")),
        "correct": correct or CorrectionForm(prefix="correct"),
        "remove": remove or RemovalForm(prefix="remove"),
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "portal/measurements/correct.html", context)
