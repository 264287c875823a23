"""Review pages: a service's (or a business unit's) reviews, one review as a printable page with
the form for the actions agreed at it, its PDF, and closing an action.

Who may do what: catalog/rules.py ('portal.view_service_review', 'portal.view_unit_review',
'portal.record_service_review_action', 'portal.record_unit_review_action'); subjects are read
through the scoped selectors, so a hidden one is a 404. A period that is not one ("2026-13") or
has not begun is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from catalog.models import BusinessUnit, Service
from portal.forms import add_validation_error
from portal.reviews import forms as f
from portal.reviews import pdf, selectors
from portal.reviews.models import ReviewAction
from portal.reviews.periods import Period, period_parse, period_started
from portal.reviews.services import review_action_close, review_action_people, review_action_record
from portal.views.access import form_action, require_perm
from sla.commitments import local_date
from sla.selectors import service_time_zone

SLUG = "service-slug"  # a placeholder, split out of one reversed URL
RECORD_DENIED = "Only the two sides of this review (or an admin) may record its actions."


def _period(code: str, today) -> Period:
    try:
        period = period_parse(code)
    except ValueError as error:
        raise Http404(str(error)) from None
    if not period_started(period, today):
        raise Http404("That period has not begun: there is nothing to review yet.")
    return period


def _service(user, slug: str) -> Service:
    try:
        return selectors.service_review_services(user=user).get(slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None


def _unit(user, slug: str) -> BusinessUnit:
    try:
        return selectors.unit_review_units(user=user).get(slug=slug)
    except BusinessUnit.DoesNotExist:
        raise Http404("No such business unit, or not yours.") from None


@login_required
def service_reviews(request, slug: str):
    service = _service(request.user, slug)
    return _list(request, subject=service, is_unit=False, time_zone=service_time_zone(service))


@login_required
def unit_reviews(request, slug: str):
    unit = _unit(request.user, slug)
    return _list(request, subject=unit, is_unit=True, time_zone=None)


def _list(request, *, subject, is_unit: bool, time_zone: str | None):
    today = local_date(timezone.now(), time_zone) if time_zone else timezone.localdate()
    prepared = selectors.review_list(
        user=request.user, **({"unit": subject} if is_unit else {"service": subject})
    ).values_list("period", "period_start")
    prepared_set = set(prepared)
    periods = [(p, (p.kind, p.start) in prepared_set) for p in selectors.recent_periods(today=today)]
    context = {"subject": subject, "is_unit": is_unit, "periods": periods}
    return render(request, "portal/reviews/list.html", context)


@login_required
def service_review(request, slug: str, period: str):
    service = _service(request.user, slug)
    now = timezone.now()
    review_period = _period(period, local_date(now, service_time_zone(service)))
    can_record = request.user.has_perm("portal.record_service_review_action", service)
    return _page(request, subject=service, is_unit=False, period=review_period, now=now, can_record=can_record)


@login_required
def unit_review(request, slug: str, period: str):
    unit = _unit(request.user, slug)
    now = timezone.now()
    review_period = _period(period, timezone.localdate(now))
    can_record = request.user.has_perm("portal.record_unit_review_action", unit)
    return _page(request, subject=unit, is_unit=True, period=review_period, now=now, can_record=can_record)


def _page(request, *, subject, is_unit: bool, period: Period, now, can_record: bool):
    subject_kwargs = {"business_unit": subject} if is_unit else {"service": subject}
    form = None
    if can_record:
        people = review_action_people(**subject_kwargs)
        if request.method == "POST":
            form = f.ReviewActionForm(request.POST, people=people)
            if form.is_valid():
                try:
                    review_action_record(period=period, by=request.user, **subject_kwargs, **form.cleaned_data)
                except ValidationError as error:
                    add_validation_error(form, error)
                else:
                    messages.success(request, "The action is recorded; the next review will show how it went.")
                    return redirect(request.path + "#actions")
        else:
            form = f.ReviewActionForm(people=people, initial={"owner": request.user.pk})
    elif request.method == "POST":
        require_perm(
            request,
            "portal.record_unit_review_action" if is_unit else "portal.record_service_review_action",
            subject,
            message=RECORD_DENIED,
        )
    if is_unit:
        document = selectors.unit_review(user=request.user, unit=subject, period=period, now=now)
    else:
        document = selectors.service_review(user=request.user, service=subject, period=period, now=now)
    context = {
        "document": document,
        "subject": subject,
        "is_unit": is_unit,
        "form": form,
        "close_form": f.ReviewActionCloseForm() if can_record else None,
    }
    if is_unit:  # the overview's links to each service's review: one reverse, not one per row (172)
        context["service_review_url"] = reverse("portal:service_review", args=[SLUG, period.code]).split(SLUG)
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "portal/reviews/review.html", context, status=status)


@login_required
def service_review_pdf(request, slug: str, period: str):
    service = _service(request.user, slug)
    now = timezone.now()
    review_period = _period(period, local_date(now, service_time_zone(service)))
    document = selectors.service_review(user=request.user, service=service, period=review_period, now=now)
    return _pdf_response(document, f"{service.slug}-review-{review_period.code}.pdf")


@login_required
def unit_review_pdf(request, slug: str, period: str):
    unit = _unit(request.user, slug)
    now = timezone.now()
    review_period = _period(period, timezone.localdate(now))
    document = selectors.unit_review(user=request.user, unit=unit, period=review_period, now=now)
    return _pdf_response(document, f"{unit.slug}-review-{review_period.code}.pdf")


def _pdf_response(document, filename: str) -> HttpResponse:
    response = HttpResponse(pdf.review_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@form_action("portal:home", page_takes_arguments=False)
def review_action_close_view(request, pk: int):
    try:
        action = selectors.review_action_list(user=request.user).get(pk=pk)
    except ReviewAction.DoesNotExist:
        raise Http404("No such action.") from None
    review = action.review
    if review.business_unit_id is not None:
        require_perm(request, "portal.record_unit_review_action", review.business_unit, message=RECORD_DENIED)
    else:
        require_perm(request, "portal.record_service_review_action", review.service, message=RECORD_DENIED)
    form = f.ReviewActionCloseForm(request.POST)
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    if not (safe and back.startswith("/")):
        back = _review_path(review)
    if not form.is_valid():
        messages.error(request, "Close an action as done or dropped.")
        return HttpResponseRedirect(back)
    zone = service_time_zone(review.service) if review.service_id else None
    today = local_date(timezone.now(), zone) if zone else timezone.localdate()
    if review_action_close(action=action, status=form.cleaned_data["status"], today=today):
        messages.success(request, f"“{action.text[:60]}” is {form.cleaned_data['status']}.")
    else:
        messages.info(request, "That action was already closed.")
    return HttpResponseRedirect(back + "#actions")


def _review_path(review) -> str:
    code = Period(review.period, review.period_start).code
    if review.business_unit_id is not None:
        return reverse("portal:unit_review", kwargs={"slug": review.business_unit.slug, "period": code})
    return reverse("portal:service_review", kwargs={"slug": review.service.slug, "period": code})
