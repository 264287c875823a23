"""Catalogue alignment over the API: the same reads and writes as the portal, scoped by the same
rules (catalog/rules.py), answering bad input with 400 and field messages.

    GET  /api/v1/alignment/                          units ranked by disagreement (scoped)
    GET  /api/v1/alignment/units/<slug>/             IT's list beside the unit's, requests, history
    GET  /api/v1/alignment/units/<slug>/marks/       the unit's own list
    PUT  /api/v1/alignment/units/<slug>/marks/       {"services": [slug, ...]}: the unit's list becomes this
    GET  /api/v1/alignment/requests/?business_unit=&state=
    POST /api/v1/alignment/requests/                 {"business_unit", "title", "source", "description",
                                                      "annual_cost", "users_affected"}
    GET  /api/v1/alignment/requests/<id>/   PATCH (the unit, while unanswered; optional "note")
    POST /api/v1/alignment/requests/<id>/answer/     {"outcome": added|exists|declined, "answer",
                                                      "service", "category", "service_name", "serve_unit"}
    POST /api/v1/alignment/requests/<id>/assign/     {"owner": username, "note"}

Withdrawing a request, correcting an answer and a request's history: api_changes.py.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from catalog import selectors as catalog_selectors
from catalog.alignment import answers, api_rows, selectors, services
from catalog.alignment.history import NOTE_MAX_LENGTH
from catalog.alignment.models import ANSWERED_STATES, MissingServiceRequest, RequestSource, RequestState
from catalog.api.serializers import RefSerializer
from catalog.models import BusinessUnit, Category

# --- Serializers (output) ----------------------------------------------------------------------


class ComparisonSerializer(serializers.Serializer):
    share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, help_text="0 to 1")
    agreed = serializers.SerializerMethodField()
    it_only = serializers.SerializerMethodField()
    unit_only = serializers.SerializerMethodField()
    open_requests = serializers.IntegerField()
    differences = serializers.IntegerField()

    def get_agreed(self, comparison) -> int:
        return len(comparison.agreed)

    def get_it_only(self, comparison) -> int:
        return len(comparison.it_only)

    def get_unit_only(self, comparison) -> int:
        return len(comparison.unit_only)


class StandingSerializer(serializers.Serializer):
    unit = RefSerializer()
    comparison = ComparisonSerializer()
    overdue_requests = serializers.IntegerField()


class RequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="request.pk")
    business_unit = RefSerializer(source="request.business_unit")
    title = serializers.CharField(source="request.title")
    description = serializers.CharField(source="request.description")
    source = serializers.CharField(source="request.source")
    annual_cost = serializers.DecimalField(
        source="request.annual_cost", max_digits=12, decimal_places=2, allow_null=True
    )
    users_affected = serializers.IntegerField(source="request.users_affected", allow_null=True)
    requested_by = serializers.CharField(source="request.requested_by.get_username", allow_null=True, default=None)
    requested_at = serializers.DateTimeField(source="request.requested_at")
    owner = serializers.CharField(source="request.owner.get_username", allow_null=True, default=None)
    state = serializers.CharField(source="request.state")
    answer = serializers.CharField(source="request.answer")
    service = RefSerializer(source="request.service", allow_null=True)
    answered_by = serializers.CharField(source="request.answered_by.get_username", allow_null=True, default=None)
    answered_at = serializers.DateTimeField(source="request.answered_at", allow_null=True)
    withdrawn_at = serializers.DateTimeField(
        source="request.withdrawn_at", allow_null=True, help_text="When the unit withdrew it (state withdrawn)."
    )
    age_business_days = serializers.FloatField(source="age_days")
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()


class HistorySerializer(serializers.Serializer):
    day = serializers.DateField()
    share = serializers.FloatField(allow_null=True)
    agreed = serializers.IntegerField()
    differences = serializers.IntegerField()


class UnitAlignmentSerializer(serializers.Serializer):
    unit = RefSerializer()
    comparison = ComparisonSerializer()
    agreed = RefSerializer(many=True, help_text="On both lists.")
    it_only = RefSerializer(many=True, help_text="IT lists the unit as served; the unit did not mark it.")
    unit_only = RefSerializer(many=True, help_text="The unit marked it; IT does not list the unit.")
    requests = RequestSerializer(many=True)
    history = HistorySerializer(many=True)


# --- Serializers (input) -----------------------------------------------------------------------


class MarksInput(serializers.Serializer):
    services = serializers.ListField(child=serializers.SlugField(max_length=160), max_length=5000)


class RequestInput(serializers.Serializer):
    business_unit = serializers.SlugField(max_length=120)
    title = serializers.CharField(max_length=160)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=RequestSource.choices, default=RequestSource.UNLISTED)
    annual_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    users_affected = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True, default=None
    )


class RequestPatch(serializers.Serializer):
    title = serializers.CharField(max_length=160, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=RequestSource.choices, required=False)
    annual_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    users_affected = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="What changed, for IT (kept in the request's history with the change).",
    )


ANSWER_OUTCOME_CHOICES = [(state.value, state.label) for state in ANSWERED_STATES]


class AnswerInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ANSWER_OUTCOME_CHOICES)
    answer = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    service = serializers.SlugField(max_length=160, required=False, help_text="exists: where it lives")
    category = serializers.SlugField(max_length=120, required=False, help_text="added: the new service's category")
    service_name = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
    serve_unit = serializers.BooleanField(required=False, default=False)


class AssignInput(serializers.Serializer):
    owner = serializers.CharField(max_length=150)
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="", help_text="Why (kept in its history)."
    )


# --- Views -----------------------------------------------------------------------------------


def _signed_in(request) -> None:
    if not request.user.is_authenticated:
        raise NotAuthenticated("Sign in to use catalogue alignment.")


def _unit(request, slug: str, perm: str) -> BusinessUnit:
    unit = catalog_selectors.business_unit_list(user=request.user).filter(slug=slug).first()
    if unit is None:
        raise Http404("No such business unit.")
    if not request.user.has_perm(perm, unit):
        raise PermissionDenied(
            f"You may not {'read' if perm.endswith('view_alignment') else 'change'} {unit.name}'s list."
        )
    return unit


def _request_or_404(request, pk: int) -> MissingServiceRequest:
    found = selectors.request_list(user=request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such request.")
    return found


def answer_arguments(request, data: dict) -> dict:
    """An answer's validated input (AnswerInput, CorrectInput) as the answer services take it:
    the service among those the user may mark, the category by slug; an unknown slug is a 400."""
    kwargs = {key: data[key] for key in ("outcome", "answer", "service_name", "serve_unit")}
    if data.get("service"):
        kwargs["service"] = selectors.markable_services(user=request.user).filter(slug=data["service"]).first()
        if kwargs["service"] is None:
            raise ValidationError({"service": [f"No such service: {data['service']}."]})
    if data.get("category"):
        kwargs["category"] = Category.objects.filter(slug=data["category"]).first()
        if kwargs["category"] is None:
            raise ValidationError({"category": [f"No such category: {data['category']}."]})
    return kwargs


def _one(request, found: MissingServiceRequest) -> Response:
    (row,) = selectors.request_rows([found], now=timezone.now())
    return Response(RequestSerializer(row).data)


class AlignmentRankingView(GenericAPIView):
    serializer_class = StandingSerializer
    pagination_class = None
    queryset = BusinessUnit.objects.none()  # for the schema: a standing per unit

    @extend_schema(
        summary="Business units ranked by disagreement between their list of services and IT's",
        responses=StandingSerializer(many=True),  # a list (it was documented as one)
    )
    def get(self, request):
        _signed_in(request)
        # StandingSerializer of selectors.alignment_ranking, counted in SQL (api_rows.py)
        ranking = api_rows.ranking_rows(user=request.user, now=timezone.now())
        if not ranking and not request.user.has_perm("catalog.view_alignment_overview"):
            raise PermissionDenied("You are in no business unit.")
        return Response(ranking)


class UnitAlignmentView(GenericAPIView):
    serializer_class = UnitAlignmentSerializer

    @extend_schema(summary="A unit's list of services beside IT's, its requests and the share of agreement by day")
    def get(self, request, slug: str):
        _signed_in(request)
        unit = _unit(request, slug, "catalog.view_alignment")
        alignment = selectors.unit_alignment(user=request.user, unit=unit, now=timezone.now())
        return Response(UnitAlignmentSerializer(alignment).data)


class UnitMarksView(GenericAPIView):
    serializer_class = MarksInput

    def get_object(self) -> BusinessUnit:
        # OPTIONS (DRF's metadata) asks for the object a PUT would change: the unit, if one may.
        return _unit(self.request, self.kwargs["slug"], "catalog.change_alignment")

    @extend_schema(summary="The services a unit says it receives", responses=MarksInput)
    def get(self, request, slug: str):
        _signed_in(request)
        unit = _unit(request, slug, "catalog.view_alignment")
        slugs = unit.service_marks.order_by("service__slug").values_list("service__slug", flat=True)
        return Response({"services": list(slugs)})

    @extend_schema(summary="Set the services a unit says it receives", request=MarksInput, responses=MarksInput)
    def put(self, request, slug: str):
        _signed_in(request)
        unit = _unit(request, slug, "catalog.change_alignment")
        given = MarksInput(data=request.data)
        given.is_valid(raise_exception=True)
        wanted = set(given.validated_data["services"])
        found = list(selectors.markable_services(user=request.user).filter(slug__in=wanted))
        unknown = sorted(wanted - {service.slug for service in found})
        if unknown:
            raise ValidationError({"services": [f"No such service in the catalogue: {', '.join(unknown[:20])}."]})
        services.service_marks_set(unit=unit, services=found, actor=request.user)
        return Response({"services": sorted(service.slug for service in found)})


class RequestListView(GenericAPIView):
    serializer_class = RequestSerializer
    queryset = MissingServiceRequest.objects.none()  # for the schema: a page of these

    @extend_schema(
        operation_id="v1_alignment_requests_list",
        summary="Requests for what the catalogue lacks (those of the units you may read)",
        parameters=[
            OpenApiParameter("business_unit", str, description="Business unit slug"),
            OpenApiParameter("state", str, enum=RequestState.values),
        ],
        responses=RequestSerializer(many=True),  # a page of them (it was documented as one)
    )
    def get(self, request):
        _signed_in(request)
        unit, state = request.query_params.get("business_unit"), request.query_params.get("state")
        if state and state not in RequestState.values:
            raise ValidationError({"state": [f"Choose one of: {', '.join(RequestState.values)}."]})
        # selectors.request_list's rows, compiled once, shaped as RequestSerializer (api_rows.py)
        found = api_rows.request_page(user=request.user, unit=unit or None, state=state or None)
        page = self.paginate_queryset(found)
        return self.get_paginated_response(api_rows.request_rows(page, now=timezone.now()))

    @extend_schema(summary="Tell IT what a unit relies on that the catalogue lacks", request=RequestInput)
    def post(self, request):
        _signed_in(request)
        given = RequestInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        unit = _unit(request, data.pop("business_unit"), "catalog.change_alignment")
        made = services.missing_service_request_create(unit=unit, actor=request.user, **data)
        response = _one(request, made)
        response.status_code = 201
        return response


class RequestDetailView(GenericAPIView):
    serializer_class = RequestSerializer

    @extend_schema(summary="One request and IT's answer")
    def get(self, request, pk: int):
        _signed_in(request)
        return _one(request, _request_or_404(request, pk))

    @extend_schema(summary="Correct a request IT has not answered yet", request=RequestPatch)
    def patch(self, request, pk: int):
        _signed_in(request)
        found = _request_or_404(request, pk)
        if not request.user.has_perm("catalog.change_missing_service_request", found):
            raise PermissionDenied(f"Only {found.business_unit.name}'s representatives or an admin may change it.")
        given = RequestPatch(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        note = fields.pop("note", "")
        if fields:
            services.missing_service_request_update(request=found, actor=request.user, note=note, **fields)
        return _one(request, _request_or_404(request, pk))


class RequestAnswerView(GenericAPIView):
    serializer_class = AnswerInput

    @extend_schema(summary="IT's answer: add it, say where it lives, or decline", responses=RequestSerializer)
    def post(self, request, pk: int):
        _signed_in(request)
        found = _request_or_404(request, pk)
        if not request.user.has_perm("catalog.answer_missing_service_request", found):
            raise PermissionDenied("Only IT (service owners) and admins answer requests.")
        given = AnswerInput(data=request.data)
        given.is_valid(raise_exception=True)
        answered = answers.missing_service_request_answer(
            request=found, actor=request.user, **answer_arguments(request, given.validated_data)
        )
        return _one(request, answered)


class RequestAssignView(GenericAPIView):
    serializer_class = AssignInput

    @extend_schema(summary="Give an unanswered request to another IT person", responses=RequestSerializer)
    def post(self, request, pk: int):
        _signed_in(request)
        found = _request_or_404(request, pk)
        if not request.user.has_perm("catalog.answer_missing_service_request", found):
            raise PermissionDenied("Only IT (service owners) and admins give requests to someone.")
        given = AssignInput(data=request.data)
        given.is_valid(raise_exception=True)
        owner = get_user_model().objects.filter(username=given.validated_data["owner"], is_active=True).first()
        if owner is None:
            raise ValidationError({"owner": [f"No active user “{given.validated_data['owner']}”."]})
        services.missing_service_request_assign(
            request=found, owner=owner, actor=request.user, note=given.validated_data["note"]
        )
        return _one(request, _request_or_404(request, pk))
