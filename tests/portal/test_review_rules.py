"""The review's pure parts: periods as people write them, the first business day, and how a
commitment and an action read in a period (no database)."""

from datetime import date

import pytest

from portal.reviews import outcomes
from portal.reviews.periods import ClosedDays, Period, first_business_day, month_to_prepare, period_parse


@pytest.mark.parametrize(
    ("code", "kind", "start", "label"),
    [("2026-11", "month", date(2026, 11, 1), "November 2026"), ("2026-Q4", "quarter", date(2026, 10, 1), "Q4 2026")],
)
def test_a_period_reads_and_writes_back(code, kind, start, label):
    period = period_parse(code)
    assert (period.kind, period.start, period.label, period.code) == (kind, start, label, code)


@pytest.mark.parametrize("code", ["2026-13", "2026-00", "2026-Q5", "26-11", "2026-11-01", "", "1999-01", "nope"])
def test_what_is_not_a_period_is_refused_with_a_reason(code):
    with pytest.raises(ValueError, match=r"\S"):
        period_parse(code)


def test_previous_and_following_cross_years():
    assert period_parse("2026-01").previous() == Period("month", date(2025, 12, 1))
    assert period_parse("2026-Q1").previous().code == "2025-Q4"
    assert period_parse("2026-Q4").following().code == "2027-Q1"
    assert period_parse("2026-02").last_day == date(2026, 2, 28)


def test_the_first_business_day_skips_weekends_and_holidays():
    assert first_business_day(2026, 11) == date(2026, 11, 2)  # the 1st is a Sunday
    assert first_business_day(2026, 12) == date(2026, 12, 1)
    assert first_business_day(2026, 12, holidays={date(2026, 12, 1)}) == date(2026, 12, 2)


def test_last_month_is_prepared_from_the_first_business_day_on():
    assert month_to_prepare(date(2026, 11, 1)) is None  # Sunday: not yet
    assert month_to_prepare(date(2026, 11, 2)).code == "2026-10"
    assert month_to_prepare(date(2026, 11, 20)).code == "2026-10"  # a missed run catches up
    assert month_to_prepare(date(2026, 1, 1)).code == "2025-12"  # a Thursday


def _facts(**kwargs):
    defaults = {
        "outcome": "open",
        "due_on": date(2026, 11, 15),
        "closed_on": None,
        "closing_note": "",
        "renegotiations": (),
    }
    return outcomes.CommitmentFacts(**{**defaults, **kwargs})


NOV = {"start": date(2026, 11, 1), "end": date(2026, 12, 1)}


@pytest.mark.parametrize(
    ("facts", "today", "kind"),
    [
        (_facts(outcome="delivered", closed_on=date(2026, 11, 14)), date(2026, 12, 3), outcomes.DELIVERED),
        (
            _facts(outcome="delivered", closed_on=date(2026, 11, 20), closing_note="Vendor slipped."),
            date(2026, 12, 3),
            outcomes.LATE,
        ),
        (_facts(outcome="missed", closing_note="Budget cut."), date(2026, 12, 3), outcomes.MISSED),
        (_facts(), date(2026, 12, 3), outcomes.LATE),  # still open past its due date
        (_facts(), date(2026, 11, 10), outcomes.DUE),  # the month so far: not late yet
        (
            _facts(
                due_on=date(2026, 12, 20),
                renegotiations=[
                    (date(2026, 11, 5), date(2026, 11, 15), date(2026, 12, 20), "Waiting for the auditors.")
                ],
            ),
            date(2026, 12, 3),
            outcomes.RENEGOTIATED,
        ),
    ],
)
def test_a_commitment_reads_as_what_it_did_in_the_period(facts, today, kind):
    reading = outcomes.commitment_reading(facts, today=today, **NOV)
    assert reading.kind == kind
    if facts.closing_note:
        assert facts.closing_note in reading.reasons
    if facts.renegotiations:
        assert "Waiting for the auditors." in reading.reasons[0]


def test_an_action_is_overdue_only_while_open_past_its_date():
    assert outcomes.action_state(status="open", due_on=date(2026, 11, 1), today=date(2026, 11, 2)) == "overdue"
    assert outcomes.action_state(status="open", due_on=date(2026, 11, 2), today=date(2026, 11, 2)) == "open"
    assert outcomes.action_state(status="done", due_on=date(2026, 11, 1), today=date(2026, 12, 2)) == "done"


def _uk_office():
    from sla.business_time import CalendarSpec

    office = ((9 * 3600, 17 * 3600),)
    return CalendarSpec(
        time_zone="Europe/London",
        week=(office,) * 5 + ((), ()),
        holiday_country="GB",
        holiday_subdivision="ENG",
        closed_dates=frozenset({date(2027, 2, 1)}),
        name="UK office",
    )


def test_the_first_business_day_honours_the_calendars_public_holidays_and_closures():
    closed = ClosedDays(_uk_office())
    assert first_business_day(2027, 1, closed) == date(2027, 1, 4)  # Fri 1 Jan: New Year's Day
    assert first_business_day(2027, 2, closed) == date(2027, 2, 2)  # Mon 1 Feb: a closure
    assert first_business_day(2027, 3, closed) == date(2027, 3, 1)
    assert first_business_day(2027, 1, ClosedDays(None)) == date(2027, 1, 1)  # no calendar: weekdays
    assert month_to_prepare(date(2027, 1, 1), closed) is None
    assert month_to_prepare(date(2027, 1, 4), closed).code == "2026-12"
