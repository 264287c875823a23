"""Reads for the integrations: which integration a delivery is for, and its mappings.

What Accord knew of a ticket before a delivery is no longer read from the database: each
delivery is read in its place among the ticket's observations (sla.transitions)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

from sla.integrations.mappings import IntegrationConfig
from sla.models import Integration

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
