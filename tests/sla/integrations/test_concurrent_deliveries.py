"""Deliveries of one ticket racing through different workers on PostgreSQL, each on its own
connection, in several orders with retries: the ticket, its events and its clocks end exactly
as with the same deliveries one after another, in order (issue 12). For Jira, ServiceNow and
Zendesk webhooks, signed as each tool signs, and for lists sent to POST /api/v1/ticket-events/
(answered 201 when derived at once, 202 when accepted and derived after commit).

Each test delivers one life of a ticket in order, then ROUNDS times again under other ticket
ids: first every delivery at once, latest first, two of them retried in the same moment; then
seeded shuffles with retried deliveries, sent in successive waves of 2-4 deliveries at once.
Run with DATABASE_URL=postgres://…"""

from __future__ import annotations

import json
import random

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.test import APIClient

from catalog import rules as roles
from sla.models import Clock, Ticket, TicketEvent
from tests import factories as f
from tests.catalog.test_concurrency import _run_together
from tests.sla.conftest import at
from tests.sla.integrations.lives import (
    CLOCK_FIELDS,
    EVENT_FIELDS,
    TICKET_FIELDS,
    Delivery,
    jira_deliveries,
    rest_deliveries,
    servicenow_deliveries,
    zendesk_deliveries,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOW = at(5, 12)
ROUNDS = 4
# new, taken, on hold, back at a higher priority, resolved, reopened by another agent, resolved again
LIFE = [("new", 2, 0), ("active", 2, 1), ("waiting", 2, 1), ("active", 1, 1), ("resolved", 1, 1)]
LIFE += [("active", 1, 2), ("resolved", 1, 2)]
# The same life as explicit events; sent in lists of 1, 3 and 2 events in turn.
REST_LIFE = ("assigned", "paused", "resumed", "priority_changed", "resolved", "reopened", "assigned", "resolved")
REST_SIZES = (1, 3, 2)
INLINE_MAX = 2  # SLA_TICKET_EVENTS_INLINE_MAX: the lists of 3 are accepted (202), derived after commit


@pytest.fixture(autouse=True)
def _now(time_machine):
    # Every thread's clock (time-machine patches the process): the clocks' computed_at and
    # next_check_at compare equal, and Zendesk's signatures stay fresh.
    time_machine.move_to(NOW, tick=False)


def plans(count: int, seed: int) -> list[list[list[int]]]:
    """ROUNDS orders of arrival of `count` deliveries, each as waves of deliveries sent at once."""
    latest_first = [*reversed(range(count)), 1, count - 2]
    found = [[latest_first]]
    rng = random.Random(seed)
    while len(found) < ROUNDS:
        order = [*range(count), *rng.choices(range(count), k=rng.randint(1, 3))]
        rng.shuffle(order)
        waves = []
        while order:
            size = rng.randint(2, 4)
            waves.append(order[:size])
            order = order[size:]
        found.append(waves)
    return found


def send(client: APIClient, delivery: Delivery) -> tuple[int, bytes]:
    path, body, headers = delivery
    response = client.post(path, data=body, content_type="application/json", **headers)
    return response.status_code, response.content


def outcome(external_id: str) -> dict:
    """The ticket, its events and its clocks, its id in the tool written <ticket>."""
    ticket = Ticket.objects.get(external_id=external_id)
    found = {
        "ticket": Ticket.objects.filter(pk=ticket.pk).values(*TICKET_FIELDS).get(),
        "events": list(
            TicketEvent.objects.filter(ticket=ticket).order_by("occurred_at", "sequence").values(*EVENT_FIELDS)
        ),
        "clocks": list(Clock.objects.filter(ticket=ticket).order_by("kind", "cycle").values(*CLOCK_FIELDS)),
    }
    return json.loads(json.dumps(found, cls=DjangoJSONEncoder).replace(external_id, "<ticket>"))


def assert_races_end_as_in_order(
    deliveries_of, ids: list[str], *, seed: int, client=APIClient, accepted=(200, 201)
) -> set[int]:
    """`deliveries_of(id)`: one life's deliveries for the ticket `id`; ids[0] gets them in order,
    each next id one plan of arrival. Each thread posts with its own client and connection.
    Returns the status codes the racing deliveries were answered with."""
    statuses: set[int] = set()
    in_order = deliveries_of(ids[0])
    for delivery in in_order:
        status, content = send(client(), delivery)
        assert status in accepted, content
    expected = outcome(ids[0])
    kinds = [event["kind"] for event in expected["events"]]
    assert kinds.count("resolved") == 2 and "reopened" in kinds, kinds
    for external_id, waves in zip(ids[1:], plans(len(in_order), seed), strict=True):
        deliveries = deliveries_of(external_id)
        for wave in waves:
            results = _run_together(*[lambda d=deliveries[i]: send(client(), d) for i in wave])
            refused = [r for r in results if isinstance(r, Exception) or r[0] not in accepted]
            assert not refused, (waves, refused)
            statuses.update(status for status, _ in results)
        assert outcome(external_id) == expected, f"arrival in waves {waves}"
    return statuses


def test_jira_deliveries_racing_in_any_order_end_as_in_order(jira):
    ids = [f"HR-{9000 + n}" for n in range(ROUNDS + 1)]
    assert_races_end_as_in_order(lambda key: jira_deliveries(LIFE, key), ids, seed=1)


def test_servicenow_snapshots_racing_in_any_order_end_as_in_order(servicenow):
    ids = [f"INC{90000 + n}" for n in range(ROUNDS + 1)]
    assert_races_end_as_in_order(lambda number: servicenow_deliveries(LIFE, number), ids, seed=2)


def test_zendesk_events_racing_in_any_order_end_as_in_order(zendesk):
    ids = [str(880000 + n) for n in range(ROUNDS + 1)]
    assert_races_end_as_in_order(lambda ticket: zendesk_deliveries(LIFE, signed_at=NOW, ticket=ticket), ids, seed=3)


def test_rest_lists_racing_through_the_endpoint_in_any_order_end_as_in_order(sla, settings):
    settings.SLA_TICKET_EVENTS_INLINE_MAX = INLINE_MAX
    desk = f.UserFactory(username="desk", roles=[roles.INTEGRATIONS])

    def client() -> APIClient:
        api = APIClient()
        api.force_authenticate(desk)
        return api

    ids = [f"RACE-{n}" for n in range(ROUNDS + 1)]
    statuses = assert_races_end_as_in_order(
        lambda number: rest_deliveries(REST_LIFE, REST_SIZES, number),
        ids,
        seed=4,
        client=client,
        accepted=(200, 201, 202),
    )
    assert {201, 202} <= statuses  # derived at once, and accepted then derived after commit
