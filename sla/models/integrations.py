"""Integrations: the ticket tools (Jira, ServiceNow, Zendesk) that send Accord their tickets.

An integration holds the shared secret the tool signs its deliveries with, and the mappings
that turn the tool's words into Accord's: its priorities into 1-5, its statuses into ticket
states, and its routing fields (project, category, group, …) into services. The mappings are
checked by sla.integrations.mappings; the webhooks and their translation live in
sla.integrations.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from sla.integrations.mappings import mapping_problems


class IntegrationKind(models.TextChoices):
    JIRA = "jira", "Jira / Jira Service Management"
    SERVICENOW = "servicenow", "ServiceNow"
    ZENDESK = "zendesk", "Zendesk"


class Integration(models.Model):
    kind = models.CharField(max_length=12, choices=IntegrationKind.choices)
    name = models.CharField(max_length=120, unique=True, help_text="For people, e.g. “IT service desk (Jira)”.")
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Tickets from this integration are stored with this source name (e.g. “jira”), and its "
        "webhook address ends in it: /api/v1/integrations/<kind>/<slug>/.",
    )
    active = models.BooleanField(default=True, help_text="An inactive integration refuses every delivery.")
    secret = models.CharField(
        max_length=200,
        blank=True,
        help_text="The shared secret the tool signs each delivery with; enter the same value in the tool. "
        "Required for ServiceNow and Zendesk; for Jira, deliveries are accepted unsigned while it is blank.",
    )
    default_service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="New tickets that no routing rule matches go to this service. Leave blank to refuse them.",
    )
    default_business_unit = models.ForeignKey(
        "catalog.BusinessUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The business unit of tickets whose routing rule names none.",
    )
    priorities = models.JSONField(
        default=dict,
        blank=True,
        help_text="The tool's priority → Accord priority 1-5. Leave empty for the defaults of the kind.",
    )
    default_priority = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Accord priority 1-5 of a ticket the tool sends without any priority (a Jira project whose "
        "scheme sets none, a Zendesk ticket nobody prioritised). A priority the tool does send but the "
        "mapping lacks is still refused.",
    )
    states = models.JSONField(
        default=dict,
        blank=True,
        help_text="The tool's status → open, responded, paused, resolved, closed or cancelled. "
        "Leave empty for the defaults of the kind.",
    )
    routing = models.JSONField(
        default=list,
        blank=True,
        help_text="Ordered rules; the first that matches a ticket names its service (and business unit).",
    )
    last_delivery_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=IntegrationKind.values, default_priority__gte=1, default_priority__lte=5),
                name="integration_kind_and_default_priority_known",
            ),
        ]
        indexes = [models.Index(fields=["kind", "active"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self) -> None:
        """Mappings of the right shape that name only services and units that exist."""
        from catalog.models import BusinessUnit, Service

        problems = mapping_problems(
            kind=self.kind,
            priorities=self.priorities,
            states=self.states,
            routing=self.routing,
            service_slugs=Service.objects.values_list("slug", flat=True),
            unit_slugs=BusinessUnit.objects.values_list("slug", flat=True),
        )
        if self.kind in (IntegrationKind.SERVICENOW, IntegrationKind.ZENDESK) and not self.secret.strip():
            problems["secret"] = [f"{self.get_kind_display()} deliveries are signed with a secret; give one."]
        if problems:
            raise ValidationError(problems)
