"""The numbers behind measure evaluations, read from the database in a few grouped queries.

An evaluation pass groups the measures in force by (period kind, time zone). Every measure of a
group shares the same windows: this period so far, the period just finished, the two before it
(for the expected volume), and the recent stretches the burn-rate alerts look at. So each source
of data points is read with one aggregate query per group (COUNT and SUM with a FILTER per
window, percentile_cont for medians and 90th percentiles, the last value) and one more grouped
by local day, which is what the trend is fitted on. Nothing loops over data points in Python,
except on SQLite, which has no percentile_cont: it fetches the values of its median, 90th
percentile and last-value measures only.

Sources:
- measurements (manual and pushed measures), one series per measure definition: the join with
  the measure gives each its own condition for percentage measures;
- ticket clocks and tickets (derived measures), one series per (service, business unit,
  priority), which the measures add up as they need: a unit's agreement counts its unit's
  tickets, an all-units agreement all the service's tickets, a priority only its priority.
- survey responses (measures derived from feedback: CSAT, NPS, CES), one series per measure
  definition, like measurements.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    F,
    FloatField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate

from catalog.models import Aggregation, FeedbackMetric, Measure
from sla import forecasting as fc
from sla.aggregates import LastValue, Percentile
from sla.models import Clock, ClockKind, ClockState, Ticket, TicketEvent, TicketState
from sla.periods import period_bounds, previous_periods

HISTORY_PERIODS = 3  # the expected volume of a percentage measure: the mean of up to 3 past periods
QUANTILE_KINDS = (Aggregation.MEDIAN, Aggregation.P90, Aggregation.LAST)
FEEDBACK_PENDING = "feedback arrives with the feedback module"


# --- Windows ---------------------------------------------------------------------------------


def burn_widths(windows: Sequence[fc.BurnWindow] = fc.DEFAULT_BURN_WINDOWS) -> tuple[float, ...]:
    return tuple(sorted({w.long for w in windows} | {w.short for w in windows}))


@dataclass(frozen=True)
class Windows:
    """What one pass looks at for the measures of one period kind and time zone, at `now`."""

    period: str
    time_zone: str
    now: datetime
    current: tuple[datetime, datetime]
    history: tuple[tuple[datetime, datetime], ...]  # the periods before, most recent first
    widths: tuple[float, ...]  # burn windows, as shares of the period, ending now

    @property
    def previous(self) -> tuple[datetime, datetime]:
        return self.history[0]

    @property
    def earliest(self) -> datetime:
        return self.history[-1][0]

    @property
    def elapsed(self) -> float:
        return fc.share_of_period(self.now, *self.current)

    def recent_start(self, width: float) -> datetime:
        start, end = self.current
        return self.now - (end - start) * width


def windows_for(period: str, time_zone: str, now: datetime) -> Windows:
    return Windows(
        period=period,
        time_zone=time_zone,
        now=now,
        current=period_bounds(period, now, time_zone),
        history=tuple(previous_periods(period, now, time_zone, HISTORY_PERIODS)),
        widths=burn_widths(),
    )


# --- What a source returns -------------------------------------------------------------------


@dataclass
class Tally:
    """Data points of one window: how many, how many met the condition, their sum."""

    count: int = 0
    ok: int = 0
    total: float = 0.0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.count + other.count, self.ok + other.ok, self.total + other.total)


@dataclass
class Series:
    """One series of data points over a pass's windows. Additive (ticket series are summed
    over units and priorities), except the quantiles, which only measurement series have."""

    current: Tally = field(default_factory=Tally)
    previous: Tally = field(default_factory=Tally)
    history_counts: tuple[int, ...] = ()  # per past period, most recent (the previous) first
    recent: dict[float, Tally] = field(default_factory=dict)  # this period, the last `width` of it
    first_miss: datetime | None = None  # this period: the first point not meeting the condition
    first_hit: datetime | None = None  # … and the first meeting it
    days: dict[date, Tally] = field(default_factory=dict)  # this period, by local day
    quantiles: dict[tuple[str, str], float | None] = field(default_factory=dict)  # (window, kind)

    def __add__(self, other: Series) -> Series:
        days = dict(self.days)
        for day, tally in other.days.items():
            days[day] = days.get(day, Tally()) + tally
        misses = [m for m in (self.first_miss, other.first_miss) if m is not None]
        hits = [m for m in (self.first_hit, other.first_hit) if m is not None]
        return Series(
            current=self.current + other.current,
            previous=self.previous + other.previous,
            history_counts=tuple(
                a + b for a, b in zip(_pad(self.history_counts), _pad(other.history_counts), strict=True)
            ),
            recent={
                w: self.recent.get(w, Tally()) + other.recent.get(w, Tally()) for w in {*self.recent, *other.recent}
            },
            first_miss=min(misses) if misses else None,
            first_hit=min(hits) if hits else None,
            days=days,
        )


def _pad(counts: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(counts) + (0,) * (HISTORY_PERIODS - len(counts))


EMPTY = Series()


@dataclass(frozen=True)
class Variant:
    """Which rows of a source count (`decided`, None: all) and which of those meet the
    condition (`ok`, None: no condition)."""

    decided: Q | None = None
    ok: Q | None = None


# --- The grouped queries -----------------------------------------------------------------------


def _window_q(start: datetime, end: datetime, now: datetime) -> Q:
    return Q(at__gte=start, at__lt=end, at__lte=now)


def _collect(
    qs: QuerySet,
    *,
    group_by: Sequence[str],
    windows: Windows,
    variants: dict[str, Variant],
    has_value: bool,
    quantiles: bool = False,
) -> dict[tuple, dict[str, Series]]:
    """Series per group and variant from `qs`, which has the aliases `at` (and `val` when
    `has_value`). Two queries (three for quantiles on SQLite)."""
    now = windows.now
    named = {"cur": windows.current, "prev": windows.previous}
    named |= {f"h{i}": bounds for i, bounds in enumerate(windows.history[1:], start=1)}
    current_q = _window_q(*windows.current, now)
    aggregates: dict = {}
    for v, variant in variants.items():
        decided, ok = variant.decided or Q(), variant.ok
        for w, bounds in named.items():
            in_window = _window_q(*bounds, now) & decided
            aggregates[f"{v}_{w}_n"] = Count("pk", filter=in_window)
            if w in ("cur", "prev"):
                if ok is not None:
                    aggregates[f"{v}_{w}_ok"] = Count("pk", filter=in_window & ok)
                if has_value:
                    aggregates[f"{v}_{w}_sum"] = Sum("val", filter=in_window)
        if ok is not None:  # the burn-rate windows and the first miss: percentage measures only
            for i, width in enumerate(windows.widths):
                recent = current_q & decided & Q(at__gt=windows.recent_start(width))
                aggregates[f"{v}_r{i}_n"] = Count("pk", filter=recent)
                aggregates[f"{v}_r{i}_ok"] = Count("pk", filter=recent & ok)
            aggregates[f"{v}_miss"] = Min("at", filter=current_q & decided & ~ok)
            aggregates[f"{v}_hit"] = Min("at", filter=current_q & decided & ok)
    on_postgres = connection.vendor == "postgresql"
    if quantiles and on_postgres:
        for w in ("cur", "prev"):
            in_window = _window_q(*named[w], now)
            aggregates[f"{w}_median"] = Percentile("val", 0.5, filter=in_window & Q(aggregation=Aggregation.MEDIAN))
            aggregates[f"{w}_p90"] = Percentile("val", 0.9, filter=in_window & Q(aggregation=Aggregation.P90))
            aggregates[f"{w}_last"] = LastValue("val", "at", filter=in_window & Q(aggregation=Aggregation.LAST))

    found: dict[tuple, dict[str, Series]] = {}
    for row in qs.values(*group_by).annotate(**aggregates).order_by():
        key = tuple(row[name] for name in group_by)
        found[key] = {v: _series_from_row(row, v, windows, has_value) for v in variants}
        if quantiles and on_postgres:
            for series in found[key].values():
                series.quantiles = {
                    (w, kind): row[f"{w}_{kind}"] for w in ("cur", "prev") for kind in ("median", "p90", "last")
                }

    day_aggregates: dict = {}
    for v, variant in variants.items():
        decided = variant.decided or Q()
        day_aggregates[f"{v}_n"] = Count("pk", filter=decided)
        if variant.ok is not None:
            day_aggregates[f"{v}_ok"] = Count("pk", filter=decided & variant.ok)
        if has_value:
            day_aggregates[f"{v}_sum"] = Sum("val", filter=decided)
    zone = ZoneInfo(windows.time_zone)
    days = qs.filter(current_q).values(*group_by, day=TruncDate("at", tzinfo=zone)).annotate(**day_aggregates)
    # Tuples rather than dicts: a pass reads a row per measure and day (~150,000 for 10,000).
    names = list(day_aggregates)
    width = len(group_by)
    slots = [(v, names.index(f"{v}_n"), _slot(names, f"{v}_ok"), _slot(names, f"{v}_sum")) for v in variants]
    for row in days.values_list(*group_by, "day", *names).order_by():
        by_variant = found.get(row[:width])
        if by_variant is None:
            continue
        day, values = row[width], row[width + 1 :]
        for v, n, ok, total in slots:
            if values[n]:
                by_variant[v].days[day] = Tally(
                    values[n], values[ok] if ok is not None else 0, (values[total] or 0.0) if total is not None else 0.0
                )

    if quantiles and not on_postgres:
        _quantiles_in_python(qs, group_by, windows, found)
    return found


def _slot(names: list[str], name: str) -> int | None:
    return names.index(name) if name in names else None


def _series_from_row(row: dict, v: str, windows: Windows, has_value: bool) -> Series:
    def tally(w: str) -> Tally:
        return Tally(row[f"{v}_{w}_n"], row.get(f"{v}_{w}_ok", 0), row.get(f"{v}_{w}_sum") or 0.0)

    has_ok = f"{v}_r0_n" in row
    return Series(
        current=tally("cur"),
        previous=tally("prev"),
        history_counts=(row[f"{v}_prev_n"], *(row[f"{v}_h{i}_n"] for i in range(1, len(windows.history)))),
        recent={w: Tally(row[f"{v}_r{i}_n"], row[f"{v}_r{i}_ok"]) for i, w in enumerate(windows.widths)}
        if has_ok
        else {},
        first_miss=row.get(f"{v}_miss"),
        first_hit=row.get(f"{v}_hit"),
    )


def _quantiles_in_python(qs: QuerySet, group_by: Sequence[str], windows: Windows, found: dict) -> None:
    """SQLite has no percentile_cont: fetch the values of the measures that need them."""
    now = windows.now
    spans = {"cur": windows.current, "prev": windows.previous}
    values: dict[tuple, list[tuple[datetime, float]]] = defaultdict(list)
    rows = (
        qs.filter(aggregation__in=QUANTILE_KINDS)
        .filter(_window_q(*windows.current, now) | _window_q(*windows.previous, now))
        .annotate(point_at=F("at"), point_value=F("val"))
        .values_list(*group_by, "aggregation", "point_at", "point_value")
        .order_by()
    )
    for *key, kind, at, val in rows:
        window = "cur" if spans["cur"][0] <= at else "prev"
        values[(tuple(key), kind, window)].append((at, val))
    for (key, kind, window), points in values.items():
        if key not in found:
            continue
        if kind == Aggregation.LAST:
            result = max(points, key=lambda p: p[0])[1]
        else:
            result = fc.percentile([p[1] for p in points], 0.5 if kind == Aggregation.MEDIAN else 0.9)
        for series in found[key].values():
            series.quantiles[(window, str(kind))] = result


# --- Sources -----------------------------------------------------------------------------------


def _condition_met() -> Q:
    """A data point meets its percentage measure's condition (the measure's own comparison)."""
    limit = F("condition_value")
    return (
        Q(condition="lt", val__lt=limit)
        | Q(condition="lte", val__lte=limit)
        | Q(condition="gt", val__gt=limit)
        | Q(condition="gte", val__gte=limit)
        | Q(condition="eq", val=limit)
    )


def measurement_series(measures: QuerySet[Measure], windows: Windows) -> dict[int, Series]:
    """Measure id -> its data points' series. `measures` are the group's manual and pushed
    measures; each reads its service's points of its key."""
    points = "agreement__service__measurements__"
    qs = measures.filter(
        **{
            f"{points}measure_key": F("key"),
            f"{points}measured_at__gte": windows.earliest,
            f"{points}measured_at__lte": windows.now,
        }
    ).alias(at=F(f"{points}measured_at"), val=F(f"{points}value"))
    found = _collect(
        qs,
        group_by=["pk"],
        windows=windows,
        variants={"m": Variant(ok=_condition_met())},
        has_value=True,
        quantiles=True,
    )
    return {key[0]: by_variant["m"] for key, by_variant in found.items()}


TicketKey = tuple[int, int | None, int | None]  # service, business unit, priority


def clock_series(service_ids: QuerySet, windows: Windows, *, kind: str) -> dict[TicketKey, Series]:
    """Clocks of one kind whose outcome fell in the windows: met or breached when they stopped,
    or breached while still running (as sla.selectors.service_attainment counts them). Engage
    clocks count once engaged (stopped), with their business hours as the value."""
    qs = Clock.objects.filter(
        kind=kind, ticket__service_id__in=service_ids, state__in=[ClockState.MET, ClockState.BREACHED]
    )
    if kind == ClockKind.ENGAGE:
        qs = qs.filter(stopped_at__isnull=False)
    qs = qs.alias(
        at=Coalesce("stopped_at", "breached_at"),
        val=Cast("elapsed_seconds", FloatField()) / Value(3600.0),
    ).filter(at__gte=windows.earliest, at__lte=windows.now)
    found = _collect(
        qs,
        group_by=["ticket__service_id", "ticket__business_unit_id", "priority"],
        windows=windows,
        variants={"c": Variant(ok=Q(state=ClockState.MET))},
        has_value=kind == ClockKind.ENGAGE,
    )
    return {key: by_variant["c"] for key, by_variant in found.items()}


def owner_series(
    service_ids: QuerySet, windows: Windows, *, allowances: Sequence[timedelta]
) -> dict[timedelta, dict[TicketKey, Series]]:
    """Tickets opened in the windows (cancelled ones aside), per allowance: decided once they
    have an owner (their first `assigned` event) or the allowance has run out unassigned; met
    when the owner came within the allowance, in plain elapsed time."""
    first_owner = Subquery(
        TicketEvent.objects.filter(ticket=OuterRef("pk"), kind="assigned")
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    qs = (
        Ticket.objects.filter(service_id__in=service_ids)
        .exclude(state=TicketState.CANCELLED)
        .alias(at=F("opened_at"), first_owner=first_owner)
        .filter(at__gte=windows.earliest, at__lte=windows.now)
    )
    variants = {
        f"w{i}": Variant(
            decided=Q(first_owner__isnull=False) | Q(at__lte=windows.now - allowance),
            ok=Q(first_owner__lte=F("at") + Value(allowance, output_field=DurationField())),
        )
        for i, allowance in enumerate(allowances)
    }
    found = _collect(
        qs, group_by=["service_id", "business_unit_id", "priority"], windows=windows, variants=variants, has_value=False
    )
    return {
        allowance: {key: by_variant[f"w{i}"] for key, by_variant in found.items()}
        for i, allowance in enumerate(allowances)
    }


def _feedback_value(points: str) -> Case:
    """A response's value for its measure's metric: the CSAT answer (1-5), +100, 0 or -100 for
    an NPS promoter, passive or detractor (so the mean of the values is the NPS), the CES
    answer (1-7)."""
    return Case(
        When(feedback_metric=FeedbackMetric.CSAT, then=Cast(f"{points}csat", FloatField())),
        When(Q(feedback_metric=FeedbackMetric.NPS, **{f"{points}nps__gte": 9}), then=Value(100.0)),
        When(Q(feedback_metric=FeedbackMetric.NPS, **{f"{points}nps__lte": 6}), then=Value(-100.0)),
        When(feedback_metric=FeedbackMetric.NPS, then=Value(0.0)),
        When(feedback_metric=FeedbackMetric.CES, then=Cast(f"{points}ces", FloatField())),
        output_field=FloatField(),
    )


def feedback_series(measures: QuerySet[Measure], windows: Windows) -> dict[int, Series]:
    """Measure id -> its series of survey answers (measures derived from feedback), read like
    `measurement_series`: one aggregate query for the group and one by local day. Each measure
    reads its service's responses that carry its metric's answer (a unit's agreement: that
    unit's responses only), at their submission time. CSAT is a percentage measure: a point
    meets the condition with a 4 or 5. NPS and CES are means: of +100/0/-100 per answer for
    NPS, of the answers for CES (feedback.scores has the same formulas, with intervals)."""
    points = "agreement__service__feedback_responses__"
    answered = Q()
    for metric in FeedbackMetric:
        answered |= Q(feedback_metric=metric, **{f"{points}{metric.value}__isnull": False})
    own_unit = Q(agreement__business_unit__isnull=True) | Q(**{f"{points}business_unit": F("agreement__business_unit")})
    qs = measures.filter(
        answered,
        own_unit,
        **{f"{points}submitted_at__gte": windows.earliest, f"{points}submitted_at__lte": windows.now},
    ).alias(at=F(f"{points}submitted_at"), val=_feedback_value(points))
    favourable = (
        Q(feedback_metric=FeedbackMetric.CSAT, val__gte=4)
        | Q(feedback_metric=FeedbackMetric.NPS, val__gte=100)
        | Q(feedback_metric=FeedbackMetric.CES, val__gte=5)
    )
    found = _collect(qs, group_by=["pk"], windows=windows, variants={"f": Variant(ok=favourable)}, has_value=True)
    return {key[0]: by_variant["f"] for key, by_variant in found.items()}


def by_service(series: dict[TicketKey, Series]) -> dict[int, dict[TicketKey, Series]]:
    index: dict[int, dict[TicketKey, Series]] = defaultdict(dict)
    for key, one in series.items():
        index[key[0]][key] = one
    return index


def ticket_series_for(
    index: dict[int, dict[TicketKey, Series]], *, service_id: int, business_unit_id: int | None, priority: int | None
) -> Series:
    """A measure's tickets (from `by_service`): its service's, its unit's only when the
    agreement is a unit's, its priority's only when it names one."""
    total = EMPTY
    for (_, unit, ticket_priority), one in index.get(service_id, {}).items():
        if business_unit_id is not None and unit != business_unit_id:
            continue
        if priority is not None and ticket_priority != priority:
            continue
        total = total + one
    return total


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
