"""Pure functions of catalogue alignment (no queries): how far a unit's list and IT's agree, and
how old a request is in business days and whether it is overdue.

Business days count in the default calendar: Monday to Friday, 09:00-17:00 in the site's
TIME_ZONE (sla.business_time; the fallback detractor follow-ups use for a service with no
support calendar). A business day is 8 working hours, so "10 business days" is 80 working hours:
a request made on a Monday at 10:00 is due the Monday two weeks later at 10:00, and overdue
just after.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from sla.business_time import CalendarSpec, add_business_time, business_time_between

OVERDUE_AFTER_BUSINESS_DAYS = 10
WORKING_DAY = timedelta(hours=8)
SHARE_PLACES = Decimal("0.0001")


def default_calendar_spec() -> CalendarSpec:
    return _weekdays_nine_to_five(settings.TIME_ZONE)


@functools.lru_cache(maxsize=8)
def _weekdays_nine_to_five(time_zone: str) -> CalendarSpec:
    # Built once per zone (a spec is immutable): a page of requests asks for it on every request.
    return CalendarSpec.weekly(time_zone, dict.fromkeys(range(5), "09:00-17:00"))


def request_due_at(requested_at: datetime, *, spec: CalendarSpec | None = None) -> datetime:
    """When an unanswered request becomes overdue (the instant itself is still on time)."""
    spec = spec or default_calendar_spec()
    return add_business_time(spec, requested_at, OVERDUE_AFTER_BUSINESS_DAYS * WORKING_DAY)


def request_age_business_days(requested_at: datetime, *, now: datetime, spec: CalendarSpec | None = None) -> float:
    """Working time since the request, in business days (one decimal)."""
    spec = spec or default_calendar_spec()
    return round(business_time_between(spec, requested_at, now) / WORKING_DAY, 1)


def request_is_overdue(*, state: str, requested_at: datetime, now: datetime, spec: CalendarSpec | None = None) -> bool:
    """Unanswered after 10 business days."""
    from catalog.alignment.models import RequestState

    return state == RequestState.OPEN and now > request_due_at(requested_at, spec=spec)


@dataclass(frozen=True)
class Comparison:
    """A unit's list beside IT's. `agreed`, `it_only` and `unit_only` are service ids."""

    agreed: frozenset[int]
    it_only: frozenset[int]  # IT lists the unit as served; the unit did not mark it
    unit_only: frozenset[int]  # the unit marked it; IT does not list the unit as served
    open_requests: int  # what the unit relies on that the catalogue lacks, not answered yet

    @property
    def differences(self) -> int:
        return len(self.it_only) + len(self.unit_only) + self.open_requests

    @property
    def share(self) -> Decimal | None:
        """Share of agreement: agreed / (agreed + every difference); None when neither side
        lists anything (nothing to agree or disagree on)."""
        return share_of(agreed=len(self.agreed), differences=self.differences)

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else int((share * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def share_of(*, agreed: int, differences: int) -> Decimal | None:
    """Comparison.share from the counts alone (the API's ranking counts in SQL)."""
    total = agreed + differences
    if total == 0:
        return None
    return (Decimal(agreed) / Decimal(total)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def compare(*, it_ids: Collection[int], unit_ids: Collection[int], open_requests: int = 0) -> Comparison:
    it, unit = frozenset(it_ids), frozenset(unit_ids)
    return Comparison(agreed=it & unit, it_only=it - unit, unit_only=unit - it, open_requests=open_requests)
