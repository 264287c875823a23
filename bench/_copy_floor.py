"""The floors of bench/sla.py's ingestion. The COPY floor, timed in turn with the endpoint: each
list of 1,000 events POSTed and, next to it, the same rows COPYed raw into a bare temporary table
(text and binary, the faster counting), and all the rows in one binary COPY at the start, the
middle and the end. And the rows alone: what the endpoint's derivation writes for the same
events, COPYed raw into the real tables. See bench/README.md, "sla.py: ingestion"."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Interleaved:
    """Seconds per list of 1,000: the endpoint's and its floor's, each floor list timed next to
    the endpoint's list of the same rows (the order alternating pair by pair)."""

    endpoint: list[float]
    floor: list[float]  # per pair, the faster of the text and the binary COPY
    text: list[float]
    binary: list[float]
    whole: list[float]  # seconds per 1,000 rows of one binary COPY of all the rows (3: start, middle, end)
    queued: list = field(default_factory=list)  # the tickets to derive (the task messages queued)

    def floor_seconds(self, pick) -> float:
        """Seconds per 1,000 rows of the floor: the lists' COPYs summarised by `pick` (median or
        min), or one COPY of all the rows if that was faster per row (a COPY of 1,000 rows pays
        the statement's round trips that a longer one spreads out)."""
        return min(pick(self.floor), pick(self.whole))

    def share(self, pick) -> float:
        """The endpoint's rate over the floor's, both summarised by `pick` (median or min)."""
        return self.floor_seconds(pick) / pick(self.endpoint)


def measure_interleaved(rows: list[dict], *, post: Callable[[str], object]) -> Interleaved:
    """The endpoint and the COPY floor timed in the same loop, list by list: the load other
    work puts on the machine comes and goes in seconds, and a floor timed a minute before the
    endpoint (as this bench used to) swung the ratio by a fifth between runs. Each list of 1,000
    events is POSTed (202); next to it the same 1,000 rows are COPYed raw into a bare temporary
    table twice, in text and in binary format, and the faster counts as that pair's floor (the
    floor is never slower than either honest way of copying). Pairs alternate which side goes
    first. All the rows are also COPYed in one binary statement at the start, the middle and the
    end; if that is faster per row, it is the floor. `post` sends one body to the endpoint and
    returns its response."""
    from django.db import connection

    batches = [rows[offset : offset + 1000] for offset in range(0, len(rows), 1000)]
    bodies = [json.dumps(batch) for batch in batches]
    timings = Interleaved([], [], [], [], [])
    with connection.cursor() as cursor:
        for table in ("bench_copy_text", "bench_copy_binary", "bench_copy_whole"):
            cursor.execute(
                f"CREATE TEMP TABLE {table} (source text, external_id text, kind text, occurred_at timestamptz,"
                " idempotency_key text, payload jsonb)"
            )
        for n, (batch, body) in enumerate(zip(batches, bodies, strict=True)):
            if n in (0, len(batches) // 2):
                timings.whole.append(copy_binary(cursor, rows, table="bench_copy_whole") * 1000 / len(rows))
            order = (0, 1) if n % 2 == 0 else (1, 0)
            for side in order:
                if side == 0:
                    started = time.perf_counter()
                    response = post(body)
                    timings.endpoint.append(time.perf_counter() - started)
                    assert response.status_code == 202, response.content[:300]
                else:
                    text, binary = copy_text(cursor, batch), copy_binary(cursor, batch)
                    timings.text.append(text)
                    timings.binary.append(binary)
                    timings.floor.append(min(text, binary))
        timings.whole.append(copy_binary(cursor, rows, table="bench_copy_whole") * 1000 / len(rows))
        cursor.execute("DROP TABLE bench_copy_text, bench_copy_binary, bench_copy_whole")
    return timings


def copy_text(cursor, rows: list[dict]) -> float:
    """Seconds to COPY these rows in text format into bench_copy_text (as this bench always did)."""
    from sla.bulk_sql import json_text

    cursor.execute("SELECT 1")  # the connection is warm before the clock starts
    started = time.perf_counter()
    with cursor.copy("COPY bench_copy_text FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                (
                    row["source"],
                    row["external_id"],
                    row["kind"],
                    row["occurred_at"],
                    row["idempotency_key"],
                    json_text(row),
                )
            )
    return time.perf_counter() - started


def copy_binary(cursor, rows: list[dict], *, table: str = "bench_copy_binary") -> float:
    """Seconds to COPY these rows in binary format into `table`, as the endpoint writes
    its observations (sla.bulk_sql: psycopg's C dumpers, JSON through the endpoint's encoder);
    the instant parsed in the client."""
    from psycopg.types.json import set_json_dumps

    from sla.bulk_sql import json_text

    set_json_dumps(json_text, cursor.cursor)
    cursor.execute("SELECT 1")
    started = time.perf_counter()
    with cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["text", "text", "text", "timestamptz", "text", "jsonb"])
        parse = datetime.fromisoformat
        for row in rows:
            copy.write_row(
                (
                    row["source"],
                    row["external_id"],
                    row["kind"],
                    parse(row["occurred_at"]),
                    row["idempotency_key"],
                    row,
                )
            )
    return time.perf_counter() - started


def measure_rows_floor(rows: list[dict], service, office, *, now: datetime) -> float:
    """The rows the endpoint writes for these events (per ticket: the ticket, its observations,
    its events, its five clocks; about 3,200 rows per 1,000 events), written raw with the
    endpoint's own COPY into the real tables, one transaction per 1,000 events (indexes,
    foreign keys and commit included) but nothing parsed or derived: the database's part of an
    ingestion, in events per second."""
    from django.db import transaction

    from sla import bulk_sql
    from sla.models import Clock, Ticket, TicketEvent, TicketObservation

    spans = [("engage", 1), ("update", 1), ("update", 2), ("update", 3), ("resolve", 1)]
    shares = [[0.5, now.isoformat()], [0.75, now.isoformat()]]
    started = time.perf_counter()
    for offset in range(0, len(rows), 1000):
        batch = [(row, datetime.fromisoformat(row["occurred_at"])) for row in rows[offset : offset + 1000]]
        with transaction.atomic():
            names = sorted({row["external_id"] for row, _ in batch})
            ids = dict(zip(names, bulk_sql.ids_reserve(model=Ticket, count=len(names)), strict=True))
            bulk_sql.rows_insert(
                model=TicketObservation,
                columns=("source", "external_id", "ticket_id", "key", "origin", "observed_at", "rank", "content"),
                rows=[
                    ("floor", row["external_id"], ids[row["external_id"]], row["idempotency_key"], "event", at, 0, row)
                    for row, at in batch
                ],
            )
            bulk_sql.rows_insert(
                model=TicketEvent,
                columns=("ticket_id", "idempotency_key", "kind", "occurred_at", "assignee", "note", "data", "sequence"),
                rows=[
                    (ids[row["external_id"]], row["idempotency_key"], row["kind"], at, "", "", {"values": {}}, n % 5)
                    for n, (row, at) in enumerate(batch)
                ],
            )
            bulk_sql.rows_insert(
                model=Ticket,
                columns=(
                    *("id", "source", "external_id", "service_id", "state", "priority", "opened_at", "title"),
                    *("requester", "requester_email", "assignee", "assignee_email", "updated_at"),
                ),
                rows=[
                    (pk, "floor", name, service.pk, "resolved", 2, now, "Bench", "", "", "", "", now)
                    for name, pk in ids.items()
                ],
            )
            bulk_sql.rows_insert(
                model=Clock,
                columns=(
                    *("ticket_id", "kind", "cycle", "priority", "calendar_id", "target_seconds", "started_at"),
                    *("stopped_at", "due_at", "elapsed_seconds", "state", "warning_shares", "counting"),
                    *("last_warned_share", "computed_at"),
                ),
                rows=[
                    (pk, kind, cycle, 2, office.pk, 3600, now, now, now, 60.0, "met", shares, False, 0.0, now)
                    for pk in ids.values()
                    for kind, cycle in spans
                ],
            )
    return len(rows) / (time.perf_counter() - started)
