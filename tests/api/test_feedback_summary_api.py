"""GET /api/v1/services/{slug}/feedback/: CSAT, NPS and CES per period with intervals, responses,
response rate, the guard, trend, rank and median; readable by whoever may read the service;
bad parameters are a 400 naming them; a fixed number of queries."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from catalog.tokens import api_token_issue
from tests import factories as f
from tests.feedback.test_summary import NOW, Q3, Q4, invite, survey

URL = "/api/v1/services/payroll/feedback/"


@pytest.fixture
def api(time_machine):
    time_machine.move_to(NOW, tick=False)
    return APIClient()


@pytest.fixture
def reader(db):
    return f.business_user(username="reader")


@pytest.fixture
def services(db):
    payroll = f.ServiceFactory(name="Payroll", slug="payroll")
    email = f.ServiceFactory(name="Email", slug="email")
    survey(
        payroll,
        Q4 + timedelta(days=10),
        csat=[5, 5, 4, 4, 4, 5, 4, 3, 2, 1],
        nps=[9, 9, 10, 10, 9, 7, 8, 8, 6, 0],
        ces=[5, 6, 7, 4, 5, 6, 7, 5, 6, 5],
    )
    survey(payroll, Q3 + timedelta(days=10), csat=[5] * 5 + [1] * 5, nps=[10] * 10)
    survey(payroll, Q3 - timedelta(days=80), csat=[5] * 4 + [1] * 6)  # Q2: 40%
    survey(email, Q4 + timedelta(days=3), csat=[5] * 9 + [2], nps=[10] * 10)
    for day in range(4):
        invite(payroll, Q4 + timedelta(days=day), answered_at=Q4 + timedelta(days=day, hours=1) if day else None)
    return {"payroll": payroll, "email": email}


def test_a_reader_gets_the_scores_of_the_current_period_and_their_history(api, reader, services):
    api.force_authenticate(reader)
    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == {"slug": "payroll", "name": "Payroll"}
    assert (body["period"], body["time_zone"], body["min_responses"], body["confidence"]) == (
        "quarter",
        "Europe/London",
        10,
        0.95,
    )
    assert body["computed_at"] == "2026-11-20T12:00:00Z"
    csat = body["scores"]["csat"]
    assert {k: csat[k] for k in ("label", "unit", "scale_min", "scale_max", "trend")} == {
        "label": "CSAT",
        "unit": "%",
        "scale_min": 0.0,
        "scale_max": 100.0,
        "trend": "improving",  # Q2 40%, Q3 50%
    }
    assert csat["current"] == {
        "value": 70.0,
        "low": pytest.approx(39.678, abs=0.001),
        "high": pytest.approx(89.221, abs=0.001),
        "responses": 10,
        "enough": True,
        "note": "",
        "rank": 2,
        "ranked_services": 2,
        "median": 80.0,
    }
    nps = body["scores"]["nps"]
    assert (nps["current"]["value"], nps["current"]["rank"], nps["trend"], nps["unit"]) == (30.0, 2, None, "points")
    assert (nps["scale_min"], nps["scale_max"]) == (-100.0, 100.0)
    ces = body["scores"]["ces"]["current"]
    assert (ces["value"], ces["rank"], ces["ranked_services"]) == (pytest.approx(5.6), 1, 1)


def test_every_period_with_its_response_rate_and_scores(api, reader, services):
    api.force_authenticate(reader)
    periods = api.get(URL).json()["periods"]
    assert [p["label"] for p in periods] == ["Q3 2025", "Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026"]
    assert [p["current"] for p in periods] == [False] * 5 + [True]
    current = periods[-1]
    assert (current["period_start"], current["period_end"]) == ("2026-10-01T00:00:00+01:00", "2027-01-01T00:00:00Z")
    assert (current["responses"], current["invitations_sent"], current["invitations_answered"]) == (10, 4, 3)
    assert current["response_rate"] == 75.0
    assert periods[0]["response_rate"] is None
    q3 = periods[-2]["scores"]
    assert (q3["csat"]["value"], q3["nps"]["value"], q3["ces"]["value"]) == (50.0, 100.0, None)
    assert q3["ces"]["note"] == "no responses"
    q2 = periods[-3]["scores"]["csat"]
    assert (q2["value"], q2["rank"], q2["ranked_services"], q2["median"]) == (40.0, 1, 1, 40.0)


def test_not_enough_responses(api, reader, services):
    survey(services["payroll"], NOW - timedelta(days=30), csat=[], nps=[], ces=[])
    api.force_authenticate(reader)
    email = api.get("/api/v1/services/email/feedback/").json()["scores"]["ces"]["current"]
    assert email == {
        "value": None,
        "low": None,
        "high": None,
        "responses": 0,
        "enough": False,
        "note": "no responses",
        "rank": None,
        "ranked_services": 1,
        "median": pytest.approx(5.6),
    }


def test_other_periods_and_how_many(api, reader, services):
    api.force_authenticate(reader)
    body = api.get(URL, {"period": "month", "periods": 3}).json()
    assert body["period"] == "month"
    assert [p["label"] for p in body["periods"]] == ["September 2026", "October 2026", "November 2026"]
    assert body["scores"]["csat"]["current"]["note"] == "no responses"  # the answers came in October


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"period": "year"}, "period", "invalid_choice"),
        ({"periods": "1"}, "periods", "min_value"),
        ({"periods": "13"}, "periods", "max_value"),
        ({"periods": "six"}, "periods", "invalid"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api, reader, services, params, field, code):
    api.force_authenticate(reader)
    response = api.get(URL, params)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["attr"], error["code"]) == (field, code)


def test_an_unknown_service_is_a_404(api, reader, services):
    api.force_authenticate(reader)
    response = api.get("/api/v1/services/nothing/feedback/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "No such service."


def test_a_private_catalogue_needs_signing_in(api, services, settings):
    settings.CATALOGUE_PUBLIC = False
    assert api.get(URL).status_code in (401, 403)
    token = api_token_issue(name="reporting", user=f.business_user(username="robot"))[1]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(URL).json()["scores"]["csat"]["current"]["value"] == 70.0


def test_a_public_catalogue_shows_scores_to_anyone(api, services, settings):
    settings.CATALOGUE_PUBLIC = True
    assert api.get(URL).json()["scores"]["csat"]["current"]["value"] == 70.0


def test_queries_are_fixed(api, reader, services, django_assert_max_num_queries):
    for i in range(10):
        survey(f.ServiceFactory(slug=f"s{i}"), datetime(2026, 10, 5, tzinfo=UTC), csat=[4] * 10)
    api.force_authenticate(reader)
    # The service, the time zones, the answers, the invitations (authentication is forced).
    with django_assert_max_num_queries(4):
        body = api.get(URL).json()
    assert body["scores"]["csat"]["current"]["ranked_services"] == 12


def test_the_schema_describes_it(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/services/{slug}/feedback/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"slug", "period", "periods"}
