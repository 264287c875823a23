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
from catalog.alignment import answers, selectors, services
from catalog.alignment.models import ANSWERED_STATES, MissingServiceRequest, RequestState
from catalog.models import BusinessUnit
from portal.alignment import forms as f
from portal.alignment.presenters import alignment_chart, request_history
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


def _request_or_404(user, pk: int) -> MissingServiceRequest:
    try:
        return selectors.request_list(user=user).get(pk=pk)
    except MissingServiceRequest.DoesNotExist:
        raise Http404("No such request.") from None


@login_required
def missing_service_request_detail(request, pk: int):
    """One request, its history, and for IT its answer form (the POST)."""
    found = _request_or_404(request.user, pk)
    can_answer = request.user.has_perm("catalog.answer_missing_service_request", found)
    form = None
    if found.state == RequestState.OPEN and can_answer:
        form = f.AnswerForm(request.POST or None, services=selectors.markable_services(user=request.user))
    status = 200
    if request.method == "POST":
        require_perm(
            request,
            "catalog.answer_missing_service_request",
            found,
            message="Only IT (service owners) and admins answer requests.",
        )
        if form is None:
            messages.error(request, "This request has been answered already, or withdrawn.")
            return redirect("portal:missing_service_request", pk=found.pk)
        if form.is_valid():
            try:
                answered = answers.missing_service_request_answer(
                    request=found, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, f"Answered: {answered.get_state_display().lower()}.")
                return redirect("portal:missing_service_request", pk=answered.pk)
        status = 400
    (row,) = selectors.request_rows([found], now=timezone.now())
    is_open = found.state == RequestState.OPEN
    can_change = is_open and request.user.has_perm("catalog.change_missing_service_request", found)
    context = {
        "row": row,
        "request_obj": found,
        "form": form,
        "events": request_history(selectors.request_events(request=found)),
        "can_assign": is_open and can_answer,
        "can_correct": found.state in ANSWERED_STATES and can_answer,
        "can_change": can_change,
    }
    return render(request, "portal/alignment/request.html", context, status=status)


def _change_page(request, found, form, *, title: str, lede: str, submit: str, testid: str):
    """The change's form page: a 400 when it comes back with errors."""
    context = {"request_obj": found, "form": form, "title": title, "lede": lede, "submit": submit, "testid": testid}
    return render(request, "portal/alignment/request_change.html", context, status=400 if form.errors else 200)


def _not_now(request, found, message: str):
    messages.error(request, message)
    return redirect("portal:missing_service_request", pk=found.pk)


@login_required
def missing_service_request_edit(request, pk: int):
    """The unit's representative corrects its request while IT has not answered it."""
    found = _request_or_404(request.user, pk)
    require_perm(
        request,
        "catalog.change_missing_service_request",
        found,
        message=f"Only {found.business_unit.name}'s representatives or an admin may change its requests.",
    )
    if found.state != RequestState.OPEN:
        return _not_now(request, found, "IT has answered this request, or it was withdrawn: it no longer changes.")
    fields = ("title", "source", "description", "annual_cost", "users_affected")
    form = f.RequestEditForm(request.POST or None, initial={name: getattr(found, name) for name in fields})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.missing_service_request_update(request=found, actor=request.user, note=data.pop("note"), **data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, "Your request is changed; IT sees the new version.")
            return redirect("portal:missing_service_request", pk=found.pk)
    return _change_page(
        request,
        found,
        form,
        title=f"Change “{found.title}”",
        lede="While IT has not answered it, the unit may correct what it asked. The request's history keeps "
        "what changed.",
        submit="Save the request",
        testid="request-edit-form",
    )


@login_required
def missing_service_request_withdraw(request, pk: int):
    """The unit's representative withdraws its request while IT has not answered it."""
    found = _request_or_404(request.user, pk)
    require_perm(
        request,
        "catalog.change_missing_service_request",
        found,
        message=f"Only {found.business_unit.name}'s representatives or an admin may withdraw its requests.",
    )
    if found.state != RequestState.OPEN:
        return _not_now(request, found, "IT has answered this request, or it was withdrawn already.")
    form = f.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.missing_service_request_withdraw(request=found, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, f"“{found.title}” is withdrawn: IT no longer has to answer it.")
            return redirect("portal:unit_alignment", slug=found.business_unit.slug)
    return _change_page(
        request,
        found,
        form,
        title=f"Withdraw “{found.title}”?",
        lede="IT will no longer answer it, and it no longer counts as a difference between the two lists. "
        "It stays in the unit's list of requests, marked withdrawn.",
        submit="Withdraw the request",
        testid="request-withdraw-form",
    )


@login_required
def missing_service_request_assign(request, pk: int):
    """IT gives an unanswered request to another IT person."""
    found = _request_or_404(request.user, pk)
    require_perm(
        request,
        "catalog.answer_missing_service_request",
        found,
        message="Only IT (service owners) and admins give requests to someone.",
    )
    if found.state != RequestState.OPEN:
        return _not_now(request, found, "This request has been answered or withdrawn: no one has to answer it.")
    candidates = selectors.request_owner_candidates()
    form = f.AssignForm(request.POST or None, candidates=candidates, initial={"owner": found.owner_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.missing_service_request_assign(
                request=found, actor=request.user, owner=form.cleaned_data["owner"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            owner = form.cleaned_data["owner"]
            messages.success(request, f"The request is {owner.get_full_name() or owner.get_username()}'s to answer.")
            return redirect("portal:missing_service_request", pk=found.pk)
    return _change_page(
        request,
        found,
        form,
        title=f"Give “{found.title}” to someone else in IT",
        lede="The new owner answers it within the same 10 business days, counted from when the unit asked.",
        submit="Give the request",
        testid="request-assign-form",
    )


@login_required
def missing_service_request_correct(request, pk: int):
    """IT corrects an answer given in error: another decision, service or reason, and why."""
    found = _request_or_404(request.user, pk)
    require_perm(
        request,
        "catalog.answer_missing_service_request",
        found,
        message="Only IT (service owners) and admins correct IT's answers.",
    )
    if found.state not in ANSWERED_STATES:
        return _not_now(request, found, "IT has not answered this request (or it was withdrawn): nothing to correct.")
    initial = {"outcome": found.state, "answer": found.answer, "service": found.service_id}
    form = f.CorrectAnswerForm(
        request.POST or None, services=selectors.markable_services(user=request.user), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        previous = found.service
        try:
            corrected = answers.missing_service_request_answer_correct(
                request=found, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            text = f"The answer is corrected: {corrected.get_state_display().lower()}."
            if previous is not None and previous.lifecycle == "proposed" and previous != corrected.service:
                text += (
                    f" {previous.name}, added for it, stays in the catalogue as proposed: retire it if it should go."
                )
            messages.success(request, text)
            return redirect("portal:missing_service_request", pk=found.pk)
    return _change_page(
        request,
        found,
        form,
        title=f"Correct IT's answer to “{found.title}”",
        lede="A new answer in place of one given in error. The unit sees the correction and your note in the "
        "request's history; a service the wrong answer marked for the unit is unmarked.",
        submit="Correct the answer",
        testid="request-correct-form",
    )
