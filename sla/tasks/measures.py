"""Periodic evaluation of success measures. Thin: the work is sla.services.measures_evaluate."""

from __future__ import annotations

from celery import shared_task

from sla.services.evaluation import measures_evaluate


@shared_task(name="sla.evaluate_measures", ignore_result=True, soft_time_limit=240, time_limit=300)
def evaluate_measures(measure_ids: list[int] | None = None) -> dict:
    """Every 15 minutes (editable in the admin: Periodic tasks). Safe when a run overlaps the
    next one or `manage.py evaluate_measures`: evaluations are upserts, alerts have unique keys."""
    result = measures_evaluate(measure_ids=measure_ids)
    return {
        "measures": result.measures,
        "evaluations": result.evaluations,
        "alerts": result.alerts_raised,
        "resolved": result.alerts_resolved,
    }
