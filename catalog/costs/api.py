"""Cost of provision over the API, scoped like the pages ('catalog.view_costs': signed-in
catalogue readers and admins; services through the scoped catalogue selectors).

    GET /api/v1/costs/                     totals per business unit and per category
    GET /api/v1/costs/units/<slug>/        a unit's share of each service it uses, and the rule that set it
    GET /api/v1/costs/services/<slug>/     a service's drivers, rule, shares per unit, cost per ticket and per user
    PUT /api/v1/costs/services/<slug>/     replace its drivers and rule (its owner and admins:
                                           'catalog.change_service_cost'); the annual cost is their sum
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from catalog import selectors as catalog_selectors
from catalog.api.serializers import RefSerializer
from catalog.costs import selectors
from catalog.costs.models import MAX_AMOUNT, AllocationRule
from catalog.costs.services import MOST_DRIVERS, NAME_LENGTH, UNIT_LENGTH, service_cost_set

MONEY = {"max_digits": 14, "decimal_places": 2}


class DriverSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.DecimalField(**MONEY, help_text="Annual amount.")
    quantity = serializers.DecimalField(**MONEY, allow_null=True)
    unit_of_measure = serializers.CharField()


class ShareSerializer(serializers.Serializer):
    unit = RefSerializer()
    amount = serializers.DecimalField(**MONEY)
    weight = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="The unit's headcount or tickets (1 for equal shares)."
    )


class AllocationSerializer(serializers.Serializer):
    service = RefSerializer()
    total = serializers.DecimalField(**MONEY)
    rule = serializers.CharField(help_text="equal, headcount or tickets")
    rule_label = serializers.CharField()
    fell_back_to_equal = serializers.BooleanField(help_text="The rule's basis was zero for every unit.")
    drivers = DriverSerializer(many=True)
    shares = ShareSerializer(many=True)


class TotalSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    services = serializers.IntegerField()


class CatalogueCostsSerializer(serializers.Serializer):
    total = serializers.DecimalField(**MONEY)
    per_unit = serializers.SerializerMethodField()
    per_category = serializers.SerializerMethodField()
    unallocated = RefSerializer(many=True, source="unallocated_services", help_text="Services naming no unit.")

    def _rows(self, rows) -> list[dict]:
        return TotalSerializer(
            [{"slug": o.slug, "name": o.name, "total": total, "services": count} for o, total, count in rows], many=True
        ).data

    def get_per_unit(self, costs) -> list[dict]:
        return self._rows(costs.per_unit)

    def get_per_category(self, costs) -> list[dict]:
        return self._rows(costs.per_category)


class UnitRowSerializer(serializers.Serializer):
    service = RefSerializer(source="allocation.service")
    service_total = serializers.DecimalField(source="allocation.total", **MONEY)
    rule = serializers.CharField(source="allocation.rule")
    rule_label = serializers.CharField(source="allocation.rule_label")
    fell_back_to_equal = serializers.BooleanField(source="allocation.fell_back_to_equal")
    weight = serializers.DecimalField(source="share.weight", max_digits=16, decimal_places=2)
    weight_total = serializers.DecimalField(source="allocation.weight_total", max_digits=16, decimal_places=2)
    amount = serializers.DecimalField(source="share.amount", **MONEY, help_text="The unit's share.")


class UnitBillSerializer(serializers.Serializer):
    unit = RefSerializer()
    total = serializers.DecimalField(**MONEY)
    rows = UnitRowSerializer(many=True)


class ServiceCostSerializer(AllocationSerializer):
    note = serializers.CharField(help_text="Where the figures come from.")
    tickets = serializers.IntegerField(help_text="Opened in the last 12 months.")
    users = serializers.IntegerField(help_text="Headcount of the units it serves.")
    per_ticket = serializers.DecimalField(**MONEY, allow_null=True)
    per_user = serializers.DecimalField(**MONEY, allow_null=True)


class DriverInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_LENGTH, help_text="Unique per service (ignoring case).")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, max_value=MAX_AMOUNT, help_text="Annual amount."
    )
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, max_value=MAX_AMOUNT, required=False, allow_null=True
    )
    unit_of_measure = serializers.CharField(max_length=UNIT_LENGTH, required=False, allow_blank=True, default="")


class ServiceCostInputSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=AllocationRule.choices, help_text="How the total is shared out.")
    drivers = DriverInputSerializer(
        many=True, max_length=MOST_DRIVERS, help_text="The whole set, in order; the annual cost is their sum."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


def _may_read(request) -> None:
    if not request.user.is_authenticated:
        raise NotAuthenticated("Sign in to read the cost of provision.")
    if not selectors.may_view_costs(request.user):
        raise PermissionDenied("You may not read the cost of provision.")


class CatalogueCostsView(GenericAPIView):
    serializer_class = CatalogueCostsSerializer
    pagination_class = None

    @extend_schema(summary="The cost of provision: totals per business unit and per category")
    def get(self, request):
        _may_read(request)
        costs = selectors.catalogue_costs(user=request.user, now=timezone.now())
        costs.unallocated_services = [allocation.service for allocation in costs.unallocated]
        return Response(CatalogueCostsSerializer(costs).data)


class UnitCostsView(GenericAPIView):
    serializer_class = UnitBillSerializer
    pagination_class = None

    @extend_schema(summary="What IT's services cost a business unit: its share of each, and the rule")
    def get(self, request, slug: str):
        _may_read(request)
        unit = catalog_selectors.business_unit_list(user=request.user).filter(slug=slug).first()
        if unit is None:
            raise Http404("No such business unit.")
        return Response(UnitBillSerializer(selectors.unit_bill(user=request.user, unit=unit, now=timezone.now())).data)


class ServiceCostsView(GenericAPIView):
    serializer_class = ServiceCostSerializer
    pagination_class = None

    @extend_schema(summary="A service's cost drivers, its allocation to units, cost per ticket and per user")
    def get(self, request, slug: str):
        _may_read(request)
        return Response(self._payload(request, slug))

    @extend_schema(
        summary="Replace a service's cost drivers and allocation rule (its owner and admins)",
        request=ServiceCostInputSerializer,
        responses=ServiceCostSerializer,
    )
    def put(self, request, slug: str):
        _may_read(request)
        service = self.get_object()
        if not request.user.has_perm("catalog.change_service_cost", service):
            raise PermissionDenied("Only the service's owner and admins may change its cost.")
        serializer = ServiceCostInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        service_cost_set(service=service, allocation_rule=data["rule"], drivers=data["drivers"], note=data["note"])
        return Response(self._payload(request, slug))

    def get_object(self):
        """The service, in the caller's scope (also what OPTIONS asks before describing the PUT)."""
        services = catalog_selectors.service_list(user=self.request.user).prefetch_related(None)
        service = services.filter(slug=self.kwargs["slug"]).first()
        if service is None:
            raise Http404("No such service.")
        return service

    def _payload(self, request, slug: str) -> dict:
        queryset = catalog_selectors.service_list(user=request.user).filter(slug=slug)
        now = timezone.now()
        found = selectors.cost_allocations(user=request.user, now=now, queryset=queryset)
        if not found:
            raise Http404("No such service.")
        allocation = found[0]
        ratios = selectors.service_cost_ratios(user=request.user, service=allocation.service, now=now)
        data = {
            "service": allocation.service,
            "total": allocation.total,
            "rule": allocation.rule,
            "rule_label": allocation.rule_label,
            "fell_back_to_equal": allocation.fell_back_to_equal,
            "note": selectors.service_cost_note(allocation.service),
            "drivers": allocation.drivers,
            "shares": allocation.shares,
            "tickets": ratios.tickets,
            "users": ratios.users,
            "per_ticket": ratios.per_ticket,
            "per_user": ratios.per_user,
        }
        return ServiceCostSerializer(data).data
