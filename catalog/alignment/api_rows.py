"""The alignment API's ranking and list of requests from SQL statements compiled once per process
(catalog/api/compiled.py) and row functions, exactly as StandingSerializer and RequestSerializer
write what selectors.alignment_ranking and request_rows give (pinned by
tests/catalog/alignment/test_api_rows.py). The requests' page: their `.values()` rows (the
names of the people on them, not their user rows), age and due time as request_rows computes them.

alignment_ranking reads the units, then IT's lists, the units' lists and the open requests in
three queries and compares the lists as sets in Python: six queries a request with the key's,
each built through the ORM. Here each unit's row counts, in SQL, the services IT lists it for,
those it marked and those on both (retired services left out, as there), and its open requests;
on PostgreSQL the open requests' times come in the same row (an array), elsewhere in a second
compiled query. Whether a request is overdue is business time (catalog/alignment/status.py),
computed in Python with the default calendar built once.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalog import rules as access
from catalog.alignment import status
from catalog.alignment.models import MissingServiceRequest, RequestState, ServiceMark
from catalog.api.compiled import CompiledRows, CompiledValues
from catalog.api.value_rows import converters, one_time_zone, plain, ref_columns, ref_of
from catalog.models import BusinessUnit, Lifecycle, Service

COUNTS = ("it_count", "marked_count", "agreed_count", "open_count")


def _counted(queryset: QuerySet, column: str) -> Coalesce:
    """The number of `queryset`'s rows (filtered on the outer unit) as a column."""
    counted = queryset.order_by().values(column).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _units(*, everyone: bool, user_id: int) -> QuerySet:
    """selectors.alignment_units: every unit for IT and admins, else the user's own."""
    if everyone:
        return BusinessUnit.objects.all()
    return BusinessUnit.objects.filter(memberships__user_id=user_id).distinct()


def _ranking_query(*, everyone: bool, user_id: int) -> QuerySet:
    served = Service.business_units.through.objects.filter(businessunit_id=OuterRef("pk")).exclude(
        service__lifecycle=Lifecycle.RETIRED
    )
    marked = ServiceMark.objects.filter(business_unit_id=OuterRef("pk")).exclude(service__lifecycle=Lifecycle.RETIRED)
    open_requests = MissingServiceRequest.objects.filter(business_unit_id=OuterRef("pk"), state=RequestState.OPEN)
    annotations = {
        "it_count": _counted(served, "businessunit_id"),
        "marked_count": _counted(marked, "business_unit_id"),
        "agreed_count": _counted(marked.filter(service__business_units=OuterRef("pk")), "business_unit_id"),
        "open_count": _counted(open_requests, "business_unit_id"),
    }
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        times = open_requests.order_by().values("business_unit_id").annotate(at=ArrayAgg("requested_at"))
        annotations["open_at"] = Subquery(times.values("at"))
    units = _units(everyone=everyone, user_id=user_id).order_by("name")
    return units.annotate(**annotations).values("id", "slug", "name", *annotations)


def _open_times_query(*, everyone: bool, user_id: int) -> QuerySet:
    """The open requests' units and times, of the units in scope (not on PostgreSQL)."""
    found = MissingServiceRequest.objects.filter(state=RequestState.OPEN)
    if not everyone:
        found = found.filter(business_unit__in=_units(everyone=False, user_id=user_id).values("pk"))
    return found.order_by().values("business_unit_id", "requested_at")


RANKING = CompiledValues(_ranking_query)
OPEN_TIMES = CompiledValues(_open_times_query)


@functools.cache
def _share_text():
    from catalog.alignment.api import ComparisonSerializer

    return ComparisonSerializer().fields["share"].to_representation


def ranking_rows(*, user, now: datetime) -> list[dict]:
    """StandingSerializer(selectors.alignment_ranking(user=user, now=now), many=True).data, as
    plain rows: the units `user` may read, the most disagreement first."""
    if not user.is_authenticated or not user.is_active:
        return []
    scope = {"everyone": access.is_admin(user) or access.is_it_staff(user), "user_id": user.pk}
    units = RANKING.rows(**scope)
    if not units:
        return []
    if "open_at" in units[0]:
        times = {unit["id"]: unit["open_at"] or () for unit in units}
    else:
        times = defaultdict(list)
        for found in OPEN_TIMES.rows(**scope):
            times[found["business_unit_id"]].append(found["requested_at"])
    spec = status.default_calendar_spec()
    share_text = _share_text()
    ranked = []
    for unit in units:
        agreed = unit["agreed_count"]
        it_only, unit_only = unit["it_count"] - agreed, unit["marked_count"] - agreed
        differences = it_only + unit_only + unit["open_count"]
        share = status.share_of(agreed=agreed, differences=differences)
        overdue = sum(
            status.request_is_overdue(state=RequestState.OPEN, requested_at=at, now=now, spec=spec)
            for at in times[unit["id"]]
        )
        row = {
            "unit": {"slug": unit["slug"], "name": unit["name"]},
            "comparison": {
                "share": None if share is None else share_text(share),
                "agreed": agreed,
                "it_only": it_only,
                "unit_only": unit_only,
                "open_requests": unit["open_count"],
                "differences": differences,
            },
            "overdue_requests": overdue,
        }
        ranked.append((-differences, share if share is not None else 2, unit["name"].casefold(), len(ranked), row))
    ranked.sort(key=lambda entry: entry[:4])
    return [entry[-1] for entry in ranked]


# --- Requests ----------------------------------------------------------------------------------

REQUEST_COLUMNS = (
    "id",
    *ref_columns("business_unit"),
    "title",
    "description",
    "source",
    "annual_cost",
    "users_affected",
    "requested_by__username",
    "requested_at",
    "owner__username",
    "state",
    "answer",
    *ref_columns("service"),
    "answered_by__username",
    "answered_at",
    "withdrawn_at",
)
_REQUEST_CONVERTED = ("annual_cost", "requested_at", "answered_at", "withdrawn_at", "due_at")


def _requests_query(*, everyone: bool, user_id: int, unit: str | None, state: str | None) -> QuerySet:
    """selectors.request_list (the user's units', every unit's for IT and admins), newest first,
    with the list's filters."""
    found = MissingServiceRequest.objects.all()
    if not everyone:
        found = found.filter(business_unit__memberships__user_id=user_id).distinct()
    if unit is not None:
        found = found.filter(business_unit__slug=unit)
    if state is not None:
        found = found.filter(state=state)
    return found.order_by("-requested_at", "-id").values(*REQUEST_COLUMNS)


REQUESTS = CompiledValues(_requests_query)


def request_page(*, user, unit: str | None, state: str | None) -> CompiledRows | list:
    """The requests `user` may read (selectors.request_list), filtered, for a paginator."""
    if not user.is_authenticated or not user.is_active:
        return []
    everyone = access.is_admin(user) or access.is_it_staff(user)
    return REQUESTS.page(everyone=everyone, user_id=user.pk, unit=unit, state=state)


@functools.cache
def _request_converters() -> dict:
    from catalog.alignment.api import RequestSerializer

    return dict(converters(RequestSerializer(), _REQUEST_CONVERTED))


@one_time_zone()
def request_rows(rows: list[dict], *, now: datetime) -> list[dict]:
    """RequestSerializer(selectors.request_rows(requests, now=now), many=True).data of the
    requests' `.values()` rows (REQUEST_COLUMNS): their age and due time in business days of the
    default calendar, built once."""
    spec = status.default_calendar_spec()
    fields = _request_converters()
    shaped = []
    for row in rows:
        requested_at, state = row["requested_at"], row["state"]
        until = row["answered_at"] or row["withdrawn_at"] or now
        shaped.append(
            {
                "id": row["id"],
                "business_unit": ref_of(row, "business_unit"),
                "title": row["title"],
                "description": row["description"],
                "source": row["source"],
                "annual_cost": plain(row["annual_cost"], fields["annual_cost"]),
                "users_affected": row["users_affected"],
                "requested_by": row["requested_by__username"],
                "requested_at": plain(requested_at, fields["requested_at"]),
                "owner": row["owner__username"],
                "state": state,
                "answer": row["answer"],
                "service": ref_of(row, "service"),
                "answered_by": row["answered_by__username"],
                "answered_at": plain(row["answered_at"], fields["answered_at"]),
                "withdrawn_at": plain(row["withdrawn_at"], fields["withdrawn_at"]),
                "age_business_days": float(status.request_age_business_days(requested_at, now=until, spec=spec)),
                "due_at": fields["due_at"](status.request_due_at(requested_at, spec=spec)),
                "overdue": status.request_is_overdue(state=state, requested_at=requested_at, now=now, spec=spec),
            }
        )
    return shaped
