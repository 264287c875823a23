"""The API's OpenAPI schema class: drf-standardized-errors' (every error response documented,
in the one error format), with the validation error (400) documented as it really is: any
operation may answer one (query parameters are checked too, and the services refuse actions with
their own codes, on fields or on the whole request), so one shape for all, with `attr` the field
("targets[0].priority", "page_size") or null. tests/api/test_schema_fuzz.py holds every answer
to the schema.

A 400 can also be a request the API could not read at all (`client_error`): a body that is not
JSON (`parse_error`, from catalog.api.parsers) or a request Django refused before any view ran,
such as a Host header it does not serve (`bad_request`, from catalog.api.errors). Every operation
may answer either, bodiless ones included, so both are documented everywhere."""

from django.db import models
from drf_standardized_errors.openapi import AutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum, ValidationErrorEnum
from rest_framework import serializers


class ValidationErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True, help_text="The field, or null for the whole request.")


class ValidationErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ValidationErrorEnum.choices)
    errors = ValidationErrorItemSerializer(many=True)

    class Meta:
        ref_name = "ValidationErrorResponse"


class UnreadableRequestCode(models.TextChoices):
    PARSE_ERROR = "parse_error"
    BAD_REQUEST = "bad_request"


class UnreadableRequestItemSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=UnreadableRequestCode.choices)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class UnreadableRequestResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = UnreadableRequestItemSerializer(many=True)

    class Meta:
        ref_name = "UnreadableRequestResponse"


class AccordAutoSchema(AutoSchema):
    def _should_add_validation_error_response(self) -> bool:
        return True

    def _get_http400_serializer(self):
        answers = super()._get_http400_serializer()  # a PolymorphicProxySerializer keyed by `type`
        answers.serializers[ClientErrorEnum.CLIENT_ERROR.value] = UnreadableRequestResponseSerializer
        return answers

    def _get_serializer_for_validation_error_response(self):
        return ValidationErrorResponseSerializer
