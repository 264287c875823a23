"""POST /api/v1/feedback/responses/ (responses collected by another tool, idempotent by its id)
and a service's survey settings over the API."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from catalog import rules as roles
from feedback.models import FollowUp, Response
from feedback.services.surveys import survey_settings_get
from sla.models import Ticket
from tests import factories as f
from tests.feedback.conftest import at

URL = "/api/v1/feedback/responses/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def people(service):
    return {
        "admin": f.admin_user(username="admin"),
        "integration": f.UserFactory(username="surveytool", roles=[roles.INTEGRATIONS]),
        "owner": service.service_owner,
        "other_owner": f.service_owner(username="other-owner"),
        "reader": f.business_user(username="reader"),
    }


def body(**changes):
    data = {
        "service": "payroll",
        "external_id": "typeform-1",
        "submitted_at": "2026-11-03T10:15:00Z",
        "respondent_email": "Ann@Example.com",
        "csat": 4,
        "nps": 9,
        "comment": "Quick and friendly.",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not ...}


def errors(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        found.setdefault(error["attr"], []).append(error["detail"])
    return found


def test_a_response_is_created_then_a_repeat_changes_nothing(api, people, service):
    unit = f.BusinessUnitFactory(slug="finance")
    ticket = Ticket.objects.create(service=service, source="servicedesk", external_id="INC1", opened_at=at(1, 9))
    api.force_authenticate(people["integration"])
    created = api.post(
        URL, body(business_unit="finance", ticket={"source": "servicedesk", "external_id": "INC1"}), format="json"
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["service"] == {"slug": "payroll", "name": "Payroll"}
    assert (data["csat"], data["nps"], data["ces"], data["source"], data["kind"]) == (4, 9, None, "api", "event")
    assert (data["respondent_email"], data["business_unit"], data["follow_up"]) == ("ann@example.com", "finance", False)
    assert data["ticket"] == {"source": "servicedesk", "external_id": "INC1"}
    response = Response.objects.get()
    assert (response.ticket, response.business_unit, response.submitted_at) == (ticket, unit, at(3, 10, 15))

    repeat = api.post(URL, body(csat=1, comment="changed my mind"), format="json")
    assert repeat.status_code == 200
    assert repeat.json()["id"] == data["id"] and repeat.json()["csat"] == 4
    assert Response.objects.count() == 1


def test_a_detractor_opens_a_follow_up(api, people):
    api.force_authenticate(people["integration"])
    created = api.post(URL, body(csat=None, nps=3), format="json")
    assert created.status_code == 201 and created.json()["follow_up"] is True
    assert FollowUp.objects.get().owner == people["owner"]


def test_factor_ratings_alone_are_a_relationship_response(api, people):
    api.force_authenticate(people["owner"])
    created = api.post(URL, body(csat=None, nps=None, factor_ratings={"engagement": 4, "results": 2}), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["kind"] == "relationship"
    assert Response.objects.get().factor_ratings == {"engagement": 4, "results": 2}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"csat": 6}, "csat", "CSAT answers go from 1 to 5, not 6."),
        ({"nps": 11}, "nps", "NPS answers go from 0 to 10, not 11."),
        ({"ces": 0}, "ces", "CES answers go from 1 to 7, not 0."),
        ({"csat": True}, "csat", None),
        ({"factor_ratings": {"engagement": 6}}, "factor_ratings", "Rate engagement from 1 to 5, not 6."),
        ({"factor_ratings": {"mood": 3}}, "factor_ratings", "Unknown success factor 'mood'."),
        ({"comment": "x" * 2001}, "comment", "Keep the comment to 2,000 characters."),
        ({"submitted_at": "2026-11-03T10:15:00"}, "submitted_at", "Give the time with a time zone or UTC offset"),
        ({"submitted_at": "yesterday"}, "submitted_at", None),
        ({"service": "nope"}, "service", "No service with the slug 'nope'."),
        ({"business_unit": "nope"}, "business_unit", "No business unit with the slug 'nope'."),
        ({"ticket": {"source": "sd", "external_id": "X"}}, "ticket", "No ticket 'X' from 'sd'"),
        ({"external_id": ...}, "external_id", None),
        ({"respondent_email": "not an address"}, "respondent_email", None),
        ({"csat": None, "nps": None, "comment": "just words"}, "non_field_errors", "Give at least one answer."),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api, people, changes, field, message):
    api.force_authenticate(people["admin"])
    answer = api.post(URL, body(**changes), format="json")
    assert answer.status_code == 400
    found = errors(answer)
    assert field in found, found
    if message:
        assert any(message in detail for detail in found[field]), found
    assert not Response.objects.exists()


def test_a_ticket_of_another_service_is_refused(api, people, service):
    other = f.ServiceFactory(slug="laptops")
    Ticket.objects.create(service=other, source="sd", external_id="INC2", opened_at=at(1, 9))
    api.force_authenticate(people["admin"])
    answer = api.post(URL, body(ticket={"source": "sd", "external_id": "INC2"}), format="json")
    assert answer.status_code == 400 and "about another service" in errors(answer)["ticket"][0]


def test_an_id_used_for_another_service_is_refused(api, people):
    f.ServiceFactory(slug="laptops", service_owner=people["other_owner"])
    api.force_authenticate(people["admin"])
    assert api.post(URL, body(), format="json").status_code == 201
    answer = api.post(URL, body(service="laptops"), format="json")
    assert answer.status_code == 400 and "external_id" in errors(answer)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 201), ("integration", 201), ("owner", 201), ("other_owner", 403), ("reader", 403), (None, 401)],
)
def test_who_may_send_responses(api, people, who, status):
    if who:
        api.force_authenticate(people[who])
    answer = api.post(URL, body(), format="json")
    assert answer.status_code in ((401, 403) if status == 401 else (status,))
    assert Response.objects.exists() == (status == 201)


def test_responses_from_the_future_are_refused(api, people):
    api.force_authenticate(people["integration"])
    answer = api.post(URL, body(submitted_at="2099-01-01T00:00:00Z"), format="json")
    assert answer.status_code == 400 and "future" in errors(answer)["submitted_at"][0]


# --- Survey settings ------------------------------------------------------------------------------


def test_the_owner_reads_and_changes_the_survey_settings(api, people, service):
    url = f"/api/v1/services/{service.slug}/survey-settings/"
    api.force_authenticate(people["owner"])
    shown = api.get(url)
    assert shown.status_code == 200
    assert shown.json()["event_kinds"] == ["csat", "nps", "ces"]
    assert (shown.json()["event_delay_days"], shown.json()["invitation_valid_for_days"]) == (1, 14)
    changed = api.patch(url, {"event_kinds": ["ces"], "event_delay_days": 0.5, "fatigue_days": 60}, format="json")
    assert changed.status_code == 200, changed.json()
    settings = survey_settings_get(service=service)
    assert (settings.event_kinds, settings.event_delay, settings.fatigue_days) == (["ces"], timedelta(hours=12), 60)


def test_bad_survey_settings_are_a_400(api, people, service):
    url = f"/api/v1/services/{service.slug}/survey-settings/"
    api.force_authenticate(people["admin"])
    answer = api.patch(url, {"event_delay_days": 30, "fatigue_days": -3}, format="json")
    assert answer.status_code == 400
    assert errors(answer) == {
        "event_delay_days": ["Wait between 0 and 7 days after the resolution."],
        "fatigue_days": ["Ask the same person at most once in 0 to 365 days."],
    }
    answer = api.patch(url, {"event_kinds": ["mood"]}, format="json")
    assert answer.status_code == 400 and "event_kinds.0" in errors(answer)
    assert survey_settings_get(service=service).fatigue_days == 30


@pytest.mark.parametrize(("who", "status"), [("other_owner", 403), ("reader", 403), ("integration", 403)])
def test_only_the_owner_and_admins_see_survey_settings(api, people, service, who, status):
    api.force_authenticate(people[who])
    assert api.get(f"/api/v1/services/{service.slug}/survey-settings/").status_code == status
