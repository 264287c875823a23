"""Measures derived from tickets, against tickets ingested as events (the `sla` fixture: P2 on
office hours, Mon-Fri 09-17 UTC, engage 1 h, update 2 h, resolve 8 h; P1 on 24x7, engage 30 min,
update 1 h, resolve 4 h)."""

from datetime import timedelta

import pytest

from catalog.models import AgreementStatus
from sla.models import Clock
from sla.services import measures_evaluate, ticket_events_ingest
from tests.sla.conftest import at, event
from tests.sla.evaluation_helpers import add_measure, evaluation, notified

__all__ = ["notified"]

NOW = at(20, 12)  # Friday 20 November 2026
NOV = at(1, 0)


def ticket(external_id, opened, priority=2, assigned=None, responded=(), resolved=None):
    events = [
        event(
            "opened",
            opened,
            external_id=external_id,
            service="payroll",
            business_unit="finance",
            priority=priority,
            title=external_id,
        )
    ]
    if assigned:
        events.append(event("assigned", assigned, external_id=external_id, assignee="ana"))
    events += [event("responded", when, external_id=external_id) for when in responded]
    if resolved:
        events.append(event("resolved", resolved, external_id=external_id))
    ticket_events_ingest(events=events, now=NOW)


@pytest.fixture
def tickets(sla, notified):
    # A: P2, owner after 10 min, an update at 11:00 (1h50 after engaging), resolved in 3 h.
    ticket("A", at(2, 9), assigned=at(2, 9, 10), responded=[at(2, 11)], resolved=at(2, 12))
    # B: P2, owner after exactly an hour, no update for a day, resolved after 11 business hours.
    ticket("B", at(2, 9), assigned=at(2, 10), resolved=at(3, 12))
    # C: P1 (24x7), owner after 20 min, resolved in 3 h of 4; no update within the hour.
    ticket("C", at(3, 10), priority=1, assigned=at(3, 10, 20), resolved=at(3, 13))
    # D: P2, never assigned, still open: resolve breached on the 4th at 17:00.
    ticket("D", at(4, 9))
    # E: opened ten minutes ago, no owner yet: not decided either way.
    ticket("E", at(20, 11, 50))
    return sla


def measure(sla, metric, **fields):
    values = {"unit": "", "target": 90, "aggregation": "percent", "min_points": 1}
    values.update(fields)
    return add_measure(
        sla["agreement"], key=metric.replace("_", "-"), name=metric, source="tickets", ticket_metric=metric, **values
    )


def test_clocks_are_what_the_hand_worked_numbers_assume(tickets):
    states = {(c.ticket.external_id, c.kind, c.cycle): c.state for c in Clock.objects.select_related("ticket")}
    assert states[("A", "update", 1)] == states[("A", "update", 2)] == "met"
    assert states[("B", "update", 1)] == states[("C", "update", 1)] == "breached"
    assert [states[(t, "resolve", 1)] for t in "ABCD"] == ["met", "breached", "met", "breached"]


def test_share_resolved_within_target_all_priorities_and_p2_only(tickets):
    everyone = measure(tickets, "resolved_in_time")
    p2 = add_measure(
        tickets["agreement"],
        key="p2-resolved",
        name="P2 resolved in time",
        source="tickets",
        ticket_metric="resolved_in_time",
        ticket_priority=2,
        target=90,
        min_points=1,
    )
    measures_evaluate(now=NOW)
    assert (evaluation(everyone, NOV).actual, evaluation(everyone, NOV).volume) == (50.0, 4)  # A, C of A-D
    row = evaluation(p2, NOV)
    assert (row.actual, row.volume, row.status) == (pytest.approx(100 / 3), 3, "at_risk")  # A of A, B, D


def test_mean_business_time_to_engage(tickets):
    engage = measure(tickets, "engage_time", target=1, direction="lower", aggregation="mean", unit="hours")
    measures_evaluate(now=NOW)
    row = evaluation(engage, NOV)
    # A 10 min, B 60 min (office hours), C 20 min (24x7); D and E not engaged yet.
    assert row.volume == 3
    assert row.actual == pytest.approx((10 + 60 + 20) / 60 / 3)
    assert row.status == "met"


def test_share_with_an_owner_within_30_minutes_in_elapsed_time(tickets):
    owner = measure(tickets, "owner_within", ticket_within=timedelta(minutes=30))
    hour = add_measure(
        tickets["agreement"],
        key="owner-within-hour",
        name="Owner within the hour",
        source="tickets",
        ticket_metric="owner_within",
        ticket_within=timedelta(hours=1),
        target=90,
        min_points=1,
    )
    measures_evaluate(now=NOW)
    # A (10 min) and C (20 min) in time; B (60 min) late; D past 30 min with no owner; E pending.
    assert (evaluation(owner, NOV).actual, evaluation(owner, NOV).volume) == (50.0, 4)
    assert (evaluation(hour, NOV).actual, evaluation(hour, NOV).volume) == (75.0, 4)  # B just in time
    measures_evaluate(now=at(20, 12, 25))  # E has been waiting 35 min: late now
    assert (evaluation(owner, NOV).actual, evaluation(owner, NOV).volume) == (40.0, 5)


def test_share_of_update_intervals_kept(tickets):
    updates = measure(tickets, "updates_kept")
    measures_evaluate(now=NOW)
    row = evaluation(updates, NOV)
    assert (row.actual, row.volume) == (50.0, 4)  # A's two cycles kept; B's and C's first not


def test_a_units_agreement_counts_its_units_tickets_only(tickets):
    from tests import factories as f
    from tests.sla.conftest import agree

    other = f.BusinessUnitFactory(name="Sales", slug="sales")
    tickets["service"].business_units.add(other)
    rep = f.representative(other, username="sales-rep")
    sales = agree(tickets["service"], other, {}, tickets["owner"], rep)
    assert sales.status == AgreementStatus.AGREED
    finance = measure(tickets, "resolved_in_time")
    theirs = add_measure(
        sales, key="resolved-in-time", name="Resolved", source="tickets", ticket_metric="resolved_in_time", min_points=1
    )
    measures_evaluate(now=NOW)
    assert evaluation(finance, NOV).volume == 4
    row = evaluation(theirs, NOV)
    assert (row.volume, row.status, row.reason) == (0, "no_data", "no data yet")
