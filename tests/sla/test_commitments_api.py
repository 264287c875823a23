"""/api/v1/commitments/ and /api/v1/commitments/{id}/check-ins/: who may do what, the status
computed at `now`, and bad input as 400 with the field named and nothing written."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import override_settings
from rest_framework.test import APIClient

from sla.models import CheckIn, Commitment, Renegotiation
from sla.services import check_in_record, commitment_create, commitment_withdraw
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 13, 13, tzinfo=UTC)
LIST = "/api/v1/commitments/"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world():
    unit = f.BusinessUnitFactory(name="Finance", slug="finance")
    owner = f.service_owner(username="olive")
    service = f.ServiceFactory(name="Payroll", slug="payroll", service_owner=owner, business_units=[unit])
    doer = f.UserFactory(username="dev")
    commitment = commitment_create(
        service=service,
        actor=owner,
        title="Self-service payslips",
        definition_of_done="Every employee downloads their payslip.",
        owner=doer,
        business_unit=unit,
        committed_on=date(2026, 11, 2),
        due_on=date(2026, 11, 30),
    )
    check_in_record(commitment=commitment, actor=doer, percent_done=20, now=datetime(2026, 11, 6, 12, tzinfo=UTC))
    check_in_record(commitment=commitment, actor=doer, percent_done=30, now=datetime(2026, 11, 13, 12, tzinfo=UTC))
    return {"unit": unit, "owner": owner, "service": service, "doer": doer, "commitment": commitment}


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def errors_by_attr(response) -> dict:
    assert response.status_code == 400, response.content
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


def test_anonymous_visitors_are_asked_to_sign_in(world):
    response = client_for().get(LIST)
    assert response.status_code in (401, 403)
    assert client_for().get(f"{LIST}{world['commitment'].pk}/check-ins/").status_code in (401, 403)


def test_readers_see_the_status_computed_now(world, django_assert_max_num_queries):
    reader = f.business_user(username="bea")
    with django_assert_max_num_queries(6):
        response = client_for(reader).get(LIST)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["title"] == "Self-service payslips"
    assert row["status"] == "at_risk"
    assert row["forecast_done_on"] == "2026-12-10"
    assert row["percent_done"] == 30
    assert row["check_in_every"] == "P7D" and row["grace"] == "P2D"
    assert row["business_unit"] == {"slug": "finance", "name": "Finance"}
    assert row["check_ins_url"].endswith(f"/api/v1/commitments/{world['commitment'].pk}/check-ins/")


def test_the_list_filters_by_computed_status_and_refuses_an_unknown_one(world):
    client = client_for(world["owner"])
    assert len(client.get(LIST, {"status": "at_risk"}).json()["results"]) == 1
    assert client.get(LIST, {"status": ["on_track", "stale"]}).json()["results"] == []
    assert client.get(LIST, {"service": "other"}).json()["results"] == []
    assert errors_by_attr(client.get(LIST, {"status": "late"}))["status"].startswith("Unknown status late")


def test_the_service_owner_commits_and_a_reader_may_not(world):
    payload = {
        "service": "payroll",
        "business_unit": "finance",
        "title": "Faster month-end",
        "definition_of_done": "Month-end closes in two days.",
        "owner": "dev",
        "due_on": "2027-01-29",
        "check_in_every": "P14D",
    }
    reader = f.business_user(username="bea")
    refused = client_for(reader).post(LIST, payload)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["detail"] == "Only the owner of Payroll and admins may commit to results for it."
    response = client_for(world["owner"]).post(LIST, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["committed_on"], body["check_in_every"], body["owner"]["username"]) == (
        "new",
        "2026-11-13",
        "P14D",
        "dev",
    )
    assert body["renegotiations"] == []


def test_bad_input_is_400_naming_the_field(world):
    client = client_for(world["owner"])
    response = client.post(
        LIST,
        {
            "service": "payroll",
            "business_unit": "finance",
            "title": "Late already",
            "definition_of_done": "x",
            "due_on": "2026-11-01",
            "check_in_every": "P1M",
        },
    )
    assert errors_by_attr(response)["check_in_every"].startswith("Months and years vary in length")
    response = client.post(
        LIST, {"service": "payroll", "title": "Late", "definition_of_done": "x", "due_on": "2026-11-01"}
    )
    assert errors_by_attr(response) == {"due_on": "The due date has passed: promise a date from today on."}
    response = client.post(LIST, {"service": "nope", "title": "x", "definition_of_done": "x", "due_on": "2027-01-01"})
    assert errors_by_attr(response) == {"service": "There is no such service."}
    assert Commitment.objects.count() == 1


def test_patch_changes_the_cadence_and_points_to_renegotiate_for_the_date(world):
    url = f"{LIST}{world['commitment'].pk}/"
    client = client_for(world["owner"])
    response = client.patch(url, {"check_in_every": 3 * 86400, "title": "Payslips online"})
    assert response.status_code == 200
    assert (response.json()["check_in_every"], response.json()["title"]) == ("P3D", "Payslips online")
    assert errors_by_attr(client.patch(url, {"due_on": "2027-01-01"}))["due_on"].startswith(
        "Move the due date by renegotiating it"
    )
    assert client_for(world["doer"]).patch(url, {"title": "Mine"}).status_code == 403


def test_check_ins_by_the_commitments_owner_and_listed_oldest_first(world, django_assert_max_num_queries):
    url = f"{LIST}{world['commitment'].pk}/check-ins/"
    doer = client_for(world["doer"])
    response = doer.post(url, {"percent_done": 70, "note": "Pilot with Finance went well."})
    assert response.status_code == 201
    assert response.json()["by"]["username"] == "dev"
    reader = client_for(f.business_user(username="bea"))
    with django_assert_max_num_queries(3):  # the reader's roles, the commitment (nothing joined), its check-ins
        listed = reader.get(url).json()
    assert [c["percent_done"] for c in listed] == [20, 30, 70]
    assert client_for(f.business_user(username="bea")).post(url, {"percent_done": 90}).status_code == 403
    assert errors_by_attr(doer.post(url, {"percent_done": 101}))["percent_done"]
    assert errors_by_attr(doer.post(url, {"percent_done": 10}))["note"].startswith("Progress went down from 70%")


def test_check_ins_list_is_the_serializers_from_one_query(world, django_assert_max_num_queries):
    """GET .../check-ins/ from one compiled query (commitment_rows.check_in_rows) gives, byte
    for byte, what CheckInSerializer gives: microseconds, a note JSON must escape, someone
    without a name; [] for a commitment without check-ins; a 404 as get_object_or_404's for an
    id that is not there, out of range, or a commitment the user may not see."""
    from rest_framework.renderers import JSONRenderer

    from sla.api.commitments import CheckInSerializer

    commitment = world["commitment"]
    nameless = f.UserFactory(username="nameless", first_name="", last_name="")
    CheckIn.objects.create(
        commitment=commitment,
        at=datetime(2026, 11, 13, 12, 30, 1, 250, tzinfo=UTC),
        percent_done=45,
        note='Line one\nQuoted "Île" \\ tab\t',
        by=nameless,
    )
    reader = client_for(f.business_user(username="bea"))
    url = f"{LIST}{commitment.pk}/check-ins/"
    with django_assert_max_num_queries(2):  # the reader's roles, the commitment joined to its check-ins
        response = reader.get(url)
    assert response.status_code == 200
    expected = CheckInSerializer(CheckIn.objects.filter(commitment=commitment).order_by("at", "pk"), many=True).data
    assert response.content == JSONRenderer().render(expected)
    assert [row["by"] for row in response.json()][-1] == {"username": "nameless", "name": "nameless"}
    empty = commitment_create(
        service=world["service"],
        actor=world["owner"],
        title="Nothing yet",
        owner=world["doer"],
        definition_of_done="Done.",
        committed_on=date(2026, 11, 2),
        due_on=date(2026, 12, 30),
    )
    assert reader.get(f"{LIST}{empty.pk}/check-ins/").json() == []
    missing = reader.get(f"{LIST}{empty.pk + 1000}/check-ins/")
    assert missing.status_code == 404
    for pk in (2**63, 10**30):
        assert reader.get(f"{LIST}{pk}/check-ins/").content == missing.content
    with override_settings(CATALOGUE_PUBLIC=True):  # let in, but no longer active: no commitment to see
        with_no_rights = client_for(f.UserFactory(username="gone", is_active=False))
        assert with_no_rights.get(LIST).json()["results"] == []
        assert with_no_rights.get(url).content == missing.content


def test_a_check_in_on_a_delivered_commitment_is_400_and_nothing_written(world):
    base = f"{LIST}{world['commitment'].pk}/"
    owner = client_for(world["owner"])
    delivered = owner.post(f"{base}deliver/", {"note": "Live for everyone."})
    assert delivered.status_code == 200
    assert (delivered.json()["outcome"], delivered.json()["status"], delivered.json()["closed_on"]) == (
        "delivered",
        "delivered",
        "2026-11-13",
    )
    response = owner.post(f"{base}check-ins/", {"percent_done": 100})
    assert errors_by_attr(response) == {
        "non_field_errors": "“Self-service payslips” is delivered; a closed commitment cannot be checked in on."
    }
    assert CheckIn.objects.count() == 2


def test_renegotiate_and_withdraw(world):
    base = f"{LIST}{world['commitment'].pk}/"
    owner = client_for(world["owner"])
    assert set(errors_by_attr(owner.post(f"{base}renegotiate/", {"new_due_on": "2026-11-13"}))) == {"reason"}
    response = owner.post(f"{base}renegotiate/", {"new_due_on": "2026-12-18", "reason": "Vendor release moved."})
    assert response.status_code == 200
    body = response.json()
    assert body["due_on"] == "2026-12-18"
    assert body["status"] == "on_track"
    assert body["renegotiations"][0] | {"at": None} == {
        "at": None,
        "old_due_on": "2026-11-30",
        "new_due_on": "2026-12-18",
        "reason": "Vendor release moved.",
        "by": {"username": "olive", "name": world["owner"].get_full_name()},
    }
    assert Renegotiation.objects.count() == 1
    assert errors_by_attr(owner.post(f"{base}withdraw/", {}))["reason"]
    assert owner.post(f"{base}withdraw/", {"reason": "HR portal does it."}).json()["status"] == "withdrawn"
    assert client_for(world["doer"]).post(f"{base}deliver/").status_code == 403


def test_the_list_page_is_the_serializers_byte_for_byte(world, django_assert_max_num_queries):
    """The list is built from `.values()` rows (sla/api/commitment_rows.py): the same bytes as
    CommitmentSerializer over model instances with their status, for every status filter."""
    from rest_framework.renderers import JSONRenderer

    from sla import commitment_selectors as selectors
    from sla.api.commitments import CommitmentSerializer

    owner, service = world["owner"], world["service"]
    commitment_create(  # no unit, no check-in, in the service's calendar's zone
        service=service,
        actor=owner,
        title="Quiet one",
        definition_of_done="Done.",
        owner=owner,
        committed_on=date(2026, 10, 1),
        due_on=date(2026, 11, 20),
    )
    admin = f.admin_user(username="ada")
    client = client_for(admin)
    closed = commitment_create(
        service=service,
        actor=owner,
        title="Closed one",
        definition_of_done="Done.",
        owner=owner,
        committed_on=date(2026, 10, 1),
        due_on=date(2026, 12, 20),
    )
    commitment_withdraw(commitment=closed, actor=owner, reason="Not needed.")
    for query in (
        "",
        "?status=at_risk",
        "?status=on_track&status=stale",
        "?outcome=open",
        "?outcome=open&outcome=withdrawn",
        f"?service={service.slug}&business_unit=finance",
        "?business_unit=nowhere",
        "?page_size=1&page=2",
        "?status=withdrawn&status=at_risk&page_size=1&page=2",
    ):
        response = client.get(LIST + query)
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        ids = [row["id"] for row in results]
        by_id = {c.pk: c for c in selectors.commitment_list(user=admin).filter(pk__in=ids)}
        expected = CommitmentSerializer(
            selectors.commitments_with_state([by_id[pk] for pk in ids], now=NOW),
            many=True,
            context={"request": response.wsgi_request},
        ).data
        assert JSONRenderer().render(results) == JSONRenderer().render(expected), query
        assert results or query == "?business_unit=nowhere", query
    assert len(client.get(LIST).json()["results"]) == 3
    assert client.get(LIST + "?page_size=1&status=withdrawn&status=at_risk").json()["count"] == 2
    with django_assert_max_num_queries(2):  # the rows, their check-ins (a page not full is its count)
        client.get(LIST)
