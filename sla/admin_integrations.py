"""Admin for integrations: the tools that send tickets, their secret and their mappings.

Registered by sla/admin.py (one import line). Validation is the model's (Integration.clean →
sla.integrations.mappings), so the admin and `integration_create` refuse the same things.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from sla.integrations import mappings as m
from sla.models import Integration

TOOL_SETUP = {
    m.JIRA: "Jira: Settings → System → WebHooks → Create a WebHook; events: Issue created, updated, deleted "
    "and Comment created; paste the same secret in its Secret field.",
    m.SERVICENOW: "ServiceNow: an outbound REST Message to this address with Basic authentication (user name: "
    "this integration's slug, password: its secret) or Authorization: Bearer <secret>, called by a Business Rule "
    "on Incident (after insert and update). See docs/integrations.md for the steps and the script.",
    m.ZENDESK: "Zendesk: Admin Center → Apps and integrations → Webhooks → Create webhook → Zendesk events: "
    "the ticket events (created, status, priority, agent assignment, comment added, deleted); "
    "copy its signing secret here.",
}


def _pretty(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = [
            "name",
            "slug",
            "kind",
            "active",
            "secret",
            "default_service",
            "default_business_unit",
            "routing",
            "priorities",
            "default_priority",
            "states",
        ]
        widgets = {
            "secret": forms.PasswordInput(render_value=True, attrs={"autocomplete": "off", "size": 60}),
            "priorities": forms.Textarea(attrs={"rows": 8, "cols": 60, "spellcheck": "false"}),
            "states": forms.Textarea(attrs={"rows": 8, "cols": 60, "spellcheck": "false"}),
            "routing": forms.Textarea(attrs={"rows": 10, "cols": 80, "spellcheck": "false"}),
        }
        help_texts = {
            "priorities": 'JSON: tool priority → 1-5, e.g. {"Highest": 1, "High": 2, "Medium": 3}. '
            "Keys match whatever their case; “1 - Critical” matches the key “1”. Empty ({}) = the defaults below.",
            "states": "JSON: tool status → open, responded, paused, resolved, closed or cancelled, e.g. "
            '{"Waiting for customer": "paused"}. “responded” is open and counts as IT\'s first response. '
            "Empty ({}) = the defaults below.",
            "routing": 'JSON list, first match wins: [{"field": "project", "value": "HR", "service": "payroll", '
            '"business_unit": "finance"}]. field is one of the routing fields below; service and '
            "business_unit are slugs. Tickets no rule matches go to the default service.",
        }


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = ["name", "kind", "slug", "active", "secret_display", "default_service", "last_delivery_at"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["default_service", "default_business_unit"]
    readonly_fields = ["webhook_address", "guide", "last_delivery_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "active", "secret", "webhook_address", "last_delivery_at"]}),
        ("Where tickets go", {"fields": ["default_service", "default_business_unit", "routing"]}),
        ("The tool's words in Accord's terms", {"fields": ["priorities", "default_priority", "states"]}),
        ("Guide: defaults, routing fields and an example", {"fields": ["guide"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("default_service", "default_business_unit")

    @admin.display(description="Secret")
    def secret_display(self, integration: Integration) -> str:
        if integration.secret:
            return "●●●●●●●● (set)"
        return "not set: unsigned deliveries accepted" if integration.kind == m.JIRA else "not set: refuses deliveries"

    @admin.display(description="Webhook address")
    def webhook_address(self, integration: Integration) -> str:
        if not integration.pk:
            return "Shown once the integration is saved."
        path = reverse(f"integration-{integration.kind}-slug", kwargs={"slug": integration.slug})
        return format_html(
            "<code>{}{}</code><br>{}", settings.SITE_URL.rstrip("/"), path, TOOL_SETUP.get(integration.kind, "")
        )

    @admin.display(description="Guide")
    def guide(self, integration: Integration) -> str:
        kinds = [integration.kind] if integration.pk else list(m.KINDS)
        return format_html_join("", "{}", ((self._guide_for(kind),) for kind in kinds))

    def _guide_for(self, kind: str) -> str:
        fields = format_html_join("", "<li><code>{}</code>: {}</li>", m.ROUTING_FIELDS[kind].items())
        return format_html(
            "<h3>{}</h3><p>Routing fields:</p><ul>{}</ul>"
            "<p>Default priorities:</p><pre>{}</pre><p>Default states:</p><pre>{}</pre>"
            "<p>Example mappings:</p><pre>{}</pre>",
            dict(Integration._meta.get_field("kind").choices)[kind],
            fields,
            _pretty(m.DEFAULT_PRIORITIES[kind]),
            _pretty(m.DEFAULT_STATES[kind]),
            _pretty(m.EXAMPLES[kind]),
        )
