"""The catalogue's list pages from `.values()` rows (catalog/api/value_rows.py): services,
agreements, business units and categories, exactly as their serializers write them."""

from __future__ import annotations

import json
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Q, QuerySet

from catalog import selectors
from catalog.api import row_sql
from catalog.api import serializers as s
from catalog.api.compiled import CompiledRows, CompiledValues
from catalog.api.value_rows import (
    SLUG_SLOT,
    converters,
    counted_in_rows,
    path_maker,
    person,
    person_columns,
    person_of,
    plain,
    ref_columns,
    ref_of,
    url_maker,
)
from catalog.models import AGREEMENT_TERMS, Category, Criticality, Lifecycle, Service
from catalog.models.catalogue import cost_drivers_split, keywords_split

_SERVICE_FIELDS = converters(s.ServiceSerializer(), ["annual_cost", "created_at", "updated_at"])
_CRITICALITY_LABELS = dict(Criticality.choices)

SERVICE_COLUMNS = (
    "id",
    "slug",
    "name",
    "summary",
    *ref_columns("category"),
    "lifecycle",
    "criticality",
    *person_columns("service_owner"),
    *person_columns("business_owner"),
    "annual_cost",
    "cost_drivers",
    "keywords",
    "support_calendar__slug",
    "created_at",
    "updated_at",
)


def service_values(queryset: QuerySet) -> QuerySet:
    queryset = queryset.prefetch_related(None)
    if connection.vendor != "postgresql":
        return counted_in_rows(queryset.values(*SERVICE_COLUMNS))  # the units: a query of their own
    # On PostgreSQL the units come with the rows (a query fewer), as the JSON text of their list.
    return counted_in_rows(queryset.annotate(units=row_sql.service_units()).values(*SERVICE_COLUMNS, "units"))


def _services_query() -> QuerySet:
    """service_values of selectors.service_list (every service, for a user who may read the
    catalogue), unfiltered, in the model's order."""
    return service_values(Service.objects.all())


# Built and compiled once (catalog/api/compiled.py) for the pages no filter narrows: building
# the rows' query with its four joins and compiling it cost more CPU than the floor's request.
SERVICES = CompiledValues(_services_query)


def service_page(*, user) -> CompiledRows | list:
    """The services `user` may read (selectors.service_list), unfiltered, for a paginator."""
    if selectors.service_list(user=user).query.is_empty():  # the scope stays there
        return []
    return SERVICES.page()


def _units_by_service(rows: list[dict]) -> dict[int, list[dict]]:
    if rows and "units" in rows[0]:
        return {row["id"]: json.loads(row["units"]) for row in rows}
    units = defaultdict(list)
    if not rows:
        return units
    for service_id, slug, name in row_sql.service_units_of([row["id"] for row in rows]):
        units[service_id].append({"slug": slug, "name": name})
    return units


def service_rows(rows: list[dict], *, request) -> list[dict]:
    url = url_maker("service-detail", request=request, kwarg="slug", slot=SLUG_SLOT)
    portal_url = path_maker("portal:service", kwarg="slug", slot=SLUG_SLOT)
    units = _units_by_service(rows)
    (annual_cost, to_cost), (created_at, to_created), (updated_at, to_updated) = _SERVICE_FIELDS
    return [
        {
            "url": url(row["slug"]),
            "portal_url": portal_url(row["slug"]),
            "slug": row["slug"],
            "name": row["name"],
            "summary": row["summary"],
            "category": ref_of(row, "category"),
            "lifecycle": row["lifecycle"],
            "criticality": row["criticality"],
            "criticality_label": str(_CRITICALITY_LABELS.get(row["criticality"], row["criticality"])),
            "business_units": units.get(row["id"], []),
            "service_owner": person_of(row, "service_owner"),
            "business_owner": person_of(row, "business_owner"),
            annual_cost: plain(row["annual_cost"], to_cost),
            "cost_drivers": cost_drivers_split(row["cost_drivers"]),
            "keywords": keywords_split(row["keywords"]),
            "support_calendar": row["support_calendar__slug"],
            created_at: plain(row["created_at"], to_created),
            updated_at: plain(row["updated_at"], to_updated),
        }
        for row in rows
    ]


_AGREEMENT_DATES = (  # the terms' dates are among AGREEMENT_TERMS
    "created_at",
    "updated_at",
    "proposed_at",
    "it_signed_at",
    "business_signed_at",
    "agreed_at",
    "superseded_at",
    "withdrawn_at",
)
_AGREEMENT_FIELDS = dict(converters(s.AgreementSerializer(), [*AGREEMENT_TERMS, *_AGREEMENT_DATES, "status"]))
_AGREEMENT_PEOPLE = ("created_by", "proposed_by", "it_signed_by", "business_signed_by")

AGREEMENT_COLUMNS = (
    "id",
    *ref_columns("service"),
    *ref_columns("business_unit"),
    "version",
    "status",
    *AGREEMENT_TERMS,
    "priority_matrix",
    *_AGREEMENT_DATES,
    "superseded_by_id",
    "withdrawal_reason",
)


def agreement_values(queryset: QuerySet) -> QuerySet:
    # The four people as [username, first name, last name] and the version superseded, each a
    # subquery of the row's own: joined (nine tables), PostgreSQL took longer to plan the query
    # than to run it; in a query of their own, they were a round trip more (catalog/api/row_sql.py).
    people = {f"{relation}_person": row_sql.agreement_person(relation) for relation in _AGREEMENT_PEOPLE}
    return (
        queryset.prefetch_related(None)
        .annotate(supersedes_id=row_sql.agreement_supersedes(), **people)
        .values(*AGREEMENT_COLUMNS, "supersedes_id", *people)
    )


def _person(names: list | None) -> dict | None:
    return None if names is None else person(*names)


def agreement_rows(rows: list[dict], *, request) -> list[dict]:
    url = url_maker("agreement-detail", request=request)
    portal_url = path_maker("portal:agreement")
    shaped = []
    for row in rows:
        term = {name: plain(row[name], to) for name, to in _AGREEMENT_FIELDS.items()}
        unit = ref_of(row, "business_unit")
        shaped.append(
            {
                "id": row["id"],
                "url": url(row["id"]),
                "portal_url": portal_url(row["id"]),
                "service": ref_of(row, "service"),
                "business_unit": unit,
                "audience": unit["name"] if unit else "all business units",
                "version": row["version"],
                "status": term["status"],
                **{name: term[name] for name in AGREEMENT_TERMS},
                "priority_matrix": row["priority_matrix"],
                "created_by": _person(row["created_by_person"]),
                "created_at": term["created_at"],
                "updated_at": term["updated_at"],
                "proposed_by": _person(row["proposed_by_person"]),
                "proposed_at": term["proposed_at"],
                "it_signed_by": _person(row["it_signed_by_person"]),
                "it_signed_at": term["it_signed_at"],
                "business_signed_by": _person(row["business_signed_by_person"]),
                "business_signed_at": term["business_signed_at"],
                "agreed_at": term["agreed_at"],
                "supersedes": row["supersedes_id"],
                "superseded_by": row["superseded_by_id"],
                "superseded_at": term["superseded_at"],
                "withdrawn_at": term["withdrawn_at"],
                "withdrawal_reason": row["withdrawal_reason"],
            }
        )
    return shaped


BUSINESS_UNIT_COLUMNS = ("slug", "name", "description")


def business_unit_rows(rows: list[dict], *, request) -> list[dict]:
    url = url_maker("businessunit-detail", request=request, kwarg="slug", slot=SLUG_SLOT)
    return [
        {"url": url(row["slug"]), "slug": row["slug"], "name": row["name"], "description": row["description"]}
        for row in rows
    ]


CATEGORY_COLUMNS = ("slug", "name", "description", "position", "service_count")


def _categories_query() -> QuerySet:
    """selectors.category_list (every category, for a user who may read the catalogue), each
    with the number of its services not retired, in order."""
    return (
        Category.objects.annotate(service_count=Count("services", filter=~Q(services__lifecycle=Lifecycle.RETIRED)))
        .order_by("position", "name")
        .values(*CATEGORY_COLUMNS)
    )


# Built and compiled once (catalog/api/compiled.py): building the annotated queryset and
# compiling it through the ORM cost more CPU a request than the database took to answer.
CATEGORIES = CompiledValues(_categories_query)


def category_page(*, user) -> CompiledRows | list:
    """The categories `user` may read (selectors.category_list), for a paginator."""
    if selectors.category_list(user=user).query.is_empty():  # the scope stays there
        return []
    return CATEGORIES.page()


def category_rows(rows: list[dict], *, request) -> list[dict]:
    url = url_maker("category-detail", request=request, kwarg="slug", slot=SLUG_SLOT)
    return [
        {
            "url": url(row["slug"]),
            "slug": row["slug"],
            "name": row["name"],
            "description": row["description"],
            "position": row["position"],
            "service_count": row["service_count"],
        }
        for row in rows
    ]
