"""The alerts inbox for the person an alert is for (its owner: the ticket's assignee here): they
see it among their alerts, open it and acknowledge it, though they own no service; "Whose: Mine
to act on" narrows anyone's inbox; a page of the inbox costs the same queries however long."""

import pytest
import time_machine

from sla.models import Alert, AlertState
from sla.services import clocks_check_due, ticket_events_ingest
from tests import factories as f
from tests.portal.helpers import page_text
from tests.portal.test_sla_pages import table_rows
from tests.sla.conftest import at, event
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA

pytestmark = pytest.mark.django_db

NOW = at(2, 13, 30)  # Monday 2 November 2026


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def assigned(external_id, assignee_email, opened=None):
    """A P2 ticket of Payroll opened and assigned at 09:00: its resolve clock warns at 13:00."""
    opened = opened or at(2, 9)
    ticket_events_ingest(
        events=[
            event("opened", opened, external_id=external_id, service="payroll", business_unit="finance", priority=2),
            event("assigned", opened, external_id=external_id, assignee="Agent", assignee_email=assignee_email),
        ],
        now=opened,
    )


@pytest.fixture
def inbox(sla):
    alex = f.UserFactory(username="alex", email="alex@example.com", first_name="Alex", last_name="Agent")
    assigned("ALEX-1", "alex@example.com")
    assigned("KIM-1", "kim@vendor.example")
    clocks_check_due(now=NOW)
    with time_machine.travel(NOW, tick=False):
        yield {**sla, "alex": alex}


def test_the_assignee_sees_acknowledges_and_opens_the_alerts_of_their_tickets_only(client, inbox):
    alex = inbox["alex"]
    mine = Alert.objects.filter(ticket__external_id="ALEX-1")
    assert mine.exists() and Alert.objects.filter(ticket__external_id="KIM-1").exists()
    client.force_login(alex)

    rows = table_rows(client.get("/alerts/"))
    assert len(rows) == mine.count()
    assert all("ALEX-1" in row[3] for row in rows)
    badge = page_text(client.get("/alerts/badge/"))
    assert f'<span class="nav-count">{mine.count()}<span class="visually-hidden"> open</span>' in badge

    alert = mine.first()
    page = page_text(client.get(f"/alerts/{alert.pk}/"))
    assert "<dt>Owner</dt><dd>Alex Agent</dd>" in page
    assert f'action="/alerts/{alert.pk}/acknowledge/"' in page
    response = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == (AlertState.ACKNOWLEDGED, alex)

    other = Alert.objects.filter(ticket__external_id="KIM-1").first()
    assert client.get(f"/alerts/{other.pk}/").status_code == 404
    assert client.post(f"/alerts/{other.pk}/acknowledge/").status_code == 404


def test_mine_narrows_the_inbox_to_the_alerts_to_act_on(client, inbox):
    everything = Alert.objects.count()
    client.force_login(inbox["owner"])  # Payroll's owner: all of them are theirs to act on
    assert len(table_rows(client.get("/alerts/?mine=1"))) == everything

    client.force_login(inbox["service"].business_owner)  # told, not acting
    assert len(table_rows(client.get("/alerts/"))) == everything
    assert "No alert matches these filters." in page_text(client.get("/alerts/?mine=1"))

    admin = f.admin_user(username="ada")
    client.force_login(admin)
    assert len(table_rows(client.get("/alerts/"))) == everything
    assert "No alert matches these filters." in page_text(client.get("/alerts/?mine=1"))
    page = page_text(client.get("/alerts/?mine=nonsense"))  # ignored, with the field's error
    assert "Select a valid choice." in page


def test_the_inbox_takes_the_same_queries_for_a_few_or_many_alerts(client, inbox, django_assert_max_num_queries):
    client.force_login(inbox["alex"])
    with django_assert_max_num_queries(7):  # session, user, groups, services for the filter, count, page
        few = len(table_rows(client.get("/alerts/?mine=1")))
    for n in range(2, 12):
        assigned(f"ALEX-{n}", "alex@example.com", opened=at(2, 9, n))
    clocks_check_due(now=NOW)
    with django_assert_max_num_queries(7):
        many = len(table_rows(client.get("/alerts/?mine=1")))
    assert many > few
