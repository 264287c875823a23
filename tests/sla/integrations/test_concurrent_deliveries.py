"""Deliveries of one ticket racing through different workers on PostgreSQL, each on its own
connection: the ticket, its events and its clocks end exactly as with the same deliveries one
after another, in order (issue 12). Run with DATABASE_URL=postgres://…"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sla.integrations.services import integration_delivery_receive
from sla.integrations.signatures import sign_hub
from sla.models import Clock, Integration, Ticket, TicketEvent
from sla.services import ticket_events_ingest
from tests.catalog.test_concurrency import _run_together
from tests.sla.conftest import at, event
from tests.sla.integrations.conftest import SECRET, body_of, sn_record, sn_time

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOW = at(4, 12)
# new, taken, on hold, back, resolved, reopened, resolved again
LIFE = [("1", ""), ("2", "Beth Agent"), ("3", "Beth Agent"), ("2", "Beth Agent"), ("6", "Beth Agent")]
LIFE += [("2", "Carl Agent"), ("6", "Carl Agent")]


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def deliveries(number: str) -> list[bytes]:
    bodies = []
    for n, (state, assignee) in enumerate(LIFE):
        when = at(2, 9) + n * timedelta(minutes=45)
        record = sn_record(
            updated=when,
            number=number,
            sys_id=f"sys-{number}",
            state=state,
            assigned_to=assignee,
            resolved_at=sn_time(when) if state == "6" else "",
        )
        bodies.append(body_of(record))
    return bodies


def receive(body: bytes):
    integration = Integration.objects.get(slug="servicenow")
    return integration_delivery_receive(
        integration=integration, body=body, headers={"X-Accord-Signature": sign_hub(SECRET, body)}, now=NOW
    )


def outcome(number: str) -> dict:
    ticket = Ticket.objects.get(external_id=number)
    fields = ("state", "priority", "opened_at", "resolved_at", "closed_at", "assignee", "agreement_id")
    return {
        "ticket": {name: getattr(ticket, name) for name in fields},
        "events": list(
            TicketEvent.objects.filter(ticket=ticket).values_list(
                "kind", "occurred_at", "priority", "assignee", "sequence"
            )
        ),
        "clocks": list(
            Clock.objects.filter(ticket=ticket).values_list(
                "kind", "cycle", "state", "started_at", "stopped_at", "due_at", "elapsed_seconds", "last_warned_share"
            )
        ),
    }


def test_servicenow_snapshots_racing_through_workers_end_as_in_order(servicenow):
    for body in deliveries("INC-IN-ORDER"):
        receive(body)
    expected = outcome("INC-IN-ORDER")
    assert [kind for kind, *_ in expected["events"]].count("resolved") == 2
    for round_ in range(3):
        number = f"INC-RACE-{round_}"
        bodies = deliveries(number)
        # Every delivery at once, latest first, two of them retried at the same moment.
        calls = [lambda b=b: receive(b) for b in [*reversed(bodies), bodies[2], bodies[5]]]
        results = _run_together(*calls)
        assert not [r for r in results if isinstance(r, Exception)], results
        assert outcome(number) == expected


def test_rest_batches_racing_through_workers_end_as_in_order(sla):
    def life(number: str) -> list[list]:
        opened = event("opened", at(2, 9), external_id=number, service="payroll", business_unit="finance", priority=2)
        later = [
            event("assigned", at(2, 9, 30), external_id=number, assignee="Bo"),
            event("paused", at(2, 10), external_id=number),
            event("resumed", at(2, 11), external_id=number),
            event("resolved", at(2, 12), external_id=number),
            event("reopened", at(2, 13), external_id=number),
            event("resolved", at(2, 14), external_id=number),
        ]
        return [[opened], later[:2], later[2:4], later[4:]]

    for batch in life("IN-ORDER"):
        ticket_events_ingest(events=batch, now=NOW)
    expected = outcome("IN-ORDER")
    for round_ in range(3):
        number = f"RACE-{round_}"
        batches = life(number)
        results = _run_together(
            *[lambda b=b: ticket_events_ingest(events=b, now=NOW) for b in [*reversed(batches), batches[1]]]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert outcome(number) == expected
