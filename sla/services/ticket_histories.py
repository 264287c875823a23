"""A ticket's stored events made equal to its derived history (sla.transitions), in a fixed
number of queries per batch: only the rows that differ are deleted and written again (with
COPY on PostgreSQL). Rows are plain tuples: a batch derives thousands of events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from catalog.priorities import priority_from_matrix
from sla import bulk_sql
from sla.events import TicketEventInput
from sla.models import Ticket, TicketEvent
from sla.selectors import agreed_targets_for
from sla.ticket_state import DESCRIPTIVE_FIELDS
from sla.transitions import Derivation

EVENT_FIELDS = ("kind", "occurred_at", "priority", "impact", "urgency", "assignee", "note", "data", "sequence")
EVENT_COLUMNS = ("ticket_id", "idempotency_key", *EVENT_FIELDS)  # an event row's tuple


def histories_write(
    derivations: dict[int, Derivation],
    tickets,
    services,
    units,
    result,
    agreed: dict | None = None,
    fresh: Collection[int] = (),
) -> tuple[list[int], dict[int, list[tuple]]]:
    """Make each ticket's stored events equal to its derived history; count what was created
    and removed on `result` (an IngestResult). Returns the tickets whose history changed, and
    those histories as tickets_sync reads them (so it need not read them back). `agreed`, if
    given, is filled with the targets read (sla.selectors.agreed_targets_for), for tickets_sync.
    `fresh`: tickets new in this batch, which have no stored events to read."""
    if not derivations:
        return [], {}
    by_pk = {t.pk: t for t in tickets.values()}
    rows = _history_rows(derivations, by_pk, services, units, {} if agreed is None else agreed)
    stored: dict[int, dict[str, tuple]] = defaultdict(dict)
    stored_pk: dict[tuple[int, str], int] = {}
    known = [ticket_id for ticket_id in derivations if ticket_id not in fresh]
    for pk, ticket_id, key, *values in (
        TicketEvent.objects.filter(ticket_id__in=known)
        .order_by()
        .values_list("pk", "ticket_id", "idempotency_key", *EVENT_FIELDS)
        if known
        else ()
    ):
        stored[ticket_id][key] = tuple(values)
        stored_pk[(ticket_id, key)] = pk
    stale, fresh, touched = [], [], set()
    for ticket_id in derivations:
        wanted = {row[1]: row for row in rows[ticket_id]}
        have = stored[ticket_id]
        for key in have.keys() - wanted.keys():
            stale.append(stored_pk[(ticket_id, key)])
            result.events_removed += 1
            touched.add(ticket_id)
        for key, row in wanted.items():
            if have.get(key) == row[2:]:
                continue
            if key in have:
                stale.append(stored_pk[(ticket_id, key)])
            else:
                result.events_created += 1
            fresh.append(row)
            touched.add(ticket_id)
    if stale:
        TicketEvent.objects.filter(pk__in=stale).delete()
    bulk_sql.rows_insert(model=TicketEvent, columns=EVENT_COLUMNS, rows=fresh)
    # (sequence, kind, occurred_at, priority, data): see sla.services.clock_sync.HISTORY_FIELDS
    histories = {ticket_id: [(r[10], r[2], r[3], r[4], r[9]) for r in rows[ticket_id]] for ticket_id in touched}
    return sorted(touched), histories


def _history_rows(derivations: dict[int, Derivation], tickets: dict[int, Ticket], services, units, agreed: dict):
    """The event rows of each derived history. A priority given as impact and urgency goes
    through the matrix of the agreement for the service and unit in force at that event."""
    in_force: dict[int, list[tuple[int, int | None]]] = {}
    pairs = set()
    for ticket_id, derivation in derivations.items():
        ticket = tickets[ticket_id]
        service_id, unit_id = ticket.service_id, ticket.business_unit_id
        steps = []
        for derived in derivation.events:
            event = derived.event
            if event.service:
                service_id = services[event.service].pk
                unit_id = units[event.business_unit].pk if event.business_unit else None
            elif event.business_unit:
                unit_id = units[event.business_unit].pk
            steps.append((service_id, unit_id))
            pairs.add((service_id, unit_id))
        in_force[ticket_id] = steps
    agreed.update(agreed_targets_for(pairs))
    matrices = {pair: agreed[pair].matrix for pair in pairs}
    rows: dict[int, list[tuple]] = {}
    for ticket_id, derivation in derivations.items():
        rows[ticket_id] = [
            _event_row(derived.event, derived.observation, ticket_id, sequence, pair, matrices, services, units)
            for sequence, (derived, pair) in enumerate(zip(derivation.events, in_force[ticket_id], strict=True))
        ]
    return rows


def _event_row(
    event: TicketEventInput, observation: str, ticket_id: int, sequence: int, pair, matrices, services, units
) -> tuple:
    priority = event.priority
    if event.sets_priority and priority is None:
        priority = priority_from_matrix(matrices.get(pair), impact=event.impact, urgency=event.urgency)
    values = {name: getattr(event, name) for name in DESCRIPTIVE_FIELDS if getattr(event, name) not in (None, "")}
    if event.service:
        values["service_id"] = services[event.service].pk
    if event.business_unit:
        values["business_unit_id"] = units[event.business_unit].pk
    return (
        ticket_id,
        event.idempotency_key,
        event.kind,
        event.occurred_at,
        priority,
        event.impact,
        event.urgency,
        event.assignee or "",
        event.note,
        {**event.data, "values": values, "observation": observation},
        sequence,
    )
