"""Unanswered requests past 10 business days: one alert each in the one inbox, on the board,
resolved when answered; the periodic check is idempotent."""

from datetime import UTC, datetime, timedelta

import pytest

from catalog.alignment import answers, services, status
from catalog.alignment.alerts import alignment_check
from catalog.alignment.tasks import check_alignment
from sla.models import Alert, AlertKind, AlertState
from sla.notifications.recipients import alert_recipients
from sla.risks.selectors import board_items

pytestmark = pytest.mark.django_db

REQUESTED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DUE = status.request_due_at(REQUESTED)


@pytest.fixture(autouse=True)
def _no_sending(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.fixture
def request_(world):
    return services.missing_service_request_create(
        unit=world["unit"], actor=world["rep"], title="Rota spreadsheet", source="run", now=REQUESTED
    )


def test_no_alert_until_ten_business_days_have_passed(request_):
    assert alignment_check(DUE).raised == 0
    assert not Alert.objects.exists()


def test_one_alert_for_the_owner_raised_once(world, request_):
    first = alignment_check(DUE + timedelta(minutes=1))
    again = alignment_check(DUE + timedelta(hours=2))
    assert (first.raised, again.raised) == (1, 0)
    alert = Alert.objects.get()
    assert (alert.kind, alert.owner, alert.service, alert.due_at) == (
        AlertKind.ALIGNMENT_REQUEST_OVERDUE,
        world["manager"],
        None,
        DUE,
    )
    assert "Sales" in alert.subject and "Rota spreadsheet" in alert.subject
    assert [r.email for r in alert_recipients(alert)] == [world["manager"].email]


def test_on_the_board_of_its_owner_filtered_by_unit_and_kind(world, request_):
    alignment_check(DUE + timedelta(minutes=1))
    now = DUE + timedelta(hours=1)
    (item,) = board_items(user=world["manager"], now=now, business_unit=world["unit"], kind="alignment")
    assert item.kind_label == "Catalogue requests" and item.standing.gone == 1.0
    assert board_items(user=world["manager"], now=now, business_unit=world["other_unit"]) == []
    assert board_items(user=world["rep"], now=now) == []  # the business reads the request, not IT's inbox


def test_answering_resolves_it_in_the_same_transaction(world, request_):
    alignment_check(DUE + timedelta(minutes=1))
    answers.missing_service_request_answer(
        request=request_, actor=world["it"], outcome="declined", answer="Use the rota module of HR."
    )
    assert Alert.objects.get().state == AlertState.RESOLVED
    assert alignment_check(DUE + timedelta(days=2)).raised == 0


def test_a_request_deleted_or_answered_elsewhere_is_resolved_by_the_check(world, request_):
    alignment_check(DUE + timedelta(minutes=1))
    request_.delete()
    assert alignment_check(DUE + timedelta(hours=1)).resolved == 1
    assert Alert.objects.get().state == AlertState.RESOLVED


def test_reassigning_moves_the_live_alert(world, request_):
    alignment_check(DUE + timedelta(minutes=1))
    services.missing_service_request_assign(request=request_, owner=world["it"])
    assert Alert.objects.get().owner == world["it"]


def test_the_task_runs_the_check_and_writes_todays_snapshots(world, request_):
    result = check_alignment.apply().get()
    assert result["raised"] == 1  # made in March 2026, long overdue by now
    assert result["snapshots"] == 2  # today's row of both units (Sales' last one is of March)
    assert check_alignment.apply().get() == {"checked": 1, "raised": 0, "resolved": 0, "snapshots": 0}
