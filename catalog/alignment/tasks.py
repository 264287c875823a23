"""The periodic check of catalogue alignment (hourly by default; editable in the admin under
Periodic tasks). Idempotent: running it twice, or on two workers at once, raises each overdue
alert once and writes one snapshot per unit and day."""

from __future__ import annotations

from celery import shared_task

from catalog.alignment.alerts import alignment_check


@shared_task(name="catalog.check_alignment", ignore_result=True, soft_time_limit=300, time_limit=330)
def check_alignment() -> dict:
    summary = alignment_check()
    return {
        "checked": summary.checked,
        "raised": summary.raised,
        "resolved": summary.resolved,
        "snapshots": summary.snapshots,
    }
