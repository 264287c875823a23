"""Service reviews over the API: the list of periods, one review, its PDF; scoped to signed-in
readers; bad periods a 400 naming the field, periods not begun a 404, never a 500."""

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
