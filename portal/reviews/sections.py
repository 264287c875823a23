"""A review's service sections, read for all its services at once: a service's review is one
section; a business unit's an overview row per service it uses (document.ServiceRow) and a
section for each it needs to discuss (unit_overview); in the same number of queries whatever
their number (about 25 per time zone among the services; almost always one zone).

Each part comes from the selector that already answers it, in its batched form (so a review never
disagrees with the scorecard, the SLA page or the feedback pages):

- what was agreed: catalog.selectors.agreement_list (the versions in force) with their targets
  and measures in plain words (catalog.selectors.target_field_text, catalog.measure_text);
- SLA attainment per priority: sla.selectors.attainment_by_service over the period (for a
  unit, of the tickets raised by or for it, against its agreement's objectives);
- each measure against target: sla.scorecard_selectors.service_scorecards as of the period's end;
- commitments: sla.commitment_selectors.commitment_list (scoped), read by outcomes.py;
- survey scores: feedback.selectors.service_feedback_summaries, top themes:
  feedback.top_themes.service_top_themes, the perception gap:
  feedback.perception_selectors.service_perceptions;
- the breached tickets behind a miss: sla.selectors.ticket_list (scoped), the first few per
  service (a window function);
- green outside, red inside (issue 11 §8): feedback.experience.selectors.watermelons.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Window, prefetch_related_objects
from django.db.models.functions import RowNumber

from catalog import selectors as catalog_selectors
from catalog.measure_text import target_text
from catalog.models import Agreement, AgreementStatus, BusinessUnit, Measure, Priority, Service, UrgencyTarget
from config.ops.collector import cycle_collector_paused
from feedback.experience.selectors import watermelons
from feedback.perception import quarter_start
from feedback.perception_selectors import service_perceptions
from feedback.selectors import service_feedback_summaries
from feedback.top_themes import service_top_themes
from portal.reviews import outcomes
from portal.reviews.document import (
    AgreedTerms,
    CommitmentLine,
    MeasureOutcome,
    Miss,
    ServiceRow,
    ServiceSection,
    ThemeLine,
)
from portal.reviews.periods import Period
from sla import scorecard as card
from sla.commitment_selectors import commitment_list
from sla.commitments import local_date
from sla.models import Clock, ClockState, CommitmentOutcome, Renegotiation
from sla.scorecard_selectors import service_scorecards
from sla.selectors import attainment_by_service, service_time_zone, ticket_list

TOP_THEMES = 3
BREACHES_LISTED = 10
JUST_BEFORE = timedelta(microseconds=1)
# What a review reads of an agreement in force (_agreed_terms, the page, PDF and API): any other
# field would be one query per agreement (the pinned query counts would catch it).
AGREEMENT_FIELDS = (
    "id",
    "service",
    "business_unit",
    "business_unit__name",
    "version",
    "status",
    "effective_from",
    "review_by",
)


def service_sections(
    *, user, services: Sequence[Service], unit: BusinessUnit | None, period: Period, now: datetime
) -> tuple[ServiceSection, ...]:
    """One section per service of `services` (read through the scoped selectors, with their
    support calendars), in their order; with `unit`, the agreements, commitments and tickets for
    that unit (or for all units)."""
    _rows, sections = _read(user=user, services=services, unit=unit, period=period, now=now, open_actions=None)
    return sections


def unit_overview(
    *, user, services: Sequence[Service], unit: BusinessUnit, period: Period, now: datetime, open_actions: dict
) -> tuple[tuple[ServiceRow, ...], tuple[ServiceSection, ...]]:
    """A unit's review: one overview row per service (in their order), and a full section only for
    those it needs to discuss (ServiceRow.discussed: a missed target or measure, a late or
    renegotiated commitment, a watermelon flag, or open actions, `open_actions`: service id ->
    count). The rows come from the reads every section needs; what only a full section shows
    (its agreed terms in words, themes, perception gap, breached tickets) is read for the
    discussed services alone."""
    return _read(user=user, services=services, unit=unit, period=period, now=now, open_actions=open_actions)


def _read(*, user, services, unit, period, now, open_actions: dict | None):
    by_zone: dict[str, list[Service]] = defaultdict(list)
    for service in services:
        by_zone[service_time_zone(service)].append(service)
    rows: dict[int, ServiceRow] = {}
    found: dict[int, ServiceSection] = {}
    # Thousands of short-lived rows and dataclasses, no cycles: the collector's full-heap walks
    # were a quarter of a 172-service unit's reading (config/ops/collector.py).
    with cycle_collector_paused():
        for zone, group in sorted(by_zone.items()):
            zone_rows, zone_sections = _zone_sections(
                user=user, services=group, unit=unit, period=period, now=now, time_zone=zone, open_actions=open_actions
            )
            rows |= zone_rows
            found |= zone_sections
    return (
        tuple(rows[s.pk] for s in services if s.pk in rows),
        tuple(found[s.pk] for s in services if s.pk in found),
    )


def _zone_sections(
    *,
    user,
    services: list[Service],
    unit: BusinessUnit | None,
    period: Period,
    now: datetime,
    time_zone: str,
    open_actions: dict | None,
) -> tuple[dict[int, ServiceRow], dict[int, ServiceSection]]:
    """The rows (with `open_actions`, else none) and sections of services in one time zone (their
    periods share bounds): with rows, sections only for the services to discuss."""
    ids = [s.pk for s in services]
    start, end = period.bounds(time_zone)
    as_of = min(now, end - JUST_BEFORE)
    today = local_date(now, time_zone)

    agreements = _agreements(user=user, service_ids=ids, unit=unit)
    attainment = attainment_by_service(
        service_ids=ids, start=start, end=end, unit_id=unit.pk if unit is not None else None
    )
    # A section shows the measures of the versions it shows: no scorecard to read without any.
    measured = [s for s in services if any(a.has_measures for a in agreements.get(s.pk, ()))]
    scorecards = service_scorecards(services=measured, now=as_of) if measured else {}
    commitments = _commitments(user=user, service_ids=ids, unit=unit, period=period, time_zone=time_zone, today=today)
    summaries = service_feedback_summaries(services=services, now=as_of, period=period.kind, count=1)
    # The watermelon's happiness and lost time from the same answers as the survey scores.
    melons = watermelons(
        service_ids=ids, start=start, end=end, surveys={pk: summary.current for pk, summary in summaries.items()}
    )

    read = {}
    for service in services:
        in_force = {a.pk for a in agreements.get(service.pk, [])}
        card_of = scorecards.get(service.pk)
        read[service.pk] = (
            tuple(outcomes.attainment_by_priority(attainment[service.pk])),
            tuple(
                MeasureOutcome(m, tuple(p for p in m.history if p.start < end and p.end > start))
                for f in (card_of.factors if card_of else ())
                for m in f.measures
                if m.agreement.pk in in_force
            ),
            commitments.get(service.pk, ([], [])),
        )
    rows = {}
    if open_actions is not None:
        for service in services:
            attained, measures, (lines, _following) = read[service.pk]
            rows[service.pk] = _row(
                service,
                attained,
                measures,
                lines,
                summaries[service.pk].current,
                melons[service.pk],
                open_actions.get(service.pk, 0),
            )
        services = [s for s in services if rows[s.pk].discussed]
        ids = [s.pk for s in services]
    if not services:
        return rows, {}
    themes = service_top_themes(services=services, now=as_of, period=period.kind, limit=TOP_THEMES)
    perceptions = service_perceptions(services=services, quarter=quarter_start(period.start))
    breached = _breaches(user=user, service_ids=ids, unit=unit, start=start, end=end)
    _with_terms([a for service in services for a in agreements.get(service.pk, [])])

    found = {}
    for service in services:
        rows_of, measures, (lines, following) = read[service.pk]
        found[service.pk] = ServiceSection(
            service=service,
            time_zone=time_zone,
            agreed=tuple(_agreed_terms(a) for a in agreements.get(service.pk, [])),
            attainment=rows_of,
            measures=measures,
            commitments=tuple(lines),
            commitments_next=tuple(following),
            feedback=summaries[service.pk].current,
            themes=tuple(ThemeLine(t.name, t.comments, t.share, t.average) for t in themes[service.pk]),
            perception=perceptions[service.pk],
            misses=_misses(rows_of, measures, lines, breached.get(service.pk, [])),
            breaches=sum(row.breached for row in rows_of),
            watermelon=melons[service.pk],
        )
    return rows, found


def _row(service, attained, measures, lines, feedback, melon, open_actions: int) -> ServiceRow:
    kinds = [line.reading.kind for line in lines]
    statuses = [m.status for m in measures]
    return ServiceRow(
        service=service,
        attainment=attained,
        measures_met=statuses.count(card.MET),
        measures_missed=statuses.count(card.MISSED),
        measures=len(statuses),
        delivered=kinds.count(outcomes.DELIVERED),
        late=kinds.count(outcomes.LATE) + kinds.count(outcomes.MISSED),
        # moved in the period: still open, or delivered on time after the move
        renegotiated=sum(
            line.reading.kind == outcomes.RENEGOTIATED
            or (line.reading.kind == outcomes.DELIVERED and bool(line.reading.reasons))
            for line in lines
        ),
        feedback=feedback,
        watermelon=melon,
        open_actions=open_actions,
    )


def _agreements(*, user, service_ids: list[int], unit: BusinessUnit | None) -> dict[int, list[Agreement]]:
    """Service id -> the versions in force it may read (for `unit` or all units), each with
    `has_measures`: one query. Their targets and measures are read by _with_terms, only for the
    services shown in full."""
    audience = Q(business_unit__isnull=True) | Q(business_unit=unit) if unit is not None else Q()
    found: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in (
        catalog_selectors.agreement_list(user=user)
        .select_related(None)
        .select_related("business_unit")  # all a section shows of an agreement beside its own fields
        # and of those only these: a unit's 172 rows built some 28 fields each (9 datetimes, a JSON)
        .only(*AGREEMENT_FIELDS)
        .filter(audience, service_id__in=service_ids, status=AgreementStatus.AGREED)
        .annotate(has_measures=Exists(Measure.objects.filter(agreement=OuterRef("pk"))))
        .order_by("business_unit__name", "version")
    ):
        found[agreement.service_id].append(agreement)
    return found


def _with_terms(agreements: list[Agreement]) -> None:
    """Read the agreements' targets and measures, in order: two queries."""
    prefetch_related_objects(
        agreements,
        Prefetch("urgency_targets", queryset=UrgencyTarget.objects.select_related("calendar").order_by("priority")),
        Prefetch("measures", queryset=Measure.objects.order_by("position", "name", "pk")),
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


def _commitments(*, user, service_ids: list[int], unit, period: Period, time_zone: str, today: date):
    """Service id -> (this period's commitments, read; those due in the next), for services of
    one time zone: one query and a prefetch."""
    following = period.following()
    start, end = period.bounds(time_zone)
    in_period = (
        Q(due_on__gte=period.start, due_on__lt=period.end)
        | Q(closed_on__gte=period.start, closed_on__lt=period.end)
        | Exists(Renegotiation.objects.filter(commitment=OuterRef("pk"), at__gte=start, at__lt=end))
    )
    due_next = Q(outcome=CommitmentOutcome.OPEN, due_on__gte=following.start, due_on__lt=following.end)
    found = commitment_list(user=user).filter(service_id__in=service_ids).filter(in_period | due_next)
    if unit is not None:
        found = found.filter(Q(business_unit__isnull=True) | Q(business_unit=unit))
    # A review reads a commitment's own fields and its renegotiations: not the relations and
    # check-ins a commitment list shows.
    found = (
        found.select_related(None)
        .prefetch_related(None)
        .prefetch_related(Prefetch("renegotiations", queryset=Renegotiation.objects.order_by("at", "pk")))
        .distinct()
    )
    result: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for commitment in found:
        lines, following_due = result[commitment.service_id]
        if commitment.due_on >= period.end and not _touched(commitment, period, start, end):
            following_due.append(commitment)
            continue
        facts = outcomes.CommitmentFacts(
            outcome=commitment.outcome,
            due_on=commitment.due_on,
            closed_on=commitment.closed_on,
            closing_note=commitment.closing_note,
            renegotiations=[
                (local_date(r.at, time_zone), r.old_due_on, r.new_due_on, r.reason)
                for r in commitment.renegotiations.all()
            ],
        )
        lines.append(
            CommitmentLine(
                commitment, outcomes.commitment_reading(facts, start=period.start, end=period.end, today=today)
            )
        )
    return result


def _touched(commitment, period: Period, start: datetime, end: datetime) -> bool:
    closed = commitment.closed_on is not None and period.start <= commitment.closed_on < period.end
    return closed or any(start <= r.at < end for r in commitment.renegotiations.all())


def _breaches(*, user, service_ids: list[int], unit, start: datetime, end: datetime) -> dict[int, list[Clock]]:
    """Service id -> the first few clocks whose breach counts in the period (as attainment
    counts them: stopped in it, or still running and breached in it; for a unit, of its own
    tickets), with their tickets, among the tickets `user` may see. One query (a row number per service)."""
    tickets = ticket_list(user=user).filter(service_id__in=service_ids)
    if unit is not None:  # the unit's own tickets, as its attainment counts them
        tickets = tickets.filter(business_unit=unit)
    in_period = Q(stopped_at__gte=start, stopped_at__lt=end) | Q(
        stopped_at__isnull=True, breached_at__gte=start, breached_at__lt=end
    )
    order = [F(name).asc() for name in ("priority", "breached_at", "pk")]
    clocks = (
        Clock.objects.filter(in_period, ticket__in=tickets.order_by().values("pk"), state=ClockState.BREACHED)
        .annotate(place=Window(RowNumber(), partition_by=[F("ticket__service_id")], order_by=order))
        .filter(place__lte=BREACHES_LISTED)
        .select_related("ticket")
        .order_by(*order)
    )
    found: dict[int, list[Clock]] = defaultdict(list)
    for clock in clocks:
        found[clock.ticket.service_id].append(clock)
    return found


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
