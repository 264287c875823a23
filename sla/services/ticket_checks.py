"""What a batch of ticket deliveries must pass before anything is written, shared by the
synchronous ingestion (sla.services.tickets), the accept path (sla.services.ticket_accept) and
the workers' derivation (sla.services.ticket_derivation): each new delivery in its place in its
ticket's history, and the services and business units the openings name. Problems are collected
in a `BatchErrors`, named as each caller names its deliveries, and raised together."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from sla import clocks as c
from sla.events import TicketEventInput
from sla.transitions import EVENT, Derivation, Observation

if TYPE_CHECKING:
    from sla.integrations.common import Translation
    from sla.services.ticket_store import TicketKey
    from sla.services.tickets import IngestResult

TIME_FIELDS = {"jira": "timestamp", "servicenow": "sys_updated_on", "zendesk": "time"}  # a snapshot's instant


class BatchErrors:
    """Problems found in a batch, named by the delivery (and event) they belong to."""

    def __init__(self, name: Callable[[int, TicketEventInput | None, str], str]) -> None:
        self.name = name
        self.messages: dict[str, list[str]] = {}

    def add(self, index: int, name: str, message: str, event: TicketEventInput | None = None) -> None:
        self.messages.setdefault(self.name(index, event, name), []).append(message)

    def extend(self, index: int, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            self.messages.setdefault(name, []).extend(messages)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationError(self.messages)


def deliveries_check(
    *,
    key: TicketKey,
    items: Iterable[tuple[int, Observation]],
    stored: Iterable[Observation],
    derivation: Derivation,
    errors: BatchErrors,
    result: IngestResult,
    check: Callable[[Translation], None] | None,
) -> None:
    """A new delivery must make sense in its place; the old ones are as they were accepted.
    `items`: the ticket's new deliveries with their index in the batch; `stored`, its old ones;
    `derivation`, its history with both. What each new one means is recorded in `result`."""
    opening = derivation.opening
    stored_openings = {o.key for o in stored if o.origin == EVENT and o.content.get("kind") == c.OPENED}
    for index, observation in items:
        if observation.key in derivation.failures:
            errors.extend(index, derivation.failures[observation.key])
            continue
        translation = derivation.translations[observation.key]
        result.translations[observation.key] = translation
        result.event_duplicates += derivation.repeated.get(observation.key, 0)
        if check is not None:
            try:
                check(translation)
            except ValidationError as error:
                errors.extend(index, error)
        if observation.origin == EVENT and observation.content.get("kind") == c.OPENED:
            if stored_openings - {observation.key}:
                errors.add(
                    index,
                    "kind",
                    f"Ticket {key[0]}:{key[1]} is already open; send its later events instead.",
                    translation.events[0],
                )
            stored_openings.add(observation.key)
        if observation.origin != EVENT and opening is not None and observation.observed_at < opening.occurred_at:
            errors.add(
                index,
                TIME_FIELDS.get(observation.origin, "time"),
                f"The delivery is dated {observation.observed_at.isoformat()}, before {key[1]} was opened "
                f"({opening.occurred_at.isoformat()}).",
            )
            continue
        for event in derivation.early.get(observation.key, []) if opening is not None else []:
            errors.add(
                index,
                "occurred_at",
                f"{event.occurred_at.isoformat()} is before ticket {key[0]}:{key[1]} was opened "
                f"({opening.occurred_at.isoformat()}).",
                event,
            )


def openings_check(
    *,
    opened: Mapping[TicketKey, Derivation],
    new: Mapping[TicketKey, list[tuple[int, Observation]]],
    tickets: Mapping[TicketKey, object],
    services: Mapping[str, object],
    units: Mapping[str, object],
    errors: BatchErrors,
) -> None:
    """The services and business units the opened tickets' histories name exist, and a ticket
    new to Accord names its service. Reported on the ticket's first new delivery."""
    for key, derivation in opened.items():
        index = new[key][0][0]
        for derived in derivation.events:
            event = derived.event
            if event.service and event.service not in services:
                errors.add(index, "service", f"Unknown service {event.service!r}.", event)
            if event.business_unit and event.business_unit not in units:
                errors.add(index, "business_unit", f"Unknown business unit {event.business_unit!r}.", event)
        if key not in tickets and not derivation.opening.service:
            errors.add(index, "service", "Name the service of a new ticket.", derivation.opening)
