"""Reads of catalogue alignment, scoped to the user who asks (catalog/rules.py: a unit's members,
IT and admins read a unit's alignment; IT and admins the catalogue-wide ranking).

IT's list of a unit's services: the services naming the unit among those they serve
(Service.business_units), except retired ones. The unit's own list: its marks, except retired
services. Each comparison is three queries, however many units."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog import rules as access
from catalog import selectors as catalog_selectors
from catalog.alignment import status
from catalog.alignment.models import (
    ANSWERED_STATES,
    AlignmentSnapshot,
    MissingServiceRequest,
    MissingServiceRequestEvent,
    RequestState,
    ServiceMark,
)
from catalog.models import BusinessUnit, Lifecycle, Service

HISTORY_DAYS = 365


def alignment_units(*, user) -> QuerySet[BusinessUnit]:
    """Units whose alignment `user` may read: every unit for IT and admins, else the user's own."""
    if not user.is_authenticated or not user.is_active:
        return BusinessUnit.objects.none()
    if access.is_admin(user) or access.is_it_staff(user):
        return BusinessUnit.objects.all()
    return BusinessUnit.objects.filter(memberships__user=user).distinct()


def request_list(*, user) -> QuerySet[MissingServiceRequest]:
    """Requests `user` may read: those of the units whose alignment the user may read."""
    base = MissingServiceRequest.objects.select_related(
        "business_unit", "owner", "requested_by", "answered_by", "service"
    )
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if access.is_admin(user) or access.is_it_staff(user):
        return base
    return base.filter(business_unit__memberships__user=user).distinct()


def request_owner_candidates() -> QuerySet:
    """Who a request can be given to: active IT people (service owners) and admins (the rule of
    services._check_it_person), by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=(access.ADMINS, access.SERVICE_OWNERS)))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def request_events(*, request: MissingServiceRequest) -> list[MissingServiceRequestEvent]:
    """The request's history, oldest first (whoever may read the request reads its history)."""
    return list(request.events.select_related("actor").order_by("at", "id"))


def markable_services(*, user) -> QuerySet[Service]:
    """The catalogue a unit marks from: the services the user may see, retired ones left out."""
    return (
        catalog_selectors.service_list(user=user)
        .exclude(lifecycle=Lifecycle.RETIRED)
        .select_related(None)
        .select_related("category")
        .prefetch_related(None)
        .order_by("category__position", "category__name", "name")
    )


# --- Comparisons -----------------------------------------------------------------------------------


def _it_ids(unit_ids: list[int]) -> dict[int, set[int]]:
    through = Service.business_units.through
    found: dict[int, set[int]] = defaultdict(set)
    for unit_id, service_id in (
        through.objects.filter(businessunit_id__in=unit_ids)
        .exclude(service__lifecycle=Lifecycle.RETIRED)
        .values_list("businessunit_id", "service_id")
    ):
        found[unit_id].add(service_id)
    return found


def _unit_ids(unit_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for unit_id, service_id in (
        ServiceMark.objects.filter(business_unit_id__in=unit_ids)
        .exclude(service__lifecycle=Lifecycle.RETIRED)
        .values_list("business_unit_id", "service_id")
    ):
        found[unit_id].add(service_id)
    return found


def _open_counts(unit_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for unit_id in MissingServiceRequest.objects.filter(
        business_unit_id__in=unit_ids, state=RequestState.OPEN
    ).values_list("business_unit_id", flat=True):
        counts[unit_id] += 1
    return counts


def comparisons(unit_ids: Iterable[int]) -> dict[int, status.Comparison]:
    """Each unit's list beside IT's. Three queries."""
    ids = list(unit_ids)
    it, unit, open_counts = _it_ids(ids), _unit_ids(ids), _open_counts(ids)
    return {pk: status.compare(it_ids=it[pk], unit_ids=unit[pk], open_requests=open_counts[pk]) for pk in ids}


# --- One unit ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    request: MissingServiceRequest
    age_days: float  # business days since it was made (until it was answered)
    due_at: datetime
    overdue: bool


def request_rows(requests: Iterable[MissingServiceRequest], *, now: datetime) -> list[RequestRow]:
    spec = status.default_calendar_spec()
    rows = []
    for request in requests:
        until = request.answered_at or request.withdrawn_at or now
        rows.append(
            RequestRow(
                request=request,
                age_days=status.request_age_business_days(request.requested_at, now=until, spec=spec),
                due_at=status.request_due_at(request.requested_at, spec=spec),
                overdue=status.request_is_overdue(
                    state=request.state, requested_at=request.requested_at, now=now, spec=spec
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class HistoryPoint:
    day: date
    share: float | None  # 0-1
    agreed: int
    differences: int


@dataclass
class UnitAlignment:
    unit: BusinessUnit
    comparison: status.Comparison
    agreed: list[Service]
    it_only: list[Service]
    unit_only: list[Service]
    requests: list[RequestRow]
    history: list[HistoryPoint]

    @property
    def open_requests(self) -> list[RequestRow]:
        return [row for row in self.requests if row.request.state == RequestState.OPEN]

    @property
    def answered_requests(self) -> list[RequestRow]:
        return [row for row in self.requests if row.request.state in ANSWERED_STATES]

    @property
    def withdrawn_requests(self) -> list[RequestRow]:
        return [row for row in self.requests if row.request.state == RequestState.WITHDRAWN]


def alignment_history(*, unit_ids: Iterable[int], since: date) -> dict[int, list[HistoryPoint]]:
    found: dict[int, list[HistoryPoint]] = defaultdict(list)
    for row in AlignmentSnapshot.objects.filter(business_unit_id__in=list(unit_ids), day__gte=since).order_by(
        "business_unit_id", "day"
    ):
        found[row.business_unit_id].append(
            HistoryPoint(
                day=row.day,
                share=None if row.share is None else float(row.share),
                agreed=row.agreed,
                differences=row.it_only + row.unit_only + row.open_requests,
            )
        )
    return found


def unit_alignment(*, user, unit: BusinessUnit, now: datetime, history_days: int = HISTORY_DAYS) -> UnitAlignment:
    """IT's list of the unit's services beside the unit's own, the differences both ways, its
    requests with their age, and the share of agreement day by day. Seven queries."""
    comparison = comparisons([unit.pk])[unit.pk]
    wanted = comparison.agreed | comparison.it_only | comparison.unit_only
    services = {
        s.pk: s
        for s in catalog_selectors.service_list(user=user)
        .filter(pk__in=wanted)
        .select_related(None)
        .select_related("category", "service_owner")
        .prefetch_related(None)
    }

    def listed(ids: frozenset[int]) -> list[Service]:
        return sorted((services[pk] for pk in ids if pk in services), key=lambda s: s.name.casefold())

    requests = request_list(user=user).filter(business_unit=unit).order_by("-requested_at", "-id")
    since = timezone.localdate(now) - timedelta(days=history_days)
    return UnitAlignment(
        unit=unit,
        comparison=comparison,
        agreed=listed(comparison.agreed),
        it_only=listed(comparison.it_only),
        unit_only=listed(comparison.unit_only),
        requests=request_rows(requests, now=now),
        history=alignment_history(unit_ids=[unit.pk], since=since)[unit.pk],
    )


# --- The catalogue-wide view -------------------------------------------------------------------


@dataclass(frozen=True)
class UnitStanding:
    unit: BusinessUnit
    comparison: status.Comparison
    overdue_requests: int


def alignment_ranking(*, user, now: datetime) -> list[UnitStanding]:
    """Every unit the user may read, the most disagreement first (most differences, then the
    lowest share). Five queries."""
    units = list(alignment_units(user=user).order_by("name"))
    by_unit = comparisons(unit.pk for unit in units)
    overdue: dict[int, int] = defaultdict(int)
    spec = status.default_calendar_spec()
    for unit_id, requested_at in MissingServiceRequest.objects.filter(
        business_unit__in=units, state=RequestState.OPEN
    ).values_list("business_unit_id", "requested_at"):
        if status.request_is_overdue(state=RequestState.OPEN, requested_at=requested_at, now=now, spec=spec):
            overdue[unit_id] += 1
    standings = [UnitStanding(unit=u, comparison=by_unit[u.pk], overdue_requests=overdue[u.pk]) for u in units]
    standings.sort(
        key=lambda s: (
            -s.comparison.differences,
            s.comparison.share if s.comparison.share is not None else 2,
            s.unit.name.casefold(),
        )
    )
    return standings
