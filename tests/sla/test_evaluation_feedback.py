"""Measures derived from feedback (CSAT, NPS, CES) evaluated from survey responses
(sla.measure_data.feedback_series through sla.services.measures_evaluate). The `sla` fixture:
Payroll, agreed with Finance, periods in UTC."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.models import Response
from sla.models import Alert, AlertKind, MeasureEvaluation
from sla.services import measures_evaluate
from tests import factories as f
from tests.sla.conftest import agree, at
from tests.sla.evaluation_helpers import add_measure, evaluation, notified

__all__ = ["notified"]  # the fixture, used by name

NOW = at(20, 12)  # Friday 20 November 2026
NOV, DEC = at(1, 0), datetime(2026, 12, 1, tzinfo=UTC)
H = timedelta(hours=1)


def feedback_measure(agreement, metric, **fields):
    values = {
        "factor": "user_experience",
        "source": "feedback",
        "feedback_metric": metric,
        "aggregation": "percent" if metric == "csat" else "mean",
        "unit": "%" if metric == "csat" else "points",
        "condition": "",
        "condition_value": None,
        "min_points": 5,
    }
    values.update(fields)
    return add_measure(agreement, key=f"{metric}-{values['unit'] or 'x'}", name=metric.upper(), **values)


def answer(service, when, unit=None, **scores):
    return Response(service=service, business_unit=unit, submitted_at=when, **scores)


def answers(sla, field, values, *, day=2, unit="finance", **extra):
    """One response per value, a day apart from `day` at 10:00, from Finance by default."""
    chosen = sla["unit"] if unit == "finance" else unit
    Response.objects.bulk_create(
        answer(sla["service"], at(day + i, 10), chosen, **{field: value}, **extra) for i, value in enumerate(values)
    )


def test_csat_is_the_share_of_fours_and_fives(sla, notified):
    csat = feedback_measure(sla["agreement"], "csat", target=85, warning_level=90)
    answers(sla, "csat", [5, 5, 4, 4, 4, 5, 4, 3, 2, 1] * 2, day=1)  # 1-20 November: 14 of 20
    Response.objects.create(service=sla["service"], business_unit=sla["unit"], csat=5, submitted_at=at(1, 0) - H)
    measures_evaluate(now=NOW)
    row = evaluation(csat, NOV)
    assert (row.volume, row.actual) == (20, 70.0)  # the answer of 31 October counts for October
    assert row.status == "at_risk"  # 70% against 85%
    assert row.reason.startswith("70% against a target of 85%")
    assert row.budget["misses"] == 6


def test_nps_is_the_mean_of_plus_100_0_and_minus_100(sla, notified):
    nps = feedback_measure(sla["agreement"], "nps", target=20)
    answers(sla, "nps", [9, 7, 0, 10, 8, 9, 6, 10, 8, 9])  # 5 promoters, 3 passives, 2 detractors
    measures_evaluate(now=NOW)
    row = evaluation(nps, NOV)
    assert (row.volume, row.actual, row.status) == (10, 30.0, "met")
    assert "30 points against a target of 20 points" in row.reason


def test_ces_is_the_mean_answer(sla, notified):
    ces = feedback_measure(sla["agreement"], "ces", target=6)
    answers(sla, "ces", [5, 6, 7, 4, 5, 6, 7, 5, 6, 5])
    measures_evaluate(now=NOW)
    row = evaluation(ces, NOV)
    assert (row.volume, row.actual, row.status) == (10, pytest.approx(5.6), "at_risk")


def test_each_measure_counts_only_the_answers_carrying_its_score(sla, notified):
    nps = feedback_measure(sla["agreement"], "nps", target=0, min_points=1)
    ces = feedback_measure(sla["agreement"], "ces", target=1, min_points=1)
    answers(sla, "csat", [5, 4, 3])  # satisfaction only
    answers(sla, "nps", [10, 3], day=6, ces=7)  # both NPS and CES
    measures_evaluate(now=NOW)
    assert (evaluation(nps, NOV).volume, evaluation(nps, NOV).actual) == (2, 0.0)
    assert (evaluation(ces, NOV).volume, evaluation(ces, NOV).actual) == (2, 7.0)


def test_a_units_agreement_counts_its_units_answers_only(sla, notified):
    sales = f.BusinessUnitFactory(name="Sales", slug="sales")
    sla["service"].business_units.add(sales)
    sla["service"].business_owner = f.business_user(username="business-owner")
    sla["service"].save(update_fields=["business_owner"])
    everyone = agree(sla["service"], None, {}, sla["owner"], sla["service"].business_owner)
    finance = feedback_measure(sla["agreement"], "nps", target=0, min_points=1)
    all_units = feedback_measure(everyone, "nps", target=0, min_points=1)
    answers(sla, "nps", [10, 10])  # Finance
    answers(sla, "nps", [0], day=5, unit=sales)
    answers(sla, "nps", [0], day=6, unit=None)  # a respondent of no known unit
    other = f.ServiceFactory(name="Other", slug="other")
    Response.objects.create(service=other, business_unit=sla["unit"], nps=0, submitted_at=at(7, 10))
    measures_evaluate(now=NOW)
    assert (evaluation(finance, NOV).volume, evaluation(finance, NOV).actual) == (2, 100.0)
    assert (evaluation(all_units, NOV).volume, evaluation(all_units, NOV).actual) == (4, 0.0)


def test_the_low_volume_guard(sla, notified):
    nps = feedback_measure(sla["agreement"], "nps", target=50, min_points=10)
    answers(sla, "nps", [0] * 9)
    measures_evaluate(now=NOW)
    row = evaluation(nps, NOV)
    assert (row.status, row.reason, row.volume) == ("no_data", "not enough data: 9 of 10 points", 9)
    assert not Alert.objects.exists()


def test_no_answers_yet_is_no_data(sla, notified):
    csat = feedback_measure(sla["agreement"], "csat", target=85)
    measures_evaluate(now=NOW)
    row = evaluation(csat, NOV)
    assert (row.status, row.reason, row.volume, row.actual) == ("no_data", "no data yet", 0, None)


def test_a_csat_measure_stored_with_another_aggregation_is_still_a_share(sla, notified):
    # Measures saved through catalog.services get the aggregation the metric implies; one written
    # straight to the database with "mean" is still judged as the share of 4-5 answers.
    csat = feedback_measure(sla["agreement"], "csat", aggregation="mean", unit="", target=50, min_points=1)
    answers(sla, "csat", [5, 1, 4, 2])
    measures_evaluate(now=NOW)
    row = evaluation(csat, NOV)
    assert (row.actual, row.status) == (50.0, "met")
    assert row.reason.startswith("50% against a target of 50%")


def test_a_finished_period_missed_raises_one_alert(sla, notified, time_machine):
    nps = feedback_measure(sla["agreement"], "nps", target=40)
    answers(sla, "nps", [9, 9, 10, 10, 9, 7, 8, 8, 6, 0])  # +30
    measures_evaluate(now=DEC + timedelta(minutes=5))
    final = evaluation(nps, NOV)
    assert (final.status, final.actual) == ("missed", 30.0)
    assert final.reason == "November 2026: 30 points against a target of 40 points, missed"
    (alert,) = Alert.objects.filter(kind=AlertKind.MEASURE_MISSED)
    assert alert.subject == "NPS (Payroll) missed for November 2026: 30 points against 40 points"
    measures_evaluate(now=DEC + timedelta(minutes=10))
    assert Alert.objects.filter(kind=AlertKind.MEASURE_MISSED).count() == 1
    assert notified == [alert.pk]


def test_the_trend_forecast_of_a_mean_score(sla, notified):
    # CES climbing through the month: the forecast for its end is above the mean so far.
    ces = feedback_measure(sla["agreement"], "ces", target=4)
    answers(sla, "ces", [2, 3, 3, 4, 4, 5, 5, 6, 6, 7])
    measures_evaluate(now=at(12, 12))
    row = evaluation(ces, NOV)
    assert row.actual == pytest.approx(4.5)
    assert row.forecast > row.actual and row.forecast_low < row.forecast < row.forecast_high


def test_feedback_measures_take_the_same_queries_for_one_or_three(sla, notified):
    answers(sla, "csat", [5, 4, 3, 2, 1])
    answers(sla, "nps", [10, 8, 6], ces=5)
    feedback_measure(sla["agreement"], "csat", target=80)
    with CaptureQueriesContext(connection) as one:
        measures_evaluate(now=NOW)
    feedback_measure(sla["agreement"], "nps", target=0)
    feedback_measure(sla["agreement"], "ces", target=4)
    MeasureEvaluation.objects.all().delete()
    Alert.objects.all().delete()
    with CaptureQueriesContext(connection) as three:
        result = measures_evaluate(now=NOW)
    assert result.evaluations == 6  # November so far and October's final verdict, each
    reads = [q["sql"] for q in three.captured_queries if "feedback_response" in q["sql"]]
    assert len(reads) == 2  # one aggregate query and one by day, for all three
    assert len(three.captured_queries) == len(one.captured_queries)
