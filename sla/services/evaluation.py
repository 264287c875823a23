"""The evaluation pass of success measures: for every measure in force, its current period so far
(and the period just finished, until it has its final verdict), written as MeasureEvaluation
rows, with "at risk" and "missed" alerts in the one inbox.

Reads come from sla.measure_data in a fixed number of aggregate queries, whatever the number of
measures: three for the measurements of every group of the pass at once (all_groups), two per
(period kind, time zone) for ticket and feedback measures; verdicts from sla.measure_verdicts
(pure). The measures are plain rows (in_force), the evaluations written in one statement.

Safe to run twice at once (a Celery pass and `manage.py evaluate_measures`, or two workers):
- evaluations are upserted on their unique (measure, period_start), so a second pass rewrites
  the same rows with its own `now` rather than adding any; rows and alerts are written in a
  fixed order (by measure and period, by key), so two passes lock rows in the same order and
  cannot deadlock;
- alerts carry a unique key per measure, period and kind, inserted with ON CONFLICT DO
  NOTHING: whichever pass comes second raises nothing and notifies no one;
- resolving and reopening are conditional updates on the alert's state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import AgreementStatus, Measure, MeasureSource, TicketMetric
from config.ops.collector import cycle_collector_paused
from config.ops.faults import pause_point
from sla import bulk_sql
from sla import forecasting as fc
from sla import measure_data as data
from sla import measure_verdicts as verdicts
from sla.measure_data.in_force import MeasureInForce, measures_in_force_rows
from sla.models import Alert, AlertKind, AlertSeverity, AlertState, ClockKind, MeasureEvaluation
from sla.periods import period_label
from sla.services.alerts import AlertDraft, alerts_raise

# The columns of an evaluation row, in the order evaluations_write writes them.
EVALUATION_COLUMNS = [
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
]
# The unique key an evaluation is upserted on; on a conflict every other column is written.
EVALUATION_KEY = ["measure", "period_start"]
EVALUATION_FIELDS = [
    name for name in (column.removesuffix("_id") for column in EVALUATION_COLUMNS) if name not in EVALUATION_KEY
]
CLOCK_METRICS = {
    TicketMetric.RESOLVED_IN_TIME: ClockKind.RESOLVE,
    TicketMetric.UPDATES_KEPT: ClockKind.UPDATE,
    TicketMetric.ENGAGE_TIME: ClockKind.ENGAGE,
}
OPEN_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


@dataclass
class EvaluationResult:
    measures: int = 0
    evaluations: int = 0  # rows written: current periods and finished ones given their verdict
    finished: int = 0  # of which finished periods
    statuses: Counter = field(default_factory=Counter)  # current periods, by status
    missed: int = 0  # finished periods missed in this pass
    alerts_raised: int = 0
    alerts_resolved: int = 0
    alerts_reopened: int = 0


@dataclass(frozen=True, slots=True)
class _Judged:
    measure: MeasureInForce
    rule: verdicts.Rule
    windows: data.Windows
    final: bool
    verdict: verdicts.Verdict

    @property
    def start(self) -> datetime:
        return (self.windows.previous if self.final else self.windows.current)[0]

    @property
    def end(self) -> datetime:
        return (self.windows.previous if self.final else self.windows.current)[1]


def measures_evaluate(*, now: datetime | None = None, measure_ids: Iterable[int] | None = None) -> EvaluationResult:
    """Evaluate every measure in force (or those of `measure_ids`) at `now`."""
    with cycle_collector_paused():
        return _evaluate(now or timezone.now(), None if measure_ids is None else sorted(set(measure_ids)))


def _evaluate(now: datetime, ids: list[int] | None) -> EvaluationResult:
    groups: dict[tuple[str, str], list[MeasureInForce]] = defaultdict(list)
    for measure in measures_in_force_rows(ids):
        groups[(measure.period, measure.time_zone)].append(measure)
    windows = {(period, zone): data.windows_for(period, zone, now) for period, zone in groups}
    result = EvaluationResult(measures=sum(len(g) for g in groups.values()))
    if not groups:
        return result

    finished = _finished_already({w.previous[0] for w in windows.values()}, ids)
    measurements = data.measurement_series_all(list(windows.values()), ids=ids)
    judged: list[_Judged] = []
    for key, measures in groups.items():
        w = windows[key]
        series = _series_of_group(measures, w, ids, measurements)
        for measure in measures:
            starts = _effective_start(measure, w.time_zone)
            if starts is not None and w.current[1] <= starts:
                continue  # agreed, but not in effect during this period
            rule = verdicts.rule_for(measure)
            judged.append(_Judged(measure, rule, w, False, _verdict(measure, rule, series, w, final=False)))
            prev_start, prev_end = w.previous
            if (measure.pk, prev_start) in finished or (starts is not None and prev_end <= starts):
                continue
            judged.append(_Judged(measure, rule, w, True, _verdict(measure, rule, series, w, final=True)))

    judged.sort(key=lambda j: (j.measure.pk, j.start))
    for j in judged:
        if j.final:
            result.finished += 1
            result.missed += j.verdict.status == fc.MISSED
        else:
            result.statuses[j.verdict.status] += 1
    earliest = min(w.previous[0] for w in windows.values())
    with transaction.atomic():
        evaluations_write(judged, now=now)
        result.evaluations = len(judged)
        _alerts(judged, now=now, since=earliest, result=result)
        pause_point("sla.measures_evaluate")  # tests: a worker killed before its chunk commits
    return result


def evaluations_write(judged: Sequence[_Judged], *, now: datetime) -> None:
    """Upsert the evaluations on their unique (measure, period start), in that order: on
    PostgreSQL in one INSERT … ON CONFLICT from binary arrays (sla.bulk_sql.rows_upsert: no
    placeholder per value), elsewhere through the ORM's bulk_create. The same rows either way."""
    if not judged:
        return
    rows = [_values(j, now) for j in judged]
    if bulk_sql.on_postgres():
        bulk_sql.rows_upsert(
            model=MeasureEvaluation,
            columns=EVALUATION_COLUMNS,
            rows=rows,
            conflict=EVALUATION_KEY,
            update=EVALUATION_FIELDS,
        )
        return
    MeasureEvaluation.objects.bulk_create(
        [MeasureEvaluation(**dict(zip(EVALUATION_COLUMNS, row, strict=True))) for row in rows],
        update_conflicts=True,
        unique_fields=EVALUATION_KEY,
        update_fields=EVALUATION_FIELDS,
    )


def _values(j: _Judged, now: datetime) -> tuple:
    """A row of EVALUATION_COLUMNS."""
    v, forecast = j.verdict, j.verdict.forecast
    return (
        j.measure.pk,
        j.measure.service_id,
        j.measure.key,
        j.start,
        j.end,
        data.finite(v.actual),
        v.volume,
        v.status,
        v.reason,
        data.finite(forecast.value) if forecast else None,
        data.finite(forecast.low) if forecast else None,
        data.finite(forecast.high) if forecast else None,
        v.budget or {},
        now,
    )


def _finished_already(starts: set[datetime], ids: list[int] | None) -> set[tuple[int, datetime]]:
    """(measure, period start) of finished periods whose final verdict is written (one
    computed at or after the period's end)."""
    rows = MeasureEvaluation.objects.filter(period_start__in=starts, computed_at__gte=F("period_end"))
    if ids is not None:
        rows = rows.filter(measure_id__in=ids)
    return set(rows.order_by().values_list("measure_id", "period_start"))


def _effective_start(measure: MeasureInForce, time_zone: str) -> datetime | None:
    day = measure.effective_from
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(time_zone)) if day else None


@dataclass
class _GroupSeries:
    measurements: dict[int, data.Series]
    clocks: dict[str, dict[int, dict]]  # metric -> service -> series by (service, unit, priority)
    owners: dict  # allowance -> service -> series by (service, unit, priority)
    feedback: dict[int, data.Series] | None = None  # None: the feedback module is not there yet


def _group_q(period: str, time_zone: str, ids: list[int] | None) -> Q:
    """The measures of one group, as SQL (the same set as measures_in_force, by period and zone)."""
    zone = Q(agreement__service__support_calendar__time_zone=time_zone)
    if time_zone == settings.TIME_ZONE:
        zone |= Q(agreement__service__support_calendar__isnull=True)
    q = Q(agreement__status=AgreementStatus.AGREED, period=period) & zone
    return q & Q(pk__in=ids) if ids is not None else q


def _series_of_group(
    measures: list[MeasureInForce], w: data.Windows, ids: list[int] | None, measurements: dict[int, data.Series]
) -> _GroupSeries:
    """The pass's measurement series (read for every group at once), and the group's other
    sources: only those its measures use, 2 queries each."""
    group = Measure.objects.filter(_group_q(w.period, w.time_zone, ids))
    sources = {m.source for m in measures}
    metrics = {m.ticket_metric for m in measures if m.source == MeasureSource.TICKETS}
    found = _GroupSeries(measurements=measurements, clocks={}, owners={})
    if MeasureSource.FEEDBACK in sources:
        found.feedback = data.feedback_series(group.filter(source=MeasureSource.FEEDBACK), w)
    for metric in metrics:
        services = group.filter(source=MeasureSource.TICKETS, ticket_metric=metric).values("agreement__service_id")
        if metric in CLOCK_METRICS:
            found.clocks[metric] = data.by_service(data.clock_series(services, w, kind=CLOCK_METRICS[metric]))
        elif metric == TicketMetric.OWNER_WITHIN:
            allowances = sorted({m.ticket_within for m in measures if m.ticket_metric == metric and m.ticket_within})
            by_allowance = data.owner_series(services, w, allowances=allowances)
            found.owners = {allowance: data.by_service(series) for allowance, series in by_allowance.items()}
    return found


def _verdict(
    measure: MeasureInForce, rule: verdicts.Rule, found: _GroupSeries, w: data.Windows, *, final: bool
) -> verdicts.Verdict:
    if measure.source == MeasureSource.FEEDBACK:
        if found.feedback is None:
            return verdicts.FEEDBACK_VERDICT
        series = found.feedback.get(measure.pk, data.EMPTY)
    elif measure.source == MeasureSource.TICKETS:
        if measure.ticket_metric == TicketMetric.OWNER_WITHIN:
            index = found.owners.get(measure.ticket_within, {})
        else:
            index = found.clocks.get(measure.ticket_metric, {})
        series = data.ticket_series_for(
            index,
            service_id=measure.service_id,
            business_unit_id=measure.business_unit_id,
            priority=measure.ticket_priority,
        )
    else:
        series = found.measurements.get(measure.pk, data.EMPTY)
    return verdicts.verdict(rule, series, w, final=final)


# --- Alerts --------------------------------------------------------------------------------------


def alert_key(measure_id: int, period_start: datetime, time_zone: str, kind: str) -> str:
    """Once per measure, period and kind ("at_risk" or "missed")."""
    local = period_start.astimezone(ZoneInfo(time_zone))
    return f"measure:{measure_id}:{local:%Y%m%d}:{kind}"


def _alerts(judged: list[_Judged], *, now: datetime, since: datetime, result: EvaluationResult) -> None:
    """Raise at-risk alerts for current periods at risk and missed alerts for finished periods
    missed; resolve an at-risk alert when its measure is back to met, or its period is settled
    (met, or missed: the missed alert takes over); reopen it when the measure slips again in
    the same period (fired once: reopening notifies no one again)."""
    at_risk_alerts = {
        key: (pk, state)
        for pk, key, state in Alert.objects.filter(kind=AlertKind.MEASURE_AT_RISK, opened_at__gte=since)
        .order_by()
        .values_list("pk", "key", "state")
    }
    drafts, resolve, reopen = [], [], []
    for j in judged:
        status = j.verdict.status
        key = alert_key(j.measure.pk, j.start, j.windows.time_zone, "at_risk")
        existing = at_risk_alerts.get(key)
        if j.final:
            if status in (fc.MET, fc.MISSED) and existing and existing[1] in OPEN_STATES:
                resolve.append(existing[0])
            if status == fc.MISSED:
                drafts.append(_draft(j, "missed"))
        elif status == fc.AT_RISK:
            if existing is None:
                drafts.append(_draft(j, "at_risk"))
            elif existing[1] == AlertState.RESOLVED:
                reopen.append(existing[0])
        elif status == fc.MET and existing and existing[1] in OPEN_STATES:
            resolve.append(existing[0])
    drafts.sort(key=lambda d: d.key)
    result.alerts_raised = len(alerts_raise(drafts, now=now))
    if resolve:
        result.alerts_resolved = Alert.objects.filter(pk__in=sorted(resolve), state__in=OPEN_STATES).update(
            state=AlertState.RESOLVED, resolved_at=now
        )
    if reopen:
        result.alerts_reopened = Alert.objects.filter(pk__in=sorted(reopen), state=AlertState.RESOLVED).update(
            state=AlertState.OPEN, resolved_at=None
        )


def _draft(j: _Judged, kind: str) -> AlertDraft:
    measure, v, w, rule = j.measure, j.verdict, j.windows, j.rule
    label = period_label(w.period, j.start, w.time_zone)
    against = f"{verdicts.fmt(v.actual, rule.unit)} against {verdicts.fmt(rule.target, rule.unit)}"
    last_day = (j.end.astimezone(ZoneInfo(w.time_zone)) - timedelta(days=1)).date()
    if kind == "missed":
        subject = f"{measure.name} ({measure.service_name}) missed for {label}: {against}"
        body = f"{v.reason}.\nTell the business what happened and what will change."
    else:
        if v.budget_gone:
            tail = v.budget_gone
        elif v.forecast is not None and rule.kind != fc.PERCENT:
            tail = f"forecast {verdicts.fmt(v.forecast.value, rule.unit)} at the period's end"
        else:
            tail = "act before the period ends"
        subject = f"{measure.name} ({measure.service_name}) at risk: {against} — {tail}"
        body = f"{label}: {v.reason}.\nThere is still time to act before the period ends ({last_day:%-d %b})."
    return AlertDraft(
        key=alert_key(measure.pk, j.start, w.time_zone, kind),
        kind=AlertKind.MEASURE_MISSED if kind == "missed" else AlertKind.MEASURE_AT_RISK,
        severity=AlertSeverity.CRITICAL if kind == "missed" else AlertSeverity.WARNING,
        subject=subject,
        body=body,
        service_id=measure.service_id,
        ticket_id=None,
        clock_id=None,
        due_at=j.end,
        owner_id=None,  # a measure has no owner of its own: the service's people
        details={
            "measure_id": measure.pk,
            "measure_key": measure.key,
            "period_start": j.start.isoformat(),
            "period_end": j.end.isoformat(),
            "status": v.status,
            "actual": data.finite(v.actual),
            "target": rule.target,
            "budget": v.budget or {},
        },
    )
