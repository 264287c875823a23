"""Measurements endpoint: data points of success measures in (one, or a list of up to 5,000,
all-or-nothing, idempotent by the sender's id) and out (scoped to who may read them). Thin:
parse, call sla.services.measurements_record / sla.selectors.measurement_list."""

from __future__ import annotations

from datetime import datetime

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from catalog.api.serializers import RefSerializer
from sla import selectors
from sla.models import Measurement, MeasurementSource
from sla.services import MeasurementInput, measurements_record
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


class MeasurementFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="service__slug", label="Service slug")
    measure = django_filters.CharFilter(field_name="measure_key", label="Measure key")
    since = django_filters.IsoDateTimeFilter(
        field_name="measured_at", lookup_expr="gte", label="Measured at or after (ISO 8601)"
    )
    until = django_filters.IsoDateTimeFilter(field_name="measured_at", lookup_expr="lt", label="Measured before")
    source = django_filters.ChoiceFilter(choices=MeasurementSource.choices)

    class Meta:
        model = Measurement
        fields = ["service", "measure", "since", "until", "source"]


@extend_schema_view(get=extend_schema(summary="Data points of success measures you may read, latest first"))
class MeasurementsView(generics.ListAPIView):
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter

    def get_queryset(self):
        return selectors.measurement_list(user=self.request.user).order_by("-measured_at", "-pk")

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
        many = isinstance(request.data, list)
        items = request.data if many else [request.data]
        if many and len(items) > MAX_BATCH:
            raise ValidationError({"rows": [f"Send at most {MAX_BATCH:,} measurements at once, not {len(items):,}."]})
        if not items:
            raise ValidationError({"rows": ["Send at least one measurement."]})
        parsed, errors, bad_rows = [], {}, 0
        parser = MeasurementInSerializer()  # one instance: binding fields per item costs more than parsing
        for index, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise ValidationError({"non_field_errors": ["Each measurement must be a JSON object."]})
                parsed.append(MeasurementInput(**parser.run_validation(item)))
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
