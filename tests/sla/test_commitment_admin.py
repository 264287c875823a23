"""The commitments admin: made through commitment_create (bad input as form errors, nothing
saved), changed through commitment_update, the due date and closed commitments read-only,
check-ins and renegotiations shown as history."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from sla.models import Commitment
from sla.services import check_in_record, commitment_create, commitment_renegotiate, commitment_withdraw
from tests import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 13, 13, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin_client(client):
    client.force_login(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def service():
    return f.ServiceFactory(name="Payroll", slug="payroll")


def form(service, **changes):
    data = {
        "service": str(service.pk),
        "business_unit": "",
        "title": "Payslips online",
        "definition_of_done": "Everyone downloads their payslip.",
        "owner": str(service.service_owner_id),
        "committed_on": "2026-11-13",
        "due_on": "2026-12-18",
        "check_in_every": "7 00:00:00",
        "grace": "2 00:00:00",
        "check_ins-TOTAL_FORMS": "0",
        "check_ins-INITIAL_FORMS": "0",
        "renegotiations-TOTAL_FORMS": "0",
        "renegotiations-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_a_commitment_is_made_through_the_service(admin_client, service):
    response = admin_client.post(reverse("admin:sla_commitment_add"), form(service))
    assert response.status_code == 302, response.content.decode()[:3000]
    commitment = Commitment.objects.get()
    assert (commitment.title, commitment.due_on) == ("Payslips online", date(2026, 12, 18))
    assert commitment.history.get().history_user.username == "root"


def test_bad_input_comes_back_as_form_errors(admin_client, service):
    response = admin_client.post(
        reverse("admin:sla_commitment_add"), form(service, due_on="2026-11-01", check_in_every="01:00:00")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check in at least every 92 days and at most once a day." in page
    assert "The due date cannot be before the day it was committed." in page
    assert not Commitment.objects.exists()


def test_the_change_page_shows_status_and_history_and_keeps_the_due_date(admin_client, service):
    owner = service.service_owner
    commitment = commitment_create(
        service=service,
        actor=owner,
        title="Payslips online",
        definition_of_done="Everyone downloads their payslip.",
        owner=owner,
        committed_on=date(2026, 11, 2),
        due_on=date(2026, 11, 30),
    )
    check_in_record(commitment=commitment, actor=owner, percent_done=20, note="Design signed off.", now=NOW)
    commitment_renegotiate(commitment=commitment, actor=owner, new_due_on=date(2026, 12, 18), reason="Vendor delay.")
    url = reverse("admin:sla_commitment_change", args=[commitment.pk])
    page = admin_client.get(url).content.decode()
    assert "Design signed off." in page and "Vendor delay." in page
    assert "On track" in page or "At risk" in page
    data = form(service, title="Payslips for everyone", due_on="2027-03-01")
    del data["service"], data["committed_on"]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    commitment.refresh_from_db()
    assert (commitment.title, commitment.due_on) == ("Payslips for everyone", date(2026, 12, 18))

    commitment_withdraw(commitment=commitment, actor=owner, reason="Dropped.")
    response = admin_client.post(url, data)
    assert response.status_code == 403
    assert admin_client.get(url).status_code == 200  # still readable
