"""Bad input found by fuzzing the API (bench/api_fuzz.py): each answered with a 4xx naming the
problem, never a 500, and nothing written."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from catalog.durations import TOO_LONG, duration_parse, duration_parse_text
from feedback.services.surveys import EVENT_DELAY_PROBLEM, FATIGUE_PROBLEM, INVITATION_VALID_PROBLEM
from sla.models import Commitment, Measurement, Ticket
from tests import factories as f
from tests.sla.conftest import at
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA
from tests.sla.test_measurements import add_measure

pytestmark = pytest.mark.django_db
SURVEY_PROBLEMS = {
    "event_delay_days": EVENT_DELAY_PROBLEM,
    "invitation_valid_for_days": INVITATION_VALID_PROBLEM,
    "fatigue_days": FATIGUE_PROBLEM,
}


def as_admin() -> APIClient:
    client = APIClient()
    client.force_authenticate(f.admin_user(username="ada"))
    return client


def errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", ""),
        ("get", "check-ins/"),
        ("post", "check-ins/"),
        ("post", "deliver/"),
        ("post", "renegotiate/"),
        ("post", "withdraw/"),
    ],
)
def test_a_commitment_id_that_is_not_a_number_is_not_found(method, path):
    response = getattr(as_admin(), method)(f"/api/v1/commitments/null,null/{path}", {}, format="json")
    assert response.status_code == 404, response.content


def test_a_diff_against_a_digit_that_is_not_a_number_is_refused(api, world):
    api.force_authenticate(world["users"]["admin"])
    response = api.get(f"/api/v1/agreements/{world['proposed'].pk}/diff/", {"against": "²"})
    assert errors(response) == {"against": "Give the id of another version of this agreement."}


def test_a_ticket_event_on_a_day_the_calendar_lacks_is_refused(sla):
    event = {
        "source": "servicedesk",
        "external_id": "INC-1",
        "kind": "opened",
        "occurred_at": "2026-02-30T10:00:00Z",
        "idempotency_key": "INC-1:opened",
        "service": "payroll",
        "priority": 2,
    }
    response = as_admin().post("/api/v1/ticket-events/", event, format="json")
    assert errors(response) == {
        "occurred_at": "2026-02-30T10:00:00Z is not a date and time on the calendar; check the day and month."
    }
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("measured_at", "shown"),
    [
        ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+14:00"),
        ("0001-01-01", "0001-01-01"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59+00:00"),
    ],
)
def test_a_measurement_before_1970_is_refused(sla, time_machine, measured_at, shown):
    """PostgreSQL stored the first one before year 1, after which no page listing it opened."""
    time_machine.move_to(at(20, 12), tick=False)
    add_measure(sla["agreement"])
    point = {
        "service": "payroll",
        "measure": "payslips-on-time",
        "value": 97.5,
        "measured_at": measured_at,
        "sender_id": "p-1",
    }
    response = as_admin().post("/api/v1/measurements/", point, format="json")
    assert errors(response) == {"measured_at": f"{shown} is before 1970; send measurements taken since then."}
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("parse", "value"),
    [
        (duration_parse, 10**25),
        (duration_parse, "9" * 25),
        (duration_parse, "P9999999999D"),
        (duration_parse_text, "99999999999999999 days"),
        (duration_parse_text, "9999999999 12:00"),
    ],
)
def test_a_duration_too_long_to_hold_is_a_message_not_an_overflow(parse, value):
    with pytest.raises(ValueError, match="longer than a duration can be"):
        parse(value)


def test_a_target_too_long_to_hold_is_refused_naming_the_field(api, world):
    api.force_authenticate(world["users"]["admin"])
    targets = [{"priority": 1, "engage_within": "PT1H", "resolve_within": 10**25}]
    response = api.put(f"/api/v1/agreements/{world['draft'].pk}/targets/", targets, format="json")
    assert errors(response) == {"targets[0].resolve_within": TOO_LONG}


def test_a_commitment_cadence_too_long_to_hold_is_refused_naming_the_field(sla):
    payload = {"service": "payroll", "title": "x", "definition_of_done": "x", "due_on": "2027-01-01", "grace": 10**25}
    response = as_admin().post("/api/v1/commitments/", payload, format="json")
    assert errors(response) == {"grace": TOO_LONG}


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"due_on": "9999-12-31"}, "due_on", "Promise a date within 10 years, by 20 Nov 2036."),
        (
            {"due_on": "2026-12-31", "committed_on": "0001-01-01"},
            "committed_on",
            "Record commitments made in the last 10 years, since 20 Nov 2016.",
        ),
    ],
)
def test_commitment_dates_beyond_ten_years_are_refused(sla, time_machine, dates, field, message):
    """The day after 9999-12-31, when such a commitment would end, does not exist."""
    time_machine.move_to(at(20, 12), tick=False)
    payload = {"service": "payroll", "title": "x", "definition_of_done": "x", **dates}
    response = as_admin().post("/api/v1/commitments/", payload, format="json")
    assert errors(response) == {field: message}
    assert not Commitment.objects.exists()


# --- Issue 15: found by the fuzz run with the feedback endpoints and random examples -----------


def not_found(response) -> None:
    """A 404 in the API's one error format."""
    assert response.status_code == 404, response.content
    body = response.json()
    assert body["type"] == "client_error" and body["errors"][0]["code"] == "not_found", body


@pytest.mark.parametrize("action", ["close/", "contacted/", ""])
@pytest.mark.parametrize("pk", ["null,null", "-1", "1.5", "%00", "é"])
def test_a_follow_up_id_that_is_not_a_number_is_not_found(action, pk):
    """`_managed` handed the raw id to get_object_or_404: ValueError, a 500 (issue 15, 1 and 2)."""
    client = as_admin()
    method = client.post if action else client.get
    not_found(method(f"/api/v1/feedback/follow-ups/{pk}/{action}", {"learned": "x", "outcome": "x"}, format="json"))


@pytest.mark.parametrize(
    "address",
    [
        "/api/v1/agreements/null,null/",
        "/api/v1/agreements/null,null/targets/",
        "/api/v1/tickets/null,null/",
        "/api/v1/alerts/null,null/acknowledge/",
        "/api/v1/commitments/null,null/",
        "/api/v1/services/%00/",
        "/api/v1/business-units/ü/",
        "/api/v1/categories/a.b/",
        "/api/v1/no-such-thing/",
    ],
)
def test_an_address_no_route_matches_is_a_404_in_the_error_format(address):
    """The routers take ids as digits and slugs as slugs, like the `<int:>` and `<slug:>` routes;
    Django's own 404 answers in the API's format under /api/ (not its HTML page)."""
    not_found(as_admin().get(address))


def test_a_huge_id_is_not_found():
    not_found(as_admin().get("/api/v1/agreements/99999999999999999999/"))


@pytest.fixture
def survey_settings_url(db):
    service = f.ServiceFactory(slug="payroll")
    return f"/api/v1/services/{service.slug}/survey-settings/"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"event_delay_days": 1.7976931348623157e308}, "event_delay_days", SURVEY_PROBLEMS["event_delay_days"]),
        ({"event_delay_days": -1e308}, "event_delay_days", SURVEY_PROBLEMS["event_delay_days"]),
        (
            {"invitation_valid_for_days": 1e20},
            "invitation_valid_for_days",
            SURVEY_PROBLEMS["invitation_valid_for_days"],
        ),
        ({"fatigue_days": 99999999999999999999}, "fatigue_days", SURVEY_PROBLEMS["fatigue_days"]),
        ({"fatigue_days": 366}, "fatigue_days", SURVEY_PROBLEMS["fatigue_days"]),
        ({"event_delay_days": "1"}, "event_delay_days", "Give a number of days, e.g. 1 or 0.5."),
    ],
)
def test_a_survey_setting_out_of_its_bounds_is_refused_naming_the_field(survey_settings_url, change, field, message):
    """`timedelta(days=1.8e308)` overflowed: a 500 (issue 15, 3). The bounds are the serializer's now."""
    response = as_admin().patch(survey_settings_url, change, format="json")
    assert errors(response) == {field: message}
    assert as_admin().get(survey_settings_url).json()["event_delay_days"] == 1


def test_the_schema_states_the_survey_settings_bounds():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    fields = schema["components"]["schemas"]["PatchedSurveySettings"]["properties"]
    shown = {name: (fields[name].get("minimum"), fields[name].get("maximum")) for name in SURVEY_PROBLEMS}
    assert shown == {"event_delay_days": (0, 7), "invitation_valid_for_days": (1, 90), "fatigue_days": (0, 365)}


@pytest.mark.parametrize(
    "address",
    [
        "/api/v1/agreements/1/diff.json",
        "/api/v1/agreements/1/measures.json",
        "/api/v1/agreements/1/targets/1.json",
        "/api/v1/services.json",
    ],
)
def test_a_format_suffix_is_no_route(address):
    """The catalogue's router added `.json` twins, and its actions take no `format`: a TypeError,
    a 500 (found by tests/api/test_path_sweep.py). No suffixes now, as in the sla and feedback
    routers; `?format=json` still picks the renderer."""
    f.AgreementFactory(pk=1)
    not_found(as_admin().get(address))
    assert as_admin().get("/api/v1/services/", {"format": "json"}).status_code == 200


# --- Issue 15: every number a request sends has bounds, stated by the field and the schema -------

MIN_POINTS = "Give the fewest data points for a verdict as a whole number, at least 1."
TICKET_PRIORITY = "Give a priority from 1 (P1) to 5 (P5), or none for tickets of every priority."

# Numbers a request may send with no bound: ids (a missing one is a 404), the criticality (an
# enum), a measured value (any number a sender's instrument gives; checked against the measure's
# own valid range), and the page number's top (past the last page is a 404).
UNBOUNDED = {
    "path:id",
    "query:against",
    "MeasurementIn.value",
    "MeasurementCorrect.value",
    "CriticalityEnum",
}


def _unbounded(node: dict) -> bool:
    return node.get("type") in ("integer", "number") and "enum" not in node and not {"minimum", "maximum"} <= set(node)


def _numbers_without_bounds(schema: dict) -> set[str]:
    components, missing = schema["components"]["schemas"], set()

    def walk(node: dict, where: str, seen: set[str]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], name, seen | {name})
            return
        for branch in node.get("oneOf", []) + node.get("anyOf", []) + node.get("allOf", []):
            walk(branch, where, seen)
        if _unbounded(node):
            missing.add(where)
        for name, field in node.get("properties", {}).items():
            if not field.get("readOnly"):
                walk(field, f"{where}.{name}", seen)
        if node.get("type") == "array":
            walk(node.get("items", {}), f"{where}[]", seen)

    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                where = f"{parameter['in']}:{parameter['name']}"
                node = parameter.get("schema", {})
                if parameter["name"] == "page" and "minimum" in node:
                    continue
                if _unbounded(node):
                    missing.add(where)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                walk(body["schema"], "body", set())
    return missing


def test_the_schema_states_bounds_for_every_number_a_request_sends():
    """Durations, counts, scores, priorities, page sizes and query counts: a new unbounded one fails here."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert _numbers_without_bounds(schema) - UNBOUNDED == set()


def test_the_schema_states_the_duration_bounds_of_targets_and_commitments():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    seconds = {
        name: components[schema]["properties"][name]["oneOf"][0]
        for schema, name in (
            ("UrgencyTargetInput", "resolve_within"),
            ("CommitmentInput", "check_in_every"),
            ("CommitmentInput", "grace"),
            ("MeasureInput", "ticket_within"),
        )
    }
    assert {name: (s["minimum"], s["maximum"]) for name, s in seconds.items()} == {
        "resolve_within": (1, 365 * 86400),
        "check_in_every": (86400, 92 * 86400),
        "grace": (0, 31 * 86400),
        "ticket_within": (1, 365 * 86400),
    }


def test_a_target_beyond_a_year_is_refused_naming_the_field(api, world):
    api.force_authenticate(world["users"]["admin"])
    targets = [{"priority": 1, "engage_within": "PT1H", "resolve_within": "P366D"}]
    response = api.put(f"/api/v1/agreements/{world['draft'].pk}/targets/", targets, format="json")
    assert errors(response) == {
        "targets[0].resolve_within": "Give a duration from 1 s to 365 days.",
    }
    assert not world["draft"].urgency_targets.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"grace": "P32D"}, "grace", "Give a duration from none to 31 days."),
        ({"check_in_every": "PT1H"}, "check_in_every", "Give a duration from 1 day to 92 days."),
        ({"check_in_every": 10**12}, "check_in_every", "Give a duration from 1 day to 92 days."),
    ],
)
def test_a_commitment_cadence_out_of_bounds_is_refused_naming_the_field(sla, change, field, message):
    payload = {"service": "payroll", "title": "x", "definition_of_done": "x", "due_on": "2027-01-01", **change}
    response = as_admin().post("/api/v1/commitments/", payload, format="json")
    assert errors(response) == {field: message}
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"min_points": 0}, "min_points", MIN_POINTS),
        ({"min_points": 10**20}, "min_points", MIN_POINTS),
        ({"ticket_priority": 6}, "ticket_priority", TICKET_PRIORITY),
    ],
)
def test_a_measure_count_out_of_bounds_is_refused_naming_the_field(api, world, change, field, message):
    api.force_authenticate(world["users"]["admin"])
    measure = add_measure(world["draft"], description="Staff are paid on time.")
    url = f"/api/v1/agreements/{world['draft'].pk}/measures/{measure.key}/"
    response = api.patch(url, change, format="json")
    assert errors(response)[field] == message
    measure.refresh_from_db()
    assert measure.min_points != 0 and measure.ticket_priority is None


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"page_size": "0"}, "page_size", "Give a whole number from 1 to 500, not '0'."),
        ({"page_size": "501"}, "page_size", "Give a whole number from 1 to 500, not '501'."),
        ({"page_size": "²"}, "page_size", "Give a whole number from 1 to 500, not '²'."),
        ({"page_size": "9" * 30}, "page_size", f"Give a whole number from 1 to 500, not '{'9' * 30}'."),
        ({"page": "0"}, "page", "Give a page number from 1, not '0'."),
        ({"page": "-1"}, "page", "Give a page number from 1, not '-1'."),
    ],
)
def test_a_page_out_of_bounds_is_refused_naming_the_parameter(query, field, message):
    """DRF quietly used its default page size (or 500) for these; a page number of 0 was a 404."""
    assert errors(as_admin().get("/api/v1/services/", query)) == {field: message}


def test_a_page_past_the_last_is_not_found():
    assert as_admin().get("/api/v1/services/", {"page": "99999999999999999999"}).status_code == 404
