"""The sources of data points, each read through the grouped queries: measurements, ticket
clocks, tickets (for "owner within" measures) and survey responses. And the adding up of ticket
series (one per service, business unit and priority) into the series of one measure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Case, DurationField, F, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce

from catalog.models import FeedbackMetric, Measure
from sla.measure_data.grouped_queries import Variant, collect_series
from sla.measure_data.series import EMPTY, Series
from sla.measure_data.windows import Windows
from sla.models import Clock, ClockKind, ClockState, Ticket, TicketEvent, TicketState


def _condition_met() -> Q:
    """A data point meets its percentage measure's condition (the measure's own comparison)."""
    limit = F("condition_value")
    return (
        Q(condition="lt", val__lt=limit)
        | Q(condition="lte", val__lte=limit)
        | Q(condition="gt", val__gt=limit)
        | Q(condition="gte", val__gte=limit)
        | Q(condition="eq", val=limit)
    )


def measurement_series(measures: QuerySet[Measure], windows: Windows) -> dict[int, Series]:
    """Measure id -> its data points' series. `measures` are the group's manual and pushed
    measures; each reads its service's points of its key. One group at a time: a pass reads
    every group at once through all_groups.measurement_series_all, which the tests hold to
    these numbers."""
    points = "agreement__service__measurements__"
    qs = measures.filter(
        **{
            f"{points}measure_key": F("key"),
            f"{points}measured_at__gte": windows.earliest,
            f"{points}measured_at__lte": windows.now,
        }
    ).alias(at=F(f"{points}measured_at"), val=F(f"{points}value"))
    found = collect_series(
        qs,
        group_by=["pk"],
        windows=windows,
        variants={"m": Variant(ok=_condition_met())},
        has_value=True,
        quantiles=True,
    )
    return {key[0]: by_variant["m"] for key, by_variant in found.items()}


TicketKey = tuple[int, int | None, int | None]  # service, business unit, priority


def clock_series(service_ids: QuerySet, windows: Windows, *, kind: str) -> dict[TicketKey, Series]:
    """Clocks of one kind whose outcome fell in the windows: met or breached when they stopped,
    or breached while still running (as sla.selectors.service_attainment counts them). Engage
    clocks count once engaged (stopped), with their business hours as the value."""
    qs = Clock.objects.filter(
        kind=kind, ticket__service_id__in=service_ids, state__in=[ClockState.MET, ClockState.BREACHED]
    )
    if kind == ClockKind.ENGAGE:
        qs = qs.filter(stopped_at__isnull=False)
    qs = qs.alias(
        at=Coalesce("stopped_at", "breached_at"),
        val=Cast("elapsed_seconds", FloatField()) / Value(3600.0),
    ).filter(at__gte=windows.earliest, at__lte=windows.now)
    found = collect_series(
        qs,
        group_by=["ticket__service_id", "ticket__business_unit_id", "priority"],
        windows=windows,
        variants={"c": Variant(ok=Q(state=ClockState.MET))},
        has_value=kind == ClockKind.ENGAGE,
    )
    return {key: by_variant["c"] for key, by_variant in found.items()}


def owner_series(
    service_ids: QuerySet, windows: Windows, *, allowances: Sequence[timedelta]
) -> dict[timedelta, dict[TicketKey, Series]]:
    """Tickets opened in the windows (cancelled ones aside), per allowance: decided once they
    have an owner (their first `assigned` event) or the allowance has run out unassigned; met
    when the owner came within the allowance, in plain elapsed time."""
    first_owner = Subquery(
        TicketEvent.objects.filter(ticket=OuterRef("pk"), kind="assigned")
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    qs = (
        Ticket.objects.filter(service_id__in=service_ids)
        .exclude(state=TicketState.CANCELLED)
        .alias(at=F("opened_at"), first_owner=first_owner)
        .filter(at__gte=windows.earliest, at__lte=windows.now)
    )
    variants = {
        f"w{i}": Variant(
            decided=Q(first_owner__isnull=False) | Q(at__lte=windows.now - allowance),
            ok=Q(first_owner__lte=F("at") + Value(allowance, output_field=DurationField())),
        )
        for i, allowance in enumerate(allowances)
    }
    found = collect_series(
        qs, group_by=["service_id", "business_unit_id", "priority"], windows=windows, variants=variants, has_value=False
    )
    return {
        allowance: {key: by_variant[f"w{i}"] for key, by_variant in found.items()}
        for i, allowance in enumerate(allowances)
    }


def _feedback_value(points: str) -> Case:
    """A response's value for its measure's metric: the CSAT answer (1-5), +100, 0 or -100 for
    an NPS promoter, passive or detractor (so the mean of the values is the NPS), the CES
    answer (1-7)."""
    return Case(
        When(feedback_metric=FeedbackMetric.CSAT, then=Cast(f"{points}csat", FloatField())),
        When(Q(feedback_metric=FeedbackMetric.NPS, **{f"{points}nps__gte": 9}), then=Value(100.0)),
        When(Q(feedback_metric=FeedbackMetric.NPS, **{f"{points}nps__lte": 6}), then=Value(-100.0)),
        When(feedback_metric=FeedbackMetric.NPS, then=Value(0.0)),
        When(feedback_metric=FeedbackMetric.CES, then=Cast(f"{points}ces", FloatField())),
        output_field=FloatField(),
    )


def feedback_series(measures: QuerySet[Measure], windows: Windows) -> dict[int, Series]:
    """Measure id -> its series of survey answers (measures derived from feedback), read like
    `measurement_series`: one aggregate query for the group and one by local day. Each measure
    reads its service's responses that carry its metric's answer (a unit's agreement: that
    unit's responses only), at their submission time. CSAT is a percentage measure: a point
    meets the condition with a 4 or 5. NPS and CES are means: of +100/0/-100 per answer for
    NPS, of the answers for CES (feedback.scores has the same formulas, with intervals)."""
    points = "agreement__service__feedback_responses__"
    answered = Q()
    for metric in FeedbackMetric:
        answered |= Q(feedback_metric=metric, **{f"{points}{metric.value}__isnull": False})
    own_unit = Q(agreement__business_unit__isnull=True) | Q(**{f"{points}business_unit": F("agreement__business_unit")})
    qs = measures.filter(
        answered,
        own_unit,
        **{f"{points}submitted_at__gte": windows.earliest, f"{points}submitted_at__lte": windows.now},
    ).alias(at=F(f"{points}submitted_at"), val=_feedback_value(points))
    favourable = (
        Q(feedback_metric=FeedbackMetric.CSAT, val__gte=4)
        | Q(feedback_metric=FeedbackMetric.NPS, val__gte=100)
        | Q(feedback_metric=FeedbackMetric.CES, val__gte=5)
    )
    found = collect_series(qs, group_by=["pk"], windows=windows, variants={"f": Variant(ok=favourable)}, has_value=True)
    return {key[0]: by_variant["f"] for key, by_variant in found.items()}


def by_service(series: dict[TicketKey, Series]) -> dict[int, dict[TicketKey, Series]]:
    index: dict[int, dict[TicketKey, Series]] = defaultdict(dict)
    for key, one in series.items():
        index[key[0]][key] = one
    return index


def ticket_series_for(
    index: dict[int, dict[TicketKey, Series]], *, service_id: int, business_unit_id: int | None, priority: int | None
) -> Series:
    """A measure's tickets (from `by_service`): its service's, its unit's only when the
    agreement is a unit's, its priority's only when it names one."""
    total = EMPTY
    for (_, unit, ticket_priority), one in index.get(service_id, {}).items():
        if business_unit_id is not None and unit != business_unit_id:
            continue
        if priority is not None and ticket_priority != priority:
            continue
        total = total + one
    return total
