"""Changing a request over the API (catalog/alignment/api_changes.py): the unit withdraws it, IT
corrects an answer, anyone who reads the request reads its history. The same rules as the
portal's pages: 404 for a request one may not read, 403 for a change one may not make, 400 naming
the field for bad input; a refusal writes nothing (no history row, no change)."""

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from catalog.alignment import answers, services
from catalog.models import (
    MissingServiceRequest,
    MissingServiceRequestEvent,
    RequestEventKind,
    RequestState,
    ServiceMark,
)
from tests.factories import representative

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
API = "/api/v1/alignment/requests"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def _as(user):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


@pytest.fixture
def open_request(world):
    return services.missing_service_request_create(
        unit=world["unit"], actor=world["rep"], title="Rota spreadsheet", source="run", now=NOW
    )


@pytest.fixture
def answered(world, open_request):
    """Answered in error: it lives in the Wiki (which marked the Wiki for the unit)."""
    return answers.missing_service_request_answer(
        request=open_request, actor=world["it"], outcome="exists", service=world["wiki"], answer="The Wiki.", now=NOW
    )


def _attrs(response) -> set:
    assert response.status_code == 400, response.content
    return {error["attr"] for error in response.json()["errors"]}


def _unchanged(request: MissingServiceRequest, state: str) -> None:
    request.refresh_from_db()
    assert request.state == state
    assert not MissingServiceRequestEvent.objects.filter(
        request=request, kind__in=(RequestEventKind.WITHDRAWN, RequestEventKind.CORRECTED)
    ).exists()


# --- Withdraw --------------------------------------------------------------------------------------


def test_the_unit_withdraws_its_request(world, open_request, django_assert_max_num_queries):
    with django_assert_max_num_queries(19):
        response = _as(world["rep"]).post(f"{API}/{open_request.pk}/withdraw/", {"note": "Asked twice"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == RequestState.WITHDRAWN and body["withdrawn_at"] is not None
    assert body["answered_at"] is None and body["overdue"] is False
    open_request.refresh_from_db()
    assert open_request.state == RequestState.WITHDRAWN and open_request.withdrawn_at is not None
    (event,) = MissingServiceRequestEvent.objects.filter(request=open_request)
    assert (event.kind, event.actor, event.note) == (RequestEventKind.WITHDRAWN, world["rep"], "Asked twice")
    # The detail and the list show it withdrawn, with when.
    detail = _as(world["member"]).get(f"{API}/{open_request.pk}/").json()
    assert detail["state"] == "withdrawn" and detail["withdrawn_at"] == body["withdrawn_at"]
    listed = _as(world["member"]).get(f"{API}/?state=withdrawn").json()["results"]
    assert [(row["id"], row["withdrawn_at"]) for row in listed] == [(open_request.pk, body["withdrawn_at"])]


def test_the_note_is_optional_and_an_empty_body_withdraws(world, open_request):
    response = _as(world["manager"]).post(f"{API}/{open_request.pk}/withdraw/", format="json")
    assert response.status_code == 200, response.json()
    assert MissingServiceRequestEvent.objects.get(request=open_request).note == ""


def test_withdrawing_is_the_units_and_refused_changes_nothing(world, open_request):
    url = f"{API}/{open_request.pk}/withdraw/"
    other_rep = representative(world["other_unit"])
    assert _as(None).post(url, {}, format="json").status_code in (401, 403)
    assert _as(other_rep).post(url, {}, format="json").status_code == 404  # not a request it may read
    for reader in (world["member"], world["it"]):  # reads it, may not withdraw it
        refused = _as(reader).post(url, {}, format="json")
        assert refused.status_code == 403, refused.json()
    assert _attrs(_as(world["rep"]).post(url, {"note": "x" * 1001}, format="json")) == {"note"}
    assert _attrs(_as(world["rep"]).post(url, {"note": ["a list"]}, format="json")) == {"note"}
    assert _attrs(_as(world["rep"]).post(url, ["not", "an", "object"], format="json")) == {"non_field_errors"}
    _unchanged(open_request, RequestState.OPEN)


def test_an_answered_request_is_not_withdrawn(world, answered):
    refused = _as(world["rep"]).post(f"{API}/{answered.pk}/withdraw/", {}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "non_field_errors"
    _unchanged(answered, RequestState.EXISTS)
    again = services.missing_service_request_create(unit=world["unit"], actor=world["rep"], title="Twice", now=NOW)
    assert _as(world["rep"]).post(f"{API}/{again.pk}/withdraw/", {}, format="json").status_code == 200
    assert _as(world["rep"]).post(f"{API}/{again.pk}/withdraw/", {}, format="json").status_code == 400
    assert MissingServiceRequestEvent.objects.filter(request=again).count() == 1


# --- Correct ---------------------------------------------------------------------------------------


def test_it_corrects_an_answer_given_in_error(world, answered, django_assert_max_num_queries):
    assert ServiceMark.objects.filter(business_unit=world["unit"], service=world["wiki"]).exists()
    body = {"outcome": "declined", "answer": "We do not run rotas.", "note": "Linked the wrong service"}
    with django_assert_max_num_queries(26):
        response = _as(world["it"]).post(f"{API}/{answered.pk}/correct/", body, format="json")
    assert response.status_code == 200, response.json()
    got = response.json()
    assert (got["state"], got["answer"], got["service"]) == ("declined", "We do not run rotas.", None)
    assert got["answered_at"] is not None and got["withdrawn_at"] is None
    event = MissingServiceRequestEvent.objects.get(request=answered, kind=RequestEventKind.CORRECTED)
    assert (event.actor, event.note) == (world["it"], "Linked the wrong service")
    assert event.changes["state"] == ["Already in the catalogue", "Declined"]
    # The wrong answer's mark is undone.
    assert not ServiceMark.objects.filter(business_unit=world["unit"], service=world["wiki"]).exists()


def test_a_correction_links_another_service_by_slug(world, answered):
    body = {"outcome": "exists", "service": world["crm"].slug, "answer": "It is the CRM.", "note": "Wrong one"}
    response = _as(world["manager"]).post(f"{API}/{answered.pk}/correct/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["service"]["slug"] == world["crm"].slug


def test_bad_corrections_name_the_field_and_write_nothing(world, answered):
    url, it = f"{API}/{answered.pk}/correct/", _as(world["it"])
    declined = {"outcome": "declined", "answer": "No."}
    assert _attrs(it.post(url, declined, format="json")) == {"note"}
    assert _attrs(it.post(url, {**declined, "note": "   "}, format="json")) == {"note"}
    assert _attrs(it.post(url, {**declined, "note": None}, format="json")) == {"note"}
    assert _attrs(it.post(url, {**declined, "note": "x" * 1001}, format="json")) == {"note"}
    assert _attrs(it.post(url, {}, format="json")) == {"outcome", "note"}
    assert _attrs(it.post(url, {"outcome": "open", "note": "n"}, format="json")) == {"outcome"}
    assert _attrs(it.post(url, {"outcome": "declined", "note": "n"}, format="json")) == {"answer"}
    assert _attrs(
        it.post(url, {"outcome": "exists", "service": "nope", "answer": "a", "note": "n"}, format="json")
    ) == {"service"}
    assert _attrs(it.post(url, {"outcome": "added", "category": "nope", "note": "n"}, format="json")) == {"category"}
    same = {"outcome": "exists", "service": world["wiki"].slug, "answer": "The Wiki.", "note": "n"}
    assert _attrs(it.post(url, same, format="json")) == {"non_field_errors"}  # the answer already given
    _unchanged(answered, RequestState.EXISTS)
    assert ServiceMark.objects.filter(business_unit=world["unit"], service=world["wiki"]).exists()


def test_correcting_is_its_and_refused_changes_nothing(world, answered, open_request):
    url = f"{API}/{answered.pk}/correct/"
    body = {"outcome": "declined", "answer": "No.", "note": "Wrong"}
    other_rep = representative(world["other_unit"])
    assert _as(None).post(url, body, format="json").status_code in (401, 403)
    assert _as(other_rep).post(url, body, format="json").status_code == 404
    for unit_side in (world["rep"], world["member"]):
        refused = _as(unit_side).post(url, body, format="json")
        assert refused.status_code == 403, refused.json()
    _unchanged(answered, RequestState.EXISTS)
    # Not answered yet: nothing to correct (a 400 for the whole request).
    unanswered = services.missing_service_request_create(unit=world["unit"], actor=world["rep"], title="New", now=NOW)
    refused = _as(world["it"]).post(f"{API}/{unanswered.pk}/correct/", body, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "non_field_errors"
    _unchanged(unanswered, RequestState.OPEN)


# --- History ---------------------------------------------------------------------------------------


def test_the_history_oldest_first_for_whoever_reads_the_request(world, answered, django_assert_max_num_queries):
    url = f"{API}/{answered.pk}/history/"
    it = _as(world["it"])
    it.post(f"{API}/{answered.pk}/correct/", {"outcome": "declined", "answer": "No.", "note": "Wrong"}, format="json")
    with django_assert_max_num_queries(3):
        response = _as(world["member"]).get(url)
    assert response.status_code == 200, response.json()
    events = response.json()
    assert [(e["kind"], e["actor"], e["note"]) for e in events] == [
        ("answered", world["it"].username, ""),
        ("corrected", world["it"].username, "Wrong"),
    ]
    assert events[1]["kind_label"] == "Answer corrected by IT"
    assert {"field": "state", "before": "Already in the catalogue", "after": "Declined"} in events[1]["changes"]
    # More changes: the same number of queries.
    for n in range(5):
        it.post(
            f"{API}/{answered.pk}/correct/",
            {"outcome": "declined", "answer": f"No ({n}).", "note": f"Again {n}"},
            format="json",
        )
    with django_assert_max_num_queries(3):
        assert len(_as(world["member"]).get(url).json()) == 7
    assert _as(representative(world["other_unit"])).get(url).status_code == 404
    assert _as(None).get(url).status_code in (401, 403)


def test_a_request_never_changed_has_an_empty_history(world, open_request):
    assert _as(world["rep"]).get(f"{API}/{open_request.pk}/history/").json() == []
    assert _as(world["rep"]).get(f"{API}/999999/history/").status_code == 404


# --- The list: withdrawn_at in pinned queries ----------------------------------------------------


def test_the_list_shows_withdrawn_at_in_the_same_queries_however_many_rows(world, django_assert_max_num_queries):
    def made(n: int) -> None:
        for i in range(n):
            found = services.missing_service_request_create(
                unit=world["unit"], actor=world["rep"], title=f"Thing {i}", now=NOW
            )
            if i % 2:
                services.missing_service_request_withdraw(request=found, actor=world["rep"])

    made(2)
    with django_assert_max_num_queries(2) as few:
        rows = _as(world["member"]).get(f"{API}/").json()["results"]
    assert {row["state"] for row in rows} == {"open", "withdrawn"}
    assert all((row["state"] == "withdrawn") == (row["withdrawn_at"] is not None) for row in rows)
    made(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_as(world["member"]).get(f"{API}/").json()["results"]) == 22


# --- Notes on the other changes, as the portal's forms take them ---------------------------------


def test_an_edit_and_a_reassignment_keep_their_notes(world, open_request):
    url = f"{API}/{open_request.pk}/"
    assert _attrs(_as(world["rep"]).patch(url, {"title": "Rota", "note": "x" * 1001}, format="json")) == {"note"}
    assert _attrs(_as(world["it"]).post(f"{url}assign/", {"owner": world["it"].username, "note": "x" * 1001})) == {
        "note"
    }
    assert not MissingServiceRequestEvent.objects.filter(request=open_request).exists()
    assert _as(world["rep"]).patch(url, {"title": "Rota", "note": "Shorter"}, format="json").status_code == 200
    assert _as(world["rep"]).patch(url, {"note": "Nothing else"}, format="json").status_code == 200  # no change
    moved = _as(world["it"]).post(f"{url}assign/", {"owner": world["it"].username, "note": "Mine"}, format="json")
    assert moved.status_code == 200, moved.json()
    history = _as(world["member"]).get(f"{url}history/").json()
    assert [(e["kind"], e["note"]) for e in history] == [("edited", "Shorter"), ("assigned", "Mine")]
