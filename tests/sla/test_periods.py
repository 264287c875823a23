from datetime import UTC, datetime

import pytest

from sla.periods import period_bounds, period_label, previous_periods


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "moment", "start", "end"),
    [
        ("week", utc(2026, 11, 25, 12), utc(2026, 11, 23), utc(2026, 11, 30)),  # Monday to Monday
        ("month", utc(2026, 11, 25, 12), utc(2026, 11, 1), utc(2026, 12, 1)),
        ("quarter", utc(2026, 11, 25, 12), utc(2026, 10, 1), utc(2027, 1, 1)),
        ("quarter", utc(2026, 2, 1), utc(2026, 1, 1), utc(2026, 4, 1)),
    ],
)
def test_periods_in_utc(period, moment, start, end):
    assert period_bounds(period, moment, "UTC") == (start, end)


def test_periods_follow_the_local_calendar_and_its_clock_changes():
    # 31 March 2026 23:30 UTC is already 1 April in London (BST): April's period.
    start, end = period_bounds("month", utc(2026, 3, 31, 23, 30), "Europe/London")
    assert (start, end) == (utc(2026, 3, 31, 23), utc(2026, 4, 30, 23))
    march = period_bounds("month", utc(2026, 3, 15), "Europe/London")
    assert march == (utc(2026, 3, 1), utc(2026, 3, 31, 23))  # 743 hours: the clocks go forward
    assert march[1] - march[0] == (utc(2026, 3, 31, 23) - utc(2026, 3, 1))


def test_previous_periods_and_labels():
    before = previous_periods("quarter", utc(2026, 11, 25), "UTC", 2)
    assert before == [(utc(2026, 7, 1), utc(2026, 10, 1)), (utc(2026, 4, 1), utc(2026, 7, 1))]
    assert period_label("quarter", utc(2026, 10, 1), "UTC") == "Q4 2026"
    assert period_label("month", utc(2026, 10, 31, 23), "Europe/London") == "October 2026"
    with pytest.raises(ValueError, match="aware"):
        period_bounds("month", datetime(2026, 1, 1), "UTC")
