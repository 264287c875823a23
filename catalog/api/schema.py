"""The API's OpenAPI schema class: drf-standardized-errors' (every error response documented,
in the one error format), with the validation error (400) documented as it really is: any
operation may answer one (query parameters are checked too, and the services refuse actions with
their own codes, on fields or on the whole request), so one shape for all, with `attr` the field
("targets[0].priority", "page_size") or null. tests/api/test_schema_fuzz.py holds every answer
to the schema."""

from drf_standardized_errors.openapi import AutoSchema
from drf_standardized_errors.openapi_serializers import ValidationErrorEnum
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


class AccordAutoSchema(AutoSchema):
    def _should_add_validation_error_response(self) -> bool:
        return True

    def _get_serializer_for_validation_error_response(self):
        return ValidationErrorResponseSerializer
