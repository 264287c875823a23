"""The SLA API: ticket events in (rights, limits, replays), tickets with clocks and alerts out."""

import pytest
from rest_framework.test import APIClient

from catalog import rules as roles
from sla.models import Alert, Ticket, TicketEvent
from sla.services import clocks_check_due
from tests import factories as f
from tests.sla.conftest import at


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    ids = []
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", ids.extend)
    return ids


@pytest.fixture
def api():
    return APIClient()


def opened(external_id="INC-1", when="2026-11-02T09:00:00Z", **extra):
    return {
        "source": "servicedesk",
        "external_id": external_id,
        "kind": "opened",
        "occurred_at": when,
        "idempotency_key": f"{external_id}:opened",
        "service": "payroll",
        "business_unit": "finance",
        "priority": 2,
        "title": "Payslips missing",
        **extra,
    }


def as_user(api, user):
    api.force_authenticate(user)
    return api


def test_one_event_then_a_replay(api, sla, time_machine):
    time_machine.move_to(at(2, 9, 5))
    client = as_user(api, sla["owner"])
    response = client.post("/api/v1/ticket-events/", opened(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 1
    response = client.post("/api/v1/ticket-events/", opened(), format="json")
    assert response.status_code == 200
    assert response.json() == {"created": 0, "duplicates": 1, "tickets_created": 0, "held": 0, "ticket_ids": []}
    assert TicketEvent.objects.count() == 1


def test_a_list_is_stored_all_or_nothing(api, sla, time_machine):
    time_machine.move_to(at(2, 12))
    integration = f.UserFactory(roles=[roles.INTEGRATIONS])
    batch = [
        opened(),
        {**opened(), "kind": "assigned", "idempotency_key": "a", "occurred_at": "2026-11-02T09:10:00Z"},
        {**opened(), "kind": "resolved", "idempotency_key": "b", "occurred_at": "not a date"},
    ]
    response = as_user(api, integration).post("/api/v1/ticket-events/", batch, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "events[2].occurred_at"
    assert not TicketEvent.objects.exists()
    batch[2]["occurred_at"] = "2026-11-02T11:00:00+01:00"
    response = api.post("/api/v1/ticket-events/", batch, format="json")
    assert response.status_code == 201
    assert Ticket.objects.get().state == "resolved"


def test_event_before_opening_and_unknown_service(api, sla, time_machine):
    time_machine.move_to(at(2, 12))
    client = as_user(api, f.admin_user())
    early = {**opened(), "kind": "resolved", "idempotency_key": "r", "occurred_at": "2026-11-02T08:00:00Z"}
    response = client.post("/api/v1/ticket-events/", [opened(), early], format="json")
    assert response.status_code == 400
    assert "before ticket" in response.json()["errors"][0]["detail"]
    response = client.post("/api/v1/ticket-events/", opened(service="nope"), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"code": "invalid", "detail": "Unknown service 'nope'.", "attr": "service"}


def test_naive_dates_and_lists_over_the_limit_are_refused(api, sla):
    client = as_user(api, f.admin_user())
    response = client.post("/api/v1/ticket-events/", opened(when="2026-11-02T09:00:00"), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "occurred_at"
    response = client.post("/api/v1/ticket-events/", [opened()] * 1001, format="json")
    assert response.status_code == 400
    assert "at most 1,000 events" in response.json()["errors"][0]["detail"]
    assert not TicketEvent.objects.exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("reader", 403), ("other_owner", 403), ("owner", 201), ("integration", 201), ("admin", 201)],
)
def test_who_may_send_events(api, sla, who, expected, time_machine):
    time_machine.move_to(at(2, 9, 5))
    users = {
        "anonymous": None,
        "reader": f.business_user(),
        "other_owner": f.service_owner(),
        "owner": sla["owner"],
        "integration": f.UserFactory(roles=[roles.INTEGRATIONS]),
        "admin": f.admin_user(),
    }
    if users[who]:
        as_user(api, users[who])
    response = api.post("/api/v1/ticket-events/", opened(), format="json")
    assert response.status_code == expected
    if expected == 403:
        assert "You may not send ticket events for Payroll" in response.json()["errors"][0]["detail"]


def test_tickets_with_live_clocks_and_filters(api, sla, time_machine):
    time_machine.move_to(at(2, 9, 5))
    client = as_user(api, sla["owner"])
    client.post("/api/v1/ticket-events/", [opened(), opened("INC-2", when="2026-11-02T09:01:00Z")], format="json")
    time_machine.move_to(at(2, 10, 30), tick=False)
    clocks_check_due()
    body = client.get("/api/v1/tickets/?service=payroll&priority=2").json()
    assert body["count"] == 2
    detail = client.get(f"/api/v1/tickets/{Ticket.objects.get(external_id='INC-1').pk}/").json()
    engage = next(c for c in detail["clocks"] if c["kind"] == "engage")
    assert engage["state"] == "breached"
    assert engage["elapsed_seconds"] == 5400  # 09:00 to 10:30, counted live
    assert engage["remaining_seconds"] == 0
    assert engage["share_used"] == 1.5
    resolve = next(c for c in detail["clocks"] if c["kind"] == "resolve")
    assert (resolve["state"], resolve["due_at"], resolve["calendar"]) == ("running", "2026-11-02T17:00:00Z", "Office")
    assert client.get("/api/v1/tickets/?breached=true").json()["count"] == 2
    assert client.get("/api/v1/tickets/?at_risk=true").json()["count"] == 2
    assert client.get("/api/v1/tickets/?breached=false").json()["count"] == 0
    assert client.get("/api/v1/tickets/?state=resolved").json()["count"] == 0


def test_tickets_are_scoped_to_who_asks(api, sla, time_machine):
    time_machine.move_to(at(2, 9, 5))
    as_user(api, sla["owner"]).post("/api/v1/ticket-events/", opened(), format="json")
    assert as_user(api, f.service_owner()).get("/api/v1/tickets/").json()["count"] == 0
    assert as_user(api, sla["rep"]).get("/api/v1/tickets/").json()["count"] == 1  # a Finance member
    api.force_authenticate(None)
    assert api.get("/api/v1/tickets/").status_code == 401


@pytest.mark.parametrize(
    ("assignee", "assignee_email"),
    [("Sam Ortiz", "SAM@example.com"), ("sortiz", ""), ("sam@example.com", "")],
    ids=["by-email", "by-username", "by-name-as-email"],
)
def test_the_assignee_sees_the_tickets_assigned_to_them(api, sla, time_machine, assignee, assignee_email):
    time_machine.move_to(at(2, 9, 5))
    sam = f.UserFactory(username="sortiz", email="sam@example.com")  # in no unit, owns no service
    other = f.UserFactory(username="kim", email="kim@example.com")
    as_user(api, sla["owner"]).post(
        "/api/v1/ticket-events/", opened(assignee=assignee, assignee_email=assignee_email), format="json"
    )
    ticket = Ticket.objects.get()
    assert as_user(api, sam).get("/api/v1/tickets/").json()["count"] == 1
    assert as_user(api, sam).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200
    assert as_user(api, other).get("/api/v1/tickets/").json()["count"] == 0
    assert as_user(api, other).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404


def test_alerts_list_filter_and_acknowledge(api, sla, time_machine):
    time_machine.move_to(at(2, 9, 5))
    client = as_user(api, sla["owner"])
    client.post("/api/v1/ticket-events/", opened(), format="json")
    clocks_check_due(now=at(2, 9, 31))
    body = client.get("/api/v1/alerts/?service=payroll&state=open&kind=clock_warning").json()
    assert body["count"] == 1
    alert_id = body["results"][0]["id"]
    assert as_user(api, f.service_owner()).post(f"/api/v1/alerts/{alert_id}/acknowledge/").status_code == 404
    response = as_user(api, sla["owner"]).post(f"/api/v1/alerts/{alert_id}/acknowledge/")
    assert response.status_code == 200
    assert response.json()["state"] == "acknowledged"
    assert response.json()["acknowledged_by"] == "owner"
    response = api.post(f"/api/v1/alerts/{alert_id}/acknowledge/")
    assert response.status_code == 400
    assert "only an open alert" in response.json()["errors"][0]["detail"]
    assert Alert.objects.get().acknowledged_by == sla["owner"]


def test_an_event_ahead_of_its_opening_is_held_for_integrations_and_refused_to_others(api, sla, time_machine):
    from sla.models import TicketObservation

    time_machine.move_to(at(2, 12))
    early = {
        "source": "servicedesk",
        "external_id": "INC-9",
        "kind": "assigned",
        "occurred_at": "2026-11-02T09:10:00Z",
        "idempotency_key": "INC-9:assigned",
        "assignee": "Bo",
    }
    refused = as_user(api, sla["owner"]).post("/api/v1/ticket-events/", early, format="json")
    assert refused.status_code == 403 and "not known yet" in refused.json()["errors"][0]["detail"]
    assert not TicketObservation.objects.exists()
    held = as_user(api, f.UserFactory(roles=[roles.INTEGRATIONS])).post("/api/v1/ticket-events/", early, format="json")
    assert held.status_code == 201
    assert held.json() == {"created": 1, "duplicates": 0, "tickets_created": 0, "held": 1, "ticket_ids": []}
    response = as_user(api, sla["owner"]).post("/api/v1/ticket-events/", opened("INC-9"), format="json")
    assert response.status_code == 201 and response.json()["tickets_created"] == 1
    assert Ticket.objects.get(external_id="INC-9").assignee == "Bo"
