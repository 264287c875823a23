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
# Measured on main (SQLite and PostgreSQL, 7 Dec 2026): November's detail for its representative 26
# queries, its PDF 26, and the same with more tickets, measures, commitments and actions (test
# below); Q4's PDF with an API key 26.
DETAIL_QUERIES = 26
PDF_QUERIES = 26


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


def test_one_review_says_what_the_page_says(api, november, django_assert_max_num_queries):
    api.force_authenticate(november["rep"])
    with django_assert_max_num_queries(DETAIL_QUERIES):
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


def test_the_pdf_with_a_read_key(api, november, django_assert_max_num_queries):
    _, key = api_token_issue(user=november["owner"], name="reviews", scopes=["read"])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    with django_assert_max_num_queries(PDF_QUERIES):
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


def _more_of_november(sla, n: int) -> None:
    """`n` more of each thing November's review reads row by row: P1-P3 tickets with a met and a
    breached clock, measures evaluated (missed), commitments delivered late, renegotiated and due
    next month, and October's actions."""
    from datetime import date

    from catalog.models import Measure
    from portal.reviews.periods import period_parse
    from portal.reviews.services import review_action_record
    from sla.models import ClockState, Commitment, MeasureEvaluation, Renegotiation
    from tests.sla.test_series_selectors import clock, ticket

    common = {
        "service": sla["service"],
        "business_unit": sla["unit"],
        "owner": sla["owner"],
        "definition_of_done": "Done.",
        "committed_on": date(2026, 9, 1),
    }
    for i in range(n):
        day = datetime(2026, 11, 2 + i, tzinfo=UTC)
        t = ticket(sla, f"MORE-{i}", day, priority=1 + i % 3)
        clock(sla, t, state=ClockState.MET, started=day, stopped=day.replace(hour=1))
        clock(sla, t, state=ClockState.BREACHED, started=day, stopped=day.replace(hour=5), breached=day.replace(hour=2))
        measure = Measure.objects.create(
            agreement=sla["agreement"], key=f"more-{i}", name=f"More {i}", description="Why.", factor="pace", target=90
        )
        MeasureEvaluation.objects.create(
            measure=measure,
            service=sla["service"],
            measure_key=measure.key,
            period_start=datetime(2026, 11, 1, tzinfo=UTC),
            period_end=datetime(2026, 12, 1, tzinfo=UTC),
            actual=80,
            status="missed",
            volume=3,
            reason=f"Reason {i}.",
            computed_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
        )
        Commitment.objects.create(
            title=f"Late {i}",
            due_on=date(2026, 11, 10),
            outcome="delivered",
            closed_on=date(2026, 11, 20),
            closing_note=f"Note {i}.",
            **common,
        )
        moved = Commitment.objects.create(title=f"Moved {i}", due_on=date(2027, 2, 1), **common)
        Renegotiation.objects.create(
            commitment=moved,
            at=datetime(2026, 11, 12, tzinfo=UTC),
            old_due_on=date(2026, 11, 28),
            new_due_on=date(2027, 2, 1),
            reason=f"Moved {i}.",
            by=sla["owner"],
        )
        Commitment.objects.create(title=f"Next {i}", due_on=date(2026, 12, 20), **common)
        review_action_record(
            period=period_parse("2026-10"),
            service=sla["service"],
            text=f"Action {i}",
            owner=sla["owner"],
            due_on=date(2026, 11, 25),
            by=sla["owner"],
        )


def test_the_review_and_its_pdf_cost_the_same_queries_with_more_rows(api, november, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = ("/api/v1/services/payroll/reviews/2026-11/", "/api/v1/services/payroll/reviews/2026-11/pdf/")

    def counts() -> list[int]:
        found = []
        for url, pinned in zip(urls, (DETAIL_QUERIES, PDF_QUERIES), strict=True):
            accept = "application/pdf" if url.endswith("pdf/") else "application/json"
            # a fresh user each time, as each request reads it (the instance caches its groups)
            api.force_authenticate(type(november["rep"]).objects.get(pk=november["rep"].pk))
            with django_assert_max_num_queries(pinned), CaptureQueriesContext(connection) as captured:
                assert api.get(url, HTTP_ACCEPT=accept).status_code == 200
            found.append(len(captured))
        return found

    few = counts()
    _more_of_november(november, 5)
    assert counts() == few
    body = api.get(urls[0]).json()
    assert {"Late 4", "Moved 4"} <= {c["title"] for c in body["commitments"]}
    assert len(body["previous_actions"]) == 6
