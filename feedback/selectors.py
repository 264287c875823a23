"""Feedback scores per service and period (CSAT, NPS, CES), read in a few grouped queries; the
arithmetic is in feedback.scores (pure).

A service's summary covers its last `count` periods (week, month or quarter, in the service's
time zone; the current one so far last): per period and score the value, its confidence
interval, the number of answers, the service's rank among the services with enough answers
and the median across them; per period the response rate; per score the trend over the
finished periods.

Queries, whatever the size of the catalogue: the time zones of the services the user may see
(one), the answers of those services grouped by (service, period), one per time zone (almost
always one; counted as feedback.answer_counts defines, as the watermelon counts them), and the
invitations of the one service grouped by period (one). Ranks and medians come from the same
grouped answers, computed in Python without intervals.

The response rate of a period: the invitations sent in it that have been answered, over the
invitations sent in it (so a late answer counts for the period its invitation went out in, and
answers collected by another tool without an invitation do not inflate it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from catalog import selectors as catalog_selectors
from catalog.models import Service
from feedback import scores
from feedback.answer_counts import ANSWER_COUNTS, NO_ANSWERS, PeriodAnswers, period_answers
from feedback.experience.lost_time import NO_LOST_TIME, LostTimeSummary
from feedback.models import Invitation, Response
from sla.periods import MONTH, QUARTER, WEEK, period_bounds, period_label, previous_periods
from sla.selectors import service_time_zone

PERIODS = (WEEK, MONTH, QUARTER)
DEFAULT_PERIOD = QUARTER
DEFAULT_COUNT = 6  # the current period and the five before it
MIN_COUNT, MAX_COUNT = 2, 12

Bounds = tuple[datetime, datetime]


@dataclass(frozen=True)
class RankedScore:
    score: scores.Score
    rank: int | None  # 1 = best; None without enough answers
    ranked: int  # services with enough answers for this score in the period
    median: float | None  # across those services

    @property
    def rank_text(self) -> str:
        """ "3rd of 12 services"."""
        if self.rank is None:
            return ""
        return f"{scores.ordinal(self.rank)} of {self.ranked} service{'s' if self.ranked != 1 else ''}"


@dataclass(frozen=True)
class PeriodSummary:
    start: datetime
    end: datetime
    label: str
    current: bool  # the period in progress: its numbers are so far
    responses: int  # answers of any kind received in the period
    invitations_sent: int
    invitations_answered: int  # of those sent in the period
    scores: dict[str, RankedScore]
    lost_time: LostTimeSummary = NO_LOST_TIME  # the work time the period's answers say they lost

    @property
    def response_rate(self) -> float | None:
        """Percent of the invitations sent in the period that were answered; None if none went out."""
        return 100 * self.invitations_answered / self.invitations_sent if self.invitations_sent else None


@dataclass(frozen=True)
class ScoreTrack:
    """One score over the periods."""

    kind: str
    history: tuple[RankedScore, ...]  # oldest first, the current period last
    trend: str | None  # over the finished periods

    @property
    def current(self) -> RankedScore:
        return self.history[-1]

    @property
    def previous(self) -> RankedScore | None:
        return self.history[-2] if len(self.history) > 1 else None


@dataclass(frozen=True)
class FeedbackSummary:
    service: Service
    period: str
    time_zone: str
    computed_at: datetime
    min_responses: int
    confidence: float
    periods: tuple[PeriodSummary, ...]  # oldest first, the current period last
    tracks: tuple[ScoreTrack, ...]  # csat, nps, ces

    @property
    def current(self) -> PeriodSummary:
        return self.periods[-1]

    @property
    def has_responses(self) -> bool:
        return any(p.responses for p in self.periods)

    def track(self, kind: str) -> ScoreTrack:
        return next(t for t in self.tracks if t.kind == kind)


def min_responses_setting() -> int:
    """The low-volume guard: settings.FEEDBACK_MIN_RESPONSES, else 10."""
    return int(getattr(settings, "FEEDBACK_MIN_RESPONSES", scores.MIN_RESPONSES))


def period_windows(period: str, now: datetime, time_zone: str, count: int) -> list[Bounds]:
    """The current period and the `count - 1` before it, oldest first."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected week, month or quarter")
    if not MIN_COUNT <= count <= MAX_COUNT:
        raise ValueError(f"count must be between {MIN_COUNT} and {MAX_COUNT}")
    before = previous_periods(period, now, time_zone, count - 1)
    return [*reversed(before), period_bounds(period, now, time_zone)]


# --- The grouped queries -----------------------------------------------------------------------


def _slot(field: str, windows: list[Bounds]) -> Case:
    """Which of `windows` the row's `field` falls in (its index), else null."""
    return Case(
        *(
            When(**{f"{field}__gte": start, f"{field}__lt": end}, then=Value(i))
            for i, (start, end) in enumerate(windows)
        ),
        output_field=IntegerField(),
    )


def _in_zone(time_zone: str) -> Q:
    zone = Q(support_calendar__time_zone=time_zone)
    if time_zone == settings.TIME_ZONE:
        zone |= Q(support_calendar__isnull=True)
    return zone


def answers_by_service(
    *, services: QuerySet[Service], period: str, count: int, now: datetime
) -> dict[int, list[PeriodAnswers]]:
    """Service id -> its answers per period (oldest first), for the services of `services` that
    had any. One query for the time zones, one per time zone."""
    services = services.prefetch_related(None).order_by()
    zones = {z or settings.TIME_ZONE for z in services.values_list("support_calendar__time_zone", flat=True).distinct()}
    found: dict[int, list[PeriodAnswers]] = {}
    for zone in sorted(zones):
        windows = period_windows(period, now, zone, count)
        found.update(_answers_in(Q(service__in=services.filter(_in_zone(zone)).values("pk")), windows=windows, now=now))
    return found


def _answers_in(of_services: Q, *, windows: list[Bounds], now: datetime) -> dict[int, list[PeriodAnswers]]:
    """Service id -> its answers per window, for the services `of_services` selects that had
    any. One query."""
    found: dict[int, list[PeriodAnswers]] = {}
    rows = (
        Response.objects.filter(
            of_services,
            submitted_at__gte=windows[0][0],
            submitted_at__lt=windows[-1][1],
            submitted_at__lte=now,
        )
        .annotate(slot=_slot("submitted_at", windows))
        .values("service_id", "slot")
        .annotate(**ANSWER_COUNTS)
        .order_by()
    )
    for row in rows:
        periods = found.setdefault(row["service_id"], [NO_ANSWERS] * len(windows))
        periods[row["slot"]] = period_answers(row)
    return found


def invitations_by_period(*, service: Service, windows: list[Bounds], now: datetime) -> list[tuple[int, int]]:
    """(sent, answered) per window for invitations sent in it. One query."""
    return invitations_by_service(service_ids=[service.pk], windows=windows, now=now)[service.pk]


def invitations_by_service(
    *, service_ids: list[int], windows: list[Bounds], now: datetime
) -> dict[int, list[tuple[int, int]]]:
    """Service id -> (sent, answered) per window, for every id given. One query."""
    found = {pk: [(0, 0)] * len(windows) for pk in service_ids}
    rows = (
        Invitation.objects.filter(
            service_id__in=service_ids, sent_at__gte=windows[0][0], sent_at__lt=windows[-1][1], sent_at__lte=now
        )
        .annotate(slot=_slot("sent_at", windows))
        .values("service_id", "slot")
        .annotate(sent=Count("pk"), answered=Count("pk", filter=Q(responded_at__isnull=False)))
        .order_by()
    )
    for row in rows:
        found[row["service_id"]][row["slot"]] = (row["sent"], row["answered"])
    return found


# --- The summary ---------------------------------------------------------------------------------


def service_feedback_summary(
    *,
    user,
    service: Service,
    now: datetime,
    period: str = DEFAULT_PERIOD,
    count: int = DEFAULT_COUNT,
    min_responses: int | None = None,
    confidence: float = scores.CONFIDENCE,
    ranked: bool = True,
) -> FeedbackSummary:
    """`service`'s scores over its last `count` periods, ranked among the services `user` may
    see (catalog.selectors.service_list). `ranked=False` reads the one service's answers only
    (the ranks and medians are then of the service alone): for a review, which shows no rank."""
    guard = min_responses if min_responses is not None else min_responses_setting()
    time_zone = service_time_zone(service)
    windows = period_windows(period, now, time_zone, count)
    among = catalog_selectors.service_list(user=user) if ranked else Service.objects.filter(pk=service.pk)
    by_service = answers_by_service(services=among, period=period, count=count, now=now)
    return _summary(
        service,
        period=period,
        time_zone=time_zone,
        windows=windows,
        now=now,
        own=by_service.get(service.pk, [NO_ANSWERS] * count),
        others=_ranked_values(by_service, count=count, guard=guard),
        invitations=invitations_by_period(service=service, windows=windows, now=now),
        guard=guard,
        confidence=confidence,
    )


def service_feedback_summaries(
    *, services: list[Service], now: datetime, period: str = DEFAULT_PERIOD, count: int = DEFAULT_COUNT
) -> dict[int, FeedbackSummary]:
    """Service id -> its summary as service_feedback_summary(ranked=False) reads it (each service
    ranked alone), for services of one time zone: two queries whatever their number (a
    business unit's review). `count` 1: the current period alone (no trend), all a review shows."""
    guard = min_responses_setting()
    if not services:
        return {}
    zones = {service_time_zone(s) for s in services}
    if len(zones) != 1:
        raise ValueError("service_feedback_summaries reads services of one time zone")
    time_zone = zones.pop()
    if count < 1:
        raise ValueError("count must be at least 1")
    windows = period_windows(period, now, time_zone, max(count, MIN_COUNT))[-count:]
    ids = [s.pk for s in services]
    by_service = _answers_in(Q(service_id__in=ids), windows=windows, now=now)  # all in the one zone
    invitations = invitations_by_service(service_ids=ids, windows=windows, now=now)
    labels = [period_label(period, start, time_zone) for start, _ in windows]  # the same for every service
    found, unheard = {}, None
    for service in services:
        if service.pk not in by_service and not any(invitations[service.pk][i] != (0, 0) for i in range(count)):
            # No answer and no invitation: the same empty summary as any other such service's.
            if unheard is None:
                unheard = _summary(
                    service,
                    period=period,
                    time_zone=time_zone,
                    windows=windows,
                    now=now,
                    own=[NO_ANSWERS] * count,
                    others=None,
                    invitations=invitations[service.pk],
                    guard=guard,
                    confidence=scores.CONFIDENCE,
                    labels=labels,
                )
            found[service.pk] = replace(unheard, service=service)
            continue
        own = by_service.get(service.pk, [NO_ANSWERS] * count)
        found[service.pk] = _summary(
            service,
            period=period,
            time_zone=time_zone,
            windows=windows,
            now=now,
            own=own,
            others=None,
            invitations=invitations[service.pk],
            guard=guard,
            confidence=scores.CONFIDENCE,
            labels=labels,
        )
    return found


def _summary(
    service: Service,
    *,
    period: str,
    time_zone: str,
    windows: list[Bounds],
    now: datetime,
    own: list[PeriodAnswers],
    others: dict[tuple[int, str], list[float]] | None,
    invitations: list[tuple[int, int]],
    guard: int,
    confidence: float,
    labels: list[str] | None = None,
) -> FeedbackSummary:
    """`others` None: the service ranked alone (the values ranked are its own score, when it has
    one; what _ranked_values gives for it alone, without scoring its answers twice)."""
    count = len(windows)
    periods = []
    for i, (start, end) in enumerate(windows):
        ranked = {}
        for kind in scores.KINDS:
            one = scores.score(kind, own[i].answers[kind], min_responses=guard, confidence=confidence)
            alone = [one.value] if one.value is not None else []
            values = alone if others is None else others[(i, kind)]
            ranked[kind] = RankedScore(
                score=one,
                rank=scores.rank(one.value, values) if one.value is not None else None,
                ranked=len(values),
                median=scores.median(values),
            )
        periods.append(
            PeriodSummary(
                start=start,
                end=end,
                label=labels[i] if labels is not None else period_label(period, start, time_zone),
                current=i == count - 1,
                responses=own[i].responses,
                invitations_sent=invitations[i][0],
                invitations_answered=invitations[i][1],
                scores=ranked,
                lost_time=own[i].lost_time,
            )
        )
    tracks = tuple(
        ScoreTrack(
            kind=kind,
            history=tuple(p.scores[kind] for p in periods),
            trend=scores.trend(kind, [p.scores[kind].score.value for p in periods[:-1]]),
        )
        for kind in scores.KINDS
    )
    return FeedbackSummary(
        service=service,
        period=period,
        time_zone=time_zone,
        computed_at=now,
        min_responses=guard,
        confidence=confidence,
        periods=tuple(periods),
        tracks=tracks,
    )


def _ranked_values(
    by_service: dict[int, list[PeriodAnswers]], *, count: int, guard: int
) -> dict[tuple[int, str], list[float]]:
    """(period index, score) -> the values of the services with enough answers."""
    values: dict[tuple[int, str], list[float]] = defaultdict(list)
    for periods in by_service.values():
        for i, one in enumerate(periods):
            for kind in scores.KINDS:
                result = scores.score(kind, one.answers[kind], min_responses=guard, interval=False)
                if result.value is not None:
                    values[(i, kind)].append(result.value)
    for i in range(count):
        for kind in scores.KINDS:
            values.setdefault((i, kind), [])
    return values
