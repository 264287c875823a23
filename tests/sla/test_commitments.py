"""Where a commitment stands (pure, without the database, walked through its life with
time-machine), and the forecast behind it.

A commitment made on Monday 2 November 2026 in London (GMT then), due Monday 30 November,
checked in every 7 days with 2 days' grace.
"""

from datetime import UTC, date, datetime, timedelta

import time_machine
from hypothesis import given
from hypothesis import strategies as st

from sla.commitments import (
    AT_RISK,
    DELIVERED,
    MISSED,
    NEW,
    ON_TRACK,
    STALE,
    STATUSES,
    WITHDRAWN,
    CheckInFact,
    CommitmentFacts,
    commitment_status,
    day_start,
)

D = timedelta(days=1)
FACTS = CommitmentFacts(
    committed_on=date(2026, 11, 2),
    due_on=date(2026, 11, 30),
    check_in_every=7 * D,
    grace=2 * D,
    time_zone="Europe/London",
)


def at(day, hour=12, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def check_in(day, percent, hour=12):
    return CheckInFact(at=at(day, hour), percent_done=percent)


def status_now(facts=FACTS, check_ins=()):
    return commitment_status(facts, list(check_ins), datetime.now(UTC))


def test_new_until_the_first_check_in_is_due_then_late_then_stale_after_the_grace():
    with time_machine.travel(at(3), tick=False) as traveller:
        state = status_now()
        assert state.status == NEW
        assert state.next_check_in_due == datetime(2026, 11, 9, tzinfo=UTC)  # committed on 2 Nov + 7 days
        assert state.stale_after == datetime(2026, 11, 11, tzinfo=UTC)
        assert not state.check_in_late and state.forecast_done_on is None
        assert "first is due by 9 Nov 2026" in state.reason

        traveller.move_to(at(9, 8))  # expected at midnight: late, within its grace (Healthchecks' "grace")
        state = status_now()
        assert (state.status, state.check_in_late, state.stale) == (NEW, True, False)

        traveller.move_to(datetime(2026, 11, 11, tzinfo=UTC))  # exactly at the end of the grace: not yet
        assert status_now().status == NEW

        traveller.move_to(datetime(2026, 11, 11, 0, 0, 1, tzinfo=UTC))
        state = status_now()
        assert (state.status, state.stale) == (STALE, True)
        assert "No check-in since it was committed" in state.reason


def test_on_track_then_at_risk_as_the_forecast_passes_the_due_date():
    first = [check_in(6, 20)]  # 20% after 4 days: 5% a day, done on day 20 (22 Nov)
    with time_machine.travel(at(6, 13), tick=False):
        state = status_now(check_ins=first)
        assert state.status == ON_TRACK
        assert state.forecast_done_on == date(2026, 11, 22)
        assert state.percent_done == 20
        assert state.next_check_in_due == at(13)  # a week after the check-in
        assert state.reason == "20% done; at this pace done by 22 Nov 2026, due 30 Nov 2026."

    # 30% on day 11: the line through (0, 0), (4, 20), (11, 30) reaches 100% on day 38, 10 Dec.
    second = [*first, check_in(13, 30)]
    with time_machine.travel(at(13, 13), tick=False):
        state = status_now(check_ins=second)
        assert (state.status, state.at_risk) == (AT_RISK, True)
        assert state.forecast_done_on == date(2026, 12, 10)
        assert "after the due date 30 Nov 2026" in state.reason

    # A good week puts it back on track.
    with time_machine.travel(at(16, 13), tick=False):
        state = status_now(check_ins=[*second, check_in(16, 75)])
        assert state.status == ON_TRACK and not state.at_risk


def test_no_progress_is_at_risk():
    with time_machine.travel(at(9, 13), tick=False):
        state = status_now(check_ins=[check_in(9, 0)])
    assert (state.status, state.forecast_done_on) == (AT_RISK, None)
    assert "no progress to forecast from" in state.reason


def test_stale_outranks_at_risk_and_counts_from_the_last_check_in():
    check_ins = [check_in(6, 20), check_in(13, 30)]  # at risk (see above)
    with time_machine.travel(at(22, 13), tick=False):  # expected 20 Nov 12:00, stale after 22 Nov 12:00
        state = status_now(check_ins=check_ins)
    assert state.status == STALE
    assert state.stale and state.at_risk  # both are alerted
    assert state.next_check_in_due == at(20)
    assert "No check-in since 13 Nov 2026" in state.reason and "the last said 30% done" in state.reason


def test_missed_once_the_due_day_is_over_in_the_services_zone():
    facts = CommitmentFacts(
        committed_on=date(2026, 6, 1),
        due_on=date(2026, 6, 30),
        check_in_every=7 * D,
        grace=2 * D,
        time_zone="Europe/London",  # BST: 30 June ends at 23:00 UTC
    )
    check_ins = [CheckInFact(at=datetime(2026, 6, 29, 9, tzinfo=UTC), percent_done=90)]
    assert commitment_status(facts, check_ins, datetime(2026, 6, 30, 22, 59, tzinfo=UTC)).status != MISSED
    state = commitment_status(facts, check_ins, datetime(2026, 6, 30, 23, 0, tzinfo=UTC))
    assert state.status == MISSED
    assert state.closes_missed_at == datetime(2026, 7, 2, 23, 0, tzinfo=UTC)  # the end of the due day + grace
    assert state.reason == "Due on 30 Jun 2026 and not reported done (90% at the last check-in)."


def test_reported_done_in_time_is_on_track_awaiting_delivery_and_never_stale_or_missed():
    check_ins = [check_in(6, 40), check_in(27, 100)]
    with time_machine.travel(at(31, month=12), tick=False):  # long after the due date, no check-ins since
        state = status_now(check_ins=check_ins)
    assert state.status == ON_TRACK
    assert state.next_check_in_due is None and not state.stale
    assert state.reason == "Reported done on 27 Nov 2026; record the delivery."


def test_reported_done_only_after_the_due_date_is_missed():
    with time_machine.travel(at(1, month=12), tick=False):
        state = status_now(check_ins=[check_in(6, 40), CheckInFact(at(1, 10, month=12), 100)])
    assert state.status == MISSED


def test_closed_commitments_are_what_their_outcome_says():
    later = datetime(2027, 1, 1, tzinfo=UTC)
    delivered = commitment_status(
        CommitmentFacts(**{**FACTS.__dict__, "outcome": DELIVERED, "closed_on": date(2026, 12, 2)}), [], later
    )
    assert (delivered.status, delivered.reason) == (
        DELIVERED,
        "Delivered on 2 Dec 2026, 2 days after the due date 30 Nov 2026.",
    )
    on_time = commitment_status(
        CommitmentFacts(**{**FACTS.__dict__, "outcome": DELIVERED, "closed_on": date(2026, 11, 20)}), [], later
    )
    assert on_time.reason == "Delivered on 20 Nov 2026."
    missed = commitment_status(CommitmentFacts(**{**FACTS.__dict__, "outcome": MISSED}), [check_in(6, 40)], later)
    assert (missed.status, missed.percent_done, missed.closes_missed_at) == (MISSED, 40, None)
    withdrawn = commitment_status(
        CommitmentFacts(**{**FACTS.__dict__, "outcome": WITHDRAWN, "closed_on": date(2026, 11, 10)}), [], later
    )
    assert (withdrawn.status, withdrawn.next_check_in_due) == (WITHDRAWN, None)


def test_day_start_follows_the_zone_across_a_clock_change():
    assert day_start(date(2026, 3, 29), "Europe/London") == datetime(2026, 3, 29, tzinfo=UTC)  # still GMT at 00:00
    assert day_start(date(2026, 3, 30), "Europe/London") == datetime(2026, 3, 29, 23, tzinfo=UTC)  # BST


@given(
    percents=st.lists(st.integers(min_value=0, max_value=99), min_size=1, max_size=8),
    gaps=st.lists(st.integers(min_value=1, max_value=6 * 24), min_size=8, max_size=8),
    since_last=st.integers(min_value=0, max_value=20 * 24),
)
def test_a_check_in_within_the_period_and_grace_is_never_stale(percents, gaps, since_last):
    """Whatever the history, the commitment is stale exactly when the last check-in is older
    than the period plus the grace (before the due date)."""
    facts = CommitmentFacts(committed_on=date(2026, 1, 1), due_on=date(2026, 12, 31), check_in_every=7 * D, grace=2 * D)
    moments, moment = [], datetime(2026, 1, 1, tzinfo=UTC)
    for gap in gaps[: len(percents)]:
        moment += timedelta(hours=gap)
        moments.append(moment)
    check_ins = [CheckInFact(at=m, percent_done=p) for m, p in zip(moments, sorted(percents), strict=True)]
    now = moments[-1] + timedelta(hours=since_last)
    state = commitment_status(facts, check_ins, now)
    assert state.status in STATUSES
    assert state.stale == (timedelta(hours=since_last) > 9 * D)
    assert (state.status == STALE) == state.stale
