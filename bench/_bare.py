"""The baseline of bench/list_api.py: a bare `JsonResponse` of the same rows as a list endpoint,
served through the same middleware stack (this URL conf is the project's, plus one route).

    GET /bench/bare/<name>/   {"count", "next", "previous", "results": [row, ...]} of BARE[name]

A row is `.values()` of the model's own columns and the slug and name of the related rows the
endpoint shows; no authentication, no permission, no serializer: the floor of a list. Lists under
one object (an agreement's measures, a commitment's check-ins) are narrowed to the demo's object
the benchmark picked (IDS, set by bench/list_api.py); those the API gives as a plain list (no
pages) are answered as a plain list too."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import JsonResponse
from django.urls import path

from config import urls as project_urls

PAGE = 50  # the API's page size (catalog/api/pagination.py)


@dataclass(frozen=True)
class Bare:
    model: str  # app_label.ModelName
    refs: tuple[str, ...] = ()  # foreign keys whose slug and name the endpoint shows
    order_by: tuple[str, ...] = ()  # empty: the model's own ordering
    filters: dict = field(default_factory=dict)
    under: dict = field(default_factory=dict)  # {column: name in IDS}: the rows of that object only
    paginated: bool = True  # False: the API answers a plain list

    def rows(self) -> tuple[int, list[dict]]:
        from django.apps import apps

        model = apps.get_model(self.model)
        under = {column: IDS[name] for column, name in self.under.items()}
        queryset = model._default_manager.filter(**self.filters, **under)
        if self.order_by:
            queryset = queryset.order_by(*self.order_by)
        columns = [f.attname for f in model._meta.concrete_fields]
        related = [f"{ref}__{name}" for ref in self.refs for name in ("slug", "name")]
        return queryset.count(), list(queryset.values(*columns, *related)[:PAGE])


IDS: dict[str, object] = {}  # the objects the nested lists are under (bench/list_api.py)
BARE: dict[str, Bare] = {
    "services": Bare("catalog.Service", refs=("category",)),
    "business-units": Bare("catalog.BusinessUnit"),
    "categories": Bare("catalog.Category"),
    "agreements": Bare("catalog.Agreement", refs=("service", "business_unit")),
    "tickets": Bare("sla.Ticket", refs=("service", "business_unit"), order_by=("-opened_at", "-pk")),
    "alerts": Bare("sla.Alert", refs=("service",), order_by=("-opened_at", "-pk")),
    "risks": Bare("sla.Alert", refs=("service",), filters={"state__in": ("open", "acknowledged")}),
    "commitments": Bare("sla.Commitment", refs=("service", "business_unit")),
    "measurements": Bare("sla.Measurement", refs=("service",), order_by=("-measured_at", "-pk")),
    "follow-ups": Bare("feedback.FollowUp", refs=("service",)),
    "check-ins": Bare("sla.CheckIn", under={"commitment_id": "commitment"}, order_by=("at", "pk")),
    "alignment-requests": Bare(
        "catalog.MissingServiceRequest", refs=("business_unit",), order_by=("-requested_at", "-id")
    ),
    "agreement-measures": Bare("catalog.Measure", under={"agreement_id": "agreement"}, paginated=False),
    "agreement-targets": Bare(
        "catalog.UrgencyTarget", refs=("calendar",), under={"agreement_id": "agreement"}, paginated=False
    ),
    # A ranking of the units (computed); the floor: the units' rows.
    "alignment": Bare("catalog.BusinessUnit", paginated=False),
    # The last 6 months and 4 quarters (computed), each saying whether its review is prepared;
    # the floor: the service's prepared reviews.
    "reviews": Bare("portal.Review", under={"service__slug": "service"}, paginated=False),
}


def bare_list(request, name: str) -> JsonResponse:
    bare = BARE[name]
    count, rows = bare.rows()
    if not bare.paginated:
        return JsonResponse(rows, safe=False)
    return JsonResponse({"count": count, "next": None, "previous": None, "results": rows})


urlpatterns = [path("bench/bare/<str:name>/", bare_list), *project_urls.urlpatterns]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
