"""Commitment pages: the list across the catalogue and per service (with status badges), a
commitment with its progress chart and history, and the forms to make one, check in, deliver,
renegotiate and withdraw (each a POST handled by sla.services).

Who may do what is decided by catalog/rules.py: signed-in readers see; the service's owner and
admins manage; the commitment's owner checks in too.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.durations import duration_human
from catalog.models import Service
from portal.commitments import forms as f
from portal.commitments import presenters
from portal.forms import add_validation_error
from portal.views.access import form_action, require_perm, service_or_404
from portal.views.form_posts import write_posted_form
from portal.views.htmx import vary_on_htmx
from sla import commitment_selectors as selectors
from sla.commitments import local_date
from sla.models import Commitment, CommitmentOutcome
from sla.selectors import service_time_zone
from sla.services import (
    check_in_record,
    commitment_create,
    commitment_deliver,
    commitment_renegotiate,
    commitment_withdraw,
)

PAGE_SIZE = 50
ON_SERVICE_PAGE = 10
FORM_PREFIXES = {"check_in": f.CheckInForm, "deliver": f.DeliverForm, "renegotiate": f.RenegotiateForm}
FORM_PREFIXES["withdraw"] = f.WithdrawForm


@login_required
def commitment_list(request):
    """Commitments across the catalogue, soonest due first."""
    return _list_page(request, service=None)


@login_required
def service_commitments(request, slug: str):
    """One service's commitments; for the service page (htmx), its open ones as a fragment."""
    service = service_or_404(request.user, slug)
    if request.htmx and not request.htmx.history_restore_request:
        open_ones = _with_badges(selectors.commitments_open(user=request.user, service=service), limit=None)
        context = {
            "service": service,
            "commitments": open_ones[:ON_SERVICE_PAGE],
            "total": len(open_ones),
            "can_add": request.user.has_perm("sla.add_commitment", service),
        }
        return vary_on_htmx(render(request, "portal/commitments/_service_commitments.html", context))
    return vary_on_htmx(_list_page(request, service=service))


@login_required
def commitment_create_view(request, slug: str):
    service = service_or_404(request.user, slug)
    require_perm(
        request,
        "sla.add_commitment",
        service,
        message=f"Only the owner of “{service.name}” or an admin may commit to results for it.",
    )
    people = get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    form_kwargs = {"units": service.business_units.all(), "people": people}
    if request.method == "POST":
        form = f.CommitmentForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                commitment = commitment_create(service=service, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, f"“{commitment.title}” is committed, due {commitment.due_on:%d %b %Y}.")
                return redirect("portal:commitment", pk=commitment.pk)
    else:
        form = f.CommitmentForm(initial={"owner": request.user.pk}, **form_kwargs)
    return render(request, "portal/commitments/form.html", {"form": form, "service": service})


@login_required
def commitment_detail(request, pk: int):
    return _detail_page(request, _commitment_or_404(request.user, pk))


@login_required
@form_action("portal:commitment")
def commitment_check_in(request, pk: int):
    commitment = _commitment_or_404(request.user, pk)
    require_perm(
        request,
        "sla.check_in_commitment",
        commitment,
        message="Only the commitment's owner, the service's owner or an admin may check in.",
    )
    return _act(
        request,
        commitment,
        "check_in",
        lambda data: check_in_record(commitment=commitment, actor=request.user, **data),
        lambda _: "Checked in. Thank you for telling the business how it is going.",
    )


@login_required
@form_action("portal:commitment")
def commitment_deliver_view(request, pk: int):
    commitment = _managed(request, pk)
    return _act(
        request,
        commitment,
        "deliver",
        lambda data: commitment_deliver(commitment=commitment, actor=request.user, **data),
        lambda done: f"“{done.title}” is delivered.",
    )


@login_required
@form_action("portal:commitment")
def commitment_renegotiate_view(request, pk: int):
    commitment = _managed(request, pk)
    return _act(
        request,
        commitment,
        "renegotiate",
        lambda data: commitment_renegotiate(commitment=commitment, actor=request.user, **data),
        lambda done: f"The due date is now {done.new_due_on:%d %b %Y}; the earlier date and the reason are kept.",
    )


@login_required
@form_action("portal:commitment")
def commitment_withdraw_view(request, pk: int):
    commitment = _managed(request, pk)
    return _act(
        request,
        commitment,
        "withdraw",
        lambda data: commitment_withdraw(commitment=commitment, actor=request.user, **data),
        lambda done: f"“{done.title}” is withdrawn.",
    )


# --- helpers --------------------------------------------------------------------------------


def _list_page(request, *, service: Service | None):
    user = request.user
    services = None if service else catalog_selectors.service_list(user=user).select_related(None)
    form = f.CommitmentFilterForm(
        request.GET or None,
        services=services.prefetch_related(None).only("name", "slug") if services is not None else None,
        business_units=catalog_selectors.business_unit_list(user=user),
    )
    filters = form.filters()
    commitments = selectors.commitment_list(user=user)
    if service is not None:
        commitments = commitments.filter(service=service)
    elif filters.get("service"):
        commitments = commitments.filter(service=filters["service"])
    if filters.get("business_unit"):
        commitments = commitments.filter(business_unit=filters["business_unit"])
    outcome = filters.get("outcome")
    if outcome == f.OUTCOME_CLOSED:
        commitments = commitments.exclude(outcome=CommitmentOutcome.OPEN)
    elif outcome != f.OUTCOME_ANY:
        commitments = commitments.filter(outcome=CommitmentOutcome.OPEN)
    rows = _with_badges(commitments, limit=None)
    if filters.get("status"):
        rows = selectors.commitments_by_status(rows, [filters["status"]])
    context = {
        "service": service,
        "form": form,
        "filtered": bool(filters),
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_add": service is not None and user.has_perm("sla.add_commitment", service),
    }
    return render(request, "portal/commitments/list.html", context)


def _with_badges(commitments, *, limit: int | None) -> list[Commitment]:
    rows = selectors.commitments_with_state(commitments, now=timezone.now())
    for commitment in rows:
        commitment.badge = presenters.status_badge(commitment.state.status)
    return rows[:limit] if limit else rows


def _detail_page(request, commitment: Commitment, bound: dict | None = None):
    user = request.user
    now = timezone.now()
    state = selectors.commitment_state(commitment, now=now)
    zone = service_time_zone(commitment.service)
    check_ins = list(commitment.check_ins.all())
    renegotiations = list(commitment.renegotiations.all())
    is_open = commitment.outcome == CommitmentOutcome.OPEN
    can_manage = is_open and user.has_perm("sla.change_commitment", commitment)
    forms = {prefix: form_class(prefix=prefix) for prefix, form_class in FORM_PREFIXES.items()}
    forms.update(bound or {})
    context = {
        "commitment": commitment,
        "state": state,
        "badge": presenters.status_badge(state.status),
        "time_zone": zone,
        "check_ins": check_ins,
        "renegotiations": renegotiations,
        "chart": presenters.progress_chart(
            committed_on=commitment.committed_on,
            due_on=commitment.due_on,
            check_ins=[(local_date(c.at, zone), c.percent_done) for c in check_ins],
            forecast_done_on=state.forecast_done_on,
            today=local_date(now, zone),
            earlier_due_dates=[r.old_due_on for r in renegotiations],
            closed_on=commitment.closed_on,
        ),
        "forms": forms,
        "cadence": f"Every {duration_human(commitment.check_in_every)}, with {duration_human(commitment.grace)} grace",
        "can_check_in": is_open and user.has_perm("sla.check_in_commitment", commitment),
        "can_manage": can_manage,
    }
    return render(request, "portal/commitments/detail.html", context)


def _act(request, commitment: Commitment, prefix: str, write, success):
    """Bind the form of `prefix` and write it through the service (portal.views.form_posts); on a
    problem, the page again with the form's errors."""
    form = FORM_PREFIXES[prefix](request.POST, prefix=prefix)

    def page_again():  # the commitment as it stands now
        return _detail_page(request, _commitment_or_404(request.user, commitment.pk), bound={prefix: form})

    return write_posted_form(
        request,
        form,
        valid=form.is_valid(),
        write=write,
        success=success,
        page=reverse("portal:commitment", args=[commitment.pk]),
        page_again=page_again,
    )


def _managed(request, pk: int) -> Commitment:
    commitment = _commitment_or_404(request.user, pk)
    require_perm(
        request,
        "sla.change_commitment",
        commitment,
        message=f"Only the owner of “{commitment.service.name}” or an admin may change its commitments.",
    )
    return commitment


def _commitment_or_404(user, pk: int) -> Commitment:
    try:
        return selectors.commitment_detail(user=user, pk=pk)
    except Commitment.DoesNotExist:
        raise Http404("No such commitment.") from None
