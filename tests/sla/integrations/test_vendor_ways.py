"""The vendors' own ways of calling: a ServiceNow REST message authenticated with Bearer or Basic,
a Jira issue created without a priority, Zendesk's exact signature (and nothing else)."""

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.urls import reverse

from sla.integrations.signatures import basic_authorization, sign_zendesk
from sla.models import Integration, Ticket, TicketEvent
from tests.factories import UserFactory
from tests.sla.conftest import at
from tests.sla.integrations.conftest import (
    SECRET,
    body_of,
    jira_created,
    jira_headers,
    jira_updated,
    post,
    sn_record,
    zd_event,
    zd_time,
)

NOW = at(3, 12)
SN_URL = "/api/v1/integrations/servicenow/"
JIRA_URL = "/api/v1/integrations/jira/"
ZD_URL = "/api/v1/integrations/zendesk/"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW)


def refused(response) -> str:
    """The 401 in the API's one error format; its message."""
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "authentication_failed"
    return body["errors"][0]["detail"]


# --- ServiceNow: the REST message's own authentication -------------------------------------


def sn_post(api, authorization: str | None, **headers):
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    return post(api, SN_URL, body_of({"result": sn_record()}), headers)


def test_a_bearer_token_that_is_the_secret_is_accepted(api, servicenow):
    response = sn_post(api, f"Bearer {SECRET}")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert Ticket.objects.get().external_id == "INC0010042"


def test_basic_authentication_with_the_slug_and_the_secret_is_accepted(api, servicenow):
    response = sn_post(api, basic_authorization("servicenow", SECRET))
    assert response.status_code == 200, response.content
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("authorization", "words"),
    [
        ("Bearer guess", "Bearer token is not the integration's secret"),
        (f"Bearer {SECRET[:-1]}", "Bearer token is not the integration's secret"),
        ("Bearer ", "Authorization must read"),
        (basic_authorization("servicenow", "guess"), "Basic authentication failed"),
        (basic_authorization("admin", SECRET), "Basic authentication failed"),
        ("Basic not*base64", "base64 of <user name>:<password>"),
        ("Basic " + base64.b64encode(SECRET.encode()).decode(), "Basic authentication failed"),
        (f"Token {SECRET}", "Authorization must read"),
    ],
)
def test_wrong_credentials_are_401_in_the_api_error_format(api, servicenow, authorization, words):
    assert words in refused(sn_post(api, authorization))
    assert not Ticket.objects.exists()


def test_a_right_bearer_token_does_not_rescue_a_wrong_signature(api, servicenow):
    response = sn_post(api, f"Bearer {SECRET}", HTTP_X_ACCORD_SIGNATURE="sha256=" + "ab" * 32)
    assert "X-Accord-Signature does not match" in refused(response)
    assert not Ticket.objects.exists()


def test_the_401_names_every_way_to_authenticate(api, servicenow):
    response = sn_post(api, None)
    assert "Authorization: Bearer" in refused(response)
    assert "Bearer" in response["WWW-Authenticate"] and "X-Accord-Signature" in response["WWW-Authenticate"]


# --- Jira: an issue created without a priority ---------------------------------------------


def jira_deliver(api, payload, delivery="delivery-1"):
    body = body_of(payload)
    return post(api, JIRA_URL, body, jira_headers(body, delivery=delivery))


def without_priority(payload: dict) -> dict:
    payload["issue"]["fields"]["priority"] = None
    return payload


def test_an_issue_created_without_priority_opens_with_the_default_and_says_so(api, jira):
    response = jira_deliver(api, without_priority(jira_created()))
    assert response.status_code == 200, response.content
    body = response.json()
    ticket = Ticket.objects.get(external_id="HR-12")
    assert ticket.priority == 3 and ticket.opened_at == at(2, 9)
    assert body["defaults"] == {"priority": 3}
    assert "default priority, 3" in body["notes"][0] and "HR-12" in body["notes"][0]
    assert body["created"] >= 1


def test_the_default_priority_is_the_integration_s_own(api, jira):
    jira.default_priority = 4
    jira.save(update_fields=["default_priority"])
    payload = jira_created()
    del payload["issue"]["fields"]["priority"]  # some schemes leave the field out altogether
    response = jira_deliver(api, payload)
    assert response.status_code == 200, response.content
    assert response.json()["defaults"] == {"priority": 4}
    assert Ticket.objects.get().priority == 4


def test_a_later_update_without_priority_keeps_the_known_one_and_a_set_priority_counts(api, jira):
    jira_deliver(api, without_priority(jira_created()))
    quiet = jira_deliver(
        api,
        without_priority(jira_updated(when=at(2, 10), items=[("assignee", None, "Alex Agent")], assignee="Alex Agent")),
        delivery="delivery-2",
    )
    assert quiet.status_code == 200 and "defaults" not in quiet.json()
    assert Ticket.objects.get().priority == 3
    raised = jira_deliver(
        api, jira_updated(when=at(2, 11), items=[("priority", None, "Highest")], priority="Highest"), "delivery-3"
    )
    assert raised.status_code == 200 and "defaults" not in raised.json()
    assert Ticket.objects.get().priority == 1
    assert TicketEvent.objects.filter(kind="priority_changed").count() == 1


def test_a_replayed_delivery_without_priority_stores_nothing_new(api, jira):
    payload = without_priority(jira_created())
    assert jira_deliver(api, payload).json()["created"] >= 1
    stored = list(TicketEvent.objects.values_list("kind", "occurred_at", "priority"))
    again = jira_deliver(api, payload)
    assert again.status_code == 200 and again.json()["created"] == 0
    assert list(TicketEvent.objects.values_list("kind", "occurred_at", "priority")) == stored


def test_an_unmapped_priority_that_is_sent_is_still_refused(api, jira):
    jira.priorities = {"High": 2}
    jira.save(update_fields=["priorities"])
    assert jira_deliver(api, jira_created(priority="Blocker")).status_code == 400
    assert jira_deliver(api, without_priority(jira_created())).status_code == 200


def test_the_admin_edits_the_default_priority(client, jira):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:sla_integration_change", args=[jira.pk])
    page = client.get(url).content.decode()
    assert 'name="default_priority"' in page
    data = {
        "name": jira.name,
        "slug": jira.slug,
        "kind": jira.kind,
        "active": "on",
        "secret": SECRET,
        "default_service": str(jira.default_service_id),
        "default_business_unit": str(jira.default_business_unit_id),
        "routing": "[]",
        "priorities": "{}",
        "states": "{}",
    }
    assert client.post(url, {**data, "default_priority": "7"}).status_code == 200  # refused: 1-5
    assert Integration.objects.get().default_priority == 3
    assert client.post(url, {**data, "default_priority": "2"}).status_code == 302
    assert Integration.objects.get().default_priority == 2


# --- Zendesk: base64 HMAC-SHA256 of timestamp + body, exactly ------------------------------


def zd_post(api, signature: str, timestamp: str, body: bytes | None = None):
    body = body or body_of(zd_event("created", when=at(2, 9)))
    return post(
        api,
        ZD_URL,
        body,
        {"HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": signature, "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp},
    )


def digest(message: bytes, secret: str = SECRET) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def test_zendesk_s_own_signature_is_accepted(api, zendesk):
    body = body_of(zd_event("created", when=at(2, 9)))
    timestamp = zd_time(NOW)
    signature = base64.b64encode(digest(timestamp.encode() + body)).decode()
    assert zd_post(api, signature, timestamp, body).status_code == 200
    assert Ticket.objects.count() == 1


def _variants(body: bytes, timestamp: str) -> dict[str, tuple[str, str]]:
    signed = digest(timestamp.encode() + body)
    unix = str(int(NOW.timestamp()))
    return {
        "hex digest": (signed.hex(), timestamp),
        "sha256= prefix": ("sha256=" + base64.b64encode(signed).decode(), timestamp),
        "body only": (base64.b64encode(digest(body)).decode(), timestamp),
        "body + timestamp": (base64.b64encode(digest(body + timestamp.encode())).decode(), timestamp),
        "unpadded base64": (base64.b64encode(signed).decode().rstrip("="), timestamp),
        "url-safe base64 of another digest": (base64.urlsafe_b64encode(digest(b"x")).decode(), timestamp),
        "another secret": (sign_zendesk("another", body, timestamp), timestamp),
        "unix timestamp": (sign_zendesk(SECRET, body, unix), unix),
        "timestamp without zone": (sign_zendesk(SECRET, body, timestamp[:-1]), timestamp[:-1]),
        "empty signature": ("", timestamp),
    }


@pytest.mark.parametrize(
    "variant",
    [
        "hex digest",
        "sha256= prefix",
        "body only",
        "body + timestamp",
        "unpadded base64",
        "url-safe base64 of another digest",
        "another secret",
        "unix timestamp",
        "timestamp without zone",
        "empty signature",
    ],
)
def test_anything_but_zendesk_s_exact_signature_is_401(api, zendesk, variant):
    body = body_of(zd_event("created", when=at(2, 9)))
    signature, timestamp = _variants(body, zd_time(NOW))[variant]
    refused(zd_post(api, signature, timestamp, body))
    assert not Ticket.objects.exists()


def test_a_zendesk_signature_from_six_minutes_ago_is_401(api, zendesk):
    body = body_of(zd_event("created", when=at(2, 9)))
    timestamp = zd_time(NOW - timedelta(minutes=6))
    assert "replay" in refused(zd_post(api, sign_zendesk(SECRET, body, timestamp), timestamp, body))
