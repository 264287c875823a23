"""Comment themes in the portal: a service's themes per period with the topics discovered among
its comments no theme caught (/services/<slug>/themes/), and the same across the services the
reader may see (/themes/). `?period=week|month|quarter` (default quarter; an unknown one: 400
saying so, with quarters shown).

Readable by the service's owner, its business owner and admins ('feedback.view_themes' in
catalog/rules.py); lists scoped by feedback.theme_selectors.theme_services. Comments are shown
as text, escaped.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from catalog import rules as access
from catalog import selectors as catalog_selectors
from catalog.models import Service
from feedback import theme_selectors
from portal.themes.presenters import theme_lines
from portal.views.access import catalogue_reader, require_perm

PERIOD_CHOICES = [("week", "Week"), ("month", "Month"), ("quarter", "Quarter")]


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        choices=PERIOD_CHOICES,
        required=False,
        error_messages={"invalid_choice": "Choose a week, a month or a quarter."},
    )


@login_required
@catalogue_reader
def service_themes(request, slug: str):
    try:
        service = catalog_selectors.service_list(user=request.user).prefetch_related(None).get(slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None
    require_perm(request, "feedback.view_themes", service, message="Only the service's owners read its comments.")
    form, period = _period(request)
    overview = theme_selectors.service_theme_overview(service=service, now=timezone.now(), period=period)
    context = {
        "service": service,
        "overview": overview,
        "lines": theme_lines(overview),
        "topics": theme_selectors.discovered_topics(user=request.user, service=service),
        "form": form,
        "periods": PERIOD_CHOICES,
        "min_scored": theme_selectors.MIN_SCORED,
    }
    return render(request, "portal/themes/service_themes.html", context, status=200 if form.is_valid() else 400)


@login_required
@catalogue_reader
def themes(request):
    services = theme_selectors.theme_services(user=request.user)
    form, period = _period(request)
    overview = theme_selectors.theme_overview(services=services, now=timezone.now(), period=period, by_service=True)
    context = {
        "overview": overview,
        "lines": theme_lines(overview),
        "topics": theme_selectors.discovered_topics(user=request.user),
        "across_catalogue": access.is_admin(request.user),
        "has_services": services.exists(),
        "form": form,
        "periods": PERIOD_CHOICES,
        "min_scored": theme_selectors.MIN_SCORED,
    }
    return render(request, "portal/themes/themes.html", context, status=200 if form.is_valid() else 400)


def _period(request) -> tuple[PeriodForm, str]:
    form = PeriodForm(request.GET)
    period = (form.cleaned_data.get("period") if form.is_valid() else "") or theme_selectors.DEFAULT_PERIOD
    return form, period
