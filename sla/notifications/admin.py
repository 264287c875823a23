"""Admin for notifications: webhook endpoints (with a synchronous test) and the read-only delivery log.

Imported from sla/admin.py so that the admin registers these models.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from sla.models import AlertKind, DeliveryStatus, NotificationDelivery, WebhookEndpoint
from sla.notifications.delivery import notification_deliveries_retry, webhook_endpoint_test
from sla.tasks.notifications import deliver_notification


class WebhookEndpointForm(forms.ModelForm):
    alert_kinds = forms.MultipleChoiceField(
        choices=AlertKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Alert kinds",
        help_text="Only alerts of these kinds; none ticked means every kind.",
    )
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "format", "secret", "active", "alert_kinds", "min_severity", "services"]
        widgets = {"secret": forms.TextInput(attrs={"size": 60, "autocomplete": "off"})}

    def clean_alert_kinds(self) -> list[str]:
        return sorted(self.cleaned_data["alert_kinds"])


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "format", "active", "filters", "min_severity"]
    list_filter = ["active", "format", "min_severity"]
    search_fields = ["name", "url"]
    filter_horizontal = ["services"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["send_test_notification"]
    fieldsets = [
        (None, {"fields": ["name", "url", "format", "secret", "active"]}),
        ("Which alerts", {"fields": ["alert_kinds", "min_severity", "services"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("services")

    @admin.display(description="Kinds and services")
    def filters(self, endpoint: WebhookEndpoint) -> str:
        labels = dict(AlertKind.choices)
        kinds = ", ".join(labels.get(kind, kind) for kind in endpoint.alert_kinds) or "every kind"
        services = ", ".join(service.name for service in endpoint.services.all()) or "every service"
        return f"{kinds}; {services}"

    @admin.action(description="Send a test notification now")
    def send_test_notification(self, request, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            result = webhook_endpoint_test(endpoint=endpoint)
            if result.ok:
                self.message_user(request, f"{endpoint.name}: delivered ({result.message}).", messages.SUCCESS)
            else:
                self.message_user(request, f"{endpoint.name}: not delivered. {result.message}", messages.ERROR)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only; failed and given-up deliveries can be retried."""

    list_display = [
        "created_at",
        "alert_link",
        "channel",
        "target_display",
        "status",
        "attempts",
        "response_status",
        "error_excerpt",
        "sent_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "channel", "endpoint"]
    search_fields = ["target", "recipient_name", "alert__subject", "alert__key"]
    list_select_related = ["alert", "endpoint"]
    date_hierarchy = "created_at"
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("sla.change_notificationdelivery")

    @admin.display(description="Alert", ordering="alert__opened_at")
    def alert_link(self, delivery: NotificationDelivery) -> str:
        subject = Truncator(delivery.alert.subject).chars(60)
        try:
            url = reverse("admin:sla_alert_change", args=[delivery.alert_id])
        except NoReverseMatch:  # the Alert admin is optional
            return subject
        return format_html('<a href="{}">{}</a>', url, subject)

    @admin.display(description="Target", ordering="target")
    def target_display(self, delivery: NotificationDelivery) -> str:
        if delivery.endpoint is not None:
            return f"{delivery.endpoint.name} ({delivery.endpoint.url})"
        if delivery.recipient_name:
            return f"{delivery.recipient_name} <{delivery.target}> – {delivery.recipient_roles}"
        return delivery.target

    @admin.display(description="Last error")
    def error_excerpt(self, delivery: NotificationDelivery) -> str:
        return Truncator(delivery.last_error).chars(80)

    @admin.action(description="Retry the selected failed or given-up deliveries", permissions=["retry"])
    def retry(self, request, queryset: QuerySet[NotificationDelivery]) -> None:
        retryable = queryset.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP])
        delivery_ids = notification_deliveries_retry(delivery_ids=retryable.values_list("pk", flat=True))
        for delivery_id in delivery_ids:
            deliver_notification.delay_on_commit(delivery_id)
        skipped = queryset.count() - len(delivery_ids)
        message = f"{len(delivery_ids)} deliveries queued to send again."
        if skipped:
            message += f" {skipped} left alone: only failed or given-up deliveries are retried."
        self.message_user(request, message, messages.SUCCESS if delivery_ids else messages.WARNING)
