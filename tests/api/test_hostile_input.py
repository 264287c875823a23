"""Hostile and broken request bodies (issue 13): a clean 4xx in the API's one error format and
nothing written, for a body over the size limit (413), JSON nested too deep, a content type the
API does not read (415), bytes that are not UTF-8, huge lists and huge numbers (400)."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from catalog.json_input import MAX_DEPTH, json_load
from catalog.models import Service
from sla.integrations.services import integration_create
from tests import factories as f
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA

pytestmark = pytest.mark.django_db
TICKET_EVENTS = "/api/v1/ticket-events/"


def event(n: int = 1, **change) -> dict:
    return {
        "source": "servicedesk",
        "external_id": f"INC-{n}",
        "kind": "opened",
        "occurred_at": "2026-11-02T10:00:00Z",
        "idempotency_key": f"INC-{n}:opened",
        "service": "payroll",
        "priority": 2,
        **change,
    }


@pytest.fixture
def admin(sla):
    client = APIClient()
    client.force_authenticate(f.admin_user(username="ada"))
    return client


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def refused(client, body, *, status: int, content_type="application/json", url=TICKET_EVENTS, method="POST"):
    """Send the raw body; the answer is `status` in the API's error format, and no row changed."""
    before = row_counts()
    response = client.generic(method, url, body, content_type=content_type)
    assert response.status_code == status, response.content[:300]
    answer = json.loads(response.content)
    assert answer["type"] in ("client_error", "validation_error") and answer["errors"][0]["detail"], answer
    assert row_counts() == before
    return answer["errors"]


def test_a_plain_event_is_stored(admin):
    """The baseline the refusals below differ from."""
    response = admin.post(TICKET_EVENTS, [event()], format="json")
    assert response.status_code == 201, response.content


def test_a_body_over_the_limit_is_413(admin, settings):
    body = json.dumps([event(n) for n in range(20000)])  # ~4.5 MB, over Django's 2.5 MB
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    [error] = refused(admin, body, status=413)
    assert error["code"] == "request_too_large"
    assert "over 2,621,440 bytes" in error["detail"]


def test_the_limit_is_django_s_own_setting(admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    refused(admin, json.dumps([event(n) for n in range(10)]), status=413)
    assert admin.post(TICKET_EVENTS, [event()], format="json").status_code == 201


@pytest.mark.parametrize("depth", [MAX_DEPTH + 2, 5000, 200_000])
def test_json_nested_too_deep_is_400(admin, depth):
    """At 200,000 levels Python's parser overflowed its recursion limit: a 500."""
    [error] = refused(admin, "[" * depth + "]" * depth, status=400)
    assert f"nested more than {MAX_DEPTH} levels deep" in error["detail"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_a_body_the_api_does_not_read_is_415(admin, content_type):
    [error] = refused(admin, json.dumps([event()]), status=415, content_type=content_type)
    assert error["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body", [b'[{"service": "\xff\xfe"}]', b"\xc3\x28", '[{"x": "é"}]'.encode("latin-1")])
def test_bytes_that_are_not_utf8_are_400(admin, body):
    [error] = refused(admin, body, status=400)
    assert "not UTF-8" in error["detail"]


@pytest.mark.parametrize(
    ("number", "said"),
    [("1e999", "too large"), ("-1e999", "too large"), ("NaN", "NaN"), ("Infinity", "Infinity"), ("9" * 5000, "")],
)
def test_numbers_json_cannot_carry_are_400(admin, number, said):
    body = json.dumps([event()]).replace('"priority": 2', f'"priority": {number}')
    [error] = refused(admin, body, status=400)
    assert said in error["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"priority": 10**30}, "priority"), ({"impact": -(10**30)}, "impact"), ({"priority": 1e300}, "priority")],
)
def test_numbers_out_of_their_range_are_400_naming_the_field(admin, change, field):
    errors = refused(admin, json.dumps([event(**change)]), status=400)
    assert any(field in (e["attr"] or "") for e in errors), errors


def test_a_huge_list_of_events_is_refused_whole(admin):
    errors = refused(admin, json.dumps([event(n) for n in range(1001)]), status=400)
    assert errors[0]["detail"] == "Send at most 1,000 events per request, not 1,001."


def test_a_huge_list_of_measurements_is_refused_whole(admin):
    point = {"service": "payroll", "measure": "x", "value": 1, "measured_at": "2026-11-02T10:00:00Z", "sender_id": "s"}
    errors = refused(admin, json.dumps([point] * 5001), status=400, url="/api/v1/measurements/")
    assert errors[0]["detail"] == "Send at most 5,000 measurements at once, not 5,001."


def test_a_huge_list_of_slugs_is_refused_before_any_is_looked_up(admin, django_assert_max_num_queries):
    body = {"name": "X", "category": "none", "summary": "x", "depends_on": [f"s-{n}" for n in range(100_000)]}
    with django_assert_max_num_queries(12):  # not one query per slug
        response = admin.post("/api/v1/services/", body, format="json")
    assert response.status_code == 400
    errors = {e["attr"]: e["code"] for e in response.json()["errors"]}
    assert errors["depends_on"] == "max_length"
    assert not Service.objects.filter(name="X").exists()


def test_a_huge_set_of_targets_is_refused_whole(admin, sla):
    from catalog import services

    draft = services.agreement_draft_create(
        service=sla["service"], business_unit=sla["unit"], actor=sla["owner"], scope="Next."
    )
    targets = [{"priority": 1, "engage_within": 60, "resolve_within": 120}] * 10_000
    url = f"/api/v1/agreements/{draft.pk}/targets/"
    errors = refused(admin, json.dumps(targets), status=400, url=url, method="PUT")
    assert errors[0]["detail"] == "An agreement has at most 5 targets."


def test_the_webhooks_read_json_as_strictly():
    """They read their body raw (the signature covers its bytes): the same strict reader."""
    for body in (b"[" * 100_000, b'{"a": 1e999}', b"\xff", b'{"a": NaN}'):
        with pytest.raises(ValueError, match=r"nested|too large|UTF-8|NaN"):
            json_load(body)
    assert json_load(b'{"a": [1, 2.5, "\xc3\xa9"]}') == {"a": [1, 2.5, "é"]}


@pytest.mark.parametrize("kind", ["jira", "servicenow", "zendesk"])
def test_a_webhook_body_over_the_limit_is_refused(sla, kind):
    """The webhooks read their body raw, through Django's own limit: the same 413."""
    integration_create(kind=kind, name=kind, slug=kind, secret="s", default_service=sla["service"])
    before = row_counts()
    response = APIClient().generic("POST", f"/api/v1/integrations/{kind}/", b"{" + b" " * 3_000_000 + b"}")
    assert response.status_code == 413, response.content[:300]
    assert json.loads(response.content)["errors"][0]["code"] == "request_too_large"
    assert row_counts() == before
