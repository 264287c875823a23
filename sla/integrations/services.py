"""Writes for the integrations: set one up, and take in a webhook delivery.

A delivery is checked (signature), read (JSON), kept as an observation of its ticket and read
in its place among the ticket's other observations by the tool's module
(`sla.services.ticket_observations_ingest`), all-or-nothing. Nothing is stored for a delivery
that fails any step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.json_input import json_load
from catalog.models import BusinessUnit, Service
from sla.events import TicketEventInput
from sla.integrations import signatures
from sla.integrations.common import Translation
from sla.integrations.mappings import JIRA, SERVICENOW, ZENDESK
from sla.integrations.observations import delivery_observation, snapshot_translator
from sla.integrations.selectors import integration_config
from sla.models import Integration, Ticket, TicketEvent
from sla.services.tickets import ObservationInput, ticket_observations_ingest


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
    """Check, keep and read one webhook delivery. Raises SignatureRejected (401),
    PermissionDenied (inactive integration) or ValidationError (400), storing nothing.

    The delivery is kept as an observation of its ticket at its own instant, and the ticket's
    events are derived again from all its observations in time order (sla.transitions), so a
    late or retried delivery ends exactly as if it had come in order."""
    now = now or timezone.now()
    if not integration.active:
        raise PermissionDenied(f"The integration {integration.slug!r} is inactive; activate it in the admin.")
    _verify(integration, body, headers, now)
    payload = _json(body)
    seen = delivery_observation(
        integration.kind, payload, delivery_id=headers.get("X-Atlassian-Webhook-Identifier") or None
    )
    if isinstance(seen, Translation):  # not about a ticket
        return DeliveryResult(0, 0, None, seen.external_id, seen.ignored or "Nothing changed.")
    external_id, observation = seen
    translate = snapshot_translator(integration_config(integration))
    # Problems are named by the part of the payload, or by the derived event ("resolved.occurred_at").
    result = ticket_observations_ingest(
        observations=[ObservationInput(integration.slug, external_id, observation)],
        translators=lambda source: translate,
        now=now,
        check=lambda translation: _check_routing(translation.events),
    )
    Integration.objects.filter(pk=integration.pk).update(last_delivery_at=now)
    translation = result.translations.get(observation.key)
    ignored = ""
    if translation is not None and not translation.events:
        ignored = translation.ignored or "Nothing changed."
    elif result.held:
        ignored = f"Accord has not seen {external_id} opened yet; this delivery counts once it has."
    if result.duplicates:  # the same delivery again: what it gave is there already
        events = _in_place(observation, integration, external_id)
        return DeliveryResult(0, events, _ticket_id(integration.slug, external_id), external_id, ignored)
    translation = translation or Translation(external_id=external_id)
    return DeliveryResult(
        created=result.events_created,
        duplicates=result.event_duplicates,
        ticket=_ticket_id(integration.slug, external_id),
        external_id=external_id,
        ignored=ignored,
        defaults=dict(translation.defaults),
        notes=list(translation.notes),
    )


def _in_place(observation, integration: Integration, external_id: str) -> int:
    """How many events a stored delivery gives in its ticket's history."""
    return TicketEvent.objects.filter(
        ticket__source=integration.slug, ticket__external_id=external_id, data__observation=observation.key
    ).count()


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
    """Strict JSON, as the API reads it (catalog/api/parsers.py): not nested past its depth, no
    NaN, no infinite numbers."""
    try:
        return json_load(body)
    except ValueError as error:
        raise ValidationError({"body": [f"The body is not valid JSON: {error}."]}) from None


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
