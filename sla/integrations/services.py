"""Writes for the integrations: set one up, and take in a webhook delivery.

A delivery is checked (signature), read (JSON), translated by the tool's module into ticket
events and stored by `sla.services.ticket_events_ingest`, all-or-nothing. Nothing is stored
for a delivery that fails any step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.models import BusinessUnit, Service
from sla.events import TicketEventInput
from sla.integrations import signatures
from sla.integrations.common import Translation
from sla.integrations.jira import jira_events
from sla.integrations.mappings import JIRA, SERVICENOW, ZENDESK
from sla.integrations.selectors import integration_config, known_ticket
from sla.integrations.servicenow import servicenow_events
from sla.integrations.zendesk import zendesk_events
from sla.models import Integration, Ticket
from sla.services import ticket_events_ingest


@dataclass(frozen=True)
class DeliveryResult:
    created: int
    duplicates: int
    ticket: int | None  # Accord's ticket id
    external_id: str | None
    ignored: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)  # e.g. {"priority": 3}: the integration's default used
    notes: list[str] = field(default_factory=list)


def integration_create(
    *,
    kind: str,
    name: str,
    slug: str,
    secret: str = "",
    default_service: Service | None = None,
    default_business_unit: BusinessUnit | None = None,
    priorities: dict[str, int] | None = None,
    states: dict[str, str] | None = None,
    routing: list[dict[str, Any]] | None = None,
    default_priority: int = 3,
    active: bool = True,
) -> Integration:
    """An integration, checked like the admin checks it. Empty mappings mean the kind's defaults."""
    integration = Integration(
        kind=kind,
        name=name,
        slug=slug,
        secret=secret,
        default_service=default_service,
        default_business_unit=default_business_unit,
        priorities=priorities or {},
        states=states or {},
        routing=routing or [],
        default_priority=default_priority,
        active=active,
    )
    integration.full_clean()
    integration.save()
    return integration


def integration_delivery_receive(
    *, integration: Integration, body: bytes, headers: Mapping[str, str], now: datetime | None = None
) -> DeliveryResult:
    """Check, translate and store one webhook delivery. Raises SignatureRejected (401),
    PermissionDenied (inactive integration) or ValidationError (400), storing nothing."""
    now = now or timezone.now()
    if not integration.active:
        raise PermissionDenied(f"The integration {integration.slug!r} is inactive; activate it in the admin.")
    _verify(integration, body, headers, now)
    payload = _json(body)
    translation = _translate(integration, payload, headers)
    ticket_id = _ticket_id(integration.slug, translation.external_id)
    if not translation.events:
        return DeliveryResult(0, 0, ticket_id, translation.external_id, translation.ignored or "Nothing changed.")
    _check_routing(translation.events)
    try:
        result = ticket_events_ingest(events=translation.events, now=now)
    except ValidationError as error:
        raise _named_by_kind(error, translation.events) from error
    Integration.objects.filter(pk=integration.pk).update(last_delivery_at=now)
    return DeliveryResult(
        created=result.created,
        duplicates=result.duplicates,
        ticket=ticket_id or _ticket_id(integration.slug, translation.external_id),
        external_id=translation.external_id,
        defaults=translation.defaults,
        notes=translation.notes,
    )


def _verify(integration: Integration, body: bytes, headers: Mapping[str, str], now: datetime) -> None:
    secret = integration.secret
    if integration.kind == JIRA:
        if secret:  # Jira signs only when the webhook has a secret
            signatures.verify_hub_signature(secret=secret, body=body, header=headers.get("X-Hub-Signature"))
    elif not secret:
        raise signatures.SignatureRejected("The integration has no secret to check deliveries with; set one.")
    elif integration.kind == SERVICENOW:
        signatures.verify_accord_signature(
            secret=secret,
            body=body,
            signature=headers.get("X-Accord-Signature"),
            token=headers.get("X-Accord-Token"),
            authorization=headers.get("Authorization"),
            user=integration.slug,
        )
    elif integration.kind == ZENDESK:
        signatures.verify_zendesk_signature(
            secret=secret,
            body=body,
            signature=headers.get("X-Zendesk-Webhook-Signature"),
            timestamp=headers.get("X-Zendesk-Webhook-Signature-Timestamp"),
            now=now,
        )


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValidationError({"body": ["The body is not UTF-8 text."]}) from None
    except json.JSONDecodeError as error:
        raise ValidationError(
            {"body": [f"The body is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."]}
        ) from None


def _translate(integration: Integration, payload: Any, headers: Mapping[str, str]) -> Translation:
    config = integration_config(integration)

    def known(external_id: str, as_of: datetime | None, prefix: str):
        return known_ticket(source=integration.slug, external_id=external_id, as_of=as_of, exclude_prefix=prefix)

    translate = {
        JIRA: partial(jira_events, delivery_id=headers.get("X-Atlassian-Webhook-Identifier") or None),
        SERVICENOW: servicenow_events,
        ZENDESK: zendesk_events,
    }[integration.kind]
    return translate(payload, config=config, known=known)


def _ticket_id(source: str, external_id: str | None) -> int | None:
    if not external_id:
        return None
    return Ticket.objects.filter(source=source, external_id=external_id).values_list("pk", flat=True).first()


def _check_routing(events: list[TicketEventInput]) -> None:
    """A routing rule or default that names a service or unit since removed: say so plainly."""
    services = {e.service for e in events if e.service}
    units = {e.business_unit for e in events if e.business_unit}
    problems = [
        f"The integration routes this ticket to service {slug!r}, which does not exist; "
        "fix its routing rules or default service."
        for slug in sorted(services - set(Service.objects.filter(slug__in=services).values_list("slug", flat=True)))
    ]
    problems += [
        f"The integration routes this ticket to business unit {slug!r}, which does not exist; fix its routing rules."
        for slug in sorted(units - set(BusinessUnit.objects.filter(slug__in=units).values_list("slug", flat=True)))
    ]
    if problems:
        raise ValidationError({"routing": problems})


_EVENT_KEY = re.compile(r"^events\[(\d+)\]\.?(.*)$")


def _named_by_kind(error: ValidationError, events: list[TicketEventInput]) -> ValidationError:
    """The ingestion names problems by position ("events[2].occurred_at"); the tool's user
    never saw that list, so name them by the event Accord derived ("resolved.occurred_at")."""
    if not hasattr(error, "error_dict"):
        return error
    named: dict[str, list[str]] = {}
    for key, messages in error.message_dict.items():
        match = _EVENT_KEY.match(key)
        if match and int(match.group(1)) < len(events):
            kind = events[int(match.group(1))].kind
            key = f"{kind}.{match.group(2)}" if match.group(2) else kind
        named.setdefault(key, []).extend(messages)
    return ValidationError(named)
