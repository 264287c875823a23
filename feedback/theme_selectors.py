"""Reads of comment themes: per theme and period, how many comments, their average score and the
trend; the topics discovered among the comments no theme caught, with example comments.

Who sees them (the same logic as `feedback.view_themes` in catalog/rules.py): admins every
service's; otherwise the service's owner (IT) and its business owner. Comments are the
customers' own words, so the members of the units served do not read them here.

Average score
-------------
Each response gets one score from 0 to 100, the mean of the answers it gave, each put on 0-100
by its scale: CSAT 1-5 as (answer - 1) * 25, NPS 0-10 as answer * 10, CES 1-7 as (answer - 1) *
100 / 6. So CSAT 4 is 75, NPS 7 is 70, CES 5 is 66.7; a response with CSAT 5 and NPS 6 scores
80. A theme's average score is the mean of its responses' scores. Responses that gave none of
the three (a relationship survey's factor ratings only) count in the number of comments but
not in the average. With fewer than MIN_SCORED scored responses in a period the average is not
given (too few to say).

Share and trend
---------------
A theme's share of a period is the percent of that period's comments it caught. The trends,
like the scores' (feedback.scores.trend), are the least-squares line through the finished
periods (the current one is partial): the share rises or falls when it moves more than
TREND_TOLERANCE points across them, the average score improves or worsens likewise; None with
fewer than two periods to go on (a period with fewer than MIN_SCORED comments, or scored
responses, does not count).

Queries: the themes (one), their matches grouped by theme and period (one), the comments grouped
by period (one); across the catalogue, the matches grouped by theme and service (one); topics
with their examples (two).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from catalog import rules as access
from catalog import selectors as catalog_selectors
from catalog.models import Service
from feedback.models import DiscoveredTopic, Response, Theme, ThemeMatch
from sla.periods import MONTH, QUARTER, WEEK, period_bounds, period_label, previous_periods
from sla.selectors import service_time_zone

PERIODS = (WEEK, MONTH, QUARTER)
DEFAULT_PERIOD = QUARTER
DEFAULT_COUNT = 4  # the current period and the three before it
MIN_SCORED = 5
TREND_TOLERANCE = 2.5  # points of share or of score, across the finished periods
RISING, FALLING, STEADY = "rising", "falling", "steady"
IMPROVING, WORSENING = "improving", "worsening"
TREND_TEXT = {
    RISING: "more often",
    FALLING: "less often",
    STEADY: "steady",
    IMPROVING: "improving",
    WORSENING: "worsening",
}
EXAMPLES = 3
TOP_SERVICES = 3

Bounds = tuple[datetime, datetime]


# --- The score of a response ---------------------------------------------------------------------

SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


def response_score(*, csat: int | None = None, nps: int | None = None, ces: int | None = None) -> float | None:
    """The response's score on 0-100: the mean of its answers, each on 0-100 by its scale."""
    given = {"csat": csat, "nps": nps, "ces": ces}
    parts = [
        100 * (value - SCALES[kind][0]) / (SCALES[kind][1] - SCALES[kind][0])
        for kind, value in given.items()
        if value is not None
    ]
    return statistics.fmean(parts) if parts else None


def response_score_expression(prefix: str = "") -> ExpressionWrapper:
    """`response_score` in SQL, for the response at `prefix` ('' or 'response__'); null when it
    gave no score."""
    total = Value(0.0)
    given = Value(0)
    for kind, (low, high) in SCALES.items():
        answer = Cast(F(f"{prefix}{kind}"), FloatField())
        total = total + Coalesce((answer - low) * (100.0 / (high - low)), Value(0.0))
        given = given + Case(When(**{f"{prefix}{kind}__isnull": False}, then=Value(1)), default=Value(0))
    return ExpressionWrapper(
        total / Cast(NullIf(ExpressionWrapper(given, output_field=IntegerField()), 0), FloatField()),
        output_field=FloatField(),
    )


# --- Scope ---------------------------------------------------------------------------------------


def theme_services(*, user) -> QuerySet[Service]:
    """The services whose comments and themes the user may read."""
    services = catalog_selectors.service_list(user=user).prefetch_related(None)
    if not user.is_authenticated:
        return services.none()
    if access.is_admin(user):
        return services
    return services.filter(Q(service_owner=user) | Q(business_owner=user))


# --- Themes per period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemePeriod:
    comments: int  # comments the theme caught
    scored: int  # of those, responses with a score
    average: float | None  # their average score, 0-100; None below MIN_SCORED
    detractors: int
    share: float | None  # percent of the period's comments; None when the period had none


@dataclass(frozen=True)
class ServiceCount:
    service: Service
    comments: int


@dataclass(frozen=True)
class ThemeRow:
    theme: Theme
    periods: tuple[ThemePeriod, ...]  # oldest first, the current period last
    share_trend: str | None  # rising, falling, steady
    score_trend: str | None  # improving, worsening, steady
    services: tuple[ServiceCount, ...] = ()  # across the catalogue: where it is most heard

    @property
    def comments(self) -> int:
        return sum(p.comments for p in self.periods)

    @property
    def average(self) -> float | None:
        """Over all the periods shown."""
        scored = sum(p.scored for p in self.periods if p.average is not None)
        if not scored:
            return None
        return sum(p.average * p.scored for p in self.periods if p.average is not None) / scored


@dataclass(frozen=True)
class PeriodHeading:
    start: datetime
    end: datetime
    label: str
    current: bool
    comments: int  # all comments of the period (of the services in scope)
    uncaught: int  # comments no theme caught


@dataclass(frozen=True)
class ThemeOverview:
    period: str
    time_zone: str
    periods: tuple[PeriodHeading, ...]
    rows: tuple[ThemeRow, ...]  # most comments first

    @property
    def comments(self) -> int:
        return sum(p.comments for p in self.periods)

    @property
    def uncaught(self) -> int:
        return sum(p.uncaught for p in self.periods)


def period_windows(period: str, now: datetime, time_zone: str, count: int) -> list[Bounds]:
    """The current period and the `count - 1` before it, oldest first."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected week, month or quarter")
    if count < 2:
        raise ValueError("count must be at least 2")
    return [*reversed(previous_periods(period, now, time_zone, count - 1)), period_bounds(period, now, time_zone)]


def theme_overview(
    *,
    services: QuerySet[Service],
    now: datetime,
    period: str = DEFAULT_PERIOD,
    count: int = DEFAULT_COUNT,
    time_zone: str | None = None,
    by_service: bool = False,
) -> ThemeOverview:
    """The active themes over the last `count` periods (in `time_zone`, else the site's) among the
    comments of `services` (already scoped to the reader); `by_service` adds where each theme is
    most heard."""
    zone = time_zone or settings.TIME_ZONE
    windows = period_windows(period, now, zone, count)
    service_ids = services.order_by().values("pk")
    in_window = Q(submitted_at__gte=windows[0][0], submitted_at__lt=windows[-1][1], submitted_at__lte=now)

    totals = [(0, 0)] * count
    caught = ThemeMatch.objects.filter(response=OuterRef("pk"), theme__active=True)
    for row in (
        Response.objects.filter(in_window, service__in=service_ids)
        .exclude(comment="")
        .annotate(slot=_slot("submitted_at", windows))
        .values("slot")
        .annotate(n=Count("pk"), uncaught=Count("pk", filter=~Q(Exists(caught))))
        .order_by()
    ):
        totals[row["slot"]] = (row["n"], row["uncaught"])

    score = response_score_expression("response__")
    found: dict[int, list[tuple[int, int, float | None, int]]] = defaultdict(lambda: [(0, 0, None, 0)] * count)
    for row in (
        _matches(service_ids, windows, now)
        .annotate(slot=_slot("response__submitted_at", windows))
        .values("theme_id", "slot")
        .annotate(
            n=Count("pk"),
            scored=Count(score),
            average=Avg(score),
            detractors=Count("pk", filter=_detractor("response__")),
        )
        .order_by()
    ):
        found[row["theme_id"]][row["slot"]] = (row["n"], row["scored"], row["average"], row["detractors"])

    heard = _most_heard(service_ids, windows, now) if by_service else {}
    return _overview(list(Theme.objects.filter(active=True)), totals, found, heard, windows, period, zone)


def _overview(themes, totals, found, heard, windows: list[Bounds], period: str, zone: str) -> ThemeOverview:
    """The overview from the grouped counts: `totals` per period (comments, uncaught), `found`
    theme id -> per period (comments, scored, average, detractors)."""
    count = len(windows)
    rows = []
    for theme in themes:
        periods = tuple(
            ThemePeriod(
                comments=n,
                scored=scored,
                average=average if scored >= MIN_SCORED else None,
                detractors=detractors,
                share=100 * n / totals[i][0] if totals[i][0] else None,
            )
            for i, (n, scored, average, detractors) in enumerate(found[theme.pk])
        )
        finished = periods[:-1]
        shares = [p.share if totals[i][0] >= MIN_SCORED else None for i, p in enumerate(finished)]
        rows.append(
            ThemeRow(
                theme=theme,
                periods=periods,
                share_trend=trend(shares, up=RISING, down=FALLING),
                score_trend=trend([p.average for p in finished], up=IMPROVING, down=WORSENING),
                services=tuple(heard.get(theme.pk, ())),
            )
        )
    rows.sort(key=lambda row: (-row.comments, row.theme.name))
    headings = tuple(
        PeriodHeading(
            start=start,
            end=end,
            label=period_label(period, start, zone),
            current=i == count - 1,
            comments=totals[i][0],
            uncaught=totals[i][1],
        )
        for i, (start, end) in enumerate(windows)
    )
    return ThemeOverview(period=period, time_zone=zone, periods=headings, rows=tuple(rows))


def service_theme_overview(
    *, service: Service, now: datetime, period: str = DEFAULT_PERIOD, count: int = DEFAULT_COUNT
) -> ThemeOverview:
    """One service's themes, in periods of its own time zone."""
    return theme_overview(
        services=Service.objects.filter(pk=service.pk),
        now=now,
        period=period,
        count=count,
        time_zone=service_time_zone(service),
    )


def service_theme_overviews(
    *, services: list[Service], now: datetime, period: str = DEFAULT_PERIOD, count: int = DEFAULT_COUNT
) -> dict[int, ThemeOverview]:
    """Service id -> its themes as service_theme_overview reads them, for services of one time
    zone: three queries whatever their number (a business unit's review)."""
    if not services:
        return {}
    zones = {service_time_zone(s) for s in services}
    if len(zones) != 1:
        raise ValueError("service_theme_overviews reads services of one time zone")
    zone = zones.pop()
    windows = period_windows(period, now, zone, count)
    ids = [s.pk for s in services]
    in_window = Q(submitted_at__gte=windows[0][0], submitted_at__lt=windows[-1][1], submitted_at__lte=now)
    totals = {pk: [(0, 0)] * count for pk in ids}
    caught = ThemeMatch.objects.filter(response=OuterRef("pk"), theme__active=True)
    for row in (
        Response.objects.filter(in_window, service_id__in=ids)
        .exclude(comment="")
        .annotate(slot=_slot("submitted_at", windows))
        .values("service_id", "slot")
        .annotate(n=Count("pk"), uncaught=Count("pk", filter=~Q(Exists(caught))))
        .order_by()
    ):
        totals[row["service_id"]][row["slot"]] = (row["n"], row["uncaught"])
    score = response_score_expression("response__")
    found = {pk: defaultdict(lambda: [(0, 0, None, 0)] * count) for pk in ids}
    for row in (
        _matches(ids, windows, now)
        .annotate(slot=_slot("response__submitted_at", windows))
        .values("theme_id", "response__service_id", "slot")
        .annotate(
            n=Count("pk"),
            scored=Count(score),
            average=Avg(score),
            detractors=Count("pk", filter=_detractor("response__")),
        )
        .order_by()
    ):
        found[row["response__service_id"]][row["theme_id"]][row["slot"]] = (
            row["n"],
            row["scored"],
            row["average"],
            row["detractors"],
        )
    themes = list(Theme.objects.filter(active=True))
    result, quiet = {}, None
    for pk in ids:
        if not found[pk] and not any(n for n, _ in totals[pk]):
            # No comment in the windows: the same overview as any other such service's.
            quiet = quiet or _overview(themes, totals[pk], found[pk], {}, windows, period, zone)
            result[pk] = quiet
        else:
            result[pk] = _overview(themes, totals[pk], found[pk], {}, windows, period, zone)
    return result


def _matches(service_ids, windows: list[Bounds], now: datetime) -> QuerySet[ThemeMatch]:
    return ThemeMatch.objects.filter(
        theme__active=True,
        response__service__in=service_ids,
        response__submitted_at__gte=windows[0][0],
        response__submitted_at__lt=windows[-1][1],
        response__submitted_at__lte=now,
    )


def _most_heard(service_ids, windows: list[Bounds], now: datetime) -> dict[int, list[ServiceCount]]:
    """Theme id -> the services with most comments in it over the windows, most first."""
    rows = list(
        _matches(service_ids, windows, now)
        .values("theme_id", "response__service_id")
        .annotate(n=Count("pk"))
        .order_by("theme_id", "-n", "response__service_id")
    )
    services = Service.objects.only("id", "name", "slug").in_bulk({row["response__service_id"] for row in rows})
    heard: dict[int, list[ServiceCount]] = defaultdict(list)
    for row in rows:
        if len(heard[row["theme_id"]]) < TOP_SERVICES:
            heard[row["theme_id"]].append(ServiceCount(services[row["response__service_id"]], row["n"]))
    return heard


def _slot(field: str, windows: list[Bounds]) -> Case:
    """Which of `windows` the row's `field` falls in (its index)."""
    return Case(
        *(
            When(**{f"{field}__gte": start, f"{field}__lt": end}, then=Value(i))
            for i, (start, end) in enumerate(windows)
        ),
        output_field=IntegerField(),
    )


def _detractor(prefix: str = "") -> Q:
    """NPS 0-6, CSAT 1-2 or CES 1-3 (Response.is_detractor), for the response at `prefix`."""
    return Q(**{f"{prefix}nps__lte": 6}) | Q(**{f"{prefix}csat__lte": 2}) | Q(**{f"{prefix}ces__lte": 3})


def trend(values: Sequence[float | None], *, up: str, down: str, tolerance: float = TREND_TOLERANCE) -> str | None:
    """`up`, `down` or steady over `values` (oldest first, None where unknown): the least-squares
    line through the known values, steady when it moves less than `tolerance` across them. None
    with fewer than two known values."""
    known = [(float(x), value) for x, value in enumerate(values) if value is not None]
    if len(known) < 2:
        return None
    xs = [x for x, _ in known]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(y for _, y in known)
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    slope = math.fsum((x - mean_x) * (y - mean_y) for x, y in known) / sxx
    change = slope * (xs[-1] - xs[0])
    if abs(change) <= tolerance:
        return STEADY
    return up if change > 0 else down


# --- Discovered topics ---------------------------------------------------------------------------


def discovered_topics(*, user, service: Service | None = None) -> QuerySet[DiscoveredTopic]:
    """The topics of the last discovery run the user may read, largest first, each with up to
    EXAMPLES recent comments (`topic.examples`) of services the user may read.

    With `service`: that service's own topics. Without: across the catalogue for admins (the
    topics found among all services' comments together); for others, their services' topics."""
    visible = theme_services(user=user)
    examples = Prefetch(
        "responses",
        queryset=Response.objects.filter(service__in=visible.order_by().values("pk"))
        .select_related("service")
        .only("id", "comment", "submitted_at", "service__name", "service__slug")
        .order_by("-submitted_at", "-pk")[:EXAMPLES],
        to_attr="examples",
    )
    topics = DiscoveredTopic.objects.select_related("service").prefetch_related(examples).order_by("-size", "label")
    if service is not None:
        return topics.filter(service=service, service__in=visible.order_by().values("pk"))
    if access.is_admin(user):
        return topics.filter(service__isnull=True)
    return topics.filter(service__in=visible.order_by().values("pk"))
