"""Detractor follow-ups over the API. Thin: parse, check rights (catalog/rules.py), call
feedback.services.follow_ups, shape the answer with `overdue` computed now.

    GET  /api/v1/feedback/follow-ups/                  those you may see, soonest due first
                                                       (?state= open|contacted|closed|overdue|any,
                                                       default not closed; ?service=slug; ?mine=true)
    GET  /api/v1/feedback/follow-ups/{id}/             one, with the answer that opened it
    POST /api/v1/feedback/follow-ups/{id}/contacted/   {"outcome", "contacted_at"?}
    POST /api/v1/feedback/follow-ups/{id}/close/       {"learned", "outcome"?}
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from catalog.api.routing import ID_PATTERN
from catalog.api.serializers import PersonSerializer, RefSerializer
from feedback import follow_up_selectors as selectors
from feedback.api import follow_up_rows
from feedback.models import FollowUpState
from feedback.services.follow_ups import TEXT_MAX_LENGTH, follow_up_close, follow_up_contacted, follow_up_is_overdue

STATE_CHOICES = [value for value in selectors.STATE_FILTERS if value]


class AnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    respondent_email = serializers.EmailField()
    source = serializers.CharField()
    csat = serializers.IntegerField(allow_null=True)
    nps = serializers.IntegerField(allow_null=True)
    ces = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField(help_text="As the customer wrote it: escape it when showing it as HTML.")
    ticket = serializers.CharField(source="ticket.external_id", allow_null=True, default=None)


class FollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.HyperlinkedIdentityField(view_name="follow-up-detail")
    service = RefSerializer()
    owner = PersonSerializer()
    state = serializers.ChoiceField(choices=FollowUpState.choices)
    due_at = serializers.DateTimeField()
    overdue = serializers.SerializerMethodField(help_text="Not contacted after its due date (computed now).")
    contacted_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(allow_blank=True)
    learned = serializers.CharField(allow_blank=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    response = AnswerSerializer()

    def get_overdue(self, follow_up) -> bool:
        return follow_up_is_overdue(follow_up, now=self.context.get("now") or timezone.now())


class ContactedSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=TEXT_MAX_LENGTH, help_text="What came of the call.")
    contacted_at = serializers.DateTimeField(required=False, help_text="Default: now. With a time zone or offset.")


class CloseSerializer(serializers.Serializer):
    learned = serializers.CharField(max_length=TEXT_MAX_LENGTH, help_text="What IT learned (required to close).")
    outcome = serializers.CharField(
        max_length=TEXT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Replaces the call's outcome; required when the call was not recorded.",
    )


def _parsed(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="Follow-ups of unhappy answers you may see, soonest due first",
        parameters=[
            OpenApiParameter("state", str, enum=STATE_CHOICES, description="Default: not closed."),
            OpenApiParameter("service", str, description="Service slug"),
            OpenApiParameter("mine", bool, description="Only those you own."),
        ],
    ),
    retrieve=extend_schema(summary="A follow-up, with the answer that opened it"),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN
    serializer_class = FollowUpSerializer
    http_method_names = ["get", "post", "head", "options"]

    def check_permissions(self, request):
        super().check_permissions(request)
        if not request.user.is_authenticated:
            self.permission_denied(request, message="Sign in to see follow-ups.")

    def list(self, request, *args, **kwargs):
        """A page from `.values()` rows, shaped as FollowUpSerializer (follow_up_rows.py)."""
        rows = self.paginate_queryset(follow_up_rows.follow_up_values(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(follow_up_rows.follow_up_rows(rows, request=request, now=timezone.now()))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def get_queryset(self):
        queryset = selectors.follow_up_list(user=self.request.user)
        if self.action != "list":
            return queryset
        params = self.request.query_params
        state = params.get("state", selectors.STATE_NOT_CLOSED)
        if state not in selectors.STATE_FILTERS:
            raise ValidationError({"state": [f"Unknown state {state!r}; one of {', '.join(STATE_CHOICES)}."]})
        mine = params.get("mine", "").lower()
        if mine not in ("", "true", "false", "1", "0"):
            raise ValidationError({"mine": ["Say true or false."]})
        queryset = selectors.follow_ups_filter(
            queryset,
            now=timezone.now(),
            state=state,
            owner=self.request.user if mine in ("true", "1") else None,
        )
        if params.get("service"):
            queryset = queryset.filter(service__slug=params["service"])
        return queryset

    @extend_schema(
        summary="Record the call: what came of it", request=ContactedSerializer, responses=FollowUpSerializer
    )
    @action(detail=True, methods=["post"])
    def contacted(self, request, pk=None):
        follow_up = self._managed()
        data = _parsed(ContactedSerializer, request.data)
        follow_up_contacted(
            follow_up=follow_up, actor=request.user, outcome=data["outcome"], at=data.get("contacted_at")
        )
        return Response(self._detail(follow_up.pk))

    @extend_schema(summary="Close it with what IT learned", request=CloseSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        follow_up = self._managed()
        data = _parsed(CloseSerializer, request.data)
        follow_up_close(follow_up=follow_up, actor=request.user, learned=data["learned"], outcome=data["outcome"])
        return Response(self._detail(follow_up.pk))

    def _managed(self):
        follow_up = get_object_or_404(selectors.follow_up_list(user=self.request.user), pk=self.kwargs["pk"])
        if not self.request.user.has_perm("feedback.change_follow_up", follow_up):
            raise PermissionDenied(
                f"Only the follow-up's owner, the owner of {follow_up.service.name} and admins may record it."
            )
        return follow_up

    def _detail(self, pk: int) -> dict:
        follow_up = selectors.follow_up_detail(user=self.request.user, pk=pk)
        return FollowUpSerializer(follow_up, context=self.get_serializer_context()).data
