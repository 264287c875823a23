"""Lost time end to end: asked on the event survey's page, sent by another tool over the API,
refused by the database outside its choices, summed per service and unit, and in the summary API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from catalog import rules as roles
from feedback.experience.selectors import hourly_cost_setting, lost_time_by_service, lost_time_by_unit
from feedback.models import Invitation, InvitationKind, Response
from feedback.services import ResponseInput, response_record_external, response_record_for_invitation
from feedback.tokens import invitation_token
from tests import factories as f
from tests.feedback.conftest import at

NOW = at(3, 10)


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link(invitation):
    with time_machine.travel(at(2, 9), tick=False):
        return reverse("feedback:survey", kwargs={"token": invitation_token(invitation)})


def test_the_event_survey_asks_lost_time_and_records_it(client, link, invitation):
    with time_machine.travel(NOW, tick=False):
        html = client.get(link).content.decode()
        assert "How much of your work time did this cost you? (optional)" in html
        assert html.count('name="lost_time"') == 5 and 'value="1_4h"' in html
        answer = client.post(link, {"csat": "4", "lost_time": "1_4h"})
    assert answer.status_code == 302
    assert Response.objects.get().lost_time == "1_4h"


def test_lost_time_alone_is_an_answer_and_a_bad_choice_is_a_field_error(client, link):
    with time_machine.travel(NOW, tick=False):
        bad = client.post(link, {"lost_time": "a week"})
        assert bad.status_code == 400 and "Choose one of the answers given." in bad.content.decode()
        assert client.post(link, {"lost_time": "none"}).status_code == 302
    assert Response.objects.get().lost_time == "none"


def test_the_relationship_survey_does_not_ask_it(client, service):
    invitation = Invitation.objects.create(
        kind=InvitationKind.RELATIONSHIP,
        service=service,
        period_start=date(2026, 10, 1),  # a relationship survey names its quarter (the database says so)
        email="bo@example.com",
        nonce="rel",
        send_after=at(2, 9),
        expires_at=at(2, 9) + timedelta(days=14),
    )
    with time_machine.travel(at(2, 9), tick=False):
        url = reverse("feedback:survey", kwargs={"token": invitation_token(invitation)})
    with time_machine.travel(NOW, tick=False):
        assert 'name="lost_time"' not in client.get(url).content.decode()
        with pytest.raises(Exception, match="not in a relationship survey"):
            response_record_for_invitation(
                invitation=invitation, answers=ResponseInput(factor_ratings={"pace": 4}, lost_time="day")
            )


def test_the_database_refuses_a_value_outside_the_choices(service):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(service=service, csat=4, lost_time="week", submitted_at=NOW)


def test_the_api_accepts_lost_time_and_names_the_field_when_unknown(service):
    api = APIClient()
    api.force_authenticate(f.UserFactory(username="surveytool", roles=[roles.INTEGRATIONS]))
    body = {
        "service": "payroll",
        "external_id": "tf-1",
        "submitted_at": "2026-11-03T09:15:00Z",
        "respondent_email": "ann@example.com",
        "csat": 4,
        "lost_time": "day",
    }
    with time_machine.travel(NOW, tick=False):
        created = api.post("/api/v1/feedback/responses/", body, format="json")
        assert created.status_code == 201, created.json()
        assert created.json()["lost_time"] == "day"
        bad = api.post("/api/v1/feedback/responses/", {**body, "external_id": "tf-2", "lost_time": "week"}, "json")
    assert bad.status_code == 400
    assert [e["attr"] for e in bad.json()["errors"]] == ["lost_time"]
    assert Response.objects.count() == 1


@pytest.fixture
def answered(service):
    """Payroll: Finance lost 0.5 + 8 + 16 h, Sales 2.5 h, one answer said nothing, one was last year."""
    finance, sales = f.BusinessUnitFactory(slug="finance"), f.BusinessUnitFactory(slug="sales")
    other = f.ServiceFactory(slug="mail")
    rows = [
        (service, finance, "under_1h", NOW),
        (service, finance, "day", NOW),
        (service, finance, "more", NOW),
        (service, sales, "1_4h", NOW),
        (service, sales, "", NOW),
        (service, sales, "more", NOW - timedelta(days=400)),
        (other, finance, "none", NOW),
    ]
    for i, (about, unit, lost, when) in enumerate(rows):
        response_record_external(
            service=about,
            external_id=f"r{i}",
            answers=ResponseInput(csat=4, lost_time=lost),
            submitted_at=when,
            business_unit=unit,
            now=NOW,
        )
    return {"finance": finance, "sales": sales, "other": other}


def test_lost_time_per_service_and_per_unit(service, answered, django_assert_num_queries):
    start, end = NOW - timedelta(days=365), NOW + timedelta(seconds=1)
    ids = [service.pk, answered["other"].pk]
    with django_assert_num_queries(1):
        per_service = lost_time_by_service(service_ids=ids, start=start, end=end)
    assert (per_service[service.pk].answers, per_service[service.pk].hours) == (4, 27.0)
    assert (per_service[answered["other"].pk].answers, per_service[answered["other"].pk].hours) == (1, 0.0)
    finance_only = lost_time_by_service(service_ids=ids, start=start, end=end, business_unit_id=answered["finance"].pk)
    assert finance_only[service.pk].hours == 24.5
    with django_assert_num_queries(1):
        per_unit = lost_time_by_unit(service_ids=[service.pk], start=start, end=end)
    assert per_unit[answered["finance"].pk].hours == 24.5 and per_unit[answered["sales"].pk].hours == 2.5


def test_the_hourly_cost_comes_from_settings(settings):
    settings.LOST_TIME_HOURLY_COST = 62.5
    assert hourly_cost_setting() == Decimal("62.50")
    settings.LOST_TIME_HOURLY_COST = 0
    assert hourly_cost_setting() is None


def test_the_summary_api_gives_lost_time_per_period_and_its_cost(service, answered, settings):
    settings.LOST_TIME_HOURLY_COST = 50
    api = APIClient()
    api.force_authenticate(f.admin_user(username="admin"))
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        found = api.get("/api/v1/services/payroll/feedback/?period=month&periods=2").json()
    assert found["lost_time_hourly_cost"] == 50.0
    current = found["periods"][-1]["lost_time"]
    assert current == {"answers": 4, "hours": 27.0, "average_hours": 6.75, "cost": 1350.0}
    assert found["periods"][0]["lost_time"]["answers"] == 0 and found["periods"][0]["lost_time"]["cost"] is None


def test_the_cost_pages_show_lost_time_beside_the_cost_of_provision(
    client, service, answered, settings, django_assert_max_num_queries
):
    settings.LOST_TIME_HOURLY_COST = 50
    service.business_units.set([answered["finance"], answered["sales"]])
    client.force_login(f.admin_user(username="admin"))
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        with django_assert_max_num_queries(10):
            catalogue = client.get(reverse("portal:costs")).content.decode()
        with django_assert_max_num_queries(11):
            unit = client.get(reverse("portal:unit_costs", args=["finance"])).content.decode()
        page = client.get(service.get_absolute_url()).content.decode()
    # Finance: 24.5 h on Payroll and 0 h on Mail, 4 answers; at 50 an hour 1,225.00.
    assert "Cost of lost time" in catalogue and "24.5 h" in catalogue and "1,225.00" in catalogue
    assert '<td class="num" data-testid="unit-lost-hours">24.5 h</td>' in unit and "1,225.00" in unit
    assert "costed at 50.00 an hour" in unit
    assert "27 h in the last 12 months" in page and "6.8 h per answer, 4 answers" in page and "1,350.00" in page
    settings.LOST_TIME_HOURLY_COST = 0  # no hourly cost: the hours, never a cost
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        catalogue = client.get(reverse("portal:costs")).content.decode()
    assert "24.5 h" in catalogue and "Cost of lost time" not in catalogue
