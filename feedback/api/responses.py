"""Responses collected by another tool, and a service's survey settings, over the API. Thin:
parse, look up, check rights (catalog/rules.py), call feedback.services.

    POST /api/v1/feedback/responses/                 201 created, 200 a repeat of its id (no change)
    GET|PATCH /api/v1/services/{slug}/survey-settings/

Rights: admins, Integrations, and the service's owner for their service.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.api.serializers import RefSerializer
from catalog.models import ApiScope, BusinessUnit, Service
from feedback.models import COMMENT_MAX_LENGTH, InvitationKind, LostTime, SurveyKind, SurveySettings
from feedback.models import Response as FeedbackResponse
from feedback.services import ResponseInput, response_record_external
from feedback.services.responses import SCALES
from feedback.services.surveys import (
    EVENT_DELAY_DAYS,
    EVENT_DELAY_PROBLEM,
    FATIGUE_DAYS,
    FATIGUE_PROBLEM,
    INVITATION_VALID_DAYS,
    INVITATION_VALID_PROBLEM,
    survey_settings_get,
    survey_settings_update,
)
from sla.models import Ticket

# --- Responses ------------------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    default_error_messages = {"naive": "Give the time with a time zone or UTC offset, e.g. 2026-11-02T09:00:00Z."}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class TicketRefSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=40, help_text="The ticket's tool, as in its ticket events.")
    external_id = serializers.CharField(max_length=200, help_text="The ticket's id in that tool.")


class ScoreField(serializers.IntegerField):
    """A score on its scale (feedback.services.responses.SCALES), stated in the schema; out of
    it, the service's own message."""

    def __init__(self, *, scale: str, **kwargs):
        self.scale = scale
        low, high = SCALES[scale]
        super().__init__(min_value=low, max_value=high, **kwargs)
        self.validators = []  # to_internal_value says it, with the value given

    def to_internal_value(self, data) -> int:
        value = super().to_internal_value(data)
        low, high = SCALES[self.scale]
        if not low <= value <= high:
            raise serializers.ValidationError(f"{self.scale.upper()} answers go from {low} to {high}, not {value!r}.")
        return value


class ExternalResponseInSerializer(serializers.Serializer):
    # Scores are only parsed here: feedback.services checks their scales (and says so per field).
    service = serializers.SlugField(help_text="The service's slug.")
    external_id = serializers.CharField(
        max_length=200, help_text="Your id for this response: sending it again changes nothing."
    )
    submitted_at = AwareDateTimeField(help_text="When it was answered, ISO 8601 with a UTC offset.")
    respondent_email = serializers.EmailField(help_text="Who answered.")
    business_unit = serializers.SlugField(required=False, allow_null=True, allow_blank=True, default=None)
    ticket = TicketRefSerializer(required=False, allow_null=True, default=None, help_text="The ticket it is about.")
    kind = serializers.ChoiceField(
        choices=InvitationKind.choices,
        required=False,
        default=None,
        help_text="event (about a ticket or a contact) or relationship (the six factors); "
        "default: relationship when only factor_ratings are given.",
    )
    csat = ScoreField(scale="csat", required=False, allow_null=True, default=None, help_text="1-5")
    nps = ScoreField(scale="nps", required=False, allow_null=True, default=None, help_text="0-10")
    ces = ScoreField(scale="ces", required=False, allow_null=True, default=None, help_text="1-7")
    factor_ratings = serializers.DictField(
        child=serializers.IntegerField(), required=False, default=dict, help_text="Success factor -> rating 1-5."
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=f"Up to {COMMENT_MAX_LENGTH:,} characters."
    )
    lost_time = serializers.ChoiceField(
        choices=LostTime.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Event surveys, optional: the work time the ticket cost the person "
        "(none, under_1h, 1_4h, day, more; docs/feedback.md#lost-time).",
    )


class ExternalResponseSerializer(serializers.ModelSerializer):
    service = RefSerializer()
    business_unit = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    ticket = TicketRefSerializer(allow_null=True)
    follow_up = serializers.SerializerMethodField(help_text="A detractor's answer opens a follow-up for the owner.")

    class Meta:
        model = FeedbackResponse
        fields = [
            "id",
            "service",
            "external_id",
            "kind",
            "source",
            "submitted_at",
            "respondent_email",
            "business_unit",
            "ticket",
            "csat",
            "nps",
            "ces",
            "factor_ratings",
            "comment",
            "lost_time",
            "follow_up",
            "created_at",
        ]

    def get_follow_up(self, response) -> bool:
        return hasattr(response, "follow_up")


class ExternalResponsesView(APIView):
    api_key_scope = ApiScope.INGEST  # docs/api.md: scopes

    @extend_schema(
        summary="Send a response collected by another tool (idempotent by its id)",
        request=ExternalResponseInSerializer,
        responses={201: ExternalResponseSerializer, 200: ExternalResponseSerializer},
        examples=[
            OpenApiExample(
                "After a ticket",
                value={
                    "service": "payroll",
                    "external_id": "typeform-8f2c",
                    "submitted_at": "2026-11-03T10:15:00Z",
                    "respondent_email": "ann@example.com",
                    "business_unit": "finance",
                    "ticket": {"source": "servicedesk", "external_id": "INC0012345"},
                    "csat": 4,
                    "nps": 9,
                    "lost_time": "under_1h",
                    "comment": "Quick and friendly.",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        payload = ExternalResponseInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        service, business_unit, ticket = self._lookups(data)
        if not request.user.has_perm("feedback.record_responses", service):
            raise PermissionDenied(f"You may not send responses for {service.name}.")
        answers = ResponseInput(
            csat=data["csat"],
            nps=data["nps"],
            ces=data["ces"],
            factor_ratings=data["factor_ratings"],
            comment=data["comment"],
            lost_time=data["lost_time"],
        )
        kind = data["kind"] or (
            InvitationKind.RELATIONSHIP
            if answers.factor_ratings and all(getattr(answers, k) is None for k in SurveyKind.values)
            else InvitationKind.EVENT
        )
        response, created = response_record_external(
            service=service,
            external_id=data["external_id"],
            answers=answers,
            submitted_at=data["submitted_at"],
            respondent_email=data["respondent_email"].strip().lower(),
            business_unit=business_unit,
            ticket=ticket,
            kind=kind,
        )
        if not created and response.service_id != service.pk:
            raise ValidationError({"external_id": ["This id already names a response about another service."]})
        response = (
            FeedbackResponse.objects.select_related("service", "business_unit", "ticket", "follow_up")
            .filter(pk=response.pk)
            .first()
        )
        return Response(
            ExternalResponseSerializer(response).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def _lookups(self, data) -> tuple[Service, BusinessUnit | None, Ticket | None]:
        problems: dict[str, list[str]] = {}
        service = Service.objects.filter(slug=data["service"]).first()
        if service is None:
            problems["service"] = [f"No service with the slug {data['service']!r}."]
        business_unit = None
        if data["business_unit"]:
            business_unit = BusinessUnit.objects.filter(slug=data["business_unit"]).first()
            if business_unit is None:
                problems["business_unit"] = [f"No business unit with the slug {data['business_unit']!r}."]
        ticket = None
        if data["ticket"]:
            ref = data["ticket"]
            ticket = Ticket.objects.filter(source=ref["source"], external_id=ref["external_id"]).first()
            if ticket is None:
                problems["ticket"] = [
                    f"No ticket {ref['external_id']!r} from {ref['source']!r}: send its events first."
                ]
            elif service is not None and ticket.service_id != service.pk:
                problems["ticket"] = [f"Ticket {ref['external_id']!r} is about another service."]
        if problems:
            raise ValidationError(problems)
        return service, business_unit, ticket


# --- Survey settings ------------------------------------------------------------------------------


class DaysField(serializers.FloatField):
    """A duration as a number of days (fractions allowed: 0.5 is 12 hours), between the
    bounds it is given (stated in the schema); a number, not its text."""

    default_error_messages = {"invalid": "Give a number of days, e.g. 1 or 0.5."}

    def __init__(self, *, bounds: tuple[int, int], problem: str, **kwargs):
        low, high = bounds
        messages = {"min_value": problem, "max_value": problem}
        super().__init__(min_value=low, max_value=high, error_messages=messages, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            self.fail("invalid")
        return super().to_internal_value(data)

    def run_validation(self, data=empty):
        days = super().run_validation(data)  # the bounds first: a timedelta of 1e308 days overflows
        return timedelta(days=days)

    def to_representation(self, value):
        days = value.total_seconds() / 86400
        return int(days) if days == int(days) else round(days, 4)


class SurveySettingsSerializer(serializers.ModelSerializer):
    service = RefSerializer(read_only=True)
    event_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=SurveyKind.choices), help_text="Scores an event survey asks."
    )
    event_delay_days = DaysField(
        source="event_delay",
        bounds=EVENT_DELAY_DAYS,
        problem=EVENT_DELAY_PROBLEM,
        help_text="Days to wait after a ticket is resolved.",
    )
    invitation_valid_for_days = DaysField(
        source="invitation_valid_for",
        bounds=INVITATION_VALID_DAYS,
        problem=INVITATION_VALID_PROBLEM,
        help_text="Days a survey link works.",
    )

    class Meta:
        model = SurveySettings
        fields = [
            "service",
            "event_surveys",
            "event_kinds",
            "event_delay_days",
            "fatigue_days",
            "relationship_surveys",
            "ask_comment",
            "csat_question",
            "nps_question",
            "ces_question",
            "invitation_valid_for_days",
        ]
        extra_kwargs = {
            "fatigue_days": {
                "min_value": FATIGUE_DAYS[0],
                "max_value": FATIGUE_DAYS[1],
                "error_messages": {"min_value": FATIGUE_PROBLEM, "max_value": FATIGUE_PROBLEM},
            }
        }


class SurveySettingsView(APIView):
    def _service(self, request, slug: str) -> Service:
        service = catalog_selectors.service_list(user=request.user).prefetch_related(None).filter(slug=slug).first()
        if service is None:
            raise NotFound("No such service.")
        if not request.user.has_perm("feedback.change_survey_settings", service):
            raise PermissionDenied(f"Only {service.name}'s owner and admins may see and change its surveys.")
        return service

    @extend_schema(summary="A service's survey settings (its owner and admins)", responses=SurveySettingsSerializer)
    def get(self, request, slug: str):
        settings = survey_settings_get(service=self._service(request, slug))
        return Response(SurveySettingsSerializer(settings).data)

    @extend_schema(
        summary="Change a service's survey settings (its owner and admins); only the fields given",
        request=SurveySettingsSerializer,
        responses=SurveySettingsSerializer,
    )
    def patch(self, request, slug: str):
        settings = survey_settings_get(service=self._service(request, slug))
        payload = SurveySettingsSerializer(settings, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        try:
            settings = survey_settings_update(settings=settings, **payload.validated_data)
        except DjangoValidationError as error:
            names = {"event_delay": "event_delay_days", "invitation_valid_for": "invitation_valid_for_days"}
            raise ValidationError({names.get(k, k): v for k, v in error.message_dict.items()}) from None
        return Response(SurveySettingsSerializer(settings).data)
