"""Admin for the cost of provision: a service's cost with its drivers inline.

Used by admins and by a service's owner (a staff user) for their own services: every check asks
'catalog.change_service_cost' on the service (catalog/rules.py), as the portal and the API do.
A save goes through catalog.costs.services.service_cost_set (the drivers as a whole, the
service's annual cost their sum), never through the models' save(). A cost is not deleted:
remove its drivers instead (the annual cost then is 0).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from catalog.admin.base import adopt, report_replaced
from catalog.costs.models import CostDriver, ServiceCost
from catalog.costs.services import cost_drivers_clean, service_cost_set
from catalog.models import Service

DRIVER_FIELDS = ["position", "name", "amount", "quantity", "unit_of_measure"]


def _may_change(request, service_cost: ServiceCost | None) -> bool:
    user = request.user
    if user.has_perm("catalog.change_servicecost"):  # admins (model permission)
        return True
    if service_cost is None or service_cost.service_id is None:
        return _owned_services(request).exists()
    return user.has_perm("catalog.change_service_cost", service_cost.service)


def _owned_services(request):
    if request.user.has_perm("catalog.change_servicecost"):
        return Service.objects.all()
    if not request.user.is_authenticated:
        return Service.objects.none()
    return Service.objects.filter(service_owner=request.user)


class CostDriverFormSet(forms.BaseInlineFormSet):
    """The rows kept (filled in, not deleted), in the order of their position; the whole set is
    checked by catalog.costs.services (a name twice ignoring case, ...) before anything is saved."""

    def kept(self) -> list[dict]:
        rows = [
            (form.cleaned_data.get("position") or 0, index, form.cleaned_data)
            for index, form in enumerate(self.forms)
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("name")
        ]
        return [
            {name: data.get(name) for name in ("name", "amount", "quantity", "unit_of_measure")}
            for _, _, data in sorted(rows, key=lambda row: row[:2])
        ]

    def clean(self) -> None:
        super().clean()
        if not any(self.errors):
            try:
                cost_drivers_clean(self.kept())
            except ValidationError as error:
                raise ValidationError(error.message_dict["drivers"]) from error

    def save(self, commit: bool = True):  # the admin's save_related writes the set
        return []


class CostDriverForm(forms.ModelForm):
    position = forms.IntegerField(required=False, min_value=0, max_value=32767, help_text="Order (optional).")

    class Meta:
        model = CostDriver
        fields = DRIVER_FIELDS


class CostDriverInline(admin.TabularInline):
    model = CostDriver
    form = CostDriverForm
    formset = CostDriverFormSet
    fields = DRIVER_FIELDS
    extra = 1

    def has_view_permission(self, request, obj=None) -> bool:
        return _may_change(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return _may_change(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return _may_change(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _may_change(request, obj)


@admin.register(ServiceCost)
class ServiceCostAdmin(admin.ModelAdmin):
    list_display = ["service", "allocation_rule", "annual_cost", "updated_at"]
    list_filter = ["allocation_rule"]
    list_select_related = ["service"]
    search_fields = ["service__name"]
    inlines = [CostDriverInline]

    @admin.display(description="Annual cost (sum of the drivers)", ordering="service__annual_cost")
    def annual_cost(self, obj: ServiceCost):
        return obj.service.annual_cost

    def get_queryset(self, request):
        return super().get_queryset(request).filter(service__in=_owned_services(request))

    def get_autocomplete_fields(self, request):
        return ["service"] if request.user.has_perm("catalog.change_servicecost") else []

    def get_readonly_fields(self, request, obj=None):
        return ["service", "annual_cost"] if obj is not None else ["annual_cost"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "service":  # the owner's own services that have no cost yet
            kwargs["queryset"] = _owned_services(request).filter(cost__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and _may_change(request, None)

    def has_view_permission(self, request, obj=None) -> bool:
        return _may_change(request, obj)

    def has_add_permission(self, request) -> bool:
        return _may_change(request, None)

    def has_change_permission(self, request, obj=None) -> bool:
        return _may_change(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        pass  # written with its drivers, as a whole, in save_related

    def save_related(self, request, form, formsets, change) -> None:
        (drivers,) = [formset for formset in formsets if isinstance(formset, CostDriverFormSet)]
        service = form.cleaned_data.get("service") or form.instance.service
        before = {driver.name: driver for driver in CostDriver.objects.filter(service_cost__service=service)}
        saved = service_cost_set(
            service=service,
            allocation_rule=form.cleaned_data["allocation_rule"],
            drivers=drivers.kept(),
            note=form.cleaned_data.get("note", ""),
        )
        adopt(form.instance, saved)
        report_replaced(drivers, before, list(saved.drivers.all()), address="name", fields=DRIVER_FIELDS)
