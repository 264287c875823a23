"""Bad input to the portal's forms found by tests/test_form_fuzz.py: each is a form error or a
safe redirect, never a server error, and nothing is written."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Service
from sla.models import Alert, AlertState, Measurement, Renegotiation
from sla.services import commitment_create
from tests.portal.helpers import page_text
from tests.portal.test_sla_pages import board as board  # the fixture: tickets at risk and their alerts
from tests.portal.test_targets_pages import _form, _row, _stored
from tests.portal.test_targets_pages import always as always  # fixtures of the draft below
from tests.portal.test_targets_pages import draft as draft  # a draft with targets for P1 and P2
from tests.portal.test_targets_pages import office as office
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA
from tests.sla.test_measurements import add_measure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.mark.parametrize("back", ["alerts", "warnings", "https://elsewhere.example/"])
def test_acknowledging_with_a_next_that_is_not_a_path_here_returns_to_the_inbox(client, board, back):
    """redirect("alerts") looked for a view of that name and failed."""
    alert = Alert.objects.filter(ticket__external_id="SOONER").first()
    client.force_login(board["owner"])
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", {"next": back})
    assert response.status_code == 302 and response.url == "/alerts/"
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED


@pytest.mark.parametrize("posted", ["abc", "9", "-1"])
def test_a_targets_row_posted_with_a_priority_that_is_none_is_a_form_error(client, draft, owner, posted):
    """The rows are labelled by their own priority, not the posted one (int("abc") failed)."""
    client.force_login(owner)
    before = _stored(draft)
    data = _form(_row(1, engage_within="15 min", resolve_within="4h"))
    data["targets-0-priority"] = posted
    response = client.post(f"/agreements/{draft.pk}/targets/", data)
    text = page_text(response)
    assert "There is a problem" in text and "P1 – critical" in text
    assert f"Select a valid choice. {posted} is not one of the available choices." in text
    assert _stored(draft) == before


def test_a_targets_form_posted_with_a_row_too_many_is_a_form_error(client, draft, owner):
    client.force_login(owner)
    before = _stored(draft)
    data = _form(_row(1, engage_within="15 min", resolve_within="4h"))
    data["targets-TOTAL_FORMS"] = "6"
    text = page_text(client.post(f"/agreements/{draft.pk}/targets/", data))
    assert "Please submit at most 5 forms." in text
    assert _stored(draft) == before


def test_a_commitment_renegotiated_past_ten_years_is_a_form_error(client, owner, service, unit):
    with time_machine.travel(datetime(2026, 11, 13, 13, tzinfo=UTC), tick=False):
        commitment = commitment_create(
            service=service,
            actor=owner,
            title="Self-service payslips",
            definition_of_done="Every employee downloads their payslip.",
            owner=owner,
            business_unit=unit,
            due_on=date(2026, 11, 30),
        )
        client.force_login(owner)
        response = client.post(
            f"/commitments/{commitment.pk}/renegotiate/",
            {"renegotiate-new_due_on": "9999-12-31", "renegotiate-reason": "Never."},
        )
    assert "Promise a date within 10 years, by 13 Nov 2036." in page_text(response)
    assert not Renegotiation.objects.exists()


def test_a_service_form_choosing_an_id_too_large_for_the_database_is_a_form_error(client, admin, unit, service):
    """SQLite cannot compare such a number (OverflowError)."""
    client.force_login(admin)
    data = {
        "name": "Payroll",
        "category": service.category_id,
        "summary": "Pay.",
        "lifecycle": service.lifecycle,
        "criticality": "2",
        "service_owner": service.service_owner_id,
        "business_units": [unit.pk],
        "depends_on": ["9" * 30],
    }
    text = page_text(client.post(f"/services/{service.slug}/edit/", data))
    assert f"Select a valid choice. {'9' * 30} is not one of the available choices." in text
    assert not Service.objects.get(pk=service.pk).depends_on.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31"])
def test_a_measurement_entered_before_1970_is_a_form_error(client, sla, day, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    add_measure(sla["agreement"])
    client.force_login(sla["owner"])
    data = {"measure": "payslips-on-time", "value": "97.5", "measured_on": day, "at_time": "", "note": ""}
    text = page_text(client.post("/services/payroll/measurements/", data))
    assert f"{day} is before 1970; send measurements taken since then." in text
    assert not Measurement.objects.exists()


def test_an_upload_with_a_time_before_year_one_in_utc_names_its_line(client, sla, time_machine):
    """Stored by PostgreSQL before year 1, such a point made the page fail for good."""
    time_machine.move_to(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    add_measure(sla["agreement"])
    client.force_login(sla["owner"])
    content = b"measure,value,measured_at\npayslips-on-time,97,2026-11-02\npayslips-on-time,97,0001-01-01T00:00+14:00\n"
    upload = SimpleUploadedFile("points.csv", content, content_type="text/csv")
    response = client.post("/services/payroll/measurements/upload/", {"file": upload}, follow=True)
    assert "Line 3, measured_at: 0001-01-01T00:00:00+14:00 is before 1970; send measurements taken since then." in (
        page_text(response)
    )
    assert not Measurement.objects.exists()
