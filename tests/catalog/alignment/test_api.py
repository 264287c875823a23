"""Catalogue alignment over the API: the same rules as the pages, 400 with field messages."""

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from catalog.alignment import services
from catalog.models import MissingServiceRequest, RequestState, ServiceMark
from tests.factories import business_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def _as(user):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def test_a_unit_marks_its_services_and_reads_the_comparison(world, django_assert_max_num_queries):
    rep = _as(world["rep"])
    url = "/api/v1/alignment/units/sales/marks/"
    assert rep.put(url, {"services": ["nope"]}, format="json").status_code == 400
    response = rep.put(url, {"services": [world["crm"].slug, world["wiki"].slug]}, format="json")
    assert response.status_code == 200, response.json()
    assert rep.get(url).json() == {"services": sorted([world["crm"].slug, world["wiki"].slug])}
    with django_assert_max_num_queries(14):
        body = _as(world["member"]).get("/api/v1/alignment/units/sales/").json()
    assert [s["name"] for s in body["agreed"]] == ["CRM"]
    assert [s["name"] for s in body["unit_only"]] == ["Wiki"]
    assert body["comparison"] == {
        "share": "0.2500",
        "agreed": 1,
        "it_only": 2,
        "unit_only": 1,
        "open_requests": 0,
        "differences": 3,
    }
    assert body["history"][-1]["share"] == 0.25
    assert _as(world["member"]).put(url, {"services": []}, format="json").status_code == 403
    assert ServiceMark.objects.count() == 2


def test_request_answer_and_assign(world):
    rep = _as(world["rep"])
    bad = rep.post(
        "/api/v1/alignment/requests/",
        {"business_unit": "sales", "title": "", "annual_cost": "-1", "source": "x"},
        format="json",
    )
    assert bad.status_code == 400
    assert {e["attr"] for e in bad.json()["errors"]} >= {"title", "annual_cost", "source"}
    made = rep.post(
        "/api/v1/alignment/requests/",
        {"business_unit": "sales", "title": "Rota", "source": "run", "users_affected": 9},
        format="json",
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["owner"] == "a-manager" and made.json()["state"] == "open"
    assert rep.patch(f"/api/v1/alignment/requests/{pk}/", {"title": "Rota sheet"}, format="json").status_code == 200
    assert (
        rep.post(f"/api/v1/alignment/requests/{pk}/answer/", {"outcome": "declined"}, format="json").status_code == 403
    )
    it = _as(world["it"])
    assert (
        it.post(f"/api/v1/alignment/requests/{pk}/assign/", {"owner": world["rep"].username}, format="json").status_code
        == 400
    )
    assert (
        it.post(f"/api/v1/alignment/requests/{pk}/assign/", {"owner": world["it"].username}, format="json").json()[
            "owner"
        ]
        == world["it"].username
    )
    no_reason = it.post(f"/api/v1/alignment/requests/{pk}/answer/", {"outcome": "declined"}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["attr"] == "answer"
    unknown = it.post(f"/api/v1/alignment/requests/{pk}/answer/", {"outcome": "exists", "service": "zz"}, format="json")
    assert unknown.status_code == 400
    done = it.post(
        f"/api/v1/alignment/requests/{pk}/answer/",
        {"outcome": "exists", "service": world["wiki"].slug, "answer": "The Wiki."},
        format="json",
    )
    assert done.status_code == 200 and done.json()["service"]["slug"] == world["wiki"].slug
    assert MissingServiceRequest.objects.get(pk=pk).state == RequestState.EXISTS
    listed = rep.get("/api/v1/alignment/requests/?state=exists").json()
    assert [r["title"] for r in listed["results"]] == ["Rota sheet"]
    assert rep.get("/api/v1/alignment/requests/?state=nonsense").status_code == 400


def test_ranking_and_scoping(world):
    services.missing_service_request_create(unit=world["other_unit"], actor=None, title="Ledger", now=NOW)
    ranking = _as(world["it"]).get("/api/v1/alignment/").json()
    assert [row["unit"]["slug"] for row in ranking] == ["sales", "finance"]
    assert ranking[1]["overdue_requests"] == 1
    assert _as(world["member"]).get("/api/v1/alignment/").json()[0]["unit"]["slug"] == "sales"
    assert _as(business_user()).get("/api/v1/alignment/").status_code == 403
    assert _as(None).get("/api/v1/alignment/").status_code in (401, 403)
    assert _as(world["rep"]).get("/api/v1/alignment/units/finance/").status_code == 403
    other = MissingServiceRequest.objects.get(title="Ledger")
    assert _as(world["rep"]).get(f"/api/v1/alignment/requests/{other.pk}/").status_code == 404


def test_options_describe_the_marks_endpoint(world):
    """Was a 500 (DRF's metadata asked a view without a queryset for its object); found by
    bench/api_fuzz.py."""
    for user, slug in ((world["rep"], "sales"), (world["rep"], "finance"), (world["rep"], "0")):
        response = _as(user).options(f"/api/v1/alignment/units/{slug}/marks/")
        assert response.status_code == 200, (slug, response.content)
    assert "PUT" in _as(world["rep"]).options("/api/v1/alignment/units/sales/marks/").json()["actions"]
