"""Periodic evaluation of success measures. Thin: the work is sla.services.measures_evaluate."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sla.selectors import measures_in_force
from sla.services.evaluation import measures_evaluate


@shared_task(name="sla.evaluate_measures", ignore_result=True, soft_time_limit=240, time_limit=300)
def evaluate_measures(measure_ids: list[int] | None = None, now_iso: str | None = None) -> dict:
    """Every 15 minutes (editable in the admin: Periodic tasks), without ids: the measures in
    force are split into chunks of SLA_EVALUATION_CHUNK; this worker evaluates the first and the
    others are enqueued for any worker, all at the same `now`. With ids: those measures.

    Safe when a run overlaps the next one, `manage.py evaluate_measures`, or a chunk run twice
    (its worker lost): each chunk is one transaction, evaluations are upserts, alerts have
    unique keys."""
    now = parse_datetime(now_iso) if now_iso else timezone.now()
    if measure_ids is None:
        ids = list(measures_in_force().order_by("pk").values_list("pk", flat=True))
        size = settings.SLA_EVALUATION_CHUNK
        chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
        for chunk in chunks[1:]:
            evaluate_measures.delay(measure_ids=chunk, now_iso=now.isoformat())
        measure_ids = chunks[0] if chunks else []
    result = measures_evaluate(now=now, measure_ids=measure_ids)
    return {
        "measures": result.measures,
        "evaluations": result.evaluations,
        "alerts": result.alerts_raised,
        "resolved": result.alerts_resolved,
    }
