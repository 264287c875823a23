"""The alignment API's lists built from compiled `.values()` rows (catalog/alignment/api_rows.py)
give, byte for byte, what their serializers give over the selectors' objects, for every kind of
reader and every kind of row; and in fewer queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from catalog.alignment import selectors
from catalog.alignment.api import StandingSerializer
from catalog.alignment.models import MissingServiceRequest, RequestState, ServiceMark
from catalog.models import Service
from tests.factories import BusinessUnitFactory, MembershipFactory, ServiceFactory, business_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)


def _as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _json(data) -> str:
    return JSONRenderer().render(data).decode()


@pytest.fixture
def ranked(world):
    """Units that differ in every figure of the ranking: lists on both sides, retired services
    on both, open requests overdue and not, answered and withdrawn ones, a unit with nothing to
    compare (no share), and units tied on differences and on share (ordered by name, any case)."""
    unit, other = world["unit"], world["other_unit"]
    retired = ServiceFactory(name="Fax", business_units=[unit, other])
    for service in (world["crm"], world["wiki"], retired):
        ServiceMark.objects.create(business_unit=unit, service=service, marked_at=NOW)
    Service.objects.filter(pk=retired.pk).update(lifecycle="retired")
    ServiceMark.objects.create(business_unit=other, service=world["wiki"], marked_at=NOW)
    alpha, beta = BusinessUnitFactory(name="alpha", slug="alpha"), BusinessUnitFactory(name="Beta", slug="beta")
    for tied in (alpha, beta):
        ServiceFactory(name=f"Only IT {tied.slug}", business_units=[tied])
    BusinessUnitFactory(name="Legal", slug="legal")  # nothing on either list
    both = business_user(username="in-two")
    MembershipFactory(user=both, business_unit=unit)
    MembershipFactory(user=both, business_unit=beta)
    answered = {"answered_at": NOW - timedelta(days=3), "answer": "No: the CRM does it."}
    for title, at, state, where, more in (
        ("Overdue", NOW - timedelta(days=30), RequestState.OPEN, unit, {}),
        ("Just overdue", NOW - timedelta(days=14, minutes=1), RequestState.OPEN, other, {}),
        ("Not yet", NOW - timedelta(days=14) + timedelta(minutes=1), RequestState.OPEN, other, {}),
        ("Recent", NOW - timedelta(hours=2), RequestState.OPEN, unit, {}),
        ("Declined", NOW - timedelta(days=60), RequestState.DECLINED, unit, answered),
        (
            "Withdrawn",
            NOW - timedelta(days=60),
            RequestState.WITHDRAWN,
            other,
            {"withdrawn_at": NOW - timedelta(days=1)},
        ),
    ):
        MissingServiceRequest.objects.create(business_unit=where, title=title, requested_at=at, state=state, **more)
    return {**world, "both": both}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("who", ["it", "manager", "member", "rep", "both"])
def test_the_ranking_is_the_serializers(ranked, who, django_assert_max_num_queries):
    user = ranked[who]
    # the user's roles, the units with their counts (and on PostgreSQL their open requests' times)
    with django_assert_max_num_queries(2 if connection.vendor == "postgresql" else 3):
        response = _as(user).get("/api/v1/alignment/")
    assert response.status_code == 200, response.content
    expected = StandingSerializer(selectors.alignment_ranking(user=user, now=NOW), many=True).data
    assert response.content.decode() == _json(expected)
    assert response.json()  # every reader here reads at least one unit


@time_machine.travel(NOW, tick=False)
def test_the_ranking_covers_every_kind_of_row(ranked):
    ranking = {row["unit"]["slug"]: row for row in _as(ranked["it"]).get("/api/v1/alignment/").json()}
    assert ranking["sales"]["comparison"] == {
        "share": "0.1667",  # CRM agreed; E-mail, Phones IT's only; Wiki the unit's only; 2 open (Fax retired)
        "agreed": 1,
        "it_only": 2,
        "unit_only": 1,
        "open_requests": 2,
        "differences": 5,
    }
    assert ranking["sales"]["overdue_requests"] == 1
    assert ranking["finance"]["overdue_requests"] == 1  # the one made a minute less long ago is not
    assert ranking["legal"]["comparison"]["share"] is None
    assert [slug for slug in ranking][-3:] == ["alpha", "beta", "legal"]  # tied: by name, whatever its case


def test_no_unit_no_ranking(world):
    assert _as(business_user()).get("/api/v1/alignment/").status_code == 403


def _requests_page(user, url: str, queries=None, **filters) -> tuple[dict, str]:
    """GET `url` as `user` (in at most `queries`); what RequestSerializer gives over
    selectors.request_rows for the same page."""
    from catalog.alignment.api import RequestSerializer

    if queries is None:
        response = _as(user).get(url)
    else:
        with queries:
            response = _as(user).get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    found = selectors.request_list(user=user).filter(**filters).order_by("-requested_at", "-id")
    ids = [row["id"] for row in body["results"]]
    by_id = {request.pk: request for request in found.filter(pk__in=ids)}
    expected = RequestSerializer(selectors.request_rows([by_id[pk] for pk in ids], now=NOW), many=True).data
    assert body["count"] == found.count()
    return body, _json(expected)


@time_machine.travel(NOW, tick=False)
def test_the_requests_pages_are_the_serializers(ranked, django_assert_max_num_queries):
    from decimal import Decimal

    from catalog.alignment.models import RequestSource

    unit = ranked["unit"]
    MissingServiceRequest.objects.filter(title="Declined").update(
        owner=ranked["it"], answered_by=ranked["it"], requested_by=ranked["rep"], annual_cost=Decimal("1234.5")
    )
    MissingServiceRequest.objects.create(
        business_unit=unit,
        title="Exists",
        description="Shift rota sheets",
        source=RequestSource.UNLISTED,
        requested_at=NOW - timedelta(days=9, hours=3, minutes=7, microseconds=5),
        state=RequestState.EXISTS,
        service=ranked["crm"],
        answered_at=NOW - timedelta(days=2, seconds=1),
        answered_by=ranked["manager"],
        users_affected=40,
        annual_cost=Decimal("0"),
    )
    for who, query, filters in (
        ("it", "", {}),
        ("manager", "?state=open", {"state": "open"}),
        ("member", "", {}),
        ("both", "", {}),  # in two units: each request once
        ("it", "?business_unit=finance", {"business_unit__slug": "finance"}),
        ("it", "?business_unit=sales&state=exists", {"business_unit__slug": "sales", "state": "exists"}),
        ("it", "?business_unit=nowhere", {"business_unit__slug": "nowhere"}),
    ):
        # the user's roles and the page (not full: its own count)
        queries = django_assert_max_num_queries(2)
        body, expected = _requests_page(ranked[who], f"/api/v1/alignment/requests/{query}", queries, **filters)
        assert _json(body["results"]) == expected, (who, query)
    # a full first page is counted; later pages are sliced in SQL
    for url in ("/api/v1/alignment/requests/?page_size=2", "/api/v1/alignment/requests/?page_size=2&page=3"):
        body, expected = _requests_page(ranked["it"], url)
        assert _json(body["results"]) == expected and body["count"] == 7 and len(body["results"]) == 2
    states = {row["state"] for row in _as(ranked["it"]).get("/api/v1/alignment/requests/").json()["results"]}
    assert states == {"open", "declined", "withdrawn", "exists"}
