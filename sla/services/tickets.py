"""Ticket events in; tickets and their clocks kept in step with the event log.

`ticket_events_ingest` is the single way events enter Accord (REST, webhooks, CSV import).
It validates everything first and writes in one transaction: either every event of a batch
is stored, with the tickets' facts and clocks recomputed and alerts written, or nothing is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import BusinessUnit, Service
from catalog.priorities import priority_from_matrix
from sla import clocks as c
from sla.events import TicketEventInput, event_problems
from sla.models import Ticket, TicketEvent
from sla.selectors import agreed_targets_for
from sla.services.clock_sync import tickets_sync
from sla.ticket_state import DESCRIPTIVE_FIELDS


@dataclass
class IngestResult:
    created: int = 0
    duplicates: int = 0
    ticket_ids: list[int] = field(default_factory=list)
    tickets_created: int = 0


class _Errors:
    """Problems found in a batch, named by the event they belong to."""

    def __init__(self, many: bool) -> None:
        self.many = many
        self.messages: dict[str, list[str]] = {}

    def add(self, index: int, name: str, message: str) -> None:
        key = f"events[{index}].{name}" if self.many else name
        self.messages.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationError(self.messages)


def ticket_events_ingest(
    *,
    events: Sequence[TicketEventInput],
    now: datetime | None = None,
    many: bool = True,
    raise_alerts: bool = True,
) -> IngestResult:
    """Store a batch of events; a replayed idempotency key changes nothing.

    `many=False` names problems by field alone (for a single event). `raise_alerts=False`
    records warnings and breaches on the clocks without alerting (importing history)."""
    now = now or timezone.now()
    errors = _Errors(many)
    for index, event in enumerate(events):
        for name, message in event_problems(event).items():
            errors.add(index, name, message)
    errors.raise_if_any()

    services = Service.objects.in_bulk({e.service for e in events if e.service}, field_name="slug")
    units = BusinessUnit.objects.in_bulk({e.business_unit for e in events if e.business_unit}, field_name="slug")
    for index, event in enumerate(events):
        if event.service and event.service not in services:
            errors.add(index, "service", f"Unknown service {event.service!r}.")
        if event.business_unit and event.business_unit not in units:
            errors.add(index, "business_unit", f"Unknown business unit {event.business_unit!r}.")
    errors.raise_if_any()

    result = IngestResult()
    with transaction.atomic():
        tickets = _lock_tickets({(e.source, e.external_id) for e in events})
        created = _open_new_tickets(events, tickets, services, units, errors)
        errors.raise_if_any()
        result.tickets_created = len(created)
        tickets.update(_lock_tickets(set(created)))

        known = _known_event_keys(tickets.values(), {e.idempotency_key for e in events})
        opened = set(
            Ticket.objects.filter(pk__in=[t.pk for t in tickets.values()], events__kind=c.OPENED).values_list(
                "pk", flat=True
            )
        )
        matrices = _priority_matrices(tickets.values(), events, services, units)
        rows: list[TicketEvent] = []
        for index, event in sorted(enumerate(events), key=lambda pair: (pair[1].occurred_at, pair[0])):
            ticket = tickets[(event.source, event.external_id)]
            if (ticket.pk, event.idempotency_key) in known:
                result.duplicates += 1
                continue
            known.add((ticket.pk, event.idempotency_key))
            row = _event_row(index, event, ticket, opened, matrices, services, units, errors)
            if row is not None:
                rows.append(row)
        errors.raise_if_any()
        TicketEvent.objects.bulk_create(rows)
        result.created = len(rows)
        touched = sorted({row.ticket_id for row in rows})
        tickets_sync(ticket_ids=touched, now=now, raise_alerts=raise_alerts)
        result.ticket_ids = touched
    return result


def _lock_tickets(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Ticket]:
    by_source: dict[str, set[str]] = defaultdict(set)
    for source, external_id in keys:
        by_source[source].add(external_id)
    if not by_source:
        return {}
    query = Q()
    for source, ids in by_source.items():
        query |= Q(source=source, external_id__in=ids)
    # Locked until the batch commits: two batches touching one ticket take turns.
    rows = Ticket.objects.select_for_update().filter(query).order_by("pk")
    return {(t.source, t.external_id): t for t in rows}


def _open_new_tickets(events, tickets, services, units, errors) -> list[tuple[str, str]]:
    """Create the tickets that this batch opens; every other event needs a known ticket."""
    openings: dict[tuple[str, str], TicketEventInput] = {}
    for event in events:
        key = (event.source, event.external_id)
        if event.kind == c.OPENED and (key not in openings or event.occurred_at < openings[key].occurred_at):
            openings[key] = event
    new: dict[tuple[str, str], Ticket] = {}
    for index, event in enumerate(events):
        key = (event.source, event.external_id)
        if key in tickets or key in new:
            continue
        opening = openings.get(key)
        if opening is None:
            errors.add(
                index,
                "external_id",
                f"Unknown ticket {event.source}:{event.external_id}; send its 'opened' event first.",
            )
            continue
        if not opening.service:
            errors.add(index, "service", "Name the service of a new ticket.")
            continue
        new[key] = Ticket(
            source=event.source,
            external_id=event.external_id,
            service=services[opening.service],
            business_unit=units.get(opening.business_unit) if opening.business_unit else None,
            opened_at=opening.occurred_at,
            title=(opening.title or "")[:500],
        )
    # A concurrent batch may open the same ticket: the unique key makes one of them win and
    # the caller re-reads (and locks) what is there.
    Ticket.objects.bulk_create(new.values(), ignore_conflicts=True)
    return list(new)


def _known_event_keys(tickets: Iterable[Ticket], keys: set[str]) -> set[tuple[int, str]]:
    return set(
        TicketEvent.objects.filter(ticket__in=[t.pk for t in tickets], idempotency_key__in=keys).values_list(
            "ticket_id", "idempotency_key"
        )
    )


def _priority_matrices(tickets, events, services, units) -> dict[tuple[int, int | None], list | None]:
    """The priority matrix of the agreement each (service, unit) counts against."""
    pairs = {(t.service_id, t.business_unit_id) for t in tickets}
    for event in events:
        if event.service:
            pairs.add((services[event.service].pk, units[event.business_unit].pk if event.business_unit else None))
    return {pair: agreed.matrix for pair, agreed in agreed_targets_for(pairs).items()}


def _event_row(index, event, ticket, opened, matrices, services, units, errors) -> TicketEvent | None:
    if event.kind == c.OPENED:
        if ticket.pk in opened:
            errors.add(index, "kind", f"Ticket {ticket} is already open; send its later events instead.")
            return None
        opened.add(ticket.pk)
    elif event.occurred_at < ticket.opened_at:
        errors.add(
            index,
            "occurred_at",
            f"{event.occurred_at.isoformat()} is before ticket {ticket} was opened ({ticket.opened_at.isoformat()}).",
        )
        return None
    priority = event.priority
    if event.sets_priority and priority is None:
        service_id = services[event.service].pk if event.service else ticket.service_id
        unit_id = units[event.business_unit].pk if event.business_unit else ticket.business_unit_id
        priority = priority_from_matrix(matrices.get((service_id, unit_id)), impact=event.impact, urgency=event.urgency)
    values = {name: getattr(event, name) for name in DESCRIPTIVE_FIELDS if getattr(event, name) not in (None, "")}
    if event.service:
        values["service_id"] = services[event.service].pk
    if event.business_unit:
        values["business_unit_id"] = units[event.business_unit].pk
    return TicketEvent(
        ticket=ticket,
        kind=event.kind,
        occurred_at=event.occurred_at,
        idempotency_key=event.idempotency_key,
        priority=priority,
        impact=event.impact,
        urgency=event.urgency,
        assignee=event.assignee or "",
        note=event.note,
        data={**event.data, "values": values},
    )
