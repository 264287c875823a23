"""API throttling: per key, per anonymous address, per address for the webhooks; a 429 in the
error format with Retry-After. Counted in the cache that every web process shares (CACHE_URL)."""

import pytest
from django.core.cache import cache

from catalog.tokens import api_token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rates(settings):
    cache.clear()
    settings.API_THROTTLE_RATES = {"key": "3/min", "anonymous": "2/min", "webhook": "2/min"}
    yield settings.API_THROTTLE_RATES
    cache.clear()


def assert_throttled(response):
    assert response.status_code == 429, response.content[:300]
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "throttled"
    assert "Request was throttled" in body["errors"][0]["detail"]


def key_for(user):
    return api_token_issue(user=user, name="k", scopes=["read"])[1]


def test_each_key_has_its_own_budget_from_any_address(client, world):
    first, second = key_for(world["users"]["owner"]), key_for(world["users"]["owner"])
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        response = client.get("/api/v1/services/", HTTP_AUTHORIZATION=f"Bearer {first}", REMOTE_ADDR=address)
        assert response.status_code == 200
    assert_throttled(client.get("/api/v1/services/", HTTP_AUTHORIZATION=f"Bearer {first}", REMOTE_ADDR="10.0.0.4"))
    assert client.get("/api/v1/services/", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200


def test_anonymous_callers_are_counted_by_address_and_a_forged_header_does_not_help(client, world):
    for _ in range(2):
        assert client.get("/api/v1/services/", REMOTE_ADDR="10.0.0.9").status_code == 200
    assert_throttled(client.get("/api/v1/services/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4"))
    assert client.get("/api/v1/services/", REMOTE_ADDR="10.0.0.10").status_code == 200


def test_behind_a_proxy_the_address_comes_from_its_header(client, world, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    for _ in range(2):
        response = client.get("/api/v1/services/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.1.1.1")
        assert response.status_code == 200
    # The right-most entry is the proxy's: a client-invented left part changes nothing.
    assert_throttled(client.get("/api/v1/services/", HTTP_X_FORWARDED_FOR="7.7.7.7, 1.1.1.1"))
    assert client.get("/api/v1/services/", HTTP_X_FORWARDED_FOR="1.1.1.2").status_code == 200


def test_signed_in_people_are_not_counted_as_anonymous(client, world):
    client.force_login(world["users"]["reader"])
    for _ in range(5):
        assert client.get("/api/v1/services/").status_code == 200


def test_the_webhooks_have_a_budget_per_address(client, world):
    for _ in range(2):
        assert client.post("/api/v1/integrations/jira/", b"{}", content_type="application/json").status_code != 429
    assert_throttled(client.post("/api/v1/integrations/jira/", b"{}", content_type="application/json"))


def test_an_empty_rate_means_no_limit(client, world, rates):
    rates["anonymous"] = ""
    for _ in range(5):
        assert client.get("/api/v1/services/").status_code == 200
