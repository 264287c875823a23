"""The clocks of a ticket from its event history: pure, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from sla.business_time import CalendarSpec
from sla.clocks import (
    BREACHED,
    CANCELLED,
    ENGAGE,
    MET,
    PAUSED,
    RESOLVE,
    RUNNING,
    UPDATE,
    HistoryEvent,
    Targets,
    derive_clocks,
)

OFFICE = CalendarSpec(time_zone="UTC", week=(((9 * 3600, 17 * 3600),),) * 5 + ((), ()))
ALWAYS = CalendarSpec.twenty_four_seven("UTC")
H = timedelta(hours=1)


def at(day, hour, minute=0):
    """A moment in November 2026: the 2nd is a Monday."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def targets(calendar=OFFICE, **overrides):
    by_priority = {
        1: Targets(calendar=ALWAYS, engage=0.5 * H, update=1 * H, resolve=4 * H),
        2: Targets(calendar=calendar, engage=1 * H, update=2 * H, resolve=8 * H),
        3: Targets(calendar=calendar, engage=4 * H, update=None, resolve=24 * H),
    }
    by_priority.update(overrides)
    return by_priority.get


def ev(kind, when, seq=0, priority=None):
    return HistoryEvent(kind=kind, occurred_at=when, sequence=seq, priority=priority)


def clocks_by_key(history, now, **kw):
    return {(c.kind, c.cycle): c for c in derive_clocks(history=history, targets=targets(**kw), now=now)}


def test_a_fresh_ticket_runs_engage_and_resolve_in_business_time():
    clocks = clocks_by_key([ev("opened", at(6, 16, 30), priority=2)], now=at(6, 16, 45))
    engage, resolve = clocks[(ENGAGE, 1)], clocks[(RESOLVE, 1)]
    assert engage.state == RUNNING
    assert engage.due_at == at(9, 9, 30)  # Friday 16:30 + 1h: 30 min on Friday, 30 on Monday
    assert engage.elapsed == timedelta(minutes=15)
    assert resolve.due_at == at(9, 16, 30)  # 30 min Friday + 7h30 Monday
    assert [share for share, _ in resolve.thresholds] == [0.5, 0.75]
    assert resolve.thresholds[0][1] == at(9, 12, 30)  # 4h used: 30 min Friday, 3h30 Monday
    assert (UPDATE, 1) not in clocks  # the update clock starts at engagement


def test_engagement_stops_the_engage_clock_and_starts_the_first_update_cycle():
    history = [ev("opened", at(2, 9), priority=2), ev("assigned", at(2, 9, 45))]
    clocks = clocks_by_key(history, now=at(2, 10))
    assert clocks[(ENGAGE, 1)].state == MET
    assert clocks[(ENGAGE, 1)].elapsed == timedelta(minutes=45)
    update = clocks[(UPDATE, 1)]
    assert update.state == RUNNING
    assert update.started_at == at(2, 9, 45)
    assert update.due_at == at(2, 11, 45)


def test_each_customer_update_restarts_the_update_clock():
    history = [
        ev("opened", at(2, 9), priority=2),
        ev("responded", at(2, 9, 30)),
        ev("customer_updated", at(2, 11)),  # 1h30 after: kept
        ev("customer_updated", at(2, 14)),  # 3h after: late
    ]
    clocks = clocks_by_key(history, now=at(2, 15))
    assert clocks[(UPDATE, 1)].state == MET
    assert clocks[(UPDATE, 2)].state == BREACHED
    assert clocks[(UPDATE, 2)].stopped_at == at(2, 14)
    assert clocks[(UPDATE, 3)].state == RUNNING
    assert clocks[(UPDATE, 3)].due_at == at(2, 16)


def test_paused_time_counts_for_no_clock():
    history = [
        ev("opened", at(2, 9), priority=2),
        ev("assigned", at(2, 9, 10)),
        ev("paused", at(2, 10)),
        ev("resumed", at(3, 10)),
    ]
    clocks = clocks_by_key(history, now=at(3, 11))
    resolve = clocks[(RESOLVE, 1)]
    assert resolve.elapsed == 2 * H  # 09:00-10:00 Monday, 10:00-11:00 Tuesday
    assert resolve.due_at == at(3, 17)  # 1h Monday + 7h from Tuesday 10:00
    assert resolve.state == RUNNING
    update = clocks[(UPDATE, 1)]
    assert update.elapsed == timedelta(minutes=50) + H


def test_a_paused_clock_has_no_deadline_until_it_resumes():
    history = [ev("opened", at(2, 9), priority=2), ev("paused", at(2, 10))]
    resolve = clocks_by_key(history, now=at(4, 12))[(RESOLVE, 1)]
    assert resolve.state == PAUSED
    assert resolve.due_at is None
    assert resolve.elapsed == H
    assert resolve.remaining == 7 * H


def test_resolving_late_is_a_breach_and_on_time_is_met():
    late = [ev("opened", at(2, 9), priority=2), ev("assigned", at(2, 9)), ev("resolved", at(3, 9, 1))]
    clocks = clocks_by_key(late, now=at(4, 9))
    assert clocks[(RESOLVE, 1)].state == BREACHED
    assert clocks[(RESOLVE, 1)].due_at == at(2, 17)
    on_time = [ev("opened", at(2, 9), priority=2), ev("assigned", at(2, 9)), ev("resolved", at(2, 17))]
    resolve = clocks_by_key(on_time, now=at(4, 9))[(RESOLVE, 1)]
    assert resolve.state == MET  # exactly at the deadline is in time
    assert resolve.stopped_at == at(2, 17)


def test_a_running_clock_past_its_deadline_is_breached():
    resolve = clocks_by_key([ev("opened", at(2, 9), priority=2)], now=at(2, 17, 1))[(RESOLVE, 1)]
    assert resolve.state == BREACHED
    assert resolve.stopped_at is None
    assert resolve.is_live


def test_a_priority_change_is_retroactive_to_the_opening():
    history = [ev("opened", at(2, 9), priority=3), ev("priority_changed", at(2, 12), priority=2)]
    clocks = clocks_by_key(history, now=at(2, 12, 30))
    assert clocks[(ENGAGE, 1)].priority == 2
    assert clocks[(ENGAGE, 1)].due_at == at(2, 10)
    assert clocks[(ENGAGE, 1)].state == BREACHED  # the P2 target passed at 10:00
    assert clocks[(RESOLVE, 1)].due_at == at(2, 17)


def test_a_reopen_resumes_the_resolve_clock_with_the_time_already_used():
    history = [
        ev("opened", at(2, 9), priority=2),
        ev("assigned", at(2, 9, 30)),
        ev("resolved", at(2, 12)),
        ev("reopened", at(3, 9)),
    ]
    clocks = clocks_by_key(history, now=at(3, 10))
    resolve = clocks[(RESOLVE, 1)]
    assert resolve.state == RUNNING
    assert resolve.elapsed == 4 * H  # 3h before the resolution, 1h since the reopen
    assert resolve.due_at == at(3, 14)
    assert clocks[(UPDATE, 2)].started_at == at(3, 9)  # a reopen starts a new update cycle


def test_late_events_are_placed_by_when_they_happened():
    in_order = [
        ev("opened", at(2, 9), 1, priority=2),
        ev("paused", at(2, 10), 2),
        ev("resumed", at(2, 12), 3),
        ev("resolved", at(2, 15), 4),
    ]
    shuffled = [in_order[3], in_order[1], in_order[0], in_order[2]]
    assert derive_clocks(history=shuffled, targets=targets(), now=at(3, 9)) == derive_clocks(
        history=in_order, targets=targets(), now=at(3, 9)
    )


def test_cancelling_cancels_running_clocks_and_closing_ends_everything():
    history = [ev("opened", at(2, 9), priority=2), ev("assigned", at(2, 9, 5)), ev("cancelled", at(2, 10))]
    clocks = clocks_by_key(history, now=at(5, 9))
    assert clocks[(ENGAGE, 1)].state == MET
    assert clocks[(RESOLVE, 1)].state == CANCELLED
    assert clocks[(UPDATE, 1)].state == CANCELLED

    closed = [ev("opened", at(2, 9), priority=2), ev("closed", at(2, 11)), ev("reopened", at(2, 12))]
    resolve = clocks_by_key(closed, now=at(5, 9))[(RESOLVE, 1)]
    assert resolve.state == MET
    assert resolve.stopped_at == at(2, 11)  # nothing after closing counts


def test_no_clocks_without_targets_for_the_priority():
    assert derive_clocks(history=[ev("opened", at(2, 9), priority=4)], targets=targets(), now=at(2, 10)) == []
    clocks = clocks_by_key([ev("opened", at(2, 9), priority=3), ev("assigned", at(2, 9, 30))], now=at(2, 10))
    assert (UPDATE, 1) not in clocks  # P3 agrees no update interval


def test_events_after_now_are_not_yet_history():
    history = [ev("opened", at(2, 9), priority=2), ev("resolved", at(2, 12))]
    assert clocks_by_key(history, now=at(2, 10))[(RESOLVE, 1)].state == RUNNING


def test_twenty_four_seven_targets_count_nights_and_weekends():
    resolve = clocks_by_key([ev("opened", at(6, 22), priority=1)], now=at(6, 23))[(RESOLVE, 1)]
    assert resolve.due_at == at(7, 2)
    assert resolve.share_used == pytest.approx(0.25)
