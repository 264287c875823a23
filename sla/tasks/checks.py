"""Periodic checking of SLA clocks, and recomputing clocks after their rules change."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sla.models import Clock
from sla.services.checks import DEFAULT_CHUNK, clocks_check_due
from sla.services.recompute import tickets_recompute


@shared_task(name="sla.run_checks", ignore_result=True, soft_time_limit=120, time_limit=150)
def run_checks() -> dict:
    """Every minute (editable in the admin: Periodic tasks). When many clocks are due, other
    workers are asked to share the work; they all take disjoint chunks."""
    now = timezone.now()
    due = Clock.objects.filter(next_check_at__lte=now).count()
    helpers = min(settings.SLA_CHECK_PARALLELISM - 1, due // DEFAULT_CHUNK)
    for _ in range(max(helpers, 0)):
        check_due_clocks.delay(now.isoformat())
    result = clocks_check_due(now=now)
    return {"checked": result.checked, "alerts": result.alerts}


@shared_task(name="sla.check_due_clocks", ignore_result=True, soft_time_limit=120, time_limit=150)
def check_due_clocks(now_iso: str) -> dict:
    result = clocks_check_due(now=parse_datetime(now_iso))
    return {"checked": result.checked, "alerts": result.alerts}


@shared_task(name="sla.recompute_open_clocks", ignore_result=True, soft_time_limit=600, time_limit=660)
def recompute_open_clocks(service_ids: list[int] | None = None, calendar_ids: list[int] | None = None) -> int:
    """After targets or calendars change: the open tickets' clocks follow the new rules."""
    return tickets_recompute(service_ids=service_ids, calendar_ids=calendar_ids, open_only=True)
