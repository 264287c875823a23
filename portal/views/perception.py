"""The perception gap in the portal: IT's view beside the business's on the service page (an htmx
fragment, or a page of its own without JavaScript), the catalogue's largest gaps, and the form
on which a service's owner rates it for IT each quarter.

Reading: whoever may read the catalogue ('feedback.view_perception_gap'); rating: the service's
owner and admins ('feedback.record_self_assessment'), both in catalog/rules.py. Services are
read through catalog.selectors, scoped to the user.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from feedback.models import SelfAssessment
from feedback.perception import FACTORS, quarter_code, quarter_label, quarter_parse, quarter_shift
from feedback.perception_selectors import assessed_quarters, catalogue_gaps, current_quarter, service_perception
from feedback.services.self_assessment import self_assessment_record
from portal.forms import add_validation_error
from portal.perception import presenters
from portal.perception.forms import SelfAssessmentForm
from portal.views.access import catalogue_reader, require_perm, service_or_404
from portal.views.htmx import vary_on_htmx

CATALOGUE_LIMIT = 25
RATEABLE_QUARTERS = 4  # the form offers the current quarter and the three before it


@catalogue_reader
def service_perception_gap(request, slug: str):
    require_perm(request, "feedback.view_perception_gap", message="You may not read the perception gap.")
    service = service_or_404(request.user, slug)
    now = timezone.now()
    current = current_quarter(service=service, now=now)
    quarter, problem = _quarter_from(request.GET.get("quarter"), latest=current)
    view = service_perception(service=service, quarter=quarter, now=now)
    context = {
        "service": service,
        "view": view,
        "quarter_label": quarter_label(view.quarter),
        "quarter_code": quarter_code(view.quarter),
        "earlier": quarter_code(quarter_shift(view.quarter, -1)),
        "later": quarter_code(quarter_shift(view.quarter, 1)) if view.quarter < current else None,
        "rows": presenters.factor_rows(view.perception),
        "overall": presenters.overall_text(view.perception),
        "problem": problem,
        "can_record": request.user.has_perm("feedback.record_self_assessment", service),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return vary_on_htmx(render(request, "portal/perception/_service_perception.html", context))
    return vary_on_htmx(render(request, "portal/perception/service_perception.html", context))


@catalogue_reader
def perception_gaps(request):
    require_perm(request, "feedback.view_perception_gap", message="You may not read the perception gap.")
    quarter, problem = _quarter_from(request.GET.get("quarter"), latest=None)
    gaps = catalogue_gaps(user=request.user, quarter=quarter, limit=CATALOGUE_LIMIT)
    context = {
        "gaps": gaps,
        "lines": presenters.gap_lines(gaps.entries, min_responses=gaps.min_responses),
        "quarter_label": quarter_label(gaps.quarter) if gaps.quarter else None,
        "quarter_code": quarter_code(gaps.quarter) if gaps.quarter else "",
        "quarters": [(quarter_code(q), quarter_label(q)) for q in assessed_quarters(user=request.user)],
        "problem": problem,
        "limit": CATALOGUE_LIMIT,
    }
    return render(request, "portal/perception/perception_gaps.html", context)


@login_required
def self_assessment_edit(request, slug: str):
    service = service_or_404(request.user, slug)
    require_perm(
        request,
        "feedback.record_self_assessment",
        service,
        message=f"Only the owner of “{service.name}” or an admin may rate it for IT.",
    )
    current = current_quarter(service=service, now=timezone.now())
    posted = request.method == "POST"
    asked = request.POST.get("quarter", "") if posted else request.GET.get("quarter", "")
    quarter, problem = _quarter_from(asked, latest=current)
    quarter = quarter or current
    choices = [quarter_shift(current, -back) for back in range(RATEABLE_QUARTERS)]
    if quarter not in choices:
        choices.append(quarter)
    assessments = {a.period_start: a for a in SelfAssessment.objects.filter(service=service, period_start__in=choices)}
    existing = assessments.get(quarter)
    if posted:
        problem = ""  # the service names a bad quarter beside the form's other problems
        form = SelfAssessmentForm(request.POST)
        if form.is_valid():
            try:
                self_assessment_record(
                    service=service,
                    quarter=asked or quarter,
                    ratings=form.ratings(),
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_validation_error(form, _form_errors(error))
            else:
                messages.success(request, f"IT’s view of {service.name} for {quarter_label(quarter)} is saved.")
                url = reverse("portal:service_perception_gap", args=[service.slug])
                return redirect(f"{url}?quarter={quarter_code(quarter)}")
    elif existing is not None:
        form = SelfAssessmentForm(initial={**{k: str(v) for k, v in existing.ratings.items()}, "note": existing.note})
    else:
        form = SelfAssessmentForm()
    context = {
        "service": service,
        "form": form,
        "quarter": quarter,
        "quarter_code": quarter_code(quarter),
        "quarter_label": quarter_label(quarter),
        "existing": existing,
        "problem": problem,
        "quarters": [
            {"code": quarter_code(q), "label": quarter_label(q), "rated": q in assessments, "current": q == quarter}
            for q in choices
        ],
    }
    return render(request, "portal/perception/self_assessment_form.html", context)


def _quarter_from(text: str | None, *, latest: date | None) -> tuple[date | None, str]:
    """(the quarter asked for, or None; why it was set aside, or '')."""
    if not text:
        return None, ""
    try:
        quarter = quarter_parse(text)
    except ValueError as error:
        return None, str(error)
    if latest is not None and quarter > latest:
        return None, f"{quarter_label(quarter)} has not started yet."
    return quarter, ""


def _form_errors(error: ValidationError) -> ValidationError:
    """The service names a factor's problem 'ratings.<factor>'; the form's field is '<factor>'."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {}
    for field, problems in error.message_dict.items():
        name = field.removeprefix("ratings.")
        renamed[name if name in FACTORS else field] = problems
    return ValidationError(renamed)
