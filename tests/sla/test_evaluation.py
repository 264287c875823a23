"""The evaluation pass of success measures (sla.services.measures_evaluate) through the database:
statuses over the life of a period, error budgets worked by hand, the low-volume guard,
percentiles on both databases, alerts once only, and a constant number of queries."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F

from sla import forecasting as fc
from sla import measure_data
from sla.forecasting import Point
from sla.measure_data import grouped_queries
from sla.models import Alert, AlertKind, AlertState, MeasureEvaluation
from sla.services import measures_evaluate
from tests.sla.conftest import at
from tests.sla.evaluation_helpers import add_measure, evaluation, notified, push

__all__ = ["notified"]  # the fixture, used by name

NOV, DEC = at(1, 0), datetime(2026, 12, 1, tzinfo=UTC)
OCT = datetime(2026, 10, 1, tzinfo=UTC)
MONTH = DEC - NOV  # 30 days


def weekdays(first: int, last: int) -> list[int]:
    return [d for d in range(first, last + 1) if at(d, 0).weekday() < 5]


def moment(share: float, start=NOV, length=MONTH) -> datetime:
    return start + length * share


# --- Over the life of a period ---------------------------------------------------------------


def test_a_percentage_measure_over_the_life_of_its_period(sla, notified, time_machine):
    payslips = add_measure(sla["agreement"])

    time_machine.move_to(at(1, 6))
    measures_evaluate()
    start = evaluation(payslips, NOV)
    assert (start.status, start.reason, start.volume, start.actual) == ("no_data", "no data yet", 0, None)

    push(payslips, [(at(2, 9, i), 0) for i in range(3)])
    time_machine.move_to(at(2, 18))
    measures_evaluate()
    assert evaluation(payslips, NOV).reason == "not enough data: 3 of 5 points"

    push(payslips, [(at(d, 10, i), 0) for d in weekdays(2, 13) for i in range(10)])  # two good weeks
    time_machine.move_to(at(13, 18))
    measures_evaluate()
    middle = evaluation(payslips, NOV)
    assert (middle.status, middle.volume, middle.actual) == ("met", 103, 100.0)
    assert middle.reason == "100% against a target of 95%; 0% of the error budget used"
    assert not Alert.objects.exists()

    # Monday and Tuesday: half the payslips late. 10 misses of 123; expected 123 / (16.75 / 30)
    # = 220.3 in the month, so 11.0 allowed: 91% used, gone on the 19th at this pace; burning fast.
    push(payslips, [(at(d, 10, i), 0 if i % 2 else 15) for d in (16, 17) for i in range(10)])
    time_machine.move_to(at(17, 18))
    result = measures_evaluate()
    burning = evaluation(payslips, NOV)
    assert burning.status == "at_risk" and result.alerts_raised == 1
    assert burning.budget["misses"] == 10
    assert burning.budget["allowed_misses"] == pytest.approx(0.05 * 123 * 30 / 16.75)
    assert burning.budget["alerts"] == ["fast", "slow"]  # both the last 2 days and the last week
    assert burning.budget["exhausted_on"] == "2026-11-19"
    alert = Alert.objects.get()
    assert alert.kind == AlertKind.MEASURE_AT_RISK and alert.key == f"measure:{payslips.pk}:20261101:at_risk"
    assert alert.subject == "Payslips on time (Payroll) at risk: 91.9% against 95% — budget gone by 19 Nov at this pace"
    assert alert.service == sla["service"] and alert.due_at == DEC

    time_machine.move_to(at(17, 18, 15))
    assert measures_evaluate().alerts_raised == 0  # once per measure and period
    assert len(notified) == 1

    time_machine.move_to(at(30, 23, 59) + timedelta(minutes=31))  # 1 Dec 00:30
    result = measures_evaluate()
    final = evaluation(payslips, NOV)
    assert (final.status, final.computed_at) == ("missed", DEC + timedelta(minutes=30))
    assert final.reason == "November 2026: 91.9% against a target of 95%, missed"
    assert (result.finished, result.missed) == (1, 1)
    missed = Alert.objects.get(kind=AlertKind.MEASURE_MISSED)
    assert missed.subject == "Payslips on time (Payroll) missed for November 2026: 91.9% against 95%"
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED  # settled: the missed alert takes over
    assert evaluation(payslips, DEC).status == "no_data"

    time_machine.move_to(DEC + timedelta(hours=1))
    again = measures_evaluate()
    assert again.finished == 0 and again.alerts_raised == 0  # the final verdict is written once
    assert evaluation(payslips, NOV).computed_at == DEC + timedelta(minutes=30)
    assert len(notified) == 2


def test_a_trend_turns_at_risk_before_the_target_is_missed_then_recovers(sla, notified, time_machine):
    hours = add_measure(
        sla["agreement"],
        key="expense-claims",
        name="Hours to pay an expense claim",
        unit="hours",
        target=4,
        direction="lower",
        aggregation="mean",
    )
    push(hours, [(at(d, 10 + i), 1.0) for d in weekdays(2, 6) for i in range(5)])
    time_machine.move_to(at(6, 18))
    measures_evaluate()
    calm = evaluation(hours, NOV)
    assert calm.status == "met" and calm.forecast == pytest.approx(1.0)

    # The second week climbs from 2 to 4 hours a day: the mean is still 2, but the trend says
    # the month ends past 4 hours.
    push(hours, [(at(d, 10 + i), 2.0 + 0.5 * (d - 9)) for d in weekdays(9, 13) for i in range(5)])
    time_machine.move_to(at(13, 18))
    measures_evaluate()
    turning = evaluation(hours, NOV)
    assert turning.actual == pytest.approx(2.0)
    assert turning.status == "at_risk" and turning.forecast > 4
    assert turning.forecast_low < turning.forecast < turning.forecast_high
    assert "forecast" in turning.reason and "at the period's end" in turning.reason
    alert = Alert.objects.get()
    assert alert.subject.startswith(
        "Hours to pay an expense claim (Payroll) at risk: 2 hours against 4 hours — forecast"
    )

    # Back to one hour for the rest of the month: the month ends well within the target.
    push(hours, [(at(d, 10 + i), 1.0) for d in weekdays(16, 30) for i in range(5)])
    time_machine.move_to(DEC + timedelta(minutes=5))
    measures_evaluate()
    final = evaluation(hours, NOV)
    assert final.status == "met" and final.actual == pytest.approx(155 / 105)
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED and alert.resolved_at == DEC + timedelta(minutes=5)
    assert not Alert.objects.filter(kind=AlertKind.MEASURE_MISSED).exists()


def test_the_low_volume_guard_gives_no_verdict(sla, notified):
    slow = add_measure(
        sla["agreement"], key="slow", name="Slow", unit="days", target=2, direction="lower", aggregation="mean"
    )
    push(slow, [(at(d, 10), 9.0) for d in (2, 3, 4, 5)])  # far past the target, but only 4 points
    measures_evaluate(now=at(20, 12))
    guarded = evaluation(slow, NOV)
    assert (guarded.status, guarded.reason, guarded.volume) == ("no_data", "not enough data: 4 of 5 points", 4)
    assert guarded.forecast is None
    measures_evaluate(now=DEC + timedelta(hours=1))
    assert evaluation(slow, NOV).status == "no_data"
    assert not Alert.objects.exists()


def test_feedback_measures_without_answers_have_no_data(sla):  # with answers: test_evaluation_feedback.py
    csat = add_measure(
        sla["agreement"], key="csat", name="Satisfaction", aggregation="mean", source="feedback", feedback_metric="csat"
    )
    measures_evaluate(now=at(20, 12))
    row = evaluation(csat, NOV)
    assert (row.status, row.reason) == ("no_data", "no data yet")


# --- Error budgets worked by hand through the database ----------------------------------------


def shares(count: int, until: float) -> list[float]:
    return [until * (i + 1) / count for i in range(count)]


def test_error_budget_with_the_volume_so_far_scaled(sla):
    # Half-way (16 Nov 00:00 of a 30-day month), 100 payslips, the first 3 late, target 95%:
    # expect 200 in the month, allow 10 misses, 30% used, burning at 0.6; none lately.
    payslips = add_measure(sla["agreement"])
    values = [15] * 3 + [0] * 97
    positions = shares(100, 0.5)
    push(payslips, [(moment(s), v) for s, v in zip(positions, values, strict=True)])
    measures_evaluate(now=moment(0.5))
    row = evaluation(payslips, NOV)
    expected = fc.error_budget(
        [Point(s, 0 if v else 1) for s, v in zip(positions, values, strict=True)], target_percent=95, elapsed=0.5
    )
    assert row.budget["expected_volume"] == pytest.approx(200) == pytest.approx(expected.expected_volume)
    assert row.budget["allowed_misses"] == pytest.approx(10) == pytest.approx(expected.allowed_misses)
    assert row.budget["misses"] == 3 == expected.misses
    assert row.budget["used_share"] == pytest.approx(0.3) == pytest.approx(expected.used_share)
    assert row.budget["burn_rate"] == pytest.approx(0.6) == pytest.approx(expected.burn_rate)
    assert row.budget["exhausted_at"] == pytest.approx(0.5 * 10 / 3)
    assert row.budget["exhausted_on"] is None  # lasts past the month's end
    assert row.budget["alerts"] == [] and row.budget["volume_from"] == "pace"
    assert (row.status, row.actual) == ("met", 97.0)
    assert row.reason == "97% against a target of 95%; 30% of the error budget used"


def test_error_budget_from_history_used_up_inside_the_period(sla, notified):
    # October: 150 payslips. November half-way: 92 on time, then 8 late. 7.5 misses allowed
    # (5% of 150); 8 used: gone at 0.5 x 7.5 / 8 = 0.469 of the month, 15 Nov 01:30.
    payslips = add_measure(sla["agreement"])
    push(payslips, [(moment(s, OCT, NOV - OCT), 0) for s in shares(150, 0.99)])
    values = [0] * 92 + [15] * 8
    positions = shares(100, 0.5)
    push(payslips, [(moment(s), v) for s, v in zip(positions, values, strict=True)])
    measures_evaluate(now=moment(0.5))
    row = evaluation(payslips, NOV)
    expected = fc.error_budget(
        [Point(s, 0 if v else 1) for s, v in zip(positions, values, strict=True)],
        target_percent=95,
        elapsed=0.5,
        history_volume=150,
    )
    assert row.budget["allowed_misses"] == pytest.approx(7.5) == pytest.approx(expected.allowed_misses)
    assert row.budget["used_share"] == pytest.approx(8 / 7.5) == pytest.approx(expected.used_share)
    assert row.budget["exhausted_at"] == pytest.approx(0.46875) == pytest.approx(expected.exhausted_at)
    assert row.budget["alerts"] == list(expected.alerts) == ["fast", "slow"]
    assert row.budget["exhausted_on"] == "2026-11-15" and row.budget["volume_from"] == "history"
    assert row.status == "at_risk"
    assert row.reason == "92% against a target of 95%; error budget used up; burning fast and slow"
    assert Alert.objects.get().subject == (
        "Payslips on time (Payroll) at risk: 92% against 95% — budget used up on 15 Nov"
    )
    assert evaluation(payslips, OCT).status == "met"  # October's final verdict, written on the way


def test_a_lower_is_better_percentage_counts_the_condition_as_the_miss(sla):
    # Share of payslips corrected after payment, at most 10%: a correction is a miss.
    corrected = add_measure(
        sla["agreement"], key="corrected", name="Payslips corrected", target=10, direction="lower", condition="gt"
    )
    push(corrected, [(moment(s), 1 if i < 4 else 0) for i, s in enumerate(shares(40, 0.5))])
    measures_evaluate(now=moment(0.5))
    row = evaluation(corrected, NOV)
    # 4 of 40 corrected = 10%; 80 expected, 8 corrections allowed, 4 used: half the budget.
    assert (row.actual, row.status) == (10.0, "met")
    assert row.budget["allowed_misses"] == pytest.approx(8)
    assert row.budget["misses"] == 4 and row.budget["used_share"] == pytest.approx(0.5)


# --- Percentiles and last values: PostgreSQL's percentile_cont, SQLite's Python --------------------


@pytest.mark.parametrize(("aggregation", "share"), [("median", 0.5), ("p90", 0.9), ("last", None)])
def test_medians_p90_and_last_values_match_the_pure_arithmetic(sla, aggregation, share):
    measure = add_measure(
        sla["agreement"], key=aggregation, name=aggregation, unit="hours", target=100, aggregation=aggregation
    )
    rng = random.Random(7)
    november = [(at(2, 0) + timedelta(minutes=rng.randrange(25_000)), round(rng.uniform(0, 50), 3)) for _ in range(37)]
    october = [(OCT + timedelta(minutes=rng.randrange(40_000)), round(rng.uniform(0, 50), 3)) for _ in range(12)]
    push(measure, november + october)
    measures_evaluate(now=at(20, 12))

    def expected(points):
        if share is None:
            return max(points)[1]
        return fc.percentile([v for _, v in points], share)

    assert evaluation(measure, NOV).actual == pytest.approx(expected(november), abs=1e-9)
    assert evaluation(measure, OCT).actual == pytest.approx(expected(october), abs=1e-9)


@pytest.mark.postgres
def test_percentile_cont_and_the_python_fallback_agree(sla):
    from catalog.models import Measure

    for aggregation in ("median", "p90", "last"):
        measure = add_measure(sla["agreement"], key=aggregation, name=aggregation, unit="h", aggregation=aggregation)
        rng = random.Random(aggregation)
        push(measure, [(at(2, 0) + timedelta(minutes=rng.randrange(25_000)), rng.uniform(0, 9)) for _ in range(101)])
    windows = measure_data.windows_for("month", "UTC", at(20, 12))
    measures = Measure.objects.all()
    in_sql = measure_data.measurement_series(measures, windows)
    in_python = {pk: measure_data.Series() for pk in in_sql}
    points = measures.filter(
        agreement__service__measurements__measure_key=F("key"),
        agreement__service__measurements__measured_at__gte=windows.earliest,
    ).alias(
        at=F("agreement__service__measurements__measured_at"),
        val=F("agreement__service__measurements__value"),
    )
    grouped_queries._quantiles_in_python(points, ["pk"], windows, {(pk,): {"m": s} for pk, s in in_python.items()})
    assert connection.vendor == "postgresql"
    for pk, series in in_sql.items():
        kind = Measure.objects.get(pk=pk).aggregation
        assert series.quantiles[("cur", kind)] == pytest.approx(in_python[pk].quantiles[("cur", kind)], abs=1e-9)


# --- Alerts ------------------------------------------------------------------------------------------


def test_an_at_risk_alert_fires_once_is_resolved_on_recovery_and_reopened_silently(sla, notified):
    payslips = add_measure(sla["agreement"])
    push(payslips, [(at(d, 10, i), 15 if (d == 4 and i < 3) else 0) for d in weekdays(2, 4) for i in range(10)])
    measures_evaluate(now=at(4, 18))  # 3 late of 30, all lately: burning
    assert evaluation(payslips, NOV).status == "at_risk"
    alert = Alert.objects.get()
    measures_evaluate(now=at(4, 19))
    assert Alert.objects.count() == 1

    push(payslips, [(at(d, 10, i), 0) for d in weekdays(5, 13) for i in range(10)])  # a calm week and more
    result = measures_evaluate(now=at(13, 18))
    assert evaluation(payslips, NOV).status == "met" and result.alerts_resolved == 1
    alert.refresh_from_db()
    assert (alert.state, alert.resolved_at) == (AlertState.RESOLVED, at(13, 18))

    push(payslips, [(at(16, 10, i), 15) for i in range(8)])
    result = measures_evaluate(now=at(16, 18))
    assert evaluation(payslips, NOV).status == "at_risk"
    alert.refresh_from_db()
    assert (alert.state, alert.resolved_at, result.alerts_reopened) == (AlertState.OPEN, None, 1)
    assert Alert.objects.count() == 1 and notified == [alert.pk]  # told once


# --- Queries, scheduling, command ---------------------------------------------------------------


def mixed_measures(agreement, first: int, last: int) -> None:
    kinds = [
        {"aggregation": "percent"},
        {"aggregation": "mean", "unit": "h"},
        {"aggregation": "p90", "unit": "h"},
        {"aggregation": "sum", "unit": "claims"},
        {"aggregation": "percent", "source": "tickets", "ticket_metric": "resolved_in_time"},
    ]
    for n in range(first, last):
        measure = add_measure(agreement, key=f"m-{n}", name=f"Measure {n}", **kinds[n % len(kinds)])
        push(measure, [(at(d, 10, n % 60), (n + d) % 3) for d in weekdays(2, 13)])


def test_an_evaluation_pass_takes_the_same_queries_for_5_or_25_measures(sla, notified):
    from django.test.utils import CaptureQueriesContext

    mixed_measures(sla["agreement"], 0, 5)
    with CaptureQueriesContext(connection) as few:
        measures_evaluate(now=at(13, 18))
    mixed_measures(sla["agreement"], 5, 25)
    MeasureEvaluation.objects.all().delete()
    Alert.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        result = measures_evaluate(now=at(13, 18))
    assert result.measures == 25
    # measures; finished verdicts; measurements of every group: totals, days and quantiles (percentile_cont
    # on PostgreSQL, the values on SQLite); resolve clocks: totals and days; savepoint, upsert, alerts
    # read, alerts insert + ids, release.
    pinned = 13
    assert len(few) == len(many) == pinned, "\n".join(q["sql"][:60] for q in many)


def test_the_evaluation_is_scheduled_every_15_minutes_and_editable(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="sla.evaluate_measures")
    assert (task.interval.every, task.interval.period, task.enabled) == (15, "minutes", True)


def test_the_periodic_task_runs_a_pass(sla, notified, time_machine):
    from sla.tasks import evaluate_measures

    payslips = add_measure(sla["agreement"])
    push(payslips, [(at(2, 10, i), 0) for i in range(10)])
    time_machine.move_to(at(2, 18))
    assert evaluate_measures.apply().get() == {"measures": 1, "evaluations": 2, "alerts": 0, "resolved": 0}
    assert evaluation(payslips, NOV).status == "met"


def test_the_command_evaluates_in_the_foreground_and_names_an_unknown_measure(sla, notified, time_machine, capsys):
    payslips = add_measure(sla["agreement"])
    push(payslips, [(at(2, 10, i), 0) for i in range(10)])
    time_machine.move_to(at(2, 18))
    call_command("evaluate_measures")
    out = capsys.readouterr().out
    assert "Evaluated 1 measures in force" in out and "1 met, 0 at risk, 0 missed, 0 not enough data" in out
    assert "1 finished periods closed (0 missed)" in out and "Alerts: 0 raised" in out
    call_command("evaluate_measures", "--measure", str(payslips.pk))
    with pytest.raises(CommandError, match="No measure with id 999"):
        call_command("evaluate_measures", "--measure", "999")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_passes_at_once_write_each_verdict_and_alert_once(sla, notified):
    import threading

    from django.db import connections

    payslips = add_measure(sla["agreement"])
    push(payslips, [(at(4, 10, i), 15 if i < 3 else 0) for i in range(30)])
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(measures_evaluate(now=at(4, 18)))
        except Exception as error:  # surfaced below: a deadlock or a unique violation
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert MeasureEvaluation.objects.filter(measure=payslips).count() == 2  # October and November
    assert Alert.objects.count() == 1 and sum(r.alerts_raised for r in results) == 1
    assert evaluation(payslips, NOV).status == "at_risk"
