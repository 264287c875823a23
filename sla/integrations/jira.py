"""Jira and Jira Service Management webhooks → ticket events.

A Jira issue event carries the whole issue as it now is (`issue.fields`) and what changed
(`changelog.items`). Accord compares the issue with what it knows of the ticket just before
the delivery and records the difference at the event's `timestamp`: a change of status
(mapped, or by status category: Done means resolved), of priority, of assignee. An issue
Accord has not seen yet is opened at `fields.created` with the priority it had then.
Public comments by agents are responses (`comment_created`, or `jira:issue_updated` with a
`comment`); internal notes and the customer's own comments are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sla import clocks as c
from sla.integrations import mappings as m
from sla.integrations.common import (
    EventBatch,
    KnownLookup,
    KnownTicket,
    PayloadError,
    Translation,
    check_priority,
    dig,
    finished,
    new_ticket_route,
    parse_datetime,
    parse_epoch_ms,
    priority_or_default,
    require_text,
    state_change_kinds,
    text,
)

ISSUE_EVENTS = ("jira:issue_created", "jira:issue_updated")
COMMENT_EVENTS = ("comment_created",)
DELETED = "jira:issue_deleted"


class JiraDelivery(NamedTuple):
    """What any Jira delivery says before its content is read."""

    event: str
    issue_key: str
    at: datetime
    key: str  # the delivery's idempotency key: Jira's delivery id, else event and time


def jira_delivery(payload: Any, delivery_id: str | None) -> JiraDelivery | Translation:
    """The event, issue, time and key of a Jira delivery, or a Translation ignoring an event Accord does not use."""
    if not isinstance(payload, Mapping):
        raise PayloadError("body", "A Jira webhook body is a JSON object.")
    event = text(payload.get("webhookEvent"))
    if not event:
        raise PayloadError("webhookEvent", "The payload has no webhookEvent; is this a Jira webhook?")
    if event not in (*ISSUE_EVENTS, *COMMENT_EVENTS, DELETED):
        return Translation(external_id=None, ignored=f"Accord does not use {event} events.")
    issue_key = require_text(payload, "issue.key", "issue key")
    at = _event_time(payload)
    key = f"jira:{delivery_id}" if delivery_id else f"jira:{event}:{int(at.timestamp() * 1000)}"
    return JiraDelivery(event, issue_key, at, key)


def jira_events(
    payload: Any, *, config: m.IntegrationConfig, known: KnownLookup, delivery_id: str | None = None
) -> Translation:
    delivery = jira_delivery(payload, delivery_id)
    if isinstance(delivery, Translation):
        return delivery
    event, key, at, prefix = delivery
    _check_content(payload, event, config)
    ticket = known(key, at, prefix)
    if done := finished(ticket, key):
        return done
    if event == DELETED:
        return _deleted(payload, key, at, prefix, ticket, config)
    if event in COMMENT_EVENTS:
        if ticket is None:
            return Translation(external_id=key, ignored=f"Accord has not seen {key} yet; comments count once it has.")
        batch = EventBatch(source=config.source, external_id=key, key_prefix=prefix)
        _comment(payload, batch, ticket)
        return batch.translation()
    return _issue(payload, key, at, prefix, ticket, config)


def _check_content(payload: Mapping, event: str, config: m.IntegrationConfig) -> None:
    """Everything the delivery says is read before anything is decided from it: an unreadable
    date or an unmapped priority is refused whatever state the ticket is in."""
    if event in ISSUE_EVENTS:
        fields = dig(payload, "issue.fields")
        if not isinstance(fields, Mapping):
            raise PayloadError("issue.fields", "The payload has no issue fields.")
        check_priority(config, dig(fields, "priority.name"), "issue.fields.priority.name")
        if fields.get("created"):
            parse_datetime(fields["created"], "issue.fields.created")
        _changes(payload)
    comment = payload.get("comment")
    if event in COMMENT_EVENTS and not isinstance(comment, Mapping):
        raise PayloadError("comment", "The payload has no comment.")
    if isinstance(comment, Mapping) and comment.get("jsdPublic") is not False:
        parse_datetime(comment.get("created"), "comment.created")


def _event_time(payload: Mapping) -> datetime:
    if payload.get("timestamp") is not None:
        return parse_epoch_ms(payload["timestamp"], "timestamp")
    if dig(payload, "issue.fields.updated"):
        return parse_datetime(dig(payload, "issue.fields.updated"), "issue.fields.updated")
    raise PayloadError("timestamp", "The payload has no timestamp.")


def _issue(
    payload: Mapping, key: str, at: datetime, prefix: str, ticket: KnownTicket | None, config: m.IntegrationConfig
) -> Translation:
    fields = dig(payload, "issue.fields")
    if not isinstance(fields, Mapping):
        raise PayloadError("issue.fields", "The payload has no issue fields.")
    changes = _changes(payload)
    # A project whose priority scheme sets none sends "priority": null: the ticket opens with
    # the integration's default priority rather than being refused (and its opening lost).
    priority, defaulted = priority_or_default(
        config,
        dig(fields, "priority.name"),
        "issue.fields.priority.name",
        known=ticket.priority if ticket else None,
        ticket=key,
    )
    assignee = text(dig(fields, "assignee.displayName"))
    routing = _routing_fields(fields)
    service, unit = config.route(routing) if ticket else new_ticket_route(config, routing, "issue.fields")
    batch = EventBatch(
        source=config.source,
        external_id=key,
        key_prefix=prefix,
        common={
            "title": text(fields.get("summary"))[:500] or None,
            "requester": text(dig(fields, "reporter.displayName")) or None,
            "requester_email": text(dig(fields, "reporter.emailAddress")) or None,
            "service": service,
            "business_unit": unit if service else None,
        },
    )
    if ticket is None:
        ticket = _open(batch, payload, fields, changes, at, priority, assignee, config)
        if payload.get("webhookEvent") == "jira:issue_created":
            at = ticket.opened_at
    kinds = state_change_kinds(ticket.state, _state(config, fields.get("status")), responded_before=ticket.responded)
    for kind in kinds:
        batch.add(kind, at)
    if priority != ticket.priority:
        batch.add(c.PRIORITY_CHANGED, at, priority=priority)
    if assignee and assignee != ticket.assignee:
        batch.add(c.ASSIGNED, at, assignee=assignee, assignee_email=text(dig(fields, "assignee.emailAddress")) or None)
    if isinstance(payload.get("comment"), Mapping):
        _comment(payload, batch, ticket, responded=ticket.responded or c.RESPONDED in kinds)
    translation = batch.translation()
    if defaulted:
        translation.defaults["priority"] = priority
        translation.notes.append(defaulted)
    return translation


def _open(batch, payload, fields, changes, at, priority, assignee, config) -> KnownTicket:
    """First sight of an issue: open it at its creation, with the priority it had before this
    change (priority changes count from the opening anyway)."""
    opened_at = parse_datetime(fields["created"], "issue.fields.created") if fields.get("created") else at
    before = changes.get("priority", {}).get("fromString")
    opening_priority = (config.priority_for(before) if before else None) or priority
    # When an issue first seen on an update got its assignee is unknown: the assignment counts
    # from this update (the later, the less generous to IT), not from the creation.
    created = payload.get("webhookEvent") == "jira:issue_created"
    opening_assignee = assignee if created else ""
    batch.add(c.OPENED, opened_at, key="opened", priority=opening_priority)
    if opening_assignee:
        batch.add(c.ASSIGNED, opened_at, key="opened:assigned", assignee=opening_assignee)
    state = m.OPEN
    responded = False
    if created:
        # The status it was created in is where it started. For an issue first seen later, the
        # status before this change held since an unknown time: it counts as open until now.
        start = _state(config, fields.get("status"))
        for kind in state_change_kinds(m.OPEN, start, responded_before=False):
            batch.add(kind, opened_at, key=f"opened:{kind}")
        state = m.OPEN if start == m.RESPONDED else start
        responded = start == m.RESPONDED
    return KnownTicket(
        state=state, opened_at=opened_at, priority=opening_priority, assignee=opening_assignee, responded=responded
    )


def _state(config: m.IntegrationConfig, status: Any) -> str:
    """The mapped status, or by status category: Done → resolved, anything else → open."""
    if not isinstance(status, Mapping):
        return m.OPEN
    mapped = config.state_for(status.get("name"))
    if mapped:
        return mapped
    return m.RESOLVED if text(dig(status, "statusCategory.key")).lower() == "done" else m.OPEN


def _changes(payload: Mapping) -> dict[str, Mapping]:
    items = dig(payload, "changelog.items") or []
    if not isinstance(items, list):
        raise PayloadError("changelog.items", "changelog.items is a list of changes.")
    return {text(item.get("field")).lower(): item for item in items if isinstance(item, Mapping)}


def _routing_fields(fields: Mapping) -> dict[str, list[str]]:
    components = fields.get("components") or []
    labels = fields.get("labels") or []
    return {
        "project": [text(dig(fields, "project.key")), text(dig(fields, "project.name"))],
        "component": [text(item.get("name")) for item in components if isinstance(item, Mapping)],
        "issue_type": [text(dig(fields, "issuetype.name"))],
        "label": [text(label) for label in labels],
    }


def _comment(payload: Mapping, batch: EventBatch, ticket: KnownTicket, *, responded: bool | None = None) -> None:
    """A public comment by someone other than the customer is IT responding."""
    comment = payload["comment"] if isinstance(payload.get("comment"), Mapping) else None
    if comment is None:
        raise PayloadError("comment", "The payload has no comment.")
    if comment.get("jsdPublic") is False:
        return  # an internal note: the customer does not see it
    author = comment.get("author") if isinstance(comment.get("author"), Mapping) else {}
    reporter = dig(payload, "issue.fields.reporter.accountId")
    if text(author.get("accountType")).lower() == "customer" or (reporter and author.get("accountId") == reporter):
        return  # the customer's own words
    at = parse_datetime(comment.get("created"), "comment.created")
    if at < ticket.opened_at:
        raise PayloadError("comment.created", f"The comment is dated before {batch.external_id} was opened.")
    already = ticket.responded if responded is None else responded
    kind = c.CUSTOMER_UPDATED if already else c.RESPONDED
    comment_id = require_text(payload, "comment.id", "comment id")
    batch.add(kind, at, key=f"comment:{comment_id}", note=f"Comment by {text(author.get('displayName')) or 'an agent'}")


def _deleted(payload, key, at, prefix, ticket, config) -> Translation:
    if ticket is None:
        return Translation(external_id=key, ignored=f"Accord has not seen {key}; nothing to cancel.")
    batch = EventBatch(source=config.source, external_id=key, key_prefix=prefix)
    batch.add(c.CANCELLED_EVENT, at, key="deleted", note="The issue was deleted in Jira.")
    return batch.translation()
