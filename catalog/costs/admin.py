"""Admin for the cost of provision: a service's cost with its drivers inline."""

from django.contrib import admin

from catalog.costs.models import CostDriver, ServiceCost
from catalog.costs.services import service_cost_sync_total


class CostDriverInline(admin.TabularInline):
    model = CostDriver
    fields = ["position", "name", "amount", "quantity", "unit_of_measure"]
    extra = 1


@admin.register(ServiceCost)
class ServiceCostAdmin(admin.ModelAdmin):
    list_display = ["service", "allocation_rule", "updated_at"]
    list_filter = ["allocation_rule"]
    list_select_related = ["service"]
    search_fields = ["service__name"]
    autocomplete_fields = ["service"]
    inlines = [CostDriverInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        service_cost_sync_total(service_cost=form.instance)
