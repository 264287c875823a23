"""The API reads JSON, and only JSON, within limits (issue 13, hostile and broken input):

- a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` (Django's own limit, 2.5 MB unless set; the largest
  real requests, 5,000 measurements or 1,000 ticket events, are well under 1 MB) is a **413**, read
  no further than the limit;
- bytes that are not UTF-8 are a **400**, as is text that is not JSON, NaN or Infinity, a number
  too large for a float (`1e999` would be infinity) or an integer of more than 4,300 digits, and
  JSON nested deeper than `MAX_DEPTH` (catalog/json_input.py) (Python's parser would hit its recursion limit: a 500);
- any other content type is DRF's **415** (this is the only parser).

Every refusal is in the API's one error format (catalog/api/errors.py), before a view has seen
the body, so nothing is written.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from catalog.json_input import json_load


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


def body_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def read_limited(stream) -> bytes:
    """The whole body, or RequestTooLarge as soon as it passes the limit."""
    limit = body_limit()
    body = stream.read(limit + 1) if stream is not None else b""
    if len(body) > limit:
        raise RequestTooLarge(f"The request body is over {limit:,} bytes; send less at a time.")
    return body


class JsonParser(BaseParser):
    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        body = read_limited(stream)
        try:
            return json_load(body)
        except ValueError as error:  # also int("9" * 5000): Python's digit limit
            raise ParseError(f"The body is not valid JSON: {error}.") from None
