"""One error format for the whole API (drf-standardized-errors):

    {"type": "validation_error", "errors": [{"code": "...", "detail": "...", "attr": "field"}]}

Django's ValidationError and PermissionDenied raised by services.py keep their messages.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error


class DatabaseUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The database is unavailable. Nothing was changed; try again in a moment."
    default_code = "service_unavailable"
    wait = 30  # sent as Retry-After


class AccordExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, OperationalError | InterfaceError):  # config.ops.unavailable: the same 503
            return DatabaseUnavailable()
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(as_serializer_error(exc))
        if isinstance(exc, DjangoPermissionDenied) and str(exc):
            return exceptions.PermissionDenied(str(exc))
        return super().convert_known_exceptions(exc)
