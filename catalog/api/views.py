"""Catalogue API views: parse input, check rights through catalog/rules.py, call
services/selectors, shape output. Nothing else."""

from decimal import Decimal

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from catalog import selectors, services
from catalog.api import list_rows
from catalog.api import serializers as s
from catalog.api.filters import AgreementFilter, QueriedFilterBackend, ServiceFilter, names_a_filter
from catalog.api.measures import MEASURES_PREFETCH, AgreementMeasuresMixin
from catalog.api.routing import ID_PATTERN, SLUG_PATTERN
from catalog.api.targets import TARGETS_PREFETCH, AgreementTargetsMixin
from catalog.api.value_rows import ValuesListMixin, one_time_zone
from catalog.models import Agreement, AgreementStatus, Lifecycle, Service
from catalog.models.catalogue import cost_drivers_split


def _require(request, perm: str, obj=None, message: str | None = None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(message)


# --- Services ------------------------------------------------------------------------


def _refuse_cost_changes(data: dict, *, current: Service | None) -> None:
    """`annual_cost` and `cost_drivers` follow the service's cost drivers (set at
    /api/v1/costs/services/<slug>/): accepted unchanged, so a body read from GET can be sent back;
    a change is a 400 saying where to make it. Taken out of `data` either way."""
    slug = current.slug if current else "<slug>"
    where = f"It follows the service's cost drivers: set them with PUT /api/v1/costs/services/{slug}/."
    annual_cost = current.annual_cost if current else Decimal(0)
    drivers = current.cost_drivers if current else ""
    errors = {}
    if "annual_cost" in data and data.pop("annual_cost") != annual_cost:
        errors["annual_cost"] = [f"The annual cost is {annual_cost:.2f}, the sum of its cost drivers. {where}"]
    if "cost_drivers" in data and cost_drivers_split(data.pop("cost_drivers")) != cost_drivers_split(drivers):
        errors["cost_drivers"] = [f"The cost drivers are read only here. {where}"]
    if errors:
        raise ValidationError(errors)


@extend_schema_view(
    list=extend_schema(summary="List services", responses=s.ServiceSerializer(many=True)),
    retrieve=extend_schema(summary="A service, by slug", responses=s.ServiceDetailSerializer),
    create=extend_schema(
        summary="Create a service (service owners and admins)",
        request=s.ServiceInputSerializer,
        responses={201: s.ServiceDetailSerializer},
    ),
    update=extend_schema(
        summary="Replace a service (its owner and admins)",
        request=s.ServiceInputSerializer,
        responses=s.ServiceDetailSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some fields of a service (its owner and admins)",
        request=s.ServiceInputSerializer,
        responses=s.ServiceDetailSerializer,
    ),
)
class ServiceViewSet(
    ValuesListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    filter_backends = [QueriedFilterBackend]
    filterset_class = ServiceFilter
    count_filtered = True  # the rows' columns join the category and owners (foreign keys)

    def get_queryset(self):
        queryset = selectors.service_list(user=self.request.user)
        if self.action == "retrieve" or self.action in ("update", "partial_update"):
            queryset = queryset.prefetch_related("depends_on", "dependents")
        return queryset

    def get_serializer_class(self):
        return s.ServiceSerializer if self.action == "list" else s.ServiceDetailSerializer

    def list(self, request, *args, **kwargs):
        if names_a_filter(request, self.filterset_class):  # validated and applied by the filter set
            return super().list(request, *args, **kwargs)
        # Unfiltered: get_queryset's rows, compiled once (list_rows.SERVICES)
        with one_time_zone():
            page = self.paginate_queryset(list_rows.service_page(user=request.user))
            return self.get_paginated_response(self.shape_rows(page))

    def value_rows(self, queryset):
        return list_rows.service_values(queryset)

    def shape_rows(self, rows):
        return list_rows.service_rows(rows, request=self.request)

    def create(self, request, *args, **kwargs):
        _require(request, "catalog.add_service", message="Only service owners and admins may create services.")
        data = self._validated_input(partial=False)
        _refuse_cost_changes(data, current=None)
        owner = data.pop("service_owner", request.user)
        self._check_owner_assignment(owner, current=None)
        service = services.service_create(actor=request.user, service_owner=owner, **data)
        return Response(self._detail(service.slug), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        service = self.get_object()
        _require(request, "catalog.change_service", service, "Only the service's owner and admins may change it.")
        data = self._validated_input(partial=kwargs.get("partial", False))
        _refuse_cost_changes(data, current=service)
        if "service_owner" in data:
            self._check_owner_assignment(data["service_owner"], current=service.service_owner)
        services.service_update(service=service, **data)
        return Response(self._detail(service.slug))

    def _validated_input(self, *, partial: bool) -> dict:
        serializer = s.ServiceInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _check_owner_assignment(self, owner, *, current) -> None:
        if owner != current and owner != self.request.user and not self.request.user.has_perm("catalog.delete_service"):
            raise ValidationError({"service_owner": ["Only admins may give a service to another owner."]})

    def _detail(self, slug: str) -> dict:
        service = self.get_queryset().get(slug=slug)
        return s.ServiceDetailSerializer(service, context=self.get_serializer_context()).data


# --- Business units and categories ---------------------------------------------------


class _AdminWritableViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Readable like the catalogue; created and changed by admins only."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    manage_perm = ""

    def check_permissions(self, request):
        super().check_permissions(request)
        if self.action in ("create", "update", "partial_update"):
            _require(request, self.manage_perm, message="Only admins may change this.")


@extend_schema_view(list=extend_schema(summary="List business units"))
class BusinessUnitViewSet(ValuesListMixin, _AdminWritableViewSet):
    serializer_class = s.BusinessUnitSerializer
    manage_perm = "catalog.manage_business_units"

    def get_queryset(self):
        return selectors.business_unit_list(user=self.request.user)

    def value_rows(self, queryset):
        return queryset.values(*list_rows.BUSINESS_UNIT_COLUMNS)

    def shape_rows(self, rows):
        return list_rows.business_unit_rows(rows, request=self.request)


@extend_schema_view(list=extend_schema(summary="List categories, with the number of services not retired"))
class CategoryViewSet(ValuesListMixin, _AdminWritableViewSet):  # the mixin: the schema's description
    serializer_class = s.CategorySerializer
    manage_perm = "catalog.manage_categories"

    def get_queryset(self):
        return (
            selectors.category_list(user=self.request.user)
            .annotate(service_count=Count("services", filter=~Q(services__lifecycle=Lifecycle.RETIRED)))
            .order_by("position", "name")
        )

    def list(self, request, *args, **kwargs):
        # get_queryset's rows, compiled once (list_rows.CATEGORIES); no filter set to apply
        page = self.paginate_queryset(list_rows.category_page(user=request.user))
        return self.get_paginated_response(list_rows.category_rows(page, request=request))


# --- Agreements ----------------------------------------------------------------------


def agreement_allowed_actions(user, agreement: Agreement) -> dict:
    """What `user` may do with `agreement` now; shown so clients need not guess."""
    is_draft = agreement.status == AgreementStatus.DRAFT
    is_proposed = agreement.status == AgreementStatus.PROPOSED
    withdrawable = agreement.status in (AgreementStatus.DRAFT, AgreementStatus.PROPOSED, AgreementStatus.AGREED)
    return {
        "edit": is_draft and user.has_perm("catalog.change_agreement", agreement),
        "propose": is_draft and user.has_perm("catalog.propose_agreement", agreement),
        "return_to_draft": is_proposed and user.has_perm("catalog.change_agreement", agreement),
        "withdraw": withdrawable and user.has_perm("catalog.withdraw_agreement", agreement),
        "sign": services.agreement_signing_side(agreement=agreement, actor=user) if is_proposed else None,
    }


_ACTION_RESPONSES = {200: s.AgreementDetailSerializer}


@extend_schema_view(
    list=extend_schema(summary="List the agreements you may see", responses=s.AgreementSerializer(many=True)),
    retrieve=extend_schema(summary="An agreement version", responses=s.AgreementDetailSerializer),
    create=extend_schema(
        summary="Draft the next version for a service and business unit (its owner and admins)",
        request=s.AgreementCreateInputSerializer,
        responses={201: s.AgreementDetailSerializer},
    ),
    update=extend_schema(
        summary="Replace the terms of a draft", request=s.AgreementTermsInputSerializer, responses=_ACTION_RESPONSES
    ),
    partial_update=extend_schema(
        summary="Change terms of a draft", request=s.AgreementTermsInputSerializer, responses=_ACTION_RESPONSES
    ),
)
class AgreementViewSet(
    ValuesListMixin,
    AgreementTargetsMixin,
    AgreementMeasuresMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = ID_PATTERN
    filter_backends = [QueriedFilterBackend]
    filterset_class = AgreementFilter

    def get_queryset(self):
        queryset = selectors.agreement_list(user=self.request.user).select_related("supersedes")
        if self.action in ("list", "diff"):
            return queryset
        if self.action in ("measures", "targets") and self.request.method == "GET":
            return queryset  # they read their own rows, ordered (two prefetches read for nothing)
        return queryset.prefetch_related(TARGETS_PREFETCH, MEASURES_PREFETCH)

    def get_serializer_class(self):
        return s.AgreementSerializer if self.action == "list" else s.AgreementDetailSerializer

    def value_rows(self, queryset):
        return list_rows.agreement_values(queryset)

    def shape_rows(self, rows):
        return list_rows.agreement_rows(rows, request=self.request)

    def create(self, request, *args, **kwargs):
        serializer = s.AgreementCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        service = get_object_or_404(selectors.service_list(user=request.user), pk=data.pop("service").pk)
        _require(request, "catalog.add_agreement", service, "Only the service's owner and admins may draft agreements.")
        business_unit = data.pop("business_unit")
        agreement = services.agreement_draft_create(
            service=service, business_unit=business_unit, actor=request.user, **data
        )
        return Response(self._detail(agreement.pk), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        agreement = self.get_object()
        _require(request, "catalog.change_agreement", agreement, "Only the service's owner and admins may edit it.")
        serializer = s.AgreementTermsInputSerializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        services.agreement_update(agreement=agreement, **serializer.validated_data)  # terms and matrix together
        return Response(self._detail(agreement.pk))

    @extend_schema(summary="Propose a draft for signature", request=None, responses=_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        agreement = self.get_object()
        _require(request, "catalog.propose_agreement", agreement, "Only the service's owner and admins may propose it.")
        services.agreement_propose(agreement=agreement, actor=request.user)
        return Response(self._detail(agreement.pk))

    @extend_schema(
        summary="Sign a proposed version for your side (the service owner for IT, a representative for the business)",
        request=None,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        agreement = self.get_object()
        services.agreement_sign(agreement=agreement, actor=request.user)
        return Response(self._detail(agreement.pk))

    @extend_schema(summary="Return a proposed version to draft", request=None, responses=_ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return-to-draft")
    def return_to_draft(self, request, pk=None):
        agreement = self.get_object()
        _require(request, "catalog.change_agreement", agreement, "Only the service's owner and admins may do this.")
        services.agreement_return_to_draft(agreement=agreement)
        return Response(self._detail(agreement.pk))

    @extend_schema(
        summary="Withdraw a version (a reason is required for the one in force)",
        request=s.AgreementWithdrawInputSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        agreement = self.get_object()
        _require(
            request, "catalog.withdraw_agreement", agreement, "Only the service's owner and admins may withdraw it."
        )
        serializer = s.AgreementWithdrawInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.agreement_withdraw(agreement=agreement, actor=request.user, **serializer.validated_data)
        return Response(self._detail(agreement.pk))

    @extend_schema(
        summary="What changed between two versions",
        parameters=[
            OpenApiParameter("against", int, description="Id of the other version (default: the previous one)")
        ],
        responses=s.AgreementDiffSerializer,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        agreement = self.get_object()
        against = request.query_params.get("against")
        if against is None:
            other = selectors.agreement_previous_version(agreement=agreement, user=request.user)
            if other is None:
                raise ValidationError({"against": ["This is the first version; there is nothing to compare it with."]})
        else:
            if not (against.isascii() and against.isdigit()):  # "²".isdigit(), yet int("²") fails
                raise ValidationError({"against": ["Give the id of another version of this agreement."]})
            other = get_object_or_404(
                self.get_queryset(),
                pk=int(against),
                service_id=agreement.service_id,
                business_unit_id=agreement.business_unit_id,
            )
        old, new = sorted([other, agreement], key=lambda a: a.version)
        changes = selectors.agreement_diff(old=old, new=new)
        context = self.get_serializer_context()
        return Response(
            {
                "old": s.AgreementSerializer(old, context=context).data,
                "new": s.AgreementSerializer(new, context=context).data,
                "changes": s.TermChangeSerializer(changes, many=True).data,
            }
        )

    def get_object(self):
        # (The GETs of the measures and targets read the agreement in the user's scope joined to
        # their rows, not through here: catalog/api/measure_rows.py, target_rows.py.)
        agreement = super().get_object()
        agreement._allowed_actions = agreement_allowed_actions(self.request.user, agreement)
        return agreement

    def _detail(self, pk: int) -> dict:
        agreement = self.get_queryset().get(pk=pk)
        agreement._allowed_actions = agreement_allowed_actions(self.request.user, agreement)
        return s.AgreementDetailSerializer(agreement, context=self.get_serializer_context()).data
