"""Periodic checking of SLA clocks, and recomputing clocks after their rules change."""

from __future__ import annotations

import time
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sla.models import Clock
from sla.services.checks import clocks_check_due
from sla.services.recompute import tickets_recompute


@shared_task(name="sla.run_checks", ignore_result=True, soft_time_limit=120, time_limit=150)
def run_checks() -> dict:
    """Every minute (editable in the admin: Periodic tasks). When many clocks are due, other
    workers are asked to share the work (one helper per full chunk due, at most
    SLA_CHECK_PARALLELISM - 1); they all take disjoint chunks (SKIP LOCKED), each its own
    transaction, until none is due at `now`."""
    now = timezone.now()
    chunk = settings.SLA_CHECK_CHUNK
    due = Clock.objects.filter(next_check_at__lte=now).count()
    helpers = min(settings.SLA_CHECK_PARALLELISM - 1, due // chunk)
    for _ in range(max(helpers, 0)):
        check_due_clocks.delay(now.isoformat())
    return _check_within_budget(now)


@shared_task(name="sla.check_due_clocks", ignore_result=True, soft_time_limit=120, time_limit=150)
def check_due_clocks(now_iso: str) -> dict:
    """A helper of run_checks: the clocks due at its `now`, a chunk at a time, until none is left
    (or its time budget is spent: then another helper goes on)."""
    return _check_within_budget(parse_datetime(now_iso))


def _check_within_budget(now: datetime) -> dict:
    """Chunks of the pass at `now` for SLA_CHECK_TASK_BUDGET seconds at most (then the chunk under
    way finishes), well inside the tasks' soft time limit: with 20,000 clocks due on a loaded
    machine one task running the pass to the end ran past it (its chunk rolled back, the pass
    left to the next minute). What is left goes to a fresh helper, at the same `now`."""
    result = clocks_check_due(
        now=now, chunk_size=settings.SLA_CHECK_CHUNK, deadline=time.monotonic() + settings.SLA_CHECK_TASK_BUDGET
    )
    if result.stopped:
        check_due_clocks.delay(now.isoformat())
    return {"checked": result.checked, "alerts": result.alerts}


@shared_task(name="sla.recompute_open_clocks", ignore_result=True, soft_time_limit=600, time_limit=660)
def recompute_open_clocks(service_ids: list[int] | None = None, calendar_ids: list[int] | None = None) -> int:
    """After targets or calendars change: the open tickets' clocks follow the new rules."""
    return tickets_recompute(service_ids=service_ids, calendar_ids=calendar_ids, open_only=True)
