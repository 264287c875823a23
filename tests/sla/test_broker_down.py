"""Broker down: ingestion still stores and answers 2xx; the messages it could not publish are
counted and logged; the lag is visible; when the broker is back the periodic passes catch up
(the check pass reads due clocks by `next_check_at`, the resend sweep notifies alerts whose
`alert_notify` message never left)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import rules as roles
from config.celery import app
from sla.models import Alert, Clock, Measurement, NotificationDelivery, TicketEvent
from sla.services import clocks_check_due
from sla.tasks.notifications import notifications_resend_overdue
from tests import factories as f
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA
from tests.sla.test_measurements import add_measure

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def broker_down(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)  # Celery reads it before its settings
    _forget_connections()
    yield
    _forget_connections()


def _forget_connections():
    """Celery keeps one connection pool per process, made for the URL of its time: this test gets
    one for the unreachable broker, and the next test a new one for its own (the old ones are
    left open: kombu's shared producer pools may still hold them)."""
    app._pool = None
    app.amqp._producer_pool = None


def ticket_event(when, **fields):
    return {
        "source": "monitoring",
        "external_id": "INC-9",
        "kind": "opened",
        "occurred_at": when.isoformat(),
        "idempotency_key": f"INC-9:opened:{when.isoformat()}",
        "service": "payroll",
        "business_unit": "finance",
        "priority": 1,
        "title": "Payroll is down",
        **fields,
    }


def test_ingestion_stores_and_answers_2xx_then_the_passes_catch_up(
    sla, broker_down, settings, django_capture_on_commit_callbacks, caplog, time_machine
):
    from config.ops.metrics import ENQUEUE_FAILURES

    now = timezone.now()
    time_machine.move_to(now, tick=False)
    add_measure(sla["agreement"])
    integration = f.UserFactory(username="monitor", roles=[roles.INTEGRATIONS])
    client = APIClient()
    client.force_authenticate(integration)
    not_queued = ENQUEUE_FAILURES.labels(task="sla.tasks.notifications.alert_notify")._value.get()

    # An incident opened 2 h ago: its 30-minute engage target is already missed, so the ingestion
    # raises a breach alert whose notification must go through the (down) broker.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/ticket-events/", ticket_event(now - timedelta(hours=2)), format="json")
    assert response.status_code == 201, response.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/measurements/",
            {
                "service": "payroll",
                "measure": "payslips-on-time",
                "value": 97.5,
                "measured_at": (now - timedelta(hours=1)).isoformat(),
                "sender_id": "p-1",
            },
            format="json",
        )
    assert response.status_code == 201, response.content

    assert TicketEvent.objects.count() == 1 and Measurement.objects.count() == 1
    breach = Alert.objects.get(kind="clock_breach")
    raised = Alert.objects.count()
    assert not Alert.objects.filter(notified_at__isnull=False).exists()  # no alert_notify message left
    assert ENQUEUE_FAILURES.labels(task="sla.tasks.notifications.alert_notify")._value.get() == not_queued + raised
    assert any("not queued (broker unavailable" in r.getMessage() for r in caplog.records)

    # The lag is visible: the resolve clock comes due and no pass runs while the broker is down.
    later = now + timedelta(hours=3)
    time_machine.move_to(later, tick=False)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["failing"] == ["broker"]
    backlog = ready.json()["backlog"]
    assert backlog["clocks_due"] >= 1 and backlog["check_lag_seconds"] > 0
    assert backlog["alerts_unnotified"] == raised
    metrics = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert f"accord_alerts_unnotified {float(raised)}" in metrics
    assert "accord_ingestion_lag_seconds " in metrics and "accord_ingestion_lag_seconds 0.0" not in metrics

    # The broker is back: the passes Celery beat sends catch up from the database.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_resend_overdue.delay().get() >= 1
    assert not Alert.objects.filter(notified_at__isnull=True).exists()
    assert NotificationDelivery.objects.filter(alert=breach).exists()  # the service owner is told
    with django_capture_on_commit_callbacks(execute=True):
        checked = clocks_check_due(now=later)
    assert checked.checked >= 1 and checked.alerts >= 1
    assert not Clock.objects.filter(next_check_at__lte=later).exists()
    assert client.get("/readyz").json()["backlog"]["clocks_due"] == 0
    # A second sweep notifies nobody again.
    deliveries = sorted(NotificationDelivery.objects.values_list("alert_id", "target"))
    with django_capture_on_commit_callbacks(execute=True):
        notifications_resend_overdue.delay().get()
    assert sorted(NotificationDelivery.objects.values_list("alert_id", "target")) == deliveries
