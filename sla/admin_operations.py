"""Admin for what the engine records: tickets with their observations, events and clocks, alerts,
measurements with their corrections, and measure evaluations. Observations are what the tools
sent; events, tickets and clocks are derived from them, so all are read-only here (clocks are
rebuilt with `recompute_clocks`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from sla.models import (
    Alert,
    AlertState,
    Clock,
    MeasureEvaluation,
    Measurement,
    MeasurementCorrection,
    Ticket,
    TicketEvent,
    TicketObservation,
)
from sla.services import alert_acknowledge
from sla.services.ticket_derivation import observations_failed_retry


class FailedFilter(admin.SimpleListFilter):
    title = "refused on a worker"
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [("yes", "Refused"), ("no", "Not refused")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(failure="")
        if self.value() == "no":
            return queryset.filter(failure="")
        return queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    fields = ["occurred_at", "kind", "priority", "assignee", "note", "idempotency_key", "received_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["occurred_at", "sequence", "pk"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ClockInline(admin.TabularInline):
    model = Clock
    fields = ["kind", "cycle", "priority", "state", "target_seconds", "started_at", "due_at", "stopped_at", "calendar"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TicketObservation)
class TicketObservationAdmin(ReadOnlyAdmin):
    """Every delivery as it was sent, including those still waiting for their ticket's opening,
    those a worker has not derived yet (pending) and those it refused (with the reason)."""

    list_display = ["__str__", "origin", "observed_at", "key", "ticket", "pending", "failure", "received_at"]
    list_filter = ["origin", "pending", FailedFilter, "source"]
    search_fields = ["external_id", "key"]
    date_hierarchy = "observed_at"
    list_select_related = ["ticket"]
    fields = ["source", "external_id", "ticket", "origin", "observed_at", "rank", "key", "content", "received_at"]
    fields += ["pending", "failure"]
    readonly_fields = fields
    actions = ["derive_again"]

    @admin.action(description="Derive the selected refused deliveries again (their cause fixed)")
    def derive_again(self, request, queryset) -> None:
        count = observations_failed_retry(observation_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} delivery(ies) queued to be derived again.", messages.SUCCESS)


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "title", "service", "business_unit", "priority", "state", "opened_at", "assignee"]
    list_filter = ["state", "priority", "source", "service"]
    search_fields = ["external_id", "title", "requester", "assignee"]
    date_hierarchy = "opened_at"
    list_select_related = ["service", "business_unit"]
    inlines = [ClockInline, TicketEventInline]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["subject", "kind", "severity", "state", "service", "owner", "due_at", "opened_at"]
    list_filter = ["state", "kind", "severity", "service"]
    search_fields = ["subject", "key", "owner__username"]
    date_hierarchy = "opened_at"
    list_select_related = ["service", "owner"]
    actions = ["acknowledge"]

    @admin.action(description="Acknowledge the selected open alerts")
    def acknowledge(self, request, queryset) -> None:
        done = 0
        for alert in queryset.filter(state=AlertState.OPEN):
            try:
                alert_acknowledge(alert=alert, actor=request.user)
                done += 1
            except ValidationError:
                continue  # acknowledged by someone else meanwhile
        self.message_user(request, f"{done} alert(s) acknowledged.", messages.SUCCESS)


class MeasurementCorrectionInline(admin.TabularInline):
    model = MeasurementCorrection
    fields = ["corrected_at", "old_value", "new_value", "reason", "corrected_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["corrected_at", "pk"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    """Data points are kept as sent. A wrong one is corrected or removed, with the reason, on its
    page in the portal (or through the API), which keeps its history: the admin deletes none."""

    list_display = [
        "measure_key",
        "service",
        "value",
        "measured_at",
        "source",
        "sender_id",
        "recorded_by",
        "correct_link",
    ]
    list_filter = ["source", "service"]
    search_fields = ["measure_key", "sender_id", "note"]
    date_hierarchy = "measured_at"
    list_select_related = ["service", "recorded_by"]
    inlines = [MeasurementCorrectionInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # removing a point goes through sla.services.measurement_remove, with a reason

    @admin.display(description="Correct or remove")
    def correct_link(self, obj: Measurement) -> str:
        url = reverse("portal:measurement_correct", args=[obj.service.slug, obj.pk])
        return format_html('<a href="{}">In the portal, with the reason…</a>', url)


class CorrectionKindFilter(admin.SimpleListFilter):
    title = "change"
    parameter_name = "change"

    def lookups(self, request, model_admin):
        return [("corrected", "Value corrected"), ("removed", "Point removed")]

    def queryset(self, request, queryset):
        if self.value() in ("corrected", "removed"):
            return queryset.filter(new_value__isnull=self.value() == "removed")
        return queryset


@admin.register(MeasurementCorrection)
class MeasurementCorrectionAdmin(ReadOnlyAdmin):
    """The history of data points, kept for ever: read-only."""

    list_display = [
        "corrected_at",
        "service",
        "measure_key",
        "measured_at",
        "sender_id",
        "old_value",
        "new_value",
        "reason",
        "corrected_by",
    ]
    list_filter = [CorrectionKindFilter, "service"]
    search_fields = ["measure_key", "sender_id", "reason"]
    date_hierarchy = "corrected_at"
    list_select_related = ["service", "corrected_by"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MeasureEvaluation)
class MeasureEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["measure_key", "service", "period_start", "actual", "status", "forecast", "volume", "computed_at"]
    list_filter = ["status", "service"]
    search_fields = ["measure_key", "reason"]
    list_select_related = ["service"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # rewritten by each evaluation pass
