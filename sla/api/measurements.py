"""Measurements endpoint: data points of success measures in (one, or a list of up to 5,000,
all-or-nothing, idempotent by the sender's id) and out (scoped to who may read them), and one
point with its corrections, corrected or removed with a reason. Thin: parse, call
sla.services (measurements_record, measurement_correct, measurement_remove) and
sla.selectors.measurement_list.

    GET  /api/v1/measurements/                 points you may read, latest first
    POST /api/v1/measurements/                 send points
    GET  /api/v1/measurements/{id}/            one point, with its corrections
    POST /api/v1/measurements/{id}/correct/    {"value", "reason"}: 200 with the point
    POST /api/v1/measurements/{id}/remove/     {"reason"}: 200 with the removal (the point is gone)
"""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.batch_rows import BatchRowParser
from catalog.api.serializers import RefSerializer
from catalog.api.value_rows import ValuesListMixin
from catalog.models import ApiScope
from config.ops.collector import cycle_collector_paused
from sla import selectors
from sla.api import list_rows
from sla.models import Measurement, MeasurementCorrection, MeasurementSource
from sla.models.measurements import REASON_MAX
from sla.services import MeasurementInput, measurement_correct, measurement_remove, measurements_record
from sla.services.measurement_corrections import require_may_correct
from sla.services.measurements import (
    MAX_BATCH,
    MAX_ROWS_REPORTED,
    NOTE_MAX,
    SENDER_ID_MAX,
    measured_at_parse,
)

MEASURED_AT_HELP = (
    "An instant, ISO 8601 with a UTC offset (2026-11-02T09:00:00Z); or, when only the day or period "
    "is known, a day (2026-11-02), ISO week (2026-W45), month (2026-11) or quarter (2026-Q4), stored "
    "at its start (midnight in the service's time zone)."
)


@extend_schema_field(OpenApiTypes.STR)
class MeasuredAtField(serializers.Field):
    default_error_messages = {
        "invalid": "Give an ISO 8601 time with a UTC offset (2026-11-02T09:00:00Z), or a day (2026-11-02), "
        "week (2026-W45), month (2026-11) or quarter (2026-Q4).",
        "naive": "Give the time with a time zone or UTC offset, e.g. 2026-11-02T09:00:00Z.",
    }

    def to_internal_value(self, data):
        if type(data) is str and len(data) > 10 and data.strip() == data:
            # An instant with its offset, as nearly every sender writes it: what measured_at_parse
            # returns for it (it tries fromisoformat first), without its other steps. (A zone from
            # fromisoformat is a fixed offset: with one, the time is aware.)
            try:
                parsed = datetime.fromisoformat(data)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is not None:
                return parsed
        parsed = measured_at_parse(data) if isinstance(data, str) else None
        if parsed is None:
            self.fail("invalid")
        if isinstance(parsed, datetime) and timezone.is_naive(parsed):
            self.fail("naive")
        return parsed

    def to_representation(self, value):
        return value.isoformat()


class NumberField(serializers.FloatField):
    """A finite number; true and false are not numbers."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class MeasurementInSerializer(serializers.Serializer):
    service = serializers.SlugField(help_text="The service's slug.")
    measure = serializers.SlugField(max_length=80, help_text="The measure's key, as in the agreement.")
    value = NumberField(help_text="Within the measure's valid range.")
    measured_at = MeasuredAtField(help_text=MEASURED_AT_HELP)
    sender_id = serializers.CharField(
        max_length=SENDER_ID_MAX, help_text="Your id for this data point: sending it again changes nothing."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX, default="")


class RecordResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Data points stored.")
    duplicates = serializers.IntegerField(help_text="Data points already stored under their sender id: no change.")


class MeasurementSerializer(serializers.ModelSerializer):
    service = RefSerializer()
    measure = serializers.CharField(source="measure_key")
    recorded_by = serializers.CharField(source="recorded_by.get_username", allow_null=True, default=None)

    class Meta:
        model = Measurement
        fields = [
            "id",
            "service",
            "measure",
            "value",
            "measured_at",
            "sender_id",
            "source",
            "note",
            "recorded_by",
            "created_at",
        ]


class MeasurementCorrectionSerializer(serializers.ModelSerializer):
    new_value = serializers.FloatField(allow_null=True, help_text="null: the point was removed.")
    corrected_by = serializers.CharField(source="corrected_by.get_username", allow_null=True, default=None)

    class Meta:
        model = MeasurementCorrection
        fields = ["id", "old_value", "new_value", "reason", "corrected_by", "corrected_at"]


class MeasurementDetailSerializer(MeasurementSerializer):
    corrections = MeasurementCorrectionSerializer(many=True, help_text="Its corrections, oldest first.")

    class Meta(MeasurementSerializer.Meta):
        fields = [*MeasurementSerializer.Meta.fields, "corrections"]


class MeasurementRemovalSerializer(MeasurementCorrectionSerializer):
    """The removal of a point, with what named it: the point itself is gone."""

    measurement = serializers.IntegerField(
        source="measurement_id", allow_null=True, help_text="The removed point's id."
    )
    service = RefSerializer()
    measure = serializers.CharField(source="measure_key")

    class Meta(MeasurementCorrectionSerializer.Meta):
        fields = [
            "id",
            "measurement",
            "service",
            "measure",
            "sender_id",
            "measured_at",
            *MeasurementCorrectionSerializer.Meta.fields[1:],
        ]


class MeasurementCorrectSerializer(serializers.Serializer):
    value = NumberField(help_text="The right value, within the measure's valid range.")
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why: kept with the point's history.")


class MeasurementRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why: kept with the point's history.")


class InstantField(IsoDateTimeField):
    """An ISO 8601 time, as the instant in UTC. Python takes offsets up to ±23:59, PostgreSQL
    only up to ±15:59: a time sent with +19:51 was a database error (a 500) until it was put in
    UTC here; one that leaves the calendar once in UTC (year 1 at +05:00) is a message."""

    def to_python(self, value):
        instant = super().to_python(value)
        if instant is None:
            return None
        try:
            return instant.astimezone(UTC)
        except OverflowError:
            raise DjangoValidationError(
                "This time is out of range once put in UTC; give a time between the years 1 and 9999.",
                code="invalid",
            ) from None


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


class MeasurementFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="service__slug", label="Service slug")
    measure = django_filters.CharFilter(field_name="measure_key", label="Measure key")
    since = InstantFilter(field_name="measured_at", lookup_expr="gte", label="Measured at or after (ISO 8601)")
    until = InstantFilter(field_name="measured_at", lookup_expr="lt", label="Measured before")
    source = django_filters.ChoiceFilter(choices=MeasurementSource.choices)

    class Meta:
        model = Measurement
        fields = ["service", "measure", "since", "until", "source"]


@extend_schema_view(get=extend_schema(summary="Data points of success measures you may read, latest first"))
class MeasurementsView(ValuesListMixin, generics.ListAPIView):
    api_key_scope = ApiScope.INGEST  # docs/api.md: scopes
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter

    def get_queryset(self):
        return selectors.measurement_list(user=self.request.user).order_by("-measured_at", "-pk")

    def value_rows(self, queryset):
        return list_rows.measurement_values(queryset)

    def shape_rows(self, rows):
        return list_rows.measurement_rows(rows)

    def check_permissions(self, request):
        super().check_permissions(request)
        if not request.user.is_authenticated:
            self.permission_denied(request, message="Sign in to read or send measurements.")

    @extend_schema(
        summary="Send measurements (one, or a list of up to 5,000)",
        request=MeasurementInSerializer(many=True),
        responses={201: RecordResultSerializer, 200: RecordResultSerializer},
        examples=[
            OpenApiExample(
                "One data point",
                value={
                    "service": "payroll",
                    "measure": "payslips-on-time",
                    "value": 99.2,
                    "measured_at": "2026-11-02T09:00:00Z",
                    "sender_id": "payroll-run-2026-11-02",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        with cycle_collector_paused():
            return self._post(request)

    def _post(self, request):
        many = isinstance(request.data, list)
        items = request.data if many else [request.data]
        if many and len(items) > MAX_BATCH:
            raise ValidationError({"rows": [f"Send at most {MAX_BATCH:,} measurements at once, not {len(items):,}."]})
        if not items:
            raise ValidationError({"rows": ["Send at least one measurement."]})
        parsed, errors, bad_rows = [], {}, 0
        # Plainly valid rows skip DRF's field-by-field machinery; the others get its messages.
        parser = BatchRowParser(MeasurementInSerializer(), fast_as={"value": serializers.FloatField})
        for index, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise ValidationError({"non_field_errors": ["Each measurement must be a JSON object."]})
                parsed.append(MeasurementInput(**parser.parse(item)))
            except ValidationError as error:
                bad_rows += 1
                if bad_rows <= MAX_ROWS_REPORTED:
                    for field, messages in error.detail.items():
                        errors[f"rows[{index}].{field}" if many else field] = messages
        if bad_rows > MAX_ROWS_REPORTED:
            rest = bad_rows - MAX_ROWS_REPORTED
            errors["rows"] = [f"…and {rest:,} more rows with problems; nothing was recorded."]
        if errors:
            raise ValidationError(errors)
        result = measurements_record(items=parsed, actor=request.user, source=MeasurementSource.API, many=many)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(RecordResultSerializer(result).data, status=code)


class _OnePoint:
    """A point the user may read, or 404 (never an unscoped get)."""

    api_key_scope = ApiScope.INGEST  # corrections and removals come with the points

    def check_permissions(self, request):
        super().check_permissions(request)
        if not request.user.is_authenticated:
            self.permission_denied(request, message="Sign in to read or correct measurements.")

    def point(self, *, with_history: bool = False) -> Measurement:
        points = selectors.measurement_list(user=self.request.user)
        if with_history:
            points = points.prefetch_related("corrections__corrected_by")
        return get_object_or_404(points, pk=self.kwargs["pk"])

    def point_to_correct(self) -> Measurement:
        """The point, once the user may correct it: 403 before any problem with the input."""
        point = self.point()
        require_may_correct(actor=self.request.user, service=point.service)
        return point

    def detail(self) -> dict:
        return MeasurementDetailSerializer(self.point(with_history=True)).data


@extend_schema(summary="A data point you may read, with its corrections", responses=MeasurementDetailSerializer)
class MeasurementDetailView(_OnePoint, APIView):
    """One data point, with every correction of it, oldest first."""

    def get(self, request, pk: int):
        return Response(self.detail())


class MeasurementCorrectView(_OnePoint, APIView):
    """A new value in the measure's valid range, with the reason; the old value is kept in the
    point's corrections. Refused (400) when the value is the same, or when the point's period
    already has its final verdict. The measure is evaluated again in the background."""

    @extend_schema(
        summary="Correct a data point: the right value and the reason (the owner, integrations, admins)",
        request=MeasurementCorrectSerializer,
        responses=MeasurementDetailSerializer,
    )
    def post(self, request, pk: int):
        point = self.point_to_correct()
        data = MeasurementCorrectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        measurement_correct(measurement=point, actor=request.user, **data.validated_data)
        return Response(self.detail())


class MeasurementRemoveView(_OnePoint, APIView):
    """The point is removed, its history kept; sending it again (its sender id) changes nothing.
    Refused (400) when its period already has its final verdict."""

    @extend_schema(
        summary="Remove a data point, with the reason; its history is kept (the owner, integrations, admins)",
        request=MeasurementRemoveSerializer,
        responses=MeasurementRemovalSerializer,
    )
    def post(self, request, pk: int):
        point = self.point_to_correct()
        data = MeasurementRemoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        removal = measurement_remove(measurement=point, actor=request.user, **data.validated_data)
        return Response(MeasurementRemovalSerializer(removal).data)
