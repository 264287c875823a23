"""/api/v1/feedback/follow-ups/: scoped to who may see them, filters, one with its answer, and
the actions contacted and close (400 naming the field, 403 for readers, 404 for others)."""

from datetime import UTC, datetime

import pytest
import time_machine

from feedback.models import FollowUp, FollowUpState
from feedback.services import ResponseInput, response_record_external
from feedback.services.follow_ups import follow_up_close, follow_ups_check
from sla.models import Alert, AlertState
from sla.services import calendar_create
from tests import factories as f
from tests.api.conftest import login

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 13, 13, tzinfo=UTC)  # a Friday
URL = "/api/v1/feedback/follow-ups/"


def day(number, hour=10):
    return datetime(2026, 11, number, hour, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(db):
    return {
        "owner": f.service_owner(username="owner"),
        "business": f.business_user(username="business"),
        "deputy": f.service_owner(username="deputy"),
        "reader": f.business_user(username="reader"),
        "admin": f.admin_user(username="admin"),
        "other_owner": f.service_owner(username="other-owner"),
    }


@pytest.fixture
def service(people):
    office = calendar_create(name="Office", time_zone="UTC", hours=dict.fromkeys(range(5), "09:00-17:00"))
    return f.ServiceFactory(
        name="Payroll",
        slug="payroll",
        service_owner=people["owner"],
        business_owner=people["business"],
        support_calendar=office,
    )


def detractor(service, email, when, comment="", **scores) -> FollowUp:
    response, _ = response_record_external(
        service=service,
        external_id=f"{email}-{when:%d%H}",
        answers=ResponseInput(comment=comment, **scores),
        submitted_at=when,
        respondent_email=email,
    )
    return response.follow_up


@pytest.fixture
def late(service):
    """Answered Monday 9 Nov 10:00: due Wednesday 10:00, overdue now."""
    return detractor(service, "ann@example.com", day(9), nps=2, comment="<b>Never</b> again")


@pytest.fixture
def fresh(service, people):
    """Answered today, due Tuesday 17 Nov 12:00; owned by the deputy."""
    follow_up = detractor(service, "bob@example.com", day(13, 12), csat=1)
    FollowUp.objects.filter(pk=follow_up.pk).update(owner=people["deputy"])
    return follow_up


@pytest.fixture
def closed(service, people):
    follow_up = detractor(service, "cat@example.com", day(2), ces=1)
    return follow_up_close(follow_up=follow_up, actor=people["owner"], outcome="o", learned="l", now=day(3))


@pytest.fixture
def elsewhere(people):
    other = f.ServiceFactory(name="Shop", slug="shop", service_owner=people["other_owner"])
    return detractor(other, "dan@example.com", day(12), nps=1)


def emails(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["response"]["respondent_email"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("owner", ["ann", "bob"]),  # the service's
        ("deputy", ["bob"]),  # the one they own
        ("business", ["ann", "bob"]),  # the service's business owner reads
        ("reader", []),
        ("other_owner", ["dan"]),
        ("admin", ["ann", "dan", "bob"]),
    ],
)
def test_the_list_is_scoped_and_soonest_due_first(api, people, late, fresh, closed, elsewhere, who, seen):
    found = emails(login(api, people[who]).get(URL))
    assert found == [f"{name}@example.com" for name in seen]


def test_anonymous_callers_are_refused(api, late):
    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}{late.pk}/").status_code == 401
    assert api.post(f"{URL}{late.pk}/contacted/", {"outcome": "x"}).status_code == 401
    late.refresh_from_db()
    assert late.state == FollowUpState.OPEN


@pytest.mark.parametrize(
    ("query", "seen"),
    [
        ("state=overdue", ["ann"]),
        ("state=closed", ["cat"]),
        ("state=any", ["cat", "ann", "dan", "bob"]),
        ("state=open&service=payroll", ["ann", "bob"]),
        ("mine=true&state=any", []),  # the admin owns none
    ],
)
def test_filters(api, people, late, fresh, closed, elsewhere, query, seen):
    found = emails(login(api, people["admin"]).get(f"{URL}?{query}"))
    assert found == [f"{name}@example.com" for name in seen]


@pytest.mark.parametrize(("query", "field"), [("state=late", "state"), ("mine=perhaps", "mine")])
def test_unknown_filters_are_400(api, people, query, field):
    response = login(api, people["owner"]).get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == field


def test_the_list_takes_a_fixed_number_of_queries(api, people, service, django_assert_max_num_queries):
    for number in range(10):
        detractor(service, f"p{number}@example.com", day(12), nps=number % 7)
    login(api, people["owner"])
    with django_assert_max_num_queries(5):
        assert len(emails(api.get(URL))) == 10


def test_one_follow_up_with_the_answer_that_opened_it(api, people, late):
    body = login(api, people["owner"]).get(f"{URL}{late.pk}/").json()
    assert body["state"] == "open" and body["overdue"] is True
    assert body["due_at"] == "2026-11-11T10:00:00Z"
    assert body["service"] == {"slug": "payroll", "name": "Payroll"}
    assert body["owner"]["username"] == "owner"
    assert body["response"]["nps"] == 2 and body["response"]["csat"] is None
    assert body["response"]["comment"] == "<b>Never</b> again"  # as written; clients escape it
    assert body["response"]["ticket"] is None
    assert login(api, people["reader"]).get(f"{URL}{late.pk}/").status_code == 404


def test_contacted_then_closed(api, people, late):
    login(api, people["owner"])
    follow_ups_check(NOW)
    response = api.post(
        f"{URL}{late.pk}/contacted/", {"outcome": "Apologised.", "contacted_at": "2026-11-13T11:00:00+00:00"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["contacted_at"], body["outcome"], body["overdue"]) == (
        "contacted",
        "2026-11-13T11:00:00Z",
        "Apologised.",
        False,
    )
    assert Alert.objects.get(kind="follow_up_overdue").state == AlertState.RESOLVED

    response = api.post(f"{URL}{late.pk}/close/", {"learned": "Payslip cut-off unclear."})
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["learned"]) == ("closed", "Payslip cut-off unclear.")


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("contacted", {}, "outcome"),
        ("contacted", {"outcome": "  "}, "outcome"),
        ("contacted", {"outcome": "x", "contacted_at": "2026-11-20T10:00:00Z"}, "contacted_at"),
        ("contacted", {"outcome": "x", "contacted_at": "soon"}, "contacted_at"),
        ("contacted", {"outcome": "x" * 5001}, "outcome"),
        ("close", {"outcome": "Called"}, "learned"),
        ("close", {"learned": "Something"}, "outcome"),  # the call was never recorded
    ],
)
def test_bad_input_is_400_naming_the_field_and_nothing_written(api, people, late, action, data, field):
    response = login(api, people["owner"]).post(f"{URL}{late.pk}/{action}/", data)
    assert response.status_code == 400, response.content
    assert field in [error["attr"] for error in response.json()["errors"]]
    late.refresh_from_db()
    assert (late.state, late.outcome, late.learned) == (FollowUpState.OPEN, "", "")


def test_a_closed_follow_up_is_400_with_a_message(api, people, closed):
    response = login(api, people["owner"]).post(f"{URL}{closed.pk}/contacted/", {"outcome": "Again"})
    assert response.status_code == 400
    assert "closed on 03 Nov 2026" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize(("who", "status"), [("business", 403), ("reader", 404), ("other_owner", 404)])
def test_only_owners_and_admins_act(api, people, late, who, status):
    response = login(api, people[who]).post(f"{URL}{late.pk}/contacted/", {"outcome": "Called"})
    assert response.status_code == status
    late.refresh_from_db()
    assert late.state == FollowUpState.OPEN


@pytest.mark.parametrize("who", ["owner", "deputy", "admin"])
def test_the_follow_up_s_owner_the_service_owner_and_admins_act(api, people, fresh, who):
    response = login(api, people[who]).post(f"{URL}{fresh.pk}/contacted/", {"outcome": "Called"})
    assert response.status_code == 200, response.content


def test_the_list_page_is_the_serializers_byte_for_byte(api, people, late, fresh, closed, elsewhere):
    """The list is built from `.values()` rows (feedback/api/follow_up_rows.py): the same bytes
    as FollowUpSerializer over model instances, whatever the state filter."""
    from rest_framework.renderers import JSONRenderer

    from feedback import follow_up_selectors as selectors
    from feedback.api.follow_ups import FollowUpSerializer

    login(api, people["admin"])
    for query in ("", "?state=any", "?state=overdue", "?state=closed"):
        response = api.get(URL + query)
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        assert results, query
        ids = [row["id"] for row in results]
        by_id = {row.pk: row for row in selectors.follow_up_list(user=people["admin"]).filter(pk__in=ids)}
        expected = FollowUpSerializer(
            [by_id[pk] for pk in ids], many=True, context={"request": response.wsgi_request, "now": NOW}
        ).data
        assert JSONRenderer().render(results) == JSONRenderer().render(expected), query
    assert any(row["overdue"] for row in api.get(URL).json()["results"])
