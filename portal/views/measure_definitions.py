"""The edit page of a draft's success measures: /agreements/<id>/measures/. The agreement page
lists them (portal.views.agreements, with portal.measure_definitions.presenters)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from catalog import services
from catalog.measure_forms import add_measure_problems
from catalog.models import Agreement, AgreementStatus
from catalog.services.measure_rules import MOST_MEASURES, measures_count_warning
from portal import selectors as portal_selectors
from portal.measure_definitions.forms import measure_formset
from portal.measure_definitions.selectors import measures_prefetch
from portal.views.access import require_perm


@login_required
def agreement_measures_edit(request, pk: int):
    """A draft's measures, all saved together or not at all."""
    try:
        agreement = portal_selectors.agreement_for_user(user=request.user, pk=pk)
    except Agreement.DoesNotExist:
        raise Http404("No such agreement.") from None
    require_perm(
        request,
        "catalog.change_agreement",
        agreement,
        message=f"Only the owner of “{agreement.service.name}” or an admin may change its success measures.",
    )
    if agreement.status != AgreementStatus.DRAFT:
        messages.error(
            request,
            f"Version {agreement.version} is {agreement.get_status_display().lower()}; its measures are fixed. "
            "Draft the next version to change them.",
        )
        return redirect(agreement)
    measures_prefetch([agreement])
    rows = measure_formset(request.POST if request.method == "POST" else None, agreement=agreement)
    top_errors: list[str] = []
    if rows.is_bound and rows.is_valid():
        kept = rows.kept()
        try:
            services.measures_replace(agreement=agreement, measures=[row.measure_values() for row in kept])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # no longer a draft
                messages.error(request, " ".join(error.messages))
                return redirect(agreement)
            top_errors = add_measure_problems(kept, error.message_dict)
        else:
            messages.success(request, f"The success measures of version {agreement.version} are saved.")
            return redirect(agreement)
    return render(
        request,
        "portal/measures/agreement_measures_form.html",
        {
            "agreement": agreement,
            "rows": rows,
            "top_errors": top_errors,
            "measures_warning": measures_count_warning(len(agreement.measures.all())),
            "most_measures": MOST_MEASURES,
        },
    )
