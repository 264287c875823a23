"""Service reviews over the API: the list of periods, one review, its PDF; scoped to signed-in
readers; bad periods a 400 naming the field, periods not begun a 404, never a 500."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from catalog.tokens import api_token_issue
from tests import factories as f
from tests.portal.test_reviews import NOW
from tests.portal.test_reviews import november as november  # the fixture: Payroll's November
from tests.sla.conftest import sla as sla

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(time_machine):
    time_machine.move_to(NOW, tick=False)
    return APIClient()


def test_the_list_marks_the_prepared_periods(api, november):
    api.force_authenticate(f.business_user())
    body = api.get("/api/v1/services/payroll/reviews/").json()
    periods = {row["period"]["period"]: row for row in body["results"]}
    assert body["service"]["slug"] == "payroll"
    assert periods["2026-10"]["prepared"] is True  # October's review holds an action
    assert periods["2026-11"]["prepared"] is False
    assert periods["2026-Q4"]["url"].endswith("/api/v1/services/payroll/reviews/2026-Q4/")
    assert periods["2026-11"]["page"].endswith("/services/payroll/reviews/2026-11/")


def test_one_review_says_what_the_page_says(api, november):
    api.force_authenticate(november["rep"])
    body = api.get("/api/v1/services/payroll/reviews/2026-11/").json()
    assert body["period"] == {
        "period": "2026-11",
        "kind": "month",
        "label": "November 2026",
        "start": "2026-11-01",
        "end": "2026-12-01",
    }
    assert body["so_far"] is False
    p2 = next(row for row in body["attainment"] if row["priority"] == 2)
    assert (p2["met"], p2["missed"], p2["percent"]) == (1, 1, 50.0)
    assert {c["title"]: c["outcome"] for c in body["commitments"]} == {
        "New payslip layout": "late",
        "Year-end bonus run": "renegotiated",
    }
    assert [a["status"] for a in body["previous_actions"]] == ["overdue"]
    assert body["next"]["commitments_due"][0]["title"] == "Self-service address change"
    assert any("bank file was late twice" in " ".join(m["causes"]) for m in body["misses"])
    assert body["pdf"].endswith("/api/v1/services/payroll/reviews/2026-11/pdf/")


def test_the_pdf_with_a_read_key(api, november):
    _, key = api_token_issue(user=november["owner"], name="reviews", scopes=["read"])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.get("/api/v1/services/payroll/reviews/2026-Q4/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert "Payroll: service review, Q4 2026" in text


@pytest.mark.parametrize("suffix", ["", "pdf/"])
@pytest.mark.parametrize(("period", "status"), [("2026-13", 400), ("Q4-2026", 400), ("x" * 300, 400), ("2027-01", 404)])
def test_bad_periods_are_400_and_future_ones_404(api, november, period, status, suffix):
    api.force_authenticate(november["rep"])
    response = api.get(f"/api/v1/services/payroll/reviews/{period}/{suffix}", HTTP_ACCEPT="application/json")
    assert response.status_code == status
    if status == 400:
        assert response.json()["errors"][0]["attr"] == "period"


def test_anonymous_and_hidden_services_are_refused(api, november):
    assert api.get("/api/v1/services/payroll/reviews/").status_code in (401, 403, 404)  # hidden from them
    api.force_authenticate(f.business_user())
    assert api.get("/api/v1/services/no-such/reviews/2026-11/").status_code == 404


def test_the_schema_describes_the_three_operations(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/services/{slug}/reviews/",
        "/api/v1/services/{slug}/reviews/{period}/",
        "/api/v1/services/{slug}/reviews/{period}/pdf/",
    ):
        assert "get" in schema["paths"][path], path


def test_the_list_is_the_serializers(api, november, settings, time_machine, django_assert_max_num_queries):
    """The list built from compiled rows (portal/reviews/list_rows.py) is, byte for byte,
    ReviewListSerializer over the service, its prepared reviews and the recent periods in its
    zone, as the view gave it before: with and without a calendar, monthly and quarterly reviews
    prepared, a unit's review (not the service's) left out, a day that is another in the zone."""
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer

    from catalog.models import Service
    from portal.reviews import selectors
    from portal.reviews.api import ReviewListSerializer
    from portal.reviews.models import Review
    from sla.commitments import local_date
    from sla.models import Calendar
    from sla.selectors import service_time_zone

    def expected(slug: str, request) -> str:
        service = Service.objects.select_related("support_calendar").get(slug=slug)
        today = local_date(timezone.now(), service_time_zone(service))
        prepared = set(Review.objects.filter(service=service).values_list("period", "period_start"))
        results = [
            {
                **{"code": p.code, "kind": p.kind, "label": p.label, "start": p.start, "end": p.end},
                "prepared": (p.kind, p.start) in prepared,
                "url": request.build_absolute_uri(reverse("service-review", args=[slug, p.code])),
                "page": request.build_absolute_uri(reverse("portal:service_review", args=[slug, p.code])),
            }
            for p in selectors.recent_periods(today=today)
        ]
        return JSONRenderer().render(ReviewListSerializer({"service": service, "results": results}).data).decode()

    payroll = Service.objects.get(slug="payroll")
    Review.objects.create(service=payroll, period="quarter", period_start="2026-07-01")
    Review.objects.create(service=payroll, period="month", period_start="2026-08-01")
    Review.objects.create(business_unit=f.BusinessUnitFactory(), period="month", period_start="2026-09-01")
    plain = f.ServiceFactory(name="Plain", slug="plain", support_calendar=None)
    api.force_authenticate(f.business_user())
    time_machine.move_to(datetime(2026, 12, 1, 5, tzinfo=UTC), tick=False)  # still 30 November at UTC-11
    for zone in ("Europe/London", "Pacific/Pago_Pago"):
        Calendar.objects.filter(pk=payroll.support_calendar_id).update(time_zone=zone)
        for slug in ("payroll", plain.slug):
            # the user's roles (an API key brings them), the service with its prepared periods
            # (PostgreSQL), or then its reviews (SQLite); was the service, its reviews, the roles
            with django_assert_max_num_queries(2 if connection.vendor == "postgresql" else 3):
                response = api.get(f"/api/v1/services/{slug}/reviews/")
            assert response.status_code == 200
            assert response.content.decode() == expected(slug, response.wsgi_request), (zone, slug)
        first = response.json()["results"][0]["period"]["period"]
        assert first == ("2026-11" if zone == "Pacific/Pago_Pago" and slug == "payroll" else "2026-12")
    settings.TIME_ZONE = "Pacific/Pago_Pago"
    response = api.get(f"/api/v1/services/{plain.slug}/reviews/")
    assert response.content.decode() == expected(plain.slug, response.wsgi_request)
    assert response.json()["results"][0]["period"]["period"] == "2026-11"
