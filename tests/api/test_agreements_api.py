from datetime import UTC, datetime

import pytest
import time_machine

from catalog.models import Agreement, AgreementStatus
from tests import factories as f
from tests.api.conftest import login

pytestmark = pytest.mark.django_db


def test_both_signatures_make_the_next_version_agreed_and_supersede_the_old_one(api, world):
    users, proposed, agreed = world["users"], world["proposed"], world["agreed"]
    url = f"/api/v1/agreements/{proposed.pk}/sign/"

    body = login(api, users["rep"]).post(url).json()
    assert body["status"] == "proposed"
    assert body["business_signed_by"]["username"] == "rep"
    assert body["allowed_actions"]["sign"] is None

    body = login(api, users["owner"]).post(url).json()
    assert body["status"] == "agreed"
    assert body["supersedes"] == agreed.pk
    agreed.refresh_from_db()
    assert agreed.status == AgreementStatus.SUPERSEDED
    assert agreed.superseded_by_id == proposed.pk
    in_force = api.get("/api/v1/agreements/?service=payroll&business_unit=finance&status=agreed").json()
    assert [a["version"] for a in in_force["results"]] == [2]


def test_signing_twice_or_for_no_side_is_refused_with_a_message(api, world):
    users, proposed = world["users"], world["proposed"]
    url = f"/api/v1/agreements/{proposed.pk}/sign/"
    assert login(api, users["rep"]).post(url).status_code == 200
    response = api.post(url)
    assert response.status_code == 400
    assert "already signed" in response.json()["errors"][0]["detail"]

    response = login(api, users["admin"]).post(url)
    assert response.status_code == 403
    assert "representative of Finance" in response.json()["errors"][0]["detail"]


def test_an_agreed_version_cannot_be_edited(api, world):
    response = login(api, world["users"]["owner"]).patch(
        f"/api/v1/agreements/{world['agreed'].pk}/", {"scope": "Changed"}
    )
    assert response.status_code == 400
    assert "cannot be edited" in response.json()["errors"][0]["detail"]
    world["agreed"].refresh_from_db()
    assert world["agreed"].scope == "Pay everyone on time."


def test_owner_drafts_edits_and_proposes(api, world):
    client = login(api, world["users"]["owner"])
    response = client.post("/api/v1/agreements/", {"service": "payroll", "business_unit": None, "scope": "All staff."})
    assert response.status_code == 201, response.content
    draft = response.json()
    assert draft["version"] == 1 and draft["status"] == "draft" and draft["audience"] == "all business units"
    assert draft["allowed_actions"] == {
        "edit": True,
        "propose": True,
        "return_to_draft": False,
        "withdraw": True,
        "sign": None,
    }

    response = client.post(f"/api/v1/agreements/{draft['id']}/propose/")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"effective_from", "review_by"}

    response = client.patch(
        f"/api/v1/agreements/{draft['id']}/", {"effective_from": "2026-12-01", "review_by": "2026-06-01"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "review_by"

    response = client.patch(
        f"/api/v1/agreements/{draft['id']}/", {"effective_from": "2026-12-01", "review_by": "2027-12-01"}
    )
    assert response.status_code == 200
    response = client.post(f"/api/v1/agreements/{draft['id']}/propose/")
    assert response.status_code == 200
    assert response.json()["status"] == "proposed"
    assert response.json()["allowed_actions"]["sign"] == "it"


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        ({"effective_from": "0001-01-01"}, "effective_from", "between 07 Dec 2016 and 07 Dec 2036"),
        ({"effective_from": "9999-12-31"}, "effective_from", "between 07 Dec 2016 and 07 Dec 2036"),
        ({"effective_from": "2026-12-01", "review_by": "9999-12-31"}, "review_by", "and 01 Dec 2036"),
        ({"review_by": "2040-01-01"}, "review_by", "and 07 Dec 2036"),
        ({"review_by": "1999-01-01"}, "review_by", "between 07 Dec 2016"),
    ],
)
@time_machine.travel(datetime(2026, 12, 7, 12, tzinfo=UTC), tick=False)
def test_dates_out_of_reach_are_refused_naming_the_field(api, world, terms, field, message):
    """Year 1 or 9999 in an agreement only overflows the clocks that count towards it."""
    client = login(api, world["users"]["owner"])
    draft = client.post("/api/v1/agreements/", {"service": "payroll", "business_unit": None}, format="json").json()
    response = client.patch(f"/api/v1/agreements/{draft['id']}/", terms, format="json")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["attr"] == field and message in error["detail"], error
    assert Agreement.objects.get(pk=draft["id"]).effective_from is None


def test_a_second_open_version_is_refused(api, world):
    response = login(api, world["users"]["owner"]).post(
        "/api/v1/agreements/", {"service": "payroll", "business_unit": "finance"}
    )
    assert response.status_code == 400
    assert "already has a version in draft or proposed" in response.json()["errors"][0]["detail"]


def test_the_next_version_starts_from_the_terms_in_force(api, world):
    client = login(api, world["users"]["owner"])
    client.post(f"/api/v1/agreements/{world['proposed'].pk}/withdraw/")
    response = client.post("/api/v1/agreements/", {"service": "payroll", "business_unit": "finance"})
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 3
    assert body["scope"] == "Pay everyone on time."
    assert body["effective_from"] == "2026-01-01"


def test_withdrawing_the_version_in_force_needs_a_reason(api, world):
    client = login(api, world["users"]["owner"])
    url = f"/api/v1/agreements/{world['agreed'].pk}/withdraw/"
    response = client.post(url, {})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "reason"
    response = client.post(url, {"reason": "Service retired."})
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["withdrawal_reason"] == "Service retired."


def test_return_to_draft_clears_signatures(api, world):
    login(api, world["users"]["rep"]).post(f"/api/v1/agreements/{world['proposed'].pk}/sign/")
    body = (
        login(api, world["users"]["owner"]).post(f"/api/v1/agreements/{world['proposed'].pk}/return-to-draft/").json()
    )
    assert body["status"] == "draft"
    assert body["business_signed_by"] is None


def test_diff_between_versions(api, world):
    client = login(api, world["users"]["owner"])
    body = client.get(f"/api/v1/agreements/{world['proposed'].pk}/diff/").json()
    assert body["old"]["version"] == 1 and body["new"]["version"] == 2
    assert [c["field"] for c in body["changes"]] == ["scope"]
    assert "-Pay everyone on time." in body["changes"][0]["diff"]
    assert "+Pay everyone on time, every time." in body["changes"][0]["diff"]

    response = client.get(f"/api/v1/agreements/{world['agreed'].pk}/diff/")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "against"

    response = client.get(f"/api/v1/agreements/{world['proposed'].pk}/diff/?against={world['draft'].pk}")
    assert response.status_code == 404  # another unit's agreement is not a version of this one
    response = client.get(f"/api/v1/agreements/{world['proposed'].pk}/diff/?against=abc")
    assert response.status_code == 400


def test_list_scoping_hides_open_versions_from_readers(api, world):
    ids = {a["id"] for a in login(api, world["users"]["reader"]).get("/api/v1/agreements/").json()["results"]}
    assert ids == {world["agreed"].pk}
    ids = {a["id"] for a in login(api, world["users"]["owner"]).get("/api/v1/agreements/").json()["results"]}
    assert ids == {world["agreed"].pk, world["proposed"].pk, world["draft"].pk}


def test_list_filters_and_query_count(api, world, django_assert_max_num_queries):
    client = login(api, world["users"]["admin"])
    for _ in range(5):
        f.AgreementFactory()
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/agreements/?page_size=100").json()
    assert body["count"] == Agreement.objects.count()
    body = client.get("/api/v1/agreements/?business_unit=all").json()
    assert body["count"] == 0
    body = client.get("/api/v1/agreements/?status=draft&service=payroll").json()
    assert [a["id"] for a in body["results"]] == [world["draft"].pk]
    assert client.get("/api/v1/agreements/?status=nonsense").status_code == 400


def test_the_default_diff_skips_versions_the_reader_may_not_see(api, world):
    owner, rep, reader = world["users"]["owner"], world["users"]["rep"], world["users"]["reader"]
    client = login(api, owner)
    client.post(f"/api/v1/agreements/{world['proposed'].pk}/withdraw/")  # v2, withdrawn: hidden from readers
    v3 = client.post("/api/v1/agreements/", {"service": "payroll", "business_unit": "finance", "scope": "V3."}).json()
    client.post(f"/api/v1/agreements/{v3['id']}/propose/")
    client.post(f"/api/v1/agreements/{v3['id']}/sign/")
    login(api, rep).post(f"/api/v1/agreements/{v3['id']}/sign/")
    body = login(api, reader).get(f"/api/v1/agreements/{v3['id']}/diff/").json()
    assert (body["old"]["version"], body["new"]["version"]) == (1, 3)
    assert login(api, owner).get(f"/api/v1/agreements/{v3['id']}/diff/").json()["old"]["version"] == 2
