"""Follow-up pages: the inbox of detractor follow-ups (mine by default; everyone's I may see),
one follow-up with the answer that opened it and the forms to record the call and close it, and
a service's follow-ups with its recovery rate (a fragment of the service page, loaded by htmx).

Who may do what is decided by catalog/rules.py: the follow-up's owner, the service's owner and
admins act; the service's business owner reads.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog import rules as access
from catalog import selectors as catalog_selectors
from catalog.models import Service
from feedback import follow_up_selectors as selectors
from feedback.models import FollowUp, FollowUpState
from feedback.services.follow_ups import follow_up_close, follow_up_contacted, follow_up_scores
from portal.follow_ups import forms as f
from portal.follow_ups.presenters import follow_up_badge
from portal.views.access import require_perm, service_or_404
from portal.views.form_posts import write_posted_form
from portal.views.htmx import vary_on_htmx
from sla.business_time import zone_from_name
from sla.selectors import service_time_zone

PAGE_SIZE = 50
FORMS = {"contacted": f.ContactedForm, "close": f.CloseForm}


@login_required
def follow_up_list(request):
    """The inbox: my follow-ups not closed, soonest due first; filters for the rest."""
    return _list_page(request, service=None)


@login_required
def service_follow_ups(request, slug: str):
    """A service's follow-ups and recovery rate; for the service page (htmx), a fragment that is
    empty for people who may not see them."""
    service = service_or_404(request.user, slug)
    allowed = request.user.has_perm("feedback.view_service_follow_ups", service)
    if request.htmx and not request.htmx.history_restore_request:
        if not allowed:
            return vary_on_htmx(HttpResponse(""))
        return vary_on_htmx(render(request, "portal/follow_ups/_service_follow_ups.html", _service_context(service)))
    require_perm(
        request,
        "feedback.view_service_follow_ups",
        service,
        message=f"Only the owners of “{service.name}” and admins see its follow-ups.",
    )
    return vary_on_htmx(_list_page(request, service=service))


@login_required
def follow_up_detail(request, pk: int):
    return _detail_page(request, _follow_up_or_404(request.user, pk))


@login_required
@require_POST
def follow_up_contacted_view(request, pk: int):
    follow_up = _managed(request, pk)
    return _act(
        request,
        follow_up,
        "contacted",
        lambda data: follow_up_contacted(
            follow_up=follow_up, actor=request.user, outcome=data["outcome"], at=data.get("contacted_at")
        ),
        "The call is recorded. Close the follow-up with what IT learned.",
    )


@login_required
@require_POST
def follow_up_close_view(request, pk: int):
    follow_up = _managed(request, pk)
    return _act(
        request,
        follow_up,
        "close",
        lambda data: follow_up_close(
            follow_up=follow_up, actor=request.user, learned=data["learned"], outcome=data.get("outcome", "")
        ),
        "The follow-up is closed. Thank you for closing the loop.",
    )


# --- helpers --------------------------------------------------------------------------------


def _list_page(request, *, service: Service | None):
    user = request.user
    now = timezone.now()
    visible = selectors.follow_up_list(user=user)
    services = None
    if service is None:
        services = catalog_selectors.service_list(user=user).select_related(None).prefetch_related(None)
        if not access.is_admin(user):
            services = services.filter(pk__in=visible.values("service_id"))
        services = services.only("name", "slug").order_by("name")
    form = f.FollowUpFilterForm(request.GET or None, services=services, is_admin=access.is_admin(user))
    filters = form.filters()
    mine = service is None and filters.get("whose", f.WHOSE_MINE) == f.WHOSE_MINE
    follow_ups = selectors.follow_ups_filter(
        visible,
        now=now,
        state=filters.get("state", selectors.STATE_NOT_CLOSED),
        service=service or filters.get("service"),
        owner=user if mine else None,
    )
    page = Paginator(follow_ups, PAGE_SIZE).get_page(request.GET.get("page"))
    for follow_up in page.object_list:
        _decorate(follow_up, now)
    context = {
        "service": service,
        "form": form,
        "filtered": bool(filters),
        "mine": mine,
        "page": page,
        "now": now,
        **(_service_context(service, now=now) if service is not None else {}),
    }
    return render(request, "portal/follow_ups/list.html", context)


def _service_context(service: Service, *, now=None) -> dict:
    now = now or timezone.now()
    visible = FollowUp.objects.filter(service=service)  # the caller checked the right to see them
    return {
        "service": service,
        "counts": selectors.follow_up_counts(visible, now=now),
        "recovery": selectors.service_recovery_recent(service=service, now=now),
    }


def _decorate(follow_up: FollowUp, now) -> FollowUp:
    follow_up.badge = follow_up_badge(follow_up, now=now)
    follow_up.scores = follow_up_scores(follow_up.response)
    follow_up.is_late = follow_up.badge.label == "Overdue"
    return follow_up


def _detail_page(request, follow_up: FollowUp, bound: dict | None = None):
    user = request.user
    now = timezone.now()
    zone = service_time_zone(follow_up.service)
    can_change = follow_up.state != FollowUpState.CLOSED and user.has_perm("feedback.change_follow_up", follow_up)
    forms = {prefix: form_class(prefix=prefix) for prefix, form_class in FORMS.items()}
    forms.update(bound or {})
    context = {
        "follow_up": _decorate(follow_up, now),
        "response": follow_up.response,
        "time_zone": zone,
        "forms": forms,
        "can_contact": can_change and follow_up.state == FollowUpState.OPEN,
        "can_close": can_change,
    }
    with timezone.override(zone_from_name(zone)):
        return render(request, "portal/follow_ups/detail.html", context)


def _act(request, follow_up: FollowUp, prefix: str, write, success: str):
    """Bind the form of `prefix` (times in the service's zone) and write it through the service
    (portal.views.form_posts); on a problem, the page again with the form's errors."""
    form = FORMS[prefix](request.POST, prefix=prefix)
    with timezone.override(zone_from_name(service_time_zone(follow_up.service))):
        valid = form.is_valid()

    def page_again():  # the follow-up as it stands now
        return _detail_page(request, _follow_up_or_404(request.user, follow_up.pk), bound={prefix: form})

    return write_posted_form(
        request,
        form,
        valid=valid,
        write=write,
        success=lambda _: success,
        page=reverse("portal:follow_up", args=[follow_up.pk]),
        page_again=page_again,
    )


def _managed(request, pk: int) -> FollowUp:
    follow_up = _follow_up_or_404(request.user, pk)
    require_perm(
        request,
        "feedback.change_follow_up",
        follow_up,
        message=f"Only the follow-up's owner, the owner of “{follow_up.service.name}” and admins may record it.",
    )
    return follow_up


def _follow_up_or_404(user, pk: int) -> FollowUp:
    try:
        return selectors.follow_up_detail(user=user, pk=pk)
    except FollowUp.DoesNotExist:
        raise Http404("No such follow-up.") from None
