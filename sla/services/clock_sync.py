"""Keep tickets and their Clock rows equal to what their event history says.

`tickets_sync` replays each ticket's events (sla.ticket_state, sla.clocks), writes the
differences in a fixed number of queries per batch, and raises the alerts that are due, all in
the caller's transaction. It is the only writer of Clock rows besides the check pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Prefetch

from sla.clocks import HistoryEvent, derive_clocks
from sla.models import Clock, Ticket, TicketEvent
from sla.selectors import agreed_targets_for
from sla.services.alerts import alerts_raise, alerts_resolve_for_clocks, clock_evaluate, clock_is_live
from sla.ticket_state import FactEvent, ticket_facts

TICKET_FIELDS = [
    "state",
    "priority",
    "impact",
    "urgency",
    "opened_at",
    "resolved_at",
    "closed_at",
    "title",
    "requester",
    "requester_email",
    "assignee",
    "assignee_email",
    "service_id",
    "business_unit_id",
    "agreement_id",
    "updated_at",
]
CLOCK_FIELDS = [
    "priority",
    "calendar_id",
    "target_seconds",
    "started_at",
    "stopped_at",
    "due_at",
    "elapsed_seconds",
    "state",
    "warning_shares",
    "breached_at",
    "counting",
    "last_warned_share",
    "computed_at",
    "next_check_at",
]


def tickets_sync(*, ticket_ids: Sequence[int], now: datetime, raise_alerts: bool = True) -> int:
    """Recompute facts and clocks of these tickets at `now`. With `raise_alerts` off (bulk
    imports of history), warnings and breaches are recorded on the clocks but not alerted.
    Returns the number of alerts raised."""
    if not ticket_ids:
        return 0
    with transaction.atomic():
        tickets = list(
            Ticket.objects.filter(pk__in=ticket_ids)
            .select_related("service")
            .prefetch_related(
                Prefetch("events", queryset=TicketEvent.objects.order_by("occurred_at", "pk")),
                Prefetch("clocks", queryset=Clock.objects.order_by("kind", "cycle")),
            )
        )
        for ticket in tickets:
            _apply_facts(ticket, now)
        agreed = agreed_targets_for({(t.service_id, t.business_unit_id) for t in tickets})

        to_create, to_update, to_delete, drafts, stopped = [], [], [], [], []
        for ticket in tickets:
            targets = agreed[(ticket.service_id, ticket.business_unit_id)]
            ticket.agreement_id = targets.agreement_id
            history = [HistoryEvent(e.kind, e.occurred_at, e.pk, e.priority) for e in ticket.events.all()]
            states = derive_clocks(history=history, targets=targets.targets, now=now)
            existing = {(clock.kind, clock.cycle): clock for clock in ticket.clocks.all()}
            for state in states:
                clock = existing.pop((state.kind, state.cycle), None)
                if clock is None:
                    clock = Clock(ticket=ticket, kind=state.kind, cycle=state.cycle)
                    to_create.append(clock)
                else:
                    to_update.append(clock)
                clock.ticket = ticket
                _fill(clock, state, targets.calendar_ids[state.priority], now)
            to_delete.extend(existing.values())

        Ticket.objects.bulk_update(tickets, TICKET_FIELDS, batch_size=500)
        Clock.objects.filter(pk__in=[c.pk for c in to_delete]).delete()
        Clock.objects.bulk_create(to_create, batch_size=500)
        for clock in [*to_create, *to_update]:
            draft = clock_evaluate(clock, now=now)
            if draft is not None and raise_alerts:
                drafts.append(draft)
            if not clock_is_live(clock):
                stopped.append(clock.pk)
        Clock.objects.bulk_update([*to_create, *to_update], CLOCK_FIELDS, batch_size=500)
        alerts_resolve_for_clocks(clock_ids=stopped, now=now)
        return len(alerts_raise(drafts, now=now))


def _apply_facts(ticket: Ticket, now: datetime) -> None:
    facts = ticket_facts(
        FactEvent(e.kind, e.occurred_at, e.pk, e.priority, (e.data or {}).get("values", {}))
        for e in ticket.events.all()
    )
    if facts is None:
        return
    ticket.state = facts.state
    ticket.priority = facts.priority
    ticket.opened_at = facts.opened_at
    ticket.resolved_at = facts.resolved_at
    ticket.closed_at = facts.closed_at
    for name in ("title", "requester", "requester_email", "assignee", "assignee_email", "impact", "urgency"):
        if name in facts.values:
            value = facts.values[name]
            setattr(ticket, name, value[:500] if isinstance(value, str) else value)
    ticket.service_id = facts.values.get("service_id", ticket.service_id)
    ticket.business_unit_id = facts.values.get("business_unit_id", ticket.business_unit_id)
    ticket.updated_at = now


def _fill(clock: Clock, state, calendar_id: int, now: datetime) -> None:
    """Copy a derived state onto the row. A clock that was breached or warned keeps that
    memory, so re-deriving never raises the same alert twice."""
    clock.priority = state.priority
    clock.calendar_id = calendar_id
    clock.target_seconds = int(state.target.total_seconds())
    clock.started_at = state.started_at
    clock.stopped_at = state.stopped_at
    clock.due_at = state.due_at
    clock.elapsed_seconds = state.elapsed.total_seconds()
    clock.state = state.state
    clock.warning_shares = [[share, at.isoformat() if at else None] for share, at in state.thresholds]
    clock.breached_at = state.due_at if state.state == "breached" else None
    clock.counting = state.counting
    clock.computed_at = now
    if clock.last_warned_share is None:
        clock.last_warned_share = 0
