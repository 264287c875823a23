"""Cost of provision in the portal: the catalogue's totals per business unit and per category,
and a unit's bill (each service's share and the rule that set it).

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
from portal.views.access import require_perm

DENIED = "You may not read the cost of provision."


@login_required
def catalogue_costs(request):
    require_perm(request, "catalog.view_costs", message=DENIED)
    costs = selectors.catalogue_costs(user=request.user, now=timezone.now())
    return render(request, "portal/costs/catalogue.html", {"costs": costs})


@login_required
def unit_costs(request, slug: str):
    require_perm(request, "catalog.view_costs", message=DENIED)
    try:
        unit = catalog_selectors.business_unit_list(user=request.user).get(slug=slug)
    except BusinessUnit.DoesNotExist:
        raise Http404("No such business unit.") from None
    bill = selectors.unit_bill(user=request.user, unit=unit, now=timezone.now())
    return render(request, "portal/costs/unit.html", {"bill": bill, "unit": unit})
