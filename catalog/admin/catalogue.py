"""Business units, memberships, categories, services and their dependencies."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from catalog.admin.base import HistoryAdmin
from catalog.costs.models import ServiceCost
from catalog.models import Agreement, BusinessUnit, Category, Membership, Service, ServiceDependency
from catalog.resources import ServiceResource
from catalog.services import service_dependencies_set, service_open_clocks_recompute

# --- Business units, memberships, categories ------------------------------------------


class UnitMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "business_unit"
    fields = ["user", "is_representative"]
    autocomplete_fields = ["user"]
    extra = 0
    verbose_name_plural = "members (representatives sign agreements for the unit)"


class UserMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ["business_unit", "is_representative"]
    autocomplete_fields = ["business_unit"]
    extra = 0


@admin.register(BusinessUnit)
class BusinessUnitAdmin(HistoryAdmin):
    list_display = ["name", "slug", "members", "representatives", "services"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [UnitMembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_total=Count("memberships", distinct=True),
                representative_total=Count("memberships", filter=Q(memberships__is_representative=True), distinct=True),
                service_total=Count("services", distinct=True),
            )
        )

    @admin.display(ordering="member_total")
    def members(self, obj: BusinessUnit) -> int:
        return obj.member_total

    @admin.display(ordering="representative_total")
    def representatives(self, obj: BusinessUnit) -> int:
        return obj.representative_total

    @admin.display(ordering="service_total", description="Services used")
    def services(self, obj: BusinessUnit) -> int:
        return obj.service_total


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ["user", "full_name", "business_unit", "is_representative"]
    list_filter = ["is_representative", "business_unit"]
    list_select_related = ["user", "business_unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "business_unit__name"]
    autocomplete_fields = ["user", "business_unit"]

    @admin.display(description="Name", ordering="user__last_name")
    def full_name(self, obj: Membership) -> str:
        return obj.user.get_full_name()


@admin.register(Category)
class CategoryAdmin(HistoryAdmin):
    list_display = ["name", "slug", "position", "services"]
    list_editable = ["position"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(service_total=Count("services"))

    @admin.display(ordering="service_total")
    def services(self, obj: Category) -> int:
        return obj.service_total


# --- Services and their dependencies --------------------------------------------------


def _check_dependencies(service: Service, depends_on: list[Service]) -> None:
    """Ask catalog.services whether the set is allowed (no self-dependency, no cycle)
    by applying it in a savepoint that is always rolled back."""
    try:
        with transaction.atomic():
            service_dependencies_set(service=service, depends_on=depends_on)
            transaction.set_rollback(True)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from exc


class DependencyInlineFormSet(forms.BaseInlineFormSet):
    """Saves the whole set through service_dependencies_set, which refuses cycles."""

    def wanted(self) -> list[Service]:
        return [
            form.cleaned_data["depends_on"]
            for form in self.forms
            if form.cleaned_data.get("depends_on") and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        super().clean()
        if not any(self.errors) and self.instance.pk is not None:
            _check_dependencies(self.instance, self.wanted())

    def save(self, commit: bool = True) -> list[ServiceDependency]:
        before = {link.depends_on_id: link for link in self.instance.dependency_links.select_related("depends_on")}
        service_dependencies_set(service=self.instance, depends_on=self.wanted())
        after = set(self.instance.dependency_links.values_list("depends_on_id", flat=True))
        # What the admin's change message and log report.
        self.new_objects = list(
            self.instance.dependency_links.filter(depends_on_id__in=after - set(before)).select_related("depends_on")
        )
        self.changed_objects = []
        self.deleted_objects = [link for pk, link in before.items() if pk not in after]
        return self.new_objects


class DependencyInline(admin.TabularInline):
    model = ServiceDependency
    fk_name = "service"
    formset = DependencyInlineFormSet
    fields = ["depends_on"]
    autocomplete_fields = ["depends_on"]
    extra = 0
    verbose_name = "dependency"
    verbose_name_plural = "depends on (services this one needs to work)"


class AgreementInline(admin.TabularInline):
    """Versions of the service's agreements; they change through the agreement admin."""

    model = Agreement
    fk_name = "service"
    fields = ["business_unit", "version", "status", "effective_from", "review_by", "agreed_at"]
    readonly_fields = fields
    ordering = ["business_unit__name", "-version"]
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("business_unit")


@admin.register(Service)
class ServiceAdmin(ImportExportModelAdmin, HistoryAdmin):
    resource_classes = [ServiceResource]
    export_template_name = "admin/catalog/service/export.html"  # the CSP-safe "Select all"
    formats = [base_formats.CSV, base_formats.XLSX]
    list_display = [
        "name",
        "category",
        "lifecycle",
        "criticality",
        "service_owner",
        "business_owner",
        "annual_cost",
        "updated_at",
    ]
    list_filter = ["lifecycle", "criticality", "category", "business_units"]
    list_select_related = ["category", "service_owner", "business_owner"]
    search_fields = ["name", "slug", "summary", "keywords"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category", "service_owner", "business_owner", "business_units", "support_calendar"]
    readonly_fields = ["annual_cost", "cost_drivers", "cost_link", "used_by", "created_at", "updated_at"]
    inlines = [DependencyInline, AgreementInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "category", "summary", "lifecycle", "criticality", "keywords"]}),
        ("Description", {"fields": ["description", "how_to_request"]}),
        ("Who and when", {"fields": ["service_owner", "business_owner", "business_units", "support_calendar"]}),
        ("Cost (the sum of its cost drivers)", {"fields": ["annual_cost", "cost_drivers", "cost_link"]}),
        ("Relations", {"fields": ["used_by", "created_at", "updated_at"]}),
    ]

    def has_import_permission(self, request) -> bool:
        # The library lets any staff user import unless told otherwise: an import adds
        # and changes services, so it takes both rights.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "support_calendar" in form.changed_data:
            service_open_clocks_recompute(service=obj)  # its open tickets count in the new hours

    @admin.display(description="Drivers and allocation rule")
    def cost_link(self, obj: Service) -> str:
        if obj.pk is None:
            return "Set once the service is saved."
        cost = ServiceCost.objects.filter(service=obj).values_list("pk", flat=True).first()
        if cost is None:
            url = reverse("admin:catalog_servicecost_add") + f"?service={obj.pk}"
            return format_html('<a href="{}">Set its cost drivers</a>', url)
        url = reverse("admin:catalog_servicecost_change", args=[cost])
        return format_html('<a href="{}">Change its cost drivers</a>', url)

    @admin.display(description="Used by")
    def used_by(self, obj: Service) -> str:
        if obj.pk is None:
            return "–"
        return ", ".join(obj.dependents.order_by("name").values_list("name", flat=True)) or "–"


@admin.register(ServiceDependency)
class ServiceDependencyAdmin(HistoryAdmin):
    """One dependency per row; adding one goes through the cycle check. To change what a
    service needs, edit the service."""

    list_display = ["service", "depends_on", "depends_on_lifecycle"]
    list_filter = ["depends_on__lifecycle", "service__category"]
    list_select_related = ["service", "depends_on"]
    search_fields = ["service__name", "depends_on__name"]
    autocomplete_fields = ["service", "depends_on"]

    @admin.display(description="Lifecycle of the dependency", ordering="depends_on__lifecycle")
    def depends_on_lifecycle(self, obj: ServiceDependency) -> str:
        return obj.depends_on.get_lifecycle_display()

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class CheckedForm(form):
            def clean(self):
                cleaned = super().clean()
                service, target = cleaned.get("service"), cleaned.get("depends_on")
                if service and target:
                    _check_dependencies(service, [*service.depends_on.all(), target])
                return cleaned

        return CheckedForm

    def save_model(self, request, obj, form, change) -> None:
        service = obj.service
        service_dependencies_set(service=service, depends_on=[*service.depends_on.all(), obj.depends_on])
        obj.pk = service.dependency_links.get(depends_on=obj.depends_on).pk
