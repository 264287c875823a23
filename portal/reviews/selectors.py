"""Reads of a review: the document, assembled from the selectors that already answer each part
(nothing here re-derives a verdict):

- what was agreed: catalog.selectors.agreement_list (the versions in force) with their targets
  and measures in plain words (catalog.selectors.target_field_text, catalog.measure_text);
- SLA attainment per priority: sla.selectors.service_attainment over the period;
- each measure against target: sla.scorecard_selectors.service_scorecard as of the period's end;
- commitments: sla.commitment_selectors.commitment_list (scoped), read by outcomes.py;
- survey scores: feedback.selectors.service_feedback_summary, top themes:
  feedback.theme_selectors.service_theme_overview, the perception gap:
  feedback.perception_selectors.service_perception;
- the breached tickets behind a miss: sla.selectors.ticket_list (scoped);
- green outside, red inside (issue 11 §8): feedback.experience.selectors.watermelon_for_service.

A period still in progress is read "so far" (as of now). Queries: a service's document about 25
whatever its size; a unit's the same per service it uses (see docs/reviews.md and
bench/reviews.py for the pinned numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from catalog import rules as access
from catalog import selectors as catalog_selectors
from catalog.measure_text import target_text
from catalog.models import Agreement, AgreementStatus, BusinessUnit, Measure, Priority, Service, UrgencyTarget
from feedback.experience.selectors import watermelon_for_service
from feedback.perception import quarter_start
from feedback.perception_selectors import service_perception
from feedback.selectors import service_feedback_summary
from feedback.theme_selectors import service_theme_overview
from portal.reviews import outcomes
from portal.reviews.document import (
    ActionLine,
    AgreedTerms,
    CommitmentLine,
    MeasureOutcome,
    Miss,
    ReviewDocument,
    ServiceSection,
    ThemeLine,
)
from portal.reviews.models import Review, ReviewAction
from portal.reviews.periods import MONTH, QUARTER, Period, period_of
from portal.reviews.sections import service_sections
from sla import scorecard as card
from sla.commitment_selectors import commitment_list
from sla.commitments import local_date
from sla.models import CheckIn, Clock, ClockState, CommitmentOutcome, Renegotiation
from sla.scorecard_selectors import service_scorecard
from sla.selectors import service_attainment, service_time_zone, ticket_list

TOP_THEMES = 3
BREACHES_LISTED = 10
_JUST_BEFORE = timedelta(microseconds=1)


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
    section = _section(user=user, service=service, unit=None, period=period, now=now)
    return _document(subject=service, is_unit=False, period=period, now=now, sections=(section,), tz=section.time_zone)


def unit_review(*, user, unit: BusinessUnit, period: Period, now: datetime) -> ReviewDocument:
    """The review of `unit` (read through unit_review_units) across the services it uses that
    `user` may see, each with the agreements and commitments for the unit (or for all units)."""
    services = service_review_services(user=user).filter(business_units=unit).order_by("name")
    sections = service_sections(
        user=user, services=list(services.select_related("support_calendar")), unit=unit, period=period, now=now
    )
    return _document(subject=unit, is_unit=True, period=period, now=now, sections=sections, tz=settings.TIME_ZONE)


def _document(*, subject, is_unit: bool, period: Period, now: datetime, sections, tz: str) -> ReviewDocument:
    _start, end = period.bounds(tz)
    today = local_date(now, tz)
    reviews = {r.period_start: r for r in _reviews_of(subject, is_unit, period)}
    review = reviews.get(period.start)
    previous = period.previous()
    return ReviewDocument(
        subject=subject,
        is_unit=is_unit,
        period=period,
        as_of=min(now, end - _JUST_BEFORE),
        so_far=now < end,
        sections=sections,
        review=review,
        actions=_action_lines(review, today),
        previous_actions=_action_lines(reviews.get(previous.start), today),
        previous_period=previous,
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


def _section(*, user, service: Service, unit: BusinessUnit | None, period: Period, now: datetime) -> ServiceSection:
    time_zone = service_time_zone(service)
    start, end = period.bounds(time_zone)
    as_of = min(now, end - _JUST_BEFORE)
    today = local_date(now, time_zone)
    audience = Q(business_unit__isnull=True) | Q(business_unit=unit) if unit is not None else Q()

    agreements = list(
        catalog_selectors.agreement_list(user=user)
        .filter(audience, service=service, status=AgreementStatus.AGREED)
        .prefetch_related(
            Prefetch("urgency_targets", queryset=UrgencyTarget.objects.select_related("calendar").order_by("priority")),
            Prefetch("measures", queryset=Measure.objects.order_by("position", "name", "pk")),
        )
        .order_by("business_unit__name", "version")
    )
    agreed = tuple(_agreed_terms(a) for a in agreements)
    in_force = {a.pk for a in agreements}

    attainment = tuple(outcomes.attainment_by_priority(service_attainment(service=service, start=start, end=end)))
    scorecard = service_scorecard(service=service, now=as_of)
    measures = tuple(
        MeasureOutcome(m, tuple(p for p in m.history if p.start < end and p.end > start))
        for f in scorecard.factors
        for m in f.measures
        if m.agreement.pk in in_force
    )
    lines, following = _commitments(user=user, service=service, unit=unit, period=period, today=today)
    summary = service_feedback_summary(user=user, service=service, now=as_of, period=period.kind, count=2, ranked=False)
    themes = service_theme_overview(service=service, now=as_of, period=period.kind, count=2)
    theme_lines = sorted(
        (
            ThemeLine(row.theme.name, row.periods[-1].comments, row.periods[-1].share, row.periods[-1].average)
            for row in themes.rows
            if row.periods[-1].comments
        ),
        key=lambda t: (-t.comments, t.name),
    )[:TOP_THEMES]
    perception = service_perception(service=service, quarter=quarter_start(period.start), now=as_of)
    breached = _breaches(user=user, service=service, unit=unit, start=start, end=end)
    return ServiceSection(
        service=service,
        time_zone=time_zone,
        agreed=agreed,
        attainment=attainment,
        measures=measures,
        commitments=tuple(lines),
        commitments_next=tuple(following),
        feedback=summary.current,
        themes=tuple(theme_lines),
        perception=perception,
        misses=_misses(attainment, measures, lines, breached),
        breaches=sum(row.breached for row in attainment),
        watermelon=watermelon_for_service(service=service, start=start, end=end),
    )


def _agreed_terms(agreement: Agreement) -> AgreedTerms:
    targets = tuple(
        (
            Priority(t.priority).label,
            f"engage within {catalog_selectors.target_field_text(t, 'engage_within')}, "
            f"update every {catalog_selectors.target_field_text(t, 'update_every')}, "
            f"resolve within {catalog_selectors.target_field_text(t, 'resolve_within')}; "
            f"{catalog_selectors.target_field_text(t, 'objective_percent')} of tickets on time",
        )
        for t in agreement.urgency_targets.all()
    )
    measures = tuple((m.name, m.description, target_text(m)) for m in agreement.measures.all())
    audience = agreement.business_unit.name if agreement.business_unit_id else "All business units"
    return AgreedTerms(agreement=agreement, audience=audience, targets=targets, measures=measures)


def _commitments(*, user, service: Service, unit, period: Period, today: date):
    """This period's commitments (due, closed or renegotiated in it) and those due in the next:
    one query and two prefetches."""
    following = period.following()
    start, end = period.bounds(service_time_zone(service))
    in_period = (
        Q(due_on__gte=period.start, due_on__lt=period.end)
        | Q(closed_on__gte=period.start, closed_on__lt=period.end)
        | Exists(Renegotiation.objects.filter(commitment=OuterRef("pk"), at__gte=start, at__lt=end))
    )
    due_next = Q(outcome=CommitmentOutcome.OPEN, due_on__gte=following.start, due_on__lt=following.end)
    found = commitment_list(user=user).filter(service=service).filter(in_period | due_next)
    if unit is not None:
        found = found.filter(Q(business_unit__isnull=True) | Q(business_unit=unit))
    found = (
        found.prefetch_related(None)
        .prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.only("commitment_id", "at", "percent_done")),
            Prefetch("renegotiations", queryset=Renegotiation.objects.order_by("at", "pk")),
        )
        .distinct()
    )
    lines, following_due = [], []
    zone = service_time_zone(service)
    for commitment in found:
        if commitment.due_on >= period.end and not _touched(commitment, period, start, end):
            following_due.append(commitment)
            continue
        facts = outcomes.CommitmentFacts(
            outcome=commitment.outcome,
            due_on=commitment.due_on,
            closed_on=commitment.closed_on,
            closing_note=commitment.closing_note,
            renegotiations=[
                (local_date(r.at, zone), r.old_due_on, r.new_due_on, r.reason) for r in commitment.renegotiations.all()
            ],
        )
        lines.append(
            CommitmentLine(
                commitment, outcomes.commitment_reading(facts, start=period.start, end=period.end, today=today)
            )
        )
    return lines, following_due


def _touched(commitment, period: Period, start: datetime, end: datetime) -> bool:
    closed = commitment.closed_on is not None and period.start <= commitment.closed_on < period.end
    return closed or any(start <= r.at < end for r in commitment.renegotiations.all())


def _breaches(*, user, service: Service, unit, start: datetime, end: datetime) -> list[Clock]:
    """The first few clocks whose breach counts in the period (as service_attainment counts
    them: stopped in it, or still running and breached in it), with their tickets, among the
    tickets `user` may see."""
    tickets = ticket_list(user=user).filter(service=service)
    if unit is not None:
        tickets = tickets.filter(Q(business_unit__isnull=True) | Q(business_unit=unit))
    in_period = Q(stopped_at__gte=start, stopped_at__lt=end) | Q(
        stopped_at__isnull=True, breached_at__gte=start, breached_at__lt=end
    )
    clocks = Clock.objects.filter(in_period, ticket__in=tickets.values("pk"), state=ClockState.BREACHED)
    return list(clocks.select_related("ticket").order_by("priority", "breached_at", "pk")[:BREACHES_LISTED])


def _misses(
    attainment: Sequence[outcomes.PriorityAttainment],
    measures: Sequence[MeasureOutcome],
    commitments: Sequence[CommitmentLine],
    breached: Sequence[Clock],
) -> tuple[Miss, ...]:
    """Each miss with what caused it, in the words the data carries: the breached tickets behind
    a priority under its objective, the evaluation's reason, the owner's note or renegotiations."""
    misses = []
    for row in attainment:
        if row.on_track is False:
            tickets = tuple(
                f"{c.ticket.external_id}: {c.ticket.title or 'untitled'} ({c.get_kind_display().lower()} breached)"
                for c in breached
                if c.priority == row.priority
            )
            misses.append(
                Miss(
                    f"P{row.priority}: {row.percent}% on time against {row.objective_percent:g}% "
                    f"({row.breached} of {row.total} missed)",
                    tickets,
                )
            )
    for outcome in measures:
        if outcome.status == card.MISSED:
            misses.append(
                Miss(
                    f"{outcome.card.measure.name}: missed its target ({target_text(outcome.card.measure)})",
                    (outcome.card.reason,),
                )
            )
    for line in commitments:
        if line.reading.is_miss:
            misses.append(
                Miss(
                    f"Commitment “{line.commitment.title}”: {line.reading.label.lower()}",
                    line.reading.reasons or ("No reason recorded.",),
                )
            )
    return tuple(misses)


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
