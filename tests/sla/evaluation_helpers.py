"""Shared by the evaluation tests: measures on the `sla` fixture's agreement and data points
written straight into Measurement (ingestion is tested on its own)."""

from __future__ import annotations

from datetime import datetime

import pytest

from catalog.models import Measure
from sla.models import MeasureEvaluation, Measurement

_senders = iter(range(10**9))


def add_measure(agreement, key="payslips-on-time", name="Payslips on time", **fields) -> Measure:
    values = {
        "factor": "results",
        "unit": "%",
        "target": 95,
        "period": "month",
        "aggregation": "percent",
        "condition": "lte",  # minutes late: on time when at most 0
        "condition_value": 0,
        "source": "pushed",
    }
    values.update(fields)
    if values["aggregation"] != "percent":
        values.update(condition="", condition_value=None)
    return Measure.objects.create(agreement=agreement, key=key, name=name, **values)


def push(measure: Measure, points: list[tuple[datetime, float]]) -> None:
    Measurement.objects.bulk_create(
        Measurement(
            service_id=measure.agreement.service_id,
            measure_key=measure.key,
            value=value,
            measured_at=when,
            sender_id=f"s-{next(_senders)}",
        )
        for when, value in points
    )


def evaluation(measure: Measure, start: datetime) -> MeasureEvaluation:
    return MeasureEvaluation.objects.get(measure=measure, period_start=start)


@pytest.fixture
def notified(monkeypatch):
    """Alert ids handed to the notifications after commit."""
    ids: list[int] = []
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", ids.extend)
    return ids
