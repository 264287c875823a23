"""Cost of provision in the portal: the catalogue's totals per business unit and per category,
and a unit's bill (each service's share and the rule that set it); beside them, the work time
the units' people say tickets cost them over the same 12 months, and its cost at the loaded
hourly cost (feedback.experience, docs/feedback.md#lost-time).

Who may read: 'catalog.view_costs' (signed-in catalogue readers and admins, catalog/rules.py);
services and units are read through the scoped selectors.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.costs import selectors
from catalog.models import BusinessUnit
from feedback.experience import selectors as experience
from feedback.experience.lost_time import lost_time_combined
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
