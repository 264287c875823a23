"""The observation table's indexes on PostgreSQL: its ticket is indexed only where set (an
observation accepted for a ticket not derived yet writes no entry for it), and deleting a ticket
still finds its observations through that index, not by reading the whole table."""

from __future__ import annotations

import pytest
from django.db import connection

from sla.models import Ticket, TicketObservation
from tests import factories as f
from tests.sla.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.skipif("connection.vendor != 'postgresql'")]

TABLE = TicketObservation._meta.db_table


def index_definitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [TABLE])
        return dict(cursor.fetchall())


def test_the_ticket_is_indexed_only_where_it_is_set():
    by_ticket = {name: d for name, d in index_definitions().items() if "(ticket_id)" in d}
    assert list(by_ticket) == ["ticket_observation_attached"], by_ticket
    assert by_ticket["ticket_observation_attached"].endswith("WHERE (ticket_id IS NOT NULL)")


def test_deleting_a_ticket_finds_its_observations_through_the_index():
    """20,000 observations, half of them held (no ticket): the cascade's statement and the
    foreign key's check of a deleted ticket (the same lookup, by one ticket) read the index."""
    service = f.ServiceFactory()
    ticket = Ticket.objects.create(source="desk", external_id="T1", service=service, priority=2, opened_at=at(2, 9))
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (source, external_id, key, origin, observed_at, rank, content, received_at,"  # noqa: S608
            " pending, failure, ticket_id) SELECT 'desk', 'T' || (n / 5), n::text, 'event', now(), 0, '{}', now(),"
            " false, '', CASE WHEN n %% 2 = 0 THEN %s END FROM generate_series(1, 20000) AS n",
            [ticket.pk],
        )
        cursor.execute(f"ANALYZE {table}")
        for statement in (
            f"EXPLAIN DELETE FROM {table} WHERE ticket_id IN (%s)",  # noqa: S608
            f"EXPLAIN SELECT 1 FROM ONLY {table} x WHERE ticket_id = %s FOR KEY SHARE OF x",  # noqa: S608
        ):
            cursor.execute(statement, [ticket.pk + 1])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "ticket_observation_attached" in plan, plan
            assert "Seq Scan" not in plan, plan
    TicketObservation.objects.create(
        source="desk", external_id="T1", key="x", ticket=ticket, origin="event", observed_at=at(2, 9), content={}
    )
    pk = ticket.pk
    ticket.delete()
    assert not TicketObservation.objects.filter(ticket_id=pk).exists()
    assert TicketObservation.objects.filter(ticket__isnull=True).count() == 10000
