"""Admin: webhook endpoints with a synchronous test send, and the read-only delivery log with retry."""

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sla.models import AlertKind, DeliveryStatus, NotificationDelivery, WebhookEndpoint
from sla.notifications import notification_deliveries_create
from tests.factories import UserFactory
from tests.sla.notifications.conftest import alert_make, endpoint_make, ticket_make
from tests.sla.notifications.test_webhooks import verify

ENDPOINTS = reverse("admin:sla_webhookendpoint_changelist")
DELIVERIES = reverse("admin:sla_notificationdelivery_changelist")


@pytest.fixture
def superuser(client, db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_endpoint_pages_open(superuser, client, receiver):
    endpoint = endpoint_make(receiver.url, alert_kinds=["clock_breach"])

    assert client.get(ENDPOINTS).status_code == 200
    assert client.get(reverse("admin:sla_webhookendpoint_add")).status_code == 200
    page = client.get(reverse("admin:sla_webhookendpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200
    ticked = re.findall(r'<input type="checkbox" name="alert_kinds" value="(\w+)"[^>]* checked>', page.content.decode())
    assert ticked == ["clock_breach"]


def test_an_endpoint_is_added_with_its_filters(superuser, client, service):
    response = client.post(
        reverse("admin:sla_webhookendpoint_add"),
        {
            "name": "Ops channel",
            "url": "https://hooks.example.com/services/T000/B000/XXXX",
            "format": "slack",
            "secret": "",
            "active": "on",
            "alert_kinds": [AlertKind.CLOCK_BREACH, AlertKind.CLOCK_WARNING],
            "min_severity": "warning",
            "services": [service.pk],
        },
    )

    assert response.status_code == 302, response.content.decode()
    endpoint = WebhookEndpoint.objects.get(name="Ops channel")
    assert endpoint.alert_kinds == ["clock_breach", "clock_warning"]
    assert (endpoint.format, endpoint.min_severity, endpoint.secret) == ("slack", "warning", "")
    assert list(endpoint.services.all()) == [service]


def test_an_endpoint_with_a_non_http_url_is_refused(superuser, client):
    response = client.post(
        reverse("admin:sla_webhookendpoint_add"),
        {"name": "Bad", "url": "ftp://files.example.com/drop", "format": "generic", "min_severity": "info"},
    )

    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_send_test_notification_posts_a_signed_synthetic_alert_and_says_what_happened(
    superuser, client, receiver, service
):
    endpoint = endpoint_make(receiver.url, name="Receiver", secret="k3y", services=[service])

    response = client.post(ENDPOINTS, {"action": "send_test_notification", "_selected_action": [endpoint.pk]})

    assert response.status_code == 302
    assert messages_of(response) == ["Receiver: delivered (HTTP 200)."]
    [request] = receiver.requests
    assert verify("k3y", request.body, request.headers["X-Accord-Signature"])
    assert request.headers["X-Accord-Event"] == "alert.test"
    payload = json.loads(request.body)
    assert payload["event"] == "alert.test"
    assert payload["alert"]["service"]["slug"] == "payroll"
    assert payload["alert"]["clock"]["remaining_seconds"] == 3600
    assert not NotificationDelivery.objects.exists()


def test_send_test_notification_reports_a_failing_endpoint(superuser, client, receiver):
    receiver.statuses = [500]
    endpoint = endpoint_make(receiver.url, name="Broken", format="slack")

    response = client.post(ENDPOINTS, {"action": "send_test_notification", "_selected_action": [endpoint.pk]})

    [message] = messages_of(response)
    assert message.startswith("Broken: not delivered. HTTP 500 from 127.0.0.1:")
    assert "(test notification)" in json.loads(receiver.requests[0].body)["text"]


@pytest.fixture
def log(service):
    """Three deliveries of one warning: sent, failed, gave up."""
    alert = alert_make(ticket=ticket_make(service, assignee_email="carl@example.com", assignee="Carl"))
    notification_deliveries_create(alert_id=alert.pk)
    rows = {d.target: d for d in NotificationDelivery.objects.filter(alert=alert)}
    NotificationDelivery.objects.filter(pk=rows["carl@example.com"].pk).update(
        status=DeliveryStatus.SENT, attempts=1, sent_at=timezone.now()
    )
    NotificationDelivery.objects.filter(pk=rows["olivia@example.com"].pk).update(
        status=DeliveryStatus.GAVE_UP, attempts=6, last_error="Mail server refused the message"
    )
    return rows


def test_the_delivery_log_lists_and_filters_and_cannot_be_edited(superuser, client, log):
    page = client.get(DELIVERIES).content.decode()
    assert "carl@example.com" in page and "Olivia Owen &lt;olivia@example.com&gt; – service owner" in page
    assert "Mail server refused the message" in page

    given_up = client.get(DELIVERIES, {"status__exact": "gave_up"}).content.decode()
    assert "olivia@example.com" in given_up and "carl@example.com" not in given_up

    detail = client.get(reverse("admin:sla_notificationdelivery_change", args=[log["carl@example.com"].pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:sla_notificationdelivery_add")).status_code == 403
    assert (
        client.post(reverse("admin:sla_notificationdelivery_delete", args=[log["carl@example.com"].pk])).status_code
        == 403
    )


def test_retry_sends_given_up_deliveries_again_and_leaves_the_others(
    superuser, client, log, django_capture_on_commit_callbacks
):
    selected = [log["carl@example.com"].pk, log["olivia@example.com"].pk]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELIVERIES, {"action": "retry", "_selected_action": selected})

    assert messages_of(response) == [
        "1 deliveries queued to send again. 1 left alone: only failed or given-up deliveries are retried."
    ]
    retried = NotificationDelivery.objects.get(pk=log["olivia@example.com"].pk)
    assert (retried.status, retried.attempts, retried.last_error) == (DeliveryStatus.SENT, 7, "")
    assert [m.to for m in mail.outbox] == [["olivia@example.com"]]


def test_staff_who_may_only_view_the_log_cannot_retry(client, log):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notificationdelivery"))
    client.force_login(viewer)

    page = client.get(DELIVERIES)

    assert page.status_code == 200
    assert 'value="retry"' not in page.content.decode()
    response = client.post(DELIVERIES, {"action": "retry", "_selected_action": [log["olivia@example.com"].pk]})
    assert NotificationDelivery.objects.get(pk=log["olivia@example.com"].pk).status == DeliveryStatus.GAVE_UP
    assert response.status_code in (200, 302)
