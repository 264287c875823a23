"""Catalogue alignment pages. Who may do what: catalog/rules.py ('catalog.view_alignment' on a
unit for its members, IT and admins; 'catalog.change_alignment' for its representatives and
admins; 'catalog.answer_missing_service_request' for IT and admins). Units and requests are read
through the scoped selectors, so what one may not read is a 404 or a 403, never someone else's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.alignment import selectors, services
from catalog.alignment.models import MissingServiceRequest, RequestState
from catalog.models import BusinessUnit
from portal.alignment import forms as f
from portal.alignment.presenters import alignment_chart
from portal.forms import add_validation_error
from portal.views.access import require_perm

HISTORY_DAYS = 90  # the chart's window; the API gives the whole year


def _unit_or_404(user, slug: str) -> BusinessUnit:
    try:
        return catalog_selectors.business_unit_list(user=user).get(slug=slug)
    except BusinessUnit.DoesNotExist:
        raise Http404("No such business unit.") from None


def _unit_readable(request, slug: str) -> BusinessUnit:
    unit = _unit_or_404(request.user, slug)
    require_perm(
        request,
        "catalog.view_alignment",
        unit,
        message=f"Only {unit.name}'s members, IT and admins may read its list of services.",
    )
    return unit


@login_required
def alignment_overview(request):
    """Units ranked by disagreement: every unit for IT and admins, one's own units for others."""
    ranking = selectors.alignment_ranking(user=request.user, now=timezone.now())
    if not ranking and not request.user.has_perm("catalog.view_alignment_overview"):
        raise PermissionDenied("You are in no business unit, so there is no list of yours to compare with IT's.")
    return render(
        request,
        "portal/alignment/overview.html",
        {"ranking": ranking, "catalogue_wide": request.user.has_perm("catalog.view_alignment_overview")},
    )


@login_required
def unit_alignment(request, slug: str):
    unit = _unit_readable(request, slug)
    alignment = selectors.unit_alignment(user=request.user, unit=unit, now=timezone.now(), history_days=HISTORY_DAYS)
    return render(
        request,
        "portal/alignment/unit.html",
        {
            "unit": unit,
            "alignment": alignment,
            "chart": alignment_chart(alignment.history, unit_name=unit.name),
            "can_change": request.user.has_perm("catalog.change_alignment", unit),
            "can_answer": request.user.has_perm("catalog.answer_missing_service_request", None),
        },
    )


@login_required
def unit_alignment_marks(request, slug: str):
    unit = _unit_or_404(request.user, slug)
    require_perm(
        request,
        "catalog.change_alignment",
        unit,
        message=f"Only {unit.name}'s representatives or an admin may say which services it receives.",
    )
    markable = selectors.markable_services(user=request.user)
    if request.method == "POST":
        form = f.MarksForm(request.POST, services=markable)
        if form.is_valid():
            try:
                marked = services.service_marks_set(
                    unit=unit, services=form.cleaned_data["services"], actor=request.user
                )
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, f"{unit.name}'s list is saved: {len(marked)} services.")
                return redirect("portal:unit_alignment", slug=unit.slug)
    else:
        form = f.MarksForm(
            initial={"services": list(unit.service_marks.values_list("service_id", flat=True))}, services=markable
        )
    chosen = {str(value) for value in (form["services"].value() or [])}
    groups: dict[str, list] = {}
    for service in markable:
        groups.setdefault(service.category.name, []).append((service, str(service.pk) in chosen))
    return render(request, "portal/alignment/marks.html", {"unit": unit, "form": form, "groups": groups})


@login_required
def missing_service_request_create(request, slug: str):
    unit = _unit_or_404(request.user, slug)
    require_perm(
        request,
        "catalog.change_alignment",
        unit,
        message=f"Only {unit.name}'s representatives or an admin may tell IT what it relies on.",
    )
    form = f.MissingServiceRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.missing_service_request_create(unit=unit, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, f"IT has your request about “{made.title}”; it answers within 10 business days.")
            return redirect("portal:unit_alignment", slug=unit.slug)
    return render(request, "portal/alignment/request_form.html", {"unit": unit, "form": form})


@login_required
def missing_service_request_detail(request, pk: int):
    """One request, and for IT its answer form (the POST)."""
    try:
        found = selectors.request_list(user=request.user).get(pk=pk)
    except MissingServiceRequest.DoesNotExist:
        raise Http404("No such request.") from None
    can_answer = request.user.has_perm("catalog.answer_missing_service_request", found)
    markable = selectors.markable_services(user=request.user)
    form = None
    if found.state == RequestState.OPEN and can_answer:
        form = f.AnswerForm(request.POST or None, services=markable)
    if request.method == "POST":
        require_perm(
            request,
            "catalog.answer_missing_service_request",
            found,
            message="Only IT (service owners) and admins answer requests.",
        )
        if form is None:
            messages.error(request, "This request has been answered already.")
            return redirect("portal:missing_service_request", pk=found.pk)
        if form.is_valid():
            try:
                answered = services.missing_service_request_answer(
                    request=found, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, f"Answered: {answered.get_state_display().lower()}.")
                return redirect("portal:missing_service_request", pk=answered.pk)
    (row,) = selectors.request_rows([found], now=timezone.now())
    return render(request, "portal/alignment/request.html", {"row": row, "request_obj": found, "form": form})
