"""Changing a request in the portal: the unit's representative edits or withdraws it while IT has
not answered; IT gives it to someone else or corrects an answer given in error; the request's
page shows its history. Bad input is the form again (400) with the field's message; people
without the right get a 403 (or a 404 for a request they may not read)."""

import pytest
from django.urls import reverse

from catalog.alignment import answers, services
from catalog.models import MissingServiceRequest, RequestState, ServiceMark
from tests.factories import business_user, representative

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.fixture
def request_(world):
    return services.missing_service_request_create(
        unit=world["unit"], actor=world["rep"], title="Rota spreadsheet", source="run"
    )


def _url(name, request_):
    return reverse(f"portal:{name}", args=[request_.pk])


def _answered(world, request_):
    return answers.missing_service_request_answer(
        request=request_, actor=world["it"], outcome="exists", service=world["wiki"], answer="It is the Wiki."
    )


def test_the_request_page_offers_each_side_its_changes_and_shows_the_history(
    world, request_, client, django_assert_max_num_queries
):
    services.missing_service_request_assign(request=request_, owner=world["it"], actor=world["manager"], note="Hers")
    url = _url("missing_service_request", request_)
    client.force_login(world["rep"])
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    actions = page.split('data-testid="request-actions"')[1].split("</p>")[0]
    assert "Change the request" in actions and "Withdraw it" in actions and "someone else" not in actions
    history = page.split('data-testid="request-history"')[1].split("</ol>")[0]
    assert "Given to another IT owner" in history and "Hers" in history and world["it"].get_full_name() in history
    client.force_login(world["it"])
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    actions = page.split('data-testid="request-actions"')[1].split("</p>")[0]
    assert "Give it to someone else in IT" in actions and "Change the request" not in actions
    client.force_login(world["member"])  # reads, changes nothing
    assert 'data-testid="request-actions"' not in client.get(url).content.decode()


def test_representative_edits_the_unanswered_request(world, request_, client, django_assert_max_num_queries):
    client.force_login(world["rep"])
    url = _url("missing_service_request_edit", request_)
    page = client.get(url).content.decode()
    assert 'value="Rota spreadsheet"' in page and '<label for="id_note"' in page
    bad = client.post(url, {"title": "", "source": "run", "users_affected": "lots"})
    body = bad.content.decode()
    assert bad.status_code == 400 and "There is a problem" in body and 'href="#id_title"' in body
    data = {
        "title": "Delivery rota",
        "source": "bought",
        "annual_cost": "240",
        "users_affected": "8",
        "note": "Renamed",
    }
    with django_assert_max_num_queries(16):
        response = client.post(url, data)
    assert response.status_code == 302
    request_.refresh_from_db()
    assert (request_.title, request_.source, request_.users_affected) == ("Delivery rota", "bought", 8)
    page = client.get(_url("missing_service_request", request_)).content.decode()
    assert "Edited by the unit" in page and "Renamed" in page and "We buy it around IT" in page


def test_representative_withdraws_the_request(world, request_, client):
    client.force_login(world["rep"])
    url = _url("missing_service_request_withdraw", request_)
    assert 'data-testid="request-withdraw-form"' in client.get(url).content.decode()
    bad = client.post(url, {"note": "x" * 1001})
    assert bad.status_code == 400 and MissingServiceRequest.objects.get().state == RequestState.OPEN
    response = client.post(url, {"note": "We stopped using it"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:unit_alignment", args=["sales"])
    assert MissingServiceRequest.objects.get().state == RequestState.WITHDRAWN
    unit_page = client.get(response["Location"]).content.decode()
    assert 'data-testid="alignment-withdrawn-requests"' in unit_page and "Nothing awaiting IT" in unit_page
    again = client.post(url, {})  # withdrawn already: back to the request, nothing done
    assert again.status_code == 302 and again["Location"] == _url("missing_service_request", request_)


def test_it_gives_the_request_to_someone_else(world, request_, client, django_assert_max_num_queries):
    client.force_login(world["it"])
    url = _url("missing_service_request_assign", request_)
    page = client.get(url).content.decode()
    assert f'value="{world["it"].pk}"' in page and f'value="{world["rep"].pk}"' not in page  # IT people only
    bad_owners = (world["rep"].pk, "abc", "9" * 30, "-99999999999", world["manager"].pk)  # manager: already
    for bad in ({"owner": owner} for owner in bad_owners):
        response = client.post(url, bad)
        assert response.status_code == 400 and "There is a problem" in response.content.decode()
    with django_assert_max_num_queries(16):
        response = client.post(url, {"owner": world["it"].pk, "note": "Her area"})
    assert response.status_code == 302
    assert MissingServiceRequest.objects.get().owner == world["it"]


def test_it_corrects_an_answer_given_in_error(world, request_, client, django_assert_max_num_queries):
    _answered(world, request_)
    client.force_login(world["it"])
    url = _url("missing_service_request_correct", request_)
    page = client.get(url).content.decode()
    assert "It is the Wiki." in page  # the answer given, to correct
    no_note = client.post(url, {"outcome": "exists", "service": world["crm"].pk, "answer": "The CRM"})
    assert no_note.status_code == 400 and "What was wrong is required" in no_note.content.decode()
    with django_assert_max_num_queries(30):
        response = client.post(
            url, {"outcome": "exists", "service": world["crm"].pk, "answer": "The CRM", "note": "Wrong link"}
        )
    assert response.status_code == 302
    request_.refresh_from_db()
    assert (request_.state, request_.service, request_.answer) == (RequestState.EXISTS, world["crm"], "The CRM")
    assert set(ServiceMark.objects.values_list("service__name", flat=True)) == {"CRM"}
    client.force_login(world["rep"])  # the unit reads the correction
    history = (
        client.get(_url("missing_service_request", request_)).content.decode().split('data-testid="request-history"')[1]
    )
    assert "Answer corrected by IT" in history and "Wrong link" in history and "Wiki" in history


def test_each_change_only_in_its_state(world, request_, client):
    client.force_login(world["it"])
    correct = client.get(_url("missing_service_request_correct", request_))  # nothing to correct yet
    assert correct.status_code == 302
    _answered(world, request_)
    assert client.get(_url("missing_service_request_assign", request_)).status_code == 302
    client.force_login(world["rep"])
    assert (
        client.post(_url("missing_service_request_edit", request_), {"title": "X", "source": "run"}).status_code == 302
    )
    assert MissingServiceRequest.objects.get().title == "Rota spreadsheet"


def test_who_may_change_what(world, request_, client):
    urls = {
        name: _url(f"missing_service_request_{name}", request_) for name in ("edit", "withdraw", "assign", "correct")
    }
    client.force_login(world["member"])  # reads the request; changes nothing
    assert {name: client.get(url).status_code for name, url in urls.items()} == dict.fromkeys(urls, 403)
    client.force_login(world["it"])  # IT answers; the unit's text is the unit's
    assert client.post(urls["edit"], {"title": "X", "source": "run"}).status_code == 403
    assert client.post(urls["withdraw"], {}).status_code == 403
    client.force_login(representative(world["other_unit"]))  # another unit: not even there
    assert {name: client.get(url).status_code for name, url in urls.items()} == dict.fromkeys(urls, 404)
    client.force_login(business_user())
    assert client.post(urls["assign"], {"owner": world["it"].pk}).status_code == 404
    client.logout()
    assert client.get(urls["correct"]).status_code == 302
    assert MissingServiceRequest.objects.get().state == RequestState.OPEN
