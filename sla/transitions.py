"""A ticket's transitions, derived from what the tools told of it: one pure, deterministic function.

Every delivery about a ticket is kept as an `Observation`: an explicit event (the REST API, the
CSV import) or a tool's snapshot of the ticket at one instant (a Jira, ServiceNow or Zendesk
webhook). `derive_transitions` replays the observations in the order of their instants and
turns each snapshot into events by comparing it with what the observations before it say
(the tools' translators, sla.integrations). The result depends on the set of observations
only, never on the order they arrived in: a delivery that lands in the past is placed where it
belongs and everything after it is derived again.

Ties at one instant are broken by content, never by arrival: openings first (`rank`), then
the observation's key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError

from sla import clocks as c
from sla.events import TicketEventInput
from sla.integrations.common import KnownLookup, KnownTicket, Translation
from sla.ticket_state import DESCRIPTIVE_FIELDS, FactEvent, ticket_facts

EVENT = "event"  # an explicit event, as the REST API and the CSV import send them
RESPONSES = (c.RESPONDED, c.CUSTOMER_UPDATED)
_EVENT_FIELDS = tuple(f.name for f in fields(TicketEventInput))


@dataclass(frozen=True)
class Observation:
    """One delivery about one ticket. `content` holds the event's fields (origin "event") or
    {"payload": the tool's JSON, "delivery_id": …} for a tool's snapshot."""

    key: str
    origin: str
    observed_at: datetime
    rank: int = 0
    content: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # An explicit event as read back from `content` (observation_event), when the caller has
    # it already: the same value, without parsing the content again.
    event: TicketEventInput | None = field(default=None, hash=False, compare=False, repr=False)


# (observation, what the observations before it say) → what the observation means there.
Translator = Callable[[Observation, KnownLookup], Translation]


@dataclass(frozen=True)
class DerivedEvent:
    event: TicketEventInput
    observation: str  # the key of the observation it comes from


@dataclass
class Derivation:
    """A ticket's history as its observations give it."""

    events: list[DerivedEvent]  # in history order: an event's position is its sequence
    translations: dict[str, Translation]  # observation key → what it meant in its place
    failures: dict[str, ValidationError]  # observations that cannot be read in their place
    early: dict[str, list[TicketEventInput]]  # events dated before the ticket's opening
    repeated: dict[str, int]  # observation key → its events another observation had given already

    @property
    def opening(self) -> TicketEventInput | None:
        return self.events[0].event if self.events else None


def observation_order(observation: Observation) -> tuple:
    return (observation.observed_at, observation.rank, observation.key)


# Explicit events of one instant, in the order a ticket lives them: a reopen comes before what
# happens in the reopened ticket; a response and an assignment at one instant are one
# engagement (the response first, so it starts one update cycle, not two).
TIE_ORDER = (
    c.OPENED,
    c.REOPENED,
    c.RESPONDED,
    c.ASSIGNED,
    c.CUSTOMER_UPDATED,
    c.PAUSED_EVENT,
    c.RESUMED,
    c.PRIORITY_CHANGED,
    c.RESOLVED,
    c.CLOSED,
    c.CANCELLED_EVENT,
)


_RANKS = {kind: rank for rank, kind in enumerate(TIE_ORDER)}


def event_rank(kind: str) -> int:
    return _RANKS.get(kind, len(TIE_ORDER))


_BLANKABLE = frozenset(f.name for f in fields(TicketEventInput) if f.default is None)  # blank: read back None
_EMPTY_LEFT_OUT = (str, dict)  # "" and {} are left out (a tuple: isinstance with `str | dict` is slower)


def event_content(event: TicketEventInput) -> dict[str, Any]:
    """An explicit event as an observation keeps it (JSON)."""
    return _content(event)[0]


# An explicit event's fields that its observation's row holds in columns of its own (source,
# external_id, key): its stored content leaves them out (about a quarter of the row, written
# for every event of a batch) and they are put back when it is read (content_read).
ROW_FIELDS = ("source", "external_id", "idempotency_key")


def event_stored_content(event: TicketEventInput) -> dict[str, Any]:
    """The content stored for an explicit event: event_content less ROW_FIELDS."""
    content = _content(event)[0]
    for name in ROW_FIELDS:
        content.pop(name, None)
    return content


def content_stored(origin: str, content: dict[str, Any]) -> dict[str, Any]:
    """An observation's content as its row stores it (an explicit event's less ROW_FIELDS)."""
    if origin != EVENT:
        return content
    return {name: value for name, value in content.items() if name not in ROW_FIELDS}


def content_read(*, origin: str, source: str, external_id: str, key: str, content: dict[str, Any]) -> dict[str, Any]:
    """An observation's content as stored, whole again: an explicit event's ROW_FIELDS from its
    row (rows stored before they were left out have them already, with the same values)."""
    if origin != EVENT:
        return content
    return {"source": source, "external_id": external_id, "idempotency_key": key, **content}


def _content(event: TicketEventInput) -> tuple[dict[str, Any], bool]:
    """The event's content (its fields but None, "" and {}), and whether a field that reads
    back as None was sent blank. One pass over the fields: a batch has thousands of events."""
    content: dict[str, Any] = {}
    blank = False
    for name, value in vars(event).items():
        if value:  # most fields are set or None, so those two come first
            content[name] = value
        elif value is None:
            continue
        elif isinstance(value, _EMPTY_LEFT_OUT):
            blank = blank or (isinstance(value, str) and name in _BLANKABLE)
        else:  # 0, False
            content[name] = value
    content["occurred_at"] = event.occurred_at.isoformat()
    return content, blank


def event_observation(event: TicketEventInput) -> Observation:
    """An explicit event as an observation of its ticket. It carries the event as
    `event_from_content` reads it back from its content: blank optional fields are left out
    of the content, so they come back as None."""
    content, blank = _content(event)
    if blank:
        event = event_from_content(content)
    return Observation(event.idempotency_key, EVENT, event.occurred_at, event_rank(event.kind), content, event)


def event_from_content(content: dict[str, Any]) -> TicketEventInput:
    values = {name: content[name] for name in _EVENT_FIELDS if name in content}
    values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
    return TicketEventInput(**values)


def derive_transitions(observations: Iterable[Observation], *, translate: Translator) -> Derivation:
    """The ticket's events from its observations, whatever order they arrived in.

    The history starts at the ticket's first opening: events dated before it are left out
    (`early`), and so are further openings. An event key given by two observations counts once,
    for the earlier."""
    replayed: list[DerivedEvent] = []
    taken: set[str] = set()
    translations: dict[str, Translation] = {}
    failures: dict[str, ValidationError] = {}
    repeated: dict[str, int] = {}
    for observation in sorted(observations, key=observation_order):
        if observation.origin == EVENT:
            event = observation.event or event_from_content(observation.content)
            translation = Translation(external_id=event.external_id, events=[event])
        else:
            try:
                translation = translate(observation, _known_from(replayed))
            except ValidationError as error:
                failures[observation.key] = error
                continue
        translations[observation.key] = translation
        for event in translation.events:
            if event.idempotency_key in taken:
                repeated[observation.key] = repeated.get(observation.key, 0) + 1
                continue
            taken.add(event.idempotency_key)
            replayed.append(DerivedEvent(event, observation.key))
    events, early = _from_opening(replayed)
    return Derivation(events=events, translations=translations, failures=failures, early=early, repeated=repeated)


def _from_opening(replayed: Sequence[DerivedEvent]) -> tuple[list[DerivedEvent], dict[str, list[TicketEventInput]]]:
    """History order: by instant, the opening first among events of its instant, then as
    replayed (the events of one snapshot keep the order the snapshot gave them)."""
    ordered = [
        derived
        for _, derived in sorted(
            enumerate(replayed), key=lambda pair: (pair[1].event.occurred_at, pair[1].event.kind != c.OPENED, pair[0])
        )
    ]
    start = next((n for n, derived in enumerate(ordered) if derived.event.kind == c.OPENED), None)
    if start is None:
        return [], {}  # not opened yet: everything waits for the opening
    early: dict[str, list[TicketEventInput]] = {}
    for derived in ordered[:start]:
        early.setdefault(derived.observation, []).append(derived.event)
    history = [ordered[start]] + [d for d in ordered[start + 1 :] if d.event.kind != c.OPENED]
    return history, early


def _known_from(replayed: Sequence[DerivedEvent]) -> KnownLookup:
    """What the observations replayed so far say of the ticket as of an instant: the same
    answer the tools' translators got from the database before (sla.integrations.common)."""

    def known(external_id: str, as_of: datetime | None, prefix: str) -> KnownTicket | None:
        history, _ = _from_opening(replayed)
        if not history:
            return None
        before = [d.event for d in history if as_of is None or d.event.occurred_at <= as_of]
        facts = ticket_facts(_fact(event, n) for n, event in enumerate(before)) or ticket_facts(
            _fact(d.event, n) for n, d in enumerate(history)
        )
        return KnownTicket(
            state=facts.state,
            opened_at=facts.opened_at,
            priority=facts.priority,
            assignee=str(facts.values.get("assignee") or ""),
            responded=any(event.kind in RESPONSES for event in before),
        )

    return known


def _fact(event: TicketEventInput, sequence: int) -> FactEvent:
    values = {name: getattr(event, name) for name in DESCRIPTIVE_FIELDS if getattr(event, name) not in (None, "")}
    return FactEvent(event.kind, event.occurred_at, sequence, event.priority, values)
