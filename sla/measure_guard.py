"""The guard on a select few measures: which measures of an agreement deserve a second look
because a number without a target, a factor or recent data is output for its own sake.

A measure is flagged when it has
- no target (the model requires one today; rows written before that rule, or by hand, may not);
- no success factor;
- no data in its last two finished periods, once its agreement has been in force that long
  (a measure nobody feeds is not a measure; an agreement agreed last week has had no chance).

`measure_flags` is a pure function of the facts; `measures_flagged` reads them for many
agreements in two queries (the measures with their agreements, the evaluations of the two
previous periods). The owner's home and the agreement page show the flags.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch

from catalog.models import Agreement, AgreementStatus, Measure, SuccessFactor
from sla.models import MeasureEvaluation
from sla.periods import previous_periods

PERIODS_WITHOUT_DATA = 2
NO_TARGET = "No target: say what value counts as success."
NO_FACTOR = "No success factor: say which of the six it shows."
NO_DATA = "No data in its last two periods: feed it, or drop it."
FACTORS = frozenset(SuccessFactor.values)  # .values builds a list on every call


@dataclass(frozen=True)
class FlaggedMeasure:
    measure: Measure
    agreement: Agreement
    reasons: tuple[str, ...]


def measure_flags(
    *, target: object, factor: str, judged_since: date | None, window_start: date, volumes: Sequence[int]
) -> tuple[str, ...]:
    """The reasons to flag one measure. `volumes`: its data points in each of the last two
    finished periods that have an evaluation (missing periods have none); `judged_since`: when
    its agreement came into force (None: not in force, so nothing to feed yet); `window_start`:
    the first day of the older of the two periods."""
    reasons = []
    if target is None:
        reasons.append(NO_TARGET)
    if factor not in FACTORS:
        reasons.append(NO_FACTOR)
    if judged_since is not None and judged_since <= window_start and not any(volumes):
        reasons.append(NO_DATA)
    return tuple(reasons)


def measures_flagged(
    *, agreements: Iterable[Agreement], now: datetime, measures: Iterable[Measure] | None = None
) -> list[FlaggedMeasure]:
    """The flagged measures of `agreements` (already scoped to the user by the caller), in the
    agreements' order then the measures'. One query for the evaluations whatever their number.

    `measures`: the agreements' measures in their order, read in one query by the caller;
    without it each agreement's own (prefetched: see `with_measures`). For hundreds of
    agreements, pass them: a prefetch filters a queryset for each agreement (0.1 ms each)."""
    agreements = list(agreements)
    by_id = {agreement.pk: agreement for agreement in agreements}
    if measures is None:
        measures = [measure for agreement in agreements for measure in agreement.measures.all()]
    else:
        rank = {pk: index for index, pk in enumerate(by_id)}
        measures = sorted((m for m in measures if m.agreement_id in rank), key=lambda m: rank[m.agreement_id])
    if not measures:
        return []
    windows = {
        period: previous_periods(period, now, settings.TIME_ZONE, PERIODS_WITHOUT_DATA)
        for period in {measure.period for measure in measures}
    }
    oldest = min((bounds[-1][0] for bounds in windows.values()), default=now)
    volumes: dict[tuple[int, int | None, str], list[int]] = {}
    rows = MeasureEvaluation.objects.filter(
        service_id__in={a.service_id for a in agreements},
        measure_key__in={m.key for m in measures},
        period_start__gte=oldest,
        period_end__lte=now,
    ).values_list("service_id", "measure__agreement__business_unit_id", "measure_key", "period_start", "volume")
    for service_id, unit_id, key, start, volume in rows:
        volumes.setdefault((service_id, unit_id, key), []).append((start, volume))
    zone = ZoneInfo(settings.TIME_ZONE)
    flagged = []
    for measure in measures:
        agreement = by_id[measure.agreement_id]
        window = windows[measure.period]
        window_start = window[-1][0]
        seen = volumes.get((agreement.service_id, agreement.business_unit_id, measure.key), [])
        reasons = measure_flags(
            target=measure.target,
            factor=measure.factor,
            judged_since=_in_force_since(agreement, zone),
            window_start=window_start.astimezone(zone).date(),
            volumes=[volume for start, volume in seen if start >= window_start],
        )
        if reasons:
            flagged.append(FlaggedMeasure(measure=measure, agreement=agreement, reasons=reasons))
    return flagged


def with_measures(agreements):
    """`agreements` (a queryset) with their measures in the agreement's order, for `measures_flagged`."""
    return agreements.prefetch_related(
        Prefetch("measures", queryset=Measure.objects.order_by("position", "name", "pk"))
    )


def _in_force_since(agreement: Agreement, zone: ZoneInfo) -> date | None:
    if agreement.status != AgreementStatus.AGREED:
        return None
    if agreement.effective_from is not None:
        return agreement.effective_from
    return agreement.agreed_at.astimezone(zone).date() if agreement.agreed_at else None
