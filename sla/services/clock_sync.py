"""Keep tickets and their Clock rows equal to what their event history says.

`tickets_sync` replays each ticket's events (sla.ticket_state, sla.clocks), writes the
differences in a fixed number of queries per batch, and raises the alerts that are due, all in
the caller's transaction. It is the only writer of Clock rows besides the check pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from django.db import transaction

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
        tickets = list(Ticket.objects.filter(pk__in=ticket_ids).select_related("service"))
        # Plain rows rather than model instances: a batch reads thousands of events.
        history: dict[int, list] = defaultdict(list)
        for row in (
            TicketEvent.objects.filter(ticket_id__in=ticket_ids)
            .order_by("occurred_at", "sequence", "pk")
            .values_list("ticket_id", "sequence", "kind", "occurred_at", "priority", "data")
        ):
            history[row[0]].append(row[1:])
        memory = {
            (ticket_id, kind, cycle): (pk, last_warned)
            for ticket_id, kind, cycle, pk, last_warned in Clock.objects.filter(ticket_id__in=ticket_ids).values_list(
                "ticket_id", "kind", "cycle", "pk", "last_warned_share"
            )
        }
        for ticket in tickets:
            _apply_facts(ticket, history[ticket.pk], now)
        agreed = agreed_targets_for({(t.service_id, t.business_unit_id) for t in tickets})

        clocks, drafts, stopped = [], [], []
        for ticket in tickets:
            targets = agreed[(ticket.service_id, ticket.business_unit_id)]
            ticket.agreement_id = targets.agreement_id
            events = [HistoryEvent(kind, at, pk, priority) for pk, kind, at, priority, _ in history[ticket.pk]]
            for state in derive_clocks(history=events, targets=targets.targets, now=now):
                # The upsert finds an existing row by (ticket, kind, cycle) and returns its id.
                _, last_warned = memory.pop((ticket.pk, state.kind, state.cycle), (None, 0.0))
                clock = Clock(ticket=ticket, kind=state.kind, cycle=state.cycle, last_warned_share=last_warned)
                _fill(clock, state, targets.calendar_ids[state.priority], now)
                clocks.append(clock)
        to_delete = [pk for pk, _ in memory.values()]  # clocks the history no longer has

        # Upserts (INSERT … ON CONFLICT DO UPDATE) rather than bulk_update: one statement per
        # batch whose cost follows the rows, where CASE-based bulk updates grow much faster.
        Ticket.objects.bulk_create(
            tickets,
            update_conflicts=True,
            unique_fields=["source", "external_id"],
            update_fields=[f for f in TICKET_FIELDS if f != "updated_at"] + ["updated_at"],
            batch_size=500,
        )
        Clock.objects.filter(pk__in=to_delete).delete()
        evaluated = [(clock, clock_evaluate(clock, now=now)) for clock in clocks]
        Clock.objects.bulk_create(
            [clock for clock, _ in evaluated],
            update_conflicts=True,
            unique_fields=["ticket", "kind", "cycle"],
            update_fields=CLOCK_FIELDS,
            batch_size=500,
        )
        for clock, draft in evaluated:
            if draft is not None and raise_alerts:
                drafts.append(replace(draft, clock_id=clock.pk))
            if not clock_is_live(clock):
                stopped.append(clock.pk)
        alerts_resolve_for_clocks(clock_ids=stopped, now=now)
        return len(alerts_raise(drafts, now=now))


def _apply_facts(ticket: Ticket, history: list, now: datetime) -> None:
    facts = ticket_facts(
        FactEvent(kind, at, pk, priority, (data or {}).get("values", {})) for pk, kind, at, priority, data in history
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
    """Copy a derived state onto the row. A clock that was warned keeps that memory, so
    re-deriving never raises the same alert twice (alerts are unique by key besides), up to
    the share its history has really reached: a warning raised while a late delivery was still
    on its way (the resolution that had not arrived) is not remembered as if it had happened."""
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
    reached = [share for share, at in state.thresholds if at is not None and at <= now]
    clock.last_warned_share = min(clock.last_warned_share, max(reached, default=0.0))
    clock.computed_at = now
