"""Cost of provision in the portal: the catalogue's totals per business unit and per category,
and a unit's bill (each service's share and the rule that set it); beside them, the work time
the units' people say tickets cost them over the same 12 months, and its cost at the loaded
hourly cost (feedback.experience, docs/feedback.md#lost-time).

Who may read: 'catalog.view_costs' (signed-in catalogue readers and admins, catalog/rules.py);
services and units are read through the scoped selectors. A service's page (/costs/services/<slug>/)
also carries the form of its drivers and rule for those with 'catalog.change_service_cost' (its
owner and admins), saved by catalog.costs.services.service_cost_set.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.costs import selectors
from catalog.costs.services import service_cost_set
from catalog.models import BusinessUnit
from feedback.experience import selectors as experience
from feedback.experience.lost_time import lost_time_combined
from portal.costs.forms import add_driver_problems, service_cost_forms
from portal.views.access import require_perm

DENIED = "You may not read the cost of provision."


@login_required
def catalogue_costs(request):
    require_perm(request, "catalog.view_costs", message=DENIED)
    now = timezone.now()
    costs = selectors.catalogue_costs(user=request.user, now=now)
    start, end = experience.lost_time_window(now)
    visible = catalog_selectors.service_list(user=request.user).prefetch_related(None).values("pk")
    lost = experience.costed(experience.lost_time_by_unit(service_ids=visible, start=start, end=end))
    unit_rows = [(unit, total, services, lost.get(unit.pk)) for unit, total, services in costs.per_unit]
    context = {"costs": costs, "unit_rows": unit_rows, "hourly_cost": experience.hourly_cost_setting()}
    return render(request, "portal/costs/catalogue.html", context)


@login_required
def unit_costs(request, slug: str):
    require_perm(request, "catalog.view_costs", message=DENIED)
    try:
        unit = catalog_selectors.business_unit_list(user=request.user).get(slug=slug)
    except BusinessUnit.DoesNotExist:
        raise Http404("No such business unit.") from None
    now = timezone.now()
    bill = selectors.unit_bill(user=request.user, unit=unit, now=now)
    start, end = experience.lost_time_window(now)
    lost = experience.costed(
        experience.lost_time_by_service(
            service_ids=[row.allocation.service.pk for row in bill.rows],
            start=start,
            end=end,
            business_unit_id=unit.pk,
        )
    )
    rows = [(row, lost.get(row.allocation.service.pk)) for row in bill.rows]
    total = experience.costed({0: lost_time_combined([c.summary for c in lost.values()])})[0]
    context = {
        "bill": bill,
        "unit": unit,
        "rows": rows,
        "lost_total": total,
        "hourly_cost": experience.hourly_cost_setting(),
    }
    return render(request, "portal/costs/unit.html", context)


@login_required
def service_costs(request, slug: str):
    """A service's drivers and each unit's share; for its owner and admins, the form that sets
    them (all or nothing; bad input: the page again, 400, each problem beside its field)."""
    require_perm(request, "catalog.view_costs", message=DENIED)
    queryset = catalog_selectors.service_list(user=request.user).filter(slug=slug)
    found = selectors.cost_allocations(user=request.user, now=timezone.now(), queryset=queryset)
    if not found:
        raise Http404("No such service.")
    allocation = found[0]
    service = allocation.service
    may_change = request.user.has_perm("catalog.change_service_cost", service)
    if request.method == "POST" and not may_change:
        raise PermissionDenied(f"Only the owner of “{service.name}” or an admin may change its cost.")
    cost = selectors.service_cost_of(service)
    form, rows = service_cost_forms(
        request.POST if request.method == "POST" else None, cost=cost, drivers=allocation.drivers
    )
    top_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        kept = rows.kept()
        try:
            service_cost_set(
                service=service,
                allocation_rule=form.cleaned_data["allocation_rule"],
                drivers=[row.values() for row in kept],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            top_errors = add_driver_problems(form, kept, error.message_dict)
        else:
            messages.success(request, f"The cost of “{service.name}” is saved.")
            return redirect(reverse("portal:service_costs", args=[service.slug]))
    context = {
        "allocation": allocation,
        "service": service,
        "note": cost.note if cost else "",
        "may_change": may_change,
        "form": form,
        "rows": rows,
        "top_errors": top_errors,
    }
    return render(request, "portal/costs/service.html", context, status=400 if request.method == "POST" else 200)
