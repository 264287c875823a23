"""Zendesk event webhooks (`zen:event-type:ticket.*`) → ticket events.

Each delivery names one event (`type`, `id`, `time`), the ticket as it now is (`detail`) and
what changed (`event`: `previous`/`current`, or the `comment`). Accord compares the ticket with
what it knows of it just before `time` and records the difference: status (new/open → open,
pending/hold → paused, solved → resolved, closed → closed, deleted → cancelled), priority,
assignee; a public comment by staff is a response. A ticket Accord has not seen is opened
at `detail.created_at` as it was before this event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sla import clocks as c
from sla.integrations import mappings as m
from sla.integrations.common import (
    EventBatch,
    KnownLookup,
    KnownTicket,
    PayloadError,
    Translation,
    check_priority,
    finished,
    mapped_priority,
    new_ticket_route,
    parse_datetime,
    priority_or_default,
    require_text,
    state_change_kinds,
    text,
)

PREFIX = "zen:event-type:ticket."
DELETED = ("soft_deleted", "permanently_deleted", "marked_as_spam")


def zendesk_events(payload: Any, *, config: m.IntegrationConfig, known: KnownLookup) -> Translation:
    if not isinstance(payload, Mapping):
        raise PayloadError("body", "A Zendesk webhook body is a JSON object.")
    kind = text(payload.get("type"))
    if not kind:
        raise PayloadError("type", "The payload has no type; is this a Zendesk event webhook?")
    if not kind.startswith(PREFIX):
        return Translation(external_id=None, ignored=f"Accord does not use {kind} events.")
    action = kind.removeprefix(PREFIX)
    detail = payload.get("detail")
    if not isinstance(detail, Mapping):
        raise PayloadError("detail", "The payload has no ticket (detail).")
    ticket_id = require_text(payload, "detail.id", "ticket id")
    event_id = require_text(payload, "id", "event id")
    at = parse_datetime(payload.get("time"), "time")
    change = payload.get("event") if isinstance(payload.get("event"), Mapping) else {}
    prefix = f"zendesk:{event_id}"
    # Everything the delivery says is read before anything is decided from it: an unreadable
    # date or an unmapped priority or status is refused whatever state the ticket is in.
    check_priority(config, detail.get("priority"), "detail.priority")
    status = _state(config, detail.get("status"), "detail.status")
    if detail.get("created_at"):
        parse_datetime(detail.get("created_at"), "detail.created_at")
    if action == "priority_changed" and "previous" in change:
        mapped_priority(config, change.get("previous"), "event.previous")
    ticket = known(ticket_id, at, prefix)
    if done := finished(ticket, ticket_id):
        return done

    priority, defaulted = priority_or_default(
        config, detail.get("priority"), "detail.priority", known=ticket.priority if ticket else None, ticket=ticket_id
    )
    assignee = text(detail.get("assignee_id"))
    routing = _routing_fields(detail)
    service, unit = config.route(routing) if ticket else new_ticket_route(config, routing, "detail")
    batch = EventBatch(
        source=config.source,
        external_id=ticket_id,
        key_prefix=prefix,
        common={
            "title": text(detail.get("subject"))[:500] or None,
            "requester": text(detail.get("requester_id")) or None,
            "service": service,
            "business_unit": unit if service else None,
        },
    )
    if ticket is None:
        ticket = _open(batch, config, detail, action, change, at, priority, assignee)
        if action == "created":
            at = ticket.opened_at
    if action in DELETED:
        status = m.CANCELLED
    kinds = state_change_kinds(ticket.state, status, responded_before=ticket.responded)
    for kind in kinds:
        batch.add(kind, at)
    if priority != ticket.priority:
        batch.add(c.PRIORITY_CHANGED, at, priority=priority)
    if assignee and assignee != ticket.assignee:
        batch.add(c.ASSIGNED, at, assignee=assignee)
    if action == "comment_added":
        _comment(batch, change, detail, at, responded=ticket.responded or c.RESPONDED in kinds)
    translation = batch.translation()
    if defaulted:
        translation.defaults["priority"] = priority
        translation.notes.append(defaulted)
    return translation


def _state(config: m.IntegrationConfig, status: Any, where: str) -> str:
    state = config.state_for(status)
    if state is None:
        raise PayloadError(where, f"Zendesk status {text(status)!r} is not mapped; add it to the integration's states.")
    return state


def _open(batch, config, detail, action, change, at, priority, assignee) -> KnownTicket:
    """First sight: the ticket as created, or opened with the priority it had before this event."""
    opened_at = parse_datetime(detail.get("created_at"), "detail.created_at") if detail.get("created_at") else at
    if action == "priority_changed" and "previous" in change:
        priority, _ = priority_or_default(
            config, change.get("previous"), "event.previous", known=None, ticket=text(detail.get("id"))
        )
    # When a ticket first seen on a later event got its assignee is unknown: the assignment
    # counts from this event (the less generous to IT), not from the creation.
    assignee = assignee if action == "created" else ""
    batch.add(c.OPENED, opened_at, key="opened", priority=priority)
    if assignee:
        batch.add(c.ASSIGNED, opened_at, key="opened:assigned", assignee=assignee)
    state = m.OPEN
    if action == "created":
        # For a ticket first seen later, the status before this event held since an unknown
        # time: it counts as open until now.
        start = _state(config, detail.get("status"), "detail.status")
        for kind in state_change_kinds(m.OPEN, start, responded_before=False):
            batch.add(kind, opened_at, key=f"opened:{kind}")
        state = m.OPEN if start == m.RESPONDED else start
    return KnownTicket(state=state, opened_at=opened_at, priority=priority, assignee=assignee)


def _routing_fields(detail: Mapping) -> dict[str, list[str]]:
    tags = detail.get("tags") or []
    return {
        "group": [text(detail.get("group_id"))],
        "brand": [text(detail.get("brand_id"))],
        "form": [text(detail.get("form_id"))],
        "organization": [text(detail.get("organization_id"))],
        "tag": [text(tag) for tag in tags] if isinstance(tags, list) else [],
    }


def _comment(batch: EventBatch, change: Mapping, detail: Mapping, at, *, responded: bool) -> None:
    """A public comment by staff (not the requester) is IT responding to the customer."""
    comment = change.get("comment")
    if not isinstance(comment, Mapping):
        raise PayloadError("event.comment", "A comment_added event carries the comment.")
    author = comment.get("author") if isinstance(comment.get("author"), Mapping) else {}
    if not comment.get("is_public") or not author.get("is_staff"):
        return
    if text(author.get("id")) and text(author.get("id")) == text(detail.get("requester_id")):
        return
    comment_id = text(comment.get("id"))
    kind = c.CUSTOMER_UPDATED if responded else c.RESPONDED
    key = f"comment:{comment_id}" if comment_id else None  # one comment, one event, whatever delivered it
    batch.add(kind, at, key=key, note=f"Comment by {text(author.get('name')) or 'an agent'}")
