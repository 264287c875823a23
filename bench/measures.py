"""Benchmark of the evaluation of success measures on PostgreSQL: 10,000 measures in force on
1,000 services' agreements, over 1,000,000 measurements (written with COPY). One
`measures_evaluate` pass is timed (the first of a period: it also closes the month just finished,
so it writes 20,000 evaluations), then a second (steady state: the current periods only).
Baseline in the same run: a hand-written SQL GROUP BY computing the same aggregates (per window
counts, sums, conditions met, burn-window counts, percentile_cont, last values, and the daily
buckets), fetched but not judged nor written. Goal: the first pass under 10 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord .venv/bin/python bench/measures.py [--measures 10000]

Uses a throwaway database (test_<name>). Exit status 0 on PASS.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import count_queries, django_database, vendor

GOAL_SECONDS = 10.0
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday, mid-month
MEASURES_PER_SERVICE = 10
SPAN = timedelta(days=50)  # data points cover the current month, October and the end of September
ZONES = ("Europe/London", "America/New_York", None)  # None: no support calendar (the site's zone)
# Mixes as a catalogue might have them.
AGGREGATIONS = ["percent"] * 8 + ["mean"] * 4 + ["median"] * 2 + ["p90"] * 2 + ["sum", "count", "last", "mean"]
PERIODS = ["month"] * 16 + ["week"] * 3 + ["quarter"]


TARGETS = {"percent": 95, "sum": 100_000, "count": 1_000}  # others: at most 80 (hours)
TROUBLED = 0.15  # the share of measures whose data drifts off target


def build(services: int) -> list[tuple[int, str, str, bool]]:
    """Services with an agreement in force each and MEASURES_PER_SERVICE measures on it.
    Returns (service id, key, aggregation, troubled) per measure."""
    from django.contrib.auth import get_user_model

    from catalog.models import Agreement, AgreementStatus, Category, Measure, Service
    from sla.models import Calendar

    rng = random.Random(5)
    User = get_user_model()
    it, business = User.objects.bulk_create([User(username="it"), User(username="business")])
    category = Category.objects.create(name="Everything", slug="everything")
    calendars = {
        zone: Calendar.objects.create(name=zone, slug=zone.lower().replace("/", "-"), time_zone=zone)
        for zone in ZONES
        if zone
    }
    made = Service.objects.bulk_create(
        Service(
            name=f"Service {n:04d}",
            slug=f"service-{n:04d}",
            category=category,
            summary="Bench.",
            service_owner=it,
            business_owner=business,
            lifecycle="live",
            support_calendar=calendars.get(ZONES[n % len(ZONES)]),
        )
        for n in range(services)
    )
    signed = NOW - timedelta(days=300)
    agreements = Agreement.objects.bulk_create(
        Agreement(
            service=service,
            version=1,
            status=AgreementStatus.AGREED,
            effective_from=date(2026, 1, 1),
            it_signed_by=it,
            it_signed_at=signed,
            business_signed_by=business,
            business_signed_at=signed,
            agreed_at=signed,
        )
        for service in made
    )
    measures, described = [], []
    for agreement in agreements:
        for n in range(MEASURES_PER_SERVICE):
            aggregation = rng.choice(AGGREGATIONS)
            percent = aggregation == "percent"
            measures.append(
                Measure(
                    agreement=agreement,
                    key=f"measure-{n}",
                    name=f"Measure {n}",
                    factor="results",
                    unit="%" if percent else "hours",
                    direction="higher" if percent else "lower",
                    target=TARGETS.get(aggregation, 80),
                    period=rng.choice(PERIODS),
                    aggregation=aggregation,
                    condition="lte" if percent else "",
                    condition_value=90 if percent else None,
                    source="pushed",
                )
            )
            described.append((agreement.service_id, f"measure-{n}", aggregation, rng.random() < TROUBLED))
    Measure.objects.bulk_create(measures)
    return described


def copy_measurements(described: list[tuple[int, str, str, bool]], total: int) -> float:
    """`total` points spread over the measures and the last SPAN, written with COPY. Healthy
    percentage measures see 2% of points past the condition (at most 90), troubled ones 12%;
    healthy values of the others (hours, lower is better) lie in 0-60, troubled ones in 40-120."""
    from django.db import connection

    from sla.models import Measurement

    rng = random.Random(11)
    per_measure = total // len(described)
    buffer = io.StringIO()
    stamp = NOW.isoformat()
    span = SPAN.total_seconds()
    for index, (service_id, key, aggregation, troubled) in enumerate(described):
        for n in range(per_measure):
            at = NOW - timedelta(seconds=rng.random() * span)
            if aggregation == "percent":
                late = rng.random() < (0.12 if troubled else 0.02)
                value = 90 + rng.random() * 10 + 0.001 if late else rng.random() * 90
            else:
                value = 40 + rng.random() * 80 if troubled else rng.random() * 60
            buffer.write(f"{service_id}\t{key}\t{value:.3f}\t{at.isoformat()}\tb{index}-{n}\tapi\t\t{stamp}\n")
    buffer.seek(0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.copy(
            f"COPY {Measurement._meta.db_table} (service_id, measure_key, value, measured_at, sender_id, source, note,"
            " created_at) FROM STDIN"
        ) as copy:
            while data := buffer.read(1 << 20):
                copy.write(data)
        cursor.execute(f"ANALYZE {Measurement._meta.db_table}")
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def hand_written_sql(now: datetime) -> tuple[str, str, list]:
    """The same aggregates as sla.measure_data, as two plain statements over every group at once:
    the windows of each (period, zone) in a VALUES list joined to the measures."""
    from django.conf import settings

    from sla.measure_data import windows_for

    rows, params = [], []
    for period in ("week", "month", "quarter"):
        for zone in ("Europe/London", "America/New_York"):
            w = windows_for(period, zone, now)
            cuts = [w.recent_start(width) for width in w.widths]
            rows.append("(%s, %s" + ", %s::timestamptz" * 8 + ")")
            params += [period, zone, w.current[0], w.previous[0], w.history[1][0], w.history[2][0], *cuts]
    ok = (
        "CASE m.condition WHEN 'lt' THEN x.value < m.condition_value WHEN 'lte' THEN x.value <= m.condition_value"
        " WHEN 'gt' THEN x.value > m.condition_value WHEN 'gte' THEN x.value >= m.condition_value"
        " WHEN 'eq' THEN x.value = m.condition_value ELSE false END"
    )
    cur, prev = "x.measured_at >= m.cur_start", "x.measured_at >= m.prev_start AND x.measured_at < m.cur_start"
    measures = f"""
        WITH w (period, zone, cur_start, prev_start, h1_start, h2_start, r0, r1, r2, r3) AS (VALUES {", ".join(rows)}),
        m AS (
            SELECT ms.id, ms.aggregation, ms.condition, ms.condition_value, ms.key, a.service_id, w.*
            FROM catalog_measure ms
            JOIN catalog_agreement a ON a.id = ms.agreement_id AND a.status = 'agreed'
            JOIN catalog_service s ON s.id = a.service_id
            LEFT JOIN sla_calendar c ON c.id = s.support_calendar_id
            JOIN w ON w.period = ms.period AND w.zone = COALESCE(c.time_zone, '{settings.TIME_ZONE}')
            WHERE ms.source IN ('manual', 'pushed')
        )"""
    points = "JOIN sla_measurement x ON x.service_id = m.service_id AND x.measure_key = m.key"
    totals = f"""{measures}
        SELECT m.id,
            COUNT(*) FILTER (WHERE {cur}), COUNT(*) FILTER (WHERE {cur} AND {ok}), SUM(x.value) FILTER (WHERE {cur}),
            COUNT(*) FILTER (WHERE {prev}), COUNT(*) FILTER (WHERE {prev} AND {ok}), SUM(x.value) FILTER (WHERE {prev}),
            COUNT(*) FILTER (WHERE x.measured_at >= m.h1_start AND x.measured_at < m.prev_start),
            COUNT(*) FILTER (WHERE x.measured_at >= m.h2_start AND x.measured_at < m.h1_start),
            {
        ", ".join(
            f"COUNT(*) FILTER (WHERE {cur} AND x.measured_at > m.r{i}), "
            f"COUNT(*) FILTER (WHERE {cur} AND x.measured_at > m.r{i} AND {ok})"
            for i in range(4)
        )
    },
            MIN(x.measured_at) FILTER (WHERE {cur} AND NOT {ok}), MIN(x.measured_at) FILTER (WHERE {cur} AND {ok}),
            percentile_cont(0.5) WITHIN GROUP (ORDER BY x.value) FILTER (WHERE {cur} AND m.aggregation = 'median'),
            percentile_cont(0.9) WITHIN GROUP (ORDER BY x.value) FILTER (WHERE {cur} AND m.aggregation = 'p90'),
            (ARRAY_AGG(x.value ORDER BY x.measured_at DESC) FILTER (WHERE {cur} AND m.aggregation = 'last'))[1],
            percentile_cont(0.5) WITHIN GROUP (ORDER BY x.value) FILTER (WHERE {prev} AND m.aggregation = 'median'),
            percentile_cont(0.9) WITHIN GROUP (ORDER BY x.value) FILTER (WHERE {prev} AND m.aggregation = 'p90'),
            (ARRAY_AGG(x.value ORDER BY x.measured_at DESC) FILTER (WHERE {prev} AND m.aggregation = 'last'))[1]
        FROM m {points} AND x.measured_at >= m.h2_start AND x.measured_at <= %s
        GROUP BY m.id"""
    days = f"""{measures}
        SELECT m.id, (x.measured_at AT TIME ZONE m.zone)::date,
            COUNT(*), COUNT(*) FILTER (WHERE {ok}), SUM(x.value)
        FROM m {points} AND x.measured_at >= m.cur_start AND x.measured_at <= %s
        GROUP BY 1, 2"""
    return totals, days, params


def measure_sql(now: datetime) -> tuple[float, dict[int, int]]:
    from django.db import connection

    totals, days, params = hand_written_sql(now)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(totals, [*params, now])
        found = {row[0]: row[1] for row in cursor.fetchall()}
        cursor.execute(days, [*params, now])
        cursor.fetchall()
    return time.perf_counter() - started, found


def measure_pass(now: datetime) -> tuple[float, object, int]:
    from sla.services.evaluation import measures_evaluate

    result = {}

    def run():
        started = time.perf_counter()
        result["value"] = measures_evaluate(now=now)
        result["seconds"] = time.perf_counter() - started

    queries = count_queries(run)
    return result["seconds"], result["value"], queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--measurements", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with django_database():
        if vendor() != "postgresql":
            print("bench/measures.py measures PostgreSQL: set DATABASE_URL=postgres://…")
            return 1
        from unittest import mock

        from django.db import connection

        from sla.models import Alert, MeasureEvaluation

        # Notifications are not part of what is measured (they run on workers after commit).
        with mock.patch("sla.services.alerts._notify_after_commit", lambda ids: None):
            described = build(args.measures // MEASURES_PER_SERVICE)
            copy_seconds = copy_measurements(described, args.measurements)
            with connection.cursor() as cursor:  # the same warm cache for both
                cursor.execute("SELECT count(*), sum(value) FROM sla_measurement")
            sql_seconds, sql_volumes = measure_sql(NOW)
            first, result, queries = measure_pass(NOW)
            second, again, _ = measure_pass(NOW + timedelta(minutes=15))
            sql_again, _ = measure_sql(NOW + timedelta(minutes=15))
            current = {
                measure_id: volume
                for measure_id, volume in MeasureEvaluation.objects.filter(
                    period_start__lte=NOW, period_end__gt=NOW
                ).values_list("measure_id", "volume")
            }
            alerts = Alert.objects.count()
    same = all(current.get(measure_id, 0) == volume for measure_id, volume in sql_volumes.items())
    best_sql = min(sql_seconds, sql_again)
    ok = first < GOAL_SECONDS and same
    print(
        f"Measure evaluation benchmark on PostgreSQL ({len(described):,} measures, {args.measurements:,} measurements)"
    )
    print(f"  COPY of the measurements:                     {copy_seconds:6.2f} s")
    print(
        f"  measures_evaluate, first pass of the period:  {first:6.2f} s  ({result.evaluations:,} evaluations, "
        f"{result.finished:,} finished periods closed, {alerts:,} alerts, {queries} queries)"
    )
    print(f"  measures_evaluate, next pass:                 {second:6.2f} s  ({again.evaluations:,} evaluations)")
    print(
        f"  hand-written SQL GROUP BY, same aggregates:   {best_sql:6.2f} s  "
        f"(evaluation is {first / best_sql:.1f}x the bare aggregates: judging and writing the rest)"
    )
    print(f"  volumes agree with the SQL for every measure: {'yes' if same else 'NO'}")
    print(f"  goal: first pass < {GOAL_SECONDS:.0f} s: {'ok' if first < GOAL_SECONDS else 'MISSED'}")
    print("PASS" if ok else "FAIL")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "measures": len(described),
                    "measurements": args.measurements,
                    "first_pass_seconds": first,
                    "next_pass_seconds": second,
                    "sql_seconds": best_sql,
                    "queries": queries,
                },
                indent=2,
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
