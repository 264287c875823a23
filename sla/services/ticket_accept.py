"""A large batch of explicit ticket events accepted: checked as the synchronous path checks it
(sla.services.tickets, the same messages), stored as pending observations, answered at once;
the tickets' transitions, histories and clocks are derived on a worker after commit
(sla.services.ticket_derivation).

What the synchronous path would refuse only while deriving is checked here from what is stored,
without deriving: an `opened` for a ticket already opened, an event dated before its ticket's
opening (the batch's or the stored one), a new ticket's opening without a service. Each
ticket's advisory lock is held while the batch is checked and written, so two deliveries of one
ticket (accepted, synchronous, or a worker deriving it) take turns and a second opening can not
slip in between the check and the write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models.fields.json import KT

from sla import bulk_sql
from sla import clocks as c
from sla.events import TicketEventInput
from sla.models import Ticket, TicketObservation
from sla.services.ticket_checks import BatchErrors
from sla.services.ticket_derivation import derivation_enqueue
from sla.services.ticket_store import TicketKey, keys_query, tickets_lock
from sla.services.tickets import OBSERVATION_COLUMNS, events_check
from sla.transitions import EVENT, event_rank, event_stored_content


@dataclass
class AcceptResult:
    created: int = 0  # events stored, their tickets to be derived on a worker
    duplicates: int = 0  # events already known by their idempotency key: no change
    tickets: int = 0  # tickets the stored events belong to
    keys: list[TicketKey] = field(default_factory=list)  # those tickets


@dataclass
class _Known:
    """What is stored of the batch's tickets, as far as the checks need it."""

    taken: set[tuple[TicketKey, str]]  # (ticket, delivery key) of every stored delivery
    openings: dict[TicketKey, dict[str, tuple[datetime, str]]]  # explicit openings: key → (when, service)
    tickets: dict[TicketKey, tuple[int, datetime]]  # ticket → (id, opened_at)


def ticket_events_accept(*, events: Sequence[TicketEventInput]) -> AcceptResult:
    """Check a list of events and store them, pending; their tickets are derived on a worker.
    Raises ValidationError (nothing stored) with the synchronous path's messages."""
    errors = BatchErrors(lambda index, _, name: f"events[{index}].{name}")
    events_check(events, errors)
    result = AcceptResult()
    with transaction.atomic():
        keys = {(e.source, e.external_id) for e in events}
        tickets_lock(keys)
        known = _known(keys)
        # The events themselves, not observations: an explicit event's observation is keyed by
        # its idempotency key, and only its row is written here (sla.transitions.event_observation
        # builds the same row, for the derivation to read back).
        new: dict[TicketKey, list[tuple[int, TicketEventInput]]] = defaultdict(list)
        taken = set(known.taken)
        for index, event in enumerate(events):
            key = (event.source, event.external_id)
            if (key, event.idempotency_key) in taken:
                result.duplicates += 1
                continue
            taken.add((key, event.idempotency_key))
            new[key].append((index, event))
        openings = {key: _opening(key, items, known) for key, items in new.items()}
        for key, items in new.items():
            _check_in_place(key, items, known, openings[key], errors)
        errors.raise_if_any()
        for key, items in new.items():
            opening = openings[key]
            if opening is not None and key not in known.tickets and not opening[2]:
                errors.add(items[0][0], "service", "Name the service of a new ticket.")
        errors.raise_if_any()
        bulk_sql.rows_insert(
            model=TicketObservation,
            columns=(*OBSERVATION_COLUMNS, "pending"),
            rows=[
                (
                    *key,
                    ticket[0] if (ticket := known.tickets.get(key)) else None,
                    event.idempotency_key,
                    EVENT,
                    event.occurred_at,
                    event_rank(event.kind),
                    event_stored_content(event),
                    True,
                )
                for key, items in new.items()
                for _, event in items
            ],
        )
        result.created = sum(len(items) for items in new.values())
        result.keys = list(new)
        result.tickets = len(new)
        derivation_enqueue(result.keys)
    return result


def _known(keys: Iterable[TicketKey]) -> _Known:
    known = _Known(set(), defaultdict(dict), {})
    for source, external_id, key, origin, failure, kind, at, service, pk, opened_at in _known_rows(list(keys)):
        ticket = (source, external_id)
        if pk is not None:
            known.tickets[ticket] = (pk, opened_at)
            continue
        known.taken.add((ticket, key))
        if origin == EVENT and kind == c.OPENED and not failure:
            known.openings[ticket][key] = (datetime.fromisoformat(at), service or "")
    return known


def _known_rows(keys: list[TicketKey]) -> list[tuple]:
    """The tickets' stored observations (source, external_id, key, origin, failure, and the
    kind, instant and service of an explicit event), then the tickets themselves (source,
    external_id, then id and opened_at in the last two columns). One statement on PostgreSQL."""
    if not keys:
        return []
    if bulk_sql.on_postgres():
        quote = connection.ops.quote_name
        observations, tickets = (quote(m._meta.db_table) for m in (TicketObservation, Ticket))
        # Each key looked up through its table's unique key (a nested loop over the keys): joined
        # to the keys as a set, the planner hashed them and read the whole observation table,
        # a read that grew with every batch stored (33 ms at 19,000 rows; 1 ms this way).
        # OFFSET 0 keeps each subquery apart, so the lookup stays per key whatever the statistics.
        keyed = "unnest(%b::text[], %b::text[]) AS k (source, external_id) CROSS JOIN LATERAL"
        sql = (
            "SELECT k.source, k.external_id, o.key, o.origin, o.failure, o.kind, o.at, o.service,"  # noqa: S608
            f" NULL::bigint, NULL::timestamptz FROM {keyed} (SELECT o.key, o.origin, o.failure,"
            " o.content->>'kind' AS kind, o.content->>'occurred_at' AS at, o.content->>'service' AS service"
            f" FROM {observations} AS o WHERE o.source = k.source AND o.external_id = k.external_id OFFSET 0) AS o"
            " UNION ALL SELECT k.source, k.external_id, NULL, NULL, NULL, NULL, NULL, NULL, t.id, t.opened_at"
            f" FROM {keyed} (SELECT t.id, t.opened_at FROM {tickets} AS t"
            " WHERE t.source = k.source AND t.external_id = k.external_id OFFSET 0) AS t"
        )
        sources, ids = [k[0] for k in keys], [k[1] for k in keys]
        with bulk_sql.binary_cursor() as cursor:
            cursor.execute(sql, [sources, ids, sources, ids])
            return cursor.fetchall()
    query = keys_query(keys)
    rows = list(
        TicketObservation.objects.filter(query)
        .order_by()
        .annotate(kind=KT("content__kind"), at=KT("content__occurred_at"), service=KT("content__service"))
        .values_list("source", "external_id", "key", "origin", "failure", "kind", "at", "service")
    )
    return [(*row, None, None) for row in rows] + [
        (source, external_id, *(None,) * 6, pk, opened_at)
        for source, external_id, pk, opened_at in Ticket.objects.filter(query).values_list(
            "source", "external_id", "pk", "opened_at"
        )
    ]


def _opening(key: TicketKey, items, known: _Known) -> tuple[datetime, str, str] | None:
    """(when, delivery key, service) of the ticket's opening once the batch is in: the earliest
    `opened` of all, as the derivation takes it (sla.transitions); a stored ticket opened by a
    tool's snapshot counts with its opening instant."""
    candidates = [(when, name, service) for name, (when, service) in known.openings.get(key, {}).items()]
    candidates += [(e.occurred_at, e.idempotency_key, e.service or "") for _, e in items if e.kind == c.OPENED]
    if key in known.tickets and not known.openings.get(key):
        candidates.append((known.tickets[key][1], "", ""))
    return min(candidates, key=lambda candidate: candidate[:2]) if candidates else None


def _check_in_place(key: TicketKey, items, known: _Known, opening, errors: BatchErrors) -> None:
    """As sla.services.ticket_checks.deliveries_check for explicit events: a second opening, and events
    dated before the opening."""
    stored_openings = set(known.openings.get(key, {}))
    for index, event in items:
        if event.kind == c.OPENED:
            if stored_openings - {event.idempotency_key}:
                errors.add(index, "kind", f"Ticket {key[0]}:{key[1]} is already open; send its later events instead.")
            stored_openings.add(event.idempotency_key)
        if opening is not None and event.occurred_at < opening[0]:
            errors.add(
                index,
                "occurred_at",
                f"{event.occurred_at.isoformat()} is before ticket {key[0]}:{key[1]} was opened "
                f"({opening[0].isoformat()}).",
            )
