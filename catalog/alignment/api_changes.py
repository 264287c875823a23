"""Changing a request over the API after it was made, and reading its history: the portal's
withdraw and correct pages and the history on its request page (portal/alignment/views.py), as
thin views over the same service functions (services.missing_service_request_withdraw,
answers.missing_service_request_answer_correct), the same rules (catalog/rules.py) and the same
scoped request list (selectors.request_list: a request one may not read is a 404, a change one
may not make a 403). Bad input is a 400 naming the field; a change the request's state does not
allow (withdrawing an answered request, correcting an unanswered one) a 400 with no field.

    POST /api/v1/alignment/requests/<id>/withdraw/   {"note"}: the unit's representatives, admins; unanswered
    POST /api/v1/alignment/requests/<id>/correct/    the answer's fields and {"note"} (required, what was
                                                     wrong): IT, admins, the request's owner; answered
    GET  /api/v1/alignment/requests/<id>/history/    its changes, oldest first: whoever reads the request
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from catalog.alignment import answers, selectors, services
from catalog.alignment.api import (
    AnswerInput,
    RequestSerializer,
    _one,
    _request_or_404,
    _signed_in,
    answer_arguments,
)
from catalog.alignment.history import NOTE_MAX_LENGTH
from catalog.alignment.models import MissingServiceRequestEvent, RequestEventKind

# --- Serializers (input) -----------------------------------------------------------------------


class WithdrawInput(serializers.Serializer):
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why, in a few words (kept in the request's history).",
        error_messages={"max_length": f"The note is longer than {NOTE_MAX_LENGTH:,} characters."},
    )


class CorrectInput(AnswerInput):
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        help_text="What was wrong with the answer given (the unit reads it in the request's history).",
        error_messages={
            "required": "What was wrong is required: say in a few words why.",
            "blank": "What was wrong is required: say in a few words why.",
            "null": "What was wrong is required: say in a few words why.",
            "max_length": f"What was wrong is longer than {NOTE_MAX_LENGTH:,} characters.",
        },
    )


# --- Serializers (output) ----------------------------------------------------------------------


class RequestChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="title, description, source, annual_cost, users_affected, owner, …")
    before = serializers.CharField(help_text="As people read it (a name, a label); empty: none.")
    after = serializers.CharField()


class RequestEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RequestEventKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    actor = serializers.CharField(source="actor.get_username", allow_null=True, default=None)
    at = serializers.DateTimeField()
    note = serializers.CharField()
    changes = serializers.SerializerMethodField()

    @extend_schema_field(RequestChangeSerializer(many=True))
    def get_changes(self, event: MissingServiceRequestEvent) -> list[dict]:
        return [{"field": field, "before": pair[0], "after": pair[1]} for field, pair in event.changes.items()]


# --- Views -------------------------------------------------------------------------------------


class RequestWithdrawView(GenericAPIView):
    serializer_class = WithdrawInput

    @extend_schema(
        summary="The unit withdraws its request while IT has not answered it",
        request=WithdrawInput,
        responses=RequestSerializer,
    )
    def post(self, request, pk: int):
        _signed_in(request)
        found = _request_or_404(request, pk)
        if not request.user.has_perm("catalog.change_missing_service_request", found):
            raise PermissionDenied(
                f"Only {found.business_unit.name}'s representatives or an admin may withdraw its requests."
            )
        given = WithdrawInput(data=request.data)
        given.is_valid(raise_exception=True)
        withdrawn = services.missing_service_request_withdraw(request=found, actor=request.user, **given.validated_data)
        return _one(request, withdrawn)


class RequestCorrectView(GenericAPIView):
    serializer_class = CorrectInput

    @extend_schema(
        summary="IT corrects an answer given in error: another decision, service or reason, and why",
        request=CorrectInput,
        responses=RequestSerializer,
    )
    def post(self, request, pk: int):
        _signed_in(request)
        found = _request_or_404(request, pk)
        if not request.user.has_perm("catalog.answer_missing_service_request", found):
            raise PermissionDenied("Only IT (service owners) and admins correct IT's answers.")
        given = CorrectInput(data=request.data)
        given.is_valid(raise_exception=True)
        corrected = answers.missing_service_request_answer_correct(
            request=found,
            actor=request.user,
            note=given.validated_data["note"],
            **answer_arguments(request, given.validated_data),
        )
        return _one(request, corrected)


class RequestHistoryView(GenericAPIView):
    serializer_class = RequestEventSerializer
    pagination_class = None
    queryset = MissingServiceRequestEvent.objects.none()  # for the schema: a list of these

    @extend_schema(
        summary="A request's history: each change, who made it, when and why, oldest first",
        responses=RequestEventSerializer(many=True),
    )
    def get(self, request, pk: int):
        _signed_in(request)
        found = _request_or_404(request, pk)
        return Response(RequestEventSerializer(selectors.request_events(request=found), many=True).data)
