"""A large batch of ticket events accepted by the API, its tickets derived by a real Celery
worker on Redis: by the task the endpoint queues (keys as JSON), and by the sweep when that
message was lost. Needs PostgreSQL and Redis (REDIS_URL), as tests/sla/test_end_to_end.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from catalog import rules as roles
from sla.models import Ticket, TicketObservation
from tests import factories as f
from tests.sla.test_ticket_accept import life
from tests.sla.workers import needs_worker, send_to_worker, workers

pytestmark = [*needs_worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_worker_derives_an_accepted_batch_and_the_sweep_what_was_left(sla, settings, monkeypatch):
    settings.SLA_TICKET_EVENTS_INLINE_MAX = 2
    monkeypatch.setattr("sla.services.ticket_accept.derivation_enqueue", lambda keys: None)  # the message lost
    api = APIClient()
    api.force_authenticate(f.UserFactory(username="desk", roles=[roles.INTEGRATIONS]))
    assert api.post("/api/v1/ticket-events/", [*life("W-1"), *life("W-2")], format="json").status_code == 202
    # Accepted long enough ago for the sweep (it leaves the last 30 s to their own tasks).
    TicketObservation.objects.filter(external_id="W-2").update(
        received_at=TicketObservation.objects.get(key="W-2:opened").received_at - timedelta(minutes=5)
    )
    assert not Ticket.objects.exists()
    with workers() as start:
        worker = start()
        send_to_worker("sla.derive_ticket_observations", keys=[["desk", "W-1"]])
        worker.wait_for(lambda: Ticket.objects.filter(external_id="W-1").exists(), "the task to derive W-1")
        assert not Ticket.objects.filter(external_id="W-2").exists()
        send_to_worker("sla.derive_pending_observations")
        worker.wait_for(lambda: Ticket.objects.filter(external_id="W-2").exists(), "the sweep to derive W-2")
    assert set(Ticket.objects.values_list("state", flat=True)) == {"resolved"}
    assert not TicketObservation.objects.filter(pending=True).exists()
