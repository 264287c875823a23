"""SLA pages: how a service keeps its targets this month, one ticket with its clocks, and the
alerts inbox where the people of a service acknowledge alerts. (Ticket clocks at risk are on the
early-warning board, portal/views/board.py.)"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from catalog import selectors as catalog_selectors
from catalog.models import Service
from portal import service_charts
from portal.sla import presenters
from portal.sla import selectors as portal_sla
from portal.sla.forms import AlertFilterForm
from portal.views.access import form_action, require_perm
from portal.views.htmx import vary_on_htmx
from sla import selectors as sla_selectors
from sla.models import Alert, AlertState, Ticket
from sla.services import alert_acknowledge

PAGE_SIZE = 50
AT_RISK_ON_SERVICE_PAGE = 10


@login_required
def service_sla(request, slug: str):
    """This month's attainment and the open tickets at risk: a fragment of the service page
    (loaded by htmx), or a page of its own without JavaScript."""
    try:
        service = catalog_selectors.service_list(user=request.user).prefetch_related(None).get(slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None
    now = timezone.now()
    month_start, month_end = presenters.month_bounds(now, settings.TIME_ZONE)
    outcomes = sla_selectors.service_attainment(service=service, start=month_start, end=month_end)
    at_risk, at_risk_total = portal_sla.service_tickets_at_risk(
        user=request.user, service=service, now=now, limit=AT_RISK_ON_SERVICE_PAGE
    )
    context = {
        "service": service,
        "month_start": month_start,
        "time_zone_name": settings.TIME_ZONE,
        "attainment": presenters.attainment_table(outcomes, portal_sla.agreed_target_summary(service=service)),
        "at_risk": at_risk,
        "at_risk_total": at_risk_total,
        "attainment_chart": service_charts.attainment_chart(service=service, now=now),
        "ticket_load_chart": service_charts.ticket_load_chart(user=request.user, service=service, now=now),
    }
    template = "portal/sla/_service_sla.html" if _wants_fragment(request) else "portal/sla/service_sla.html"
    return vary_on_htmx(render(request, template, context))


@login_required
def ticket(request, pk: int):
    try:
        ticket = portal_sla.ticket_for_user(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None
    now = timezone.now()
    alerts = list(portal_sla.ticket_open_alerts(user=request.user, ticket=ticket))
    context = {
        "ticket": ticket,
        "clocks": portal_sla.clock_views(sorted(ticket.clocks.all(), key=presenters.clock_order), now=now),
        "events": [(event, presenters.event_summary(event)) for event in ticket.events.all()],
        "alerts": _with_acknowledge(request.user, alerts),
        "now": now,
    }
    return render(request, "portal/sla/ticket.html", context)


@login_required
def alerts(request):
    """Open and acknowledged alerts the user may see (of their services, or theirs); "Mine to
    act on" narrows them to the ones for the user to act on."""
    form = AlertFilterForm(request.GET or None, services=_services(request.user))
    filters = form.filters()
    page = Paginator(portal_sla.alert_inbox(user=request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "alerts": _with_acknowledge(request.user, page.object_list),
        "filtered": bool(filters),
        "now": timezone.now(),
    }
    return render(request, "portal/sla/alerts.html", context)


@login_required
def alert(request, pk: int):
    found = _alert_or_404(request.user, pk)
    context = {"alert": _with_acknowledge(request.user, [found])[0], "now": timezone.now()}
    return render(request, "portal/sla/alert.html", context)


@login_required
@form_action("portal:alert")
def alert_acknowledge_view(request, pk: int):
    found = _alert_or_404(request.user, pk)
    service_name = found.service.name if found.service else "this service"
    require_perm(
        request,
        "sla.acknowledge_alert",
        found,
        message=f"Only the owner of {service_name}, the person the alert is for, or an admin may acknowledge it.",
    )
    try:
        alert_acknowledge(alert=found, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Acknowledged: {found.subject}")
    back = request.POST.get("next", "")
    # A path on this site only (redirect() would take "alerts" for a view name and fail).
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(back)
    return redirect("portal:alerts")


@login_required
def alert_badge(request):
    """The count of open alerts beside the nav link, loaded after the page so that pages do
    not pay for it."""
    count = portal_sla.open_alert_count(user=request.user)
    return render(request, "portal/sla/_alert_badge.html", {"count": count})


# --- helpers --------------------------------------------------------------------------------


def _services(user):
    return catalog_selectors.service_list(user=user).select_related(None).prefetch_related(None).only("name", "slug")


def _alert_or_404(user, pk: int) -> Alert:
    try:
        return portal_sla.alert_for_user(user=user, pk=pk)
    except Alert.DoesNotExist:
        raise Http404("No such alert.") from None


def _with_acknowledge(user, alerts) -> list[Alert]:
    """Mark each alert the user may acknowledge now (open, and the user's rights on it)."""
    alerts = list(alerts)
    for item in alerts:
        item.can_acknowledge = item.state == AlertState.OPEN and user.has_perm("sla.acknowledge_alert", item)
    return alerts


def _wants_fragment(request) -> bool:
    """htmx asks for the fragment; a history restore gets the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request
