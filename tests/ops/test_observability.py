"""Request ids, JSON logs and the Prometheus /metrics endpoint."""

import json
import logging

import pytest
from django.test import override_settings

from config.ops.request_id import RequestIdFilter, request_id_from
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_request_id_is_generated_and_sent_back(client):
    response = client.get("/healthz")
    generated = response["X-Request-ID"]
    assert len(generated) == 32 and int(generated, 16) >= 0
    assert client.get("/healthz")["X-Request-ID"] != generated


def test_the_callers_request_id_is_honoured(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")["X-Request-ID"] == "lb-7f3a.42"


@pytest.mark.parametrize("header", ["", "has spaces", "x" * 129, "new\nline", "<script>"])
def test_an_unsafe_request_id_is_replaced(header):
    assert request_id_from(header) != header
    assert len(request_id_from(header)) == 32


def test_every_log_line_of_a_request_carries_its_id_as_json(client, caplog):
    from django.conf import settings
    from django.utils.module_loading import import_string

    formatter_config = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(formatter_config.pop("()"))(**formatter_config)
    with caplog.at_level(logging.INFO, logger="accord.request"):
        client.get("/api/v1/services/", HTTP_X_REQUEST_ID="req-123")
    record = next(r for r in caplog.records if r.name == "accord.request")
    RequestIdFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-123"
    assert line["level"] == "INFO" and line["logger"] == "accord.request"
    assert line["status"] == 200 and line["method"] == "GET" and line["route"] == "api/v1/services/"
    assert line["message"] == "GET /api/v1/services/ 200"
    assert isinstance(line["duration_ms"], float)


def test_a_log_line_outside_a_request_has_no_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


def test_metrics_from_loopback_without_a_token(client):
    f.ServiceFactory()
    client.get("/api/v1/services/")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert 'accord_http_requests_total{method="GET",route="api/v1/services/",status="200"}' in body
    assert "accord_http_request_duration_seconds_bucket" in body
    assert 'accord_queue_depth{queue="celery"}' in body
    assert "accord_clocks_due 0.0" in body
    assert "accord_ingestion_lag_seconds 0.0" in body


def test_metrics_refused_to_other_addresses(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


@override_settings(METRICS_TOKEN="s3cret-token")
def test_metrics_with_a_token_need_the_token_even_from_loopback(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200


def test_alerts_raised_are_counted_by_kind(client):
    from django.utils import timezone

    from sla.models import Alert

    for i, kind in enumerate(["clock_warning", "clock_warning", "measure_missed"]):
        Alert.objects.create(key=f"k{i}", kind=kind, subject="s", opened_at=timezone.now())
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'accord_alerts_raised_total{kind="clock_warning"} 2.0' in body
    assert 'accord_alerts_raised_total{kind="measure_missed"} 1.0' in body


def test_task_durations_are_observed(client):
    from sla.tasks.checks import run_checks

    run_checks.delay()
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'accord_task_duration_seconds_count{state="SUCCESS",task="sla.run_checks"}' in body
