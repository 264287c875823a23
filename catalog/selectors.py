"""Reads of the catalogue, scoped to the user who asks (the rules of catalog/rules.py,
expressed as querysets)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.text import capfirst

from catalog import rules as access
from catalog.models import (
    AGREEMENT_TERMS,
    OPEN_STATUSES,
    SIGNED_STATUSES,
    Agreement,
    AgreementStatus,
    BusinessUnit,
    Category,
    Membership,
    Service,
)

User = AbstractBaseUser | AnonymousUser


def service_list(*, user: User) -> QuerySet[Service]:
    """Services the user may see, with what a list shows loaded in a fixed number of queries."""
    if not access.can_read_catalogue(user) and not access.is_admin(user):
        return Service.objects.none()
    return Service.objects.select_related("category", "service_owner", "business_owner").prefetch_related(
        Prefetch("business_units", queryset=BusinessUnit.objects.only("id", "name", "slug"))
    )


def service_search(queryset: QuerySet[Service], text: str) -> QuerySet[Service]:
    """Every word must appear in the name, summary, description, keywords or category."""
    for word in text.split()[:10]:
        queryset = queryset.filter(
            Q(name__icontains=word)
            | Q(summary__icontains=word)
            | Q(keywords__icontains=word)
            | Q(description__icontains=word)
            | Q(category__name__icontains=word)
        )
    return queryset


def service_detail(*, user: User, slug: str) -> Service:
    """The service page's data; raises Service.DoesNotExist when absent or hidden."""
    return (
        service_list(user=user)
        .prefetch_related(
            Prefetch("depends_on", queryset=Service.objects.only("id", "name", "slug", "lifecycle")),
            Prefetch("dependents", queryset=Service.objects.only("id", "name", "slug", "lifecycle")),
        )
        .get(slug=slug)
    )


def category_list(*, user: User) -> QuerySet[Category]:
    if not access.can_read_catalogue(user) and not access.is_admin(user):
        return Category.objects.none()
    return Category.objects.all()


def business_unit_list(*, user: User) -> QuerySet[BusinessUnit]:
    if not access.can_read_catalogue(user) and not access.is_admin(user):
        return BusinessUnit.objects.none()
    return BusinessUnit.objects.all()


def agreement_list(*, user: User) -> QuerySet[Agreement]:
    """Agreements the user may see: signed versions for every catalogue reader; open
    versions for the service owner; proposed ones also for whoever signs for the business."""
    base = Agreement.objects.select_related(
        "service",
        "service__service_owner",
        "service__business_owner",
        "business_unit",
        "it_signed_by",
        "business_signed_by",
        "proposed_by",
        "created_by",
    )
    if access.is_admin(user):
        return base
    visible = Q(pk__in=[])
    if access.can_read_catalogue(user):
        visible |= Q(status__in=SIGNED_STATUSES)
    if user.is_authenticated:
        representative = Exists(
            Membership.objects.filter(user=user, business_unit=OuterRef("business_unit"), is_representative=True)
        )
        visible |= Q(service__service_owner=user)
        visible |= Q(status=AgreementStatus.PROPOSED) & (
            Q(representative) | Q(business_unit__isnull=True, service__business_owner=user)
        )
    return base.filter(visible)


def agreements_in_force(*, user: User, service: Service) -> list[Agreement]:
    return list(agreement_list(user=user).filter(service=service, status=AgreementStatus.AGREED))


def agreements_open(*, user: User, service: Service) -> list[Agreement]:
    return list(agreement_list(user=user).filter(service=service, status__in=OPEN_STATUSES))


def agreements_awaiting_signature(*, user: User) -> QuerySet[Agreement]:
    """Proposed versions the user could sign now (either side) and has not."""
    if not user.is_authenticated:
        return Agreement.objects.none()
    representative = Exists(
        Membership.objects.filter(user=user, business_unit=OuterRef("business_unit"), is_representative=True)
    )
    return (
        agreement_list(user=user)
        .filter(status=AgreementStatus.PROPOSED)
        .filter(
            Q(service__service_owner=user, it_signed_by__isnull=True)
            | Q(representative, business_signed_by__isnull=True)
            | Q(business_unit__isnull=True, service__business_owner=user, business_signed_by__isnull=True)
        )
        .exclude(Q(it_signed_by=user) | Q(business_signed_by=user))
    )


def agreement_previous_version(*, agreement: Agreement, user: User | None = None) -> Agreement | None:
    """The version before `agreement` for the same service and audience. Pass `user` to
    skip versions they may not see: a withdrawn draft must not leak through a diff."""
    versions = agreement_list(user=user) if user is not None else Agreement.objects.all()
    return (
        versions.filter(
            service_id=agreement.service_id,
            business_unit_id=agreement.business_unit_id,
            version__lt=agreement.version,
        )
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class TermChange:
    field: str
    label: str
    old: str
    new: str
    diff: list[str]  # unified diff lines, without the file headers


def agreement_diff(*, old: Agreement, new: Agreement) -> list[TermChange]:
    """The terms that differ between two versions, each with a line diff."""
    changes = []
    for name in AGREEMENT_TERMS:
        before, after = _term_text(getattr(old, name)), _term_text(getattr(new, name))
        if before == after:
            continue
        lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2))[2:]
        # capfirst, not str.capitalize(): that would turn "IT responsibilities" into "It ...".
        label = str(capfirst(Agreement._meta.get_field(name).verbose_name))
        changes.append(TermChange(field=name, label=label, old=before, new=after, diff=lines))
    return changes


def _term_text(value) -> str:
    """A term as comparable text. Line endings and trailing spaces are not changes:
    browsers send textareas with CRLF, and a copied term must not show as changed."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "\n".join(line.rstrip() for line in str(value).splitlines()).strip("\n")
