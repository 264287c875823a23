"""Reads of the perception gap: both views per factor for a service and quarter, and the
largest gaps across the catalogue. The arithmetic is feedback.perception's; here only the
grouped queries that feed it.

A relationship response belongs to the quarter its invitation asked about; a response without
one (collected by another tool) to the quarter it was submitted in, in the service's time zone
(sla.selectors.service_time_zone, as every period of the service).

Query budget: a service's comparison 2 queries (4 when the quarter is found from the data);
the catalogue's list 1 + 2 per quarter looked at (at most LOOK_BACK_QUARTERS).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, IntegerField, Max, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from catalog import selectors as catalog_selectors
from catalog.models import Service
from feedback.models import InvitationKind, Response, SelfAssessment
from feedback.perception import (
    FACTORS,
    MIN_RESPONSES,
    GapEntry,
    Perception,
    Tally,
    largest_gaps,
    perception_gap,
    quarter_start,
)
from sla.commitments import local_date
from sla.periods import QUARTER, period_bounds
from sla.selectors import service_time_zone

LOOK_BACK_QUARTERS = 4  # how far back the catalogue's list looks for a quarter with gaps
DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class ServicePerception:
    service: Service
    quarter: date
    perception: Perception
    self_assessment: SelfAssessment | None


@dataclass(frozen=True)
class CatalogueGaps:
    quarter: date | None  # None: no quarter with a gap in the catalogue
    entries: list[GapEntry]
    min_responses: int


def current_quarter(*, service: Service, now: datetime) -> date:
    """The quarter in progress at `now`, in the service's time zone."""
    return quarter_start(local_date(now, service_time_zone(service)))


def service_perception(
    *, service: Service, quarter: date | None, now: datetime, min_responses: int = MIN_RESPONSES
) -> ServicePerception:
    """Both views of `service` for `quarter` (None: the latest quarter with either view, not
    after the current one; the current quarter when there is none)."""
    if quarter is None:
        quarter = latest_quarter_with_data(service=service, now=now)
    assessment = SelfAssessment.objects.filter(service=service, period_start=quarter).select_related("by").first()
    tallies = _business_tallies(services=[service], quarter=quarter)
    respondents, business = tallies.get(service.pk, (0, {}))
    perception = perception_gap(
        it_ratings=assessment.ratings if assessment else None,
        business=business,
        respondents=respondents,
        min_responses=min_responses,
    )
    return ServicePerception(service=service, quarter=quarter, perception=perception, self_assessment=assessment)


def service_perceptions(
    *, services: Iterable[Service], quarter: date, min_responses: int = MIN_RESPONSES
) -> dict[int, ServicePerception]:
    """Service id -> both views of it for `quarter` (as service_perception with a quarter
    given), for many services in two queries (a business unit's review)."""
    services = list(services)
    assessments = {
        a.service_id: a
        for a in SelfAssessment.objects.filter(service__in=[s.pk for s in services], period_start=quarter)
        .select_related("by")
        .order_by("pk")
    }
    tallies = _business_tallies(services=services, quarter=quarter)
    found = {}
    for service in services:
        assessment = assessments.get(service.pk)
        respondents, business = tallies.get(service.pk, (0, {}))
        perception = perception_gap(
            it_ratings=assessment.ratings if assessment else None,
            business=business,
            respondents=respondents,
            min_responses=min_responses,
        )
        found[service.pk] = ServicePerception(
            service=service, quarter=quarter, perception=perception, self_assessment=assessment
        )
    return found


def latest_quarter_with_data(*, service: Service, now: datetime) -> date:
    current = current_quarter(service=service, now=now)
    candidates = []
    assessed = SelfAssessment.objects.filter(service=service, period_start__lte=current).aggregate(
        latest=Max("period_start")
    )["latest"]
    if assessed:
        candidates.append(assessed)
    answered = Response.objects.filter(service=service, kind=InvitationKind.RELATIONSHIP).aggregate(
        asked=Max("invitation__period_start", filter=Q(invitation__period_start__lte=current)),
        submitted=Max("submitted_at", filter=Q(invitation__period_start__isnull=True)),
    )
    if answered["asked"]:
        candidates.append(answered["asked"])
    if answered["submitted"]:
        candidates.append(quarter_start(local_date(answered["submitted"], service_time_zone(service))))
    return min(max(candidates), current) if candidates else current


def catalogue_gaps(
    *, user, quarter: date | None = None, limit: int = DEFAULT_LIMIT, min_responses: int = MIN_RESPONSES
) -> CatalogueGaps:
    """The `limit` largest gaps (service, factor) among the services `user` may read, for
    `quarter`, or (None) the latest quarter with at least one gap, looking back at most
    LOOK_BACK_QUARTERS quarters that have IT's views."""
    services = catalog_selectors.service_list(user=user).prefetch_related(None)
    if quarter is not None:
        quarters = [quarter]
    else:
        quarters = list(
            SelfAssessment.objects.filter(service__in=services)
            .order_by("-period_start")
            .values_list("period_start", flat=True)
            .distinct()[:LOOK_BACK_QUARTERS]
        )
    for candidate in quarters:
        assessments = list(
            SelfAssessment.objects.filter(service__in=services, period_start=candidate).select_related(
                "service", "service__support_calendar"
            )
        )
        if not assessments:
            continue
        tallies = _business_tallies(services=[a.service for a in assessments], quarter=candidate)
        perceptions = []
        for assessment in assessments:
            respondents, business = tallies.get(assessment.service_id, (0, {}))
            perception = perception_gap(
                it_ratings=assessment.ratings, business=business, respondents=respondents, min_responses=min_responses
            )
            perceptions.append((assessment.service, candidate, perception))
        entries = largest_gaps(perceptions, limit=limit)
        if entries or quarter is not None:
            return CatalogueGaps(quarter=candidate, entries=entries, min_responses=min_responses)
    return CatalogueGaps(quarter=quarter, entries=[], min_responses=min_responses)


def assessed_quarters(*, user) -> list[date]:
    """Quarters in which IT rated at least one service the user may read, latest first."""
    services = catalog_selectors.service_list(user=user).prefetch_related(None)
    return list(
        SelfAssessment.objects.filter(service__in=services)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .distinct()
    )


def _business_tallies(*, services: Iterable[Service], quarter: date) -> dict[int, tuple[int, dict[str, Tally]]]:
    """service id -> (respondents, factor -> Tally) for the quarter, in one grouped query."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for service in services:
        by_zone[service_time_zone(service)].append(service.pk)
    if not by_zone:
        return {}
    submitted_in_quarter = Q()
    for zone, ids in by_zone.items():
        start, end = _quarter_bounds(quarter, zone)
        submitted_in_quarter |= Q(service_id__in=ids, submitted_at__gte=start, submitted_at__lt=end)
    all_ids = [pk for ids in by_zone.values() for pk in ids]
    sums = {}
    for factor in FACTORS:
        rating = KT(f"factor_ratings__{factor}")
        sums[f"{factor}__total"] = Sum(Cast(rating, IntegerField()))
        sums[f"{factor}__count"] = Count(rating)
    rows = (
        Response.objects.filter(service_id__in=all_ids, kind=InvitationKind.RELATIONSHIP)
        .filter(Q(invitation__period_start=quarter) | (Q(invitation__period_start__isnull=True) & submitted_in_quarter))
        .order_by()
        .values("service_id")
        .annotate(respondents=Count("pk"), **sums)
    )
    return {
        row["service_id"]: (
            row["respondents"],
            {factor: Tally(int(row[f"{factor}__total"] or 0), row[f"{factor}__count"]) for factor in FACTORS},
        )
        for row in rows
    }


def _quarter_bounds(quarter: date, zone: str) -> tuple[datetime, datetime]:
    # period_bounds takes an instant; noon of the quarter's first day is inside it in any zone.
    return period_bounds(QUARTER, datetime(quarter.year, quarter.month, 1, 12, tzinfo=ZoneInfo(zone)), zone)
