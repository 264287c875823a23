"""API keys: issue, check, revoke. Keys look like `acc_<prefix>_<secret>`; only a hash is kept."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
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
    """The live token for `key`, or None. Marks it used (at most once a minute)."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    now = timezone.now()
    tokens = (
        ApiToken.objects.select_related("user")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )
    if connection.vendor == "postgresql":  # the user's roles in the same query: one round trip fewer
        tokens = tokens.annotate(user_groups=_group_names())
    token = tokens.first()
    if token is None or not secrets.compare_digest(token.key_hash, _hash(key)):
        return None
    if hasattr(token, "user_groups"):
        roles_known(token.user, token.user_groups or ())
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        # One conditional UPDATE of one column: many requests at once still write it once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def _group_names() -> Subquery:
    from django.contrib.postgres.aggregates import ArrayAgg

    memberships = get_user_model().groups.through.objects.filter(user_id=OuterRef("user_id"))
    return Subquery(memberships.values("user_id").annotate(names=ArrayAgg("group__name")).values("names"))


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
