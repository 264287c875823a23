"""A ticket's life as the tools deliver it: one signed request per step, for Jira, ServiceNow and
Zendesk webhooks and the REST ticket-events endpoint. Shared by the order-of-arrival property
tests (test_delivery_order.py, sla/test_ticket_accept.py) and the PostgreSQL races
(test_concurrent_deliveries.py), which deliver the same lives in other orders and compare.

A life: (state, priority 1-4, assignee 0-2) at 09:00, 09:40, … on Monday 2 November; state one
of STATES. A delivery: (path, body, headers) for the test client's post."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import cycle

from tests.sla.conftest import at
from tests.sla.integrations.conftest import (
    body_of,
    jira_created,
    jira_headers,
    jira_updated,
    sn_headers,
    sn_record,
    sn_time,
    zd_event,
    zd_headers,
)

STEP = timedelta(minutes=40)
STATES = ("new", "active", "waiting", "resolved", "closed")

# What is compared between two runs of one life.
TICKET_FIELDS = ("state", "priority", "impact", "urgency", "opened_at", "resolved_at", "closed_at", "title")
TICKET_FIELDS += ("requester", "assignee", "service_id", "business_unit_id", "agreement_id")
EVENT_FIELDS = ("kind", "occurred_at", "idempotency_key", "priority", "impact", "urgency", "assignee", "note")
EVENT_FIELDS += ("data", "sequence")
CLOCK_FIELDS = ("kind", "cycle", "priority", "calendar_id", "target_seconds", "started_at", "stopped_at", "due_at")
CLOCK_FIELDS += ("elapsed_seconds", "state", "warning_shares", "breached_at", "counting", "last_warned_share")
CLOCK_FIELDS += ("computed_at", "next_check_at")

Delivery = tuple[str, bytes, dict]

# --- ServiceNow ---------------------------------------------------------------------------

SN_STATES = {"new": "1", "active": "2", "waiting": "3", "resolved": "6", "closed": "7"}
SN_ASSIGNEES = ("", "Beth Agent", "Carl Agent")


def servicenow_deliveries(life, number: str = "INC0010042") -> list[Delivery]:
    deliveries, resolved_at = [], ""
    for n, (state, priority, assignee) in enumerate(life):
        when = at(2, 9) + n * STEP
        if state in ("resolved", "closed"):
            resolved_at = resolved_at or sn_time(when - timedelta(minutes=5 if n else 0))
        else:
            resolved_at = ""
        record = sn_record(
            updated=when,
            number=number,
            sys_id=f"sys-{number}",
            state=SN_STATES[state],
            priority=str(priority),
            assigned_to=SN_ASSIGNEES[assignee],
            resolved_at=resolved_at,
            closed_at=sn_time(when) if state == "closed" else "",
        )
        body = body_of(record)
        deliveries.append(("/api/v1/integrations/servicenow/", body, sn_headers(body)))
    return deliveries


# --- Zendesk ------------------------------------------------------------------------------

ZD_STATES = {"new": "NEW", "active": "OPEN", "waiting": "PENDING", "resolved": "SOLVED", "closed": "CLOSED"}
ZD_PRIORITIES = {1: "URGENT", 2: "HIGH", 3: "NORMAL", 4: "LOW"}
ZD_ASSIGNEES = (None, "900", "901")


def zendesk_deliveries(life, *, signed_at: datetime, ticket: str = "5158") -> list[Delivery]:
    """Signed as Zendesk signs, at `signed_at` (Accord refuses signatures over 5 minutes old)."""
    deliveries = []
    for n, (state, priority, assignee) in enumerate(life):
        payload = zd_event(
            "created" if n == 0 else "status_changed",
            when=at(2, 9) + n * STEP,
            event_id=f"e{n}",
            status=ZD_STATES[state],
            priority=ZD_PRIORITIES[priority],
            assignee=ZD_ASSIGNEES[assignee],
            id=ticket,
        )
        payload["subject"] = f"zen:ticket:{ticket}"
        body = body_of(payload)
        deliveries.append(("/api/v1/integrations/zendesk/", body, zd_headers(body, signed_at=signed_at)))
    return deliveries


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


def jira_deliveries(life, key: str = "HR-12") -> list[Delivery]:
    deliveries = []
    for n, (state, priority, assignee) in enumerate(life):
        fields = {"status": JIRA_STATES[state], "priority": JIRA_PRIORITIES[priority]}
        fields["assignee"] = JIRA_ASSIGNEES[assignee]
        if n == 0:
            payload = jira_created(key, when=at(2, 9), **fields)
        else:
            payload = jira_updated(key, when=at(2, 9) + n * STEP, items=[("status", None, fields["status"])], **fields)
        body = body_of(payload)
        deliveries.append(("/api/v1/integrations/jira/", body, jira_headers(body, delivery=f"d{n}")))
    return deliveries


# --- REST ---------------------------------------------------------------------------------

REST_KINDS = ("assigned", "responded", "customer_updated", "paused", "resumed", "priority_changed", "resolved")
REST_KINDS += ("reopened",)


def rest_deliveries(kinds, batch: int | Sequence[int], external_id: str = "INC-9") -> list[Delivery]:
    """The opening then one event of each of `kinds`, in requests of `batch` events each, or of
    each size of `batch` in turn (a request is stored all-or-nothing). Unsigned: the caller
    authenticates its client."""
    events = [
        {
            "source": "desk",
            "external_id": external_id,
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
            "external_id": external_id,
            "kind": kind,
            "occurred_at": (at(2, 9) + n * STEP).isoformat(),
            "idempotency_key": f"{kind}:{n}",
        }
        if kind == "assigned":
            event["assignee"] = f"Agent {n}"
        if kind == "priority_changed":
            event["priority"] = 1 + n % 4
        events.append(event)
    sizes = cycle([batch] if isinstance(batch, int) else batch)
    deliveries, start = [], 0
    while start < len(events):
        size = next(sizes)
        deliveries.append(("/api/v1/ticket-events/", json.dumps(events[start : start + size]).encode(), {}))
        start += size
    return deliveries
