"""Batches in and out of PostgreSQL at the database's own pace.

The ORM's bulk_create and `__in` lookups send one placeholder per value: a batch of 5,000 points
is a statement of 45,000 parameters that psycopg has to splice and PostgreSQL to parse, and that
costs ten times the write itself. On PostgreSQL these write a batch with COPY and look keys up
through arrays joined with `unnest` (one parameter per column, whatever the batch size); other
databases (SQLite in development and most tests) take the ORM's way. Both give the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import psycopg
from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import set_json_dumps


def _json_encoder():
    make = json.encoder.c_make_encoder
    if make is None:  # a Python without the C accelerator
        return None
    defaults = json.JSONEncoder()
    return make(
        None,  # markers: no check for cycles
        defaults.default,
        json.encoder.encode_basestring_ascii,
        None,  # indent
        defaults.key_separator,
        defaults.item_separator,
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan
    )


_ENCODE = _json_encoder()


def json_text(value) -> str:
    """`json.dumps(value)` (its defaults), for the JSON values of a COPY: json.dumps builds a new
    C encoder for every value, behind three Python frames, a third of the time packing a row of
    observations; this one is built once. It does not look for cycles (rows' values are trees)."""
    if _ENCODE is None:
        return json.dumps(value)
    return "".join(_ENCODE(value, 0))


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def rows_copy(*, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (tuples in the order of `columns`, database column names) into the model's
    table, in the current transaction. PostgreSQL only. A unique key refused is raised as
    django.db.IntegrityError, as an INSERT's would be."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def rows_copy_binary(*, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (tuples in the order of `columns`, attnames, each value already of its
    column's Python type: no JSON, nothing to convert) in the binary format. PostgreSQL only."""
    _copy_binary(model, [model._meta.get_field(name) for name in columns], rows)


def _copy_binary(model: type[models.Model], fields: Sequence[models.Field], rows: Iterable[Sequence]) -> None:
    """COPY in PostgreSQL's binary format: each value is packed by psycopg's C dumpers for its
    column's type (no text to format on this side, none to parse on the server's), about half
    the client's time of a text COPY. JSON columns take Python values (psycopg dumps them)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    types = [f.db_type(connection).split("(")[0].strip() for f in fields]  # "varchar(40)" → "varchar"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        set_json_dumps(json_text, cursor.cursor)  # this COPY's JSON values: the same text, sooner
        with cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)


def keys_table(columns: Sequence[tuple[str, str]]) -> str:
    """SQL naming a set of keys passed as one binary array parameter per column, for
    `binary_cursor()`: `unnest(%b::bigint[], %b::text[]) AS keys (service_id, sender_id)`.
    PostgreSQL only."""
    arrays = ", ".join(f"%b::{kind}[]" for _, kind in columns)
    names = ", ".join(connection.ops.quote_name(name) for name, _ in columns)
    return f"unnest({arrays}) AS keys ({names})"


@contextmanager
def binary_cursor() -> Iterator:
    """A cursor that sends its parameters to the server, binary `%b` placeholders included: a
    list of 10,000 values goes as one packed array. (Django's own cursors bind on the client,
    where an array is quoted value by value in Python.) Errors and query logging as Django's."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield wrapped
    finally:
        raw.close()


def _column_values(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence], *, json_text: bool = True
):
    """Rows as PostgreSQL takes them: JSON fields as JSON text (with `json_text`; else left as
    they are, for psycopg's own JSON dumper), float fields as floats, and the model's
    auto_now(_add) instants that `columns` leave out filled in (as the ORM would)."""
    fields = [model._meta.get_field(name) for name in columns]
    json_at = {n: f.encoder for n, f in enumerate(fields) if isinstance(f, models.JSONField) and json_text}
    float_at = [n for n, f in enumerate(fields) if isinstance(f, models.FloatField)]
    stamps = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add) and f.attname not in columns
    ]
    now = (timezone.now(),) * len(stamps)

    def ready(row: Sequence) -> tuple:
        if json_at or float_at:
            row = list(row)
            for n, encoder in json_at.items():
                row[n] = json.dumps(row[n], cls=encoder)
            for n in float_at:
                row[n] = None if row[n] is None else float(row[n])
        return (*row, *now)

    return [*fields, *stamps], (ready(row) for row in rows)


def _unnest(fields: Sequence[models.Field]) -> tuple[str, str]:
    """(`unnest(%b::type[], …) AS v (a, b, …)`, `a, b, …`) for these fields' columns."""
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
    return f"unnest({arrays}) AS v ({names})", names


def rows_upsert(
    *,
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence],
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple]:
    """INSERT rows (tuples in the order of `columns`) in one statement, one binary array per
    column; with `conflict` (the columns of a unique key), rows already there get the `update`
    columns (or are left alone when `update` is empty). Returns the `returning` columns of the
    rows written. PostgreSQL only."""
    if not rows:
        return []
    fields, ready = _column_values(model, columns, rows)
    source, names = _unnest(fields)
    quote = connection.ops.quote_name
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT * FROM {source}"  # noqa: S608 - names from _meta
    if conflict:
        keys = ", ".join(quote(model._meta.get_field(name).column) for name in conflict)
        if update:
            sets = ", ".join(
                f"{quote(c)} = EXCLUDED.{quote(c)}" for c in (model._meta.get_field(n).column for n in update)
            )
            sql += f" ON CONFLICT ({keys}) DO UPDATE SET {sets}"
        else:
            sql += f" ON CONFLICT ({keys}) DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(quote(model._meta.get_field(name).column) for name in returning)
    with binary_cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*ready, strict=True)])
        return cursor.fetchall() if returning else []


def rows_update(*, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """UPDATE rows by primary key (the first of `columns`) in one statement, one binary array per
    column. PostgreSQL only."""
    if not rows:
        return
    fields, ready = _column_values(model, columns, rows)
    source, _ = _unnest(fields)
    quote = connection.ops.quote_name
    key = quote(fields[0].column)
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
    with binary_cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} AS t SET {sets} FROM {source} WHERE t.{key} = v.{key}",  # noqa: S608
            [list(column) for column in zip(*ready, strict=True)],
        )


def rows_insert(*, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """New rows (tuples in the order of `columns`, attnames such as "ticket_id") in one
    statement: COPY on PostgreSQL, bulk_create elsewhere. JSON fields take Python values;
    auto_now(_add) instants are filled in as the ORM would."""
    if not rows:
        return
    if on_postgres():
        encoded = any(isinstance(f, models.JSONField) and f.encoder for f in map(model._meta.get_field, columns))
        fields, ready = _column_values(model, columns, rows, json_text=encoded)
        if encoded:  # psycopg's JSON dumper knows no field encoders
            rows_copy(model=model, columns=[f.column for f in fields], rows=ready)
        else:
            _copy_binary(model, fields, ready)
        return
    model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500)


def ids_reserve(*, model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from the table's own sequence, for rows written later with COPY
    (which returns nothing): the rows that refer to them can be built first. PostgreSQL only."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]
