"""Reads of calendars: from Calendar rows to the frozen CalendarSpec the clock works on.

Use ``calendar_spec(calendar)`` (two queries, none when the relations are prefetched with
``CALENDAR_SPEC_PREFETCH``) or ``calendar_specs(ids)`` (three queries for any number of
calendars), then ``sla.business_time.add_business_time(spec, start, duration)``. Equal specs
share one cache, so building a spec per request is cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import holidays
from django.db.models import QuerySet

from sla.business_time import CalendarSpec, format_clock
from sla.models import Calendar

CALENDAR_SPEC_PREFETCH = ("working_intervals", "closures")


def calendar_spec(calendar: Calendar) -> CalendarSpec:
    """The clock's view of a calendar (uses prefetched intervals and closures when present)."""
    if calendar.is_24x7:
        return CalendarSpec.twenty_four_seven(calendar.time_zone, name=calendar.name)
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for interval in calendar.working_intervals.all():
        week[interval.weekday].append((interval.start * 60, interval.end * 60))
    return CalendarSpec(
        time_zone=calendar.time_zone,
        week=tuple(tuple(day) for day in week),
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
        closed_dates=frozenset(closure.date for closure in calendar.closures.all()),
        name=calendar.name,
    )


def calendar_list() -> QuerySet[Calendar]:
    return Calendar.objects.prefetch_related(*CALENDAR_SPEC_PREFETCH)


def calendar_specs(calendar_ids: Iterable[int]) -> dict[int, CalendarSpec]:
    """Specs of many calendars by id, in three queries."""
    return {calendar.pk: calendar_spec(calendar) for calendar in calendar_list().filter(pk__in=list(calendar_ids))}


# --- Descriptions for people (admin, portal) ---------------------------------------------

SHORT_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def week_summary(spec: CalendarSpec) -> str:
    """'Mon-Fri 09:00-17:00; Sat 10:00-14:00' with en dashes (runs of weekdays with the same hours grouped)."""
    if spec.always_open:
        return "24x7"
    if not spec.has_working_time:
        return "No working hours"
    parts = []
    weekday = 0
    while weekday < 7:
        hours = spec.week[weekday]
        run_end = weekday
        while run_end + 1 < 7 and spec.week[run_end + 1] == hours:
            run_end += 1
        if hours:
            days = SHORT_WEEKDAYS[weekday] + (f"–{SHORT_WEEKDAYS[run_end]}" if run_end > weekday else "")
            text = ", ".join(f"{format_clock(start)}–{format_clock(end)}" for start, end in hours)
            parts.append(f"{days} {text}")
        weekday = run_end + 1
    return "; ".join(parts)


def weekly_working_time(spec: CalendarSpec) -> timedelta:
    """Nominal working time of a week without closures (wall-clock hours)."""
    if spec.always_open:
        return timedelta(days=7)
    return timedelta(seconds=sum(end - start for day in spec.week for start, end in day))


def closed_dates_upcoming(
    spec: CalendarSpec, *, today: date, limit: int = 8, closure_names: Mapping[date, str] | None = None
) -> list[tuple[date, str]]:
    """The next closed dates on working weekdays (holidays and closures) with their names, within a year."""
    if spec.always_open:
        return []
    found = []
    for offset in range(366):
        day = today + timedelta(days=offset)
        if spec.week[day.weekday()] and spec.is_closed(day):
            found.append((day, closed_date_name(spec, day, closure_names or {})))
            if len(found) == limit:
                break
    return found


def closed_date_name(spec: CalendarSpec, day: date, closure_names: Mapping[date, str]) -> str:
    if day in spec.closed_dates:
        return closure_names.get(day) or "Closure"
    if spec.holiday_country:
        subdivision = spec.holiday_subdivision or None
        return holidays.country_holidays(spec.holiday_country, subdiv=subdivision, years=day.year).get(day, "")
    return ""
