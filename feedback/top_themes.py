"""The top themes of services in one period, as a review shows them: for each service the active
themes that caught its comments in the period, most comments first (then by name), each with its
share of the period's comments and its average score. The same figures as the current period's
rows of theme_selectors.service_theme_overviews, read without what a review does not show (the
periods before, the trends, the comments no theme caught): one query when no theme is active, two
when no comment of these services was caught in the period, three at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count

from catalog.models import Service
from feedback.models import Response, Theme, ThemeMatch
from feedback.theme_selectors import MIN_SCORED, response_score_expression
from sla.periods import period_bounds
from sla.selectors import service_time_zone


@dataclass(frozen=True)
class TopTheme:
    name: str
    comments: int  # comments the theme caught in the period
    share: float | None  # percent of the period's comments
    average: float | None  # their average score, 0-100; None below MIN_SCORED scored


def service_top_themes(
    *, services: list[Service], now: datetime, period: str, limit: int
) -> dict[int, tuple[TopTheme, ...]]:
    """Service id -> its `limit` top themes in the `period` that holds `now`, counting what was
    submitted up to `now`, for services of one time zone."""
    found: dict[int, list[TopTheme]] = {s.pk: [] for s in services}
    if not services:
        return {}
    zones = {service_time_zone(s) for s in services}
    if len(zones) != 1:
        raise ValueError("service_top_themes reads services of one time zone")
    names = dict(Theme.objects.filter(active=True).values_list("pk", "name"))
    if not names:  # nothing can have caught a comment: no need to read the comments
        return {pk: () for pk in found}
    start, end = period_bounds(period, now, zones.pop())
    in_period = {"submitted_at__gte": start, "submitted_at__lt": end, "submitted_at__lte": now}
    score = response_score_expression("response__")
    caught = list(
        ThemeMatch.objects.filter(
            theme_id__in=list(names),
            response__service_id__in=list(found),
            **{f"response__{key}": value for key, value in in_period.items()},
        )
        .values("theme_id", "response__service_id")
        .annotate(n=Count("pk"), scored=Count(score), average=Avg(score))
        .order_by()
    )
    if not caught:
        return {pk: () for pk in found}
    comments = dict(
        Response.objects.filter(service_id__in={row["response__service_id"] for row in caught}, **in_period)
        .exclude(comment="")
        .values("service_id")
        .annotate(n=Count("pk"))
        .values_list("service_id", "n")
        .order_by()
    )
    for row in caught:
        total = comments.get(row["response__service_id"], 0)
        found[row["response__service_id"]].append(
            TopTheme(
                name=names[row["theme_id"]],
                comments=row["n"],
                share=100 * row["n"] / total if total else None,
                average=row["average"] if row["scored"] >= MIN_SCORED else None,
            )
        )
    return {pk: tuple(sorted(lines, key=lambda t: (-t.comments, t.name))[:limit]) for pk, lines in found.items()}
