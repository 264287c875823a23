"""Agreement pages: the list, one version with its history and diff, drafting and the
lifecycle actions (each a POST handled by catalog.services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from catalog import selectors, services
from catalog.models import OPEN_STATUSES, Agreement, AgreementStatus, Service
from catalog.services.measure_rules import measures_count_warning
from portal import presenters
from portal import selectors as portal_selectors
from portal.forms import (
    BUSINESS_UNIT_ALL,
    AgreementDraftForm,
    AgreementTermsForm,
    AgreementWithdrawForm,
    InForceFilterForm,
    PriorityMatrixForm,
    add_targets_error,
    add_validation_error,
    urgency_target_formset,
)
from portal.measure_definitions.presenters import measure_groups
from portal.measure_definitions.selectors import measures_prefetch
from portal.views.access import catalogue_reader, form_action, require_perm
from sla.calendars import calendar_list
from sla.measure_guard import measures_flagged

PAGE_SIZE = 50
WITHDRAWABLE = (*OPEN_STATUSES, AgreementStatus.AGREED)


@catalogue_reader
def agreement_list(request):
    user = request.user
    awaiting = list(selectors.agreements_awaiting_signature(user=user))
    for agreement in awaiting:
        agreement.signing_side = presenters.signing_side_label(
            services.agreement_signing_side(agreement=agreement, actor=user), agreement
        )
    form = InForceFilterForm(
        request.GET or None,
        services=selectors.service_list(user=user).select_related(None).prefetch_related(None).only("name", "slug"),
        business_units=selectors.business_unit_list(user=user),
    )
    filters = form.filters()
    in_force = portal_selectors.agreements_in_force_list(
        user=user, service=filters.get("service"), business_unit=filters.get("business_unit")
    )
    context = {
        "awaiting": awaiting,
        "to_act_on": portal_selectors.agreements_to_act_on(user=user),
        "form": form,
        "page": Paginator(in_force, PAGE_SIZE).get_page(request.GET.get("page")),
        "filtered": bool(filters),
    }
    return render(request, "portal/agreement_list.html", context)


@catalogue_reader
def agreement_detail(request, pk: int):
    agreement = _agreement_or_404(request.user, pk)
    return _detail_page(request, agreement)


@login_required
def agreement_create(request, slug: str):
    try:
        service = selectors.service_detail(user=request.user, slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None
    require_perm(
        request,
        "catalog.add_agreement",
        service,
        message=f"Only the owner of “{service.name}” or an admin may draft its agreements.",
    )
    units = list(service.business_units.all())
    open_version = None
    if request.method == "POST":
        form = AgreementDraftForm(request.POST, units=units)
        if form.is_valid():
            try:
                agreement = services.agreement_draft_create(
                    service=service, business_unit=form.chosen_unit(), actor=request.user, **form.terms()
                )
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, f"Version {agreement.version} is drafted. Propose it when it is ready.")
                return redirect(agreement)
    else:
        # Start from the terms in force for the chosen unit (changing the unit reloads them).
        form = AgreementDraftForm(units=units)
        in_force = selectors.agreements_in_force(user=request.user, service=service)
        wanted = request.GET.get("business_unit")
        if wanted is None and in_force:  # default: revise the first agreement in force
            wanted = in_force[0].business_unit.slug if in_force[0].business_unit_id else BUSINESS_UNIT_ALL
        unit = form.units.get(wanted or "")
        unit_id = unit.pk if unit else None
        base = next((a for a in in_force if a.business_unit_id == unit_id), None)
        form.initial = {
            "business_unit": unit.slug if unit else BUSINESS_UNIT_ALL,
            **AgreementTermsForm.initial_from(base),
        }
        # Only one version may be open at a time: point to it before anyone types.
        open_version = next(
            (a for a in selectors.agreements_open(user=request.user, service=service) if a.business_unit_id == unit_id),
            None,
        )
    context = {"form": form, "service": service, "agreement": None, "open_version": open_version}
    return render(request, "portal/agreement_form.html", context)


@login_required
def agreement_edit(request, pk: int):
    agreement = _agreement_or_404(request.user, pk)
    require_perm(
        request,
        "catalog.change_agreement",
        agreement,
        message=f"Only the owner of “{agreement.service.name}” or an admin may edit its agreements.",
    )
    if agreement.status != AgreementStatus.DRAFT:
        messages.error(
            request,
            f"Version {agreement.version} is {agreement.get_status_display().lower()} and cannot be edited; "
            "only a draft can. Draft the next version to change its terms.",
        )
        return redirect(agreement)
    if request.method == "POST":
        form = AgreementTermsForm(request.POST)
        if form.is_valid():
            try:
                services.agreement_update(agreement=agreement, **form.terms())
            except ValidationError as error:
                if not hasattr(error, "error_dict"):  # the version is no longer a draft
                    messages.error(request, " ".join(error.messages))
                    return redirect(agreement)
                add_validation_error(form, error)
            else:
                messages.success(request, f"Version {agreement.version} is saved.")
                return redirect(agreement)
    else:
        form = AgreementTermsForm(initial=AgreementTermsForm.initial_from(agreement))
    return render(
        request, "portal/agreement_form.html", {"form": form, "service": agreement.service, "agreement": agreement}
    )


@login_required
def agreement_targets_edit(request, pk: int):
    """A draft's urgency targets (one row per priority) and its priority matrix, saved together."""
    agreement = _agreement_or_404(request.user, pk)
    require_perm(
        request,
        "catalog.change_agreement",
        agreement,
        message=f"Only the owner of “{agreement.service.name}” or an admin may change its targets.",
    )
    if agreement.status != AgreementStatus.DRAFT:
        messages.error(
            request,
            f"Version {agreement.version} is {agreement.get_status_display().lower()}; its targets are fixed. "
            "Draft the next version to change them.",
        )
        return redirect(agreement)
    data = request.POST if request.method == "POST" else None
    rows = urgency_target_formset(
        data, agreement=agreement, calendars=calendar_list().prefetch_related(None).only("id", "name")
    )
    matrix_form = PriorityMatrixForm(data, matrix=agreement.priority_matrix)
    top_errors: list[str] = []
    if data is not None and rows.is_valid() and matrix_form.is_valid():
        targets = [row for row in rows if row.is_target()]
        try:
            services.agreement_service_levels_set(
                agreement=agreement, priority_matrix=matrix_form.matrix(), targets=[row.target() for row in targets]
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # no longer a draft
                messages.error(request, " ".join(error.messages))
                return redirect(agreement)
            top_errors = add_targets_error(targets, error)
        else:
            messages.success(request, f"The targets of version {agreement.version} are saved.")
            return redirect(agreement)
    context = {"agreement": agreement, "rows": rows, "matrix_form": matrix_form, "top_errors": top_errors}
    return render(request, "portal/agreement_targets_form.html", context)


@login_required
@form_action("portal:agreement")
def agreement_propose(request, pk: int):
    agreement = _agreement_or_404(request.user, pk)
    require_perm(
        request,
        "catalog.propose_agreement",
        agreement,
        message=f"Only the owner of “{agreement.service.name}” or an admin may propose its agreements.",
    )
    return _act(
        request,
        agreement,
        lambda: services.agreement_propose(agreement=agreement, actor=request.user),
        "Version {version} is proposed; it comes into force once both sides sign.",
    )


@login_required
@form_action("portal:agreement")
def agreement_sign(request, pk: int):
    agreement = _agreement_or_404(request.user, pk)
    # catalog.services decides who may sign and for which side (PermissionDenied otherwise).
    signed = _run(request, lambda: services.agreement_sign(agreement=agreement, actor=request.user))
    if signed is not None:
        if signed.status == AgreementStatus.AGREED:
            messages.success(request, f"Version {signed.version} is signed by both sides and now in force.")
        else:
            messages.success(request, f"You signed version {signed.version}; it now awaits the other side.")
    return redirect(agreement)


@login_required
@form_action("portal:agreement")
def agreement_return_to_draft(request, pk: int):
    agreement = _agreement_or_404(request.user, pk)
    require_perm(
        request,
        "catalog.change_agreement",
        agreement,
        message=f"Only the owner of “{agreement.service.name}” or an admin may return its agreements to draft.",
    )
    return _act(
        request,
        agreement,
        lambda: services.agreement_return_to_draft(agreement=agreement),
        "Version {version} is back in draft; any signatures given were cleared.",
    )


@login_required
def agreement_withdraw(request, pk: int):
    agreement = _agreement_or_404(request.user, pk)
    require_perm(
        request,
        "catalog.withdraw_agreement",
        agreement,
        message=f"Only the owner of “{agreement.service.name}” or an admin may withdraw its agreements.",
    )
    form = AgreementWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_withdraw(agreement=agreement, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, f"Version {agreement.version} is withdrawn.")
            return redirect(agreement)
    return render(request, "portal/agreement_withdraw.html", {"form": form, "agreement": agreement})


# --- helpers ------------------------------------------------------------------------


def _agreement_or_404(user, pk: int) -> Agreement:
    try:
        return portal_selectors.agreement_for_user(user=user, pk=pk)
    except Agreement.DoesNotExist:
        raise Http404("No such agreement.") from None


def _run(request, action):
    """Run a service call; a ValidationError becomes an error message (None returned)."""
    try:
        return action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return None


def _act(request, agreement: Agreement, action, success: str):
    done = _run(request, action)
    if done is not None:
        messages.success(request, success.format(version=done.version))
    return redirect(agreement)


def _detail_page(request, agreement: Agreement):
    user = request.user
    versions = portal_selectors.agreement_versions(user=user, agreement=agreement)
    against, against_missing = _comparison(request, agreement, versions)
    is_draft = agreement.status == AgreementStatus.DRAFT
    is_proposed = agreement.status == AgreementStatus.PROPOSED
    side = services.agreement_signing_side(agreement=agreement, actor=user) if is_proposed else None
    may_change = user.has_perm("catalog.change_agreement", agreement)
    targets, hours = portal_selectors.agreement_targets_with_hours(agreement=agreement)
    measures_prefetch([agreement, against])  # one query for the list and the diff
    context = {
        "agreement": agreement,
        "versions": versions,
        "against": against,
        "against_missing": against_missing,
        "changes": selectors.agreement_diff(old=against, new=agreement) if against else [],
        "timeline": presenters.agreement_timeline(agreement),
        "missing_signatures": presenters.missing_signatures(agreement),
        "signing_side": presenters.signing_side_label(side, agreement),
        "can_edit": is_draft and may_change,
        "can_propose": is_draft and user.has_perm("catalog.propose_agreement", agreement),
        "can_return_to_draft": is_proposed and may_change,
        "can_withdraw": agreement.status in WITHDRAWABLE and user.has_perm("catalog.withdraw_agreement", agreement),
        "targets": presenters.target_rows(targets, support_calendar=agreement.service.support_calendar, hours=hours),
        "matrix": presenters.matrix_rows(agreement.priority_matrix),
        "uncovered": presenters.uncovered_priorities(agreement.priority_matrix, [t.priority for t in targets]),
        "measure_groups": measure_groups(agreement.measures.all()),
        "measures_warning": measures_count_warning(len(agreement.measures.all())),
        "flagged_measures": measures_flagged(agreements=[agreement], now=timezone.now()),
    }
    context["uncovered_text"] = presenters.words_list(context["uncovered"])
    return render(request, "portal/agreement_detail.html", context)


def _comparison(request, agreement: Agreement, versions: list[Agreement]):
    """The version to diff against: `?against=<pk>` among the visible versions of the
    same service and unit, else the previous visible one."""
    others = [v for v in versions if v.pk != agreement.pk]
    wanted = request.GET.get("against")
    if wanted:
        chosen = next((v for v in others if str(v.pk) == wanted), None)
        if chosen is None:
            return None, True
        return chosen, False
    return next((v for v in others if v.version < agreement.version), None), False
