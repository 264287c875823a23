"""Liveness, readiness (each dependency named) and the database-down 503."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

pytestmark = pytest.mark.django_db

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def database_down():
    """Every query fails as it does when PostgreSQL has gone away."""
    return mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("connection refused"))


def test_healthz_answers_without_touching_the_database(client):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_every_dependency_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "cache"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["backlog"] == {
        "clocks_due": 0,
        "check_lag_seconds": 0.0,
        "alerts_unnotified": 0,
        "ticket_observations_pending": 0,
        "derivation_lag_seconds": 0.0,
        "ticket_observations_failed": 0,
    }


def test_readyz_names_the_database_when_it_is_down(client):
    with database_down():
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError", "ms": mock.ANY}
    assert body["checks"]["broker"]["ok"] and body["checks"]["cache"]["ok"]
    assert "backlog" not in body


def test_readyz_names_the_broker_when_it_is_unreachable(client, monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)  # Celery reads it before its settings
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["broker"]["ms"] < 5000  # gives up quickly: a probe must not hang


def test_readyz_names_the_cache_when_it_fails(client):
    with mock.patch("django.core.cache.cache.get", return_value=None):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


@pytest.mark.parametrize("raise_in", ["view", "authentication"])
def test_the_api_answers_503_in_its_error_format_when_the_database_is_down(raise_in, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get(
            "/api/v1/services/", HTTP_AUTHORIZATION="Bearer acc_abcd1234_secret" if raise_in == "authentication" else ""
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "type": "server_error",
        "errors": [
            {
                "code": "service_unavailable",
                "detail": "The database is unavailable. Nothing was changed; try again in a moment.",
                "attr": None,
            }
        ],
    }


@pytest.mark.parametrize("debug", [False, True])
def test_a_page_answers_a_plain_503_when_the_database_is_down(debug, settings):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"Accord is unavailable for a moment" in response.content
    assert b"Traceback" not in response.content


def test_other_errors_outside_a_view_stay_500(rf, settings):
    from config.ops.unavailable import server_error

    settings.DEBUG = False
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        assert server_error(rf.get("/")).status_code == 500
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        assert server_error(rf.get("/")).status_code == 503
