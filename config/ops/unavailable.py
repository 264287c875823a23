"""The database is down: a clear 503, never a 500 or a traceback. The API answers in its one
error format; people get a plain page that needs no database to render."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger("accord.unavailable")

RETRY_AFTER_SECONDS = 30
DETAIL = "The database is unavailable. Nothing was changed; try again in a moment."
DATABASE_DOWN = (OperationalError, InterfaceError)


def is_database_down(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_DOWN)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"type": "server_error", "errors": [{"code": "service_unavailable", "detail": DETAIL, "attr": None}]},
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that fails on the database connection answers 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_down(exception):
            return None
        logger.error("Database unavailable: %s", exception.__class__.__name__, exc_info=exception)
        return database_unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage that struck outside a view (in a middleware, say) is a 503 too."""
    if is_database_down(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return defaults.server_error(request)
