"""What is stored of tickets' deliveries, read and locked for a batch: the per-ticket advisory
locks, the ticket rows, and the observations (which count, which are pending, which were
refused on a worker). Shared by the synchronous ingestion (sla.services.tickets), the accept
path and the workers' derivation (sla.services.ticket_derivation)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from catalog.models import BusinessUnit, Service
from sla import bulk_sql
from sla.models import Ticket, TicketObservation
from sla.transitions import Observation, content_read

TicketKey = tuple[str, str]  # (source, external_id)


def tickets_lock(keys: Iterable[TicketKey]) -> None:
    """One delivery at a time per ticket, across workers: each takes the ticket's advisory lock
    (PostgreSQL) until it commits, so the second re-derives from what the first stored. On
    SQLite, writers take turns anyway."""
    if connection.vendor != "postgresql":
        return
    ids = sorted({lock_id(key) for key in keys})
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS ordered", [ids]
            )


def lock_id(key: TicketKey) -> int:
    digest = hashlib.blake2b(f"ticket\0{key[0]}\0{key[1]}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def keys_query(keys: Iterable[TicketKey]) -> Q:
    by_source: dict[str, set[str]] = defaultdict(set)
    for source, external_id in keys:
        by_source[source].add(external_id)
    query = Q(pk__in=[])
    for source, ids in by_source.items():
        query |= Q(source=source, external_id__in=ids)
    return query


def tickets_lock_rows(keys: Iterable[TicketKey]) -> dict[TicketKey, Ticket]:
    keys = list(keys)
    if not keys:
        return {}
    rows = Ticket.objects.select_for_update().filter(keys_query(keys)).order_by("pk")
    return {(t.source, t.external_id): t for t in rows}


@dataclass
class StoredObservations:
    """What is stored of some tickets' deliveries."""

    observations: dict[TicketKey, list[Observation]]  # those that count (not refused on a worker)
    taken: set[tuple[TicketKey, str]]  # (ticket, delivery key) of every one, refused ones included
    pending: dict[TicketKey, set[str]]  # delivery keys accepted and not derived yet, by ticket
    unattached: set[TicketKey]  # tickets with deliveries stored before the ticket was


def observations_stored(keys: Iterable[TicketKey]) -> StoredObservations:
    stored = StoredObservations(defaultdict(list), set(), defaultdict(set), set())
    keys = list(keys)
    if not keys:
        return stored
    rows = (
        TicketObservation.objects.filter(keys_query(keys))
        .order_by()
        .values_list(
            *("source", "external_id", "key", "origin", "observed_at", "rank", "content"),
            *("ticket_id", "pending", "failure"),
        )
    )
    for source, external_id, key, origin, observed_at, rank, content, ticket_id, pending, failure in rows:
        ticket = (source, external_id)
        stored.taken.add((ticket, key))
        if failure:
            continue
        content = content_read(origin=origin, source=source, external_id=external_id, key=key, content=content)
        stored.observations[ticket].append(Observation(key, origin, observed_at, rank, content))
        if pending:
            stored.pending[ticket].add(key)
        if ticket_id is None:
            stored.unattached.add(ticket)
    return stored


def observations_settle(*, keys: Iterable[TicketKey], tickets: dict[TicketKey, int]) -> None:
    """These tickets' observations derived: no longer pending, and those stored before their
    ticket existed given it (`tickets`: ticket ids by key; a key without one stays held). One
    statement on PostgreSQL, whatever the number of tickets."""
    keys = sorted(set(keys))
    if not keys:
        return
    if not bulk_sql.on_postgres():
        for key in keys:
            rows = TicketObservation.objects.filter(source=key[0], external_id=key[1])
            rows.filter(pending=True).update(pending=False)
            if key in tickets:
                rows.filter(ticket__isnull=True).update(ticket_id=tickets[key])
        return
    with bulk_sql.binary_cursor() as cursor:
        cursor.execute(*settle_statement(keys=keys, tickets=tickets))


def settle_statement(*, keys: list[TicketKey], tickets: dict[TicketKey, int]) -> tuple[str, list]:
    """observations_settle's statement on PostgreSQL and its parameters (for binary_cursor).
    Each key's observations are looked up through the table's unique key (a nested loop over
    the keys, as the accept path reads them): joined to the keys as a set, the planner hashed
    the keys and read the whole observation table, a statement that grew with every batch
    stored. OFFSET 0 keeps each subquery apart whatever the statistics; the rows found are then
    updated by id."""
    table = connection.ops.quote_name(TicketObservation._meta.db_table)
    sql = (
        f"UPDATE {table} AS o SET pending = false, ticket_id = COALESCE(o.ticket_id, s.ticket_id)"  # noqa: S608
        " FROM (SELECT found.id, v.ticket_id"
        " FROM unnest(%b::text[], %b::text[], %b::bigint[]) AS v (source, external_id, ticket_id)"
        f" CROSS JOIN LATERAL (SELECT x.id FROM {table} AS x"
        " WHERE x.source = v.source AND x.external_id = v.external_id"
        " AND (x.pending OR (x.ticket_id IS NULL AND v.ticket_id IS NOT NULL)) OFFSET 0) AS found) AS s"
        " WHERE o.id = s.id"
    )
    return sql, [[k[0] for k in keys], [k[1] for k in keys], [tickets.get(k) for k in keys]]


def by_slug(model, slugs: set[str]) -> dict:
    return model.objects.only("id", "slug").in_bulk(slugs, field_name="slug") if slugs else {}


def by_slugs(service_slugs: set[str], unit_slugs: set[str]) -> tuple[dict[str, Service], dict[str, BusinessUnit]]:
    """Services and business units by slug (only `id` and `slug` read, as by_slug): in one
    statement on PostgreSQL when both are wanted."""
    if not (service_slugs and unit_slugs and bulk_sql.on_postgres()):
        return by_slug(Service, service_slugs), by_slug(BusinessUnit, unit_slugs)
    quote = connection.ops.quote_name
    found: tuple[dict, dict] = ({}, {})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 0, id, slug FROM {quote(Service._meta.db_table)} WHERE slug = ANY(%s)"  # noqa: S608
            f" UNION ALL SELECT 1, id, slug FROM {quote(BusinessUnit._meta.db_table)} WHERE slug = ANY(%s)",
            [sorted(service_slugs), sorted(unit_slugs)],
        )
        for which, pk, slug in cursor.fetchall():
            model = (Service, BusinessUnit)[which]
            found[which][slug] = model.from_db(connection.alias, ["id", "slug"], [pk, slug])
    return found
