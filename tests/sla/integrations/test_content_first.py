"""Content is read before the "ticket is closed, later changes do not count" short-cut: an
impossible date or an unknown priority is a 400 whatever the ticket's state, and nothing is
stored (issue 12)."""

from __future__ import annotations

import pytest

from sla.integrations.signatures import sign_zendesk
from sla.models import Ticket, TicketEvent, TicketObservation
from tests.sla.conftest import at
from tests.sla.integrations.conftest import (
    SECRET,
    body_of,
    jira_created,
    jira_headers,
    jira_updated,
    post,
    sn_headers,
    sn_record,
    zd_event,
    zd_time,
)

NOW = at(4, 12)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def stored():
    return TicketObservation.objects.count(), list(TicketEvent.objects.values_list("kind", "occurred_at"))


def send_sn(api, record):
    body = body_of(record)
    return post(api, "/api/v1/integrations/servicenow/", body, sn_headers(body))


def send_zd(api, payload):
    body = body_of(payload)
    timestamp = zd_time(NOW)
    headers = {
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": sign_zendesk(SECRET, body, timestamp),
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp,
    }
    return post(api, "/api/v1/integrations/zendesk/", body, headers)


def send_jira(api, payload, delivery):
    body = body_of(payload)
    return post(api, "/api/v1/integrations/jira/", body, jira_headers(body, delivery=delivery))


def assert_refused(response, attr, words, before):
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert error["attr"] == attr and words in error["detail"]
    assert stored() == before


@pytest.mark.parametrize(
    ("changes", "attr", "words"),
    [
        ({"priority": "9"}, "priority", "'9' is not mapped"),
        ({"opened_at": "2026-02-30 09:00:00"}, "opened_at", "YYYY-MM-DD HH:MM:SS"),
        ({"closed_at": "2026-11-31 09:00:00"}, "closed_at", "YYYY-MM-DD HH:MM:SS"),
        ({"state": "42"}, "state", "'42' is not mapped"),
    ],
)
def test_servicenow_on_a_closed_ticket(api, servicenow, changes, attr, words):
    send_sn(api, sn_record())
    closed = sn_record(updated=at(3, 9), state="7", closed_at="2026-11-03 09:00:00")
    send_sn(api, closed)
    assert Ticket.objects.get().state == "closed"
    before = stored()
    later = {**closed, "sys_updated_on": "2026-11-03 10:00:00", **changes}
    assert_refused(send_sn(api, later), attr, words, before)
    # A well-formed change after closing is still acknowledged and ignored.
    fine = send_sn(api, {**closed, "sys_updated_on": "2026-11-03 11:00:00", "priority": "1"})
    assert fine.status_code == 200 and "is closed in Accord" in fine.json()["ignored"]


@pytest.mark.parametrize(
    ("changes", "attr", "words"),
    [
        ({"priority": "EXTREME"}, "detail.priority", "'EXTREME' is not mapped"),
        ({"created_at": "2026-02-30T09:00:00Z"}, "detail.created_at", "not a date and time"),
    ],
)
def test_zendesk_on_a_closed_ticket(api, zendesk, changes, attr, words):
    send_zd(api, zd_event("created", when=at(2, 9), event_id="e1"))
    send_zd(api, zd_event("status_changed", when=at(3, 9), event_id="e2", status="CLOSED"))
    assert Ticket.objects.get().state == "closed"
    before = stored()
    payload = zd_event("priority_changed", when=at(3, 10), event_id="e3", status="CLOSED", **changes)
    assert_refused(send_zd(api, payload), attr, words, before)


def test_jira_on_a_closed_ticket(api, jira):
    send_jira(api, jira_created(), "d1")
    send_jira(api, jira_updated(when=at(3, 9), items=[("status", "Open", "Closed")], status="Closed"), "d2")
    assert Ticket.objects.get().state == "closed"
    before = stored()
    unknown = jira_updated(when=at(3, 10), items=[("priority", "High", "Blocker")], status="Closed", priority="Blocker")
    unknown["issue"]["fields"]["priority"]["name"] = "Apocalyptic"
    assert_refused(send_jira(api, unknown, "d3"), "issue.fields.priority.name", "'Apocalyptic' is not mapped", before)
    impossible = jira_updated(when=at(3, 11), items=[], status="Closed")
    impossible["issue"]["fields"]["created"] = "2026-02-30T09:00:00.000+0000"
    assert_refused(send_jira(api, impossible, "d4"), "issue.fields.created", "not a date and time", before)


def test_rest_events_for_a_closed_ticket_are_checked_too(api, sla):
    from catalog import rules as roles
    from tests import factories as f

    api.force_authenticate(f.UserFactory(roles=[roles.INTEGRATIONS]))
    base = {"source": "desk", "external_id": "INC-5"}
    opened = {**base, "kind": "opened", "occurred_at": "2026-11-02T09:00:00Z", "idempotency_key": "o"}
    closed = {**base, "kind": "closed", "occurred_at": "2026-11-02T10:00:00Z", "idempotency_key": "c"}
    assert api.post("/api/v1/ticket-events/", [{**opened, "service": "payroll", "priority": 2}, closed]).status_code
    assert Ticket.objects.get().state == "closed"
    before = stored()
    late = {**base, "kind": "priority_changed", "idempotency_key": "p"}
    for bad, attr in (
        ({"occurred_at": "2026-02-30T10:00:00Z", "priority": 1}, "occurred_at"),
        ({"priority": 9}, "priority"),
    ):
        response = api.post(
            "/api/v1/ticket-events/", {"occurred_at": "2026-11-02T11:00:00Z", **late, **bad}, format="json"
        )
        assert response.status_code == 400 and response.json()["errors"][0]["attr"] == attr
        assert stored() == before


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00.000+0500", "9999-12-31T20:00:00.000-0500"])
def test_a_time_off_the_calendar_in_utc_is_a_400_not_a_500(api, jira, zendesk, when):
    """Python reads these; put in UTC they fall before year 1 or after 9999 (a 500 before)."""
    before = stored()
    created = jira_created()
    created["issue"]["fields"]["created"] = when
    assert_refused(send_jira(api, created, "d1"), "issue.fields.created", "outside the calendar", before)
    zd = zd_event("created", when=at(2, 9), event_id="e1", created_at=when.replace(".000", ""))
    assert_refused(send_zd(api, zd), "detail.created_at", "outside the calendar", before)
