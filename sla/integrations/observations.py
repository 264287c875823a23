"""A webhook delivery as an observation of its ticket (sla.transitions): which ticket, at which
instant, under which key, and how to read it again in its place among the others."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from sla.integrations.common import (
    KnownLookup,
    PayloadError,
    Translation,
    parse_datetime,
    parse_utc_naive,
    require_text,
    text,
)
from sla.integrations.jira import jira_delivery, jira_events
from sla.integrations.mappings import JIRA, SERVICENOW, ZENDESK, IntegrationConfig
from sla.integrations.servicenow import servicenow_events, servicenow_record, value
from sla.integrations.zendesk import PREFIX as ZENDESK_PREFIX
from sla.integrations.zendesk import zendesk_events
from sla.transitions import Observation, Translator

CREATED, LATER = 0, 1  # a tool's "created" snapshot sorts before others of its instant


def delivery_observation(
    kind: str, payload: Any, *, delivery_id: str | None = None
) -> tuple[str, Observation] | Translation:
    """(the ticket's id in the tool, the observation) for a delivery about a ticket, or a
    Translation saying why Accord does not use this delivery (another kind of event)."""
    content = {"payload": payload, "delivery_id": delivery_id} if delivery_id else {"payload": payload}
    if kind == JIRA:
        return _jira(payload, delivery_id, content)
    if kind == SERVICENOW:
        record = servicenow_record(payload)
        number = value(record, "number")
        if not number:
            raise PayloadError("number", "The incident has no number (e.g. INC0010001).")
        updated = parse_utc_naive(value(record, "sys_updated_on"), "sys_updated_on")
        sys_id = value(record, "sys_id") or number
        key = f"servicenow:{sys_id}:{updated:%Y%m%dT%H%M%S}"
        return number, Observation(key, SERVICENOW, updated, LATER, content)
    if kind == ZENDESK:
        return _zendesk(payload, content)
    raise ValueError(f"Unknown integration kind {kind!r}.")


def _jira(payload: Any, delivery_id: str | None, content: dict) -> tuple[str, Observation] | Translation:
    delivery = jira_delivery(payload, delivery_id)
    if isinstance(delivery, Translation):
        return delivery
    order = CREATED if delivery.event == "jira:issue_created" else LATER
    return delivery.issue_key, Observation(delivery.key, JIRA, delivery.at, order, content)


def _zendesk(payload: Any, content: dict) -> tuple[str, Observation] | Translation:
    if not isinstance(payload, Mapping):
        raise PayloadError("body", "A Zendesk webhook body is a JSON object.")
    kind = text(payload.get("type"))
    if not kind:
        raise PayloadError("type", "The payload has no type; is this a Zendesk event webhook?")
    if not kind.startswith(ZENDESK_PREFIX):
        return Translation(external_id=None, ignored=f"Accord does not use {kind} events.")
    if not isinstance(payload.get("detail"), Mapping):
        raise PayloadError("detail", "The payload has no ticket (detail).")
    ticket_id = require_text(payload, "detail.id", "ticket id")
    event_id = require_text(payload, "id", "event id")
    at = parse_datetime(payload.get("time"), "time")
    rank = CREATED if kind == f"{ZENDESK_PREFIX}created" else LATER
    return ticket_id, Observation(f"zendesk:{event_id}", ZENDESK, at, rank, content)


def snapshot_translator(config: IntegrationConfig) -> Translator:
    """Reads a snapshot with its tool's translator and the integration's mappings as they are now."""

    def translate(observation: Observation, known: KnownLookup) -> Translation:
        read = {
            JIRA: partial(jira_events, delivery_id=observation.content.get("delivery_id")),
            SERVICENOW: servicenow_events,
            ZENDESK: zendesk_events,
        }[observation.origin]
        return read(observation.content.get("payload"), config=config, known=known)

    return translate


def integration_translators() -> Callable[[str], Translator]:
    """source → the translator of the integration of that slug (read once, on first need)."""
    from sla.integrations.selectors import integration_config
    from sla.models import Integration

    cache: dict[str, Translator] = {}

    def for_source(source: str) -> Translator:
        if source not in cache:
            integration = Integration.objects.filter(slug=source).first()
            cache[source] = snapshot_translator(integration_config(integration)) if integration else _gone(source)
        return cache[source]

    return for_source


def _gone(source: str) -> Translator:
    def translate(observation: Observation, known: KnownLookup) -> Translation:
        raise PayloadError("integration", f"There is no integration {source!r} any more to read this delivery with.")

    return translate
