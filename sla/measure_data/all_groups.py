"""The measurement series of every group of a pass at once: one statement for the window
totals, one for the daily buckets (and one for medians, 90th percentiles and last values),
whatever the number of (period kind, time zone) groups.

The grouped queries (`grouped_queries.collect_series`) read one group at a time, so a pass over
six groups scanned the measurements twelve times. Here the windows of every group are a VALUES
list joined to the measures by period kind and zone, as one would write it by hand, and the
measurements are read twice. The numbers are those of `sources.measurement_series` for each
group (tests/sla/test_all_groups.py compares them on random data).

Medians, 90th percentiles and last values are read apart, from the measures that need them only:
a percentile forces PostgreSQL to sort every row of the statement it is in, the counts alone do
not. SQLite has no percentile_cont: it gets those points' values and Python computes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import connection
from django.utils.dateparse import parse_datetime

from catalog.models import Aggregation, AgreementStatus, MeasureSource
from sla import forecasting as fc
from sla.measure_data.series import Series, Tally
from sla.measure_data.windows import Windows

QUANTILE_KINDS = (Aggregation.MEDIAN, Aggregation.P90, Aggregation.LAST)
# The columns of the windows list, in order.
WINDOW_COLUMNS = ("period", "zone", "cur_start", "cur_end", "prev_start", "h1_start", "h2_start", "now_at")
OK = (
    "CASE m.condition WHEN 'lt' THEN x.value < m.condition_value WHEN 'lte' THEN x.value <= m.condition_value"
    " WHEN 'gt' THEN x.value > m.condition_value WHEN 'gte' THEN x.value >= m.condition_value"
    " WHEN 'eq' THEN x.value = m.condition_value ELSE false END"
)
IN_CUR = "x.measured_at >= m.cur_start AND x.measured_at < m.cur_end"
IN_PREV = "x.measured_at >= m.prev_start AND x.measured_at < m.cur_start"


def measurement_series_all(windows: Sequence[Windows], *, ids: Iterable[int] | None = None) -> dict[int, Series]:
    """Measure id -> its series, for the manual and pushed measures in force of the groups of
    `windows` (all of a pass's groups, at one `now`), or of those among `ids`."""
    if not windows:
        return {}
    widths = windows[0].widths
    cte, params = _measures_cte(windows, widths, None if ids is None else sorted(set(ids)))
    found: dict[int, Series] = {}
    with connection.cursor() as cursor:
        cursor.execute(_totals_sql(cte, widths), params)
        for row in cursor.fetchall():
            found[row[0]] = _series(row, widths)
        if not found:
            return found
        cursor.execute(_days_sql(cte), params)
        to_date = (lambda day: day) if connection.vendor == "postgresql" else date.fromisoformat
        for pk, day, count, ok, total in cursor.fetchall():  # a row per measure and day: ~150,000
            found[pk].days[to_date(day)] = Tally(count, ok, total or 0.0)
        if connection.vendor == "postgresql":
            cursor.execute(_quantiles_sql(cte), params)
            for pk, *values in cursor.fetchall():
                found[pk].quantiles = dict(zip(_QUANTILE_SLOTS, values, strict=True))
        else:
            cursor.execute(_quantile_points_sql(cte), params)
            _quantiles_in_python(cursor.fetchall(), found)
    return found


def _measures_cte(windows: Sequence[Windows], widths: Sequence[float], ids: list[int] | None) -> tuple[str, list]:
    """The measures with their group's windows. The windows' instants are bound as parameters
    (adapted for the database: SQLite keeps them as UTC text)."""
    adapt = connection.ops.adapt_datetimefield_value
    stamp = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
    names = [*WINDOW_COLUMNS, *(f"r{i}" for i in range(len(widths)))]
    rows, params = [], []
    for w in windows:
        instants = [w.current[0], w.current[1], w.previous[0], w.history[1][0], w.history[2][0], w.now]
        instants += [w.recent_start(width) for width in widths]
        rows.append("(" + ", ".join(["%s", "%s", *[stamp] * len(instants)]) + ")")
        params += [w.period, w.time_zone, *(adapt(i) for i in instants)]
    only = f" AND ms.id IN ({', '.join(['%s'] * len(ids))})" if ids else (" AND 1 = 0" if ids is not None else "")
    # Only constants and placeholders are spliced in; every value is bound.
    sql = f"""
        WITH w ({", ".join(names)}) AS (VALUES {", ".join(rows)}),
        m AS (
            SELECT ms.id, ms.aggregation, ms.condition, ms.condition_value, ms.key, a.service_id, w.*
            FROM catalog_measure ms
            JOIN catalog_agreement a ON a.id = ms.agreement_id
            JOIN catalog_service s ON s.id = a.service_id
            LEFT JOIN sla_calendar c ON c.id = s.support_calendar_id
            JOIN w ON w.period = ms.period AND w.zone = COALESCE(c.time_zone, %s)
            WHERE a.status = %s AND ms.source IN (%s, %s){only}
        )"""  # noqa: S608
    params += [settings.TIME_ZONE, AgreementStatus.AGREED, MeasureSource.MANUAL, MeasureSource.PUSHED, *(ids or [])]
    return sql, params


_POINTS = (
    "FROM m JOIN sla_measurement x ON x.service_id = m.service_id AND x.measure_key = m.key"
    " AND x.measured_at <= m.now_at"
)


def _totals_sql(cte: str, widths: Sequence[float]) -> str:
    recent = ", ".join(
        f"COUNT(*) FILTER (WHERE {IN_CUR} AND x.measured_at > m.r{i}),"
        f" COUNT(*) FILTER (WHERE {IN_CUR} AND x.measured_at > m.r{i} AND {OK})"
        for i in range(len(widths))
    )
    return f"""{cte}
        SELECT m.id,
            COUNT(*) FILTER (WHERE {IN_CUR}), COUNT(*) FILTER (WHERE {IN_CUR} AND {OK}),
            SUM(x.value) FILTER (WHERE {IN_CUR}),
            COUNT(*) FILTER (WHERE {IN_PREV}), COUNT(*) FILTER (WHERE {IN_PREV} AND {OK}),
            SUM(x.value) FILTER (WHERE {IN_PREV}),
            COUNT(*) FILTER (WHERE x.measured_at >= m.h1_start AND x.measured_at < m.prev_start),
            COUNT(*) FILTER (WHERE x.measured_at < m.h1_start),
            {recent},
            MIN(x.measured_at) FILTER (WHERE {IN_CUR} AND NOT ({OK})),
            MIN(x.measured_at) FILTER (WHERE {IN_CUR} AND {OK})
        {_POINTS} AND x.measured_at >= m.h2_start
        GROUP BY m.id"""


def _days_sql(cte: str) -> str:
    if connection.vendor == "postgresql":
        day = "(x.measured_at AT TIME ZONE m.zone)::date"
    else:  # Django's own SQLite function, as TruncDate(tzinfo=…) uses it
        day = f"django_datetime_cast_date(x.measured_at, m.zone, '{connection.timezone_name}')"
    return f"""{cte}
        SELECT m.id, {day}, COUNT(*), COUNT(*) FILTER (WHERE {OK}), SUM(x.value)
        {_POINTS} AND x.measured_at >= m.cur_start AND x.measured_at < m.cur_end
        GROUP BY 1, 2"""


_QUANTILE_SLOTS = [(w, kind) for w in ("cur", "prev") for kind in ("median", "p90", "last")]


def _quantiles_sql(cte: str) -> str:
    columns = []
    for inside in (IN_CUR, IN_PREV):
        columns += [
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY x.value)"
            f" FILTER (WHERE {inside} AND m.aggregation = 'median')",
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY x.value) FILTER (WHERE {inside} AND m.aggregation = 'p90')",
            f"(ARRAY_AGG(x.value ORDER BY x.measured_at DESC) FILTER (WHERE {inside} AND m.aggregation = 'last'))[1]",
        ]
    return f"""{cte}
        SELECT m.id, {", ".join(columns)}
        {_POINTS} AND x.measured_at >= m.prev_start AND x.measured_at < m.cur_end
            AND m.aggregation IN ('median', 'p90', 'last')
        GROUP BY m.id"""


def _quantile_points_sql(cte: str) -> str:
    return f"""{cte}
        SELECT m.id, m.aggregation, x.measured_at >= m.cur_start, x.measured_at, x.value
        {_POINTS} AND x.measured_at >= m.prev_start AND x.measured_at < m.cur_end
            AND m.aggregation IN ('median', 'p90', 'last')"""


def _quantiles_in_python(rows: Iterable[tuple], found: dict[int, Series]) -> None:
    points: dict[tuple[int, str, str], list[tuple[datetime, float]]] = defaultdict(list)
    for pk, kind, current, at, value in rows:
        points[(pk, kind, "cur" if current else "prev")].append((_instant(at), value))
    for (pk, kind, window), values in points.items():
        if pk not in found:
            continue
        if kind == Aggregation.LAST:
            result = max(values, key=lambda p: p[0])[1]
        else:
            result = fc.percentile([v for _, v in values], 0.5 if kind == Aggregation.MEDIAN else 0.9)
        found[pk].quantiles[(window, kind)] = result


def _series(row: Sequence, widths: Sequence[float]) -> Series:
    cur_n, cur_ok, cur_sum, prev_n, prev_ok, prev_sum, h1_n, h2_n = row[1:9]
    recent = row[9 : 9 + 2 * len(widths)]
    miss, hit = row[9 + 2 * len(widths) :]
    return Series(
        current=Tally(cur_n, cur_ok, cur_sum or 0.0),
        previous=Tally(prev_n, prev_ok, prev_sum or 0.0),
        history_counts=(prev_n, h1_n, h2_n),
        recent={width: Tally(recent[2 * i], recent[2 * i + 1]) for i, width in enumerate(widths)},
        first_miss=_instant(miss),
        first_hit=_instant(hit),
        days={},
        quantiles={},
    )


def _instant(value: datetime | str | None) -> datetime | None:
    """PostgreSQL returns aware datetimes; SQLite the UTC text Django stored."""
    if value is None or isinstance(value, datetime):
        return value
    return parse_datetime(value).replace(tzinfo=UTC)
