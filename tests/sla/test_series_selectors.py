"""The series behind the SLA charts: attainment per month and priority against the objective,
and open and at-risk tickets day by day (sla.series_selectors), read from real rows."""

from datetime import UTC, datetime, timedelta

import pytest

from sla import series_selectors
from sla.models import Clock, ClockKind, ClockState, Ticket, TicketState
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA (UTC)

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def ticket(sla, external_id, opened, *, resolved=None, state=TicketState.OPEN, priority=2):
    return Ticket.objects.create(
        source="test",
        external_id=external_id,
        service=sla["service"],
        business_unit=sla["unit"],
        priority=priority,
        state=state,
        opened_at=opened,
        resolved_at=resolved,
    )


def clock(sla, owner, *, state, started, stopped=None, breached=None, due=None, warned=None, priority=None):
    return Clock.objects.create(
        ticket=owner,
        kind=ClockKind.RESOLVE,
        cycle=Clock.objects.filter(ticket=owner).count() + 1,  # one clock of a kind per cycle
        priority=priority or owner.priority,
        calendar=sla["always"],
        target_seconds=3600,
        started_at=started,
        stopped_at=stopped,
        due_at=due,
        breached_at=breached,
        state=state,
        warning_shares=[[0.5, warned.isoformat() if warned else None], [0.75, None]],
        computed_at=started,
    )


def test_attainment_per_month_and_priority_with_the_objective(sla):
    t = ticket(sla, "A", datetime(2026, 9, 1, tzinfo=UTC), resolved=datetime(2026, 9, 2, tzinfo=UTC))
    # September: P2 one met, one breached; October: P2 met; November: a P1 still running, breached.
    clock(
        sla,
        t,
        state=ClockState.MET,
        started=datetime(2026, 9, 1, tzinfo=UTC),
        stopped=datetime(2026, 9, 1, 2, tzinfo=UTC),
    )
    clock(
        sla,
        t,
        state=ClockState.BREACHED,
        started=datetime(2026, 9, 3, tzinfo=UTC),
        stopped=datetime(2026, 9, 30, 23, tzinfo=UTC),
    )
    clock(
        sla,
        t,
        state=ClockState.MET,
        started=datetime(2026, 10, 1, tzinfo=UTC),
        stopped=datetime(2026, 10, 1, 1, tzinfo=UTC),
    )
    clock(
        sla,
        t,
        state=ClockState.BREACHED,
        priority=1,
        started=datetime(2026, 11, 2, tzinfo=UTC),
        breached=datetime(2026, 11, 2, 1, tzinfo=UTC),
    )
    # Outside the window (a year ago) and still running within target: not counted.
    clock(
        sla,
        t,
        state=ClockState.MET,
        started=datetime(2025, 10, 1, tzinfo=UTC),
        stopped=datetime(2025, 10, 1, 1, tzinfo=UTC),
    )
    clock(sla, t, state=ClockState.RUNNING, started=datetime(2026, 11, 19, tzinfo=UTC))

    series = series_selectors.monthly_attainment(service=sla["service"], now=NOW, time_zone="UTC", months=4)
    assert series.labels == ("August 2026", "September 2026", "October 2026", "November 2026")
    by_priority = {t.priority: t for t in series.tracks}
    assert sorted(by_priority) == [1, 2, 3]  # P3 has an objective but no outcome: a line of gaps
    assert [m.percent for m in by_priority[2].months] == [None, 50.0, 100.0, None]
    assert [(m.met, m.breached) for m in by_priority[1].months] == [(0, 0), (0, 0), (0, 0), (0, 1)]
    assert by_priority[1].objective_percent == 95.0
    assert [m.total for m in by_priority[3].months] == [0, 0, 0, 0]
    assert series.has_outcomes


def test_attainment_months_follow_the_time_zone(sla):
    t = ticket(sla, "A", datetime(2026, 10, 31, tzinfo=UTC))
    # 31 October 23:30 UTC is already November in Tokyo.
    clock(
        sla,
        t,
        state=ClockState.MET,
        started=datetime(2026, 10, 31, 23, tzinfo=UTC),
        stopped=datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
    )
    london = series_selectors.monthly_attainment(service=sla["service"], now=NOW, time_zone="Europe/London", months=2)
    tokyo = series_selectors.monthly_attainment(service=sla["service"], now=NOW, time_zone="Asia/Tokyo", months=2)
    assert [m.met for m in {t.priority: t for t in london.tracks}[2].months] == [1, 0]
    assert [m.met for m in {t.priority: t for t in tokyo.tracks}[2].months] == [0, 1]


def test_open_and_at_risk_tickets_day_by_day(sla, django_assert_num_queries):
    day = timedelta(days=1)
    start = datetime(2026, 11, 15, 9, tzinfo=UTC)  # five days before NOW
    # Opened on the 15th, resolved on the 17th.
    done = ticket(sla, "DONE", start, resolved=start + 2 * day, state=TicketState.RESOLVED)
    # Opened on the 16th, still open; warned on the 18th (its first warning share), clock still running.
    warned = ticket(sla, "WARNED", start + day)
    clock(sla, warned, state=ClockState.RUNNING, started=start + day, warned=start + 3 * day)
    # Opened on the 17th, breached on the 19th, still open.
    breached = ticket(sla, "BREACHED", start + 2 * day)
    clock(sla, breached, state=ClockState.BREACHED, started=start + 2 * day, breached=start + 4 * day)
    # At risk on the 15th, but its clock stopped the same day.
    clock(
        sla,
        done,
        state=ClockState.MET,
        started=start,
        stopped=start + timedelta(hours=2),
        warned=start + timedelta(hours=1),
    )
    # Another service's ticket is not in the queryset asked about.
    tickets = Ticket.objects.filter(service=sla["service"])

    with django_assert_num_queries(2):
        series = series_selectors.ticket_load(tickets=tickets, now=NOW, time_zone="UTC", days=7)
    assert series.labels == ("14 Nov", "15 Nov", "16 Nov", "17 Nov", "18 Nov", "19 Nov", "20 Nov")
    assert series.open == (0, 1, 2, 2, 2, 2, 2)
    assert series.at_risk == (0, 0, 0, 0, 1, 2, 2)
    assert series.moments[-1] == NOW


def test_a_cancelled_ticket_stops_counting_when_it_was_last_changed(sla):
    cancelled = ticket(sla, "GONE", datetime(2026, 11, 18, 9, tzinfo=UTC), state=TicketState.CANCELLED)
    Ticket.objects.filter(pk=cancelled.pk).update(updated_at=datetime(2026, 11, 19, 9, tzinfo=UTC))
    series = series_selectors.ticket_load(tickets=Ticket.objects.all(), now=NOW, time_zone="UTC", days=3)
    assert series.open == (1, 0, 0)
