"""Reads of the portal's SLA pages, always starting from the user-scoped querysets of
sla.selectors (never an unscoped get)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet

from catalog.models import AgreementStatus, Service, UrgencyTarget
from portal.sla.presenters import ClockView, TargetSummary
from sla import selectors as sla_selectors
from sla.alert_selectors import alert_list, alerts_mine
from sla.calendars import calendar_specs
from sla.models import Alert, AlertState, Clock, ClockKind, Ticket

INBOX_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


def clock_views(clocks: Iterable[Clock], *, now: datetime) -> list[ClockView]:
    """Clocks as they stand at `now`; the calendars of the counting ones in three queries."""
    clocks = list(clocks)
    counting = {clock.calendar_id for clock in clocks if clock.counting}
    specs = calendar_specs(counting) if counting else {}
    return [ClockView(sla_selectors.clock_live(clock, now=now, specs=specs), now) for clock in clocks]


def agreed_target_summary(*, service: Service) -> dict[int, TargetSummary]:
    """Per priority, the clock kinds the agreements in force set a target for. One query."""
    kinds: dict[int, set[str]] = {}
    objectives: dict[int, float] = {}
    rows = UrgencyTarget.objects.filter(agreement__service=service, agreement__status=AgreementStatus.AGREED)
    for priority, update_every, objective in rows.values_list("priority", "update_every", "objective_percent"):
        kinds.setdefault(priority, {ClockKind.ENGAGE, ClockKind.RESOLVE})
        if update_every:
            kinds[priority].add(ClockKind.UPDATE)
        objectives[priority] = max(objectives.get(priority, 0.0), float(objective))
    return {p: TargetSummary(kinds=frozenset(k), objective_percent=objectives[p]) for p, k in kinds.items()}


def service_tickets_at_risk(*, user, service: Service, now: datetime, limit: int) -> tuple[list[ClockView], int]:
    """The open tickets of `service` at risk that `user` may see, each with its most urgent
    clock, soonest deadline first (at most `limit`), and how many there are in all."""
    # A ticket has at most one live clock of each kind, so this many clocks hold `limit` tickets.
    clocks = sla_selectors.clocks_at_risk(user=user, now=now, service=service)[: limit * len(ClockKind)]
    most_urgent: dict[int, Clock] = {}
    for clock in clocks:
        most_urgent.setdefault(clock.ticket_id, clock)
    total = sla_selectors.tickets_at_risk(user=user, now=now).filter(service=service).count()
    return clock_views(list(most_urgent.values())[:limit], now=now), total


def ticket_for_user(*, user, pk: int) -> Ticket:
    """One ticket the user may see, with its clocks; Ticket.DoesNotExist otherwise."""
    return sla_selectors.ticket_detail(user=user, pk=pk)


def ticket_open_alerts(*, user, ticket: Ticket) -> QuerySet[Alert]:
    return alert_list(user=user).filter(ticket=ticket, state__in=INBOX_STATES).order_by("-opened_at")


def alert_inbox(
    *, user, state: str | None = None, kind: str | None = None, service: Service | None = None, mine: bool = False
) -> QuerySet[Alert]:
    """Open and acknowledged alerts the user may see (of their services, or their own), newest
    first; `mine`: only those for the user to act on (sla.alert_selectors.alerts_mine)."""
    alerts = alert_list(user=user).filter(state__in=[state] if state else INBOX_STATES)
    if mine:
        alerts = alerts_mine(alerts, user=user)
    if kind:
        alerts = alerts.filter(kind=kind)
    if service is not None:
        alerts = alerts.filter(service=service)
    return alerts.order_by("-opened_at", "-pk")


def alert_for_user(*, user, pk: int) -> Alert:
    """One alert the user may see; Alert.DoesNotExist otherwise."""
    return alert_list(user=user).get(pk=pk)


def open_alert_count(*, user) -> int:
    return alert_list(user=user).filter(state=AlertState.OPEN).count()
