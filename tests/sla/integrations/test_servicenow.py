"""ServiceNow incident snapshots end to end: Accord derives events by comparing each record with
what it knows; the same snapshot twice changes nothing; unsigned or bad records store nothing."""

import base64

import pytest

from sla.integrations.signatures import hmac_sha256
from sla.models import Ticket, TicketEvent
from tests.sla.conftest import at
from tests.sla.integrations.conftest import SECRET, body_of, post, sn_headers, sn_record

URL = "/api/v1/integrations/servicenow/"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(at(3, 12))


def deliver(api, payload, **headers):
    body = body_of(payload)
    return post(api, URL, body, headers or sn_headers(body))


def history(number="INC0010042"):
    return [
        (e.kind, e.occurred_at)
        for e in TicketEvent.objects.filter(ticket__external_id=number).order_by("occurred_at", "id")
    ]


def test_first_sight_opens_at_opened_at_with_priority_impact_and_urgency(api, servicenow, sla):
    response = deliver(api, {"result": sn_record()})
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get(source="servicenow", external_id="INC0010042")
    assert response.json() == {"created": 1, "duplicates": 0, "ticket": ticket.pk, "external_id": "INC0010042"}
    assert (ticket.priority, ticket.impact, ticket.urgency) == (2, 2, 1)
    assert (ticket.title, ticket.requester) == ("Payslips not generated", "Ann Customer")
    assert ticket.service == sla["service"]
    assert ticket.opened_at == at(2, 9)


def test_a_life_from_new_to_closed(api, servicenow):
    deliver(api, sn_record())
    deliver(api, sn_record(updated=at(2, 9, 20), state="2", assigned_to={"display_value": "Beth Agent", "value": "b1"}))
    deliver(api, sn_record(updated=at(2, 10), state="3", assigned_to="Beth Agent"))
    deliver(api, sn_record(updated=at(2, 11), state="2", assigned_to="Beth Agent", priority="1", impact="1"))
    resolved = sn_record(
        updated=at(2, 12, 5), state="6", assigned_to="Beth Agent", priority="1", resolved_at="2026-11-02 12:00:00"
    )
    deliver(api, resolved)
    deliver(api, sn_record(updated=at(2, 13), state="2", assigned_to="Beth Agent", priority="1"))  # reopened
    deliver(api, {**resolved, "sys_updated_on": "2026-11-02 14:00:00", "resolved_at": "2026-11-02 14:00:00"})
    deliver(
        api,
        {
            **resolved,
            "state": "7",
            "sys_updated_on": "2026-11-05 14:00:00",
            "resolved_at": "2026-11-02 14:00:00",
            "closed_at": "2026-11-05 14:00:00",
        },
    )
    assert history() == [
        ("opened", at(2, 9)),
        ("responded", at(2, 9, 20)),
        ("assigned", at(2, 9, 20)),
        ("paused", at(2, 10)),
        ("resumed", at(2, 11)),
        ("priority_changed", at(2, 11)),
        ("resolved", at(2, 12)),
        ("reopened", at(2, 13)),
        ("resolved", at(2, 14)),
        ("closed", at(5, 14)),
    ]
    ticket = Ticket.objects.get()
    assert (ticket.state, ticket.priority, ticket.impact, ticket.assignee) == ("closed", 1, 1, "Beth Agent")


def test_the_same_snapshot_twice_changes_nothing(api, servicenow):
    deliver(api, sn_record())
    snapshot = sn_record(updated=at(2, 10), state="3", assigned_to="Beth Agent")
    assert deliver(api, snapshot).json()["created"] == 2
    again = deliver(api, snapshot)
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["duplicates"]) == (0, 2)
    assert deliver(api, sn_record()).json()["created"] == 0
    assert len(history()) == 3


def test_a_record_first_seen_already_resolved_opens_and_resolves(api, servicenow):
    record = sn_record(updated=at(2, 15), state="6", resolved_at="2026-11-02 14:30:00", assigned_to="Beth Agent")
    assert deliver(api, record).json()["created"] == 3
    assert history() == [("opened", at(2, 9)), ("resolved", at(2, 14, 30)), ("assigned", at(2, 15))]


def test_cancelled_and_closed_states(api, servicenow):
    deliver(api, sn_record())
    deliver(api, sn_record(updated=at(2, 10), state="8"))
    assert Ticket.objects.get().state == "cancelled"
    assert history()[-1] == ("cancelled", at(2, 10))


def test_base64_signatures_and_the_shared_token_are_accepted(api, servicenow):
    body = body_of(sn_record())
    signature = base64.b64encode(hmac_sha256(SECRET, body)).decode()
    assert post(api, URL, body, {"HTTP_X_ACCORD_SIGNATURE": f"sha256={signature}"}).status_code == 200
    body = body_of(sn_record(number="INC0010043"))
    assert post(api, URL, body, {"HTTP_X_ACCORD_TOKEN": SECRET}).status_code == 200
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_X_ACCORD_TOKEN": "guess"}, {"HTTP_X_ACCORD_SIGNATURE": "sha256=" + "ab" * 32}],
)
def test_unsigned_or_wrongly_signed_records_are_401(api, servicenow, headers):
    response = post(api, URL, body_of(sn_record()), headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("changes", "attr", "words"),
    [
        ({"priority": "9"}, "priority", "'9' is not mapped"),
        ({"state": "42"}, "state", "'42' is not mapped"),
        ({"opened_at": "02/11/2026 09:00"}, "opened_at", "YYYY-MM-DD HH:MM:SS"),
        ({"sys_updated_on": ""}, "sys_updated_on", "YYYY-MM-DD HH:MM:SS"),
        ({"number": ""}, "number", "no number"),
    ],
)
def test_bad_records_are_400_naming_the_field(api, servicenow, changes, attr, words):
    response = deliver(api, sn_record(**changes))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == attr and words in error["detail"]
    assert not Ticket.objects.exists()


def test_a_resolution_before_the_opening_is_400_naming_the_event(api, servicenow):
    deliver(api, sn_record())
    response = deliver(api, sn_record(updated=at(2, 10), state="6", resolved_at="2026-11-01 10:00:00"))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == "resolved.occurred_at" and "before ticket" in error["detail"]
    assert len(history()) == 1


def test_routing_by_configuration_item_display_value(api, servicenow):
    from tests.factories import ServiceFactory

    ServiceFactory(slug="sap")
    servicenow.routing = [{"field": "cmdb_ci", "value": "SAP Payroll", "service": "sap"}]
    servicenow.save(update_fields=["routing"])
    deliver(api, sn_record())
    assert Ticket.objects.get().service.slug == "sap"


def test_a_list_of_several_records_is_refused(api, servicenow):
    response = deliver(api, {"result": [sn_record(), sn_record(number="INC2")]})
    assert response.status_code == 400 and "one incident per delivery" in response.json()["errors"][0]["detail"]


def test_changes_after_closing_do_not_count(api, servicenow):
    deliver(api, sn_record())
    closed = sn_record(updated=at(3, 9), state="7", closed_at="2026-11-03 09:00:00")
    deliver(api, closed)
    response = deliver(api, {**closed, "priority": "1", "sys_updated_on": "2026-11-03 10:00:00"})
    assert response.status_code == 200
    assert "INC0010042 is closed in Accord" in response.json()["ignored"]
    assert [kind for kind, _ in history()] == ["opened", "closed"]
    assert Ticket.objects.get().priority == 2
