"""A request the API cannot read at all is a 400 too, and the schema says so (issue 15): a body
that is not JSON (`parse_error`) and a request Django refuses before any view runs, such as a
Host header it does not serve (`bad_request`). Both answers are checked against the operation's
documented 400 by schemathesis, the way tests/api/test_schema_fuzz.py checks generated ones."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from schemathesis.core.transport import Response
from werkzeug.test import Client

from catalog.tokens import api_token_issue
from tests import factories as f

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.fixture(autouse=True)
def _in_process():
    """Requests run in the test's transaction: Django must not close the connection after each."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def key():
    return api_token_issue(user=f.admin_user(username="schema-admin"), name="schema")[1]


def answer(method: str, path: str, *, key: str, host: str = "127.0.0.1", **kwargs):
    raw = Client(WSGIHandler()).open(
        path, method=method, headers={"Authorization": f"Bearer {key}", "Host": host}, **kwargs
    )
    response = Response.from_wsgi(raw)
    assert response.status_code == 400, raw.get_data()[:300]
    schema.validate_response(schema[path][method], response)  # raises when the schema disagrees
    return response.json()


@pytest.mark.parametrize("path", ["/api/v1/ticket-events/", "/api/v1/measurements/", "/api/v1/services/"])
def test_a_body_that_is_not_json_is_a_documented_400(key, path):
    body = answer("POST", path, key=key, data=b'{"source": ', content_type="application/json")
    assert body["type"] == "client_error"
    assert [error["code"] for error in body["errors"]] == ["parse_error"]


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/v1/services/"), ("POST", "/api/v1/ticket-events/")])
def test_a_host_django_does_not_serve_is_a_documented_400(key, method, path):
    body = answer(method, path, key=key, host="evil.example", json=[])
    assert body == {
        "type": "client_error",
        "errors": [{"code": "bad_request", "detail": "The request could not be read.", "attr": None}],
    }


def test_the_schema_documents_both_unreadable_codes():
    """Without catalog.api.schema's override the 400 named only `validation_error`."""
    documented = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert documented["UnreadableRequestItemCodeEnum"]["enum"] == ["parse_error", "bad_request"]
    assert set(documented["V1ServicesListErrorResponse400"]["discriminator"]["mapping"]) == {
        "validation_error",
        "client_error",
    }
