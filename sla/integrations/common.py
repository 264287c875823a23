"""What the tool translators share: what Accord already knows of a ticket, how a change of
state becomes events, dates, and errors that name the part of the payload at fault."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError

from sla import clocks as c
from sla.events import TicketEventInput
from sla.integrations import mappings as m


class PayloadError(ValidationError):
    """A delivery Accord cannot use; `where` names the part of the payload (e.g. "issue.key")."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__({where: [message]})


@dataclass(frozen=True)
class KnownTicket:
    """What Accord knows of a ticket from its stored events (before the delivery at hand)."""

    state: str  # open, paused, resolved, closed or cancelled (sla.models.TicketState)
    opened_at: datetime
    priority: int | None = None
    assignee: str = ""
    responded: bool = False


# (external id, as of, idempotency-key prefix of this delivery) → the ticket as known just
# before this delivery, or None when Accord has not seen it. Events whose key starts with the
# prefix are left out, so a replayed delivery is translated exactly as the first time.
KnownLookup = Callable[[str, datetime | None, str], KnownTicket | None]


def state_change_kinds(previous: str, current: str, *, responded_before: bool) -> list[str]:
    """The events that take a ticket from state `previous` (a TicketState) to the mapped tool
    state `current` (sla.integrations.mappings.STATES)."""
    now = m.OPEN if current == m.RESPONDED else current
    kinds: list[str] = []
    if previous in (m.CLOSED, m.CANCELLED):
        return kinds  # final in Accord (sla.ticket_state): what the tool does next no longer counts
    if previous == m.RESOLVED and now in (m.OPEN, m.PAUSED):
        kinds.append(c.REOPENED)
    elif previous == m.PAUSED and now == m.OPEN:
        kinds.append(c.RESUMED)
    if now == m.PAUSED and previous != m.PAUSED:
        kinds.append(c.PAUSED_EVENT)
    if current == m.RESPONDED and not responded_before:
        kinds.append(c.RESPONDED)
    if now == m.RESOLVED and previous in (m.OPEN, m.PAUSED):
        kinds.append(c.RESOLVED)
    elif now == m.CLOSED:
        kinds.append(c.CLOSED)
    elif now == m.CANCELLED:
        kinds.append(c.CANCELLED_EVENT)
    return kinds


def state_after(state: str, kinds: list[str]) -> str:
    """The ticket's state once `kinds` (from state_change_kinds) have happened to it."""
    for kind in kinds:
        state = {
            c.PAUSED_EVENT: m.PAUSED,
            c.RESUMED: m.OPEN,
            c.REOPENED: m.OPEN,
            c.RESOLVED: m.RESOLVED,
            c.CLOSED: m.CLOSED,
            c.CANCELLED_EVENT: m.CANCELLED,
        }.get(kind, state)
    return state


def finished(ticket: KnownTicket | None, external_id: str) -> Translation | None:
    """A closed or cancelled ticket is final: later changes in the tool (a priority edited after
    closing, say) must not rewrite how it was measured."""
    if ticket is not None and ticket.state in (m.CLOSED, m.CANCELLED):
        return Translation(
            external_id=external_id, ignored=f"{external_id} is {ticket.state} in Accord; later changes do not count."
        )
    return None


@dataclass
class Translation:
    """What one delivery means: events for one ticket, or why it was ignored."""

    external_id: str | None
    events: list[TicketEventInput] = field(default_factory=list)
    ignored: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)  # field → the integration's default used
    notes: list[str] = field(default_factory=list)  # why, for the delivery's answer


@dataclass
class EventBatch:
    """Collects one delivery's events for one ticket, with idempotency keys that a replay of
    the same delivery reproduces: `<prefix>:<kind>`, numbered when a kind repeats."""

    source: str
    external_id: str
    key_prefix: str
    common: dict[str, Any] = field(default_factory=dict)  # title, requester, assignee, …
    events: list[TicketEventInput] = field(default_factory=list)

    def add(self, kind: str, at: datetime, *, key: str | None = None, **values: Any) -> None:
        key = key or f"{self.key_prefix}:{kind}"
        taken = {e.idempotency_key for e in self.events}
        base, n = key, 1
        while key in taken:
            n += 1
            key = f"{base}:{n}"
        fields = {**self.common, **values}
        self.events.append(
            TicketEventInput(
                source=self.source,
                external_id=self.external_id,
                kind=kind,
                occurred_at=at,
                idempotency_key=key[:200],
                **fields,
            )
        )

    def translation(self) -> Translation:
        return Translation(external_id=self.external_id, events=list(self.events))


def parse_datetime(value: Any, where: str) -> datetime:
    """An ISO 8601 instant with an offset (Jira's "2024-03-01T10:00:00.000+0000", Zendesk's
    "2025-01-08T16:45:20.987654321Z")."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(where, "Give the time as ISO 8601 text with a UTC offset.")
    text = value.strip()
    # Python reads at most microseconds; Zendesk sends nanoseconds.
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(where, f"{value!r} is not a date and time Accord can read (ISO 8601).") from None
    if parsed.tzinfo is None:
        raise PayloadError(where, f"{value!r} has no UTC offset; Accord cannot tell which instant it is.")
    try:  # year 1's first morning east of UTC, or 9999's last evening west of it, is off the calendar
        parsed.astimezone(UTC)
    except OverflowError:
        raise PayloadError(where, f"{value!r} is outside the calendar once put in UTC (years 1 to 9999).") from None
    return parsed


def parse_epoch_ms(value: Any, where: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(where, "Give the time in milliseconds since 1970.")
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise PayloadError(where, f"{value!r} is not a time in milliseconds since 1970.") from None


def parse_utc_naive(value: Any, where: str, *, fmt: str = "%Y-%m-%d %H:%M:%S") -> datetime:
    """ServiceNow's "2024-03-01 10:00:00", which the Table API writes in UTC."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(where, "Give the time as YYYY-MM-DD HH:MM:SS (UTC).")
    try:
        return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC)
    except ValueError:
        raise PayloadError(where, f"{value!r} is not a time of the form YYYY-MM-DD HH:MM:SS (UTC).") from None


def dig(payload: Any, path: str) -> Any:
    """payload["a"]["b"] for path "a.b", or None where any step is missing."""
    node = payload
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def require_text(payload: Any, path: str, what: str) -> str:
    value = text(dig(payload, path))
    if not value:
        raise PayloadError(path, f"The payload has no {what} ({path}).")
    return value


def mapped_priority(config: m.IntegrationConfig, value: Any, where: str) -> int:
    priority = config.priority_for(value)
    if priority is None:
        example = json.dumps({text(value): 3})
        raise PayloadError(
            where, f"Priority {text(value)!r} is not mapped; add it to the integration's priorities (e.g. {example})."
        )
    return priority


def check_priority(config: m.IntegrationConfig, value: Any, where: str) -> None:
    """A priority that is sent must be mapped (none at all is for priority_or_default)."""
    if text(value) or config.priority_for("") is not None:
        mapped_priority(config, value, where)


def priority_or_default(
    config: m.IntegrationConfig, value: Any, where: str, *, known: int | None, ticket: str
) -> tuple[int, str]:
    """(priority, note). A ticket sent without any priority keeps the one Accord knows, or opens
    with the integration's default priority (the note says so); the mapping's "" key, when it
    has one, says what no priority means. A priority that is sent must be mapped."""
    if text(value) or config.priority_for("") is not None:
        return mapped_priority(config, value, where), ""
    if known is not None:
        return known, ""
    return config.default_priority, (
        f"{ticket} has no priority ({where}); opened with the integration's default priority, "
        f"{config.default_priority}."
    )


def new_ticket_route(config: m.IntegrationConfig, fields: Mapping[str, Any], where: str) -> tuple[str, str | None]:
    service, unit = config.route(fields)
    if not service:
        seen = ", ".join(f"{name}={'/'.join(map(str, values))}" for name, values in fields.items() if values)
        raise PayloadError(
            where,
            f"No routing rule matches this ticket ({seen or 'no routing fields'}) and the integration "
            "has no default service; add a rule or a default service.",
        )
    return service, unit
