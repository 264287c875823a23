"""A ticket's current facts, derived from its event history (pure, like sla.clocks).

Status fields follow the event kinds; descriptive fields (title, requester, assignee, …) take
the latest value any event carried, by `occurred_at`, so late events never overwrite newer
information.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sla import clocks as c

DESCRIPTIVE_FIELDS = ("title", "requester", "requester_email", "assignee", "assignee_email", "impact", "urgency")


@dataclass(frozen=True)
class FactEvent:
    kind: str
    occurred_at: datetime
    sequence: int = 0
    priority: int | None = None
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class TicketFacts:
    state: str
    opened_at: datetime
    priority: int | None
    resolved_at: datetime | None
    closed_at: datetime | None
    values: dict[str, Any]


def ticket_facts(history: Iterable[FactEvent]) -> TicketFacts | None:
    """None when the history does not start with an opening."""
    events = sorted(history, key=lambda e: (e.occurred_at, e.kind != c.OPENED, e.sequence))
    if not events or events[0].kind != c.OPENED:
        return None
    state, priority = "open", None
    resolved_at = closed_at = None
    values: dict[str, Any] = {}
    for event in events:
        for name, value in event.values.items():
            if value not in (None, ""):
                values[name] = value
        if event.kind in (c.OPENED, c.PRIORITY_CHANGED) and event.priority is not None:
            priority = event.priority
        if state in ("closed", "cancelled"):
            continue
        if event.kind == c.PAUSED_EVENT and state == "open":
            state = "paused"
        elif event.kind == c.RESUMED and state == "paused":
            state = "open"
        elif event.kind == c.RESOLVED and state in ("open", "paused"):
            state, resolved_at = "resolved", event.occurred_at
        elif event.kind == c.REOPENED and state == "resolved":
            state, resolved_at = "open", None
        elif event.kind == c.CLOSED:
            state, closed_at = "closed", event.occurred_at
            resolved_at = resolved_at or event.occurred_at
        elif event.kind == c.CANCELLED_EVENT:
            state = "cancelled"
    return TicketFacts(
        state=state,
        opened_at=events[0].occurred_at,
        priority=priority,
        resolved_at=resolved_at,
        closed_at=closed_at,
        values=values,
    )
