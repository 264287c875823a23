"""Periodic checks of committed results and agreement reviews (hourly by default; editable in
the admin under Periodic tasks). Both are idempotent: running them twice, or on two workers at
once, raises each alert once."""

from __future__ import annotations

from celery import shared_task

from sla.services import agreement_reviews_check, commitments_check


@shared_task(name="sla.check_commitments", ignore_result=True, soft_time_limit=300, time_limit=330)
def check_commitments() -> dict:
    """At risk, stale and missed commitments: alerts raised and resolved; the outcome "missed"
    recorded once past the due date and its grace."""
    summary = commitments_check()
    return {"checked": summary.checked, "raised": summary.raised, "resolved": summary.resolved}


@shared_task(name="sla.check_agreement_reviews", ignore_result=True, soft_time_limit=300, time_limit=330)
def check_agreement_reviews() -> dict:
    """Agreed versions due for review within 30 days."""
    summary = agreement_reviews_check()
    return {"checked": summary.checked, "raised": summary.raised, "resolved": summary.resolved}
