"""The one shape every ticket event takes on its way in, whatever tool sent it.

The REST endpoint, the Jira, ServiceNow and Zendesk webhooks and the CSV importer all
translate what they receive into `TicketEventInput`s and hand them to
`sla.services.ticket_events_ingest`, which validates, stores and recomputes the clocks.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from typing import Any

from sla.clocks import EVENT_KINDS, OPENED, PRIORITY_CHANGED

PRIORITIES = (1, 2, 3, 4, 5)
LEVELS = (1, 2, 3)  # impact and urgency: 1 high, 2 medium, 3 low


@dataclass(frozen=True)
class TicketEventInput:
    """One event of one ticket.

    - `source` and `external_id` name the ticket in the tool that owns it ("jira", "PROJ-12").
    - `idempotency_key` names the event: sending the same key again changes nothing.
    - `service` is a service slug; with `business_unit` (a slug, optional) it is needed when the
      event opens a ticket Accord does not know yet, and updates the ticket when given later.
    - `priority` (1-5) or `impact` and `urgency` (1-3, through the agreement's priority matrix)
      are needed to open a ticket and for `priority_changed`.
    """

    source: str
    external_id: str
    kind: str
    occurred_at: datetime
    idempotency_key: str
    service: str | None = None
    business_unit: str | None = None
    priority: int | None = None
    impact: int | None = None
    urgency: int | None = None
    title: str | None = None
    requester: str | None = None
    requester_email: str | None = None
    assignee: str | None = None
    assignee_email: str | None = None
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def sets_priority(self) -> bool:
        return self.kind in (OPENED, PRIORITY_CHANGED)


_TEMPLATE = {f.name: None if f.default is MISSING else f.default for f in fields(TicketEventInput)}  # in field order
_REQUIRED = frozenset(f.name for f in fields(TicketEventInput) if f.default is MISSING and f.default_factory is MISSING)


def event_from_values(values: dict[str, Any]) -> TicketEventInput:
    """`TicketEventInput(**values)` for the thousands of rows of a batch, at a third of the cost:
    a frozen dataclass's __init__ sets each of its 17 fields through object.__setattr__; this
    fills the new instance's attributes at once (the same fields, in the same order, the same
    defaults, a fresh `data`). Values it cannot vouch for go to __init__, and its TypeError."""
    if not (_REQUIRED <= values.keys() <= _TEMPLATE.keys()):
        return TicketEventInput(**values)
    event = object.__new__(TicketEventInput)
    attributes = event.__dict__
    attributes.update(_TEMPLATE)
    attributes["data"] = {}
    attributes.update(values)
    return event


def event_problems(event: TicketEventInput) -> dict[str, str]:
    """Field -> message for what is wrong with one event on its own (no database)."""
    problems: dict[str, str] = {}
    if not event.source:
        problems["source"] = "Name the tool the ticket comes from."
    if not event.external_id:
        problems["external_id"] = "Give the ticket's id in its tool."
    if event.kind not in EVENT_KINDS:
        problems["kind"] = f"Unknown event kind {event.kind!r}; expected one of {', '.join(EVENT_KINDS)}."
    if not isinstance(event.occurred_at, datetime) or event.occurred_at.tzinfo is None:
        problems["occurred_at"] = "Give the time with a time zone or UTC offset."
    if not event.idempotency_key:
        problems["idempotency_key"] = "Give each event a unique key, so a repeat changes nothing."
    if event.priority is not None and event.priority not in PRIORITIES:
        problems["priority"] = f"Priority {event.priority} is not one of 1-5."
    for name in ("impact", "urgency"):
        value = getattr(event, name)
        if value is not None and value not in LEVELS:
            problems[name] = f"{name.capitalize()} {value} is not one of 1 (high), 2 (medium), 3 (low)."
    if event.sets_priority and event.priority is None and (event.impact is None or event.urgency is None):
        problems["priority"] = "Give a priority (1-5), or an impact and an urgency (1-3)."
    return problems
