"""Is a delivery really from the tool? HMAC-SHA256 checks, one per tool's way of signing.

Every check compares in constant time and raises SignatureRejected with a message that says
what to fix, never what the right signature would have been.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime, timedelta

ZENDESK_TOLERANCE = timedelta(minutes=5)


class SignatureRejected(Exception):
    """The delivery is not signed with the integration's secret (HTTP 401)."""


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def _equal(expected: bytes, given: bytes) -> bool:
    return hmac.compare_digest(expected, given)


def _same_secret(expected: str, given: str) -> bool:
    """Constant time whatever the lengths: the digests of both are compared, not the texts."""
    return hmac.compare_digest(hashlib.sha256(expected.encode()).digest(), hashlib.sha256(given.encode()).digest())


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


def verify_accord_signature(
    *,
    secret: str,
    body: bytes,
    signature: str | None,
    token: str | None,
    authorization: str | None = None,
    user: str = "",
) -> None:
    """ServiceNow (or any tool that can sign): `X-Accord-Signature: sha256=<HMAC-SHA256 of the
    body, hex or base64>`; or, where the tool cannot compute an HMAC, the secret itself, in
    `X-Accord-Token` or as an outbound REST message's own authentication, `Authorization: Bearer
    <secret>` or `Authorization: Basic` with the user name `user` (the integration's slug) and the
    secret as password (weaker: they prove the sender knows the secret, not that the body is
    intact). Every credential offered must be right: a wrong one is not rescued by another."""
    offered = False
    if signature:
        verify_hub_signature(secret=secret, body=body, header=signature, name="X-Accord-Signature")
        offered = True
    if token:
        if not _same_secret(secret, token.strip()):
            raise SignatureRejected("X-Accord-Token is not the integration's secret.")
        offered = True
    if authorization:
        verify_authorization(secret=secret, header=authorization, user=user)
        offered = True
    if not offered:
        raise SignatureRejected(
            "Sign the delivery: send X-Accord-Signature: sha256=<HMAC of the body>, X-Accord-Token, "
            "or Authorization: Bearer <secret> (or Basic)."
        )


def verify_authorization(*, secret: str, header: str, user: str) -> None:
    """`Authorization: Bearer <secret>`, or `Authorization: Basic base64(<user>:<secret>)`."""
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        if not _same_secret(secret, credentials):
            raise SignatureRejected("The Bearer token is not the integration's secret.")
        return
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise SignatureRejected("Authorization: Basic must carry base64 of <user name>:<password>.") from None
        name, colon, password = decoded.partition(":")
        # Both compared, always, so the time taken does not tell which one was wrong.
        right_name, right_password = _same_secret(user, name), _same_secret(secret, password)
        if not (colon and right_name and right_password):
            raise SignatureRejected(
                f"Basic authentication failed: the user name is the integration's slug ({user!r}) "
                "and the password its secret."
            )
        return
    raise SignatureRejected("Authorization must read Bearer <secret> or Basic <base64 of user:password>.")


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
        raise SignatureRejected(
            "X-Zendesk-Webhook-Signature-Timestamp is not a time with its zone (e.g. 2024-03-01T10:00:00Z)."
        )
    if abs(now - signed_at) > tolerance:
        minutes = int(tolerance.total_seconds() // 60)
        raise SignatureRejected(f"The signature timestamp is more than {minutes} minutes from now; refusing a replay.")
    given = _base64_digest(signature)
    if given is None or not _equal(hmac_sha256(secret, timestamp.encode() + body), given):
        raise SignatureRejected(
            "X-Zendesk-Webhook-Signature does not match: Accord expects the base64 HMAC-SHA256, with the "
            "integration's secret, of the timestamp followed by the body."
        )


def _base64_digest(value: str) -> bytes | None:
    """Zendesk's way exactly: standard base64 (padded) of the 32-byte digest; hex or anything else
    is not accepted."""
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == hashlib.sha256().digest_size else None


def _zendesk_time(value: str) -> datetime | None:
    """Zendesk's timestamp: ISO 8601 with its zone, e.g. 2024-03-01T10:00:00Z."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def sign_hub(secret: str, body: bytes) -> str:
    """The X-Hub-Signature / X-Accord-Signature value for a body (for tests and docs)."""
    return "sha256=" + hmac_sha256(secret, body).hex()


def sign_zendesk(secret: str, body: bytes, timestamp: str) -> str:
    return base64.b64encode(hmac_sha256(secret, timestamp.encode() + body)).decode()


def basic_authorization(user: str, secret: str) -> str:
    """The Authorization header of a Basic-authenticated delivery (for tests and docs)."""
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
