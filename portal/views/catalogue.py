"""Catalogue pages: the home page with search, categories, services and their forms."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from catalog import rules as access
from catalog import selectors, services
from catalog.costs import selectors as cost_selectors
from catalog.models import Category, Lifecycle, Service
from feedback.experience import selectors as experience
from portal import selectors as portal_selectors
from portal.forms import LIFECYCLE_ANY, ServiceFilterForm, ServiceForm, add_validation_error
from portal.views.access import catalogue_reader, require_perm
from portal.views.htmx import vary_on_htmx

PAGE_SIZE = 50


def _filtered_services(user, filters: dict):
    services_qs = selectors.service_list(user=user).order_by("name")
    if filters.get("q"):
        services_qs = selectors.service_search(services_qs, filters["q"])
    if filters.get("category"):
        services_qs = services_qs.filter(category=filters["category"])
    if filters.get("business_unit"):
        services_qs = services_qs.filter(business_units=filters["business_unit"])
    lifecycle = filters.get("lifecycle")
    if not lifecycle:
        services_qs = services_qs.exclude(lifecycle=Lifecycle.RETIRED)
    elif lifecycle != LIFECYCLE_ANY:
        services_qs = services_qs.filter(lifecycle=lifecycle)
    return services_qs


@catalogue_reader
def home(request):
    categories = list(portal_selectors.category_list_with_counts(user=request.user))
    form = ServiceFilterForm(
        request.GET or None,
        categories=selectors.category_list(user=request.user),
        business_units=selectors.business_unit_list(user=request.user),
    )
    filters = form.filters()
    page = Paginator(_filtered_services(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filtered": bool(filters), "categories": categories}
    # Live search swaps only the results; anything else htmx asks for (a history
    # restore, say) gets the whole page.
    if request.htmx and request.htmx.target == "results" and not request.htmx.history_restore_request:
        response = render(request, "portal/_service_results.html", {**context, "oob": True})
    else:
        context["can_add_service"] = request.user.has_perm("catalog.add_service")
        response = render(request, "portal/home.html", context)
    return vary_on_htmx(response)


@catalogue_reader
def category(request, slug: str):
    try:
        category = selectors.category_list(user=request.user).get(slug=slug)
    except Category.DoesNotExist:
        raise Http404("No such category.") from None
    services_qs = _filtered_services(request.user, {"category": category})
    page = Paginator(services_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/category.html", {"category": category, "page": page})


@catalogue_reader
def service(request, slug: str):
    service = _service_or_404(request.user, slug)
    in_force = selectors.agreements_in_force(user=request.user, service=service)
    open_versions = selectors.agreements_open(user=request.user, service=service)
    context = {
        "service": service,
        "in_force": in_force,
        "open_versions": open_versions,
        "can_edit": request.user.has_perm("catalog.change_service", service),
        "can_draft_agreement": request.user.has_perm("catalog.add_agreement", service),
        "support_hours": portal_selectors.calendar_hours(calendar=service.support_calendar),
        "cost_ratios": cost_selectors.service_cost_ratios(user=request.user, service=service, now=timezone.now()),
    }
    if context["cost_ratios"] is not None:  # lost time beside the cost of provision
        start, end = experience.lost_time_window(timezone.now())
        found = experience.lost_time_by_service(service_ids=[service.pk], start=start, end=end)
        context["lost_time"] = experience.costed(found).get(service.pk)
    return render(request, "portal/service.html", context)


@login_required
def service_create(request):
    require_perm(
        request, "catalog.add_service", message="Only service owners and admins may add services to the catalogue."
    )
    form = _service_form(request, Service())
    if request.method == "POST" and form.is_valid():
        try:
            created = services.service_create(
                actor=request.user,
                business_units=form.cleaned_data["business_units"],
                depends_on=form.cleaned_data["depends_on"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, f"“{created.name}” is now in the catalogue.")
            return redirect(created)
    return render(request, "portal/service_form.html", {"form": form, "service": None})


@login_required
def service_edit(request, slug: str):
    service = _service_or_404(request.user, slug)
    require_perm(
        request,
        "catalog.change_service",
        service,
        message=f"Only the owner of “{service.name}” or an admin may edit it.",
    )
    # Validating the form changes the service in memory; the page keeps the saved name.
    saved = {"name": service.name, "url": service.get_absolute_url(), "slug": service.slug}
    form = _service_form(request, service)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(
                service=service,
                business_units=form.cleaned_data["business_units"],
                depends_on=form.cleaned_data["depends_on"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, f"Your changes to “{service.name}” are saved.")
            return redirect(service)
    return render(request, "portal/service_form.html", {"form": form, "service": saved})


def _service_or_404(user, slug: str) -> Service:
    try:
        return selectors.service_detail(user=user, slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None


def _service_form(request, instance: Service) -> ServiceForm:
    user = request.user
    owner_choices = None
    if access.is_admin(user):  # only admins hand a service to someone else
        owner_choices = portal_selectors.service_owner_choices(current_owner_id=instance.service_owner_id)
    return ServiceForm(
        request.POST if request.method == "POST" else None,
        instance=instance,
        categories=selectors.category_list(user=user),
        business_units=selectors.business_unit_list(user=user),
        services=selectors.service_list(user=user).select_related(None).prefetch_related(None).only("id", "name"),
        owner_choices=owner_choices,
        business_owner_choices=portal_selectors.business_owner_choices(),
    )
