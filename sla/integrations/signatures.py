"""Is a delivery really from the tool? HMAC-SHA256 checks, one per tool's way of signing.

Every check compares in constant time and raises SignatureRejected with a message that says
what to fix, never what the right signature would have been.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

ZENDESK_TOLERANCE = timedelta(minutes=5)


class SignatureRejected(Exception):
    """The delivery is not signed with the integration's secret (HTTP 401)."""


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def _equal(expected: bytes, given: bytes) -> bool:
    return hmac.compare_digest(expected, given)


def _digest_from_text(value: str) -> bytes | None:
    """A digest written as hex (64 characters) or base64; None when it is neither."""
    value = value.strip()
    if len(value) == 64:
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def verify_hub_signature(*, secret: str, body: bytes, header: str | None, name: str = "X-Hub-Signature") -> None:
    """Jira (WebSub style): `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`."""
    if not header:
        raise SignatureRejected(f"The {name} header is missing; this integration has a secret, so sign deliveries.")
    method, _, digest = header.strip().partition("=")
    if method.lower() != "sha256" or not digest:
        raise SignatureRejected(f"{name} must read sha256=<hex digest>.")
    given = _digest_from_text(digest)
    if given is None or not _equal(hmac_sha256(secret, body), given):
        raise SignatureRejected(f"{name} does not match the body signed with the integration's secret.")


def verify_accord_signature(*, secret: str, body: bytes, signature: str | None, token: str | None) -> None:
    """ServiceNow (or any tool that can sign): `X-Accord-Signature: sha256=<HMAC-SHA256 of the
    body, hex or base64>`; or, where the tool cannot compute an HMAC, the secret itself in
    `X-Accord-Token` (weaker: it proves the sender knows the secret, not that the body is intact)."""
    if signature:
        verify_hub_signature(secret=secret, body=body, header=signature, name="X-Accord-Signature")
        return
    if token:
        if not _equal(secret.encode(), token.strip().encode()):
            raise SignatureRejected("X-Accord-Token is not the integration's secret.")
        return
    raise SignatureRejected("Sign the delivery: send X-Accord-Signature: sha256=<HMAC of the body>, or X-Accord-Token.")


def verify_zendesk_signature(
    *,
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now: datetime,
    tolerance: timedelta = ZENDESK_TOLERANCE,
) -> None:
    """Zendesk: `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + body)),
    with the timestamp in `X-Zendesk-Webhook-Signature-Timestamp`. A timestamp further than
    `tolerance` from `now` is refused, so a captured delivery cannot be replayed later."""
    if not signature or not timestamp:
        raise SignatureRejected(
            "The X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp headers are required."
        )
    signed_at = _zendesk_time(timestamp)
    if signed_at is None:
        raise SignatureRejected("X-Zendesk-Webhook-Signature-Timestamp is not a time (e.g. 2024-03-01T10:00:00Z).")
    if abs(now - signed_at) > tolerance:
        minutes = int(tolerance.total_seconds() // 60)
        raise SignatureRejected(f"The signature timestamp is more than {minutes} minutes from now; refusing a replay.")
    given = _digest_from_text(signature)
    if given is None or not _equal(hmac_sha256(secret, timestamp.encode() + body), given):
        raise SignatureRejected("X-Zendesk-Webhook-Signature does not match the body signed with the secret.")


def _zendesk_time(value: str) -> datetime | None:
    value = value.strip()
    if value.isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def sign_hub(secret: str, body: bytes) -> str:
    """The X-Hub-Signature / X-Accord-Signature value for a body (for tests and docs)."""
    return "sha256=" + hmac_sha256(secret, body).hex()


def sign_zendesk(secret: str, body: bytes, timestamp: str) -> str:
    return base64.b64encode(hmac_sha256(secret, timestamp.encode() + body)).decode()
