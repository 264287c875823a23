"""Keep tickets and their Clock rows equal to what their event history says.

`tickets_sync` replays each ticket's events (sla.ticket_state, sla.clocks), writes the
differences in a fixed number of queries per batch, and raises the alerts that are due, all in
the caller's transaction. It is the only writer of Clock rows besides the check pass.

A batch touches hundreds of tickets and thousands of clocks, so rows are plain values here, not
model instances, and on PostgreSQL each table is written in one statement of one binary array
per column (sla.bulk_sql); other databases take the ORM's upserts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from sla import bulk_sql
from sla.clocks import HistoryEvent, derive_clocks
from sla.models import Clock, Ticket, TicketEvent
from sla.selectors import AgreedTargets, ServiceUnit, agreed_targets_for
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
HISTORY_FIELDS = ("sequence", "kind", "occurred_at", "priority", "data")  # what the replay reads of an event
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


def tickets_sync(
    *,
    ticket_ids: Sequence[int],
    now: datetime,
    raise_alerts: bool = True,
    histories: dict[int, list[tuple]] | None = None,
    agreed: dict[ServiceUnit, AgreedTargets] | None = None,
    fresh: dict[int, dict[str, Any]] | None = None,
) -> int:
    """Recompute facts and clocks of these tickets at `now`. With `raise_alerts` off (bulk
    imports of history), warnings and breaches are recorded on the clocks but not alerted.
    `histories` gives each ticket's whole event history, HISTORY_FIELDS per event, when the
    caller has just written it (else it is read); `agreed`, targets the caller has read;
    `fresh`, tickets new in the caller's batch that are not written yet (id → row: their ids
    reserved, sla.services.tickets._open_tickets): they are inserted here in their final state,
    with their clocks. Returns the number of alerts raised."""
    if not ticket_ids:
        return 0
    with transaction.atomic(savepoint=False):  # all or nothing with the caller's transaction
        fresh = fresh or {}
        stored_ids = [ticket_id for ticket_id in ticket_ids if ticket_id not in fresh]
        rows = [fresh[ticket_id] for ticket_id in ticket_ids if ticket_id in fresh]
        if stored_ids:
            rows += Ticket.objects.filter(pk__in=stored_ids).values("id", "source", "external_id", *TICKET_FIELDS)
        rows.sort(key=lambda row: row["opened_at"], reverse=True)  # Ticket's ordering, as read before
        tickets = {row["id"]: row for row in rows}
        history: dict[int, list] = defaultdict(list)
        if histories is not None:
            for ticket_id in ticket_ids:
                history[ticket_id] = sorted(histories[ticket_id], key=lambda row: (row[2], row[0]))
        else:
            for row in (
                TicketEvent.objects.filter(ticket_id__in=ticket_ids)
                .order_by("occurred_at", "sequence", "pk")
                .values_list("ticket_id", *HISTORY_FIELDS)
            ):
                history[row[0]].append(row[1:])
        memory = {
            (ticket_id, kind, cycle): (pk, last_warned)
            for ticket_id, kind, cycle, pk, last_warned in (
                Clock.objects.filter(ticket_id__in=stored_ids)
                .order_by()
                .values_list("ticket_id", "kind", "cycle", "pk", "last_warned_share")
                if stored_ids
                else ()
            )
        }
        written_at = timezone.now()  # what auto_now would give updated_at
        for ticket in tickets.values():
            _apply_facts(ticket, history[ticket["id"]])
            ticket["updated_at"] = written_at
        pairs = {(t["service_id"], t["business_unit_id"]) for t in tickets.values()}
        known = agreed or {}
        missing = pairs - known.keys()
        agreed = {pair: known[pair] for pair in pairs & known.keys()} | (agreed_targets_for(missing) if missing else {})

        clocks = []
        lookup = _TicketLookup(list(tickets))
        for ticket in tickets.values():
            targets = agreed[(ticket["service_id"], ticket["business_unit_id"])]
            ticket["agreement_id"] = targets.agreement_id
            events = [HistoryEvent(kind, at, seq, priority) for seq, kind, at, priority, _ in history[ticket["id"]]]
            for state in derive_clocks(history=events, targets=targets.targets, now=now):
                pk, last_warned = memory.pop((ticket["id"], state.kind, state.cycle), (None, 0.0))
                clock = ClockRow(ticket_id=ticket["id"], kind=state.kind, cycle=state.cycle, pk=pk, lookup=lookup)
                clock.last_warned_share = last_warned
                _fill(clock, state, targets.calendar_ids[state.priority], now)
                clocks.append(clock)
        to_delete = [pk for pk, _ in memory.values()]  # clocks the history no longer has

        _tickets_write(list(tickets.values()), fresh=fresh)
        if to_delete:
            Clock.objects.filter(pk__in=to_delete).delete()
        evaluated = [(clock, clock_evaluate(clock, now=now)) for clock in clocks]
        _clocks_write(clocks, named={id(clock) for clock, draft in evaluated if draft is not None and raise_alerts})
        drafts, stopped = [], []
        for clock, draft in evaluated:
            if draft is not None and raise_alerts:
                drafts.append(replace(draft, clock_id=clock.pk))
            if clock.existed and not clock_is_live(clock):
                stopped.append(clock.pk)  # a clock new in this pass has no alerts to resolve
        alerts_resolve_for_clocks(clock_ids=stopped, now=now)
        return len(alerts_raise(drafts, now=now))


class _TicketLookup:
    """The tickets of a pass as model instances (with their service), read once and only if an
    alert needs their names: after the pass wrote them, so an alert names what they are now."""

    def __init__(self, ticket_ids: list[int]) -> None:
        self.ticket_ids = ticket_ids
        self.tickets: dict[int, Ticket] | None = None

    def __call__(self, ticket_id: int) -> Ticket:
        if self.tickets is None:
            self.tickets = Ticket.objects.select_related("service").in_bulk(self.ticket_ids)
        return self.tickets[ticket_id]


@dataclass(eq=False)
class ClockRow:
    """A Clock row as plain values, with the attributes sla.services.alerts.clock_evaluate reads
    and sets (a batch builds thousands: model instances would cost more than the clocks)."""

    ticket_id: int
    kind: str
    cycle: int
    pk: int | None
    lookup: _TicketLookup
    priority: int = 0
    calendar_id: int | None = None
    target_seconds: int = 0
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    due_at: datetime | None = None
    elapsed_seconds: float = 0.0
    state: str = ""
    warning_shares: list = field(default_factory=list)
    breached_at: datetime | None = None
    counting: bool = False
    last_warned_share: float = 0.0
    computed_at: datetime | None = None
    next_check_at: datetime | None = None

    def __post_init__(self) -> None:
        self.existed = self.pk is not None

    @property
    def ticket(self) -> Ticket:
        return self.lookup(self.ticket_id)

    def values(self) -> tuple:
        return (self.ticket_id, self.kind, self.cycle, *(getattr(self, name) for name in CLOCK_FIELDS))


CLOCK_COLUMNS = ("ticket_id", "kind", "cycle", *CLOCK_FIELDS)


def _tickets_write(tickets: list[dict[str, Any]], fresh: dict[int, dict[str, Any]]) -> None:
    if bulk_sql.on_postgres():
        bulk_sql.rows_insert(
            model=Ticket,
            columns=("source", "external_id", "id", *TICKET_FIELDS),
            rows=[(t["source"], t["external_id"], *_ticket_values(t)) for t in tickets if t["id"] in fresh],
        )
        bulk_sql.rows_update(
            model=Ticket,
            columns=("id", *TICKET_FIELDS),
            rows=[_ticket_values(t) for t in tickets if t["id"] not in fresh],
        )
        return
    # Upserts (INSERT … ON CONFLICT DO UPDATE) rather than bulk_update: one statement per
    # batch whose cost follows the rows, where CASE-based bulk updates grow much faster.
    Ticket.objects.bulk_create(
        [Ticket(**ticket) for ticket in tickets],
        update_conflicts=True,
        unique_fields=["source", "external_id"],
        update_fields=TICKET_FIELDS,
        batch_size=500,
    )


def _ticket_values(ticket: dict[str, Any]) -> tuple:
    return (ticket["id"], *(ticket[name] for name in TICKET_FIELDS))


def _clocks_write(clocks: list[ClockRow], named: set[int]) -> None:
    """Write the clocks by (ticket, kind, cycle). The rows that existed keep their ids; a new
    row learns its id where `named` (ids of the ClockRow objects) asks for it, for its alert."""
    if not clocks:
        return
    if bulk_sql.on_postgres():
        # The clocks known before the pass are rewritten by id (the ticket's lock keeps them);
        # the new ones go in with COPY, those that raise an alert with an id from the sequence.
        bulk_sql.rows_update(
            model=Clock,
            columns=("id", *CLOCK_FIELDS),
            rows=[(clock.pk, *clock.values()[3:]) for clock in clocks if clock.pk is not None],
        )
        alerting = [clock for clock in clocks if clock.pk is None and id(clock) in named]
        for clock, pk in zip(alerting, bulk_sql.ids_reserve(model=Clock, count=len(alerting)), strict=True):
            clock.pk = pk
        bulk_sql.rows_insert(model=Clock, columns=("id", *CLOCK_COLUMNS), rows=[(c.pk, *c.values()) for c in alerting])
        bulk_sql.rows_insert(
            model=Clock, columns=CLOCK_COLUMNS, rows=[c.values() for c in clocks if c.pk is None and id(c) not in named]
        )
        return
    rows = [Clock(**dict(zip(CLOCK_COLUMNS, clock.values(), strict=True))) for clock in clocks]
    Clock.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["ticket", "kind", "cycle"],
        update_fields=CLOCK_FIELDS,
        batch_size=500,
    )
    for clock, row in zip(clocks, rows, strict=True):
        clock.pk = row.pk


def _apply_facts(ticket: dict[str, Any], history: list) -> None:
    facts = ticket_facts(
        FactEvent(kind, at, seq, priority, (data or {}).get("values", {})) for seq, kind, at, priority, data in history
    )
    if facts is None:
        return
    ticket["state"] = facts.state
    ticket["priority"] = facts.priority
    ticket["opened_at"] = facts.opened_at
    ticket["resolved_at"] = facts.resolved_at
    ticket["closed_at"] = facts.closed_at
    for name in ("title", "requester", "requester_email", "assignee", "assignee_email", "impact", "urgency"):
        if name in facts.values:
            value = facts.values[name]
            ticket[name] = value[:500] if isinstance(value, str) else value
    ticket["service_id"] = facts.values.get("service_id", ticket["service_id"])
    ticket["business_unit_id"] = facts.values.get("business_unit_id", ticket["business_unit_id"])


def _fill(clock: ClockRow, state, calendar_id: int, now: datetime) -> None:
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
