"""Signature checks on their own: the exact bytes, the right secret, the formats each tool uses."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from sla.integrations.signatures import (
    SignatureRejected,
    basic_authorization,
    sign_hub,
    sign_zendesk,
    verify_accord_signature,
    verify_hub_signature,
    verify_zendesk_signature,
)

BODY = b'{"webhookEvent":"jira:issue_created"}'
NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


def test_hub_signature_is_the_hex_hmac_of_the_body():
    expected = "sha256=" + hmac.new(b"secret", BODY, hashlib.sha256).hexdigest()
    assert sign_hub("secret", BODY) == expected
    verify_hub_signature(secret="secret", body=BODY, header=expected)
    verify_hub_signature(secret="secret", body=BODY, header=expected.upper().replace("SHA256=", "sha256="))


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (None, "missing"),
        ("", "missing"),
        ("sha1=abc", "sha256=<hex digest>"),
        ("sha256=", "sha256=<hex digest>"),
        ("sha256=not-hex-or-base64!", "does not match"),
        (sign_hub("other", BODY), "does not match"),
        (sign_hub("secret", BODY + b" "), "does not match"),
    ],
)
def test_hub_signature_refusals(header, words):
    with pytest.raises(SignatureRejected, match=words.replace("<", ".").replace(">", ".")):
        verify_hub_signature(secret="secret", body=BODY, header=header)


def test_accord_signature_in_hex_or_base64_or_a_token():
    digest = hmac.new(b"secret", BODY, hashlib.sha256).digest()
    verify_accord_signature(secret="secret", body=BODY, signature="sha256=" + digest.hex(), token=None)
    in_base64 = "sha256=" + base64.b64encode(digest).decode()
    verify_accord_signature(secret="secret", body=BODY, signature=in_base64, token=None)
    verify_accord_signature(secret="secret", body=BODY, signature=None, token=" secret ")
    with pytest.raises(SignatureRejected, match="X-Accord-Token"):
        verify_accord_signature(secret="secret", body=BODY, signature=None, token="secre")
    with pytest.raises(SignatureRejected, match="Sign the delivery"):
        verify_accord_signature(secret="secret", body=BODY, signature=None, token=None)
    with pytest.raises(SignatureRejected, match="X-Accord-Signature does not match"):
        # A wrong signature is not rescued by a right token: the signature is what was offered.
        verify_accord_signature(secret="secret", body=BODY, signature=sign_hub("x", BODY), token="secret")


def test_zendesk_signatures_are_base64_only():
    timestamp = "2026-11-03T11:58:00Z"
    digest = hmac.new(b"secret", timestamp.encode() + BODY, hashlib.sha256).digest()
    with pytest.raises(SignatureRejected, match="does not match"):
        verify_zendesk_signature(secret="secret", body=BODY, signature=digest.hex(), timestamp=timestamp, now=NOW)


def test_the_rest_message_s_bearer_or_basic_credentials():
    verify_accord_signature(secret="secret", body=BODY, signature=None, token=None, authorization="Bearer secret")
    verify_accord_signature(
        secret="secret",
        body=BODY,
        signature=None,
        token=None,
        authorization=basic_authorization("sn", "secret"),
        user="sn",
    )
    for header in ("Bearer secre", "bearer secrets", basic_authorization("sn", "secret"), "Digest x"):
        with pytest.raises(SignatureRejected):
            verify_accord_signature(
                secret="secret", body=BODY, signature=None, token=None, authorization=header, user="x"
            )
    with pytest.raises(SignatureRejected, match="X-Accord-Token"):
        # every credential offered must be right
        verify_accord_signature(secret="secret", body=BODY, signature=None, token="nope", authorization="Bearer secret")


def test_zendesk_signature_covers_timestamp_and_body():
    timestamp = "2026-11-03T11:58:00Z"
    signature = sign_zendesk("secret", BODY, timestamp)
    expected = base64.b64encode(hmac.new(b"secret", timestamp.encode() + BODY, hashlib.sha256).digest()).decode()
    assert signature == expected
    verify_zendesk_signature(secret="secret", body=BODY, signature=signature, timestamp=timestamp, now=NOW)
    with pytest.raises(SignatureRejected, match="does not match"):
        verify_zendesk_signature(secret="secret", body=BODY + b"\n", signature=signature, timestamp=timestamp, now=NOW)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(0), True),
        (timedelta(minutes=5), True),
        (timedelta(minutes=5, seconds=1), False),
        (-timedelta(minutes=5, seconds=1), False),
    ],
)
def test_zendesk_timestamps_older_or_newer_than_five_minutes_are_replays(offset, accepted):
    timestamp = (NOW - offset).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = sign_zendesk("secret", BODY, timestamp)
    if accepted:
        verify_zendesk_signature(secret="secret", body=BODY, signature=signature, timestamp=timestamp, now=NOW)
    else:
        with pytest.raises(SignatureRejected, match="replay"):
            verify_zendesk_signature(secret="secret", body=BODY, signature=signature, timestamp=timestamp, now=NOW)


def test_zendesk_timestamps_are_iso_8601_with_a_zone_and_nonsense_is_refused():
    for timestamp in (str(int(NOW.timestamp())), "2026-11-03T12:00:00"):
        with pytest.raises(SignatureRejected, match="is not a time with its zone"):
            signature = sign_zendesk("secret", BODY, timestamp)
            verify_zendesk_signature(secret="secret", body=BODY, signature=signature, timestamp=timestamp, now=NOW)
    verify_zendesk_signature(
        secret="secret",
        body=BODY,
        signature=sign_zendesk("secret", BODY, "2026-11-03T13:00:00+01:00"),
        timestamp="2026-11-03T13:00:00+01:00",
        now=NOW,
    )
    with pytest.raises(SignatureRejected, match="is not a time"):
        verify_zendesk_signature(secret="secret", body=BODY, signature="x", timestamp="soon", now=NOW)
    with pytest.raises(SignatureRejected, match="are required"):
        verify_zendesk_signature(secret="secret", body=BODY, signature=None, timestamp="soon", now=NOW)
