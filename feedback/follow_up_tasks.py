"""The periodic check of detractor follow-ups (hourly by default; editable in the admin under
Periodic tasks). Idempotent: running it twice, or on two workers at once, raises each overdue
alert once."""

from __future__ import annotations

from celery import shared_task

from feedback.services.follow_ups import follow_ups_check


@shared_task(name="feedback.check_follow_ups", ignore_result=True, soft_time_limit=300, time_limit=330)
def check_follow_ups() -> dict:
    """Follow-ups not contacted by their due date: an alert each; resolved once contacted."""
    summary = follow_ups_check()
    return {"checked": summary.checked, "raised": summary.raised, "resolved": summary.resolved}
