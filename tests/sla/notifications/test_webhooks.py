"""Webhooks: real POSTs to a local receiver, signed generic JSON and Slack text, retries and filters."""

import hashlib
import hmac
import json
import re
import socket
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from sla.models import (
    Alert,
    AlertKind,
    AlertSeverity,
    DeliveryChannel,
    DeliveryStatus,
    NotificationDelivery,
    WebhookEndpoint,
    WebhookFormat,
)
from sla.notifications import (
    MAX_ATTEMPTS,
    DeliveryError,
    notification_deliver,
    notification_deliveries_create,
    retry_delay_seconds,
    webhook_post,
)
from sla.notifications.recipients import endpoint_accepts
from sla.notifications.rendering import _first_url, alert_url, ticket_url
from sla.tasks.notifications import alert_notify
from tests import factories as f
from tests.sla.notifications.conftest import SITE_URL, alert_make, clock_make, endpoint_make, ticket_make


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (docs/notifications.md)."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


@pytest.fixture
def warning(service, always):
    ticket = ticket_make(service, external_id="INC0099", title="VPN down", assignee="Alex Agent")
    clock = clock_make(ticket, always, target=timedelta(hours=4))
    return alert_make(ticket=ticket, clock=clock, subject="VPN ticket at risk", details={"clock": "resolve"})


def webhook_deliveries(alert):
    return NotificationDelivery.objects.filter(alert=alert, channel=DeliveryChannel.WEBHOOK)


def webhook_delivery_created(alert) -> int:
    """Write the alert's delivery rows without sending them; the id of its one webhook delivery."""
    notification_deliveries_create(alert_id=alert.pk)
    return webhook_deliveries(alert).get().pk


def test_generic_json_is_delivered_signed_and_logged(receiver, warning):
    endpoint = endpoint_make(receiver.url, secret="topsecret")
    before = int(time.time())

    alert_notify.delay(warning.pk)

    [request] = receiver.requests
    [delivery] = webhook_deliveries(warning)
    assert request.path == "/hooks/accord"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert verify("topsecret", request.body, request.headers["X-Accord-Signature"])
    assert not verify("wrong", request.body, request.headers["X-Accord-Signature"])
    assert request.headers["X-Accord-Delivery"] == str(delivery.pk)
    assert request.headers["X-Accord-Event"] == "alert.opened"
    assert before <= int(request.headers["X-Accord-Timestamp"]) <= time.time() + 1
    payload = json.loads(request.body)
    assert payload["event"] == "alert.opened"
    alert = payload["alert"]
    assert alert | {"ticket": None, "clock": None, "service": None} == {
        "id": warning.pk,
        "key": warning.key,
        "kind": "clock_warning",
        "severity": "warning",
        "state": "open",
        "subject": "VPN ticket at risk",
        "body": "Act before the deadline to keep the agreed target.",
        "service": None,
        "ticket": None,
        "clock": None,
        "due_at": "2026-07-15T11:00:00Z",
        "opened_at": "2026-07-15T10:00:00Z",
        "details": {"clock": "resolve"},
        "url": alert_url(warning),
    }
    assert alert["service"] == {"slug": "payroll", "name": "Payroll", "url": f"{SITE_URL}/services/payroll/"}
    assert alert["ticket"] == {
        "id": warning.ticket.pk,
        "source": "servicenow",
        "external_id": "INC0099",
        "title": "VPN down",
        "priority": 2,
        "state": "open",
        "assignee": "Alex Agent",
        "url": ticket_url(warning.ticket),
    }
    assert alert["clock"] == {
        "id": warning.clock_id,
        "kind_label": "Time to resolve",
        "target_seconds": 14400,
        "elapsed_seconds": 10800,
        "remaining_seconds": 3600,
        "overdue_seconds": 0,
    }
    assert payload["sent_at"].endswith("Z")
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.SENT, 1, 200)
    assert delivery.endpoint == endpoint and delivery.target == f"webhook:{endpoint.pk}"
    assert delivery.sent_at is not None and delivery.last_error == ""


def test_endpoint_without_secret_sends_unsigned(receiver, warning):
    endpoint_make(receiver.url, secret="")

    alert_notify.delay(warning.pk)

    [request] = receiver.requests
    assert request.headers["X-Accord-Signature"] is None


def test_slack_format_is_one_mrkdwn_text_with_links(receiver, service, always):
    ticket = ticket_make(service, external_id="INC7", title="Printers <all> & scanners")
    clock = clock_make(ticket, always, target=timedelta(hours=2))  # overdue by an hour at the alert
    alert = alert_make(
        kind=AlertKind.CLOCK_BREACH, severity=AlertSeverity.CRITICAL, ticket=ticket, clock=clock, subject="Missed <P2>"
    )
    endpoint_make(receiver.url, format=WebhookFormat.SLACK)

    alert_notify.delay(alert.pk)

    [request] = receiver.requests
    assert request.headers["X-Accord-Signature"] is None  # Slack URLs are their own secret
    payload = json.loads(request.body)
    assert list(payload) == ["text"]
    lines = payload["text"].split("\n")
    assert lines[0] == f":rotating_light: *<{alert_url(alert)}|Missed &lt;P2&gt;>*"
    assert lines[1] == "Act before the deadline to keep the agreed target."
    assert f"*Service:* <{SITE_URL}/services/payroll/|Payroll>" in lines[2]
    assert f"*Ticket:* <{ticket_url(ticket)}|INC7 Printers &lt;all&gt; &amp; scanners> (P2)" in lines[2]
    assert "*Due:* Wed 15 Jul 2026, 10:00 BST" in lines[2]
    assert "*Overdue by:* 1 h 00 min of 2 h 00 min (Time to resolve, business time)" in lines[2]


def test_a_failing_endpoint_is_retried_with_backoff_then_given_up(receiver, warning):
    receiver.statuses = [500] * 10
    endpoint_make(receiver.url)

    alert_notify.delay(warning.pk)  # eager in tests: the retries run at once, without their countdown

    [delivery] = webhook_deliveries(warning)
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.GAVE_UP, MAX_ATTEMPTS, 500)
    assert delivery.last_error.startswith(f"HTTP 500 from 127.0.0.1:{receiver.url.split(':')[2].split('/')[0]}: ")
    assert "<h1>boom</h1> something broke" in delivery.last_error
    assert delivery.next_attempt_at is None and delivery.sent_at is None
    # Every attempt carried the same delivery id, so a receiver can drop repeats.
    assert {r.headers["X-Accord-Delivery"] for r in receiver.requests} == {str(delivery.pk)}


def test_an_endpoint_that_recovers_gets_the_alert_and_the_log_is_cleared(receiver, warning):
    receiver.statuses = [503, 502]
    endpoint_make(receiver.url)

    alert_notify.delay(warning.pk)

    [delivery] = webhook_deliveries(warning)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.SENT, 3, 200)
    assert delivery.last_error == ""


def test_each_failure_is_recorded_with_the_time_of_the_next_attempt(receiver, warning):
    receiver.statuses = [500, 404]
    endpoint_make(receiver.url)
    delivery_id = webhook_delivery_created(warning)

    first = notification_deliver(delivery_id=delivery_id)
    delivery = NotificationDelivery.objects.get(pk=delivery_id)
    assert (first.status, first.retry_in) == (DeliveryStatus.FAILED, retry_delay_seconds(1))
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.FAILED, 1, 500)
    expected_next = timezone.now() + timedelta(seconds=retry_delay_seconds(1))
    assert abs(delivery.next_attempt_at - expected_next) < timedelta(seconds=5)

    second = notification_deliver(delivery_id=delivery_id)
    delivery.refresh_from_db()
    assert second.retry_in == retry_delay_seconds(2) == 2 * retry_delay_seconds(1)
    assert (delivery.attempts, delivery.response_status) == (2, 404)
    assert delivery.last_error.startswith("HTTP 404")


def test_backoff_doubles_up_to_an_hour():
    assert [retry_delay_seconds(n) for n in range(1, 8)] == [120, 240, 480, 960, 1920, 3600, 3600]


def test_an_unreachable_endpoint_is_a_failure_naming_the_host(warning):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint_make(f"http://127.0.0.1:{port}/hook")

    alert_notify.delay(warning.pk)

    [delivery] = webhook_deliveries(warning)
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert delivery.last_error.startswith(f"Could not reach 127.0.0.1:{port}")
    assert delivery.response_status is None


def test_redirects_are_not_followed(receiver):
    receiver.statuses = [302]

    with pytest.raises(DeliveryError, match=r"redirects are not followed.*elsewhere\.example\.com") as error:
        webhook_post(url=receiver.url, body=b"{}", headers={})

    assert error.value.response_status == 302
    assert len(receiver.requests) == 1


def test_a_slow_endpoint_times_out(receiver):
    receiver.delay = 2

    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"127\.0\.0\.1"):
        webhook_post(url=receiver.url, body=b"{}", headers={}, timeout=0.3)

    assert time.monotonic() - started < 1.5


def test_an_endpoint_deactivated_before_sending_gives_up_at_once(receiver, warning):
    endpoint = endpoint_make(receiver.url)
    delivery_id = webhook_delivery_created(warning)
    endpoint.active = False
    endpoint.save(update_fields=["active"])

    notification_deliver(delivery_id=delivery_id)

    delivery = webhook_deliveries(warning).get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.GAVE_UP, 1)
    assert "is inactive" in delivery.last_error
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("filters", "accepted"),
    [
        ({}, True),
        ({"alert_kinds": ["clock_warning"]}, True),
        ({"alert_kinds": ["clock_breach"]}, False),
        ({"alert_kinds": ["clock_breach", "clock_warning"]}, True),
        ({"min_severity": "info"}, True),
        ({"min_severity": "warning"}, True),
        ({"min_severity": "critical"}, False),
        ({"service_ids": [7]}, True),
        ({"service_ids": [8, 9]}, False),
    ],
)
def test_endpoint_filters(filters, accepted):
    arguments = {"alert_kinds": [], "min_severity": "info", "service_ids": []} | filters
    assert endpoint_accepts(**arguments, kind="clock_warning", severity="warning", service_id=7) is accepted


def test_alert_without_service_passes_only_endpoints_without_a_service_filter():
    assert endpoint_accepts(
        alert_kinds=[], min_severity="info", service_ids=[], kind="x", severity="info", service_id=None
    )
    assert not endpoint_accepts(
        alert_kinds=[], min_severity="info", service_ids=[1], kind="x", severity="info", service_id=None
    )


def test_only_matching_active_endpoints_get_the_alert(receiver, service, warning):
    other_service = f.ServiceFactory()
    wanted = [
        endpoint_make(receiver.url + "/all", name="all"),
        endpoint_make(receiver.url + "/warnings", name="warnings", alert_kinds=["clock_warning"]),
        endpoint_make(receiver.url + "/payroll", name="payroll", services=[service, other_service]),
        endpoint_make(receiver.url + "/warning-up", name="warning-up", min_severity="warning"),
    ]
    endpoint_make(receiver.url + "/breaches", alert_kinds=["clock_breach"])
    endpoint_make(receiver.url + "/critical", min_severity="critical")
    endpoint_make(receiver.url + "/other", services=[other_service])
    endpoint_make(receiver.url + "/off", active=False)

    alert_notify.delay(warning.pk)

    assert sorted(r.path for r in receiver.requests) == sorted(f"/hooks/accord/{e.name}" for e in wanted)
    assert {d.endpoint_id for d in webhook_deliveries(warning)} == {e.pk for e in wanted}


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "not a url", "javascript:alert(1)"])
def test_endpoint_url_must_be_http_or_https(db, url):
    endpoint = WebhookEndpoint(name="bad", url=url, secret="x")

    with pytest.raises(ValidationError) as error:
        endpoint.full_clean()

    assert "url" in error.value.message_dict


def test_a_new_endpoint_gets_a_random_secret(db):
    first = WebhookEndpoint.objects.create(name="a", url="https://a.example/h")
    second = WebhookEndpoint.objects.create(name="b", url="https://b.example/h")
    assert len(first.secret) >= 40 and first.secret != second.secret


def docs_verifier():
    """The receiver example in docs/notifications.md, run as written."""
    text = (settings.BASE_DIR / "docs" / "notifications.md").read_text()
    [code] = re.findall(r"### Verifying the signature.*?```python\n(.*?)```", text, re.S)
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - runs the receiver's example from our own docs, to prove it works
    return namespace["verify_accord"]


def test_the_documented_receiver_accepts_a_real_delivery_and_refuses_a_forged_or_old_one(receiver, warning):
    endpoint_make(receiver.url, secret="shared")
    alert_notify.delay(warning.pk)
    [request] = receiver.requests
    verify_accord = docs_verifier()

    assert verify_accord("shared", request.body, request.headers["X-Accord-Signature"])["alert"]["id"] == warning.pk
    with pytest.raises(ValueError, match="bad signature"):
        verify_accord("shared", request.body.replace(b"VPN", b"XPN"), request.headers["X-Accord-Signature"])
    with pytest.raises(ValueError, match="bad signature"):
        verify_accord("shared", request.body, None)
    old = json.loads(request.body) | {"sent_at": "2020-01-01T00:00:00Z"}
    old_body = json.dumps(old).encode()
    with pytest.raises(ValueError, match="replay"):
        verify_accord("shared", old_body, "sha256=" + hmac.new(b"shared", old_body, hashlib.sha256).hexdigest())


def test_links_go_to_the_first_page_that_exists_and_fall_back_to_the_service_then_the_site(service):
    names = (("portal:no-such-page", True), ("portal:agreement", True), ("admin:index", False))
    assert _first_url(names, 5) == f"{SITE_URL}/agreements/5/"
    assert _first_url(names, None) == f"{SITE_URL}/admin/"
    assert _first_url(names[:1], 5) is None

    assert alert_url(Alert(service=service)) == f"{SITE_URL}/services/payroll/"  # unsaved: no page of its own
    assert alert_url(Alert()) == f"{SITE_URL}/"
    saved = alert_make(service=service)
    assert alert_url(saved).startswith(SITE_URL + "/") and str(saved.pk) in alert_url(saved)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "//example.com/hook"])
def test_a_webhook_is_only_ever_posted_over_http_or_https(url):
    from sla.notifications.transport import webhook_post

    with pytest.raises(DeliveryError, match="only http and https"):
        webhook_post(url=url, body=b"{}", headers={})
