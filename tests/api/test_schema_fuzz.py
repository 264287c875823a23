"""The API against its own live OpenAPI schema, in the suite (issue 13: hostile and broken input):
schemathesis generates requests for every operation from drf-spectacular's schema of the running
code, valid and not, sent in-process through the WSGI app with an admin's API key. No answer may
be a 5xx, and every answer must match the schema (status code documented, content type and body
as documented).

Bounded so that it stays cheap: a few derandomized examples per operation (FUZZ_SUITE_EXAMPLES),
a small organisation made once for the module. Path ids and slugs are replaced by real rows
(malformed ones are tests/api/test_path_sweep.py's). The deeper run over the demo organisation,
with more and random examples, is bench/api_fuzz.py.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories as f
from tests.sla.test_measurements import add_measure

EXAMPLES = int(os.environ.get("FUZZ_SUITE_EXAMPLES", "2"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = WSGIHandler()


@pytest.fixture(scope="module")
def organisation(django_db_setup, django_db_blocker):
    """A service with an agreement, its measure and a draft; an admin's key with every scope."""
    from catalog.tokens import api_token_issue

    with django_db_blocker.unblock(), transaction.atomic():
        owner = f.service_owner(username="fuzz-owner")
        unit = f.BusinessUnitFactory(slug="finance")
        category = f.CategoryFactory(slug="people")
        service = f.ServiceFactory(slug="payroll", service_owner=owner, category=category, business_units=[unit])
        agreement = f.AgreementFactory(service=service, business_unit=unit)
        measure = add_measure(agreement)
        key = api_token_issue(user=f.admin_user(username="fuzz-admin"), name="schema fuzz")[1]
        real = {
            "id": agreement.pk,
            "slug": service.slug,
            "key": measure.key,
            "priority": 1,
            "quarter": "2026-Q4",
        }
        yield {"key": key, "real": real, "unit": unit.slug, "category": category.slug}
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _in_process():
    """Requests run in the test's transaction: keep Django from closing the connection at the
    end of each request, as its own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with override_settings(ALLOWED_HOSTS=["*"], API_THROTTLE_RATES={"key": "", "anonymous": "", "webhook": ""}):
        yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def real_parameters(path: str, given: dict, organisation: dict) -> dict:
    real = dict(organisation["real"])
    if path.startswith("/api/v1/business-units/"):
        real["slug"] = organisation["unit"]
    elif path.startswith("/api/v1/categories/"):
        real["slug"] = organisation["category"]
    return {name: real.get(name, value) for name, value in given.items()}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error_and_every_answer_as_the_schema_says(case, organisation):
    if case.path_parameters:
        case.path_parameters = real_parameters(case.operation.path, case.path_parameters, organisation)
    response = case.call(headers={"Authorization": f"Bearer {organisation['key']}"})
    case.validate_response(response, checks=CHECKS)
