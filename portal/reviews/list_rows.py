"""A service's list of reviews (GET /api/v1/services/{slug}/reviews/) from one compiled SQL
statement (catalog/api/compiled.py) and a row function, exactly as ReviewListSerializer writes
it (pinned by tests/api/test_reviews_api.py).

The view read the whole service as the catalogue's selector loads it (four joined tables and a
prefetch), its calendar's zone, then its prepared reviews, and reversed two URLs for each of the
ten periods. Here: the service's slug, name and zone, and on PostgreSQL its prepared reviews in
the same row (two arrays; elsewhere a second compiled query); the periods of a day computed once
per process; each URL from one `reverse()` a page.
"""

from __future__ import annotations

import functools
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse

from catalog.api.compiled import CompiledValues
from catalog.models import Service
from portal.reviews import selectors
from portal.reviews.models import Review

_SLOT = "zz-review-period-zz"  # a period code's place in a URL, replaced by each period's


def _reviews(column: str) -> Subquery:
    from django.contrib.postgres.aggregates import ArrayAgg

    found = Review.objects.filter(service_id=OuterRef("pk")).order_by().values("service_id")
    return Subquery(found.annotate(values=ArrayAgg(column, order_by=("pk",))).values("values"))


def _service_query(*, slug: str) -> QuerySet:
    """The service (selectors.service_review_services, for a reader who may read reviews: every
    service), its calendar's zone and, on PostgreSQL, its prepared reviews' periods."""
    found = Service.objects.filter(slug=slug)
    columns = ["id", "slug", "name", "support_calendar_id", "support_calendar__time_zone"]
    if connection.vendor == "postgresql":
        found = found.annotate(review_kinds=_reviews("period"), review_starts=_reviews("period_start"))
        columns += ["review_kinds", "review_starts"]
    return found.values(*columns)


def _prepared_query(*, service_id: int) -> QuerySet:
    return Review.objects.filter(service_id=service_id).order_by().values("period", "period_start")


SERVICE = CompiledValues(_service_query)
PREPARED = CompiledValues(_prepared_query)


@functools.lru_cache(maxsize=16)
def _periods(today: date) -> tuple[dict, ...]:
    """selectors.recent_periods(today=today) as ReviewPeriodSerializer writes them, with the
    key a prepared review is found by."""
    return tuple(
        {
            "key": (p.kind, p.start),
            "code": p.code,
            "period": {
                "period": p.code,
                "kind": p.kind,
                "label": p.label,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
            },
        }
        for p in selectors.recent_periods(today=today)
    )


def review_service(*, user, slug: str) -> dict | None:
    """The service's row for its list of reviews, or None when there is no such service or the
    user may read no service's review. selectors.service_review_services scopes by the user's
    rights alone (a reader of reviews reads every service's): asked here whether it is empty,
    not built into the compiled query, so the rule stays in that one place."""
    if selectors.service_review_services(user=user).query.is_empty():
        return None
    found = SERVICE.rows(slug=slug)
    return found[0] if found else None


def review_list(service: dict, *, today: date, request) -> dict:
    """ReviewListSerializer({"service", "results"}) of `service` (review_service's row)."""
    if "review_kinds" in service:
        prepared = set(zip(service["review_kinds"] or (), service["review_starts"] or (), strict=True))
    else:
        prepared = {(row["period"], row["period_start"]) for row in PREPARED.rows(service_id=service["id"])}
    slug = service["slug"]
    api, _, api_end = request.build_absolute_uri(reverse("service-review", args=[slug, _SLOT])).rpartition(_SLOT)
    page, _, page_end = request.build_absolute_uri(reverse("portal:service_review", args=[slug, _SLOT])).rpartition(
        _SLOT
    )
    return {
        "service": {"slug": slug, "name": service["name"]},
        "results": [
            {
                "period": period["period"],
                "prepared": period["key"] in prepared,
                "url": f"{api}{period['code']}{api_end}",
                "page": f"{page}{period['code']}{page_end}",
            }
            for period in _periods(today)
        ],
    }


def review_time_zone(service: dict) -> str:
    """sla.selectors.service_time_zone of the row: its calendar's zone, else the site's."""
    return settings.TIME_ZONE if service["support_calendar_id"] is None else service["support_calendar__time_zone"]
