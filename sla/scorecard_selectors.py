"""Reads for the scorecard: a service's six factors with their measures' recent periods, and the
maturity of its agreements. A constant number of queries whatever the number of measures (and of services, for
service_scorecards):

- the agreements (in force, or the one asked about) with their measures: 2;
- the evaluations of those measures' keys over the current and the last `HISTORY` periods: 1;
- the latest data point of each manual or pushed measure's key: 1.

Callers pass a service they already read through catalog.selectors (scoped to the user: the
scorecard is readable by whoever may read the service). The verdicts come from the evaluation
pass (MeasureEvaluation rows); nothing here evaluates.

A measure's history follows its key, as its data does: the evaluations of earlier versions of
the same agreement (same service and business unit) with the same key count. When two
definitions have a row for the same period (a version came into force mid-period), the current
definition's row wins, else the latest computed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Max, Prefetch

from catalog.models import Agreement, AgreementStatus, Measure, MeasureSource, Service, SuccessFactor
from sla import scorecard as card
from sla.models import MeasureEvaluation, Measurement
from sla.periods import period_bounds, period_label, previous_periods
from sla.selectors import service_time_zone

HISTORY = 6  # finished periods shown before the current one (sparklines, trend, Gold's run)
DERIVED_SOURCES = (MeasureSource.TICKETS, MeasureSource.FEEDBACK)
MEASURE_ORDER = ("position", "name", "pk")  # as the agreement lists them


@dataclass(frozen=True)
class PeriodValue:
    """One period of a measure's history, as evaluated."""

    start: datetime
    end: datetime
    label: str
    actual: float | None
    status: str  # met, at_risk, missed, no_data (no_data too when never evaluated)
    current: bool  # the period in progress
    settled: bool  # evaluated after the period ended: the verdict is final

    @property
    def value(self) -> float | None:
        """What charts and trends use: nothing where there is no verdict (low-volume guard)."""
        return None if self.status == card.NO_DATA else self.actual

    @property
    def status_label(self) -> str:
        return card.STATUS_LABELS[self.status]


@dataclass(frozen=True)
class MeasureCard:
    measure: Measure
    agreement: Agreement
    current: PeriodValue
    history: tuple[PeriodValue, ...]  # oldest first, the current period last
    reason: str
    forecast: float | None
    forecast_low: float | None
    forecast_high: float | None
    budget: dict
    evaluated_at: datetime | None
    trend: str | None
    outlook: str | None

    @property
    def status(self) -> str:
        return self.current.status

    @property
    def status_label(self) -> str:
        return self.current.status_label

    @property
    def target(self) -> float:
        return float(self.measure.target)

    @property
    def trend_label(self) -> str:
        return card.TREND_LABELS.get(self.trend, "")

    @property
    def outlook_label(self) -> str:
        return card.OUTLOOK_LABELS.get(self.outlook, "")


@dataclass(frozen=True)
class FactorCard:
    factor: str
    label: str
    measures: tuple[MeasureCard, ...]
    status: str
    trend: str | None
    outlook: str | None

    @property
    def status_label(self) -> str:
        return card.STATUS_LABELS[self.status]

    @property
    def trend_label(self) -> str:
        return card.TREND_LABELS.get(self.trend, "")

    @property
    def outlook_label(self) -> str:
        return card.OUTLOOK_LABELS.get(self.outlook, "")

    @property
    def without_data(self) -> int:
        """Measures with no verdict this period, said beside a known status."""
        return sum(1 for m in self.measures if m.status == card.NO_DATA)


@dataclass(frozen=True)
class AgreementMaturity:
    agreement: Agreement
    maturity: card.Maturity


@dataclass(frozen=True)
class Scorecard:
    service: Service
    computed_at: datetime
    factors: tuple[FactorCard, ...]  # the six, in SuccessFactor's order
    agreements: tuple[AgreementMaturity, ...] = field(default=())

    @property
    def has_measures(self) -> bool:
        return any(f.measures for f in self.factors)


def service_scorecard(*, service: Service, now: datetime) -> Scorecard:
    """The scorecard of `service` at `now`, from its agreements in force."""
    return service_scorecards(services=[service], now=now)[service.pk]


def service_scorecards(*, services: Sequence[Service], now: datetime) -> dict[int, Scorecard]:
    """Service id -> its scorecard at `now` (as service_scorecard), for many services in the
    same four queries (a business unit's review)."""
    services = list(services)
    agreements, measures = _with_measures(
        Agreement.objects.filter(service__in=[s.pk for s in services], status=AgreementStatus.AGREED)
    )
    by_service: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in agreements:
        by_service[agreement.service_id].append(agreement)
    reads = _Reads.load_many(services=services, agreements=by_service, measures=measures, now=now)
    found = {}
    for service in services:
        own = by_service.get(service.pk, [])
        cards: dict[str, list[MeasureCard]] = defaultdict(list)
        for agreement in own:
            for measure in measures[agreement.pk]:
                cards[measure.factor].append(reads[service.pk].measure_card(agreement, measure))
        factors = tuple(_factor_card(factor, label, cards.get(factor, [])) for factor, label in SuccessFactor.choices)
        maturities = tuple(AgreementMaturity(a, reads[service.pk].maturity(a)) for a in own)
        found[service.pk] = Scorecard(service=service, computed_at=now, factors=factors, agreements=maturities)
    return found


def agreement_maturity(*, agreement: Agreement, now: datetime) -> card.Maturity:
    """The maturity of one agreement version (of any status), `agreement` read through
    catalog.selectors.agreement_list (with its service and support calendar)."""
    measures = {agreement.pk: list(agreement.measures.order_by(*MEASURE_ORDER))}
    reads = _Reads.load(service=agreement.service, agreements=[agreement], measures=measures, now=now)
    return reads.maturity(agreement)


def _with_measures(agreements) -> tuple[list[Agreement], dict[int, list[Measure]]]:
    found = list(
        agreements.select_related("business_unit")
        .prefetch_related(Prefetch("measures", queryset=Measure.objects.order_by(*MEASURE_ORDER)))
        .order_by(F("business_unit__name").asc(nulls_first=True), "version")
    )
    return found, {a.pk: list(a.measures.all()) for a in found}


def _factor_card(factor: str, label: str, measures: Sequence[MeasureCard]) -> FactorCard:
    return FactorCard(
        factor=factor,
        label=label,
        measures=tuple(measures),
        status=card.factor_status(m.status for m in measures),
        trend=card.factor_trend(m.trend for m in measures),
        outlook=card.factor_outlook(m.outlook for m in measures),
    )


SeriesKey = tuple[int | None, str]  # (business unit id or None for all units, measure key)


@dataclass
class _Reads:
    """What the queries returned, indexed for the cards."""

    service: Service
    now: datetime
    time_zone: str
    measures: dict[int, list[Measure]]  # agreement id -> its measures
    windows: dict[str, list[tuple[datetime, datetime]]]  # period kind -> current, then previous
    evaluations: dict[SeriesKey, dict[datetime, MeasureEvaluation]]
    latest_point: dict[str, datetime]  # measure key -> latest data point so far

    @classmethod
    def load(
        cls, *, service: Service, agreements: Sequence[Agreement], measures: dict[int, list[Measure]], now: datetime
    ) -> _Reads:
        return cls.load_many(services=[service], agreements={service.pk: agreements}, measures=measures, now=now)[
            service.pk
        ]

    @classmethod
    def load_many(
        cls,
        *,
        services: Sequence[Service],
        agreements: dict[int, Sequence[Agreement]],
        measures: dict[int, list[Measure]],
        now: datetime,
    ) -> dict[int, _Reads]:
        """Service id -> its reads, in two queries whatever the number of services. Each
        service's rows are looked up by its own keys and period starts, so reading the union
        of keys from the earliest window of any is the same as reading each on its own."""
        found: dict[int, _Reads] = {}
        keys, pushed, current_ids, since = set(), set(), {}, None
        for service in services:
            time_zone = service_time_zone(service)
            pairs = [(a, m) for a in agreements.get(service.pk, ()) for m in measures[a.pk]]
            windows = {
                period: [period_bounds(period, now, time_zone), *previous_periods(period, now, time_zone, HISTORY)]
                for period in {m.period for _, m in pairs}
            }
            found[service.pk] = cls(service, now, time_zone, measures, windows, evaluations={}, latest_point={})
            if not pairs:
                continue
            first = min(bounds[-1][0] for bounds in windows.values())
            since = first if since is None else min(since, first)
            keys |= {m.key for _, m in pairs}
            pushed |= {m.key for _, m in pairs if m.source not in DERIVED_SOURCES}
            current_ids |= {(service.pk, a.business_unit_id, m.key): m.pk for a, m in pairs}
        if since is None:
            return found
        ids = sorted({service_id for service_id, _, _ in current_ids})
        for service_id, series in _evaluations(ids, keys, since, now, current_ids).items():
            found[service_id].evaluations = series
        if pushed:
            for service_id, key, latest in (
                Measurement.objects.filter(
                    service_id__in=ids, measure_key__in=sorted(pushed), measured_at__gte=since, measured_at__lte=now
                )
                .order_by()
                .values("service_id", "measure_key")
                .annotate(latest=Max("measured_at"))
                .values_list("service_id", "measure_key", "latest")
            ):
                found[service_id].latest_point[key] = latest
        return found

    def _history(self, agreement: Agreement, measure: Measure) -> tuple[PeriodValue, ...]:
        rows = self.evaluations.get((agreement.business_unit_id, measure.key), {})
        values = []
        for index, (start, end) in enumerate(self.windows[measure.period]):
            row = rows.get(start)
            values.append(
                PeriodValue(
                    start=start,
                    end=end,
                    label=period_label(measure.period, start, self.time_zone),
                    actual=row.actual if row else None,
                    status=row.status if row else card.NO_DATA,
                    current=index == 0,
                    settled=bool(row) and row.computed_at >= end,
                )
            )
        return tuple(reversed(values))

    def measure_card(self, agreement: Agreement, measure: Measure) -> MeasureCard:
        history = self._history(agreement, measure)
        current = history[-1]
        row = self.evaluations.get((agreement.business_unit_id, measure.key), {}).get(current.start)
        forecast = row.forecast if row else None
        high, low = (row.forecast_high, row.forecast_low) if row else (None, None)
        return MeasureCard(
            measure=measure,
            agreement=agreement,
            current=current,
            history=history,
            reason=row.reason if row else f"Not evaluated yet for {current.label}.",
            forecast=forecast,
            forecast_low=low,
            forecast_high=high,
            budget=(row.budget or {}) if row else {},
            evaluated_at=row.computed_at if row else None,
            trend=card.trend(
                [p.value for p in history if not p.current],
                direction=measure.direction,
                target=float(measure.target),
            ),
            outlook=card.forecast_outlook(
                value=forecast, low=low, high=high, target=float(measure.target), direction=measure.direction
            )
            if current.status != card.NO_DATA
            else None,
        )

    def _data_arriving(self, agreement: Agreement, measure: Measure) -> bool:
        """A data point (manual and pushed measures) or a verdict (derived ones) in the current
        or the last period."""
        current, last = self.windows[measure.period][:2]
        if measure.source in DERIVED_SOURCES:
            rows = self.evaluations.get((agreement.business_unit_id, measure.key), {})
            return any(rows.get(start) and rows[start].status != card.NO_DATA for start in (current[0], last[0]))
        latest = self.latest_point.get(measure.key)
        return latest is not None and latest >= last[0]

    def maturity(self, agreement: Agreement) -> card.Maturity:
        records = []
        for measure in self.measures[agreement.pk]:
            finished = [p for p in reversed(self._history(agreement, measure)) if not p.current]
            records.append(
                card.MeasureRecord(
                    name=measure.name,
                    data_arriving=self._data_arriving(agreement, measure),
                    met_run=card.met_run([(p.status, p.settled) for p in finished]),
                )
            )
        return card.agreement_maturity(
            card.MaturityFacts(
                it_owner=self.service.service_owner_id is not None,
                business_owner=self.service.business_owner_id is not None,
                it_signed=agreement.it_signed_by_id is not None,
                business_signed=agreement.business_signed_by_id is not None,
                measures=tuple(records),
            )
        )


def _evaluations(
    service_ids: Sequence[int],
    keys: Iterable[str],
    since: datetime,
    now: datetime,
    current_ids: dict[tuple[int, int | None, str], int],
) -> dict[int, dict[SeriesKey, dict[datetime, MeasureEvaluation]]]:
    """Service id -> (audience, key) -> period start -> the evaluation that counts."""
    rows = (
        MeasureEvaluation.objects.filter(
            service_id__in=service_ids, measure_key__in=sorted(keys), period_start__gte=since, period_start__lte=now
        )
        .annotate(audience_id=F("measure__agreement__business_unit_id"))
        .order_by("computed_at", "pk")
    )
    found: dict[int, dict[SeriesKey, dict[datetime, MeasureEvaluation]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:  # latest computed last, so it wins ...
        series = found[row.service_id][(row.audience_id, row.measure_key)]
        kept = series.get(row.period_start)
        # ... unless the current definition already has a row for that period.
        if kept is None or kept.measure_id != current_ids.get((row.service_id, row.audience_id, row.measure_key)):
            series[row.period_start] = row
    return found
