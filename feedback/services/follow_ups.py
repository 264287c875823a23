"""Detractor follow-ups: an unhappy answer is called back by the service owner, on time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from feedback.models import FollowUp, Response
from sla.business_time import CalendarSpec, add_business_time
from sla.calendars import calendar_spec, weekly_working_time

BUSINESS_DAYS_TO_FOLLOW_UP = 2


def business_days(spec: CalendarSpec, count: int) -> timedelta:
    """`count` business days as working time: the calendar's average working day (8 hours on
    Monday-Friday 09:00-17:00; 24 hours on a 24x7 calendar)."""
    week = weekly_working_time(spec)
    working_days = 7 if spec.always_open else sum(1 for day in spec.week if day)
    return count * week / max(working_days, 1)


def follow_up_due(*, response: Response) -> datetime:
    calendar = response.service.support_calendar
    spec = (
        calendar_spec(calendar)
        if calendar is not None
        else CalendarSpec.weekly(settings.TIME_ZONE, dict.fromkeys(range(5), "09:00-17:00"))
    )
    return add_business_time(spec, response.submitted_at, business_days(spec, BUSINESS_DAYS_TO_FOLLOW_UP))


def follow_up_open_if_detractor(*, response: Response) -> FollowUp | None:
    """A follow-up for the service owner when the answer is a detractor's (NPS 0-6, CSAT 1-2,
    CES 1-3), due in two business days of the service's support calendar."""
    if not response.is_detractor:
        return None
    follow_up, _ = FollowUp.objects.get_or_create(
        response=response,
        defaults={
            "service": response.service,
            "owner": response.service.service_owner,
            "due_at": follow_up_due(response=response),
        },
    )
    return follow_up
