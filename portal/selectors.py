"""Reads the portal needs on top of catalog.selectors, always starting from the
user-scoped querysets there (never an unscoped get)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from catalog import rules as access
from catalog import selectors
from catalog.models import Agreement, AgreementStatus, Category, Lifecycle, Service
from catalog.selectors import User
from sla.calendars import calendar_spec, calendar_specs, week_summary


def category_list_with_counts(*, user: User) -> QuerySet[Category]:
    """Categories with how many current (not retired) services each holds, one query."""
    return selectors.category_list(user=user).annotate(
        service_count=Count("services", filter=~Q(services__lifecycle=Lifecycle.RETIRED))
    )


def agreement_for_user(*, user: User, pk: int) -> Agreement:
    """One agreement the user may see; Agreement.DoesNotExist otherwise."""
    return selectors.agreement_list(user=user).get(pk=pk)


def agreement_versions(*, user: User, agreement: Agreement) -> list[Agreement]:
    """Every version of the same (service, business unit) the user may see, newest first."""
    return list(
        selectors.agreement_list(user=user)
        .filter(service_id=agreement.service_id, business_unit_id=agreement.business_unit_id)
        .order_by("-version")
    )


def agreements_to_act_on(*, user: User) -> list[Agreement]:
    """Open versions (draft or proposed) the user may edit, propose or withdraw."""
    if not user.is_authenticated:
        return []
    open_versions = selectors.agreement_list(user=user).filter(
        status__in=(AgreementStatus.DRAFT, AgreementStatus.PROPOSED)
    )
    return [a for a in open_versions if user.has_perm("catalog.change_agreement", a)]


def agreements_in_force_list(
    *, user: User, service: Service | None = None, business_unit: str | None = None
) -> QuerySet[Agreement]:
    """Agreements in force, optionally for one service and one business unit slug
    ("all" = the agreements that cover all business units)."""
    agreements = selectors.agreement_list(user=user).filter(status=AgreementStatus.AGREED)
    if service is not None:
        agreements = agreements.filter(service=service)
    if business_unit == "all":
        agreements = agreements.filter(business_unit__isnull=True)
    elif business_unit:
        agreements = agreements.filter(business_unit__slug=business_unit)
    return agreements


def service_owner_choices(*, current_owner_id: int | None = None) -> QuerySet:
    """People who may own a service: service owners and admins (and whoever owns it now)."""
    wanted = Q(groups__name__in=(access.SERVICE_OWNERS, access.ADMINS)) | Q(is_superuser=True)
    if current_owner_id is not None:
        wanted |= Q(pk=current_owner_id)
    return (
        get_user_model()
        .objects.filter(wanted, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def business_owner_choices() -> QuerySet:
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def agreement_targets_with_hours(*, agreement: Agreement) -> tuple[list, dict[int, str]]:
    """The version's targets (with their calendars) and, for every calendar they count in
    (their own or the service's support calendar), its working week in words."""
    targets = list(agreement.urgency_targets.select_related("calendar").order_by("priority"))
    ids = {t.calendar_id for t in targets if t.calendar_id} | {agreement.service.support_calendar_id} - {None}
    return targets, {pk: week_summary(spec) for pk, spec in calendar_specs(ids).items()}


def calendar_hours(*, calendar) -> str:
    """A calendar's working week in words ("Mon-Fri 09:00-17:00", "24x7"); "" for none."""
    return week_summary(calendar_spec(calendar)) if calendar is not None else ""
