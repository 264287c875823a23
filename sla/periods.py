"""Measurement periods (week, month, quarter), aligned to the calendar in a time zone.

A period is the half-open interval [start, end) between two local midnights: weeks start on
Monday, quarters in January, April, July and October. Bounds are returned as aware datetimes in
UTC; a period spanning a clock change is an hour shorter or longer, as it really is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK, MONTH, QUARTER = "week", "month", "quarter"


def period_start_date(period: str, day: date) -> date:
    if period == WEEK:
        return day - timedelta(days=day.weekday())
    if period == MONTH:
        return day.replace(day=1)
    if period == QUARTER:
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    raise ValueError(f"unknown period {period!r}; expected week, month or quarter")


def next_start_date(period: str, start: date) -> date:
    if period == WEEK:
        return start + timedelta(days=7)
    months = 1 if period == MONTH else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_bounds(period: str, moment: datetime, time_zone: str) -> tuple[datetime, datetime]:
    """The period containing `moment` (aware), as [start, end) in UTC."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    zone = ZoneInfo(time_zone)
    first = period_start_date(period, moment.astimezone(zone).date())
    return _local_midnight(first, zone), _local_midnight(next_start_date(period, first), zone)


def previous_periods(period: str, moment: datetime, time_zone: str, count: int) -> list[tuple[datetime, datetime]]:
    """The `count` periods before the one containing `moment`, most recent first."""
    bounds = []
    start, _ = period_bounds(period, moment, time_zone)
    for _ in range(count):
        start, end = period_bounds(period, start - timedelta(seconds=1), time_zone)
        bounds.append((start, end))
    return bounds


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period_label(period: str, start: datetime, time_zone: str) -> str:
    local = start.astimezone(ZoneInfo(time_zone)).date()
    if period == WEEK:
        return f"Week of {local:%d %b %Y}"
    if period == MONTH:
        return f"{local:%B %Y}"
    return f"Q{(local.month - 1) // 3 + 1} {local.year}"
