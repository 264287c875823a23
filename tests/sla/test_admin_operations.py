"""The admin pages of what the engine records."""

import pytest
from django.urls import reverse

from sla.models import Alert, Measurement, Ticket
from sla.services import clocks_check_due, ticket_events_ingest
from tests import factories as f
from tests.sla.conftest import at, event


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.fixture
def superuser_client(client):
    client.force_login(f.UserFactory(is_staff=True, is_superuser=True))
    return client


def open_ticket():
    opened = event("opened", at(2, 9), service="payroll", business_unit="finance", priority=2, title="Pay run")
    ticket_events_ingest(events=[opened], now=at(2, 9))
    clocks_check_due(now=at(2, 9, 31))


def test_tickets_alerts_and_measurements_are_listed_and_tickets_show_their_history(sla, superuser_client):
    open_ticket()
    Measurement.objects.create(
        service=sla["service"], measure_key="payslips", value=98, measured_at=at(2, 9), sender_id="m1"
    )
    for name in ("ticket", "alert", "measurement", "measureevaluation"):
        response = superuser_client.get(reverse(f"admin:sla_{name}_changelist"))
        assert response.status_code == 200, name
    page = superuser_client.get(reverse("admin:sla_ticket_change", args=[Ticket.objects.get().pk]))
    assert page.status_code == 200
    assert b"Pay run" in page.content and b"engage" in page.content


def test_alerts_can_be_acknowledged_from_the_admin(sla, superuser_client):
    open_ticket()
    alert = Alert.objects.get()
    response = superuser_client.post(
        reverse("admin:sla_alert_changelist"),
        {"action": "acknowledge", "_selected_action": [alert.pk]},
        follow=True,
    )
    assert b"1 alert(s) acknowledged." in response.content
    alert.refresh_from_db()
    assert alert.state == "acknowledged"


def test_observations_are_listed_with_those_waiting_for_their_opening(sla, superuser_client):
    from sla.models import TicketObservation

    ticket_events_ingest(events=[event("assigned", at(2, 9, 10), external_id="INC-LATE", assignee="Bo")], now=at(2, 10))
    open_ticket()
    page = superuser_client.get(reverse("admin:sla_ticketobservation_changelist"))
    assert page.status_code == 200 and b"INC-LATE" in page.content and b"INC-1" in page.content
    waiting = TicketObservation.objects.get(external_id="INC-LATE")
    assert waiting.ticket is None
    detail = superuser_client.get(reverse("admin:sla_ticketobservation_change", args=[waiting.pk]))
    assert detail.status_code == 200 and b"Bo" in detail.content
