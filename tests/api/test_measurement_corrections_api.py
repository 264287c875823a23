"""One data point over the API (GET /api/v1/measurements/{id}/, scoped, with its corrections) and
its correction and removal (POST …/correct/ and …/remove/): 200, 400 naming the field in the
API's one error format, 403 for readers who may not record, 404 for points one may not read."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from catalog import rules as roles
from sla.models import MeasureEvaluation, Measurement, MeasurementCorrection
from sla.services import MeasurementInput, measurement_correct, measurements_record
from tests import factories as f
from tests.sla.conftest import at
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA
from tests.sla.test_measurements import add_measure

NOW = at(20, 12)


@pytest.fixture
def api(time_machine):
    time_machine.move_to(NOW, tick=False)
    return APIClient()


@pytest.fixture
def stored(sla) -> Measurement:
    add_measure(sla["agreement"])
    measurements_record(
        items=[MeasurementInput("payroll", "payslips-on-time", 97.5, at(18, 9), "p-1")],
        actor=None,
        source="api",
        now=NOW,
    )
    return Measurement.objects.get()


@pytest.fixture
def integration():
    return f.UserFactory(username="monitor", roles=[roles.INTEGRATIONS])


def url(point, action=""):
    pk = point if isinstance(point, int) else point.pk
    return f"/api/v1/measurements/{pk}/" + (f"{action}/" if action else "")


def as_user(api, user):
    api.force_authenticate(user)
    return api


def errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    return {e["attr"]: e["detail"] for e in body["errors"]}


def people(sla, integration) -> dict:
    return {
        "reader": f.business_user(),
        "other_owner": f.service_owner(),
        "rep": sla["rep"],
        "business_owner": sla["service"].business_owner,
        "owner": sla["owner"],
        "integration": integration,
        "admin": f.admin_user(),
    }


# --- Reading one point ---------------------------------------------------------------------


def test_a_point_with_its_corrections(api, sla, stored):
    measurement_correct(measurement=stored, value=99, reason="Typed 97.5 for 99.", actor=sla["owner"], now=NOW)
    body = as_user(api, sla["rep"]).get(url(stored)).json()
    correction = MeasurementCorrection.objects.get()
    assert body == {
        "id": stored.pk,
        "service": {"slug": "payroll", "name": "Payroll"},
        "measure": "payslips-on-time",
        "value": 99.0,
        "measured_at": "2026-11-18T09:00:00Z",
        "sender_id": "p-1",
        "source": "api",
        "note": "",
        "recorded_by": None,
        "created_at": body["created_at"],
        "corrections": [
            {
                "id": correction.pk,
                "old_value": 97.5,
                "new_value": 99.0,
                "reason": "Typed 97.5 for 99.",
                "corrected_by": "owner",
                "corrected_at": "2026-11-20T12:00:00Z",
            }
        ],
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("reader", 404),
        ("other_owner", 404),
        ("rep", 200),
        ("business_owner", 200),
        ("owner", 200),
        ("integration", 200),
        ("admin", 200),
    ],
)
def test_who_reads_a_point(api, sla, stored, integration, who, expected):
    response = as_user(api, people(sla, integration)[who]).get(url(stored))
    assert response.status_code == expected, response.content
    if expected == 404:
        assert response.json()["type"] == "client_error"


def test_strangers_are_asked_to_sign_in_and_unknown_points_are_not_found(api, sla, stored):
    assert api.get(url(stored)).status_code == 401
    assert api.post(url(stored, "correct"), {"value": 99, "reason": "x"}, format="json").status_code == 401
    as_user(api, f.admin_user())
    for pk in (stored.pk + 1, 2**63, 10**30):
        assert api.get(url(pk)).status_code == 404
        assert api.post(url(pk, "correct"), {"value": 99, "reason": "x"}, format="json").status_code == 404
    assert Measurement.objects.get().value == 97.5


def test_reading_a_point_costs_a_fixed_number_of_queries(api, sla, stored, django_assert_max_num_queries):
    client = as_user(api, sla["owner"])
    for value in (99, 98, 97):
        measurement_correct(measurement=stored, value=value, reason="Revised.", actor=sla["owner"], now=NOW)
    # the point with its service and recorder, its corrections, their authors
    with django_assert_max_num_queries(3) as counted:
        client.get(url(stored))
    assert len(counted) <= 3


# --- Correcting ---------------------------------------------------------------------------


def test_a_correction_answers_with_the_point_and_its_history(api, sla, stored):
    response = as_user(api, sla["owner"]).post(
        url(stored, "correct"), {"value": 99, "reason": "Typed 97.5 for 99."}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["value"] == 99.0
    assert [(c["old_value"], c["new_value"], c["corrected_by"]) for c in body["corrections"]] == [(97.5, 99.0, "owner")]
    assert Measurement.objects.get().value == 99


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"value": 142, "reason": "x"}, {"value": "142 is outside the valid range 0 to 100 of 'Payslips on time'."}),
        ({"value": 97.5, "reason": "x"}, {"value": "The point's value is already 97.5: nothing to correct."}),
        ({"value": "lots", "reason": "x"}, {"value": "A valid number is required."}),
        ({"value": True, "reason": "x"}, {"value": "A valid number is required."}),
        ({"value": 99, "reason": "  "}, {"reason": "This field may not be blank."}),
        ({"value": 99, "reason": "x" * 501}, {"reason": "Ensure this field has no more than 500 characters."}),
        ({}, {"value": "This field is required.", "reason": "This field is required."}),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, sla, stored, data, expected):
    response = as_user(api, sla["owner"]).post(url(stored, "correct"), data, format="json")
    assert errors(response) == expected
    assert Measurement.objects.get().value == 97.5
    assert not MeasurementCorrection.objects.exists()


def test_a_point_of_a_settled_period_is_a_400_naming_the_verdict(api, sla, stored):
    MeasureEvaluation.objects.create(
        measure=sla["agreement"].measures.get(),
        service=sla["service"],
        measure_key="payslips-on-time",
        period_start=at(16, 0),
        period_end=at(23, 0),
        status="missed",
        computed_at=at(23, 0),
    )
    response = as_user(api, sla["owner"]).post(url(stored, "correct"), {"value": 99, "reason": "x"}, format="json")
    assert errors(response) == {
        "non_field_errors": "November 2026 already has its final verdict for “Payslips on time”: missed. "
        "A point of a settled period cannot be corrected or removed."
    }
    response = api.post(url(stored, "remove"), {"reason": "x"}, format="json")
    assert list(errors(response)) == ["non_field_errors"]
    assert Measurement.objects.get().value == 97.5


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("reader", 404),
        ("other_owner", 404),
        ("rep", 403),
        ("business_owner", 403),
        ("owner", 200),
        ("integration", 200),
        ("admin", 200),
    ],
)
def test_who_may_correct_and_remove(api, sla, stored, integration, who, expected):
    client = as_user(api, people(sla, integration)[who])
    correct = client.post(url(stored, "correct"), {"value": 99, "reason": "Typed wrong."}, format="json")
    remove = client.post(url(stored, "remove"), {"reason": "Sent twice."}, format="json")
    assert (correct.status_code, remove.status_code) == (expected, expected), (correct.content, remove.content)
    if expected == 403:
        for response in (correct, remove):
            assert response.json() == {
                "type": "client_error",
                "errors": [
                    {
                        "code": "permission_denied",
                        "detail": "You may not correct measurements of Payroll.",
                        "attr": None,
                    }
                ],
            }
    assert Measurement.objects.exists() == (expected != 200)


def test_not_allowed_comes_before_bad_input(api, sla, stored):
    response = as_user(api, sla["rep"]).post(url(stored, "correct"), {"value": "lots"}, format="json")
    assert response.status_code == 403


# --- Removing -----------------------------------------------------------------------------


def test_a_removal_answers_with_what_was_removed_and_the_point_is_gone(api, sla, stored, integration):
    client = as_user(api, integration)
    response = client.post(url(stored, "remove"), {"reason": "A test run, not a payroll run."}, format="json")
    assert response.status_code == 200, response.content
    removal = MeasurementCorrection.objects.get()
    assert response.json() == {
        "id": removal.pk,
        "measurement": stored.pk,
        "service": {"slug": "payroll", "name": "Payroll"},
        "measure": "payslips-on-time",
        "sender_id": "p-1",
        "measured_at": "2026-11-18T09:00:00Z",
        "old_value": 97.5,
        "new_value": None,
        "reason": "A test run, not a payroll run.",
        "corrected_by": "monitor",
        "corrected_at": "2026-11-20T12:00:00Z",
    }
    assert not Measurement.objects.exists()
    assert client.get(url(stored)).status_code == 404
    response = client.post(url(stored, "remove"), {"reason": "Again."}, format="json")
    assert response.status_code == 404
    # The sender re-sends it: nothing changes.
    point = {"service": "payroll", "measure": "payslips-on-time", "value": 97.5}
    point |= {"measured_at": "2026-11-18T09:00:00Z", "sender_id": "p-1"}
    response = client.post("/api/v1/measurements/", point, format="json")
    assert (response.status_code, response.json()) == (200, {"created": 0, "duplicates": 1})
    assert not Measurement.objects.exists()


def test_a_removal_needs_a_reason(api, sla, stored):
    response = as_user(api, sla["owner"]).post(url(stored, "remove"), {}, format="json")
    assert errors(response) == {"reason": "This field is required."}
    assert Measurement.objects.exists()


# --- The schema -----------------------------------------------------------------------------


def test_the_schema_describes_the_endpoints_and_stays_valid(api, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/measurements/{id}/"]) == {"get"}
    correct = paths["/api/v1/measurements/{id}/correct/"]["post"]
    assert correct["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MeasurementCorrect")
    assert {"200", "400", "403", "404"} <= set(correct["responses"])
    assert "/api/v1/measurements/{id}/remove/" in paths
    detail = schema["components"]["schemas"]["MeasurementDetail"]
    assert "corrections" in detail["properties"]
