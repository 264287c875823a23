"""Order of arrival does not matter: for every order (and every repetition) of a ticket's
deliveries, the ticket, its events and its clocks end exactly as when they came in order, for
Jira, ServiceNow and Zendesk webhooks and for the REST ticket-events endpoint.

Each vendor's deliveries are a random life of the ticket (states, priorities, assignees at
increasing times, as the tool sends them); hypothesis then picks the order they arrive in and
which ones are retried. Every run of a life is rolled back, so the in-order run and the
shuffled run start from the same database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import rules as roles
from sla.integrations.signatures import sign_zendesk
from sla.models import Clock, Ticket, TicketEvent
from tests import factories as f
from tests.sla.conftest import at
from tests.sla.integrations.conftest import (
    SECRET,
    body_of,
    jira_created,
    jira_headers,
    jira_updated,
    sn_headers,
    sn_record,
    sn_time,
    zd_event,
    zd_time,
)

NOW = at(5, 12)
STEP = timedelta(minutes=40)
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TICKET_FIELDS = ("state", "priority", "impact", "urgency", "opened_at", "resolved_at", "closed_at", "title")
TICKET_FIELDS += ("requester", "assignee", "service_id", "business_unit_id", "agreement_id")
EVENT_FIELDS = ("kind", "occurred_at", "idempotency_key", "priority", "impact", "urgency", "assignee", "note")
EVENT_FIELDS += ("data", "sequence")
CLOCK_FIELDS = ("kind", "cycle", "priority", "calendar_id", "target_seconds", "started_at", "stopped_at", "due_at")
CLOCK_FIELDS += ("elapsed_seconds", "state", "warning_shares", "breached_at", "counting", "last_warned_share")
CLOCK_FIELDS += ("computed_at", "next_check_at")

# A life: (state, priority 1-4, assignee 0-2) at 09:00, 09:40, … on Monday 2 November.
STATES = ("new", "active", "waiting", "resolved", "closed")
steps = st.tuples(st.sampled_from(STATES), st.integers(1, 4), st.integers(0, 2))
lives = st.lists(steps, min_size=2, max_size=6).map(
    lambda life: life[: next((n + 1 for n, step in enumerate(life) if step[0] == "closed"), len(life))]
)


def arrivals(n: int):
    """An order of arrival of n deliveries, some of them more than once."""
    return st.lists(st.integers(0, n - 1), max_size=3).flatmap(lambda extra: st.permutations([*range(n), *extra]))


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


class _Rollback(Exception):
    pass


def outcome(api, deliveries, order) -> dict:
    """Deliver in `order`, read the ticket, its events and its clocks, and roll it all back."""
    found: dict = {}
    try:
        with transaction.atomic():
            for index in order:
                path, body, headers = deliveries[index]
                response = api.post(path, data=body, content_type="application/json", **headers)
                assert response.status_code in (200, 201), response.content
            found["tickets"] = list(Ticket.objects.values(*TICKET_FIELDS))
            found["events"] = list(TicketEvent.objects.order_by("occurred_at", "sequence").values(*EVENT_FIELDS))
            found["clocks"] = list(Clock.objects.order_by("kind", "cycle").values(*CLOCK_FIELDS))
            raise _Rollback
    except _Rollback:
        pass
    return found


def assert_order_free(api, deliveries, order):
    in_order = outcome(api, deliveries, sorted(set(order)))
    assert in_order["tickets"] and in_order["events"]
    assert outcome(api, deliveries, order) == in_order


# --- ServiceNow ---------------------------------------------------------------------------

SN_STATES = {"new": "1", "active": "2", "waiting": "3", "resolved": "6", "closed": "7"}
SN_ASSIGNEES = ("", "Beth Agent", "Carl Agent")


def servicenow_deliveries(life) -> list:
    deliveries, resolved_at = [], ""
    for n, (state, priority, assignee) in enumerate(life):
        when = at(2, 9) + n * STEP
        if state in ("resolved", "closed"):
            resolved_at = resolved_at or sn_time(when - timedelta(minutes=5 if n else 0))
        else:
            resolved_at = ""
        record = sn_record(
            updated=when,
            state=SN_STATES[state],
            priority=str(priority),
            assigned_to=SN_ASSIGNEES[assignee],
            resolved_at=resolved_at,
            closed_at=sn_time(when) if state == "closed" else "",
        )
        body = body_of(record)
        deliveries.append(("/api/v1/integrations/servicenow/", body, sn_headers(body)))
    return deliveries


@EXAMPLES
@given(data=st.data(), life=lives)
def test_servicenow_snapshots_in_any_order(api, servicenow, data, life):
    deliveries = servicenow_deliveries(life)
    assert_order_free(api, deliveries, data.draw(arrivals(len(deliveries))))


# --- Zendesk ------------------------------------------------------------------------------

ZD_STATES = {"new": "NEW", "active": "OPEN", "waiting": "PENDING", "resolved": "SOLVED", "closed": "CLOSED"}
ZD_PRIORITIES = {1: "URGENT", 2: "HIGH", 3: "NORMAL", 4: "LOW"}
ZD_ASSIGNEES = (None, "900", "901")


def zendesk_deliveries(life) -> list:
    deliveries = []
    for n, (state, priority, assignee) in enumerate(life):
        payload = zd_event(
            "created" if n == 0 else "status_changed",
            when=at(2, 9) + n * STEP,
            event_id=f"e{n}",
            status=ZD_STATES[state],
            priority=ZD_PRIORITIES[priority],
            assignee=ZD_ASSIGNEES[assignee],
        )
        body = body_of(payload)
        timestamp = zd_time(NOW)
        headers = {
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": sign_zendesk(SECRET, body, timestamp),
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp,
        }
        deliveries.append(("/api/v1/integrations/zendesk/", body, headers))
    return deliveries


@EXAMPLES
@given(data=st.data(), life=lives)
def test_zendesk_events_in_any_order(api, zendesk, data, life):
    deliveries = zendesk_deliveries(life)
    assert_order_free(api, deliveries, data.draw(arrivals(len(deliveries))))


# --- Jira ---------------------------------------------------------------------------------

JIRA_STATES = {
    "new": "Waiting for support",
    "active": "In Progress",
    "waiting": "Waiting for customer",
    "resolved": "Resolved",
    "closed": "Closed",
}
JIRA_PRIORITIES = {1: "Highest", 2: "High", 3: "Medium", 4: "Low"}
JIRA_ASSIGNEES = (None, "Alex Agent", "Beth Agent")


def jira_deliveries(life) -> list:
    deliveries = []
    for n, (state, priority, assignee) in enumerate(life):
        fields = {"status": JIRA_STATES[state], "priority": JIRA_PRIORITIES[priority]}
        fields["assignee"] = JIRA_ASSIGNEES[assignee]
        if n == 0:
            payload = jira_created(when=at(2, 9), **fields)
        else:
            payload = jira_updated(when=at(2, 9) + n * STEP, items=[("status", None, fields["status"])], **fields)
        body = body_of(payload)
        deliveries.append(("/api/v1/integrations/jira/", body, jira_headers(body, delivery=f"d{n}")))
    return deliveries


@EXAMPLES
@given(data=st.data(), life=lives)
def test_jira_deliveries_in_any_order(api, jira, data, life):
    deliveries = jira_deliveries(life)
    assert_order_free(api, deliveries, data.draw(arrivals(len(deliveries))))


# --- REST ---------------------------------------------------------------------------------

REST_KINDS = ("assigned", "responded", "customer_updated", "paused", "resumed", "priority_changed", "resolved")
REST_KINDS += ("reopened",)


def rest_deliveries(kinds, batch: int) -> list:
    events = [
        {
            "source": "desk",
            "external_id": "INC-9",
            "kind": "opened",
            "occurred_at": at(2, 9).isoformat(),
            "idempotency_key": "opened",
            "service": "payroll",
            "business_unit": "finance",
            "impact": 2,
            "urgency": 2,
            "title": "Payslips not generated",
        }
    ]
    for n, kind in enumerate(kinds, start=1):
        event = {
            "source": "desk",
            "external_id": "INC-9",
            "kind": kind,
            "occurred_at": (at(2, 9) + n * STEP).isoformat(),
            "idempotency_key": f"{kind}:{n}",
        }
        if kind == "assigned":
            event["assignee"] = f"Agent {n}"
        if kind == "priority_changed":
            event["priority"] = 1 + n % 4
        events.append(event)
    # Deliveries of `batch` events each: a batch is one request, stored all-or-nothing.
    return [
        ("/api/v1/ticket-events/", json.dumps(events[i : i + batch]).encode(), {}) for i in range(0, len(events), batch)
    ]


@EXAMPLES
@given(data=st.data(), kinds=st.lists(st.sampled_from(REST_KINDS), min_size=1, max_size=7), batch=st.integers(1, 3))
def test_rest_events_in_any_order(api, sla, data, kinds, batch):
    api.force_authenticate(f.UserFactory(username="desk", roles=[roles.INTEGRATIONS]))
    deliveries = rest_deliveries(kinds, batch)
    assert_order_free(api, deliveries, data.draw(arrivals(len(deliveries))))
