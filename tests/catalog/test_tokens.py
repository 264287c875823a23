"""API keys: issued once, stored as a hash, refused when wrong, expired or revoked."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from catalog.authentication import BearerTokenAuthentication
from catalog.models import ApiToken
from catalog.tokens import api_token_authenticate, api_token_expiry, api_token_issue, api_token_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def user():
    return UserFactory()


def test_issue_returns_a_key_that_is_not_stored(user):
    token, key = api_token_issue(user=user, name="Jira webhook")
    keyword, prefix, secret = key.split("_", 2)
    assert (keyword, token.prefix, token.name, token.user) == ("acc", prefix, "Jira webhook", user)
    assert len(prefix) == 8 and len(secret) >= 40
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert not any(secret in str(value) for value in stored.values())
    assert (stored["expires_at"], stored["revoked_at"], stored["last_used_at"]) == (None, None, None)


def test_every_key_is_different(user):
    keys = {api_token_issue(user=user, name="k")[1] for _ in range(20)}
    assert len(keys) == 20
    assert ApiToken.objects.values("prefix").distinct().count() == 20


def test_a_blank_name_gets_a_default(user):
    token, _ = api_token_issue(user=user, name="")
    assert token.name == "API key"


def test_a_naive_expiry_is_refused(user):
    with pytest.raises(ValueError, match="timezone-aware"):
        api_token_issue(user=user, name="k", expires_at=datetime(2030, 1, 1))
    assert not ApiToken.objects.exists()


def test_authenticate_finds_the_token_and_notes_its_use(user):
    token, key = api_token_issue(user=user, name="k")
    with time_machine.travel(NOW, tick=False):
        found = api_token_authenticate(key=key)
    assert found == token and found.user == user
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW


def test_last_use_is_written_at_most_once_a_minute(user, django_assert_num_queries):
    token, key = api_token_issue(user=user, name="k")
    with time_machine.travel(NOW, tick=False):
        api_token_authenticate(key=key)
    with time_machine.travel(NOW + timedelta(seconds=59), tick=False), django_assert_num_queries(1):
        assert api_token_authenticate(key=key) == token
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        api_token_authenticate(key=key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW + timedelta(seconds=61)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # wrong secret, right prefix
        lambda key: "acc_00000000_" + key.split("_", 2)[2],  # unknown prefix
        lambda key: "xyz_" + key.split("_", 1)[1],  # wrong keyword
        lambda key: key[:-5],  # truncated
        lambda key: "",
        lambda key: "acc",
        lambda key: "acc__",
        lambda key: f"Bearer {key}",
        lambda key: key.upper(),
    ],
    ids=["secret", "prefix", "keyword", "truncated", "empty", "keyword_only", "empty_parts", "with_scheme", "case"],
)
def test_a_wrong_key_is_refused(user, mangle):
    token, key = api_token_issue(user=user, name="k")
    assert api_token_authenticate(key=mangle(key)) is None
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None


def test_a_key_expires_at_its_expiry_time(user):
    token, key = api_token_issue(user=user, name="k", expires_at=NOW + timedelta(hours=1))
    with time_machine.travel(NOW + timedelta(minutes=59), tick=False):
        assert api_token_authenticate(key=key) == token
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert api_token_authenticate(key=key) is None


def test_expiry_in_days():
    with time_machine.travel(NOW, tick=False):
        assert api_token_expiry(days=30) == NOW + timedelta(days=30)
        assert api_token_expiry(days=None) is None


def test_a_revoked_key_is_refused_and_revoking_again_changes_nothing(user):
    token, key = api_token_issue(user=user, name="k")
    other, other_key = api_token_issue(user=user, name="other")
    with time_machine.travel(NOW, tick=False):
        api_token_revoke(token=token)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        api_token_revoke(token=token)
    assert api_token_authenticate(key=key) is None
    assert ApiToken.objects.get(pk=token.pk).revoked_at == NOW
    assert api_token_authenticate(key=other_key) == other  # only that key


# --- Authorization: Bearer ----------------------------------------------------------


def _authenticate(header: str | bytes | None):
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header}
    request = APIRequestFactory().get("/api/v1/services/", **headers)
    return BearerTokenAuthentication().authenticate(request)


def test_bearer_header_authenticates_the_tokens_user(user):
    token, key = api_token_issue(user=user, name="k")
    assert _authenticate(f"Bearer {key}") == (user, token)
    assert _authenticate(f"bearer {key}") == (user, token)


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Token abc"])
def test_other_schemes_are_left_to_other_authenticators(header):
    assert _authenticate(header) is None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer", "Malformed Authorization header: use 'Bearer <key>'."),
        ("Bearer a b", "Malformed Authorization header: use 'Bearer <key>'."),
        ("Bearer acc_deadbeef_nope", "Invalid, expired or revoked API key."),
        ("Bearer acc_deadbeef_n\u00f6pe".encode("latin-1"), "The API key contains invalid characters."),
    ],
)
def test_bad_bearer_headers_are_refused_with_a_reason(header, message):
    with pytest.raises(exceptions.AuthenticationFailed) as excinfo:
        _authenticate(header)
    assert str(excinfo.value.detail) == message


def test_an_inactive_users_key_is_refused(user):
    _, key = api_token_issue(user=user, name="k")
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(exceptions.AuthenticationFailed, match="inactive"):
        _authenticate(f"Bearer {key}")
