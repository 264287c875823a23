"""observations_settle, the worker's last step: which observations it settles (the same on
SQLite and PostgreSQL), and on PostgreSQL that it finds them through the unique key per ticket
rather than by reading the whole observation table (EXPLAIN of its statement)."""

from __future__ import annotations

import pytest
from django.db import connection

from sla import bulk_sql
from sla.models import Ticket, TicketObservation
from sla.services.ticket_store import observations_settle, settle_statement
from tests import factories as f
from tests.sla.conftest import at

pytestmark = pytest.mark.django_db


def observation(external_id: str, key: str, *, pending: bool, ticket=None, source: str = "desk"):
    return TicketObservation.objects.create(
        source=source,
        external_id=external_id,
        key=key,
        ticket=ticket,
        origin="event",
        observed_at=at(2, 9),
        content={},
        pending=pending,
    )


def test_settle_clears_pending_and_attaches_held_observations_of_those_tickets_only(db):
    service = f.ServiceFactory()
    a, b, other = (
        Ticket.objects.create(source="desk", external_id=name, service=service, priority=2, opened_at=at(2, 9))
        for name in ("A", "B", "OTHER")
    )
    rows = {
        "a-held": observation("A", "1", pending=True),
        "a-attached": observation("A", "2", pending=True, ticket=a),
        "a-done": observation("A", "3", pending=False),  # stored before the ticket, settled already
        "b-held": observation("B", "1", pending=True, ticket=None),
        "c-held": observation("C", "1", pending=True),  # no ticket yet: stays held, no longer pending
        "other": observation("OTHER", "1", pending=True),  # not settled
        "elsewhere": observation("A", "1", pending=True, source="jira"),  # same id, another tool
    }
    observations_settle(
        keys=[("desk", "A"), ("desk", "B"), ("desk", "C"), ("desk", "A")],
        tickets={
            ("desk", "A"): a.pk,
            ("desk", "B"): b.pk,
        },
    )
    found = {name: TicketObservation.objects.get(pk=row.pk) for name, row in rows.items()}
    assert {name: (row.pending, row.ticket_id) for name, row in found.items()} == {
        "a-held": (False, a.pk),
        "a-attached": (False, a.pk),
        "a-done": (False, a.pk),
        "b-held": (False, b.pk),
        "c-held": (False, None),
        "other": (True, None),
        "elsewhere": (True, None),
    }
    assert other.pk not in {row.ticket_id for row in found.values()}


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_settle_reads_each_ticket_through_the_unique_key_not_the_whole_table(db):
    """200 tickets among 20,000 stored observations: joined as a set, the planner hashed the
    keys and read the whole table (a sequential scan); looked up per key, it never does."""
    table = connection.ops.quote_name(TicketObservation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (source, external_id, key, origin, observed_at, rank, content, received_at,"  # noqa: S608
            " pending, failure) SELECT 'desk', 'T' || (n / 5), n::text, 'event', now(), 0, '{}', now(),"
            " n % 4 = 0, '' FROM generate_series(1, 20000) AS n"
        )
        cursor.execute(f"ANALYZE {table}")
    keys = [("desk", f"T{n}") for n in range(1000, 1200)]
    sql, params = settle_statement(keys=keys, tickets={})
    with bulk_sql.binary_cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    assert "ticket_observation_key_unique" in plan, plan
    observations_settle(keys=keys, tickets={})
    assert not TicketObservation.objects.filter(external_id__in=[k[1] for k in keys], pending=True).exists()
    assert TicketObservation.objects.filter(pending=True).count() == 5000 - 250
