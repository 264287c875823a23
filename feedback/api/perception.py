"""The perception gap over the API. Thin: read the service through catalog.selectors (scoped to
the caller), ask feedback.perception_selectors, record through feedback.services.

    GET /api/v1/services/{slug}/perception-gap/?quarter=2026-Q4
    GET /api/v1/perception-gaps/?quarter=2026-Q4&limit=10
    PUT /api/v1/services/{slug}/self-assessments/{quarter}/

Reads: whoever may read the catalogue (catalog/rules.py 'feedback.view_perception_gap').
Writes: the service's owner and admins ('feedback.record_self_assessment'); anyone else 403.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.api.serializers import RefSerializer
from catalog.models import Service
from feedback.perception import READING_CHOICES, quarter_code, quarter_end, quarter_label, quarter_parse
from feedback.perception_selectors import DEFAULT_LIMIT, catalogue_gaps, current_quarter, service_perception
from feedback.services.self_assessment import self_assessment_record

MAX_LIMIT = 100
GAP_DECIMALS = 2

QUARTER_PARAMETER = OpenApiParameter(
    "quarter", str, description="The quarter, e.g. 2026-Q4. Default: the latest quarter with data."
)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, GAP_DECIMALS)


# --- Answers ------------------------------------------------------------------------------------


class QuarterFieldsMixin(serializers.Serializer):
    quarter = serializers.SerializerMethodField(help_text="e.g. 2026-Q4")
    quarter_label = serializers.SerializerMethodField(help_text="e.g. Q4 2026")
    period_start = serializers.DateField(source="quarter", help_text="The quarter's first day.")
    period_end = serializers.SerializerMethodField(help_text="The day after the quarter.")

    def get_quarter(self, obj) -> str:
        return quarter_code(obj.quarter)

    def get_quarter_label(self, obj) -> str:
        return quarter_label(obj.quarter)

    def get_period_end(self, obj) -> str:
        return quarter_end(obj.quarter).isoformat()


class BusinessViewSerializer(serializers.Serializer):
    mean = serializers.SerializerMethodField(help_text="Mean rating 1-5, two decimals; null when nobody rated it.")
    count = serializers.IntegerField(source="business_count", help_text="How many respondents rated the factor.")
    enough = serializers.BooleanField(help_text="At least min_responses answers: only then is there a gap.")

    def get_mean(self, obj) -> float | None:
        return _rounded(obj.business_mean)


class FactorGapSerializer(serializers.Serializer):
    factor = serializers.CharField()
    label = serializers.CharField()
    it = serializers.IntegerField(allow_null=True, help_text="IT's rating 1-5; null when IT has not rated the quarter.")
    business = BusinessViewSerializer(source="*")
    gap = serializers.SerializerMethodField(
        help_text="IT's rating minus the business's mean, two decimals: positive when IT rates itself higher. "
        "Null without IT's rating or enough answers."
    )
    reading = serializers.ChoiceField(choices=READING_CHOICES, allow_null=True)

    def get_gap(self, obj) -> float | None:
        return _rounded(obj.gap)


class SelfAssessmentSerializer(serializers.Serializer):
    ratings = serializers.DictField(child=serializers.IntegerField())
    note = serializers.CharField()
    by = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_by(self, obj) -> str:
        return obj.by.get_full_name() or obj.by.get_username()


class ServicePerceptionSerializer(QuarterFieldsMixin):
    service = RefSerializer()
    min_responses = serializers.IntegerField(source="perception.min_responses")
    respondents = serializers.IntegerField(
        source="perception.respondents", help_text="Relationship survey answers about the quarter."
    )
    overall_gap = serializers.SerializerMethodField(help_text="The mean of the factors' gaps; null when none.")
    self_assessment = SelfAssessmentSerializer(allow_null=True, help_text="IT's view; null when not recorded.")
    factors = FactorGapSerializer(source="perception.factors", many=True)

    def get_overall_gap(self, obj) -> float | None:
        return _rounded(obj.perception.overall_gap)


class GapEntrySerializer(serializers.Serializer):
    service = RefSerializer()
    factor = serializers.CharField(source="factor.factor")
    label = serializers.CharField(source="factor.label")
    it = serializers.IntegerField(source="factor.it")
    business_mean = serializers.SerializerMethodField()
    business_count = serializers.IntegerField(source="factor.business_count")
    gap = serializers.SerializerMethodField()
    reading = serializers.ChoiceField(source="factor.reading", choices=READING_CHOICES)

    def get_business_mean(self, obj) -> float:
        return _rounded(obj.factor.business_mean)

    def get_gap(self, obj) -> float:
        return _rounded(obj.factor.gap)


class CatalogueGapsSerializer(serializers.Serializer):
    quarter = serializers.SerializerMethodField(help_text="The quarter listed; null when no quarter has a gap.")
    quarter_label = serializers.SerializerMethodField()
    min_responses = serializers.IntegerField()
    gaps = GapEntrySerializer(source="entries", many=True, help_text="Largest gap (either way) first.")

    def get_quarter(self, obj) -> str | None:
        return quarter_code(obj.quarter) if obj.quarter else None

    def get_quarter_label(self, obj) -> str | None:
        return quarter_label(obj.quarter) if obj.quarter else None


class SelfAssessmentInputSerializer(serializers.Serializer):
    # Shape only: feedback.services.self_assessment checks the factors and the scale.
    ratings = serializers.DictField(
        child=serializers.JSONField(), help_text="Each of the six success factors -> rating 1-5."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class RecordedSelfAssessmentSerializer(SelfAssessmentSerializer):
    service = RefSerializer()
    quarter = serializers.SerializerMethodField()

    def get_quarter(self, obj) -> str:
        return quarter_code(obj.period_start)


# --- Views --------------------------------------------------------------------------------------


def _service(request, slug: str) -> Service:
    try:
        return catalog_selectors.service_list(user=request.user).prefetch_related(None).get(slug=slug)
    except Service.DoesNotExist:
        raise NotFound("No such service.") from None


def _quarter_param(value: str | None):
    if value is None or value == "":
        return None
    try:
        return quarter_parse(value)
    except ValueError as error:
        raise ValidationError({"quarter": [str(error)]}) from None


def _require_view(request) -> None:
    if not request.user.has_perm("feedback.view_perception_gap"):
        raise PermissionDenied("You may not read the perception gap.")


class ServicePerceptionGapView(APIView):
    @extend_schema(
        summary="IT's view and the business's view of a service for a quarter, per success factor, with the gap",
        parameters=[QUARTER_PARAMETER],
        responses=ServicePerceptionSerializer,
    )
    def get(self, request, slug: str):
        _require_view(request)
        service = _service(request, slug)
        quarter = _quarter_param(request.query_params.get("quarter"))
        now = timezone.now()
        if quarter is not None and quarter > current_quarter(service=service, now=now):
            raise ValidationError({"quarter": [f"{quarter_label(quarter)} has not started yet."]})
        view = service_perception(service=service, quarter=quarter, now=now)
        return Response(ServicePerceptionSerializer(view).data)


class PerceptionGapsView(APIView):
    @extend_schema(
        summary="The largest perception gaps across the catalogue (service, factor) for a quarter",
        parameters=[
            OpenApiParameter(
                "quarter", str, description="e.g. 2026-Q3. Default: the latest quarter in which a gap is known."
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                description=f"How many, 1-{MAX_LIMIT}; default {DEFAULT_LIMIT}.",
            ),
        ],
        responses=CatalogueGapsSerializer,
    )
    def get(self, request):
        _require_view(request)
        quarter = _quarter_param(request.query_params.get("quarter"))
        limit = request.query_params.get("limit", str(DEFAULT_LIMIT))
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
            raise ValidationError({"limit": [f"Give a whole number from 1 to {MAX_LIMIT}, not {limit!r}."]})
        gaps = catalogue_gaps(user=request.user, quarter=quarter, limit=int(limit))
        return Response(CatalogueGapsSerializer(gaps).data)


class SelfAssessmentView(APIView):
    @extend_schema(
        summary="Record IT's view of a service for a quarter (service owner or admin); replaces an earlier one",
        request=SelfAssessmentInputSerializer,
        responses={200: RecordedSelfAssessmentSerializer, 201: RecordedSelfAssessmentSerializer},
    )
    def put(self, request, slug: str, quarter: str):
        service = _service(request, slug)
        payload = SelfAssessmentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        assessment, created = self_assessment_record(
            service=service,
            quarter=quarter,
            ratings=payload.validated_data["ratings"],
            note=payload.validated_data["note"],
            actor=request.user,
        )
        assessment.service = service
        return Response(
            RecordedSelfAssessmentSerializer(assessment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
