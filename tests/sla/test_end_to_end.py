"""End to end with real processes: events in through the API, a Celery worker on Redis runs
the check pass, an alert is raised, and its webhook reaches a local receiver, signed.

Needs PostgreSQL (the worker is another process and must see the test database) and Redis
(REDIS_URL, e.g. redis://127.0.0.1:6379/15; `.ci/run` sets both)."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import UrgencyTarget
from sla.models import Alert
from tests.sla.conftest import agree
from tests.sla.workers import needs_worker, receiver, send_to_worker, workers

__all__ = ["receiver"]  # the fixture, used by name

pytestmark = needs_worker


@pytest.fixture
def worker():
    with workers() as start:
        yield start().lines


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_events_in_a_check_on_the_worker_an_alert_and_a_signed_webhook(sla, receiver, worker, settings):
    from sla.models.notifications import WebhookEndpoint

    url, received = receiver
    WebhookEndpoint.objects.create(name="Receiver", url=url, secret="s3cret")
    # A P1 target of seconds, on 24x7, so the test need not wait minutes for a warning.
    agreement = agree(
        sla["service"],
        None,
        {
            1: {
                "engage_within": timedelta(seconds=20),
                "resolve_within": timedelta(minutes=5),
                "calendar": sla["always"],
            }
        },
        sla["owner"],
        sla["service"].business_owner,
    )
    assert UrgencyTarget.objects.filter(agreement=agreement).count() == 1

    client = APIClient()
    client.force_authenticate(sla["owner"])
    response = client.post(
        "/api/v1/ticket-events/",
        {
            "source": "e2e",
            "external_id": "E2E-1",
            "kind": "opened",
            "occurred_at": timezone.now().isoformat(),
            "idempotency_key": "E2E-1:opened",
            "service": "payroll",
            "priority": 1,
            "title": "Checkout is down",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert not Alert.objects.exists()

    time.sleep(11)  # past 50% of the 20 s engage target
    send_to_worker("sla.run_checks")
    deadline = time.monotonic() + 60
    while not received:
        assert time.monotonic() < deadline, "no webhook arrived; worker log:\n" + "".join(worker[-60:])
        time.sleep(0.25)

    alert = Alert.objects.get()
    assert alert.kind == "clock_warning" and alert.ticket.external_id == "E2E-1"
    headers, body = received[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Accord-Signature"], expected)
    payload = json.loads(body)
    assert payload["alert"]["id"] == alert.pk
    assert payload["alert"]["kind"] == "clock_warning"
    assert "E2E-1" in payload["alert"]["subject"]
    assert any("sla.run_checks" in line and "succeeded" in line for line in worker)
