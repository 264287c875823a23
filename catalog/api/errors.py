"""One error format for the whole API (drf-standardized-errors):

    {"type": "validation_error", "errors": [{"code": "...", "detail": "...", "attr": "field"}]}

Django's ValidationError and PermissionDenied raised by services.py keep their messages.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views import defaults
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error

from catalog.api.parsers import RequestTooLarge, body_limit


class DatabaseUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The database is unavailable. Nothing was changed; try again in a moment."
    default_code = "service_unavailable"
    wait = 30  # sent as Retry-After


class AccordExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, RequestDataTooBig):  # a view that reads request.body (the webhooks)
            return RequestTooLarge(f"The request body is over {body_limit():,} bytes; send less at a time.")
        if isinstance(exc, OperationalError | InterfaceError):  # config.ops.unavailable: the same 503
            return DatabaseUnavailable()
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(as_serializer_error(exc))
        if isinstance(exc, DjangoPermissionDenied) and str(exc):
            return exceptions.PermissionDenied(str(exc))
        return super().convert_known_exceptions(exc)


# --- Answers Django gives before any API view runs ---------------------------------------------
# An address no route matches (`/api/v1/agreements/null,null/`), a request Django refuses
# itself: under /api/ in the same format as every other API error, elsewhere Django's pages.
# (A crash is config.ops.unavailable.server_error's.)

API_PREFIX = "/api/"


def _api_error(status: int, error_type: str, code: str, detail: str):
    return JsonResponse({"type": error_type, "errors": [{"code": code, "detail": detail, "attr": None}]}, status=status)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception=None):
    if _is_api(request):
        return _api_error(400, "client_error", "bad_request", "The request could not be read.")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        detail = str(exception) if exception and str(exception) else "You do not have permission to do this."
        return _api_error(403, "client_error", "permission_denied", detail)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _api_error(404, "client_error", "not_found", "No such address in the API.")
    return defaults.page_not_found(request, exception)
