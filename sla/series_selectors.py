"""Series for charts of how a service keeps its targets: attainment per month and priority
against the agreed objective, and open and at-risk tickets day by day. Reads only; the charts'
words and shapes are the portal's (portal/charts.py).

Queries, whatever the number of tickets or months: attainment two (the clocks grouped by month
and priority, the objectives), ticket load two (the tickets open at some point of the window,
their clocks that were warned or breached).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth

from catalog.models import AgreementStatus, Service, UrgencyTarget
from sla.models import ACTIVE_TICKET_STATES, Clock, ClockState, Ticket
from sla.periods import MONTH, period_bounds, period_label, previous_periods

Bounds = tuple[datetime, datetime]


@dataclass(frozen=True)
class MonthOutcome:
    met: int
    breached: int

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None


@dataclass(frozen=True)
class PriorityTrack:
    priority: int
    objective_percent: float | None  # the highest objective agreed for it, as sla.selectors does
    months: tuple[MonthOutcome, ...]  # oldest first, like AttainmentSeries.months


@dataclass(frozen=True)
class AttainmentSeries:
    months: tuple[Bounds, ...]  # oldest first, the month in progress last
    labels: tuple[str, ...]
    tracks: tuple[PriorityTrack, ...]  # by priority, 1 first

    @property
    def has_outcomes(self) -> bool:
        return any(m.total for t in self.tracks for m in t.months)


def month_windows(*, now: datetime, time_zone: str, count: int) -> list[Bounds]:
    """The month in progress and the `count - 1` before it, oldest first."""
    return [*reversed(previous_periods(MONTH, now, time_zone, count - 1)), period_bounds(MONTH, now, time_zone)]


def monthly_attainment(*, service: Service, now: datetime, time_zone: str, months: int = 12) -> AttainmentSeries:
    """Per priority and month: the clocks (of every kind) that met their target, or missed it,
    in that month, counted as sla.selectors.service_attainment counts one period: a clock
    counts in the month it stopped (met or breached), or, still running, the month it breached.
    Priorities with an objective but no outcome yet are included (a flat line of no data)."""
    windows = month_windows(now=now, time_zone=time_zone, count=months)
    since, until = windows[0][0], windows[-1][1]
    zone = ZoneInfo(time_zone)
    outcome = Q(stopped_at__gte=since, stopped_at__lt=until, state__in=[ClockState.MET, ClockState.BREACHED]) | Q(
        stopped_at__isnull=True, state=ClockState.BREACHED, breached_at__gte=since, breached_at__lt=until
    )
    rows = (
        Clock.objects.filter(ticket__service=service)
        .filter(outcome)
        .annotate(month=TruncMonth(Coalesce("stopped_at", "breached_at"), tzinfo=zone))
        .values("month", "priority")
        .annotate(
            met=Count("pk", filter=Q(state=ClockState.MET)),
            breached=Count("pk", filter=Q(state=ClockState.BREACHED)),
        )
        .order_by()
    )
    index = {start.astimezone(zone).date(): i for i, (start, _) in enumerate(windows)}
    counts: dict[int, list[MonthOutcome]] = {}
    for row in rows:
        slot = index.get(row["month"].astimezone(zone).date())
        if slot is None:
            continue
        track = counts.setdefault(row["priority"], [MonthOutcome(0, 0)] * len(windows))
        before = track[slot]
        track[slot] = MonthOutcome(before.met + row["met"], before.breached + row["breached"])
    objectives: dict[int, float] = {}
    for priority, objective in UrgencyTarget.objects.filter(
        agreement__service=service, agreement__status=AgreementStatus.AGREED
    ).values_list("priority", "objective_percent"):
        objectives[priority] = max(objectives.get(priority, 0), float(objective))
    tracks = tuple(
        PriorityTrack(
            priority=priority,
            objective_percent=objectives.get(priority),
            months=tuple(counts.get(priority, [MonthOutcome(0, 0)] * len(windows))),
        )
        for priority in sorted(set(counts) | set(objectives))
    )
    return AttainmentSeries(
        months=tuple(windows),
        labels=tuple(period_label(MONTH, start, time_zone) for start, _ in windows),
        tracks=tracks,
    )


# --- Open and at-risk tickets over time ------------------------------------------------------


@dataclass(frozen=True)
class TicketLoadSeries:
    moments: tuple[datetime, ...]  # the end of each local day, `now` for today; oldest first
    labels: tuple[str, ...]  # "4 Dec"
    open: tuple[int, ...]
    at_risk: tuple[int, ...]  # open tickets with a clock past its first warning, or breached


def day_ends(*, now: datetime, time_zone: str, days: int) -> list[datetime]:
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    ends = []
    for back in range(days - 1, 0, -1):
        day = today - timedelta(days=back)
        ends.append(datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1))
    ends.append(now)
    return ends


def ticket_load(*, tickets: QuerySet[Ticket], now: datetime, time_zone: str, days: int = 30) -> TicketLoadSeries:
    """How many of `tickets` (a queryset already scoped to who asks) were open at the end of
    each of the last `days` days, and how many of those were at risk then. A ticket is open from
    `opened_at` until it was resolved (or closed, or cancelled without either, when it was last
    changed). At risk from the moment its first warning share was due (sla.clocks records when
    each share is reached) or it breached, until the clock stopped."""
    ends = day_ends(now=now, time_zone=time_zone, days=days)
    window_start = ends[0] - timedelta(days=1)
    overlapping = tickets.filter(opened_at__lte=now).filter(
        Q(state__in=ACTIVE_TICKET_STATES)
        | Q(resolved_at__gte=window_start)
        | Q(closed_at__gte=window_start)
        # cancelled without a resolution: until it was last changed
        | Q(resolved_at__isnull=True, closed_at__isnull=True, updated_at__gte=window_start)
    )
    spans: dict[int, tuple[datetime, datetime | None]] = {}
    for pk, opened, resolved, closed, updated, state in overlapping.values_list(
        "pk", "opened_at", "resolved_at", "closed_at", "updated_at", "state"
    ):
        ended = resolved or closed or (None if state in ACTIVE_TICKET_STATES else updated)
        spans[pk] = (opened, ended)
    risks: list[tuple[int, datetime, datetime | None]] = []
    clocks = Clock.objects.filter(ticket__in=overlapping.values("pk"), started_at__lte=now).filter(
        Q(stopped_at__isnull=True) | Q(stopped_at__gte=window_start)
    )
    for ticket_id, stopped, breached, due, shares in clocks.values_list(
        "ticket_id", "stopped_at", "breached_at", "due_at", "warning_shares"
    ):
        moments = [m for m in (breached, due, _first_warning(shares)) if m is not None]
        if moments:
            risks.append((ticket_id, min(moments), stopped))
    open_counts, risk_counts = [], []
    for moment in ends:
        open_now = {pk for pk, (opened, ended) in spans.items() if opened <= moment and _after(ended, moment)}
        at_risk = {pk for pk, since, stopped in risks if pk in open_now and since <= moment and _after(stopped, moment)}
        open_counts.append(len(open_now))
        risk_counts.append(len(at_risk))
    zone = ZoneInfo(time_zone)
    labels = tuple(f"{(m - timedelta(microseconds=1)).astimezone(zone):%-d %b}" for m in ends)
    return TicketLoadSeries(moments=tuple(ends), labels=labels, open=tuple(open_counts), at_risk=tuple(risk_counts))


def _after(moment: datetime | None, instant: datetime) -> bool:
    """Not yet happened at `instant` (None: not happened at all)."""
    return moment is None or moment > instant


def _first_warning(shares) -> datetime | None:
    instants = [at for _share, at in (shares or []) if at]
    if not instants:
        return None
    return min(datetime.fromisoformat(at) for at in instants)
