"""Measurement rows in and out in bulk, for sla.services.measurements: new points written in one
statement, and the points and corrections a batch's sender ids name read in one query. On
PostgreSQL through COPY and arrays (sla.bulk_sql), elsewhere through the ORM."""

from __future__ import annotations

from django.db.models import IntegerField, Q, Value
from django.utils import timezone

from sla import bulk_sql
from sla.models import Measurement, MeasurementCorrection

COLUMNS = ("service_id", "measure_key", "value", "measured_at", "sender_id", "note")


def rows_insert(rows: list[tuple], *, source: str, recorded_by: int | None) -> None:
    """New points, (service id, key, value, instant, sender id, note) each, in one statement."""
    if not rows:
        return
    created_at = timezone.now()
    if bulk_sql.on_postgres():
        extra = (source, recorded_by, created_at)
        columns = (*COLUMNS, "source", "recorded_by_id", "created_at")
        bulk_sql.rows_copy_binary(model=Measurement, columns=columns, rows=[row + extra for row in rows])
        return
    Measurement.objects.bulk_create(
        Measurement(**dict(zip(COLUMNS, row, strict=True)), source=source, recorded_by_id=recorded_by) for row in rows
    )


def corrected_points(*, service_ids: set[int], keys: set[str]) -> list[tuple[int, str, str]]:
    """(service id, measure key, sender id) of every point of these measures corrected or
    removed: few, whatever the batch (a correction is a person's act)."""
    if bulk_sql.on_postgres():
        with bulk_sql.binary_cursor() as cursor:
            cursor.execute(
                f"SELECT service_id, measure_key, sender_id FROM {MeasurementCorrection._meta.db_table}"  # noqa: S608 - table name from _meta, values bound
                " WHERE service_id = ANY(%s) AND measure_key = ANY(%s)",
                [list(service_ids), list(keys)],
            )
            return cursor.fetchall()
    return list(
        MeasurementCorrection.objects.filter(service_id__in=service_ids, measure_key__in=keys)
        .order_by()
        .values_list("service_id", "measure_key", "sender_id")
    )


def rows_stored(wanted: set[tuple[int, str, str]]):
    """The points named (row kind 0) and every correction or removal of the batch's measures (1).
    Corrections are rare: those of the batch's measures are few, and naming them without the
    batch's thousands of sender ids keeps the query cheap to send and plan (filtered by the caller)."""
    service_ids, keys = {k[0] for k in wanted}, {k[1] for k in wanted}
    if bulk_sql.on_postgres():
        return _rows_stored_postgres(wanted, service_ids, keys)
    near = Q(service_id__in=service_ids, measure_key__in=keys, sender_id__in={k[2] for k in wanted})
    points = Measurement.objects.filter(near).order_by().annotate(row_kind=Value(0, output_field=IntegerField()))
    history = (
        MeasurementCorrection.objects.filter(service_id__in=service_ids, measure_key__in=keys)
        .order_by()
        .annotate(row_kind=Value(1, output_field=IntegerField()))
    )
    return points.values_list("service_id", "measure_key", "sender_id", "value", "measured_at", "row_kind").union(
        history.values_list("service_id", "measure_key", "sender_id", "old_value", "measured_at", "row_kind"),
        all=True,
    )


def _rows_stored_postgres(wanted, service_ids, keys) -> list[tuple]:
    """The same rows, the points found through the unique key by one array per column."""
    keys_sql = bulk_sql.keys_table([("service_id", "bigint"), ("measure_key", "text"), ("sender_id", "text")])
    points, history = Measurement._meta.db_table, MeasurementCorrection._meta.db_table
    wanted = list(wanted)
    with bulk_sql.binary_cursor() as cursor:
        cursor.execute(
            f"SELECT p.service_id, p.measure_key, p.sender_id, p.value, p.measured_at, 0"  # noqa: S608 - table names from _meta, values bound
            f" FROM {points} p JOIN {keys_sql} USING (service_id, measure_key, sender_id)"
            f" UNION ALL SELECT service_id, measure_key, sender_id, old_value, measured_at, 1 FROM {history}"
            " WHERE service_id = ANY(%s) AND measure_key = ANY(%s)",
            [[k[0] for k in wanted], [k[1] for k in wanted], [k[2] for k in wanted], list(service_ids), list(keys)],
        )
        return cursor.fetchall()
