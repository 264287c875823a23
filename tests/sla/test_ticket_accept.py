"""Large batches of ticket events accepted then derived (issue 12): a list longer than
SLA_TICKET_EVENTS_INLINE_MAX is checked as a small one is (the same 400s), stored pending and
answered 202; a worker derives the tickets, events and clocks exactly as the synchronous path
would have, once, however often it runs; a sweep derives what a lost message left pending; what
a worker cannot derive is recorded, not lost."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django_celery_beat.models import PeriodicTask
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from catalog import rules as roles
from config.ops.health import backlog
from sla.admin_operations import TicketObservationAdmin
from sla.models import Clock, Ticket, TicketEvent, TicketObservation
from sla.services.ticket_derivation import observations_failed_retry, ticket_observations_derive
from sla.tasks.ticket_derivation import derive_pending_observations, derive_ticket_observations
from tests import factories as f
from tests.sla.conftest import at
from tests.sla.integrations.lives import CLOCK_FIELDS, EVENT_FIELDS, REST_KINDS, TICKET_FIELDS, rest_deliveries
from tests.sla.integrations.test_delivery_order import EXAMPLES, arrivals

NOW = at(5, 12)
URL = "/api/v1/ticket-events/"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.fixture
def desk(sla):
    api = APIClient()
    api.force_authenticate(f.UserFactory(username="desk", roles=[roles.INTEGRATIONS]))
    return api


@pytest.fixture
def inline(settings):
    """Lists of more than this many events are accepted and derived on a worker."""

    def set_to(value: int) -> None:
        settings.SLA_TICKET_EVENTS_INLINE_MAX = value

    set_to(2)
    return set_to


def opened(number="INC-1", when="2026-11-02T09:00:00Z", **extra):
    return {
        "source": "desk",
        "external_id": number,
        "kind": "opened",
        "occurred_at": when,
        "idempotency_key": f"{number}:opened",
        "service": "payroll",
        "business_unit": "finance",
        "priority": 2,
        "title": "Payslips missing",
        **extra,
    }


def later(number, kind, when, key=None, **extra):
    return {
        "source": "desk",
        "external_id": number,
        "kind": kind,
        "occurred_at": when,
        "idempotency_key": key or f"{number}:{kind}:{when}",
        **extra,
    }


def life(number="INC-1"):
    return [
        opened(number),
        later(number, "assigned", "2026-11-02T09:20:00Z", assignee="Bo"),
        later(number, "paused", "2026-11-02T10:00:00Z"),
        later(number, "resumed", "2026-11-02T11:00:00+01:00"),
        later(number, "resolved", "2026-11-02T15:00:00Z"),
    ]


def state() -> dict:
    return {
        "tickets": list(Ticket.objects.order_by("external_id").values("external_id", *TICKET_FIELDS)),
        "events": list(
            TicketEvent.objects.order_by("ticket__external_id", "occurred_at", "sequence").values(*EVENT_FIELDS)
        ),
        "clocks": list(Clock.objects.order_by("ticket__external_id", "kind", "cycle").values(*CLOCK_FIELDS)),
    }


class _Rollback(Exception):
    pass


def rolled_back(action) -> dict:
    """What `action` leaves in the database, then undone."""
    found: dict = {}
    try:
        with transaction.atomic():
            action()
            found.update(state())
            raise _Rollback
    except _Rollback:
        pass
    return found


def test_a_large_batch_is_stored_and_answered_202_then_derived_as_a_small_one_is(desk, inline):
    batch = [*life("INC-1"), *life("INC-2")]
    inline(1000)
    synchronous = rolled_back(lambda: desk.post(URL, batch, format="json"))
    assert len(synchronous["tickets"]) == 2 and len(synchronous["clocks"]) >= 4

    inline(2)
    response = desk.post(URL, batch, format="json")
    assert response.status_code == 202, response.content
    assert response.json() == {"created": 10, "duplicates": 0, "tickets": 2}
    assert TicketObservation.objects.filter(pending=True, ticket__isnull=True).count() == 10
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()  # nothing derived yet

    result = derive_ticket_observations([["desk", "INC-1"], ["desk", "INC-2"]])
    assert result == {"derived": 10, "failed": 0}
    assert state() == synchronous
    assert not TicketObservation.objects.filter(pending=True).exists()
    assert TicketObservation.objects.filter(ticket__isnull=True).count() == 0

    # Run again (a retried message, the sweep, a second worker): nothing left to do, nothing changes.
    assert derive_ticket_observations([["desk", "INC-1"], ["desk", "INC-2"]]) == {"derived": 0, "failed": 0}
    assert state() == synchronous

    # A replay of the batch: every event known, nothing stored.
    response = desk.post(URL, batch, format="json")
    assert response.status_code == 202
    assert response.json() == {"created": 0, "duplicates": 10, "tickets": 0}
    assert TicketObservation.objects.count() == 10


def test_the_task_is_queued_after_commit_and_runs_on_a_worker(desk, inline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # Celery eager in tests
        response = desk.post(URL, life(), format="json")
    assert response.status_code == 202
    assert len(callbacks) == 1
    ticket = Ticket.objects.get()
    assert ticket.state == "resolved" and ticket.events.count() == 5
    assert not TicketObservation.objects.filter(pending=True).exists()


def test_small_lists_and_single_events_are_still_derived_in_the_request(desk, inline):
    inline(2)
    response = desk.post(URL, life()[:2], format="json")
    assert response.status_code == 201
    assert response.json()["tickets_created"] == 1
    assert Ticket.objects.get().assignee == "Bo"


def test_a_small_batch_derives_what_a_large_one_left_pending(desk, inline):
    assert desk.post(URL, life()[:4], format="json").status_code == 202
    response = desk.post(URL, life()[4:], format="json")
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().state == "resolved" and TicketEvent.objects.count() == 5
    assert not TicketObservation.objects.filter(pending=True).exists()
    assert ticket_observations_derive(keys=[("desk", "INC-1")]).derived == 0


def test_the_sweep_derives_what_a_lost_message_left_pending(desk, inline, time_machine):
    # In a test transaction the on-commit enqueue never runs: as if the message were lost.
    assert desk.post(URL, life(), format="json").status_code == 202
    assert backlog().observations_pending == 5
    assert derive_pending_observations() == {"derived": 0, "failed": 0}  # younger than the grace: its task's
    time_machine.move_to(NOW + timedelta(minutes=2), tick=False)
    assert backlog(now=NOW + timedelta(minutes=2)).derivation_lag == timedelta(minutes=2)
    assert derive_pending_observations() == {"derived": 5, "failed": 0}
    assert Ticket.objects.get().state == "resolved"
    assert backlog().observations_pending == 0 and backlog().derivation_lag == timedelta(0)
    derived = state()

    # The next minute's sweep (or one overlapping it): nothing left, nothing changes.
    assert derive_pending_observations() == {"derived": 0, "failed": 0}
    assert state() == derived


def test_the_sweep_is_scheduled_every_minute(db):
    task = PeriodicTask.objects.get(task="sla.derive_pending_observations")
    assert task.enabled and task.interval.every == 1 and task.interval.period == "minutes"


def test_pending_and_failed_observations_are_in_the_metrics(desk, inline, client):
    desk.post(URL, life(), format="json")
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "accord_ticket_observations_pending 5.0" in body
    assert "accord_ticket_derivation_lag_seconds 0.0" in body
    assert "accord_ticket_observations_failed 0.0" in body


# --- The same 400s as a small batch ---------------------------------------------------------


def stored_ticket(desk):
    desk.post(URL, opened("INC-7"), format="json")


def pending_ticket(desk):
    """Accepted, not derived yet (derived at once when the comparison runs synchronously)."""
    batch = [opened("INC-7"), later("INC-7", "assigned", "2026-11-02T09:30:00Z"), opened("X")]
    assert desk.post(URL, batch, format="json").status_code in (201, 202)


PADDING = [later("INC-8", "customer_updated", "2026-11-03T10:00:00Z", key=f"pad{n}") for n in range(3)]
BAD = {
    "second opening, stored ticket": (stored_ticket, [*PADDING, opened("INC-7", idempotency_key="again")]),
    "second opening, pending ticket": (pending_ticket, [*PADDING, opened("INC-7", idempotency_key="again")]),
    "two openings in the batch": (None, [opened("INC-7"), *PADDING, opened("INC-7", idempotency_key="b")]),
    "before the batch's opening": (
        None,
        [opened("INC-7"), later("INC-7", "resolved", "2026-11-02T08:00:00+01:00"), *PADDING],
    ),
    "before the stored opening": (stored_ticket, [*PADDING, later("INC-7", "resolved", "2026-11-02T08:59:00Z")]),
    "before the pending opening": (pending_ticket, [*PADDING, later("INC-7", "resolved", "2026-11-02T08:59:00Z")]),
    "an opening before the stored one": (
        stored_ticket,
        [*PADDING, opened("INC-7", when="2026-11-02T08:00:00Z", idempotency_key="earlier")],
    ),
    "a new ticket without a service": (None, [*PADDING, opened("INC-7", service=None, business_unit=None)]),
    "an unknown service": (None, [*PADDING, opened("INC-7", service="nope")]),
    "an impossible date": (None, [*PADDING, later("INC-7", "resolved", "2026-02-30T10:00:00Z")]),
    "no priority on an opening": (None, [*PADDING, opened("INC-7", priority=None)]),
}


@pytest.mark.parametrize("case", BAD)
def test_large_batches_get_the_same_400s_as_small_ones(desk, inline, case):
    before, batch = BAD[case]
    batch = [{k: v for k, v in event.items() if v is not None} for event in batch]
    answers = []
    for limit in (1000, 2):
        inline(limit)
        try:
            with transaction.atomic():
                if before:
                    before(desk)
                count = TicketObservation.objects.count()
                response = desk.post(URL, batch, format="json")
                assert TicketObservation.objects.count() == count  # nothing stored
                answers.append((response.status_code, response.json()))
                raise _Rollback
        except _Rollback:
            pass
    assert answers[0][0] == 400, answers[0]
    assert answers[1] == answers[0]


# --- Accepted then derived, in any order: as in order, synchronously ------------------------


@EXAMPLES
@given(data=st.data(), kinds=st.lists(st.sampled_from(REST_KINDS), min_size=1, max_size=7), batch=st.integers(1, 3))
def test_accepted_batches_in_any_order_end_as_synchronous_ones_in_order(desk, inline, data, kinds, batch):
    deliveries = rest_deliveries(kinds, batch)
    order = data.draw(arrivals(len(deliveries)))
    derive_after = data.draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))

    def in_order():
        inline(1000)
        for index in sorted(set(order)):
            path, body, _ = deliveries[index]
            assert desk.post(path, data=body, content_type="application/json").status_code in (200, 201)

    def accepted():
        inline(0)
        for index, derive in zip(order, derive_after, strict=True):
            path, body, _ = deliveries[index]
            response = desk.post(path, data=body, content_type="application/json")
            assert response.status_code == 202, response.content
            assert response.json()["created"] + response.json()["duplicates"] == len(json.loads(body))
            if derive:
                ticket_observations_derive(keys=[("desk", "INC-9")])
        ticket_observations_derive(keys=[("desk", "INC-9")])

    expected = rolled_back(in_order)
    assert expected["tickets"] and expected["events"]
    assert rolled_back(accepted) == expected


# --- What a worker cannot derive is recorded ------------------------------------------------


def test_a_delivery_refused_on_the_worker_is_recorded_with_its_reason(desk, inline, sla):
    f.ServiceFactory(slug="kiosk", service_owner=sla["owner"], business_units=[sla["unit"]])
    batch = [opened("K-1", service="kiosk"), *life("INC-1")]
    assert desk.post(URL, batch, format="json").status_code == 202
    from catalog.models import Service

    Service.objects.filter(slug="kiosk").delete()  # between the answer and the worker

    result = ticket_observations_derive(keys=[("desk", "K-1"), ("desk", "INC-1")])
    assert (result.derived, result.failed) == (5, 1)  # the other ticket is derived all the same
    refused = TicketObservation.objects.get(external_id="K-1")
    assert refused.failure == "service: Unknown service 'kiosk'."
    assert not refused.pending
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["INC-1"]
    assert backlog().observations_failed == 1
    assert ticket_observations_derive(keys=[("desk", "K-1")]).failed == 0  # recorded once, not retried
    # Once the cause is fixed a resend is a duplicate; the admin derives the refused one again.
    f.ServiceFactory(slug="kiosk", service_owner=sla["owner"], business_units=[sla["unit"]])
    assert desk.post(URL, batch, format="json").json()["duplicates"] == 6
    assert "derive_again" in TicketObservationAdmin.actions
    assert observations_failed_retry(observation_ids=[refused.pk]) == 1
    assert ticket_observations_derive(keys=[("desk", "K-1")]).derived == 1
    assert Ticket.objects.get(external_id="K-1").service.slug == "kiosk"
    assert backlog().observations_failed == 0


def test_a_ticket_that_fails_outright_does_not_hold_up_the_others(desk, inline, monkeypatch):
    assert desk.post(URL, [*life("INC-1"), *life("INC-2")], format="json").status_code == 202
    from sla.services import ticket_derivation

    real = ticket_derivation.histories_apply

    def broken(**kwargs):
        if ("desk", "INC-2") in kwargs["opened"]:
            raise RuntimeError("bad data")
        return real(**kwargs)

    monkeypatch.setattr(ticket_derivation, "histories_apply", broken)
    assert derive_ticket_observations([["desk", "INC-1"], ["desk", "INC-2"]]) == {"derived": 5, "failed": 5}
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["INC-1"]
    failures = set(TicketObservation.objects.filter(external_id="INC-2").values_list("failure", flat=True))
    assert failures == {"Could not be derived (RuntimeError: bad data)"}


def test_a_chunk_out_of_time_is_left_pending_for_the_sweep(desk, inline, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    assert desk.post(URL, [*life("INC-1"), *life("INC-2")], format="json").status_code == 202

    def out_of_time(**kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr("sla.tasks.ticket_derivation.ticket_observations_derive", out_of_time)
    with pytest.raises(SoftTimeLimitExceeded):
        derive_ticket_observations([["desk", "INC-1"], ["desk", "INC-2"]])
    assert TicketObservation.objects.filter(pending=True).count() == 10
    assert not TicketObservation.objects.exclude(failure="").exists()


def test_an_events_stored_content_leaves_out_what_its_row_holds(desk, inline):
    """Source, external_id and idempotency key are the observation's own columns: its stored
    content does not repeat them, whether the batch was accepted or derived in the request."""
    assert desk.post(URL, life("INC-1"), format="json").status_code == 202
    inline(1000)
    assert desk.post(URL, life("INC-2"), format="json").status_code == 201
    contents = dict(TicketObservation.objects.values_list("key", "content"))
    assert len(contents) == 10
    for content in contents.values():
        assert not {"source", "external_id", "idempotency_key"} & content.keys(), content
    assert contents["INC-1:opened"] == {
        "kind": "opened",
        "occurred_at": "2026-11-02T09:00:00+00:00",
        "service": "payroll",
        "business_unit": "finance",
        "priority": 2,
        "title": "Payslips missing",
    }


def test_events_stored_with_their_whole_content_are_derived_as_before(desk, inline):
    """Rows stored before the content left those fields out derive the same tickets."""
    assert desk.post(URL, life("INC-1"), format="json").status_code == 202
    slim = rolled_back(lambda: ticket_observations_derive(keys=[("desk", "INC-1")]))
    for row in TicketObservation.objects.all():
        row.content = {"source": row.source, "external_id": row.external_id, "idempotency_key": row.key, **row.content}
        row.save(update_fields=["content"])
    ticket_observations_derive(keys=[("desk", "INC-1")])
    assert state() == slim
    assert len(slim["events"]) == 5
