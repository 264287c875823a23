"""A service's feedback scores over the API. Thin: read the service through catalog.selectors
(scoped to the caller: whoever may read the service may read its scores), ask
feedback.selectors, shape the answer.

    GET /api/v1/services/{slug}/feedback/?period=quarter&periods=6
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.api.serializers import RefSerializer
from catalog.models import MeasurePeriod, Service
from feedback import scores
from feedback.experience.selectors import hourly_cost_setting
from feedback.selectors import DEFAULT_COUNT, DEFAULT_PERIOD, MAX_COUNT, MIN_COUNT, PERIODS, service_feedback_summary

TREND_CHOICES = tuple(scores.TREND_LABELS)  # the same values as the scorecard's trends


class SummaryParamsSerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=MeasurePeriod.choices, default=DEFAULT_PERIOD, help_text="week, month or quarter."
    )
    periods = serializers.IntegerField(
        min_value=MIN_COUNT,
        max_value=MAX_COUNT,
        default=DEFAULT_COUNT,
        help_text="How many periods, the current one included.",
    )


class RankedScoreSerializer(serializers.Serializer):
    value = serializers.FloatField(
        source="score.value", allow_null=True, help_text="Null without enough responses (see note)."
    )
    low = serializers.FloatField(source="score.low", allow_null=True, help_text="The confidence interval's low end.")
    high = serializers.FloatField(source="score.high", allow_null=True)
    responses = serializers.IntegerField(source="score.responses", help_text="Answers carrying this score.")
    enough = serializers.BooleanField(source="score.enough", help_text="At least min_responses answers.")
    note = serializers.CharField(source="score.note", help_text="e.g. 'not enough responses: 4 of 10'; '' when enough.")
    rank = serializers.IntegerField(allow_null=True, help_text="1 = best among ranked_services; null when not ranked.")
    ranked_services = serializers.IntegerField(source="ranked", help_text="Services with enough responses.")
    median = serializers.FloatField(allow_null=True, help_text="The median across the ranked services.")


class PeriodScoresSerializer(serializers.Serializer):
    csat = RankedScoreSerializer(source="scores.csat")
    nps = RankedScoreSerializer(source="scores.nps")
    ces = RankedScoreSerializer(source="scores.ces")


class LostTimeSerializer(serializers.Serializer):
    answers = serializers.IntegerField(help_text="Responses that said how much work time the ticket cost.")
    hours = serializers.FloatField(help_text="Their total, in hours (docs/feedback.md#lost-time for the mapping).")
    average_hours = serializers.FloatField(source="average", allow_null=True, help_text="Per answer; null without.")
    cost = serializers.SerializerMethodField(help_text="hours x lost_time_hourly_cost; null without a cost or answers.")

    def get_cost(self, obj) -> float | None:
        cost = obj.cost(self.context.get("hourly_cost"))
        return float(cost) if cost is not None else None


class PeriodSerializer(serializers.Serializer):
    period_start = serializers.DateTimeField(source="start")
    period_end = serializers.DateTimeField(source="end")
    label = serializers.CharField()
    current = serializers.BooleanField(help_text="The period in progress: its numbers are so far.")
    responses = serializers.IntegerField(help_text="Responses received in the period.")
    invitations_sent = serializers.IntegerField()
    invitations_answered = serializers.IntegerField(help_text="Of the invitations sent in the period.")
    response_rate = serializers.FloatField(
        allow_null=True, help_text="Percent of the invitations sent in the period answered; null when none was sent."
    )
    scores = PeriodScoresSerializer(source="*")
    lost_time = LostTimeSerializer(help_text="The work time the period's answers say the tickets cost.")


class ScoreTrackSerializer(serializers.Serializer):
    label = serializers.SerializerMethodField()
    definition = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    scale_min = serializers.SerializerMethodField()
    scale_max = serializers.SerializerMethodField()
    trend = serializers.ChoiceField(
        choices=TREND_CHOICES, allow_null=True, help_text="Over the finished periods; null with fewer than two scores."
    )
    current = RankedScoreSerializer(help_text="The current period so far.")

    def get_label(self, obj) -> str:
        return scores.LABELS[obj.kind]

    def get_definition(self, obj) -> str:
        return scores.QUESTIONS[obj.kind]

    def get_unit(self, obj) -> str:
        return scores.UNITS[obj.kind]

    def get_scale_min(self, obj) -> float:
        return scores.SCALES[obj.kind][0]

    def get_scale_max(self, obj) -> float:
        return scores.SCALES[obj.kind][1]


class ScoreTracksSerializer(serializers.Serializer):
    csat = ScoreTrackSerializer()
    nps = ScoreTrackSerializer()
    ces = ScoreTrackSerializer()


class FeedbackSummarySerializer(serializers.Serializer):
    service = RefSerializer()
    period = serializers.ChoiceField(choices=MeasurePeriod.choices)  # the measures' periods (sla.periods)
    time_zone = serializers.CharField(help_text="Periods run in the service's time zone.")
    computed_at = serializers.DateTimeField()
    min_responses = serializers.IntegerField(help_text="The low-volume guard: fewer answers give no score.")
    confidence = serializers.FloatField(help_text="Of the intervals, e.g. 0.95.")
    scores = serializers.SerializerMethodField()
    lost_time_hourly_cost = serializers.SerializerMethodField(
        help_text="The loaded cost of an hour of work (settings.LOST_TIME_HOURLY_COST); null when not set."
    )
    periods = PeriodSerializer(many=True, help_text="Oldest first; the current period last.")

    def get_lost_time_hourly_cost(self, obj) -> float | None:
        cost = self.context.get("hourly_cost")
        return float(cost) if cost is not None else None

    @extend_schema(responses=ScoreTracksSerializer)
    def get_scores(self, obj) -> dict:
        return ScoreTracksSerializer({track.kind: track for track in obj.tracks}).data


class ServiceFeedbackView(APIView):
    @extend_schema(
        summary="A service's feedback scores (CSAT, NPS, CES) per period: intervals, responses, response rate, "
        "trend, rank and median across services",
        parameters=[
            OpenApiParameter("period", str, enum=list(PERIODS), description="Default quarter."),
            OpenApiParameter(
                "periods",
                {"type": "integer", "minimum": MIN_COUNT, "maximum": MAX_COUNT},
                description=f"{MIN_COUNT}-{MAX_COUNT}, default {DEFAULT_COUNT}.",
            ),
        ],
        responses=FeedbackSummarySerializer,
    )
    def get(self, request, slug: str):
        try:
            service = catalog_selectors.service_list(user=request.user).prefetch_related(None).get(slug=slug)
        except Service.DoesNotExist:
            raise NotFound("No such service.") from None
        params = SummaryParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        summary = service_feedback_summary(
            user=request.user,
            service=service,
            now=timezone.now(),
            period=params.validated_data["period"],
            count=params.validated_data["periods"],
        )
        context = {"hourly_cost": hourly_cost_setting()}
        return Response(FeedbackSummarySerializer(summary, context=context).data)
