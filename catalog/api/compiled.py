"""A list's `.values()` query built and compiled once per shape, then run with each request's
values bound in.

Building a queryset through the ORM and compiling it to SQL cost a few milliseconds of CPU a
request, several times what the database took for a page of rows (bench/list_api.py). A list
whose query differs from one request to the next only by the values it filters on (a slug, a
state, the user's id) has a handful of shapes. `CompiledValues(build)` calls `build(**values)`
once per shape with stand-ins for the values, compiles it, and remembers the SQL, where each
stand-in went among its parameters, and the columns' converters; a request then binds its own
values and runs that SQL. Rows are what `.values()` gives: the same names, the same types.

`build` must depend on nothing but its arguments (no `now`, no settings read at call time):
whatever else it puts in the query is compiled into every later request. A value is an int, a
str, a list or tuple of them (its length is part of the shape), None (absent; also part of the
shape), or a bool (part of the shape, passed as is). A value the shape does not use is not
bound. A string the ORM rewrote (`icontains` wraps it in `%...%`) is an error, raised by the first
request of that shape.

On PostgreSQL the statement is also planned once per connection: it runs prepared, through a
cursor that binds its values on the server. Django's own cursor binds on the client and never
prepares, so PostgreSQL planned the same statement on every request: 1.8 ms for the alignment
ranking's five correlated subqueries against 0.4 ms to run them. A handful of shapes means a
handful of prepared statements a connection. `DATABASE_PREPARED_STATEMENTS=false` turns this
off (the database's `prepare_threshold` None, Django's default), for a connection pooler in
transaction mode that cannot keep prepared statements (docs/deploy.md).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

_INT_SLOT = -2_000_000_000  # stand-ins: in range of any integer column, below any id
_STR_SLOT = "zz-compiled-slot-{}-zz"


@dataclass(frozen=True)
class _Slot:
    name: str
    index: int | None  # the element of a list value; None: the value itself


@dataclass(frozen=True)
class _Compiled:
    sql: str | None  # None: the query can match nothing (EmptyResultSet), no SQL is run
    params: tuple  # constants, or _Slot to fill with the request's value
    names: tuple[str, ...]
    converters: tuple  # (column index, [converter, ...], expression)
    alias: str  # the database


class CompiledValues:
    """`rows(**values)`: the rows of `build(**values)` (a `.values()` queryset), compiled once per
    shape of `values`; `page(**values)`: the same as a sliceable, countable object for a paginator."""

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._compiled: dict[Hashable, _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, **values) -> list[dict]:
        return self._run(values, limit=None, offset=0)

    def page(self, **values) -> CompiledRows:
        return CompiledRows(self, values)

    def count(self, **values) -> int:
        compiled, alias = self._get(values)
        if compiled.sql is None:
            return 0
        sql = f"SELECT COUNT(*) FROM ({compiled.sql}) compiled_count"  # noqa: S608 (compiled SQL, bound values)
        with _planned_cursor(connections[alias]) as cursor:
            cursor.execute(sql, _bound(compiled.params, values))
            return cursor.fetchone()[0]

    def _run(self, values: dict, *, limit: int | None, offset: int) -> list[dict]:
        compiled, alias = self._get(values)
        if compiled.sql is None or limit == 0:
            return []
        connection = connections[alias]
        sql, params = compiled.sql, _bound(compiled.params, values)
        if limit is not None or offset:
            # What the ORM appends for a slice: LIMIT and OFFSET last (both backends take them so).
            sql += f" {connection.ops.limit_offset_sql(offset, None if limit is None else offset + limit)}"
        with _planned_cursor(connection) as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        names, converters = compiled.names, compiled.converters
        rows = []
        for row in found:
            if converters:
                row = list(row)
                for index, functions, expression in converters:
                    value = row[index]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[index] = value
            rows.append(dict(zip(names, row, strict=True)))
        return rows

    def _get(self, values: dict) -> tuple[_Compiled, str]:
        key = tuple(sorted((name, _shape(value)) for name, value in values.items()))
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(values)
                self._compiled[key] = compiled
        return compiled, compiled.alias

    def _compile(self, values: dict) -> _Compiled:
        stand_ins, slots = {}, {}
        counter = iter(range(1_000_000))
        for name, value in values.items():
            if isinstance(value, list | tuple):
                stand_ins[name] = [_stand_in(item, next(counter), slots, name, i) for i, item in enumerate(value)]
            elif value is None or isinstance(value, bool):
                stand_ins[name] = value
            else:
                stand_ins[name] = _stand_in(value, next(counter), slots, name, None)
        queryset = self._build(**stand_ins)
        names = (*queryset.query.extra_select, *queryset.query.values_select, *queryset.query.annotation_select)
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return _Compiled(sql=None, params=(), names=names, converters=(), alias=queryset.db)
        placed = tuple(slots.get(_key_of(param), param) if _key_of(param) is not None else param for param in params)
        stand_ins = [stand_in for kind, stand_in in slots if kind is str]
        rewritten = [p for p in params if isinstance(p, str) and p not in stand_ins and any(s in p for s in stand_ins)]
        if rewritten:
            raise ValueError(f"values the ORM rewrote, which cannot be bound later: {rewritten}")
        fields = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        converters = tuple(
            (index, functions, expression) for index, (functions, expression) in compiler.get_converters(fields).items()
        )
        return _Compiled(sql=sql, params=placed, names=tuple(names), converters=converters, alias=queryset.db)


def _shape(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return ("list", len(value), tuple(type(item).__name__ for item in value))
    if value is None or isinstance(value, bool):
        return value
    return type(value).__name__


def _stand_in(value: Any, number: int, slots: dict, name: str, index: int | None):
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"{name}: only ints and strings are bound later, not {type(value).__name__}")
    stand_in = _INT_SLOT - number if isinstance(value, int) else _STR_SLOT.format(number)
    slots[(type(stand_in), stand_in)] = _Slot(name, index)
    return stand_in


def _key_of(param: Any):
    if isinstance(param, bool) or not isinstance(param, int | str):
        return None
    return (type(param), param)


def _bound(params: tuple, values: dict) -> list:
    bound = []
    for param in params:
        if isinstance(param, _Slot):
            value = values[param.name]
            bound.append(value if param.index is None else value[param.index])
        else:
            bound.append(param)
    return bound


class CompiledRows:
    """A compiled query's rows for a paginator: sliced (LIMIT and OFFSET in SQL) and counted."""

    def __init__(self, compiled: CompiledValues, values: dict):
        self._compiled, self._values = compiled, values

    def count(self) -> int:
        return self._compiled.count(**self._values)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> CompiledSlice:
        if not isinstance(key, slice) or key.step is not None or (key.start or 0) < 0:
            raise TypeError("only plain slices of compiled rows")
        start = key.start or 0
        limit = None if key.stop is None else max(key.stop - start, 0)
        return CompiledSlice(lambda: self._compiled._run(self._values, limit=limit, offset=start))


class CompiledSlice:
    """Rows read when first iterated, as a sliced queryset: Django's paginator slices its page
    before the API's first page replaces it with the rows it read already."""

    def __init__(self, run: Callable[[], list[dict]]):
        self._run, self._rows = run, None

    def _fetched(self) -> list[dict]:
        if self._rows is None:
            self._rows = self._run()
        return self._rows

    def __iter__(self):
        return iter(self._fetched())

    def __len__(self) -> int:
        return len(self._fetched())

    def __getitem__(self, index):
        return self._fetched()[index]


def _planned_cursor(connection):
    """A cursor of `connection` (Django's wrapper: queries logged and counted, execute wrappers
    applied) that binds on the server on PostgreSQL, so psycopg prepares its statements (see the
    module's docstring); Django's own cursor elsewhere, or when preparing is off."""
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        return connection.cursor()
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        # What DatabaseWrapper.create_cursor does for its own cursors, the time zone included.
        cursor = _preparing_cursor_class()(connection.connection)
        if connection.timezone != connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
            register_tzloader(connection.timezone, cursor)
        return connection._prepare_cursor(cursor)  # Django's wrapping, as cursor() does


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Binds on the server and has psycopg prepare each statement (once a connection; it keeps
        them by text). A prepared run leaves psycopg's `_query` unset, where Django's query log
        reads the SQL: it is set again, so logged and captured queries keep their text."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            result = super().execute(query, params, prepare=True, binary=binary)
            if self._query is None:
                self._query = self._convert_query(query, params)
            return result

    return PreparingCursor
