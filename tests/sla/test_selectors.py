"""Attainment per priority and the clocks at risk (the service page's tickets at risk)."""

import pytest

from sla.selectors import clocks_at_risk, service_attainment
from sla.services import clocks_check_due, ticket_events_ingest
from tests.sla.conftest import at, event


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def ticket(external_id, opened, priority=2, resolved=None, now=None):
    events = [
        event(
            "opened",
            opened,
            external_id=external_id,
            service="payroll",
            business_unit="finance",
            priority=priority,
            title=external_id,
        ),
        event("assigned", opened, external_id=external_id),
    ]
    if resolved:
        events.append(event("resolved", resolved, external_id=external_id))
    ticket_events_ingest(events=events, now=now or at(20, 12))


def test_attainment_counts_met_and_breached_per_priority_and_kind(sla, django_assert_max_num_queries):
    ticket("A", at(2, 9), resolved=at(2, 12))  # in 3h of 8h: met
    ticket("B", at(2, 9), resolved=at(3, 12))  # 11 business hours: breached
    ticket("C", at(3, 9))  # still open at the 20th: breached on the 3rd at 17:00
    ticket("D", at(2, 9), priority=1, resolved=at(2, 10))
    with django_assert_max_num_queries(2):
        rows = service_attainment(service=sla["service"], start=at(1, 0), end=at(30, 0))
    by_key = {(r.priority, r.kind): r for r in rows}
    resolve = by_key[(2, "resolve")]
    assert (resolve.met, resolve.breached, resolve.total) == (1, 2, 3)
    assert resolve.percent == 33.3
    assert resolve.objective_percent == 95.0 and resolve.on_track is False
    assert by_key[(1, "resolve")].percent == 100.0
    assert by_key[(2, "engage")].met == 3  # assigned at once


def test_attainment_counts_only_the_period(sla):
    ticket("A", at(2, 9), resolved=at(2, 12))
    assert service_attainment(service=sla["service"], start=at(3, 0), end=at(30, 0)) == []


def test_the_clocks_at_risk_soonest_first(sla):
    ticket("LATER", at(2, 9), now=at(2, 9))
    ticket("SOONER", at(2, 8, 0), priority=1, now=at(2, 8))
    ticket("CALM", at(2, 12), now=at(2, 12))
    ticket("DONE", at(2, 9), resolved=at(2, 9, 30), now=at(2, 9, 30))
    clocks_check_due(now=at(2, 13, 30))
    board = list(clocks_at_risk(user=sla["owner"], now=at(2, 13, 30)))
    assert [(c.ticket.external_id, c.kind) for c in board] == [
        ("SOONER", "update"),  # P1 on 24x7: due 09:00
        ("LATER", "update"),  # P2 on office hours: due 11:00
        ("SOONER", "resolve"),  # due 12:00
        ("CALM", "update"),  # 75% of 2h used, due 14:00
        ("LATER", "resolve"),  # 4h30 of 8h used, due 17:00
    ]
    assert [c.due_at for c in board] == sorted(c.due_at for c in board)
