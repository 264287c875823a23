"""Review periods as people write them: a month ("2026-11") or a quarter ("2026-Q4"). Pure
functions of their arguments (no database, no clock): parsing, labels, bounds in a time zone,
the period before and after, and the first business day a month's reviews are prepared on."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sla.periods import MONTH, QUARTER, next_start_date, period_bounds, period_label, period_start_date

KINDS = (MONTH, QUARTER)
_CODE = re.compile(r"^(?P<year>\d{4})-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4]))$")
FIRST_YEAR, LAST_YEAR = 2000, 2100  # beyond these a period is a typing error, not a review
_LOCAL_HOUR = timedelta(hours=12)  # a moment safely inside a period's first local day


@dataclass(frozen=True, order=True)
class Period:
    kind: str  # month or quarter
    start: date  # its first day

    @property
    def code(self) -> str:
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def end(self) -> date:
        """The day after its last day."""
        return next_start_date(self.kind, self.start)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        return period_label(self.kind, datetime(self.start.year, self.start.month, 1, 12, tzinfo=UTC), "UTC")

    def previous(self) -> Period:
        return period_of(self.kind, self.start - timedelta(days=1))

    def following(self) -> Period:
        return Period(self.kind, self.end)

    def bounds(self, time_zone: str) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in UTC, between local midnights of `time_zone`."""
        from zoneinfo import ZoneInfo

        moment = datetime.combine(self.start, datetime.min.time(), tzinfo=ZoneInfo(time_zone)) + _LOCAL_HOUR
        return period_bounds(self.kind, moment, time_zone)

    def __str__(self) -> str:
        return self.code


def period_of(kind: str, day: date) -> Period:
    if kind not in KINDS:
        raise ValueError(f"unknown review period {kind!r}; expected month or quarter")
    return Period(kind, period_start_date(kind, day))


def period_parse(code: str) -> Period:
    """ "2026-11" (a month) or "2026-Q4" (a quarter); ValueError naming what is wrong."""
    found = _CODE.match(code or "")
    if not found:
        raise ValueError(f"{code!r} is not a period: write a month as 2026-11 or a quarter as 2026-Q4.")
    year = int(found["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{year} is out of range ({FIRST_YEAR}-{LAST_YEAR}).")
    if found["quarter"]:
        return Period(QUARTER, date(year, 3 * (int(found["quarter"]) - 1) + 1, 1))
    month = int(found["month"])
    if not 1 <= month <= 12:
        raise ValueError(f"{code!r}: there is no month {month}.")
    return Period(MONTH, date(year, month, 1))


def period_started(period: Period, today: date) -> bool:
    """A review exists for a period that has begun (the current one is "so far")."""
    return period.start <= today


@dataclass(frozen=True)
class ClosedDays:
    """A calendar's closed days (its public holidays and closures, as
    sla.business_time.CalendarSpec.is_closed says) as the container first_business_day and
    month_to_prepare take; without a calendar, none."""

    calendar: object | None  # sla.business_time.CalendarSpec

    def __contains__(self, day: object) -> bool:
        return self.calendar is not None and isinstance(day, date) and self.calendar.is_closed(day)


def first_business_day(year: int, month: int, holidays: Container[date] = ()) -> date:
    """The first weekday of the month that is not a holiday."""
    day = date(year, month, 1)
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def month_to_prepare(today: date, holidays: Container[date] = ()) -> Period | None:
    """The month whose reviews are due on `today`: the month before, from this month's first
    business day on (a run missed on that day catches up on the next; preparing is idempotent).
    None before the first business day."""
    if today < first_business_day(today.year, today.month, holidays):
        return None
    return period_of(MONTH, today.replace(day=1) - timedelta(days=1))
