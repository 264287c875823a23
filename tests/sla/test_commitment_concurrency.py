"""Races on PostgreSQL: two periodic passes at once, and a delivery racing the pass that records
the commitment missed. Each worker runs on its own connection (tests/catalog/test_concurrency.py)."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from sla.models import Alert, AlertKind, Commitment, CommitmentOutcome
from sla.services import commitment_create, commitment_deliver, commitments_check
from tests import factories as f
from tests.catalog.test_concurrency import _run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAST_GRACE = datetime(2026, 12, 4, 9, tzinfo=UTC)  # due 30 Nov, 2 days' grace: over on 3 Dec


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def make(count: int) -> list[Commitment]:
    owner = f.service_owner()
    service = f.ServiceFactory(service_owner=owner)
    return [
        commitment_create(
            service=service,
            actor=owner,
            title=f"Result {n}",
            definition_of_done="Done.",
            owner=owner,
            committed_on=date(2026, 11, 2),
            due_on=date(2026, 11, 30),
            now=datetime(2026, 11, 2, 9, tzinfo=UTC),
        )
        for n in range(count)
    ]


def test_two_passes_at_once_close_each_commitment_once_and_alert_once():
    commitments = make(30)
    results = _run_together(*[lambda: commitments_check(now=PAST_GRACE, chunk_size=7)] * 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.closed_missed for r in results) == 30
    assert Commitment.objects.filter(outcome=CommitmentOutcome.MISSED).count() == 30
    assert Alert.objects.filter(kind=AlertKind.COMMITMENT_MISSED).count() == 30
    for commitment in commitments:
        assert commitment.history.count() == 2  # made, recorded missed: once


def test_a_delivery_racing_the_pass_wins_or_is_refused_never_both():
    [commitment] = make(1)
    owner = commitment.owner
    deliver = lambda: commitment_deliver(commitment=commitment, actor=owner, now=PAST_GRACE)  # noqa: E731
    delivered, checked = _run_together(deliver, lambda: commitments_check(now=PAST_GRACE))
    commitment.refresh_from_db()
    if isinstance(delivered, ValidationError):
        assert commitment.outcome == CommitmentOutcome.MISSED and checked.closed_missed == 1
    else:
        assert commitment.outcome == CommitmentOutcome.DELIVERED and checked.closed_missed == 0
    assert commitment.history.count() == 2
