"""Columns of the catalogue's list rows written as SQL once per process, from the models' _meta
(names quoted by the database's own rules; no value is ever put in the text).

Building and compiling a correlated `Subquery` through the ORM cost each services or agreements
page about as much CPU as running the whole query (bench/list_api.py): a service's business
units as two ordered arrays, an agreement's superseded version with the model's ordering joined
in for a `[:1]`. The same columns as `RawSQL` are a string the compiler copies. Each reads the
row it belongs to by the main table's name, which a list's outer query never aliases."""

from __future__ import annotations

import functools
import json

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models.expressions import RawSQL

from catalog.models import Agreement, BusinessUnit, Service


def service_units() -> RawSQL:
    """PostgreSQL: a service's business units as the text of a JSON array of {"slug", "name"},
    in the order of BusinessUnit.Meta.ordering (then id) as the serializer's prefetch has them;
    "[]" for none. Text: `jsonb` would reorder the keys, and `json` cannot be compared, which a
    DISTINCT (the lifecycle and criticality filters) needs."""
    return RawSQL(_service_units_sql(connection.vendor), (), output_field=models.TextField())  # noqa: S611 (_meta names, no values)


@functools.cache
def _service_units_sql(vendor: str) -> str:
    assert vendor == "postgresql", "SQLite reads the units in a query of their own"  # noqa: S101
    q = connection.ops.quote_name
    through = Service.business_units.through._meta
    service_id, unit_id = (q(through.get_field(name).column) for name in ("service", "businessunit"))
    slug, name, pk = q("slug"), q("name"), q(BusinessUnit._meta.pk.column)
    pair = f"json_build_object('slug', b.{slug}, 'name', b.{name})"
    return (
        f"SELECT COALESCE(json_agg({pair} ORDER BY b.{name}, b.{pk}), '[]'::json)::text "  # noqa: S608
        f"FROM {q(through.db_table)} m JOIN {q(BusinessUnit._meta.db_table)} b ON b.{pk} = m.{unit_id} "
        f"WHERE m.{service_id} = {q(Service._meta.db_table)}.{q(Service._meta.pk.column)}"
    )


def service_units_of(ids: list[int]) -> list[tuple]:
    """SQLite: (service id, slug, name) of the business units of services `ids`, by the units'
    name then id (the serializer's order). One statement written once, the ids bound as
    one JSON array whatever the page's length: built through the ORM, it cost a page of services
    more CPU than running it."""
    with connection.cursor() as cursor:
        cursor.execute(_service_units_of_sql(connection.vendor), [json.dumps(ids)])
        return cursor.fetchall()


@functools.cache
def _service_units_of_sql(vendor: str) -> str:
    assert vendor == "sqlite", "PostgreSQL reads the units with the rows (service_units)"  # noqa: S101
    q = connection.ops.quote_name
    through = Service.business_units.through._meta
    service_id, unit_id = (q(through.get_field(name).column) for name in ("service", "businessunit"))
    slug, name, pk = q("slug"), q("name"), q(BusinessUnit._meta.pk.column)
    return (
        f"SELECT m.{service_id}, b.{slug}, b.{name} "  # noqa: S608
        f"FROM {q(through.db_table)} m JOIN {q(BusinessUnit._meta.db_table)} b ON b.{pk} = m.{unit_id} "
        f"WHERE m.{service_id} IN (SELECT value FROM json_each(%s)) ORDER BY b.{name}, b.{pk}"
    )


def agreement_supersedes() -> RawSQL:
    """The id of the version an agreement superseded (`superseded_by` is one-to-one), or NULL."""
    return RawSQL(_agreement_supersedes_sql(connection.vendor), (), output_field=models.BigIntegerField())  # noqa: S611 (_meta names, no values)


@functools.cache
def _agreement_supersedes_sql(vendor: str) -> str:
    q = connection.ops.quote_name
    table, pk = q(Agreement._meta.db_table), q(Agreement._meta.pk.column)
    superseded_by = q(Agreement._meta.get_field("superseded_by").column)
    return f"SELECT s.{pk} FROM {table} s WHERE s.{superseded_by} = {table}.{pk}"  # noqa: S608


def agreement_person(relation: str) -> RawSQL:
    """The user an agreement's `relation` points to as a JSON array [username, first name, last
    name], or NULL for none: the four people of a page in its rows' query, not one of their own."""
    return RawSQL(_agreement_person_sql(connection.vendor, relation), (), output_field=models.JSONField())  # noqa: S611 (_meta names, no values)


@functools.cache
def _agreement_person_sql(vendor: str, relation: str) -> str:
    q = connection.ops.quote_name
    user = get_user_model()
    columns = ", ".join(f"u.{q(user._meta.get_field(name).column)}" for name in ("username", "first_name", "last_name"))
    array = "jsonb_build_array" if vendor == "postgresql" else "json_array"  # both read by JSONField
    user_pk, foreign_key = q(user._meta.pk.column), q(Agreement._meta.get_field(relation).column)
    return (
        f"SELECT {array}({columns}) FROM {q(user._meta.db_table)} u "  # noqa: S608
        f"WHERE u.{user_pk} = {q(Agreement._meta.db_table)}.{foreign_key}"
    )
