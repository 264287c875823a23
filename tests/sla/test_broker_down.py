"""Broker down: ingestion still stores and answers 2xx (201 for an event or a short list, 202 for
a list over SLA_TICKET_EVENTS_INLINE_MAX, stored pending); the messages it could not publish are
counted and logged; the lag is visible; when the broker is back the periodic passes catch up
(the check pass reads due clocks by `next_check_at`, the resend sweep notifies alerts whose
`alert_notify` message never left, the derivation sweep derives the pending observations whose
`derive_ticket_observations` message never left)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import rules as roles
from config.celery import app
from sla.models import Alert, Clock, Measurement, NotificationDelivery, Ticket, TicketEvent, TicketObservation
from sla.services import clocks_check_due
from sla.tasks.notifications import notifications_resend_overdue
from sla.tasks.ticket_derivation import derive_pending_observations
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


def test_a_large_batch_is_accepted_202_then_derived_by_the_sweep_when_the_broker_is_back(
    sla, broker_down, settings, django_capture_on_commit_callbacks, caplog, time_machine
):
    """A list over SLA_TICKET_EVENTS_INLINE_MAX is stored pending and answered 202 although its
    derivation task cannot be queued; /readyz and /metrics show what waits and for how long; the
    sweep Celery beat sends every minute derives it once the broker is back."""
    from config.ops.metrics import ENQUEUE_FAILURES
    from tests.sla.test_ticket_accept import life

    settings.SLA_TICKET_EVENTS_INLINE_MAX = 2
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    client = APIClient()
    client.force_authenticate(f.UserFactory(username="desk", roles=[roles.INTEGRATIONS]))
    not_queued = ENQUEUE_FAILURES.labels(task="sla.derive_ticket_observations")._value.get()
    events = [*life("B-1"), *life("B-2")]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/ticket-events/", events, format="json")
    assert response.status_code == 202, response.content
    assert (response.json()["created"], response.json()["tickets"]) == (len(events), 2)
    assert TicketObservation.objects.filter(pending=True).count() == len(events)
    assert not Ticket.objects.exists()  # nothing derived: its task never left
    assert ENQUEUE_FAILURES.labels(task="sla.derive_ticket_observations")._value.get() == not_queued + 1
    assert any("sla.derive_ticket_observations not queued" in r.getMessage() for r in caplog.records)

    # The lag is visible: five minutes later nothing has been derived.
    later = now + timedelta(minutes=5)
    time_machine.move_to(later, tick=False)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["failing"] == ["broker"]
    waiting = ready.json()["backlog"]
    assert waiting["ticket_observations_pending"] == len(events)
    assert waiting["derivation_lag_seconds"] == 300
    metrics = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert f"accord_ticket_observations_pending {float(len(events))}" in metrics
    assert "accord_ticket_derivation_lag_seconds 300.0" in metrics

    # The broker is back: the sweep derives every pending ticket, once.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        assert derive_pending_observations.delay().get() == {"derived": len(events), "failed": 0}
    assert sorted(Ticket.objects.values_list("external_id", "state")) == [("B-1", "resolved"), ("B-2", "resolved")]
    assert TicketEvent.objects.count() == len(events)
    assert not TicketObservation.objects.filter(pending=True).exists()
    backlog = client.get("/readyz").json()["backlog"]
    assert (backlog["ticket_observations_pending"], backlog["derivation_lag_seconds"]) == (0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert derive_pending_observations.delay().get() == {"derived": 0, "failed": 0}
