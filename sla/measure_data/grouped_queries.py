"""The grouped queries: from a queryset of data points, the series of every group over a pass's
windows, in two queries (three for quantiles on SQLite), whatever the number of groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from catalog.models import Aggregation
from sla import forecasting as fc
from sla.aggregates import LastValue, Percentile
from sla.measure_data.series import Series, Tally
from sla.measure_data.windows import Windows

QUANTILE_KINDS = (Aggregation.MEDIAN, Aggregation.P90, Aggregation.LAST)


@dataclass(frozen=True)
class Variant:
    """Which rows of a source count (`decided`, None: all) and which of those meet the
    condition (`ok`, None: no condition)."""

    decided: Q | None = None
    ok: Q | None = None


def _window_q(start: datetime, end: datetime, now: datetime) -> Q:
    return Q(at__gte=start, at__lt=end, at__lte=now)


def collect_series(
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
