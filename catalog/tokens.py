"""API keys: issue, check, revoke. Keys look like `acc_<prefix>_<secret>`; only a hash is kept."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from catalog.models import ApiToken

KEY_PREFIX = "acc"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: AbstractBaseUser, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a key for `user`. Returns the row and the key, which is not stored."""
    if expires_at is not None and timezone.is_naive(expires_at):
        raise ValueError("expires_at must be timezone-aware")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name or "API key", prefix=prefix, key_hash=_hash(key), expires_at=expires_at
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
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None or not secrets.compare_digest(token.key_hash, _hash(key)):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
