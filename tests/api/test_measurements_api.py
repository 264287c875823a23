"""POST /api/v1/measurements/ (one or a list, all-or-nothing, idempotent, rights, errors named by
row) and GET /api/v1/measurements/ (scoped to who may read a service's measurements)."""

import pytest
from rest_framework.test import APIClient

from catalog import rules as roles
from catalog.tokens import api_token_issue
from sla.models import Measurement
from tests import factories as f
from tests.sla.conftest import at
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA
from tests.sla.test_measurements import add_measure

URL = "/api/v1/measurements/"
NOW = at(20, 12)


@pytest.fixture
def api(time_machine):
    time_machine.move_to(NOW, tick=False)
    return APIClient()


@pytest.fixture
def measures(sla):
    return [
        add_measure(sla["agreement"]),
        add_measure(sla["agreement"], key="queries", name="Payroll queries", valid_min=0, valid_max=None),
    ]


@pytest.fixture
def integration():
    return f.UserFactory(username="monitor", roles=[roles.INTEGRATIONS])


def point(sender_id="p-1", value=97.5, measured_at="2026-11-18T09:00:00Z", measure="payslips-on-time", **extra):
    return {
        "service": "payroll",
        "measure": measure,
        "value": value,
        "measured_at": measured_at,
        "sender_id": sender_id,
        **extra,
    }


def as_user(api, user):
    api.force_authenticate(user)
    return api


def errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    return {e["attr"]: e["detail"] for e in body["errors"]}


def test_one_point_then_a_replay(api, measures, integration):
    client = as_user(api, integration)
    response = client.post(URL, point(note="nightly run"), format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 1, "duplicates": 0}
    response = client.post(URL, point(), format="json")
    assert response.status_code == 200
    assert response.json() == {"created": 0, "duplicates": 1}
    stored = Measurement.objects.get()
    assert (stored.value, stored.measured_at, stored.note, stored.source) == (97.5, at(18, 9), "nightly run", "api")
    assert stored.recorded_by == integration


def test_a_list_is_stored_all_or_nothing_and_the_bad_row_named(api, measures, integration):
    batch = [point("a"), point("b", measure="queries", value=4), point("c", value=142)]
    response = as_user(api, integration).post(URL, batch, format="json")
    assert errors(response) == {"rows[2].value": "142 is outside the valid range 0 to 100 of 'Payslips on time'."}
    assert not Measurement.objects.exists()
    batch[2]["value"] = 100
    response = api.post(URL, batch, format="json")
    assert response.status_code == 201
    assert response.json() == {"created": 3, "duplicates": 0}


def test_parse_problems_are_named_by_row(api, measures, integration):
    batch = [
        point("a", measured_at="2026-11-18T09:00:00"),
        point("b", measured_at="last Tuesday"),
        point("c", value=True),
        point("d", value="lots"),
        {k: v for k, v in point("e").items() if k != "sender_id"},
        "not an object",
    ]
    response = as_user(api, integration).post(URL, batch, format="json")
    assert errors(response) == {
        "rows[0].measured_at": "Give the time with a time zone or UTC offset, e.g. 2026-11-02T09:00:00Z.",
        "rows[1].measured_at": "Give an ISO 8601 time with a UTC offset (2026-11-02T09:00:00Z), or a day "
        "(2026-11-02), week (2026-W45), month (2026-11) or quarter (2026-Q4).",
        "rows[2].value": "A valid number is required.",
        "rows[3].value": "A valid number is required.",
        "rows[4].sender_id": "This field is required.",
        "rows[5].non_field_errors": "Each measurement must be a JSON object.",
    }


def test_a_json_nan_is_refused_before_parsing(api, measures, integration):
    body = '{"service": "payroll", "measure": "queries", "value": NaN, "measured_at": "2026-11", "sender_id": "x"}'
    response = as_user(api, integration).post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert not Measurement.objects.exists()


def test_a_single_point_is_named_by_field(api, measures, integration):
    response = as_user(api, integration).post(URL, point(measure="smiles"), format="json")
    assert errors(response) == {
        "measure": "Unknown measure 'smiles' for Payroll: no agreement version of the service "
        "(draft, proposed or agreed) defines it."
    }
    response = api.post(URL, point(value=-3), format="json")
    assert errors(response) == {"value": "-3 is outside the valid range 0 to 100 of 'Payslips on time'."}


def test_a_time_or_period_in_the_future_is_refused(api, measures, integration):
    client = as_user(api, integration)
    response = client.post(URL, [point(measured_at="2026-11-21T09:00:00+01:00")], format="json")
    assert errors(response) == {
        "rows[0].measured_at": "2026-11-21T09:00:00+01:00 is in the future; send a measurement once it is taken."
    }
    response = client.post(URL, [point(measured_at="2026-12")], format="json")
    assert "2026-12 has not started yet" in errors(response)["rows[0].measured_at"]
    response = client.post(URL, [point(measured_at="2026-11")], format="json")
    assert response.status_code == 201
    assert Measurement.objects.get().measured_at == at(1, 0)  # the service's calendar is in UTC


def test_the_same_sender_id_for_another_point_is_refused(api, measures, integration):
    client = as_user(api, integration)
    client.post(URL, point(), format="json")
    response = client.post(URL, point(value=12), format="json")
    assert "Sender id 'p-1' was already used for 97.5" in errors(response)["sender_id"]
    assert Measurement.objects.get().value == 97.5


def test_batch_limits(api, measures, integration):
    client = as_user(api, integration)
    response = client.post(URL, [point(str(n)) for n in range(5001)], format="json")
    assert errors(response) == {"rows": "Send at most 5,000 measurements at once, not 5,001."}
    response = client.post(URL, [], format="json")
    assert errors(response) == {"rows": "Send at least one measurement."}


def test_many_bad_rows_are_reported_in_part(api, measures, integration):
    response = as_user(api, integration).post(URL, [point(str(n), value="x") for n in range(70)], format="json")
    found = errors(response)
    assert len(found) == 51
    assert found["rows"] == "…and 20 more rows with problems; nothing was recorded."


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("reader", 403),
        ("rep", 403),
        ("other_owner", 403),
        ("owner", 201),
        ("integration", 201),
        ("admin", 201),
    ],
)
def test_who_may_send(api, sla, measures, integration, who, expected):
    user = {
        "anonymous": None,
        "reader": f.business_user(),
        "rep": sla["rep"],
        "other_owner": f.service_owner(),
        "owner": sla["owner"],
        "integration": integration,
        "admin": f.admin_user(),
    }[who]
    if user is not None:
        as_user(api, user)
    response = api.post(URL, point(), format="json")
    assert response.status_code == expected, response.content
    if expected == 403:
        assert response.json()["errors"][0]["detail"] == "You may not record measurements for Payroll."
    assert Measurement.objects.count() == (1 if expected == 201 else 0)


def test_an_integration_sends_with_its_api_key(api, measures, integration):
    _, key = api_token_issue(user=integration, name="Monitoring")
    response = api.post(URL, point(), format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 201, response.content


def test_a_batch_costs_a_constant_number_of_queries(api, measures, integration, django_assert_num_queries):
    client = as_user(api, integration)
    client.post(URL, [point(f"warm-{n}") for n in range(3)], format="json")  # reads the client's groups once
    # services, measures, savepoint, stored points, insert, release
    with django_assert_num_queries(6):
        small = client.post(URL, [point(f"s-{n}") for n in range(3)], format="json")
    with django_assert_num_queries(6):
        large = client.post(URL, [point(f"l-{n}", measure="queries", value=n) for n in range(100)], format="json")
    assert (small.status_code, large.status_code) == (201, 201)


@pytest.mark.postgres
def test_five_thousand_points_in_one_request(api, measures, integration, django_assert_num_queries):
    batch = [point(f"b-{n}", measure=("payslips-on-time", "queries")[n % 2], value=n % 100) for n in range(5000)]
    client = as_user(api, integration)
    with django_assert_num_queries(7):  # with the client's groups
        response = client.post(URL, batch, format="json")
    assert response.json() == {"created": 5000, "duplicates": 0}
    response = client.post(URL, batch, format="json")
    assert (response.status_code, response.json()) == (200, {"created": 0, "duplicates": 5000})


# --- Reading -----------------------------------------------------------------------------


@pytest.fixture
def stored(sla, measures):
    from sla.services import MeasurementInput, measurements_record

    other = f.ServiceFactory(slug="other")
    points = [MeasurementInput("payroll", "payslips-on-time", 90 + n, at(2 + n, 9), f"p-{n}") for n in range(3)] + [
        MeasurementInput("payroll", "queries", 4, at(3, 9), "q-1")
    ]
    measurements_record(items=points, actor=None, source="api", now=NOW)
    Measurement.objects.create(service=other, measure_key="x", value=1, measured_at=at(2, 9), sender_id="o")


@pytest.mark.parametrize(
    ("who", "count"),
    [
        ("reader", 0),
        ("other_owner", 0),
        ("rep", 4),  # a member of Finance, which Payroll serves
        ("business_owner", 4),
        ("owner", 4),
        ("integration", 5),
        ("admin", 5),
    ],
)
def test_who_reads_what(api, sla, stored, integration, who, count):
    user = {
        "reader": f.business_user(),
        "other_owner": f.service_owner(),
        "rep": sla["rep"],
        "business_owner": sla["service"].business_owner,
        "owner": sla["owner"],
        "integration": integration,
        "admin": f.admin_user(),
    }[who]
    response = as_user(api, user).get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == count


def test_anonymous_readers_are_asked_to_sign_in(api, stored):
    assert api.get(URL).status_code == 401


def test_listing_filters_and_shape(api, sla, stored):
    client = as_user(api, sla["owner"])
    body = client.get(URL, {"service": "payroll", "measure": "payslips-on-time"}).json()
    assert [row["sender_id"] for row in body["results"]] == ["p-2", "p-1", "p-0"]  # latest first
    assert body["results"][0] == {
        "id": body["results"][0]["id"],
        "service": {"slug": "payroll", "name": "Payroll"},
        "measure": "payslips-on-time",
        "value": 92.0,
        "measured_at": "2026-11-04T09:00:00Z",
        "sender_id": "p-2",
        "source": "api",
        "note": "",
        "recorded_by": None,
        "created_at": body["results"][0]["created_at"],
    }
    window = client.get(URL, {"since": "2026-11-03T00:00:00Z", "until": "2026-11-04T09:00:00Z"}).json()
    assert sorted(row["sender_id"] for row in window["results"]) == ["p-1", "q-1"]  # until is exclusive
    response = client.get(URL, {"since": "soon"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "since"


def test_a_window_may_use_any_offset_python_reads(api, sla, stored):
    """PostgreSQL takes offsets up to ±15:59 only; the window's ends are put in UTC first, so
    +19:51 is the same instant as in UTC, and a time that leaves the calendar is a message."""
    client = as_user(api, sla["owner"])
    utc = client.get(URL, {"since": "2026-11-03T00:00:00Z", "until": "2026-11-04T09:00:00Z"}).json()
    far = client.get(URL, {"since": "2026-11-03T19:51:00+19:51", "until": "2026-11-04T01:00:00-08:00"}).json()
    assert [row["sender_id"] for row in far["results"]] == [row["sender_id"] for row in utc["results"]]
    assert len(utc["results"]) == 2
    for bad in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"):
        response = client.get(URL, {"until": bad})
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["attr"] == "until"
        assert "out of range once put in UTC" in response.json()["errors"][0]["detail"]


def test_bad_rows_deep_in_a_big_batch_are_named_with_the_serializers_messages(api, measures, integration):
    batch = [point(f"b-{n}", measure="queries", value=n) for n in range(3000)]
    batch[1234]["value"] = "lots"
    batch[2500]["service"] = "pay roll"
    batch[2999]["sender_id"] = ""
    response = as_user(api, integration).post(URL, batch, format="json")
    assert errors(response) == {
        "rows[1234].value": "A valid number is required.",
        "rows[2500].service": 'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.',
        "rows[2999].sender_id": "This field may not be blank.",
    }
    assert not Measurement.objects.exists()
