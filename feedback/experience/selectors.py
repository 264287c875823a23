"""Reads of the experience behind the green: lost time per service and per business unit, and
the watermelon warning (feedback.experience.watermelon decides; this module only counts).

For the service review (portal/reviews/) and any page that judges one service over a month or
a quarter:

    from feedback.experience.selectors import watermelon_for_service
    found = watermelon_for_service(service=service, start=period_start, end=period_end)
    found.flagged, found.attainment, found.happiness, found.lost_time, found.reasons

Queries, whatever the number of services: `watermelons` four (clock outcomes grouped by service,
priority and kind; the agreed objectives; the responses grouped by service, counted as the
feedback summaries count them, feedback.answer_counts; the agreed feedback measures' targets),
three when given the services' survey summaries of the same period (a review reads them
anyway); `lost_time_by_service` and `lost_time_by_unit` one each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from catalog.models import AgreementStatus, Direction, Measure, MeasureSource, Service, UrgencyTarget
from feedback import scores
from feedback.answer_counts import ANSWER_COUNTS, LOST_COUNTS, lost_counts, period_answers
from feedback.experience import watermelon as melon
from feedback.experience.lost_time import (
    NO_LOST_TIME,
    RED_HOURS,
    CostedLostTime,
    LostTimeSummary,
    lost_time_summary,
)
from feedback.models import Response
from feedback.selectors import PeriodSummary, min_responses_setting
from sla.models import Clock, ClockState
from sla.selectors import clock_outcomes_between

DEFAULT_WINDOW_DAYS = 90
LOST_TIME_WINDOW = timedelta(days=365)
DEFAULT_RED_LINES = {scores.CSAT: 70.0, scores.NPS: 0.0, scores.CES: 4.0}


def hourly_cost_setting() -> Decimal | None:
    """settings.LOST_TIME_HOURLY_COST as money; None when 0 or unset (no cost shown)."""
    value = getattr(settings, "LOST_TIME_HOURLY_COST", 0) or 0
    return Decimal(str(value)).quantize(Decimal("0.01")) if value > 0 else None


def red_hours_setting() -> float:
    return float(getattr(settings, "LOST_TIME_RED_HOURS", RED_HOURS))


def red_lines_setting() -> dict[str, float]:
    return {
        kind: float(getattr(settings, f"WATERMELON_RED_{kind.upper()}", default))
        for kind, default in DEFAULT_RED_LINES.items()
    }


def lost_time_window(now: datetime) -> tuple[datetime, datetime]:
    """The last 12 months: lost time shown beside the annual cost of provision."""
    return now - LOST_TIME_WINDOW, now


def costed(found: dict[int, LostTimeSummary]) -> dict[int, CostedLostTime]:
    hourly = hourly_cost_setting()
    return {key: CostedLostTime(summary, hourly) for key, summary in found.items()}


def experience_window(now: datetime) -> tuple[datetime, datetime]:
    """The period the board and the homes judge: the last settings.WATERMELON_WINDOW_DAYS days."""
    days = int(getattr(settings, "WATERMELON_WINDOW_DAYS", DEFAULT_WINDOW_DAYS))
    return now - timedelta(days=days), now


def _ids(service_ids):
    """A queryset stays a subquery; anything else becomes a list."""
    return service_ids if isinstance(service_ids, QuerySet) else list(service_ids)


def _summaries(rows, key: str) -> dict[int, LostTimeSummary]:
    return {row[key]: lost_time_summary(lost_counts(row)) for row in rows}


def lost_time_by_service(
    *, service_ids: Iterable[int], start: datetime, end: datetime, business_unit_id: int | None = None
) -> dict[int, LostTimeSummary]:
    """Service id -> the lost time its responses of [start, end) report (only services with
    responses; of one business unit's people when `business_unit_id` is given). One query."""
    responses = Response.objects.filter(service_id__in=_ids(service_ids), submitted_at__gte=start, submitted_at__lt=end)
    if business_unit_id is not None:
        responses = responses.filter(business_unit_id=business_unit_id)
    rows = responses.exclude(lost_time="").values("service_id").annotate(**LOST_COUNTS).order_by()
    return _summaries(rows, "service_id")


def lost_time_by_unit(*, service_ids: Iterable[int], start: datetime, end: datetime) -> dict[int, LostTimeSummary]:
    """Business unit id -> the lost time its people report about `service_ids` in [start, end).
    One query."""
    rows = (
        Response.objects.filter(
            service_id__in=_ids(service_ids),
            submitted_at__gte=start,
            submitted_at__lt=end,
            business_unit__isnull=False,
        )
        .exclude(lost_time="")
        .values("business_unit_id")
        .annotate(**LOST_COUNTS)
        .order_by()
    )
    return _summaries(rows, "business_unit_id")


# --- The watermelon warning -------------------------------------------------------------------


def _outcomes(ids: list[int], start: datetime, end: datetime) -> dict[int, list[melon.Outcome]]:
    objectives: dict[tuple[int, int], float] = {}
    for service_id, priority, objective in UrgencyTarget.objects.filter(
        agreement__service_id__in=ids, agreement__status=AgreementStatus.AGREED
    ).values_list("agreement__service_id", "priority", "objective_percent"):
        key = (service_id, priority)
        objectives[key] = max(objectives.get(key, 0.0), float(objective))
    rows = (
        Clock.objects.filter(ticket__service_id__in=ids)
        .filter(clock_outcomes_between(start, end))
        .values("ticket__service_id", "priority", "kind")
        .annotate(
            met=Count("pk", filter=Q(state=ClockState.MET)),
            breached=Count("pk", filter=Q(state=ClockState.BREACHED)),
        )
        .order_by()
    )
    found: dict[int, list[melon.Outcome]] = defaultdict(list)
    for row in rows:
        service_id = row["ticket__service_id"]
        found[service_id].append(
            melon.Outcome(
                priority=row["priority"],
                kind=row["kind"],
                met=row["met"],
                breached=row["breached"],
                objective_percent=objectives.get((service_id, row["priority"])),
            )
        )
    return found


def _feedback(ids: list[int], start: datetime, end: datetime, guard: int):
    rows = (
        Response.objects.filter(service_id__in=ids, submitted_at__gte=start, submitted_at__lt=end)
        .values("service_id")
        .annotate(**ANSWER_COUNTS)
        .order_by()
    )
    values: dict[int, dict[str, float | None]] = {}
    lost: dict[int, LostTimeSummary] = {}
    for row in rows:
        answers = period_answers(row)
        values[row["service_id"]] = {
            kind: scores.score(kind, answers.answers[kind], min_responses=guard, interval=False).value
            for kind in scores.KINDS
        }
        lost[row["service_id"]] = answers.lost_time
    return values, lost


def _surveyed(summaries: Mapping[int, PeriodSummary], start: datetime, end: datetime):
    """_feedback's values and lost time from the services' survey summaries of [start, end) (the
    same answers, counted alike: a score's value does not depend on its interval)."""
    values: dict[int, dict[str, float | None]] = {}
    lost: dict[int, LostTimeSummary] = {}
    for service_id, summary in summaries.items():
        if (summary.start, summary.end) != (start, end):
            raise ValueError(f"service {service_id}'s survey summary is not of the watermelon's period")
        values[service_id] = {kind: summary.scores[kind].score.value for kind in scores.KINDS}
        lost[service_id] = summary.lost_time
    return values, lost


def _lines(ids: list[int]) -> dict[int, dict[str, melon.Line]]:
    defaults = {kind: melon.Line(red_below=line, agreed=False) for kind, line in red_lines_setting().items()}
    agreed: dict[int, dict[str, melon.Line]] = defaultdict(dict)
    for service_id, metric, target in Measure.objects.filter(
        agreement__service_id__in=ids,
        agreement__status=AgreementStatus.AGREED,
        source=MeasureSource.FEEDBACK,
        direction=Direction.HIGHER,
    ).values_list("agreement__service_id", "feedback_metric", "target"):
        if metric in defaults:
            current = agreed[service_id].get(metric)
            if current is None or float(target) > current.red_below:  # the strictest agreed target
                agreed[service_id][metric] = melon.Line(red_below=float(target), agreed=True)
    return {service_id: {**defaults, **agreed.get(service_id, {})} for service_id in ids}


def watermelons(
    *,
    service_ids: Iterable[int],
    start: datetime,
    end: datetime,
    surveys: Mapping[int, PeriodSummary] | None = None,
) -> dict[int, melon.Watermelon]:
    """Service id -> its three lights over [start, end), for every id given. Four queries; three
    with `surveys`, service id -> its survey summary of [start, end) (feedback.selectors
    PeriodSummary, read as of the period's end or now), for every id given."""
    ids = sorted(set(service_ids))
    if not ids:
        return {}
    guard = min_responses_setting()
    outcomes = _outcomes(ids, start, end)
    if surveys is None:
        values, lost = _feedback(ids, start, end, guard)
    else:
        values, lost = _surveyed({service_id: surveys[service_id] for service_id in ids}, start, end)
    lines = _lines(ids)
    red_hours = red_hours_setting()
    return {
        service_id: melon.watermelon(
            service_id=service_id,
            start=start,
            end=end,
            outcomes=outcomes.get(service_id, []),
            values=values.get(service_id, {}),
            lines=lines[service_id],
            lost=lost.get(service_id, NO_LOST_TIME),
            red_hours=red_hours,
            min_answers=guard,
        )
        for service_id in ids
    }


def watermelon_for_service(*, service: Service, start: datetime, end: datetime) -> melon.Watermelon:
    """One service's lights over [start, end) (a review's month or quarter). Four queries."""
    return watermelons(service_ids=[service.pk], start=start, end=end)[service.pk]
