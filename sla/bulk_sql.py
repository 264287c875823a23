"""Batches in and out of PostgreSQL at the database's own pace.

The ORM's bulk_create and `__in` lookups send one placeholder per value: a batch of 5,000 points
is a statement of 45,000 parameters that psycopg has to splice and PostgreSQL to parse, and that
costs ten times the write itself. On PostgreSQL these write a batch with COPY and look keys up
through arrays joined with `unnest` (one parameter per column, whatever the batch size); other
databases (SQLite in development and most tests) take the ORM's way. Both give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


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


def keys_table(columns: Sequence[tuple[str, str]]) -> str:
    """SQL naming a set of keys passed as one array parameter per column:
    `unnest(%s::bigint[], %s::text[]) AS keys (service_id, sender_id)`. PostgreSQL only."""
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in columns)
    names = ", ".join(connection.ops.quote_name(name) for name, _ in columns)
    return f"unnest({arrays}) AS keys ({names})"
