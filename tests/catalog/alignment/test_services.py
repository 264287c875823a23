"""Writes of catalogue alignment: marks, requests, IT's answers, the history of the share."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from catalog.alignment import answers, selectors, services
from catalog.models import AlignmentSnapshot, Lifecycle, MissingServiceRequest, RequestState, Service, ServiceMark
from tests.factories import ServiceFactory, business_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _request(world, **kwargs):
    fields = {"title": "Expenses app on a card", "source": "bought", "annual_cost": "1800", "users_affected": 12}
    return services.missing_service_request_create(
        unit=world["unit"], actor=world["rep"], now=NOW, **{**fields, **kwargs}
    )


def test_marks_replace_the_units_list_and_record_todays_share(world):
    unit = world["unit"]
    services.service_marks_set(unit=unit, services=[world["crm"], world["wiki"]], actor=world["rep"], now=NOW)
    assert set(ServiceMark.objects.filter(business_unit=unit).values_list("service__name", flat=True)) == {
        "CRM",
        "Wiki",
    }
    comparison = selectors.comparisons([unit.pk])[unit.pk]
    assert comparison.agreed == {world["crm"].pk}
    assert comparison.it_only == {world["mail"].pk, world["phones"].pk}
    assert comparison.unit_only == {world["wiki"].pk}
    snapshot = AlignmentSnapshot.objects.get(business_unit=unit)
    assert (snapshot.agreed, snapshot.it_only, snapshot.unit_only, snapshot.share) == (1, 2, 1, Decimal("0.2500"))

    marked_at = ServiceMark.objects.get(business_unit=unit, service=world["crm"]).marked_at
    later = NOW + timedelta(hours=1)
    services.service_marks_set(unit=unit, services=[world["crm"], world["mail"]], actor=world["rep"], now=later)
    assert ServiceMark.objects.get(business_unit=unit, service=world["crm"]).marked_at == marked_at  # kept
    assert not ServiceMark.objects.filter(service=world["wiki"]).exists()
    snapshot.refresh_from_db()  # the same day: the same row, now up to date
    assert AlignmentSnapshot.objects.filter(business_unit=unit).count() == 1
    assert (snapshot.agreed, snapshot.share) == (2, Decimal("0.6667"))


def test_a_retired_service_cannot_be_marked(world):
    retired = ServiceFactory(name="Old fax", lifecycle=Lifecycle.RETIRED)
    with pytest.raises(ValidationError) as error:
        services.service_marks_set(unit=world["unit"], services=[retired], actor=world["rep"], now=NOW)
    assert "Old fax" in str(error.value.message_dict["services"])
    assert not ServiceMark.objects.exists()


def test_a_request_goes_to_the_catalogue_manager_and_counts_as_a_difference(world):
    request = _request(world)
    assert request.owner == world["manager"]
    assert (request.state, request.annual_cost, request.users_affected) == ("open", Decimal("1800"), 12)
    assert selectors.comparisons([world["unit"].pk])[world["unit"].pk].open_requests == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"source": "stolen"}, "source"),
        ({"annual_cost": "-1"}, "annual_cost"),
        ({"annual_cost": "12.345"}, "annual_cost"),
        ({"annual_cost": "NaN"}, "annual_cost"),
        ({"annual_cost": "lots"}, "annual_cost"),
        ({"users_affected": "-3"}, "users_affected"),
        ({"users_affected": "1.5"}, "users_affected"),
        ({"users_affected": 10**9}, "users_affected"),
        ({"description": "x" * 5001}, "description"),
    ],
)
def test_bad_requests_name_the_field_and_write_nothing(world, fields, field):
    with pytest.raises(ValidationError) as error:
        _request(world, **fields)
    assert field in error.value.message_dict
    assert not MissingServiceRequest.objects.exists()
    assert not AlignmentSnapshot.objects.exists()


def test_a_request_cannot_go_to_someone_outside_it(world):
    with pytest.raises(ValidationError) as error:
        _request(world, owner=business_user())
    assert "owner" in error.value.message_dict


def test_answer_added_creates_a_proposed_service_linked_and_marked(world):
    request = _request(world, description="Receipts photographed and approved on the phone.\nSecond line.")
    answered = answers.missing_service_request_answer(
        request=request, actor=world["it"], outcome="added", category=world["category"], now=NOW + timedelta(days=1)
    )
    service = answered.service
    assert answered.state == RequestState.ADDED and answered.answered_by == world["it"]
    assert (service.name, service.lifecycle, service.service_owner) == (
        "Expenses app on a card",
        Lifecycle.PROPOSED,
        world["it"],
    )
    assert service.summary == "Receipts photographed and approved on the phone."
    assert list(service.business_units.all()) == [world["unit"]]
    assert ServiceMark.objects.filter(business_unit=world["unit"], service=service).exists()
    comparison = selectors.comparisons([world["unit"].pk])[world["unit"].pk]
    assert service.pk in comparison.agreed and comparison.open_requests == 0


def test_answer_added_refuses_a_name_the_catalogue_has(world):
    request = _request(world, title="crm")
    with pytest.raises(ValidationError) as error:
        answers.missing_service_request_answer(
            request=request, actor=world["it"], outcome="added", category=world["category"]
        )
    assert "service_name" in error.value.message_dict
    request.refresh_from_db()
    assert request.state == RequestState.OPEN
    added = answers.missing_service_request_answer(
        request=request, actor=world["it"], outcome="added", category=world["category"], service_name="CRM mobile"
    )
    assert added.service.name == "CRM mobile" and added.service.slug == "crm-mobile"


def test_answer_exists_links_marks_and_optionally_serves_the_unit(world):
    request = _request(world, title="Shared wiki")
    answered = answers.missing_service_request_answer(
        request=request,
        actor=world["it"],
        outcome="exists",
        service=world["wiki"],
        answer="It is the Wiki: ask the service desk for a space.",
        serve_unit=True,
    )
    assert answered.state == RequestState.EXISTS and answered.service == world["wiki"]
    assert world["unit"] in world["wiki"].business_units.all()
    assert ServiceMark.objects.filter(business_unit=world["unit"], service=world["wiki"]).exists()


def test_answer_exists_without_serving_leaves_its_list_alone(world):
    request = _request(world, title="Shared wiki")
    answers.missing_service_request_answer(
        request=request, actor=world["it"], outcome="exists", service=world["wiki"], answer="The Wiki."
    )
    assert world["unit"] not in world["wiki"].business_units.all()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "declined", "answer": " "}, "answer"),
        ({"outcome": "exists", "answer": "There."}, "service"),
        ({"outcome": "added"}, "category"),
        ({"outcome": "maybe"}, "outcome"),
    ],
)
def test_answers_need_their_parts(world, kwargs, field):
    request = _request(world)
    with pytest.raises(ValidationError) as error:
        answers.missing_service_request_answer(request=request, actor=world["it"], **kwargs)
    assert field in error.value.message_dict
    request.refresh_from_db()
    assert request.state == RequestState.OPEN and request.answered_at is None


def test_a_request_is_answered_once(world):
    request = _request(world)
    answers.missing_service_request_answer(request=request, actor=world["it"], outcome="declined", answer="No.")
    stale = MissingServiceRequest.objects.get(pk=request.pk)
    stale.state = RequestState.OPEN  # as a second browser tab still shows it
    with pytest.raises(ValidationError, match="answered already"):
        answers.missing_service_request_answer(
            request=stale, actor=world["it"], outcome="added", category=world["category"]
        )
    assert not Service.objects.filter(name="Expenses app on a card").exists()
    assert MissingServiceRequest.objects.get(pk=request.pk).answer == "No."


def test_update_only_while_open_and_assign_only_to_it(world):
    request = _request(world)
    services.missing_service_request_update(request=request, title="Expenses app", annual_cost="")
    request.refresh_from_db()
    assert (request.title, request.annual_cost) == ("Expenses app", None)
    with pytest.raises(ValidationError):
        services.missing_service_request_update(request=request, state="declined")
    with pytest.raises(ValidationError):
        services.missing_service_request_assign(request=request, owner=world["rep"])
    services.missing_service_request_assign(request=request, owner=world["it"])
    assert MissingServiceRequest.objects.get(pk=request.pk).owner == world["it"]
    answers.missing_service_request_answer(request=request, actor=world["it"], outcome="declined", answer="No.")
    with pytest.raises(ValidationError, match="answered"):
        services.missing_service_request_update(request=request, title="Again")


def test_the_daily_pass_writes_a_point_a_day_and_nothing_twice(world):
    with time_machine.travel(NOW, tick=False):
        assert services.alignment_snapshots_record(now=NOW) == 2  # both units
        assert services.alignment_snapshots_record(now=NOW) == 0
        assert services.alignment_snapshots_record(now=NOW + timedelta(days=1)) == 2
    days = list(AlignmentSnapshot.objects.filter(business_unit=world["unit"]).values_list("day", "share"))
    assert days == [(NOW.date(), Decimal("0.0000")), ((NOW + timedelta(days=1)).date(), Decimal("0.0000"))]
