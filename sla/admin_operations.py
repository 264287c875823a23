"""Admin for what the engine records: tickets with their events and clocks, alerts, measurements
and measure evaluations. Tickets and clocks are derived from the event log, so they are read-only
here (events come from the tools; clocks are rebuilt with `recompute_clocks`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from sla.models import Alert, AlertState, Clock, MeasureEvaluation, Measurement, Ticket, TicketEvent
from sla.services import alert_acknowledge


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
    ordering = ["occurred_at", "pk"]

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


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    """Data points are kept as sent; an admin may delete a wrong one (then send it again)."""

    list_display = ["measure_key", "service", "value", "measured_at", "source", "sender_id", "recorded_by"]
    list_filter = ["source", "service"]
    search_fields = ["measure_key", "sender_id", "note"]
    date_hierarchy = "measured_at"
    list_select_related = ["service", "recorded_by"]


@admin.register(MeasureEvaluation)
class MeasureEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["measure_key", "service", "period_start", "actual", "status", "forecast", "volume", "computed_at"]
    list_filter = ["status", "service"]
    search_fields = ["measure_key", "reason"]
    list_select_related = ["service"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # rewritten by each evaluation pass
