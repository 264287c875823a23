"""Accepted ticket events on PostgreSQL, each call on its own connection (issue 12): two
workers deriving the same tickets at once derive them once and store no duplicates; two
identical large batches accepted at once store each event once. Run with
DATABASE_URL=postgres://…"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sla.models import Clock, Ticket, TicketEvent, TicketObservation
from sla.services import ticket_events_ingest
from sla.services.ticket_accept import ticket_events_accept
from sla.services.ticket_derivation import ticket_observations_derive
from tests.catalog.test_concurrency import _run_together
from tests.sla.conftest import at, event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOW = at(4, 12)


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)
    monkeypatch.setattr("sla.services.ticket_accept.derivation_enqueue", lambda keys: None)  # no worker here


def batch(prefix: str, tickets: int = 20) -> list:
    events = []
    for n in range(tickets):
        number = f"{prefix}-{n}"
        start = at(2, 9) + timedelta(minutes=n)
        events += [
            event("opened", start, external_id=number, service="payroll", business_unit="finance", priority=2),
            event("assigned", start + timedelta(minutes=20), external_id=number, assignee="Bo"),
            event("paused", start + timedelta(hours=1), external_id=number),
            event("resumed", start + timedelta(hours=2), external_id=number),
            event("resolved", start + timedelta(hours=3), external_id=number),
        ]
    return events


def outcome(prefix: str) -> dict:
    tickets = Ticket.objects.filter(external_id__startswith=f"{prefix}-")
    return {
        "tickets": sorted(tickets.values_list("external_id", "state", "assignee", "opened_at", "resolved_at")),
        "events": sorted(
            TicketEvent.objects.filter(ticket__in=tickets).values_list(
                "ticket__external_id", "kind", "occurred_at", "sequence"
            )
        ),
        "clocks": sorted(
            Clock.objects.filter(ticket__in=tickets).values_list(
                "ticket__external_id", "kind", "cycle", "state", "due_at", "stopped_at", "elapsed_seconds"
            )
        ),
    }


def keys(prefix: str, tickets: int = 20) -> list[tuple[str, str]]:
    return [("test", f"{prefix}-{n}") for n in range(tickets)]


def test_two_workers_deriving_the_same_tickets_at_once_derive_them_once(sla):
    ticket_events_ingest(events=batch("SYNC"), now=NOW)
    expected = outcome("SYNC")
    for round_ in range(3):
        prefix = f"RACE{round_}"
        assert ticket_events_accept(events=batch(prefix)).created == 100
        both = keys(prefix)
        # One worker from the first ticket, one from the last, a third on half of them.
        results = _run_together(
            lambda k=both: ticket_observations_derive(keys=k, now=NOW),
            lambda k=both: ticket_observations_derive(keys=list(reversed(k)), now=NOW),
            lambda k=both: ticket_observations_derive(keys=k[5:15], now=NOW),
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sum(r.derived for r in results) == 100 and sum(r.failed for r in results) == 0
        assert not TicketObservation.objects.filter(pending=True).exists()
        found = outcome(prefix)
        assert len(found["tickets"]) == 20 and len(found["events"]) == 100
        rename = {f"SYNC-{n}": f"{prefix}-{n}" for n in range(20)}
        assert found == {
            name: sorted((rename.get(row[0], row[0]), *row[1:]) for row in rows) for name, rows in expected.items()
        }


def test_identical_batches_accepted_at_once_store_each_event_once(sla):
    results = _run_together(*[lambda: ticket_events_accept(events=batch("TWICE")) for _ in range(3)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted((r.created, r.duplicates) for r in results) == [(0, 100), (0, 100), (100, 0)]
    assert TicketObservation.objects.filter(external_id__startswith="TWICE-").count() == 100


def test_a_second_opening_accepted_at_once_is_refused(sla):
    from django.core.exceptions import ValidationError

    def opening(key: str):
        events = batch("ONE", tickets=1)
        events[0] = event("opened", at(2, 9), external_id="ONE-0", key=key, service="payroll", priority=2)
        return ticket_events_accept(events=events)

    results = _run_together(lambda: opening("a"), lambda: opening("b"))
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1, results
    assert "is already open" in str(refused[0])
