"""End to end with real processes: events in through the API, a Celery worker on Redis runs
the check pass, an alert is raised, and its webhook reaches a local receiver, signed.

Needs PostgreSQL (the worker is another process and must see the test database) and Redis
(REDIS_URL, e.g. redis://127.0.0.1:6379/15; `.ci/run` sets both)."""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import UrgencyTarget
from sla.models import Alert
from tests.sla.conftest import agree

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15"),
]


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/accord", Receiver.received
    server.shutdown()


@pytest.fixture
def worker(settings):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True).start()
    deadline = time.monotonic() + 60
    while not any(" ready." in line for line in lines):
        assert process.poll() is None and time.monotonic() < deadline, "".join(lines[-40:])
        time.sleep(0.2)
    yield lines
    process.terminate()
    process.wait(timeout=30)


def send_to_worker(task_name: str) -> None:
    """Publish a task to Redis (the test process itself runs tasks eagerly)."""
    from config.celery import app

    with app.connection_for_write(REDIS_URL) as broker:
        app.send_task(task_name, connection=broker)


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
