"""ServiceNow incident records → ticket events.

ServiceNow sends the incident as its Table API writes it (bare, or wrapped in {"result": …}):
a snapshot, not a change. Accord compares it with what it knows of the ticket just before
`sys_updated_on` and records the difference: first sight opens the ticket at `opened_at`;
a change of state pauses, resumes, resolves (at `resolved_at`), closes (at `closed_at`),
cancels or reopens it; a new assignee is an assignment; a new priority a priority change.
Idempotency keys come from `sys_id` and `sys_updated_on`, so the same snapshot twice changes
nothing. Values are strings; reference fields may be {"value", "display_value"} objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sla import clocks as c
from sla.integrations import mappings as m
from sla.integrations.common import (
    EventBatch,
    KnownLookup,
    KnownTicket,
    PayloadError,
    Translation,
    finished,
    mapped_priority,
    new_ticket_route,
    parse_utc_naive,
    state_change_kinds,
    text,
)

ROUTING = ("category", "subcategory", "cmdb_ci", "assignment_group", "business_service", "location")


def servicenow_record(payload: Any) -> Mapping:
    """The incident in a delivery: bare, {"result": {…}} or {"result": [{…}]}."""
    record = payload.get("result", payload) if isinstance(payload, Mapping) else payload
    if isinstance(record, list):
        if len(record) != 1:
            raise PayloadError("result", f"Send one incident per delivery; this one has {len(record)}.")
        record = record[0]
    if not isinstance(record, Mapping):
        raise PayloadError("body", "A ServiceNow delivery is an incident record (a JSON object).")
    return record


def value(record: Mapping, name: str) -> str:
    """A field's stored value ("3", a sys_id) whether sent plain or as {"value", "display_value"}."""
    field = record.get(name)
    if isinstance(field, Mapping):
        return text(field.get("value")) or text(field.get("display_value"))
    return text(field)


def display(record: Mapping, name: str) -> str:
    """A field as people read it (a name rather than a sys_id) when the delivery carries it."""
    field = record.get(name)
    if isinstance(field, Mapping):
        return text(field.get("display_value")) or text(field.get("value"))
    return text(field)


def servicenow_events(payload: Any, *, config: m.IntegrationConfig, known: KnownLookup) -> Translation:
    record = servicenow_record(payload)
    number = value(record, "number")
    if not number:
        raise PayloadError("number", "The incident has no number (e.g. INC0010001).")
    sys_id = value(record, "sys_id") or number
    updated_raw = value(record, "sys_updated_on")
    updated = parse_utc_naive(updated_raw, "sys_updated_on")
    prefix = f"servicenow:{sys_id}:{updated:%Y%m%dT%H%M%S}"
    # Everything the record says is read before anything is decided from it: an unreadable date
    # or an unmapped priority or state is refused whatever state the ticket is in.
    priority = mapped_priority(config, value(record, "priority"), "priority")
    state = config.state_for(value(record, "state")) or config.state_for(display(record, "state"))
    if state is None:
        raise PayloadError(
            "state", f"ServiceNow state {value(record, 'state')!r} is not mapped; add it to the integration's states."
        )
    for name in ("opened_at", "resolved_at", "closed_at"):
        if value(record, name):
            parse_utc_naive(value(record, name), name)
    ticket = known(number, updated, prefix)
    if done := finished(ticket, number):
        return done

    routing = {name: [value(record, name), display(record, name)] for name in ROUTING}
    service, unit = config.route(routing) if ticket else new_ticket_route(config, routing, "routing")
    assignee = display(record, "assigned_to")
    batch = EventBatch(
        source=config.source,
        external_id=number,
        key_prefix=prefix,
        common={
            "title": display(record, "short_description")[:500] or None,
            "requester": display(record, "caller_id") or None,
            "service": service,
            "business_unit": unit if service else None,
            "data": {"sys_id": sys_id},
        },
    )
    levels = {name: _level(record, name) for name in ("impact", "urgency")}
    if ticket is None:
        opened_at = parse_utc_naive(value(record, "opened_at"), "opened_at")
        batch.add(c.OPENED, opened_at, key="opened", priority=priority, **levels)
        ticket = KnownTicket(state=m.OPEN, opened_at=opened_at, priority=priority)
    for kind in state_change_kinds(ticket.state, state, responded_before=ticket.responded):
        batch.add(kind, _when(record, kind, updated))
    if priority != ticket.priority:
        batch.add(c.PRIORITY_CHANGED, updated, priority=priority, **levels)
    if assignee and assignee != ticket.assignee:
        batch.add(c.ASSIGNED, updated, assignee=assignee)
    if text(record.get("comments")):
        # Additional comments (seen by the caller) that the business rule marks as IT's update.
        kind = c.CUSTOMER_UPDATED if ticket.responded or state == m.RESPONDED else c.RESPONDED
        batch.add(kind, updated, key=f"{prefix}:comment")
    return batch.translation()


def _when(record: Mapping, kind: str, updated: datetime) -> datetime:
    """Resolutions and closures happen at their own recorded time when the record has it."""
    name = {c.RESOLVED: "resolved_at", c.CLOSED: "closed_at"}.get(kind)
    if name and value(record, name):
        return parse_utc_naive(value(record, name), name)
    return updated


def _level(record: Mapping, name: str) -> int | None:
    """Impact or urgency 1-3 ("2" or "2 - Medium"); anything else is left out."""
    raw = value(record, name)[:1]
    return int(raw) if raw in ("1", "2", "3") else None
