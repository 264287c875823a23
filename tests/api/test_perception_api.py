"""The perception gap over the API: both views of a service for a quarter, the catalogue's largest
gaps, and IT's self-assessment recorded with PUT (owner or admin; 400 with field messages)."""

from datetime import UTC, date, datetime

import pytest
from rest_framework.test import APIClient

from feedback.models import SelfAssessment
from tests import factories as f
from tests.feedback.test_perception import BUSINESS_VIEW, IT_VIEW, NOW, Q3, answer, assess

URL = "/api/v1/services/payroll/perception-gap/"
GAPS_URL = "/api/v1/perception-gaps/"
PUT_URL = "/api/v1/services/payroll/self-assessments/{}/"


@pytest.fixture
def api(time_machine):
    time_machine.move_to(NOW, tick=False)
    return APIClient()


@pytest.fixture
def owner(db):
    return f.service_owner(username="owner", first_name="Olive", last_name="Owner")


@pytest.fixture
def payroll(owner):
    return f.ServiceFactory(name="Payroll", slug="payroll", service_owner=owner)


@pytest.fixture
def q3(payroll):
    """Payroll's Q3 as in the worked example: IT's view and four respondents."""
    assessment = assess(payroll, Q3)
    assessment.note = "Short-staffed in August."
    assessment.save(update_fields=["note"])
    for ratings in BUSINESS_VIEW:
        answer(payroll, ratings, submitted_at=datetime(2026, 9, 1, tzinfo=UTC))
    return assessment


def test_a_reader_gets_both_views_per_factor_with_the_gap(api, q3, django_assert_max_num_queries):
    api.force_authenticate(f.business_user())
    with django_assert_max_num_queries(6):  # groups, service, quarter found from the data (2), views (2)
        body = api.get(URL).json()
    assert (body["service"], body["quarter"], body["quarter_label"]) == (
        {"slug": "payroll", "name": "Payroll"},
        "2026-Q3",
        "Q3 2026",
    )
    assert (body["period_start"], body["period_end"]) == ("2026-07-01", "2026-10-01")
    assert (body["min_responses"], body["respondents"], body["overall_gap"]) == (3, 4, 0.5)
    assert body["self_assessment"]["ratings"] == IT_VIEW
    it_view = body["self_assessment"]
    assert (it_view["note"], it_view["by"]) == ("Short-staffed in August.", "Olive Owner")
    factors = {row["factor"]: row for row in body["factors"]}
    assert list(factors) == ["engagement", "urgency", "ownership", "pace", "results", "user_experience"]
    assert factors["engagement"] == {
        "factor": "engagement",
        "label": "Engagement",
        "it": 4,
        "business": {"mean": 3.0, "count": 3, "enough": True},
        "gap": 1.0,
        "reading": "it_higher",
    }
    assert (factors["urgency"]["gap"], factors["urgency"]["reading"]) == (-1.5, "business_higher")
    assert factors["ownership"]["business"] == {"mean": 3.0, "count": 2, "enough": False}
    assert (factors["ownership"]["gap"], factors["ownership"]["reading"]) == (None, None)
    assert factors["pace"]["business"] == {"mean": None, "count": 0, "enough": False}
    assert (factors["user_experience"]["gap"], factors["user_experience"]["reading"]) == (0.0, "agreed")


def test_gaps_are_given_to_two_decimals(api, payroll):
    assess(payroll, Q3, IT_VIEW | {"pace": 3})
    for rating in (5, 4, 4):  # mean 4.333…, gap -1.333…
        answer(payroll, {"pace": rating}, submitted_at=datetime(2026, 8, 1, tzinfo=UTC))
    pace = api.get(URL, {"quarter": "2026-Q3"}).json()["factors"][3]
    assert (pace["business"]["mean"], pace["gap"]) == (4.33, -1.33)


def test_a_quarter_without_data_has_empty_views(api, payroll):
    body = api.get(URL, {"quarter": "2026-Q2"}).json()
    assert (body["quarter"], body["self_assessment"], body["respondents"], body["overall_gap"]) == (
        "2026-Q2",
        None,
        0,
        None,
    )
    assert {row["it"] for row in body["factors"]} == {None}


@pytest.mark.parametrize(
    ("quarter", "message"),
    [("2026-Q9", "e.g. 2026-Q4"), ("Q3", "e.g. 2026-Q4"), ("2027-Q1", "Q1 2027 has not started yet.")],
)
def test_a_bad_quarter_is_a_400_naming_it(api, payroll, quarter, message):
    response = api.get(URL, {"quarter": quarter})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["attr"] == "quarter"
    assert message in error["detail"]


def test_a_hidden_service_is_a_404_and_a_private_catalogue_hides_it_from_visitors(api, payroll, settings):
    assert api.get("/api/v1/services/nope/perception-gap/").status_code == 404
    settings.CATALOGUE_PUBLIC = False
    assert api.get(URL).status_code in (401, 403)
    assert api.get(GAPS_URL).status_code in (401, 403)
    api.force_authenticate(f.business_user())
    assert api.get(URL).status_code == 200


def test_the_catalogue_s_largest_gaps(api, q3, payroll):
    shop = f.ServiceFactory(name="Online shop", slug="shop")
    assess(shop, Q3, dict.fromkeys(IT_VIEW, 2))
    for _ in range(3):
        answer(shop, dict.fromkeys(IT_VIEW, 4), submitted_at=datetime(2026, 9, 1, tzinfo=UTC))
    body = api.get(GAPS_URL, {"limit": 3}).json()
    assert (body["quarter"], body["quarter_label"], body["min_responses"]) == ("2026-Q3", "Q3 2026", 3)
    assert body["gaps"][0] == {
        "service": {"slug": "payroll", "name": "Payroll"},
        "factor": "results",
        "label": "Results",
        "it": 5,
        "business_mean": 2.5,
        "business_count": 4,
        "gap": 2.5,
        "reading": "it_higher",
    }
    assert [(row["service"]["slug"], row["factor"], row["gap"]) for row in body["gaps"][1:]] == [
        ("shop", "engagement", -2.0),
        ("shop", "urgency", -2.0),
    ]
    assert api.get(GAPS_URL, {"quarter": "2026-Q2"}).json() == {
        "quarter": "2026-Q2",
        "quarter_label": "Q2 2026",
        "min_responses": 3,
        "gaps": [],
    }


def test_no_gap_anywhere_yet(api, payroll):
    assert api.get(GAPS_URL).json() == {"quarter": None, "quarter_label": None, "min_responses": 3, "gaps": []}


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_a_bad_limit_is_a_400(api, limit):
    response = api.get(GAPS_URL, {"limit": limit})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "limit"


# --- PUT: IT's view -----------------------------------------------------------------------------


def test_the_owner_records_and_then_replaces_it_s_view(api, payroll, owner):
    api.force_authenticate(owner)
    response = api.put(PUT_URL.format("2026-Q3"), {"ratings": IT_VIEW, "note": "Short-staffed."}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["service"], body["quarter"], body["ratings"], body["note"], body["by"]) == (
        {"slug": "payroll", "name": "Payroll"},
        "2026-Q3",
        IT_VIEW,
        "Short-staffed.",
        "Olive Owner",
    )
    again = api.put(PUT_URL.format("2026-Q3"), {"ratings": IT_VIEW | {"pace": 1}}, format="json")
    assert again.status_code == 200
    stored = SelfAssessment.objects.get()
    assert (stored.period_start, stored.ratings["pace"], stored.note) == (date(2026, 7, 1), 1, "")


def test_an_admin_may_record_it(api, payroll):
    api.force_authenticate(f.admin_user())
    assert api.put(PUT_URL.format("2026-Q4"), {"ratings": IT_VIEW}, format="json").status_code == 201


@pytest.mark.parametrize("who", ["reader", "other_owner", "anonymous"])
def test_nobody_else_may(api, payroll, who):
    user = {"reader": f.business_user, "other_owner": f.service_owner, "anonymous": lambda: None}[who]()
    if user:
        api.force_authenticate(user)
    response = api.put(PUT_URL.format("2026-Q3"), {"ratings": IT_VIEW}, format="json")
    assert response.status_code in ((401, 403) if user is None else (403,))
    if user:
        assert response.json()["errors"][0]["detail"] == "Only the owner of “Payroll” or an admin may rate it for IT."
    assert not SelfAssessment.objects.exists()


@pytest.mark.parametrize(
    ("quarter", "payload", "attrs"),
    [
        ("2026-Q3", {"ratings": IT_VIEW | {"urgency": 6}}, {"ratings.urgency"}),
        ("2026-Q3", {"ratings": {"engagement": 4}}, {f"ratings.{k}" for k in IT_VIEW if k != "engagement"}),
        ("2026-Q3", {"ratings": IT_VIEW | {"mood": 3}}, {"ratings"}),
        ("2026-Q3", {"ratings": [4, 3]}, {"ratings"}),
        ("2026-Q3", {}, {"ratings"}),
        ("2026-Q3", {"ratings": IT_VIEW, "note": "x" * 2001}, {"note"}),
        ("2027-Q1", {"ratings": IT_VIEW}, {"quarter"}),
        ("autumn", {"ratings": IT_VIEW}, {"quarter"}),
    ],
)
def test_bad_input_is_a_400_naming_each_field_and_writes_nothing(api, payroll, owner, quarter, payload, attrs):
    api.force_authenticate(owner)
    response = api.put(PUT_URL.format(quarter), payload, format="json")
    assert response.status_code == 400, response.content
    assert {error["attr"] for error in response.json()["errors"]} == attrs
    assert not SelfAssessment.objects.exists()
