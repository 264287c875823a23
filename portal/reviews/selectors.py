"""Reads of a review: who may read which, the prepared reviews and their actions, and the
document, whose service sections come from portal/reviews/sections.py (each part from the
selector that already answers it, in its batched form; nothing here re-derives a verdict).

A period still in progress is read "so far" (as of now). Queries: a review's document about 30,
a service's or a business unit's whatever the number of services it uses (see docs/reviews.md
and bench/reviews.py for the pinned numbers).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from catalog import rules as access
from catalog import selectors as catalog_selectors
from catalog.models import BusinessUnit, Service
from portal.reviews import outcomes
from portal.reviews.document import ActionLine, ReviewDocument
from portal.reviews.models import ActionStatus, Review, ReviewAction
from portal.reviews.periods import MONTH, QUARTER, Period, period_of
from portal.reviews.sections import JUST_BEFORE, service_sections, unit_overview
from sla.commitments import local_date

logger = logging.getLogger(__name__)

# --- Who may see and act ---------------------------------------------------------------------


def service_review_services(*, user) -> QuerySet[Service]:
    """Services whose review `user` may read ('portal.view_service_review')."""
    if not user.has_perm("portal.view_service_review"):
        return Service.objects.none()
    return catalog_selectors.service_list(user=user).prefetch_related(None)


def unit_review_units(*, user) -> QuerySet[BusinessUnit]:
    """Business units whose review `user` may read: admins every unit, others their own."""
    if access.is_admin(user):
        return BusinessUnit.objects.all()
    if not user.is_authenticated:
        return BusinessUnit.objects.none()
    return BusinessUnit.objects.filter(memberships__user=user).distinct()


def review_list(*, user, service: Service | None = None, unit: BusinessUnit | None = None) -> QuerySet[Review]:
    """The prepared reviews of a subject the caller already read through the scoped selectors."""
    reviews = Review.objects.select_related("service", "business_unit")
    if service is not None:
        return reviews.filter(service=service)
    if unit is not None:
        return reviews.filter(business_unit=unit)
    return reviews.none()


def service_review(*, user, service: Service, period: Period, now: datetime) -> ReviewDocument:
    """The review of `service` (read through service_review_services) for `period`."""
    (section,) = service_sections(user=user, services=[service], unit=None, period=period, now=now)
    return _document(subject=service, is_unit=False, period=period, now=now, sections=(section,), tz=section.time_zone)


def unit_review(*, user, unit: BusinessUnit, period: Period, now: datetime) -> ReviewDocument:
    """The review of `unit` (read through unit_review_units) across the services it uses that
    `user` may see, each with the agreements and commitments for the unit (or for all units):
    an overview row per service, and a full section for those it needs to discuss
    (sections.unit_overview)."""
    # Actions still open from each service's own reviews up to this period, in the services' query.
    open_actions = (
        ReviewAction.objects.filter(
            review__service=OuterRef("pk"), review__period_start__lt=period.end, status=ActionStatus.OPEN
        )
        .order_by()
        .values("review__service")
        .annotate(n=Count("pk"))
        .values("n")
    )
    services = list(
        service_review_services(user=user)
        .filter(business_units=unit)
        .select_related(None)  # its calendar is all a review reads of a service beside its own fields
        .select_related("support_calendar")
        .annotate(open_actions=Coalesce(Subquery(open_actions), 0))
        .order_by("name")
    )
    rows, sections = unit_overview(
        user=user,
        services=services,
        unit=unit,
        period=period,
        now=now,
        open_actions={s.pk: s.open_actions for s in services},
    )
    return _document(
        subject=unit, is_unit=True, period=period, now=now, sections=sections, tz=settings.TIME_ZONE, overview=rows
    )


def _document(
    *, subject, is_unit: bool, period: Period, now: datetime, sections, tz: str, overview=()
) -> ReviewDocument:
    _start, end = period.bounds(tz)
    today = local_date(now, tz)
    reviews = {r.period_start: r for r in _reviews_of(subject, is_unit, period)}
    review = reviews.get(period.start)
    previous = period.previous()
    return ReviewDocument(
        subject=subject,
        is_unit=is_unit,
        period=period,
        as_of=min(now, end - JUST_BEFORE),
        so_far=now < end,
        sections=sections,
        review=review,
        actions=_action_lines(review, today),
        previous_actions=_action_lines(reviews.get(previous.start), today),
        previous_period=previous,
        overview=overview,
    )


def _reviews_of(subject, is_unit: bool, period: Period) -> list[Review]:
    """This period's review and the one before, with their actions: two queries."""
    subject_filter = {"business_unit": subject} if is_unit else {"service": subject}
    return list(
        Review.objects.filter(
            **subject_filter, period=period.kind, period_start__in=[period.start, period.previous().start]
        ).prefetch_related(
            Prefetch("actions", queryset=ReviewAction.objects.select_related("owner").order_by("due_on", "pk"))
        )
    )


def _action_lines(review: Review | None, today: date) -> tuple[ActionLine, ...]:
    if review is None:
        return ()
    return tuple(
        ActionLine(a, outcomes.action_state(status=a.status, due_on=a.due_on, today=today))
        for a in review.actions.all()
    )


def review_action_list(*, user) -> QuerySet[ReviewAction]:
    """Actions of the reviews `user` may read (their service's or their unit's)."""
    actions = ReviewAction.objects.select_related("review", "review__service", "review__business_unit", "owner")
    if access.is_admin(user):
        return actions
    return actions.filter(
        Q(review__service__in=service_review_services(user=user).values("pk"))
        | Q(review__business_unit__in=unit_review_units(user=user).values("pk"))
    )


def recent_periods(*, today: date, months: int = 6, quarters: int = 4) -> list[Period]:
    """The periods a review list offers: the last `months` months and `quarters` quarters,
    including the ones in progress, most recent first."""
    found = []
    for kind, count in ((MONTH, months), (QUARTER, quarters)):
        period = period_of(kind, today)
        for _ in range(count):
            found.append(period)
            period = period.previous()
    return found


def review_calendar():
    """The calendar whose business days the monthly preparation follows (an
    sla.business_time.CalendarSpec, or None: weekdays only): settings.REVIEWS_CALENDAR (a
    calendar's slug) when set, else the support calendar most services use. Two to four queries."""
    from django.db.models import Count

    from sla.calendars import calendar_specs
    from sla.models import Calendar

    slug = getattr(settings, "REVIEWS_CALENDAR", "")
    if slug:
        found = Calendar.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if found is None:
            logger.warning("REVIEWS_CALENDAR %r is no calendar's slug: reviews follow weekdays only", slug)
            return None
    else:
        found = (
            Service.objects.filter(support_calendar__isnull=False)
            .values("support_calendar")
            .annotate(n=Count("pk"))
            .order_by("-n", "support_calendar")
            .values_list("support_calendar", flat=True)
            .first()
        )
        if found is None:
            return None
    return calendar_specs([found]).get(found)
