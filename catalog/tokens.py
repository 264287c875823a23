"""API keys: issue, check, revoke. Keys look like `acc_<prefix>_<secret>`; only a hash is kept."""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from catalog.models import ApiScope, ApiToken
from catalog.rules import roles_known

KEY_PREFIX = "acc"
ALL_SCOPES = frozenset(ApiScope.values)
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per key


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_scopes_parse(values: Iterable[str]) -> frozenset[str]:
    """Scope names from `--scope read,ingest --scope manage` and the like; ValueError names a wrong one."""
    scopes = {part.strip().lower() for value in values for part in value.split(",") if part.strip()}
    unknown = sorted(scopes - ALL_SCOPES)
    if unknown:
        raise ValueError(f"unknown scope {', '.join(map(repr, unknown))}: choose from {', '.join(ApiScope.values)}")
    if not scopes:
        raise ValueError(f"name at least one scope: {', '.join(ApiScope.values)}")
    return frozenset(scopes)


def api_token_issue(
    *,
    user: AbstractBaseUser,
    name: str,
    scopes: Iterable[str] = ALL_SCOPES,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a key for `user` with `scopes` (default all three: the user's full rights).
    Returns the row and the key, which is not stored."""
    if expires_at is not None and timezone.is_naive(expires_at):
        raise ValueError("expires_at must be timezone-aware")
    scopes = api_scopes_parse(scopes)
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name or "API key",
        prefix=prefix,
        key_hash=_hash(key),
        expires_at=expires_at,
        **{f"can_{scope}": True for scope in scopes},
    )
    return token, key


def api_token_expiry(*, days: int | None) -> datetime | None:
    return timezone.now() + timedelta(days=days) if days else None


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The live token for `key`, with its user (and, on PostgreSQL and SQLite, the user's roles), or None.
    Marks it used (at most once a minute)."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    now = timezone.now()
    token = _live_token(prefix=parts[1], now=now)
    if token is None or not secrets.compare_digest(token.key_hash, _hash(key)):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        # One conditional UPDATE of one column: many requests at once still write it once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def _live_token(*, prefix: str, now: datetime) -> ApiToken | None:
    """The unrevoked, unexpired token with `prefix` (unique), its user in the same row. One
    statement written once per process: every API request with a key runs it, and building and
    compiling it through the ORM cost ~4 ms of CPU a request, five times the query itself
    (bench/list_api.py)."""
    sql, token_fields, user_fields, with_groups = _live_token_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix, connection.ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(token_fields)
    token = _instance(ApiToken, token_fields, row[:split])
    user = _instance(get_user_model(), user_fields, row[split : split + len(user_fields)])
    token.user = user
    if with_groups:  # the user's roles in the same query: one round trip fewer
        names = row[-1] or ()
        roles_known(user, json.loads(names) if isinstance(names, str) else names)
    return token


def _instance(model, fields, values):
    """A model instance from raw column values, converted as the ORM converts them (SQLite gives
    datetimes as strings and booleans as integers)."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        if value is not None:
            expression = field.get_col(model._meta.db_table)
            for convert in connection.ops.get_db_converters(expression) + field.get_db_converters(connection):
                value = convert(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


@functools.cache
def _live_token_sql(vendor: str) -> tuple[str, list, list, bool]:
    """(SQL, the token's fields, the user's, whether the user's group names come last).
    Every name comes from the models' _meta; the values are bound."""
    q = connection.ops.quote_name
    user_model = get_user_model()
    token_fields, user_fields = ApiToken._meta.concrete_fields, user_model._meta.concrete_fields
    columns = [f"t.{q(f.column)}" for f in token_fields] + [f"u.{q(f.column)}" for f in user_fields]
    token_table, user_table = q(ApiToken._meta.db_table), q(user_model._meta.db_table)
    token_user, user_pk = q(ApiToken._meta.get_field("user").column), q(user_model._meta.pk.column)
    with_groups = vendor in ("postgresql", "sqlite")
    if with_groups:
        through, group = user_model.groups.through, user_model.groups.field.related_model
        member_user, member_group = (q(through._meta.get_field(name).column) for name in ("user", "group"))
        groups_table, members_table, group_pk = (
            q(group._meta.db_table),
            q(through._meta.db_table),
            q(group._meta.pk.column),
        )
        join = f"{groups_table} g ON g.{group_pk} = m.{member_group}"
        name, of_user = f"g.{q('name')}", f"FROM {members_table} m JOIN {join} WHERE m.{member_user} = t.{token_user}"
        # An array on PostgreSQL; SQLite has none: a JSON array of the names (json_group_array, built in).
        names = (
            f"ARRAY(SELECT {name} {of_user})"
            if vendor == "postgresql"
            else f"(SELECT json_group_array({name}) {of_user})"
        )
        columns.append(names)
    prefix, revoked, expires = q("prefix"), q("revoked_at"), q("expires_at")
    where = f"t.{prefix} = %s AND t.{revoked} IS NULL AND (t.{expires} IS NULL OR t.{expires} > %s)"
    select = ", ".join(columns)
    sql = f"SELECT {select} FROM {token_table} t JOIN {user_table} u ON u.{user_pk} = t.{token_user} WHERE {where}"  # noqa: S608
    return sql, list(token_fields), list(user_fields), with_groups


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
