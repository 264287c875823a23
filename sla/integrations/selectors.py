"""Reads for the integrations: which integration a delivery is for, and what Accord knows of a
ticket just before a delivery."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404

from sla.integrations.common import KnownTicket
from sla.integrations.mappings import IntegrationConfig
from sla.models import Integration, Ticket, TicketEvent
from sla.ticket_state import FactEvent, ticket_facts

RESPONSES = ("responded", "customer_updated")


def integration_for_delivery(*, kind: str, slug: str | None = None) -> Integration:
    """The integration a webhook delivery names (by slug), or the one integration of its kind."""
    integrations = Integration.objects.filter(kind=kind).select_related("default_service", "default_business_unit")
    label = Integration(kind=kind).get_kind_display()
    if slug:
        found = integrations.filter(slug=slug).first()
        if found is None:
            raise Http404(f"There is no {label} integration {slug!r}.")
        return found
    active = list(integrations.filter(active=True)[:2])
    if not active:
        raise Http404(f"No active {label} integration is set up; add one in the admin.")
    if len(active) > 1:
        raise ValidationError(
            {"integration": [f"Several {label} integrations are active; send to /api/v1/integrations/{kind}/<slug>/."]}
        )
    return active[0]


def integration_config(integration: Integration) -> IntegrationConfig:
    return IntegrationConfig.build(
        kind=integration.kind,
        source=integration.slug,
        priorities=integration.priorities,
        states=integration.states,
        routing=integration.routing,
        default_service=integration.default_service.slug if integration.default_service else None,
        default_business_unit=integration.default_business_unit.slug if integration.default_business_unit else None,
        default_priority=integration.default_priority,
    )


def known_ticket(*, source: str, external_id: str, as_of: datetime | None, exclude_prefix: str) -> KnownTicket | None:
    """The ticket as its events up to `as_of` describe it, leaving out the events whose key
    starts with `exclude_prefix` (those of the delivery being translated, on a replay).
    None when Accord has no such ticket."""
    ticket = Ticket.objects.filter(source=source, external_id=external_id).first()
    if ticket is None:
        return None
    events = TicketEvent.objects.filter(ticket=ticket).exclude(idempotency_key__startswith=f"{exclude_prefix}:")
    if as_of is not None:
        events = events.filter(occurred_at__lte=as_of)
    rows = list(events.values_list("pk", "kind", "occurred_at", "priority", "data"))
    facts = ticket_facts(
        FactEvent(kind, occurred_at, pk, priority, (data or {}).get("values", {}))
        for pk, kind, occurred_at, priority, data in rows
    )
    if facts is None:
        # Nothing known before `as_of`: the delivery predates the opening and will be refused.
        return KnownTicket(state=ticket.state, opened_at=ticket.opened_at, priority=ticket.priority)
    return KnownTicket(
        state=facts.state,
        opened_at=facts.opened_at,
        priority=facts.priority,
        assignee=str(facts.values.get("assignee") or ""),
        responded=any(kind in RESPONSES for _, kind, *_ in rows),
    )
