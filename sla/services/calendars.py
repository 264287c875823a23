"""Writes of the SLA app. This part: calendars.

Keyword-only arguments; everything is validated before anything is written, in one
transaction, and problems raise Django's ValidationError with field -> messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from sla import business_time
from sla.models import Calendar, ClosureDate, WorkingInterval

# Working hours as text per weekday (0 = Monday): {0: "09:00-12:00, 13:00-17:30", ...}.
Hours = Mapping[int, str]

OFFICE_DAYS = range(5)
STANDARD_CALENDARS = {
    "uk-office-hours": {
        "name": "UK office hours",
        "description": "Monday to Friday 09:00-17:00 UK time, closed on bank holidays in England and Wales.",
        "time_zone": "Europe/London",
        "holiday_country": "GB",
        "holiday_subdivision": "ENG",
        "hours": dict.fromkeys(OFFICE_DAYS, "09:00-17:00"),
    },
    "24x7": {
        "name": "24x7",
        "description": "Round the clock, every day of the year.",
        "is_24x7": True,
    },
}


def calendar_create(
    *,
    name: str,
    slug: str = "",
    description: str = "",
    time_zone: str = "Europe/London",
    is_24x7: bool = False,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    hours: Hours | None = None,
    closures: Iterable[tuple[date, str]] = (),
) -> Calendar:
    calendar = Calendar(
        name=name,
        slug=slug or slugify(name)[:120],
        description=description,
        time_zone=time_zone,
        is_24x7=is_24x7,
        holiday_country=holiday_country.strip().upper(),
        holiday_subdivision=holiday_subdivision,
    )
    errors: dict[str, list[str]] = {}
    try:
        calendar.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    intervals = _parse_hours(hours or {}, errors)
    closure_rows = [ClosureDate(date=day, name=label) for day, label in closures]
    if len({row.date for row in closure_rows}) != len(closure_rows):
        errors.setdefault("closures", []).append("A date is listed twice among the closures.")
    if is_24x7 and (intervals or closure_rows):
        errors.setdefault("is_24x7", []).append(
            "A 24x7 calendar counts every instant; give it no working hours or closures, or untick 24x7."
        )
    if not is_24x7 and not intervals and "hours" not in errors:
        errors.setdefault("hours", []).append("Give the calendar working hours on at least one weekday.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        calendar.save()
        for row in intervals:
            row.calendar = calendar
        WorkingInterval.objects.bulk_create(intervals)
        for row in closure_rows:
            row.calendar = calendar
        ClosureDate.objects.bulk_create(closure_rows)
    return calendar


def calendar_working_hours_set(*, calendar: Calendar, hours: Hours) -> Calendar:
    """Replace the weekly working hours of a calendar."""
    errors: dict[str, list[str]] = {}
    intervals = _parse_hours(hours, errors)
    if calendar.is_24x7 and intervals:
        errors.setdefault("hours", []).append("A 24x7 calendar has no working hours; untick 24x7 first.")
    if not calendar.is_24x7 and not intervals and "hours" not in errors:
        errors.setdefault("hours", []).append("Give the calendar working hours on at least one weekday.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        calendar.working_intervals.all().delete()
        for row in intervals:
            row.calendar = calendar
        WorkingInterval.objects.bulk_create(intervals)
        calendar.save(update_fields=["updated_at"])
        calendar_open_clocks_recompute(calendar=calendar)
    return calendar


def calendar_open_clocks_recompute(*, calendar: Calendar) -> None:
    """Once the change of hours or closures commits, the open clocks counting in the calendar
    (its own targets', and its services' as support calendar) are recomputed in the background."""
    from sla.tasks.checks import recompute_open_clocks  # the tasks import these services

    recompute_open_clocks.delay_on_commit(calendar_ids=[calendar.pk])


def calendar_create_standard(
    *, kind: Literal["uk-office-hours", "24x7"], name: str = "", slug: str = "", time_zone: str = ""
) -> Calendar:
    """One of the ready-made calendars: "uk-office-hours" (Mon-Fri 09:00-17:00 Europe/London,
    England and Wales bank holidays) or "24x7" (in ``time_zone``, default settings.TIME_ZONE)."""
    if kind not in STANDARD_CALENDARS:
        known = ", ".join(sorted(STANDARD_CALENDARS))
        raise ValidationError({"kind": f"Unknown standard calendar {kind!r}; choose from {known}."})
    fields = dict(STANDARD_CALENDARS[kind])
    fields["time_zone"] = time_zone or fields.get("time_zone") or settings.TIME_ZONE
    if name:
        fields["name"] = name
    return calendar_create(slug=slug or kind, **fields)


def _parse_hours(hours: Hours, errors: dict[str, list[str]]) -> list[WorkingInterval]:
    """WorkingInterval rows (unsaved) from {weekday: "HH:MM-HH:MM, ..."}; problems go to errors."""
    rows = []
    problems = errors.setdefault("hours", [])
    for weekday, text in sorted(hours.items()):
        if weekday not in range(7):
            problems.append(f"Weekday {weekday!r} is not 0 (Monday) to 6 (Sunday).")
            continue
        day_name = business_time.WEEKDAY_NAMES[weekday]
        try:
            intervals = [business_time.parse_interval(part) for part in text.split(",") if part.strip()]
        except ValueError as error:
            problems.append(f"{day_name}: {error}")
            continue
        day_problems = business_time.interval_problems(intervals)
        if any(start % 60 or end % 60 for start, end in intervals):
            day_problems.append("use whole minutes (HH:MM).")
        if day_problems:
            problems.append(f"{day_name}: {' '.join(day_problems)}")
            continue
        rows += [WorkingInterval(weekday=weekday, start=start // 60, end=end // 60) for start, end in intervals]
    if not problems:
        del errors["hours"]
    return rows
