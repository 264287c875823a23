"""Changing a request after it was made: the unit edits or withdraws it (unanswered), IT gives it
to someone else (unanswered) or corrects an answer given in error. Each change is one row of
the request's history, written in the same transaction as the change."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.alignment import answers, selectors, services
from catalog.alignment.alerts import alignment_check
from catalog.models import (
    AlignmentSnapshot,
    MissingServiceRequest,
    MissingServiceRequestEvent,
    RequestEventKind,
    RequestState,
    Service,
    ServiceMark,
)
from sla.models import Alert, AlertState
from tests.factories import business_user, service_owner

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


@pytest.fixture(autouse=True)
def _no_sending(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.fixture
def request_(world):
    return services.missing_service_request_create(
        unit=world["unit"], actor=world["rep"], title="Rota spreadsheet", source="run", annual_cost="100", now=NOW
    )


def _events(request):
    return list(MissingServiceRequestEvent.objects.filter(request=request).order_by("at", "id"))


def test_an_edit_records_what_changed_and_nothing_when_nothing_did(world, request_):
    services.missing_service_request_update(
        request=request_, actor=world["rep"], note="Typo", now=LATER, title="Delivery rota", annual_cost="1200.5"
    )
    request_.refresh_from_db()
    assert (request_.title, request_.annual_cost) == ("Delivery rota", Decimal("1200.50"))
    (event,) = _events(request_)
    assert (event.kind, event.actor, event.at, event.note) == (RequestEventKind.EDITED, world["rep"], LATER, "Typo")
    assert event.changes == {"title": ["Rota spreadsheet", "Delivery rota"], "annual_cost": ["100.00", "1,200.50"]}
    services.missing_service_request_update(request=request_, actor=world["rep"], title="Delivery rota")
    assert len(_events(request_)) == 1  # nothing changed: no history row


def test_bad_edits_name_the_field_and_write_nothing(world, request_):
    with pytest.raises(ValidationError) as error:
        services.missing_service_request_update(request=request_, actor=world["rep"], title="", users_affected="-1")
    assert set(error.value.message_dict) == {"title", "users_affected"}
    with pytest.raises(ValidationError) as error:
        services.missing_service_request_update(request=request_, actor=world["rep"], note="x" * 1001, title="T")
    assert "note" in error.value.message_dict
    assert MissingServiceRequest.objects.get().title == "Rota spreadsheet" and not _events(request_)


def test_withdrawing_closes_it_resolves_its_alert_and_drops_the_difference(world, request_):
    alignment_check(NOW + timedelta(days=30))
    assert Alert.objects.get().state != AlertState.RESOLVED
    before = selectors.comparisons([world["unit"].pk])[world["unit"].pk].open_requests
    services.missing_service_request_withdraw(request=request_, actor=world["rep"], note="Asked twice", now=LATER)
    request_.refresh_from_db()
    assert (request_.state, request_.withdrawn_at, request_.answered_at) == (RequestState.WITHDRAWN, LATER, None)
    assert Alert.objects.get().state == AlertState.RESOLVED
    assert (before, selectors.comparisons([world["unit"].pk])[world["unit"].pk].open_requests) == (1, 0)
    assert AlignmentSnapshot.objects.filter(business_unit=world["unit"], open_requests=0).exists()
    (event,) = _events(request_)
    assert (event.kind, event.note) == (RequestEventKind.WITHDRAWN, "Asked twice")
    (row,) = selectors.request_rows([request_], now=LATER + timedelta(days=60))
    assert row.age_days == 1 and not row.overdue  # its age stops when withdrawn
    with pytest.raises(ValidationError):
        services.missing_service_request_withdraw(request=request_, actor=world["rep"])
    with pytest.raises(ValidationError):
        services.missing_service_request_update(request=request_, actor=world["rep"], title="Again")
    with pytest.raises(ValidationError):
        answers.missing_service_request_answer(request=request_, actor=world["it"], outcome="declined", answer="No")


def test_an_answered_request_cannot_be_withdrawn(world, request_):
    answers.missing_service_request_answer(request=request_, actor=world["it"], outcome="declined", answer="No")
    with pytest.raises(ValidationError):
        services.missing_service_request_withdraw(request=request_, actor=world["rep"])
    assert MissingServiceRequest.objects.get().state == RequestState.DECLINED


def test_assigning_records_who_from_and_to(world, request_):
    services.missing_service_request_assign(
        request=request_, owner=world["it"], actor=world["manager"], note="Her area", now=LATER
    )
    assert MissingServiceRequest.objects.get().owner == world["it"]
    (event,) = _events(request_)
    assert event.kind == RequestEventKind.ASSIGNED and event.actor == world["manager"]
    assert event.changes == {"owner": [world["manager"].get_full_name(), world["it"].get_full_name()]}
    with pytest.raises(ValidationError) as error:  # theirs already
        services.missing_service_request_assign(request=request_, owner=world["it"], actor=world["manager"])
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # not in IT
        services.missing_service_request_assign(request=request_, owner=business_user(), actor=world["manager"])
    assert "owner" in error.value.message_dict
    assert len(_events(request_)) == 1


def test_owner_candidates_are_active_it_people_and_admins(world):
    gone = service_owner()
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    candidates = set(selectors.request_owner_candidates())
    assert {world["it"], world["manager"]} <= candidates
    assert not candidates & {world["rep"], world["member"], gone}


def test_the_answer_is_in_the_history_with_the_mark_it_made(world, request_):
    answers.missing_service_request_answer(
        request=request_, actor=world["it"], outcome="exists", service=world["wiki"], answer="The wiki", now=LATER
    )
    (event,) = _events(request_)
    assert (event.kind, event.marked_service) == (RequestEventKind.ANSWERED, world["wiki"])
    assert event.changes["state"] == ["Awaiting IT's answer", "Already in the catalogue"]
    assert event.changes["service"] == ["", "Wiki"]


def test_correcting_exists_to_another_service_moves_the_mark_the_answer_made(world, request_):
    answers.missing_service_request_answer(
        request=request_, actor=world["it"], outcome="exists", service=world["wiki"], answer="The wiki", now=LATER
    )
    answered_at = MissingServiceRequest.objects.get().answered_at
    corrected = answers.missing_service_request_answer_correct(
        request=request_,
        actor=world["manager"],
        outcome="exists",
        service=world["crm"],
        answer="It is the CRM's rota module.",
        note="Linked the wrong service",
        now=LATER + timedelta(hours=1),
    )
    assert (corrected.state, corrected.service, corrected.answered_at) == (
        RequestState.EXISTS,
        world["crm"],
        answered_at,
    )
    marked = set(ServiceMark.objects.filter(business_unit=world["unit"]).values_list("service__name", flat=True))
    assert marked == {"CRM"}  # the wrong answer's mark on the Wiki is undone
    event = _events(request_)[-1]
    assert (event.kind, event.note, event.actor) == (
        RequestEventKind.CORRECTED,
        "Linked the wrong service",
        world["manager"],
    )
    assert event.changes["service"] == ["Wiki", "CRM"]


def test_a_correction_keeps_a_mark_the_unit_made_itself(world, request_):
    services.service_marks_set(unit=world["unit"], services=[world["wiki"]], actor=world["rep"], now=NOW)
    answers.missing_service_request_answer(
        request=request_, actor=world["it"], outcome="exists", service=world["wiki"], answer="The wiki", now=LATER
    )
    answers.missing_service_request_answer_correct(
        request=request_, actor=world["it"], outcome="declined", answer="We do not run rotas.", note="Misread it"
    )
    assert ServiceMark.objects.filter(business_unit=world["unit"], service=world["wiki"]).exists()
    assert MissingServiceRequest.objects.get().service is None


def test_correcting_added_to_declined_unlinks_and_unmarks_the_proposed_service(world, request_):
    answers.missing_service_request_answer(
        request=request_, actor=world["it"], outcome="added", category=world["category"], now=LATER
    )
    proposed = Service.objects.get(name="Rota spreadsheet")
    answers.missing_service_request_answer_correct(
        request=request_, actor=world["it"], outcome="declined", answer="HR owns rotas.", note="Not ours"
    )
    request_.refresh_from_db()
    assert (request_.state, request_.service, request_.answer) == (RequestState.DECLINED, None, "HR owns rotas.")
    assert not ServiceMark.objects.filter(service=proposed).exists()
    assert Service.objects.filter(pk=proposed.pk, lifecycle="proposed").exists()  # IT retires it, or keeps it


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "declined", "answer": "No", "note": ""}, "note"),
        ({"outcome": "declined", "answer": "", "note": "Oops"}, "answer"),
        ({"outcome": "exists", "answer": "Here", "note": "Oops"}, "service"),
        ({"outcome": "maybe", "note": "Oops"}, "outcome"),
        ({"outcome": "added", "note": "Oops"}, "category"),
    ],
)
def test_bad_corrections_name_the_field_and_write_nothing(world, request_, kwargs, field):
    answers.missing_service_request_answer(request=request_, actor=world["it"], outcome="declined", answer="No")
    with pytest.raises(ValidationError) as error:
        answers.missing_service_request_answer_correct(request=request_, actor=world["it"], **kwargs)
    assert field in error.value.message_dict
    assert MissingServiceRequest.objects.get().answer == "No" and len(_events(request_)) == 1


def test_only_an_answer_is_corrected_and_only_into_something_else(world, request_):
    with pytest.raises(ValidationError):  # not answered yet
        answers.missing_service_request_answer_correct(
            request=request_, actor=world["it"], outcome="declined", answer="No", note="Oops"
        )
    answers.missing_service_request_answer(request=request_, actor=world["it"], outcome="declined", answer="No")
    with pytest.raises(ValidationError):  # the same answer
        answers.missing_service_request_answer_correct(
            request=request_, actor=world["it"], outcome="declined", answer="No", note="Oops"
        )
    answers.missing_service_request_answer_correct(
        request=request_, actor=world["it"], outcome="added", category=world["category"], note="Oops"
    )
    with pytest.raises(ValidationError) as error:  # added twice
        answers.missing_service_request_answer_correct(
            request=request_, actor=world["it"], outcome="added", category=world["category"], note="Again"
        )
    assert "outcome" in error.value.message_dict
    assert [e.kind for e in _events(request_)] == [RequestEventKind.ANSWERED, RequestEventKind.CORRECTED]
