"""Pure functions of catalogue alignment: the share of agreement and a request's business age."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from catalog.alignment import status
from catalog.models import RequestState

MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 10:00 in London too (GMT)


def test_compare_splits_both_directions_and_counts_open_requests():
    comparison = status.compare(it_ids={1, 2, 3}, unit_ids={2, 3, 4}, open_requests=1)
    assert comparison.agreed == {2, 3}
    assert comparison.it_only == {1}
    assert comparison.unit_only == {4}
    assert comparison.differences == 3
    assert comparison.share == Decimal("0.4000")  # 2 of 5
    assert comparison.percent == 40


@pytest.mark.parametrize(
    ("it", "unit", "open_requests", "share"),
    [
        (set(), set(), 0, None),  # nothing to agree on
        ({1}, {1}, 0, Decimal("1.0000")),
        ({1}, set(), 0, Decimal("0.0000")),
        (set(), set(), 2, Decimal("0.0000")),
        ({1, 2}, {1, 2}, 1, Decimal("0.6667")),
    ],
)
def test_share_edges(it, unit, open_requests, share):
    assert status.compare(it_ids=it, unit_ids=unit, open_requests=open_requests).share == share


def test_due_after_ten_business_days_of_the_default_calendar():
    # Mon 2 Mar 10:00 + 80 working hours (Mon-Fri 09:00-17:00) = Mon 16 Mar 10:00.
    assert status.request_due_at(MONDAY_10) == datetime(2026, 3, 16, 10, 0, tzinfo=UTC)


def test_overdue_just_after_the_due_instant_and_only_while_open():
    due = status.request_due_at(MONDAY_10)
    assert not status.request_is_overdue(state=RequestState.OPEN, requested_at=MONDAY_10, now=due)
    assert status.request_is_overdue(state=RequestState.OPEN, requested_at=MONDAY_10, now=due + timedelta(seconds=1))
    assert not status.request_is_overdue(
        state=RequestState.DECLINED, requested_at=MONDAY_10, now=due + timedelta(days=30)
    )


def test_a_weekend_does_not_age_a_request():
    friday_17 = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    monday_09 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert status.request_age_business_days(MONDAY_10, now=friday_17) == 4.9
    assert status.request_age_business_days(MONDAY_10, now=monday_09) == 4.9
    assert status.request_age_business_days(MONDAY_10, now=datetime(2026, 3, 9, 13, 0, tzinfo=UTC)) == 5.4
