"""Benchmark of the bulk measurement endpoint on PostgreSQL:

POST /api/v1/measurements/ with 5,000 data points (5 measures x 1,000 points) in one request,
through the whole API stack, timed next to a raw psycopg COPY of the same rows into a bare
table in the same run (the floor). Goal: the request takes at most 18x the floor: issue 12's
"under 0.15 s", which was 18-20x the floor on the machine of its day (it was 60-110x before the
bulk path); the seconds are printed beside it. Beside them, timed in turn with each request:
the same points written by the endpoint's own COPY into the real table, nothing parsed or
checked (the database's part, indexes and commit included). A replay of the same batch (all
duplicates, nothing written) is timed too.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord .venv/bin/python bench/measurements.py [--runs 5]

Uses a throwaway database (test_<name>). Exit status 0 on PASS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import django_database, vendor

GOAL_SECONDS = 0.15  # issue 12, on the machine of its day
# The same goal against the floor of the same run, as bench/ states its goals: the issue measured
# 0.5-0.8 s at 60-110x the COPY floor, a floor of 7.3-8.3 ms, so its 0.15 s was 18-20x the floor.
# The stricter end is the goal. (The floor itself has measured 5.7 to 30 ms on this 2-core machine
# from one day or hour to the next; a figure in seconds measures the machine as much as the code.)
GOAL_RATIO = 18.0
MEASURES = 5
POINTS_PER_MEASURE = 1_000
NOW = datetime.now(UTC).replace(microsecond=0)  # points are measured in the week before now


def setup_measures():
    """A service with an agreed agreement defining five pushed measures, and an integration."""
    from django.contrib.auth.models import Group

    from catalog import services as catalog
    from catalog.models import Measure
    from tests import factories as f

    unit = f.BusinessUnitFactory(slug="finance")
    owner = f.service_owner()
    rep = f.representative(unit)
    service = f.ServiceFactory(slug="payroll", service_owner=owner, business_units=[unit])
    agreement = catalog.agreement_draft_create(
        service=service,
        business_unit=unit,
        actor=owner,
        scope="All.",
        effective_from=NOW.date(),
        review_by=NOW.date().replace(year=2027),
    )
    for n in range(MEASURES):
        Measure.objects.create(
            agreement=agreement,
            key=f"measure-{n}",
            name=f"Measure {n}",
            factor="results",
            target=95,
            valid_min=0,
            valid_max=100,
            source="pushed",
            position=n,
        )
    catalog.agreement_propose(agreement=agreement, actor=owner)
    catalog.agreement_sign(agreement=agreement, actor=owner)
    catalog.agreement_sign(agreement=agreement, actor=rep)
    bot = f.UserFactory(username="bench-bot")
    bot.groups.add(Group.objects.get(name="Integrations"))
    return bot


def batch(run: int) -> list[dict]:
    """5 measures x 1,000 points, one every 10 minutes before NOW; sender ids fresh per run."""
    rows = []
    for n in range(MEASURES):
        for point in range(POINTS_PER_MEASURE):
            rows.append(
                {
                    "service": "payroll",
                    "measure": f"measure-{n}",
                    "value": round((point * 7.3 + n) % 100, 2),
                    "measured_at": (NOW - timedelta(minutes=10 * (point + 1))).isoformat(),
                    "sender_id": f"run{run}-m{n}-p{point}",
                }
            )
    return rows


def post(client, rows: list[dict], expected: int) -> float:
    """The request's time on the server: the body is encoded beforehand, as a sender would have it."""
    body = json.dumps(rows)
    started = time.perf_counter()
    response = client.post("/api/v1/measurements/", body, content_type="application/json")
    elapsed = time.perf_counter() - started
    assert response.status_code == expected, response.content[:300]
    return elapsed


def measure_copy(rows: list[dict]) -> float:
    """The same rows copied raw into a bare table: the floor of what the database can take."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_copy (service text, measure text, value double precision,"
            " measured_at timestamptz, sender_id text)"
        )
        started = time.perf_counter()
        with cursor.copy("COPY bench_copy FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row["service"], row["measure"], row["value"], row["measured_at"], row["sender_id"]))
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


def measure_rows_alone(rows: list[dict], service_id: int, recorded_by: int) -> float:
    """The same points written by the endpoint's own COPY into the real table, in a transaction
    of their own (indexes, integrity checks and commit included), nothing parsed or checked:
    the database's part of the request."""
    from django.db import transaction

    from sla.services import measurement_rows

    ready = [
        (service_id, row["measure"], row["value"], datetime.fromisoformat(row["measured_at"]), row["sender_id"], "")
        for row in rows
    ]
    started = time.perf_counter()
    with transaction.atomic():
        measurement_rows.rows_insert(ready, source="api", recorded_by=recorded_by)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed requests, each of fresh points")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with django_database():
        if vendor() != "postgresql":
            print("bench/measurements.py measures PostgreSQL: set DATABASE_URL=postgres://…")
            return 1
        from rest_framework.test import APIClient

        from catalog.models import Service
        from sla.models import Measurement

        client = APIClient()
        bot = setup_measures()
        client.force_authenticate(bot)
        service_id = Service.objects.get(slug="payroll").pk
        post(client, batch(0), 201)  # warm-up: imports, connection, caches
        copies, posts, alone = [], [], []
        for run in range(1, args.runs + 1):  # in turn, so that the load of the moment falls on all three
            copies.append(measure_copy(batch(run)))
            posts.append(post(client, batch(run), 201))
            alone.append(measure_rows_alone(batch(-run), service_id, bot.pk))
        replay = post(client, batch(1), 200)
        stored = Measurement.objects.count()
    size = MEASURES * POINTS_PER_MEASURE
    assert stored == size * (2 * args.runs + 1), stored
    median_post, median_copy, median_alone = (
        statistics.median(posts),
        statistics.median(copies),
        statistics.median(alone),
    )
    ratio = median_post / median_copy
    ok = ratio <= GOAL_RATIO
    print(f"Bulk measurements benchmark on PostgreSQL ({size:,} points a request, {args.runs} runs)")
    print(f"  POST /api/v1/measurements/ (new points): {median_post:6.3f} s median, {max(posts):.3f} s worst")
    print(
        f"  raw psycopg COPY of the same rows:       {median_copy:6.3f} s median  "
        f"(the endpoint is {median_post / median_copy:.1f}x the floor)"
    )
    print(
        f"  its rows alone, COPYed into the table:   {median_alone:6.3f} s median  "
        f"(the database's part: the endpoint is {median_post / median_alone:.1f}x it)"
    )
    print(
        f"  replay of a stored batch (duplicates):    {replay:6.3f} s         ({replay / median_copy:.1f}x the floor)"
    )
    print(f"  goal: <= {GOAL_RATIO:.0f}x the floor for {size:,} points: {ratio:.1f}x, {'ok' if ok else 'MISSED'}")
    print(
        f"  (in seconds on this machine now: {median_post:.3f} s, "
        f"{'under' if median_post < GOAL_SECONDS else 'over'} the issue's {GOAL_SECONDS:.2f} s)"
    )
    print("PASS" if ok else "FAIL")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "points": size,
                    "post_seconds": posts,
                    "copy_seconds": copies,
                    "rows_alone_seconds": alone,
                    "replay_seconds": replay,
                    "ratio_to_copy": ratio,
                    "goal_ratio": GOAL_RATIO,
                    "ok": ok,
                    "under_goal_seconds": median_post < GOAL_SECONDS,
                },
                indent=2,
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
