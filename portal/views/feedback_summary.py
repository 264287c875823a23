"""A service's feedback scores (CSAT, NPS, CES): a section of the service page loaded by htmx, or
a page of its own without JavaScript. `?period=week|month|quarter` (default quarter).

Readable by whoever may read the service (catalogue readers), scoped through catalog.selectors;
the numbers come from feedback.selectors, the words from portal.feedback_scores.presenters.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.models import MeasurePeriod, Service
from feedback.selectors import DEFAULT_PERIOD, service_feedback_summary
from portal import service_charts
from portal.feedback_scores.presenters import section_view
from portal.views.access import catalogue_reader
from portal.views.htmx import vary_on_htmx

PERIOD_CHOICES = [(MeasurePeriod.WEEK, "Week"), (MeasurePeriod.MONTH, "Month"), (MeasurePeriod.QUARTER, "Quarter")]


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        choices=PERIOD_CHOICES,
        required=False,
        error_messages={"invalid_choice": "Choose a week, a month or a quarter."},
    )


@catalogue_reader
def service_feedback(request, slug: str):
    try:
        service = catalog_selectors.service_list(user=request.user).prefetch_related(None).get(slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None
    form = PeriodForm(request.GET)
    valid = form.is_valid()
    period = (form.cleaned_data.get("period") if valid else "") or DEFAULT_PERIOD
    summary = service_feedback_summary(user=request.user, service=service, now=timezone.now(), period=period)
    context = {
        "service": service,
        "summary": summary,
        "section": section_view(summary),
        "charts": service_charts.feedback_charts(summary),
        "form": form,
        "periods": PERIOD_CHOICES,
    }
    status = 200 if valid else 400
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    template = "portal/feedback/_service_feedback.html" if fragment else "portal/feedback/service_feedback.html"
    response = render(request, template, context, status=status)
    return vary_on_htmx(response)
