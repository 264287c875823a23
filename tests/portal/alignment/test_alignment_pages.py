"""Catalogue alignment pages: a unit's two lists, its marks and requests, IT's answers, the
ranking; who may do what; the chart's data and its table; pinned query counts."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.alignment import services
from catalog.models import MissingServiceRequest, RequestState, Service, ServiceMark
from tests.factories import business_user

pytestmark = pytest.mark.django_db
MARKS_FORM_QUERIES = 8  # the marks form's GET, measured on SQLite and PostgreSQL; not one per service


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def _request(world, **kwargs):
    return services.missing_service_request_create(
        unit=world["unit"], actor=world["rep"], title=kwargs.pop("title", "Rota spreadsheet"), source="run", **kwargs
    )


def test_unit_page_shows_both_lists_the_differences_and_the_chart(world, client, django_assert_max_num_queries):
    unit = world["unit"]
    _request(world, now=timezone.now() - timedelta(days=20))  # that day's share: 0 of 4
    services.service_marks_set(unit=unit, services=[world["crm"], world["wiki"]], actor=world["rep"])
    client.force_login(world["member"])
    url = reverse("portal:unit_alignment", args=[unit.slug])
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "20%</strong> agreement" in page  # CRM agreed; E-mail, Phones, Wiki and the request differ
    agreed, it_only, unit_only = (
        page.split(f'data-testid="alignment-{name}"')[1].split("</ul>")[0]
        for name in ("agreed", "it-only", "unit-only")
    )
    assert "CRM" in agreed and "E-mail" in it_only and "Phones" in it_only and "Wiki" in unit_only
    assert "Rota spreadsheet" in page and "overdue" in page
    spec = json.loads(re.search(r'id="chart-alignment-data"[^>]*>(.*?)</script>', page).group(1))
    assert spec["datasets"][0]["data"] == [0.0, 20.0]
    assert "The numbers as a table" in page
    assert "Mark the services" not in page  # a member reads; representatives change


def test_representative_marks_services(world, client, django_assert_max_num_queries):
    client.force_login(world["rep"])
    url = reverse("portal:unit_alignment_marks", args=[world["unit"].slug])
    with django_assert_max_num_queries(MARKS_FORM_QUERIES):
        page = client.get(url).content.decode()
    assert f'value="{world["crm"].pk}"' in page
    response = client.post(url, {"services": [world["crm"].pk, world["mail"].pk]})
    assert response.status_code == 302
    assert set(ServiceMark.objects.values_list("service__name", flat=True)) == {"CRM", "E-mail"}
    assert "checked" in client.get(url).content.decode()


def test_the_marks_form_costs_the_same_queries_with_more_services(world, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CategoryFactory, ServiceFactory

    client.force_login(world["rep"])
    url = reverse("portal:unit_alignment_marks", args=[world["unit"].slug])

    def count() -> int:
        with django_assert_max_num_queries(MARKS_FORM_QUERIES), CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    categories = [CategoryFactory(name=f"Extra category {n}", slug=f"extra-category-{n}") for n in range(4)]
    more = [ServiceFactory(name=f"More {n:02d}", category=categories[n % 4]) for n in range(20)]
    services.service_marks_set(unit=world["unit"], services=more[::2], actor=world["rep"])
    assert count() == few
    page = client.get(url).content.decode()
    assert all(f"Extra category {n}" in page for n in range(4)) and page.count("checked") >= 10


def test_marks_refuse_members_and_unknown_services(world, client):
    client.force_login(world["member"])
    url = reverse("portal:unit_alignment_marks", args=[world["unit"].slug])
    assert client.post(url, {"services": [world["crm"].pk]}).status_code == 403
    client.force_login(world["rep"])
    response = client.post(url, {"services": ["999999999", "abc"]})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert not ServiceMark.objects.exists()


def test_representative_asks_about_something_missing(world, client, django_assert_max_num_queries):
    client.force_login(world["rep"])
    url = reverse("portal:missing_service_request_create", args=[world["unit"].slug])
    with django_assert_max_num_queries(6):  # the form's GET: measured 6 on SQLite and PostgreSQL
        assert 'name="title"' in client.get(url).content.decode()
    bad = client.post(url, {"title": "", "source": "bought", "annual_cost": "-5"})
    assert bad.status_code == 200 and not MissingServiceRequest.objects.exists()
    response = client.post(
        url, {"title": "Design tool", "source": "bought", "annual_cost": "1320", "users_affected": "6"}
    )
    assert response.status_code == 302
    made = MissingServiceRequest.objects.get()
    assert (made.title, made.requested_by, made.owner) == ("Design tool", world["rep"], world["manager"])


def test_it_answers_and_the_unit_reads_the_answer(world, client):
    request = _request(world)
    url = reverse("portal:missing_service_request", args=[request.pk])
    client.force_login(world["member"])
    assert 'data-testid="answer-form"' not in client.get(url).content.decode()
    assert client.post(url, {"outcome": "declined", "answer": "No"}).status_code == 403
    client.force_login(world["it"])
    assert 'data-testid="answer-form"' in client.get(url).content.decode()
    missing_reason = client.post(url, {"outcome": "declined", "answer": ""})
    assert missing_reason.status_code == 400 and "The reason is required" in missing_reason.content.decode()
    response = client.post(url, {"outcome": "exists", "service": world["wiki"].pk, "answer": "It is the Wiki."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.service) == (RequestState.EXISTS, world["wiki"])
    client.force_login(world["rep"])
    page = client.get(url).content.decode()
    assert "It is the Wiki." in page and 'data-testid="answer-form"' not in page


def test_it_adds_a_requested_service_to_the_catalogue(world, client):
    request = _request(world, title="Delivery rota")
    client.force_login(world["it"])
    url = reverse("portal:missing_service_request", args=[request.pk])
    response = client.post(url, {"outcome": "added", "category": world["category"].pk})
    assert response.status_code == 302
    service = Service.objects.get(name="Delivery rota")
    assert service.lifecycle == "proposed" and world["unit"] in service.business_units.all()
    assert client.post(url, {"outcome": "declined", "answer": "No"}).status_code == 302  # answered: no change
    request.refresh_from_db()
    assert request.state == RequestState.ADDED


def test_other_units_and_strangers_are_kept_out(world, client):
    request = _request(world)
    client.force_login(business_user())
    assert client.get(reverse("portal:alignment")).status_code == 403
    assert client.get(reverse("portal:unit_alignment", args=[world["unit"].slug])).status_code == 403
    assert client.get(reverse("portal:missing_service_request", args=[request.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("portal:alignment")).status_code == 302


def test_ranking_for_it_and_for_a_member(world, client, django_assert_max_num_queries):
    _request(world)
    client.force_login(world["it"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("portal:alignment")).content.decode()
    assert page.index("Sales") < page.index("Finance")  # 4 differences before 1
    client.force_login(world["member"])
    page = client.get(reverse("portal:alignment")).content.decode()
    assert "Sales" in page and "Finance" not in page
