"""The data migration: events stored before observations existed become observations of their
tickets, so a later delivery re-derives a history that still has them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sla.models import Ticket, TicketEvent, TicketObservation
from sla.services import ticket_events_ingest
from tests.sla.conftest import at, event

BEFORE = [("sla", "0015_alert_notified_at")]
AFTER = [("sla", "0016_ticket_observations")]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def test_stored_events_become_observations_and_survive_a_re_derivation(sla):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldTicket, OldEvent = old.get_model("sla", "Ticket"), old.get_model("sla", "TicketEvent")
    ticket = OldTicket.objects.create(
        source="test",
        external_id="INC-7",
        service_id=sla["service"].pk,
        business_unit_id=sla["unit"].pk,
        opened_at=at(2, 9),
        priority=2,
    )
    values = {"title": "Payslips", "service_id": sla["service"].pk, "business_unit_id": sla["unit"].pk}
    OldEvent.objects.create(
        ticket=ticket, kind="opened", occurred_at=at(2, 9), idempotency_key="o", priority=2, data={"values": values}
    )
    OldEvent.objects.create(
        ticket=ticket,
        kind="assigned",
        occurred_at=at(2, 9, 30),
        idempotency_key="a",
        assignee="Bo",
        data={"values": {"assignee": "Bo"}, "sys_id": "x1"},
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    observations = list(
        TicketObservation.objects.order_by("observed_at").values("key", "origin", "ticket_id", "content")
    )
    assert [(o["key"], o["origin"], o["ticket_id"]) for o in observations] == [
        ("o", "event", ticket.pk),
        ("a", "event", ticket.pk),
    ]
    assert observations[0]["content"]["service"] == "payroll" and observations[0]["content"]["title"] == "Payslips"
    assert observations[1]["content"]["data"] == {"sys_id": "x1"}

    # Today's code on today's schema (later migrations add columns to these tables).
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # A late event re-derives the history: the migrated events are still in it, unchanged.
    resolved = event("resolved", at(2, 12), external_id="INC-7")
    ticket_events_ingest(events=[resolved], now=at(3, 9))
    found = Ticket.objects.get(pk=ticket.pk)
    assert [(e.kind, e.idempotency_key) for e in found.events.all()] == [
        ("opened", "o"),
        ("assigned", "a"),
        ("resolved", resolved.idempotency_key),
    ]
    assert (found.state, found.assignee, found.title, found.priority) == ("resolved", "Bo", "Payslips", 2)
    assert TicketEvent.objects.get(idempotency_key="a").data["sys_id"] == "x1"
