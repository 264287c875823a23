"""Ticket deliveries in: kept as observations, the tickets' events re-derived from them, tickets
and clocks kept in step.

`ticket_events_ingest` (REST, CSV import) and the webhooks (sla.integrations.services) both hand
their deliveries to `ticket_observations_ingest`: it validates everything first and writes in
one transaction. Every delivery is stored as an observation of its ticket at its instant
(sla.transitions); each ticket it touches has its whole event history derived again from all
its observations in time order, and the rows that differ are rewritten, so a delivery that
lands in the past changes what followed it exactly as if it had arrived in order. Either a
batch is stored, with the tickets' facts and clocks recomputed and alerts written, or nothing is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from catalog.models import BusinessUnit, Service
from sla import bulk_sql
from sla.events import TicketEventInput, event_problems
from sla.integrations.common import Translation
from sla.models import Ticket, TicketObservation
from sla.services.clock_sync import tickets_sync
from sla.services.ticket_checks import BatchErrors, deliveries_check, openings_check
from sla.services.ticket_histories import histories_write
from sla.services.ticket_store import (
    StoredObservations,
    TicketKey,
    by_slugs,
    observations_settle,
    observations_stored,
    tickets_lock,
    tickets_lock_rows,
)
from sla.transitions import (
    Derivation,
    Observation,
    Translator,
    content_stored,
    derive_transitions,
    event_observation,
)

OPEN_COLUMNS = (
    "source",
    "external_id",
    "service_id",
    "business_unit_id",
    "opened_at",
    "title",
    "state",
    "requester",
    "requester_email",
    "assignee",
    "assignee_email",
)
FRESH_COLUMNS = (*OPEN_COLUMNS, "priority", "impact", "urgency", "resolved_at", "closed_at", "agreement_id")
OBSERVATION_COLUMNS = ("source", "external_id", "ticket_id", "key", "origin", "observed_at", "rank", "content")


@dataclass(frozen=True)
class ObservationInput:
    source: str
    external_id: str
    observation: Observation


@dataclass
class IngestResult:
    created: int = 0  # deliveries (observations) stored; for explicit events, events stored
    duplicates: int = 0  # deliveries Accord already had (by idempotency key): no change
    ticket_ids: list[int] = field(default_factory=list)
    tickets_created: int = 0
    held: int = 0  # stored, waiting for their ticket's opening
    events_created: int = 0  # events new to the tickets' histories
    events_removed: int = 0  # events a re-derivation took back (a late delivery changed the story)
    event_duplicates: int = 0  # events these deliveries give that the histories already had
    translations: dict[str, Translation] = field(default_factory=dict)  # delivery key → its meaning in place


def ticket_events_ingest(
    *,
    events: Sequence[TicketEventInput],
    now: datetime | None = None,
    many: bool = True,
    raise_alerts: bool = True,
) -> IngestResult:
    """Store a batch of explicit events; a replayed idempotency key changes nothing.

    `many=False` names problems by field alone (for a single event). `raise_alerts=False`
    records warnings and breaches on the clocks without alerting (importing history)."""
    errors = BatchErrors(lambda index, _, name: f"events[{index}].{name}" if many else name)
    named = events_check(events, errors)
    observations = [ObservationInput(e.source, e.external_id, event_observation(e)) for e in events]
    return ticket_observations_ingest(
        observations=observations,
        errors=errors,
        now=now,
        raise_alerts=raise_alerts,
        translators=None,
        named=named,
    )


def events_check(
    events: Sequence[TicketEventInput], errors: BatchErrors
) -> tuple[dict[str, Service], dict[str, BusinessUnit]]:
    """Each event on its own, then the services and business units it names (raised as one
    ValidationError). Returns those, by slug."""
    for index, event in enumerate(events):
        for name, message in event_problems(event).items():
            errors.add(index, name, message)
    errors.raise_if_any()
    services, units = by_slugs(
        {e.service for e in events if e.service}, {e.business_unit for e in events if e.business_unit}
    )
    for index, event in enumerate(events):
        if event.service and event.service not in services:
            errors.add(index, "service", f"Unknown service {event.service!r}.")
        if event.business_unit and event.business_unit not in units:
            errors.add(index, "business_unit", f"Unknown business unit {event.business_unit!r}.")
    errors.raise_if_any()
    return services, units


def ticket_observations_ingest(
    *,
    observations: Sequence[ObservationInput],
    translators: Callable[[str], Translator] | None,
    errors: BatchErrors | None = None,
    now: datetime | None = None,
    raise_alerts: bool = True,
    check: Callable[[Translation], None] | None = None,
    named: tuple[dict[str, Service], dict[str, BusinessUnit]] | None = None,
) -> IngestResult:
    """Store deliveries and re-derive the histories of the tickets they touch.
    `translators(source)` reads the tools' snapshots of that source (None: the integration
    whose slug is the source);
    `check` sees what each new delivery means in its place before anything is written;
    `named`, services and business units by slug the caller has read already."""
    now = now or timezone.now()
    errors = errors or BatchErrors(lambda _, event, name: f"{event.kind}.{name}" if event else name)
    if translators is None:
        translators = _integration_translators()
    result = IngestResult()
    with transaction.atomic():
        keys = {(o.source, o.external_id) for o in observations}
        tickets_lock(keys)
        tickets = tickets_lock_rows(keys)
        stored = observations_stored(keys)
        new: dict[TicketKey, list[tuple[int, Observation]]] = defaultdict(list)
        taken = set(stored.taken)
        for index, item in enumerate(observations):
            key = (item.source, item.external_id)
            if (key, item.observation.key) in taken:
                result.duplicates += 1
                continue
            taken.add((key, item.observation.key))
            new[key].append((index, item.observation))

        derivations = {
            key: derivation_of(key, [*stored.observations.get(key, []), *(o for _, o in items)], translators)
            for key, items in new.items()
        }
        for key, items in new.items():
            deliveries_check(
                key=key,
                items=items,
                stored=stored.observations.get(key, []),
                derivation=derivations[key],
                errors=errors,
                result=result,
                check=check,
            )
        errors.raise_if_any()

        services, units = _named(derivations.values(), named)
        opened = {key: d for key, d in derivations.items() if d.opening is not None}
        openings_check(opened=opened, new=new, tickets=tickets, services=services, units=units, errors=errors)
        errors.raise_if_any()
        histories_apply(
            settle={key for key in new if stored.pending.get(key)},  # accepted earlier: derived here with the rest
            new=new,
            stored=stored,
            opened=opened,
            tickets=tickets,
            named=(services, units),
            result=result,
            now=now,
            raise_alerts=raise_alerts,
            insert=True,
        )
        result.created = sum(len(items) for items in new.values())
        result.held = sum(len(items) for key, items in new.items() if key not in opened)
    return result


def histories_apply(
    *,
    new: dict[TicketKey, list[tuple[int, Observation]]],
    stored: StoredObservations,
    opened: dict[TicketKey, Derivation],
    tickets: dict[TicketKey, Ticket],
    named: tuple[dict[str, Service], dict[str, BusinessUnit]],
    result: IngestResult,
    now: datetime,
    raise_alerts: bool,
    insert: bool,
    settle: set[TicketKey],
) -> None:
    """Write what the checked derivations give: new tickets (in their final state), the `new`
    observations (with `insert`; else they are stored already), held observations given their
    ticket, the histories that changed, and the tickets' facts and clocks. The observations of
    the tickets in `settle` are no longer pending."""
    services, units = named
    created = [key for key in opened if key not in tickets]
    fresh: dict[int, dict] = {}  # new tickets written by tickets_sync, in their final state
    if created:
        opened_now, fresh = _open_tickets(created, opened, services, units)
        tickets.update(opened_now)
    result.tickets_created = len(created)
    if insert:
        bulk_sql.rows_insert(
            model=TicketObservation,
            columns=OBSERVATION_COLUMNS,
            rows=[
                (*key, ticket.pk if (ticket := tickets.get(key)) else None, *_observation_values(o))
                for key, items in new.items()
                for _, o in items
            ],
        )
    # Pending observations now derived; deliveries held until the opening now the ticket's.
    settle = settle | (stored.unattached & tickets.keys())
    observations_settle(keys=settle, tickets={key: tickets[key].pk for key in settle if key in tickets})
    derived = {tickets[key].pk: d for key, d in opened.items()}
    agreed: dict = {}
    touched, histories = histories_write(derived, tickets, services, units, result, agreed, fresh=fresh.keys())
    tickets_sync(
        ticket_ids=touched, now=now, raise_alerts=raise_alerts, histories=histories, agreed=agreed, fresh=fresh
    )
    result.ticket_ids = touched


def tickets_rederive(*, ticket_ids: Sequence[int], now: datetime | None = None, raise_alerts: bool = True) -> int:
    """Derive these tickets' events again from all their observations (after an integration's
    mappings changed, say) and recompute them. A ticket whose history now names a service or
    unit that no longer exists is left as it was. Returns how many histories changed."""
    now = now or timezone.now()
    with transaction.atomic():
        keys = set(Ticket.objects.filter(pk__in=list(ticket_ids)).values_list("source", "external_id"))
        tickets_lock(keys)
        tickets = tickets_lock_rows(keys)
        stored = observations_stored(keys).observations
        translators = _integration_translators()
        derivations = {key: derivation_of(key, items, translators) for key, items in stored.items() if key in tickets}
        services, units = _named(derivations.values())
        usable = {
            tickets[key].pk: derivation
            for key, derivation in derivations.items()
            if derivation.opening is not None
            and all(
                (not d.event.service or d.event.service in services)
                and (not d.event.business_unit or d.event.business_unit in units)
                for d in derivation.events
            )
        }
        touched, histories = histories_write(usable, tickets, services, units, IngestResult())
        tickets_sync(ticket_ids=touched, now=now, raise_alerts=raise_alerts, histories=histories)
    return len(touched)


def derivation_of(key: TicketKey, observations: Iterable[Observation], translators) -> Derivation:
    return derive_transitions(observations, translate=lambda o, known, source=key[0]: translators(source)(o, known))


def _named(
    derivations: Iterable[Derivation], known: tuple[dict[str, Service], dict[str, BusinessUnit]] | None = None
) -> tuple[dict[str, Service], dict[str, BusinessUnit]]:
    """The services and business units the histories name, by slug (only `id` and `slug`
    read); those in `known` are not read again."""
    known_services, known_units = known or ({}, {})
    events = [d.event for derivation in derivations for d in derivation.events]
    wanted_services = {e.service for e in events if e.service}
    wanted_units = {e.business_unit for e in events if e.business_unit}
    services = {slug: known_services[slug] for slug in wanted_services & known_services.keys()}
    units = {slug: known_units[slug] for slug in wanted_units & known_units.keys()}
    more_services, more_units = by_slugs(wanted_services - services.keys(), wanted_units - units.keys())
    services |= more_services
    units |= more_units
    return services, units


def _open_tickets(
    created: list[TicketKey], opened: dict[TicketKey, Derivation], services, units
) -> tuple[dict[TicketKey, Ticket], dict[int, dict]]:
    """The new tickets, as their openings give them (tickets_sync fills in the rest).

    On PostgreSQL their ids are taken from the table's sequence and nothing is written yet:
    the second value holds their rows, which tickets_sync writes once, in their final state
    (the foreign keys of the rows written before them are checked at commit). Elsewhere they
    are inserted here and the second value is empty."""
    rows = []
    for key in created:
        opening = opened[key].opening
        rows.append(
            Ticket(
                source=key[0],
                external_id=key[1],
                service_id=services[opening.service].pk,
                business_unit_id=units[opening.business_unit].pk if opening.business_unit else None,
                opened_at=opening.occurred_at,
                title=(opening.title or "")[:500],
            )
        )
    if not bulk_sql.on_postgres():
        Ticket.objects.bulk_create(rows, ignore_conflicts=True)
        return tickets_lock_rows(created), {}
    # Deliveries of one ticket take turns (tickets_lock), and the ticket was not there under the lock:
    # no other writer can add it before this transaction commits (the unique key would refuse it).
    fresh = {}
    for ticket, pk in zip(rows, bulk_sql.ids_reserve(model=Ticket, count=len(rows)), strict=True):
        ticket.pk = pk
        fresh[pk] = {"id": pk, **{name: getattr(ticket, name) for name in FRESH_COLUMNS}}
    return {(t.source, t.external_id): t for t in rows}, fresh


def _observation_values(o: Observation) -> tuple:
    return (o.key, o.origin, o.observed_at, o.rank, content_stored(o.origin, o.content))


def _integration_translators() -> Callable[[str], Translator]:
    from sla.integrations.observations import integration_translators  # the integrations build on this module

    return integration_translators()
