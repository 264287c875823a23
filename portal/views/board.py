"""The early-warning board: everything that can go wrong before it does, across every kind of
risk, ranked by business impact and time left, acknowledged from the page (htmx swaps the row),
refreshed every minute while its box is ticked. It replaced the ticket clocks' /warnings/ page,
which redirects here with its query (its status and priority filters are the board's)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from catalog import selectors as catalog_selectors
from portal.board.forms import BoardFilterForm
from portal.board.presenters import impact_text, time_left_text
from portal.sla import selectors as portal_sla
from portal.sla.presenters import clock_label
from portal.views.access import form_action, require_perm
from portal.views.htmx import vary_on_htmx
from sla.models import Alert, AlertState
from sla.risks import ranking
from sla.risks.selectors import BoardItem, board_item, board_items
from sla.services import alert_acknowledge

PAGE_SIZE = 50


@login_required
def board(request):
    now = timezone.now()
    form = BoardFilterForm(
        request.GET or None,
        services=catalog_selectors.service_list(user=request.user)
        .select_related(None)
        .prefetch_related(None)
        .only("name", "slug"),
        business_units=catalog_selectors.business_unit_list(user=request.user),
    )
    filters = form.filters()
    sort = filters.pop("sort", ranking.IMPACT)
    items = board_items(user=request.user, now=now, sort=sort, **filters)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [_row(request.user, item) for item in page.object_list],
        "filtered": bool(filters) or sort != ranking.IMPACT,
        "now": now,
    }
    if request.htmx and not request.htmx.history_restore_request and request.htmx.target == "risk-board":
        return vary_on_htmx(render(request, "portal/board/_board.html", context))
    return vary_on_htmx(render(request, "portal/board/board.html", context))


@login_required
@form_action("portal:board", page_takes_arguments=False)  # the board has no <pk>
def board_acknowledge(request, pk: int):
    """Acknowledge one item: htmx gets its row back, acknowledged; without script, the board."""
    try:
        found = portal_sla.alert_for_user(user=request.user, pk=pk)
    except Alert.DoesNotExist:
        raise Http404("No such alert.") from None
    service_name = found.service.name if found.service else "this service"
    require_perm(
        request,
        "sla.acknowledge_alert",
        found,
        message=f"Only the owner of {service_name}, the person the alert is for, or an admin may acknowledge it.",
    )
    problem = ""
    try:
        alert_acknowledge(alert=found, actor=request.user)
    except ValidationError as error:
        problem = " ".join(error.messages)
    if request.htmx:
        found = portal_sla.alert_for_user(user=request.user, pk=pk)  # as acknowledged, with who did it
        context = {"row": _row(request.user, board_item(found, now=timezone.now())), "problem": problem}
        return render(request, "portal/board/_row.html", context)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, f"Acknowledged: {found.subject}")
    return redirect("portal:board")


def _row(user, item: BoardItem) -> dict:
    alert = item.alert
    return {
        "item": item,
        "alert": alert,
        "time_left": time_left_text(item.standing.time_left),
        "impact": impact_text(item.standing.impact),
        "can_acknowledge": alert.state == AlertState.OPEN and user.has_perm("sla.acknowledge_alert", alert),
        # A ticket's clock: what the old /warnings/ page showed of it (read with the alert).
        "clock_label": clock_label(alert.clock) if alert.clock_id else "",
    }
