"""The early-warning board over the API: the same items, ranked the same way, scoped to the
caller (the alerts they may see).

    GET /api/v1/risks/?business_unit=<slug>&service=<slug>&kind=<kind>&severity=<severity>
        &status=breached|at_risk&priority=1..5&sort=impact|time_left
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.reverse import reverse

from catalog import selectors as catalog_selectors
from catalog.api.serializers import RefSerializer
from catalog.api.value_rows import converters, one_time_zone, plain, ref_of, url_maker
from sla.models import Alert, AlertSeverity
from sla.risks import ranking
from sla.risks.selectors import KIND_OF, KINDS, PRIORITIES, STATUSES, board_rows


class RiskSerializer(serializers.Serializer):
    alert = serializers.SerializerMethodField(help_text="The alert behind the item (acknowledge it there).")
    id = serializers.IntegerField(source="alert.pk")
    kind = serializers.ChoiceField(choices=list(KINDS), help_text=", ".join(KINDS))
    alert_kind = serializers.CharField(source="alert.kind")
    severity = serializers.CharField(source="alert.severity")
    state = serializers.CharField(source="alert.state")
    subject = serializers.CharField(source="alert.subject")
    service = RefSerializer(source="alert.service", allow_null=True)
    due_at = serializers.DateTimeField(source="alert.due_at", allow_null=True)
    impact = serializers.FloatField(source="standing.impact", help_text="Service criticality weight x how far gone.")
    how_far_gone = serializers.FloatField(source="standing.gone", help_text="0 to 1; 1 once missed or past due.")
    seconds_left = serializers.SerializerMethodField(help_text="Until due (negative once past); null: no due time.")

    def get_seconds_left(self, item) -> int | None:
        left = item.standing.time_left
        return None if left is None else int(left.total_seconds())

    def get_alert(self, item) -> str:
        return reverse("alert-detail", args=[item.alert.pk], request=self.context["request"])


_DUE_AT = dict(converters(RiskSerializer(), ["due_at"]))["due_at"]


@one_time_zone()
def risk_rows(ranked: list[tuple[dict, ranking.Standing]], *, request) -> list[dict]:
    """RiskSerializer of board items, from `board_rows`' (row, standing) pairs (the page is
    built from `.values()` rows, catalog/api/value_rows.py; pinned by tests/api/test_value_rows.py)."""
    url = url_maker("alert-detail", request=request)
    shaped = []
    for row, standing in ranked:
        left = standing.time_left
        shaped.append(
            {
                "alert": url(row["id"]),
                "id": row["id"],
                "kind": KIND_OF.get(row["kind"], "clock"),
                "alert_kind": row["kind"],
                "severity": row["severity"],
                "state": row["state"],
                "subject": row["subject"],
                "service": ref_of(row, "service"),
                "due_at": plain(row["due_at"], _DUE_AT),
                "impact": float(standing.impact),
                "how_far_gone": float(standing.gone),
                "seconds_left": None if left is None else int(left.total_seconds()),
            }
        )
    return shaped


class RiskListView(GenericAPIView):
    serializer_class = RiskSerializer
    queryset = Alert.objects.none()  # for the schema: the items are the alerts' (board_items reads them)

    @extend_schema(
        summary="The early-warning board: what is at risk or gone wrong, highest business impact first",
        parameters=[
            OpenApiParameter("business_unit", str, description="Business unit slug"),
            OpenApiParameter("service", str, description="Service slug"),
            OpenApiParameter("kind", str, enum=list(KINDS)),
            OpenApiParameter("severity", str, enum=AlertSeverity.values),
            OpenApiParameter(
                "status", str, enum=list(STATUSES), description="breached: missed, breached or overdue; at_risk: not"
            ),
            OpenApiParameter("priority", int, enum=list(PRIORITIES), description="Ticket clocks of this priority"),
            OpenApiParameter("sort", str, enum=list(ranking.SORTS)),
        ],
        responses=RiskSerializer(many=True),  # a page of them (it was documented as one)
    )
    def get(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated("Sign in to see the board.")
        filters = self._filters(request)
        ranked = board_rows(user=request.user, now=timezone.now(), **filters)
        page = self.paginate_queryset(ranked)
        return self.get_paginated_response(risk_rows(page, request=request))

    def _filters(self, request) -> dict:
        given, errors, filters = request.query_params, {}, {}
        if given.get("business_unit"):
            unit = catalog_selectors.business_unit_list(user=request.user).filter(slug=given["business_unit"]).first()
            if unit is None:
                errors["business_unit"] = [f"No business unit “{given['business_unit']}”."]
            filters["business_unit"] = unit
        if given.get("service"):
            service = (
                catalog_selectors.service_list(user=request.user)
                .prefetch_related(None)
                .filter(slug=given["service"])
                .first()
            )
            if service is None:
                errors["service"] = [f"No service “{given['service']}” that you may see."]
            filters["service"] = service
        choices = (
            ("kind", list(KINDS)),
            ("severity", AlertSeverity.values),
            ("status", STATUSES),
            ("sort", ranking.SORTS),
            ("priority", [str(p) for p in PRIORITIES]),
        )
        for name, allowed in choices:
            value = given.get(name)
            if value:
                if value not in allowed:
                    errors[name] = [f"Choose one of: {', '.join(allowed)}."]
                filters[name] = int(value) if name == "priority" and value in allowed else value
        if errors:
            raise ValidationError(errors)
        return filters
