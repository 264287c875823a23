"""Zendesk event webhooks end to end: signature with timestamp (stale ones refused), the ticket
events Zendesk sends, replays, bad input."""

from datetime import timedelta

import pytest

from sla.models import Ticket, TicketEvent
from tests.sla.conftest import at
from tests.sla.integrations.conftest import body_of, post, zd_event, zd_headers

URL = "/api/v1/integrations/zendesk/"
TIMESTAMP_HEADER = "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP"
NOW = at(3, 12)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW)


def deliver(api, payload, *, signed_at=NOW):
    body = body_of(payload)
    return post(api, URL, body, zd_headers(body, signed_at=signed_at))


def history():
    """(kind, time to the second): Zendesk's times carry nanoseconds, kept to the microsecond."""
    return [(e.kind, e.occurred_at.replace(microsecond=0)) for e in TicketEvent.objects.order_by("occurred_at", "id")]


def test_nanosecond_times_are_kept_to_the_microsecond(api, zendesk):
    deliver(api, zd_event("created", when=at(2, 9)))
    deliver(api, zd_event("status_changed", when=at(2, 10), event_id="e2", status="PENDING"))
    assert TicketEvent.objects.get(kind="paused").occurred_at == at(2, 10).replace(microsecond=123456)


def test_a_created_ticket_opens_with_its_mapped_priority(api, zendesk, sla):
    response = deliver(api, zd_event("created", when=at(2, 9), priority="URGENT"))
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get(source="zendesk", external_id="5158")
    assert response.json() == {"created": 1, "duplicates": 0, "ticket": ticket.pk, "external_id": "5158"}
    assert (ticket.priority, ticket.title, ticket.service) == (1, "Payslips not generated", sla["service"])


def test_statuses_assignment_priority_and_comments(api, zendesk):
    deliver(api, zd_event("created", when=at(2, 9), event_id="e1"))
    deliver(
        api,
        zd_event(
            "agent_assignment_changed",
            when=at(2, 9, 15),
            event_id="e2",
            status="OPEN",
            assignee="900",
            event={"previous": None, "current": "900"},
        ),
    )
    comment = {
        "id": 77,
        "body": "Looking into it.",
        "is_public": True,
        "author": {"id": "900", "is_staff": True, "name": "Beth Agent"},
    }
    deliver(
        api,
        zd_event(
            "comment_added", when=at(2, 9, 30), event_id="e3", status="OPEN", assignee="900", event={"comment": comment}
        ),
    )
    deliver(
        api,
        zd_event(
            "status_changed",
            when=at(2, 10),
            event_id="e4",
            status="PENDING",
            assignee="900",
            event={"previous": "OPEN", "current": "PENDING"},
        ),
    )
    deliver(
        api,
        zd_event(
            "status_changed",
            when=at(2, 11),
            event_id="e5",
            status="OPEN",
            assignee="900",
            event={"previous": "PENDING", "current": "OPEN"},
        ),
    )
    deliver(
        api,
        zd_event(
            "priority_changed",
            when=at(2, 11, 30),
            event_id="e6",
            status="OPEN",
            assignee="900",
            priority="LOW",
            event={"previous": "HIGH", "current": "LOW"},
        ),
    )
    later = {**comment, "id": 78}
    deliver(
        api,
        zd_event(
            "comment_added",
            when=at(2, 12),
            event_id="e7",
            status="OPEN",
            assignee="900",
            priority="LOW",
            event={"comment": later},
        ),
    )
    deliver(
        api,
        zd_event(
            "status_changed",
            when=at(2, 13),
            event_id="e8",
            status="SOLVED",
            assignee="900",
            priority="LOW",
            event={"previous": "OPEN", "current": "SOLVED"},
        ),
    )
    deliver(
        api,
        zd_event(
            "status_changed",
            when=at(6, 13),
            event_id="e9",
            status="CLOSED",
            assignee="900",
            priority="LOW",
            event={"previous": "SOLVED", "current": "CLOSED"},
        ),
    )
    assert [kind for kind, _ in history()] == [
        "opened",
        "assigned",
        "responded",
        "paused",
        "resumed",
        "priority_changed",
        "customer_updated",
        "resolved",
        "closed",
    ]
    ticket = Ticket.objects.get()
    assert (ticket.state, ticket.priority, ticket.assignee) == ("closed", 4, "900")


def test_private_notes_and_the_requester_s_comments_are_not_responses(api, zendesk):
    deliver(api, zd_event("created", when=at(2, 9), event_id="e1"))
    note = {"id": 1, "body": "internal", "is_public": False, "author": {"id": "900", "is_staff": True}}
    reply = {"id": 2, "body": "any news?", "is_public": True, "author": {"id": "8447388090400", "is_staff": False}}
    for n, comment in enumerate((note, reply), start=2):
        response = deliver(api, zd_event("comment_added", when=at(2, 10), event_id=f"e{n}", event={"comment": comment}))
        assert response.json()["created"] == 0
    assert [kind for kind, _ in history()] == ["opened"]


def test_deleted_tickets_are_cancelled(api, zendesk):
    deliver(api, zd_event("created", when=at(2, 9), event_id="e1"))
    deliver(api, zd_event("soft_deleted", when=at(2, 10), event_id="e2", status="DELETED"))
    assert Ticket.objects.get().state == "cancelled"


def test_a_ticket_first_seen_on_a_status_change_opens_as_it_was(api, zendesk):
    payload = zd_event(
        "status_changed", when=at(2, 10), status="PENDING", event={"previous": "OPEN", "current": "PENDING"}
    )
    assert deliver(api, payload).json()["created"] == 2
    assert history() == [("opened", at(2, 9)), ("paused", at(2, 10))]


def test_a_replay_changes_nothing(api, zendesk):
    deliver(api, zd_event("created", when=at(2, 9), event_id="e1"))
    payload = zd_event(
        "status_changed", when=at(2, 10), event_id="e2", status="HOLD", event={"previous": "NEW", "current": "HOLD"}
    )
    assert deliver(api, payload).json()["created"] == 1
    again = deliver(api, payload)
    assert again.status_code == 200 and (again.json()["created"], again.json()["duplicates"]) == (0, 1)
    assert len(history()) == 2


def test_a_ticket_without_priority_gets_the_default_mapping(api, zendesk):
    deliver(api, zd_event("created", when=at(2, 9), priority=None))
    assert Ticket.objects.get().priority == 3


@pytest.mark.parametrize("skew", [timedelta(minutes=6), -timedelta(minutes=6), timedelta(days=1)])
def test_stale_or_future_signatures_are_refused_as_replays(api, zendesk, skew):
    response = deliver(api, zd_event("created", when=at(2, 9)), signed_at=NOW - skew)
    assert response.status_code == 401
    assert "refusing a replay" in response.json()["errors"][0]["detail"]
    assert not Ticket.objects.exists()


def test_a_signature_within_five_minutes_is_accepted(api, zendesk):
    assert deliver(api, zd_event("created", when=at(2, 9)), signed_at=NOW - timedelta(minutes=4)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": "bm9wZQ==", TIMESTAMP_HEADER: "2026-11-03T12:00:00Z"},
        {"HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": "bm9wZQ==", TIMESTAMP_HEADER: "noon"},
    ],
)
def test_missing_or_wrong_signatures_are_401(api, zendesk, headers):
    assert post(api, URL, body_of(zd_event("created", when=at(2, 9))), headers).status_code == 401
    assert not Ticket.objects.exists()


def test_the_timestamp_is_part_of_what_is_signed(api, zendesk):
    body = body_of(zd_event("created", when=at(2, 9)))
    headers = zd_headers(body, signed_at=NOW)
    headers["HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP"] = "2026-11-03T12:00:01Z"
    assert post(api, URL, body, headers).status_code == 401


def test_routing_by_group(api, zendesk):
    from tests.factories import ServiceFactory

    ServiceFactory(slug="hr-desk")
    zendesk.routing = [{"field": "group", "value": "360000222222", "service": "hr-desk"}]
    zendesk.save(update_fields=["routing"])
    deliver(api, zd_event("created", when=at(2, 9)))
    assert Ticket.objects.get().service.slug == "hr-desk"


def test_an_unknown_status_and_a_malformed_time_are_400(api, zendesk):
    response = deliver(api, zd_event("created", when=at(2, 9), status="ARCHIVED"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "detail.status"
    payload = zd_event("created", when=at(2, 9))
    payload["time"] = "last Tuesday"
    response = deliver(api, payload)
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "time"
    assert not Ticket.objects.exists()


def test_non_ticket_events_are_ignored(api, zendesk):
    payload = zd_event("created", when=at(2, 9))
    payload["type"] = "zen:event-type:user.active_changed"
    response = deliver(api, payload)
    assert response.status_code == 200 and "user.active_changed" in response.json()["ignored"]
