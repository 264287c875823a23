"""Committed results over the API. Thin: parse, check rights (catalog/rules.py), call
sla.services, shape the answer with the status computed at `now`.

    GET   /api/v1/commitments/                      those you may see (?service=, ?business_unit=,
                                                    ?outcome=, ?status= on_track|at_risk|stale|…)
    POST  /api/v1/commitments/                      make one (the service's owner and admins)
    GET   /api/v1/commitments/{id}/                 one, with its renegotiations
    PATCH /api/v1/commitments/{id}/                 change title, definition of done, owner, unit,
                                                    cadence, grace (not the due date: renegotiate)
    POST  /api/v1/commitments/{id}/deliver/         {"delivered_on"?, "note"?}
    POST  /api/v1/commitments/{id}/renegotiate/     {"new_due_on", "reason"}
    POST  /api/v1/commitments/{id}/withdraw/        {"reason"}
    GET   /api/v1/commitments/{id}/check-ins/       its check-ins, oldest first
    POST  /api/v1/commitments/{id}/check-ins/       {"percent_done", "note"?} (its owner too)
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.response import Response

from catalog import selectors as catalog_selectors
from catalog.api.fields import BoundedDurationField, DurationField
from catalog.api.routing import ID_PATTERN
from catalog.api.serializers import PersonSerializer, RefSerializer
from catalog.models import BusinessUnit
from sla import commitment_selectors as selectors
from sla.api import commitment_rows
from sla.commitments import STATUS_CHOICES, STATUSES
from sla.models import CommitmentOutcome
from sla.services import (
    check_in_record,
    commitment_create,
    commitment_deliver,
    commitment_renegotiate,
    commitment_update,
    commitment_withdraw,
)
from sla.services.commitments import MAX_CHECK_IN_EVERY, MAX_GRACE, MIN_CHECK_IN_EVERY

User = get_user_model()


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "description": "seconds"},
            {"type": "string", "example": "P7D", "description": "ISO 8601 duration (weeks, days, hours)"},
        ]
    }
)
class CalendarDurationField(DurationField):
    """Seconds or an ISO 8601 duration (P7D, P2W) in; ISO 8601 out."""


class PersonField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=User.objects.filter(is_active=True), **kwargs)


class CheckInSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    percent_done = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    by = PersonSerializer(read_only=True)


class RenegotiationSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    old_due_on = serializers.DateField()
    new_due_on = serializers.DateField()
    reason = serializers.CharField()
    by = PersonSerializer()


class CommitmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.HyperlinkedIdentityField(view_name="commitment-detail")
    service = RefSerializer()
    business_unit = RefSerializer(allow_null=True)
    title = serializers.CharField()
    definition_of_done = serializers.CharField()
    owner = PersonSerializer()
    committed_on = serializers.DateField()
    due_on = serializers.DateField()
    check_in_every = CalendarDurationField()
    grace = CalendarDurationField()
    outcome = serializers.ChoiceField(choices=CommitmentOutcome.choices)
    closed_on = serializers.DateField(allow_null=True)
    closing_note = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(source="state.status", choices=STATUS_CHOICES, help_text="Computed now.")
    status_reason = serializers.CharField(source="state.reason")
    percent_done = serializers.IntegerField(source="state.percent_done", allow_null=True)
    forecast_done_on = serializers.DateField(source="state.forecast_done_on", allow_null=True)
    next_check_in_due = serializers.DateTimeField(source="state.next_check_in_due", allow_null=True)
    stale_after = serializers.DateTimeField(source="state.stale_after", allow_null=True)
    check_ins_url = serializers.HyperlinkedIdentityField(view_name="commitment-check-ins")


class CommitmentDetailSerializer(CommitmentSerializer):
    renegotiations = RenegotiationSerializer(many=True)


# The domain's bounds (sla.services.commitments), stated by the fields and so in the schema.
_CHECK_IN_BOUNDS = {"min_value": MIN_CHECK_IN_EVERY, "max_value": MAX_CHECK_IN_EVERY}
_GRACE_BOUNDS = {"min_value": timedelta(0), "max_value": MAX_GRACE}


class CommitmentInputSerializer(serializers.Serializer):
    service = serializers.SlugField()
    business_unit = serializers.SlugRelatedField(
        slug_field="slug", queryset=BusinessUnit.objects.all(), required=False, allow_null=True, default=None
    )
    title = serializers.CharField(max_length=200)
    definition_of_done = serializers.CharField()
    owner = PersonField(required=False, help_text="User name; default: you.")
    committed_on = serializers.DateField(required=False, help_text="Default: today.")
    due_on = serializers.DateField()
    check_in_every = BoundedDurationField(**_CHECK_IN_BOUNDS, required=False, help_text="Default: P7D.")
    grace = BoundedDurationField(**_GRACE_BOUNDS, required=False, help_text="Default: P2D.")


class CommitmentChangeSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    definition_of_done = serializers.CharField(required=False)
    owner = PersonField(required=False)
    business_unit = serializers.SlugRelatedField(
        slug_field="slug", queryset=BusinessUnit.objects.all(), required=False, allow_null=True
    )
    check_in_every = BoundedDurationField(**_CHECK_IN_BOUNDS, required=False)
    grace = BoundedDurationField(**_GRACE_BOUNDS, required=False)

    def validate(self, attrs):
        fixed = {
            "due_on": "Move the due date by renegotiating it: POST …/renegotiate/ with the new date and the reason.",
            "service": "A commitment stays with its service; withdraw it and make a new one instead.",
            "committed_on": "The day it was committed cannot change.",
            "outcome": "Close it with …/deliver/ or …/withdraw/.",
        }
        problems = {name: [message] for name, message in fixed.items() if name in self.initial_data}
        if problems:
            raise ValidationError(problems)
        return attrs


class DeliverSerializer(serializers.Serializer):
    delivered_on = serializers.DateField(required=False, help_text="Default: today.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RenegotiateSerializer(serializers.Serializer):
    new_due_on = serializers.DateField()
    reason = serializers.CharField()


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField()


_DETAIL = CommitmentDetailSerializer


def _parsed(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="Commitments you may see, soonest due first",
        parameters=[
            OpenApiParameter("service", str, description="Service slug"),
            OpenApiParameter("business_unit", str, description="Business unit slug"),
            OpenApiParameter("outcome", str, enum=CommitmentOutcome.values),
            OpenApiParameter("status", str, enum=list(STATUSES), description="Status now (computed)"),
        ],
    ),
    retrieve=extend_schema(summary="A commitment, with its status and renegotiations"),
    create=extend_schema(
        summary="Commit to a result (the service's owner and admins)",
        request=CommitmentInputSerializer,
        responses={201: CommitmentDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change what it says, its owner, unit or check-in cadence (not when closed)",
        request=CommitmentChangeSerializer,
        responses=CommitmentDetailSerializer,
    ),
)
class CommitmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = selectors.commitment_list(user=self.request.user)
        if self.action != "list":
            queryset = queryset.prefetch_related("renegotiations__by")
        params = self.request.query_params
        if self.action == "list":
            if params.get("service"):
                queryset = queryset.filter(service__slug=params["service"])
            if params.get("business_unit"):
                queryset = queryset.filter(business_unit__slug=params["business_unit"])
            if params.get("outcome"):
                queryset = queryset.filter(outcome__in=params.getlist("outcome"))
        return queryset

    def get_serializer_class(self):
        return CommitmentSerializer if self.action == "list" else CommitmentDetailSerializer

    def check_permissions(self, request):
        super().check_permissions(request)
        if not request.user.is_authenticated:
            self.permission_denied(request, message="Sign in to see commitments.")

    def list(self, request, *args, **kwargs):
        wanted = request.query_params.getlist("status")
        unknown = sorted(set(wanted) - set(STATUSES))
        if unknown:
            raise ValidationError({"status": [f"Unknown status {', '.join(unknown)}; one of {', '.join(STATUSES)}."]})
        # `.values()` rows of get_queryset's commitments and filters, compiled once; their status
        # computed for the page (for every row when filtered on it); shaped as CommitmentSerializer
        # (commitment_rows.py)
        params, now = request.query_params, timezone.now()
        rows = commitment_rows.commitment_list_rows(
            user=request.user,
            service=params.get("service") or None,
            business_unit=params.get("business_unit") or None,
            outcome=params.getlist("outcome") if params.get("outcome") else None,
        )
        if wanted:
            pairs = [(row, state) for row, state in commitment_rows.with_state(rows, now=now) if state.status in wanted]
            page = self.paginate_queryset(pairs)
        else:
            page = commitment_rows.with_state(self.paginate_queryset(rows), now=now)
        return self.get_paginated_response(commitment_rows.commitment_rows(page, request=request))

    def get_object(self):
        commitment = super().get_object()
        commitment.state = selectors.commitment_state(commitment, now=timezone.now())
        return commitment

    def create(self, request, *args, **kwargs):
        data = _parsed(CommitmentInputSerializer, request.data)
        service = catalog_selectors.service_list(user=request.user).filter(slug=data.pop("service")).first()
        if service is None:
            raise ValidationError({"service": ["There is no such service."]})
        if not request.user.has_perm("sla.add_commitment", service):
            raise PermissionDenied(f"Only the owner of {service.name} and admins may commit to results for it.")
        data.setdefault("owner", request.user)
        commitment = commitment_create(service=service, actor=request.user, **data)
        return Response(self._detail(commitment.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        commitment = self._managed()
        data = _parsed(CommitmentChangeSerializer, request.data, partial=True)
        commitment_update(commitment=commitment, actor=request.user, **data)
        return Response(self._detail(commitment.pk))

    @extend_schema(summary="Record it delivered", request=DeliverSerializer, responses=CommitmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        commitment = self._managed()
        commitment_deliver(commitment=commitment, actor=request.user, **_parsed(DeliverSerializer, request.data))
        return Response(self._detail(commitment.pk))

    @extend_schema(
        summary="Move the due date, with the reason (kept in its history)",
        request=RenegotiateSerializer,
        responses=CommitmentDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def renegotiate(self, request, pk=None):
        commitment = self._managed()
        data = _parsed(RenegotiateSerializer, request.data)
        commitment_renegotiate(commitment=commitment, actor=request.user, **data)
        return Response(self._detail(commitment.pk))

    @extend_schema(
        summary="Withdraw it, with the reason", request=WithdrawSerializer, responses=CommitmentDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        commitment = self._managed()
        commitment_withdraw(commitment=commitment, actor=request.user, **_parsed(WithdrawSerializer, request.data))
        return Response(self._detail(commitment.pk))

    @extend_schema(methods=["GET"], summary="Its check-ins, oldest first", responses=CheckInSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="Check in: the percentage done and a note (its owner, the service's owner, admins)",
        request=CheckInSerializer,
        responses={201: CheckInSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="check-ins", url_name="check-ins")
    def check_ins(self, request, pk=None):
        if request.method == "GET":  # the commitment in the user's scope joined to its check-ins, one query
            found = commitment_rows.check_in_rows(user=request.user, pk=int(pk))
            if found is None:
                raise Http404("No Commitment matches the given query.")  # get_object_or_404's words
            return Response(found)
        commitment = get_object_or_404(selectors.commitment_list(user=request.user), pk=pk)
        if not request.user.has_perm("sla.check_in_commitment", commitment):
            raise PermissionDenied("Only the commitment's owner, the service's owner and admins may check in.")
        data = _parsed(CheckInSerializer, request.data)
        check_in = check_in_record(commitment=commitment, actor=request.user, **data)
        return Response(CheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)

    def _managed(self):
        commitment = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not self.request.user.has_perm("sla.change_commitment", commitment):
            raise PermissionDenied(
                f"Only the owner of {commitment.service.name} and admins may change its commitments."
            )
        return commitment

    def _detail(self, pk: int) -> dict:
        commitment = selectors.commitment_detail(user=self.request.user, pk=pk)
        commitment.state = selectors.commitment_state(commitment, now=timezone.now())
        return CommitmentDetailSerializer(commitment, context=self.get_serializer_context()).data
