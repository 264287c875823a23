"""A service's scorecard over the API. Thin: read the service through catalog.selectors (scoped
to the caller: whoever may read the service may read its scorecard), ask
sla.scorecard_selectors, shape the answer.

    GET /api/v1/services/{slug}/scorecard/
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.api.serializers import RefSerializer
from catalog.models import Service
from sla import scorecard as card
from sla.models import MeasureStatus
from sla.scorecard_selectors import service_scorecard


class PeriodValueSerializer(serializers.Serializer):
    period_start = serializers.DateTimeField(source="start")
    period_end = serializers.DateTimeField(source="end")
    label = serializers.CharField()
    value = serializers.FloatField(
        source="actual", allow_null=True, help_text="The period's actual (so far, for the current period)."
    )
    status = serializers.ChoiceField(choices=MeasureStatus.choices)
    current = serializers.BooleanField(help_text="The period in progress.")
    settled = serializers.BooleanField(help_text="Evaluated after the period ended: the verdict is final.")


class ForecastSerializer(serializers.Serializer):
    value = serializers.FloatField(source="forecast")
    low = serializers.FloatField(source="forecast_low", allow_null=True)
    high = serializers.FloatField(source="forecast_high", allow_null=True)
    outlook = serializers.ChoiceField(
        choices=card.OUTLOOK_CHOICES,
        allow_null=True,
        help_text="met: the whole band meets the target; at_risk: the band crosses it; missed: the forecast misses it.",
    )


class AgreementRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    version = serializers.IntegerField()
    business_unit = serializers.SlugField(
        source="business_unit.slug", allow_null=True, help_text="Null: the agreement covers all business units."
    )


class MeasureCardSerializer(serializers.Serializer):
    key = serializers.CharField(source="measure.key")
    name = serializers.CharField(source="measure.name")
    agreement = AgreementRefSerializer()
    unit = serializers.CharField(source="measure.unit")
    direction = serializers.CharField(source="measure.direction")
    period = serializers.CharField(source="measure.period")
    period_label = serializers.CharField(source="current.label")
    target = serializers.FloatField()
    warning_level = serializers.FloatField(source="measure.warning_level", allow_null=True)
    actual = serializers.FloatField(source="current.actual", allow_null=True)
    status = serializers.ChoiceField(choices=MeasureStatus.choices)
    status_label = serializers.CharField()
    reason = serializers.CharField()
    forecast = serializers.SerializerMethodField()
    budget = serializers.DictField(help_text="Percentage measures: the error budget as last evaluated.")
    trend = serializers.ChoiceField(choices=tuple(card.TREND_LABELS), allow_null=True)
    sparkline = PeriodValueSerializer(source="history", many=True, help_text="Oldest first; the current period last.")
    evaluated_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(responses=ForecastSerializer(allow_null=True))
    def get_forecast(self, obj) -> dict | None:
        return ForecastSerializer(obj).data if obj.forecast is not None else None


class FactorSerializer(serializers.Serializer):
    factor = serializers.CharField()
    label = serializers.CharField()
    status = serializers.ChoiceField(
        choices=card.FACTOR_STATUS_CHOICES, help_text="The worst of its measures' statuses."
    )
    status_label = serializers.CharField()
    trend = serializers.ChoiceField(choices=tuple(card.TREND_LABELS), allow_null=True)
    forecast = serializers.ChoiceField(source="outlook", choices=card.OUTLOOK_CHOICES, allow_null=True)
    measures = MeasureCardSerializer(many=True)


class MaturitySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=card.LEVEL_CHOICES, allow_null=True)
    label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    next_level = serializers.ChoiceField(choices=card.LEVEL_CHOICES, allow_null=True)
    missing = serializers.ListField(child=serializers.CharField(), help_text="What the next level still needs.")


class AgreementMaturitySerializer(serializers.Serializer):
    agreement = AgreementRefSerializer()
    maturity = MaturitySerializer()


class ScorecardSerializer(serializers.Serializer):
    service = RefSerializer()
    computed_at = serializers.DateTimeField()
    factors = FactorSerializer(many=True)
    agreements = AgreementMaturitySerializer(many=True, help_text="The agreements in force, with their maturity.")


class ServiceScorecardView(APIView):
    @extend_schema(
        summary="A service's scorecard: six factors, their measures, trends, forecasts and agreement maturity",
        responses=ScorecardSerializer,
    )
    def get(self, request, slug: str):
        try:
            service = catalog_selectors.service_list(user=request.user).prefetch_related(None).get(slug=slug)
        except Service.DoesNotExist:
            raise NotFound("No such service.") from None
        scorecard = service_scorecard(service=service, now=timezone.now())
        return Response(ScorecardSerializer(scorecard).data)
