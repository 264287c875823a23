"""The scorecard of a service (a fragment of the service page, loaded by htmx, or a page of its
own without JavaScript) and the maturity of an agreement (a badge on the agreement page and in
the service page's list of agreements in force, loaded the same way).

Readable by whoever may read the service (catalogue readers), scoped through catalog.selectors;
an agreement's maturity by whoever may see the agreement.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.models import Agreement, AgreementStatus, Service
from feedback.selectors import DEFAULT_PERIOD, service_feedback_summary
from portal import charts, service_charts
from portal.feedback_scores.presenters import section_view
from portal.scorecard import presenters
from portal.selectors import agreement_for_user
from portal.views.access import catalogue_reader
from portal.views.htmx import vary_on_htmx
from sla import scorecard_selectors

# Superseded and withdrawn versions are history: their measures are no longer evaluated.
MATURING_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.PROPOSED, AgreementStatus.AGREED)


@catalogue_reader
def service_scorecard(request, slug: str):
    try:
        service = catalog_selectors.service_list(user=request.user).prefetch_related(None).get(slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None
    now = timezone.now()
    scorecard = scorecard_selectors.service_scorecard(service=service, now=now)
    context = {
        "service": service,
        "scorecard": scorecard,
        "factors": presenters.factor_views(scorecard),
        "budget_chart": charts.error_budget_chart([m for f in scorecard.factors for m in f.measures]),
    }
    if _wants_fragment(request):
        # On the service page, whose own sections draw the SLA and feedback charts.
        return vary_on_htmx(render(request, "portal/scorecard/_service_scorecard.html", context))
    # The scorecard as a page: the service's other trends too, built as the service page's sections
    # build them (portal/service_charts.py); tickets only for those signed in, as on the service page.
    summary = service_feedback_summary(user=request.user, service=service, now=now, period=DEFAULT_PERIOD)
    context["feedback_summary"] = summary
    context["feedback_section"] = section_view(summary)
    context["feedback_charts"] = service_charts.feedback_charts(summary)
    if request.user.is_authenticated:
        context["attainment_chart"] = service_charts.attainment_chart(service=service, now=now)
        context["ticket_load_chart"] = service_charts.ticket_load_chart(user=request.user, service=service, now=now)
    return vary_on_htmx(render(request, "portal/scorecard/service_scorecard.html", context))


@catalogue_reader
def agreement_maturity(request, pk: int):
    try:
        agreement = agreement_for_user(user=request.user, pk=pk)
    except Agreement.DoesNotExist:
        raise Http404("No such agreement.") from None
    maturity = None
    if agreement.status in MATURING_STATUSES:
        maturity = scorecard_selectors.agreement_maturity(agreement=agreement, now=timezone.now())
    context = {"agreement": agreement, "maturity": maturity}
    if _wants_fragment(request):
        return vary_on_htmx(render(request, "portal/scorecard/_maturity.html", context))
    return vary_on_htmx(render(request, "portal/scorecard/agreement_maturity.html", context))


def _wants_fragment(request) -> bool:
    """htmx asks for the fragment; a history restore gets the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request
