"""Races on PostgreSQL: two overdue checks at once, and a call recorded while the check runs.
Each worker runs on its own connection (tests/catalog/test_concurrency.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import FollowUp, FollowUpState, Response
from feedback.services.follow_ups import follow_up_contacted, follow_ups_check
from sla.models import Alert, AlertKind, AlertState
from tests import factories as f
from tests.catalog.test_concurrency import _run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ANSWERED = datetime(2026, 11, 2, 10, tzinfo=UTC)
LATER = datetime(2026, 11, 9, 10, tzinfo=UTC)  # every follow-up overdue


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def make(count: int) -> list[FollowUp]:
    service = f.ServiceFactory(service_owner=f.service_owner())
    follow_ups = []
    for number in range(count):
        response = Response.objects.create(
            service=service, nps=1, respondent_email=f"p{number}@example.com", submitted_at=ANSWERED
        )
        follow_ups.append(
            FollowUp.objects.create(
                response=response, service=service, owner=service.service_owner, due_at=ANSWERED + timedelta(days=2)
            )
        )
    return follow_ups


def test_two_checks_at_once_raise_each_alert_once():
    make(30)
    # Each pass at its own instant, as in life (alerts_raise tells apart its own rows by it).
    results = _run_together(
        lambda: follow_ups_check(LATER, chunk_size=7),
        lambda: follow_ups_check(LATER + timedelta(microseconds=1), chunk_size=7),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.raised for r in results) == 30
    assert Alert.objects.filter(kind=AlertKind.FOLLOW_UP_OVERDUE, state=AlertState.OPEN).count() == 30


@pytest.mark.parametrize("attempt", range(3))
def test_a_call_recorded_during_the_check_leaves_no_live_alert(attempt):
    [follow_up] = make(1)
    owner = follow_up.owner
    contacted, checked = _run_together(
        lambda: follow_up_contacted(follow_up=follow_up, actor=owner, outcome="Called", now=LATER),
        lambda: follow_ups_check(LATER),
    )
    assert not isinstance(contacted, Exception), contacted
    assert not isinstance(checked, Exception), checked
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.CONTACTED
    assert not Alert.objects.filter(kind=AlertKind.FOLLOW_UP_OVERDUE, state=AlertState.OPEN).exists()
