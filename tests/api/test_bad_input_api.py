"""Bad input found by fuzzing the API (bench/api_fuzz.py): each answered with a 4xx naming the
problem, never a 500, and nothing written."""

import pytest
from rest_framework.test import APIClient

from sla.models import Ticket
from tests import factories as f
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA

pytestmark = pytest.mark.django_db


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
