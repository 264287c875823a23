"""The late deliveries that lost transitions (issue 12): a "reopened" snapshot that arrives
after the later "resolved again", and a "resolved" that arrives after the "reopened". Each
ends as if the deliveries had come in order, for Jira, ServiceNow and Zendesk."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from sla.clocks import MET, RESOLVE
from sla.integrations.signatures import sign_zendesk
from sla.models import Clock, Ticket, TicketEvent
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
# Opened 09:00, taken 09:20, resolved 12:00, reopened 13:00, resolved again 14:00.
OPENED, TAKEN, RESOLVED, REOPENED, RESOLVED_AGAIN = range(5)
LIFE = ["new", "active", "resolved", "active", "resolved"]
TIMES = [at(2, 9), at(2, 9, 20), at(2, 12), at(2, 13), at(2, 14)]


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def servicenow(n: int):
    state = {"new": "1", "active": "2", "resolved": "6"}[LIFE[n]]
    resolved_at = TIMES[n].strftime("%Y-%m-%d %H:%M:%S") if LIFE[n] == "resolved" else ""
    record = sn_record(updated=TIMES[n], state=state, assigned_to="Beth Agent" if n else "", resolved_at=resolved_at)
    body = body_of(record)
    return "/api/v1/integrations/servicenow/", body, sn_headers(body)


def zendesk(n: int):
    status = {"new": "NEW", "active": "OPEN", "resolved": "SOLVED"}[LIFE[n]]
    payload = zd_event(
        "created" if n == 0 else "status_changed",
        when=TIMES[n],
        event_id=f"e{n}",
        status=status,
        assignee="900" if n else None,
    )
    body = body_of(payload)
    timestamp = zd_time(NOW)
    return (
        "/api/v1/integrations/zendesk/",
        body,
        {
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": sign_zendesk(SECRET, body, timestamp),
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp,
        },
    )


def jira(n: int):
    status = {"new": "Waiting for support", "active": "In Progress", "resolved": "Resolved"}[LIFE[n]]
    if n == 0:
        payload = jira_created(when=TIMES[0])
    else:
        previous = {"new": "Waiting for support", "active": "In Progress", "resolved": "Resolved"}[LIFE[n - 1]]
        payload = jira_updated(
            when=TIMES[n], items=[("status", previous, status)], status=status, assignee="Beth Agent"
        )
    body = body_of(payload)
    return "/api/v1/integrations/jira/", body, jira_headers(body, delivery=f"d{n}")


VENDORS = {"servicenow": servicenow, "zendesk": zendesk, "jira": jira}


def deliver(api, delivery):
    path, body, headers = delivery
    response = post(api, path, body, headers)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture(params=sorted(VENDORS))
def vendor(request, servicenow, zendesk, jira):
    return request.param


def resolutions():
    return [(e.kind, e.occurred_at.replace(microsecond=0)) for e in TicketEvent.objects.exclude(kind="opened")]


def assert_resolved_twice():
    ticket = Ticket.objects.get()
    assert ticket.state == "resolved"
    assert ticket.resolved_at.replace(microsecond=0) == TIMES[RESOLVED_AGAIN]
    kinds = [(kind, when) for kind, when in resolutions() if kind in ("resolved", "reopened")]
    assert kinds == [("resolved", TIMES[RESOLVED]), ("reopened", TIMES[REOPENED]), ("resolved", TIMES[RESOLVED_AGAIN])]
    resolve = Clock.objects.get(ticket=ticket, kind=RESOLVE)
    assert resolve.state == MET and not resolve.counting
    assert resolve.stopped_at.replace(microsecond=0) == TIMES[RESOLVED_AGAIN]


def test_a_reopen_that_arrives_after_the_second_resolution_is_placed_before_it(api, vendor):
    for n in (OPENED, TAKEN, RESOLVED, RESOLVED_AGAIN, REOPENED):
        deliver(api, VENDORS[vendor](n))
    assert_resolved_twice()


def test_a_resolution_that_arrives_after_the_reopen_keeps_the_reopen_and_the_second_resolution(api, vendor):
    for n in (OPENED, TAKEN, REOPENED, RESOLVED, RESOLVED_AGAIN):
        deliver(api, VENDORS[vendor](n))
    assert_resolved_twice()


def test_the_opening_may_arrive_last(api, vendor):
    for n in (RESOLVED_AGAIN, REOPENED, TAKEN, RESOLVED, OPENED):
        deliver(api, VENDORS[vendor](n))
    assert_resolved_twice()


def test_a_late_delivery_says_what_it_changed(api, servicenow):
    for n in (OPENED, TAKEN, RESOLVED, RESOLVED_AGAIN):
        deliver(api, VENDORS["servicenow"](n))
    assert Ticket.objects.get().state == "resolved"
    late = deliver(api, VENDORS["servicenow"](REOPENED))
    # The reopen is new, and so is the second resolution: the 14:00 snapshot now means one.
    assert late["created"] == 2
    assert_resolved_twice()


def test_recompute_clocks_rederive_reads_the_snapshots_again_with_the_mappings_as_they_are(api, servicenow):
    for n in (OPENED, TAKEN):
        deliver(api, VENDORS["servicenow"](n))
    assert Ticket.objects.get().priority == 2
    servicenow.priorities = {"1": 1, "2": 1, "3": 3, "4": 4, "5": 5}
    servicenow.save(update_fields=["priorities"])
    call_command("recompute_clocks", stdout=StringIO())
    assert Ticket.objects.get().priority == 2  # the clocks alone: the events stay as derived
    call_command("recompute_clocks", "--rederive", stdout=StringIO())
    ticket = Ticket.objects.get()
    assert ticket.priority == 1
    assert Clock.objects.get(ticket=ticket, kind=RESOLVE).priority == 1


def test_a_jira_comment_that_overtakes_its_issue_counts_once_the_issue_arrives(api, jira):
    from tests.sla.integrations.conftest import jira_comment

    comment = jira_comment(when=at(2, 9, 30), comment_id="77")
    body = body_of(comment)
    early = deliver(api, ("/api/v1/integrations/jira/", body, jira_headers(body, delivery="c1")))
    assert early["created"] == 0 and "has not seen HR-12" in early["ignored"]
    assert not Ticket.objects.exists()
    deliver(api, VENDORS["jira"](OPENED))
    events = list(TicketEvent.objects.values_list("kind", "occurred_at"))
    assert events == [("opened", TIMES[OPENED]), ("responded", at(2, 9, 30))]
    engage = Clock.objects.get(kind="engage")
    assert engage.state == MET and engage.stopped_at == at(2, 9, 30)
