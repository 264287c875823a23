"""On PostgreSQL an evaluation pass writes its evaluations, and large batches of alerts, in one
INSERT … ON CONFLICT from binary arrays (sla.bulk_sql.rows_upsert). The rows are the ORM's rows:
each write is compared with the ORM's way of writing the same thing."""

from datetime import timedelta

import pytest

from sla import bulk_sql
from sla.models import Alert, MeasureEvaluation
from sla.services import alerts as alert_services
from sla.services import measures_evaluate
from sla.services.alerts import AlertDraft, alerts_raise
from tests.sla.conftest import at
from tests.sla.evaluation_helpers import add_measure, notified, push

__all__ = ["notified"]  # the fixture, used by name

pytestmark = pytest.mark.postgres


def evaluation_rows():
    return sorted(
        MeasureEvaluation.objects.values_list(
            "measure_id",
            "service_id",
            "measure_key",
            "period_start",
            "period_end",
            "actual",
            "volume",
            "status",
            "reason",
            "forecast",
            "forecast_low",
            "forecast_high",
            "budget",
            "computed_at",
        )
    )


def test_evaluations_written_from_arrays_are_the_orms(sla, notified, monkeypatch):
    payslips = add_measure(sla["agreement"])
    hours = add_measure(
        sla["agreement"], key="hours", name="Hours", unit="hours", target=4, direction="lower", aggregation="mean"
    )
    push(payslips, [(at(d, 10, i), 15 if i < 2 else 0) for d in range(2, 17) for i in range(6)])
    push(hours, [(at(d, 11), 1.0 + d / 5) for d in range(2, 17)])
    measures_evaluate(now=at(17, 18))
    staged = evaluation_rows()
    measures_evaluate(now=at(17, 19))  # a second pass updates the same rows
    assert len(evaluation_rows()) == len(staged) == 4  # two measures, October and November
    MeasureEvaluation.objects.all().delete()
    monkeypatch.setattr(bulk_sql, "on_postgres", lambda: False)
    measures_evaluate(now=at(17, 18))
    assert evaluation_rows() == staged
    assert any(row[12] for row in staged)  # a budget, as JSON, went through the arrays


def drafts(count, owner_id=None):
    return [
        AlertDraft(
            key=f"test:{n}",
            kind="measure_at_risk",
            severity="warning",
            subject=f"Thing {n} at risk — ‘quoted’, tab\there",
            body="Line one.\nLine two, with a backslash \\ and a quote '.",
            service_id=None,
            ticket_id=None,
            clock_id=None,
            due_at=at(30, 0) + timedelta(minutes=n),
            details={"n": n, "text": "a\tb", "none": None},
            owner_id=owner_id,
        )
        for n in range(count)
    ]


def alert_rows():
    return sorted(
        Alert.objects.values_list(
            "key", "kind", "severity", "state", "subject", "body", "service_id", "due_at", "details", "opened_at"
        )
    )


def test_alerts_written_from_arrays_are_the_orms_and_once(sla, notified, monkeypatch):
    first = alerts_raise(drafts(3), now=at(2, 9))
    by_orm = alert_rows()
    Alert.objects.all().delete()
    monkeypatch.setattr(alert_services, "BULK_FROM", 1)
    staged = alerts_raise(drafts(3), now=at(2, 9))
    assert alert_rows() == by_orm and len(staged) == len(first) == 3
    assert sorted(staged) == sorted(Alert.objects.values_list("pk", flat=True))
    # Raised again (one more alert, later): only the new one is written and told.
    again = alerts_raise(drafts(4), now=at(2, 10))
    assert again == [Alert.objects.get(key="test:3").pk]
    assert notified == [*first, *staged, *again]
