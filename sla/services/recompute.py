"""Rebuild clocks from the event log: after a change of targets or calendars, or on demand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from catalog.models import Service
from sla.models import ACTIVE_TICKET_STATES, Clock, Ticket
from sla.services.clock_sync import tickets_sync
from sla.services.tickets import tickets_rederive

BATCH = 200


def tickets_recompute(
    *,
    service_ids: Iterable[int] | None = None,
    calendar_ids: Iterable[int] | None = None,
    open_only: bool = False,
    now: datetime | None = None,
    raise_alerts: bool = True,
    progress=None,
    rederive: bool = False,
) -> int:
    """Re-derive the clocks of the tickets selected (all when no filter); with `rederive`, their
    events from their observations first. Returns how many."""
    now = now or timezone.now()
    tickets = Ticket.objects.all()
    if service_ids is not None:
        tickets = tickets.filter(service_id__in=list(service_ids))
    if calendar_ids is not None:
        calendar_ids = list(calendar_ids)
        uses_calendar = Q(pk__in=Clock.objects.filter(calendar_id__in=calendar_ids).values("ticket_id")) | Q(
            service__in=Service.objects.filter(support_calendar_id__in=calendar_ids)
        )
        tickets = tickets.filter(uses_calendar)
    if open_only:
        tickets = tickets.filter(state__in=ACTIVE_TICKET_STATES)
    ids = list(tickets.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        if rederive:
            tickets_rederive(ticket_ids=batch, now=now, raise_alerts=raise_alerts)
        tickets_sync(ticket_ids=batch, now=now, raise_alerts=raise_alerts)
        if progress is not None:
            progress(len(batch))
    return len(ids)
