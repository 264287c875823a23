"""Jira / JSM webhooks end to end: signed deliveries become ticket events; replays, bad
signatures and bad payloads store nothing."""

import json

import pytest

from sla.clocks import ENGAGE, MET, PAUSED, RESOLVE
from sla.models import Clock, Ticket, TicketEvent
from tests.sla.conftest import at
from tests.sla.integrations.conftest import (
    body_of,
    jira_comment,
    jira_created,
    jira_headers,
    jira_updated,
    post,
)

URL = "/api/v1/integrations/jira/"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(at(3, 12))


def deliver(api, payload, delivery="delivery-1", **headers):
    body = body_of(payload)
    return post(api, URL, body, {**jira_headers(body, delivery=delivery), **headers})


def kinds(external_id="HR-12"):
    return list(
        TicketEvent.objects.filter(ticket__external_id=external_id)
        .order_by("occurred_at", "id")
        .values_list("kind", flat=True)
    )


def test_an_issue_created_opens_a_ticket_with_its_mapped_priority(api, jira, sla):
    response = deliver(api, jira_created(priority="Highest", assignee="Alex Agent"))
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get(source="jira", external_id="HR-12")
    assert response.json() == {"created": 2, "duplicates": 0, "ticket": ticket.pk, "external_id": "HR-12"}
    assert (ticket.service, ticket.business_unit, ticket.priority) == (sla["service"], sla["unit"], 1)
    assert ticket.title == "Payslips not generated for November"
    assert ticket.requester == "Ann Customer" and ticket.assignee == "Alex Agent"
    assert kinds() == ["opened", "assigned"]
    assert Clock.objects.get(ticket=ticket, kind=ENGAGE).state == MET


def test_a_replayed_delivery_changes_nothing(api, jira):
    first = deliver(api, jira_created())
    update = jira_updated(
        when=at(2, 10), items=[("status", "Waiting for support", "Waiting for customer")], status="Waiting for customer"
    )
    assert deliver(api, update, delivery="delivery-2").json()["created"] == 1
    again = deliver(api, jira_created())
    assert again.status_code == 200
    assert again.json()["created"] == 0 and first.json()["ticket"] == again.json()["ticket"]
    again = deliver(api, update, delivery="delivery-2")
    assert again.json() == {**again.json(), "created": 0, "duplicates": 1}
    assert kinds() == ["opened", "paused"]


def test_status_priority_and_assignee_changes(api, jira):
    deliver(api, jira_created(priority="Medium"))
    deliver(
        api,
        jira_updated(
            when=at(2, 10),
            items=[("status", "Waiting for support", "In Progress"), ("assignee", None, "Alex Agent")],
            status="In Progress",
            assignee="Alex Agent",
            priority="Medium",
        ),
        "d2",
    )
    deliver(
        api,
        jira_updated(
            when=at(2, 11),
            items=[("priority", "Medium", "Highest")],
            status="In Progress",
            assignee="Alex Agent",
            priority="Highest",
        ),
        "d3",
    )
    deliver(
        api,
        jira_updated(
            when=at(2, 12),
            items=[("status", "In Progress", "Waiting for customer")],
            status="Waiting for customer",
            assignee="Alex Agent",
            priority="Highest",
        ),
        "d4",
    )
    assert kinds() == ["opened", "responded", "assigned", "priority_changed", "paused"]
    ticket = Ticket.objects.get(external_id="HR-12")
    assert (ticket.priority, ticket.state, ticket.assignee) == (1, "paused", "Alex Agent")
    assert Clock.objects.get(ticket=ticket, kind=RESOLVE).state == PAUSED


def test_done_means_resolved_and_leaving_done_reopens(api, jira):
    deliver(api, jira_created())
    deliver(
        api,
        jira_updated(when=at(2, 13), items=[("status", "Waiting for support", "Resolved")], status="Resolved"),
        "d2",
    )
    assert Ticket.objects.get(external_id="HR-12").state == "resolved"
    deliver(
        api,
        jira_updated(
            when=at(2, 14), items=[("status", "Resolved", "Waiting for support")], status="Waiting for support"
        ),
        "d3",
    )
    assert kinds() == ["opened", "resolved", "reopened"]
    assert Ticket.objects.get(external_id="HR-12").state == "open"


def test_an_unmapped_done_status_resolves_by_its_category(api, jira):
    jira.states = {"Waiting for customer": "paused"}  # "Done" is not mapped: its category decides
    jira.save(update_fields=["states"])
    deliver(api, jira_created())
    deliver(api, jira_updated(when=at(2, 13), items=[("status", "Waiting for support", "Done")], status="Done"), "d2")
    assert kinds() == ["opened", "resolved"]


def test_an_issue_first_seen_on_an_update_opens_at_its_creation_as_it_was(api, jira):
    payload = jira_updated(when=at(2, 11), items=[("priority", "Low", "High")], priority="High")
    assert deliver(api, payload).status_code == 200
    events = TicketEvent.objects.filter(ticket__external_id="HR-12").order_by("occurred_at")
    assert [(e.kind, e.occurred_at, e.priority) for e in events] == [
        ("opened", at(2, 9), 4),
        ("priority_changed", at(2, 11), 2),
    ]


def test_agent_comments_are_responses_internal_notes_and_customers_are_not(api, jira):
    deliver(api, jira_created())
    assert deliver(api, jira_comment(when=at(2, 9, 30), public=False, comment_id="1"), "c1").json()["created"] == 0
    customer = jira_comment(when=at(2, 9, 40), author="Ann Customer", account_type="customer", comment_id="2")
    assert deliver(api, customer, "c2").json()["created"] == 0
    assert deliver(api, jira_comment(when=at(2, 10), comment_id="3"), "c3").json()["created"] == 1
    assert deliver(api, jira_comment(when=at(2, 11), comment_id="4"), "c4").json()["created"] == 1
    assert kinds() == ["opened", "responded", "customer_updated"]
    # The same comment again inside jira:issue_updated (issue_commented) is not a second response.
    payload = jira_updated(when=at(2, 11), items=[])
    payload["comment"] = jira_comment(when=at(2, 11), comment_id="4")["comment"]
    assert deliver(api, payload, "c5").json()["duplicates"] == 1


def test_a_comment_on_an_issue_accord_never_saw_is_ignored_with_a_reason(api, jira):
    response = deliver(api, jira_comment(when=at(2, 10)))
    assert response.status_code == 200
    assert "has not seen HR-12" in response.json()["ignored"]
    assert not Ticket.objects.exists()


def test_other_events_are_acknowledged_and_ignored(api, jira):
    response = deliver(api, {"timestamp": ms_now(), "webhookEvent": "worklog_created", "worklog": {}})
    assert response.status_code == 200 and "worklog_created" in response.json()["ignored"]


def ms_now():
    return int(at(3, 12).timestamp() * 1000)


def test_routing_by_component_overrides_the_default(api, jira, sla):
    from tests.factories import BusinessUnitFactory, ServiceFactory

    ServiceFactory(slug="remote-access")
    BusinessUnitFactory(slug="sales")
    jira.routing = [{"field": "component", "value": "vpn", "service": "remote-access", "business_unit": "sales"}]
    jira.save(update_fields=["routing"])
    deliver(api, jira_created(components=("VPN", "Laptops")))
    ticket = Ticket.objects.select_related("service", "business_unit").get(external_id="HR-12")
    assert (ticket.service.slug, ticket.business_unit.slug) == ("remote-access", "sales")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"HTTP_X_HUB_SIGNATURE": "sha256=" + "0" * 64}, "does not match"),
        ({"HTTP_X_HUB_SIGNATURE": ""}, "missing"),
        ({"HTTP_X_HUB_SIGNATURE": "md5=abc"}, "sha256="),
    ],
)
def test_a_wrong_or_missing_signature_is_401_and_stores_nothing(api, jira, headers, message):
    response = deliver(api, jira_created(), **headers)
    assert response.status_code == 401
    assert message in response.json()["errors"][0]["detail"]
    assert response["WWW-Authenticate"].startswith("HMAC-SHA256")
    assert not Ticket.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(api, jira):
    body = body_of(jira_created())
    response = post(api, URL, body, jira_headers(body, secret="another secret"))
    assert response.status_code == 401


def test_without_a_secret_jira_deliveries_are_accepted_unsigned(api, jira):
    jira.secret = ""
    jira.save(update_fields=["secret"])
    response = post(api, URL, body_of(jira_created()), {})
    assert response.status_code == 200 and response.json()["created"] == 1


def test_an_unmapped_priority_is_400_naming_it(api, jira):
    jira.priorities = {"High": 2}
    jira.save(update_fields=["priorities"])
    response = deliver(api, jira_created(priority="Blocker"))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == "issue.fields.priority.name" and "'Blocker' is not mapped" in error["detail"]
    assert not Ticket.objects.exists()


def test_no_route_and_no_default_service_is_400(api, jira):
    jira.default_service = None
    jira.save(update_fields=["default_service"])
    response = deliver(api, jira_created())
    assert response.status_code == 400
    assert "No routing rule matches" in response.json()["errors"][0]["detail"]
    assert "project=HR/Human Resources" in response.json()["errors"][0]["detail"]


def test_a_route_to_a_removed_service_is_400_naming_it(api, jira):
    jira.routing = [{"field": "project", "value": "HR", "service": "gone"}]  # bypasses the admin's check
    jira.save(update_fields=["routing"])
    response = deliver(api, jira_created())
    assert response.status_code == 400
    assert "service 'gone', which does not exist" in response.json()["errors"][0]["detail"]


def test_malformed_json_and_dates_are_400(api, jira):
    body = b'{"webhookEvent": "jira:issue_created", '
    response = post(api, URL, body, jira_headers(body))
    assert response.status_code == 400 and "not valid JSON" in response.json()["errors"][0]["detail"]
    payload = jira_created()
    payload["issue"]["fields"]["created"] = "yesterday"
    response = deliver(api, payload)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "issue.fields.created"
    assert not Ticket.objects.exists()


def test_an_event_before_the_opening_is_400_and_stores_nothing(api, jira):
    deliver(api, jira_created(when=at(2, 9)))
    payload = jira_comment(when=at(2, 8))
    response = deliver(api, payload, "early")
    assert response.status_code == 400
    assert "before HR-12 was opened" in response.json()["errors"][0]["detail"]
    assert kinds() == ["opened"]


def test_several_jira_integrations_are_told_apart_by_slug(api, jira, sla):
    from sla.integrations.services import integration_create

    integration_create(kind="jira", name="Other site", slug="jira-eu", default_service=sla["service"])
    response = deliver(api, jira_created())
    assert response.status_code == 400 and "Several" in response.json()["errors"][0]["detail"]
    body = body_of(jira_created())
    response = post(api, "/api/v1/integrations/jira/jira-eu/", body, {})
    assert response.status_code == 200
    assert Ticket.objects.get().source == "jira-eu"


def test_an_inactive_or_missing_integration_refuses(api, jira):
    jira.active = False
    jira.save(update_fields=["active"])
    assert deliver(api, jira_created()).status_code == 404
    body = body_of(jira_created())
    assert post(api, "/api/v1/integrations/jira/jira/", body, jira_headers(body)).status_code == 403
    assert post(api, "/api/v1/integrations/jira/nope/", body, jira_headers(body)).status_code == 404


def test_the_signature_covers_the_exact_bytes(api, jira):
    body = body_of(jira_created())
    headers = jira_headers(body)
    tampered = json.dumps(json.loads(body), indent=1).encode()  # same JSON, other bytes
    assert post(api, URL, tampered, headers).status_code == 401


def test_query_count_is_bounded(api, jira, django_assert_max_num_queries):
    """About 8 queries of the webhook's own (integration, ticket as known, routing check) plus
    what ticket_events_ingest needs to store the event and recompute the clocks (~28 today)."""
    deliver(api, jira_created())
    payload = jira_updated(
        when=at(2, 10), items=[("status", "Waiting for support", "Waiting for customer")], status="Waiting for customer"
    )
    with django_assert_max_num_queries(40):
        assert deliver(api, payload, "d2").json()["created"] == 1
