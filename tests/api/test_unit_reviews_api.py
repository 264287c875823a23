"""Business units' reviews over the API: the list of periods, one review (the overview and the
sections the page shows), its PDF; for the unit's members and admins only, by the same selector
as the portal's pages; bad periods a 400 naming the field, periods not begun a 404."""

from io import BytesIO

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from catalog.tokens import api_token_issue
from tests import factories as f
from tests.portal.test_reviews import NOW
from tests.portal.test_reviews import november as november  # the fixture: Payroll's November
from tests.portal.test_unit_reviews import _service_that_met_everything
from tests.portal.test_unit_reviews import finance as finance  # the fixture: Finance's services
from tests.sla.conftest import sla as sla

pytestmark = pytest.mark.django_db
URL = "/api/v1/business-units/finance/reviews/"
LIST_QUERIES = 3  # the user's groups, the unit (scoped), its prepared periods: measured on SQLite and PostgreSQL


@pytest.fixture
def api(time_machine):
    time_machine.move_to(NOW, tick=False)
    return APIClient()


@pytest.fixture
def world(finance):
    """Finance using Payroll, Service 1 and 2 (each with something to discuss) and a quiet one."""
    world = finance(2)
    _service_that_met_everything(world, "Quiet service")
    return world


def test_the_list_of_a_units_reviews(api, world, django_assert_max_num_queries):
    api.force_authenticate(world["rep"])
    with django_assert_max_num_queries(LIST_QUERIES):
        body = api.get(URL).json()
    periods = {row["period"]["period"]: row for row in body["results"]}
    assert body["business_unit"] == {"slug": "finance", "name": world["unit"].name}
    assert set(periods) >= {"2026-11", "2026-10", "2026-Q4"}
    assert periods["2026-11"]["prepared"] is False
    assert periods["2026-11"]["url"].endswith("/api/v1/business-units/finance/reviews/2026-11/")
    assert periods["2026-11"]["page"].endswith("/units/finance/reviews/2026-11/")


def test_one_units_review_says_what_its_page_says(api, world):
    api.force_authenticate(world["rep"])
    body = api.get(f"{URL}2026-11/").json()
    assert body["period"]["label"] == "November 2026" and body["so_far"] is False
    assert body["discussion"].startswith("3 of 4 services had something to discuss")
    rows = {row["service"]["slug"]: row for row in body["overview"]}
    assert list(rows) == ["payroll", "quiet-service", "service-1", "service-2"]
    quiet, first = rows["quiet-service"], rows["service-1"]
    assert (quiet["in_full"], quiet["reasons"], quiet["attainment_percent"]) == (False, [], 100.0)
    assert quiet["review"].endswith("/api/v1/services/quiet-service/reviews/2026-11/")
    assert quiet["page"].endswith("/services/quiet-service/reviews/2026-11/")
    assert first["in_full"] is True
    assert first["reasons"] == ["P2 under its objective", "1 measure missed", "1 commitment late or missed"]
    assert (first["measures"], first["measures_met"], first["measures_missed"], first["commitments_late"]) == (
        1,
        0,
        1,
        1,
    )
    assert first["csat"]["responses"] == 12 and first["survey_responses"] == 12
    assert [s["service"]["slug"] for s in body["sections"]] == ["payroll", "service-1", "service-2"]
    section = body["sections"][1]
    assert [m["status"] for m in section["measures"]] == ["missed"]
    assert [t["name"] for t in section["themes"]] == ["Speed"]
    assert {c["title"]: c["outcome"] for c in section["commitments"]} == {"Late 1": "late"}
    assert section["watermelon"] is None
    assert body["pdf"].endswith("/api/v1/business-units/finance/reviews/2026-11/pdf/")


def test_the_pdf_with_a_members_read_key(api, world):
    _, key = api_token_issue(user=world["rep"], name="reviews", scopes=["read"])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.get(f"{URL}2026-11/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="finance-review-2026-11.pdf"'
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(response.content)).pages).split())
    assert f"{world['unit'].name}: service review, November 2026" in text
    assert "The services at a glance" in text and "Quiet service" in text


@pytest.mark.parametrize("suffix", ["", "pdf/"])
@pytest.mark.parametrize(("period", "status"), [("2026-13", 400), ("Q4-2026", 400), ("x" * 300, 400), ("2027-01", 404)])
def test_bad_periods_are_400_and_future_ones_404(api, world, period, status, suffix):
    api.force_authenticate(world["rep"])
    response = api.get(f"{URL}{period}/{suffix}", HTTP_ACCEPT="application/json")
    assert response.status_code == status
    if status == 400:
        assert response.json()["errors"][0]["attr"] == "period"


@pytest.mark.parametrize("suffix", ["", "2026-11/", "2026-11/pdf/"])
def test_only_the_units_members_and_admins_read_it(api, world, suffix):
    assert api.get(f"{URL}{suffix}").status_code in (401, 403, 404)  # anonymous
    other = f.representative(f.BusinessUnitFactory(name="Marketing", slug="marketing"))
    for outsider in (f.business_user(), other, world["owner"]):  # the owner of its services is no member
        api.force_authenticate(outsider)
        assert api.get(f"{URL}{suffix}").status_code == 404, outsider
    member = f.business_user()
    f.MembershipFactory(user=member, business_unit=world["unit"], is_representative=False)
    for reader in (member, f.admin_user()):
        api.force_authenticate(reader)
        assert api.get(f"{URL}{suffix}", HTTP_ACCEPT="application/json, application/pdf").status_code == 200
    api.force_authenticate(f.admin_user())
    assert api.get("/api/v1/business-units/no-such/reviews/").status_code == 404


@pytest.mark.parametrize("extra", [1, 5])
def test_a_units_review_in_the_same_queries_for_2_or_6_services(api, finance, extra, django_assert_max_num_queries):
    world = finance(extra)
    api.force_authenticate(world["rep"])
    with django_assert_max_num_queries(26):
        response = api.get(f"{URL}2026-11/")
    assert response.status_code == 200 and len(response.json()["overview"]) == extra + 1


def test_the_schema_describes_the_three_operations(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/business-units/{slug}/reviews/",
        "/api/v1/business-units/{slug}/reviews/{period}/",
        "/api/v1/business-units/{slug}/reviews/{period}/pdf/",
    ):
        assert "get" in schema["paths"][path], path
    row = schema["components"]["schemas"]["UnitReviewRow"]["properties"]
    assert {"attainment", "csat", "nps", "watermelon", "in_full", "reasons", "review"} <= set(row)


def test_the_list_costs_the_same_queries_with_more_reviews(api, world, django_assert_max_num_queries):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.reviews.models import Review

    def count() -> int:
        api.force_authenticate(type(world["rep"]).objects.get(pk=world["rep"].pk))  # as each request reads it
        with django_assert_max_num_queries(LIST_QUERIES), CaptureQueriesContext(connection) as captured:
            assert api.get(URL).status_code == 200
        return len(captured)

    few = count()
    for year in (2025, 2026):
        for month in range(1, 13):
            Review.objects.get_or_create(business_unit=world["unit"], period="month", period_start=date(year, month, 1))
            Review.objects.get_or_create(service=world["service"], period="month", period_start=date(year, month, 1))
    assert count() == few
    body = api.get(URL).json()
    assert all(row["prepared"] for row in body["results"] if row["period"]["kind"] == "month")


def _serialized_overview(document, service_urls) -> list:
    """The overview as UnitReviewRowSerializer writes it, from the data the view gave it before
    overview_rows: the reference the rows written straight must match."""
    from portal.reviews.unit_api import SLUG, UnitReviewRowSerializer

    api_url, page_url = service_urls
    data = [
        {
            "service": row.service,
            "review": api_url.replace(SLUG, row.service.slug),
            "page": page_url.replace(SLUG, row.service.slug),
            "attainment": row.attainment,
            "attainment_percent": row.attainment_percent,
            "measures": row.measures,
            "measures_met": row.measures_met,
            "measures_missed": row.measures_missed,
            "commitments_delivered": row.delivered,
            "commitments_late": row.late,
            "commitments_renegotiated": row.renegotiated,
            "csat": row.csat,
            "nps": row.nps,
            "survey_responses": row.feedback.responses,
            "watermelon": row.flagged,
            "open_actions": row.open_actions,
            "in_full": row.discussed,
            "reasons": list(row.reasons),
        }
        for row in document.overview
    ]
    return UnitReviewRowSerializer(data, many=True).data


def test_the_overview_rows_written_straight_are_the_serializers_byte_for_byte(api, world):
    from types import SimpleNamespace

    from rest_framework.renderers import JSONRenderer

    from portal.reviews import selectors
    from portal.reviews.unit_api import overview_rows
    from tests.portal.test_reviews import NOVEMBER
    from tests.portal.test_unit_reviews import sample_overview

    urls = ("http://testserver/api/v1/services/service-slug/reviews/2026-11/", "/services/service-slug/x?a=1&b=2")
    read = selectors.unit_review(user=world["rep"], unit=world["unit"], period=NOVEMBER, now=NOW)
    for document in (read, SimpleNamespace(overview=sample_overview())):
        expected = JSONRenderer().render(_serialized_overview(document, urls))
        assert JSONRenderer().render(overview_rows(document, service_urls=urls)) == expected
    api.force_authenticate(world["rep"])
    body = api.get(f"{URL}2026-11/").json()
    assert list(body) == [
        *("business_unit", "period", "as_of", "so_far", "discussion", "overview", "sections"),
        *("previous_actions", "actions", "pdf"),
    ]  # the serializer's order, the overview in its place
    slugs = [row["service"]["slug"] for row in body["overview"]]
    assert slugs == ["payroll", "quiet-service", "service-1", "service-2"]
