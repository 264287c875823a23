"""Order of arrival does not matter: for every order (and every repetition) of a ticket's
deliveries, the ticket, its events and its clocks end exactly as when they came in order, for
Jira, ServiceNow and Zendesk webhooks and for the REST ticket-events endpoint.

Each vendor's deliveries are a random life of the ticket (states, priorities, assignees at
increasing times, as the tool sends them); hypothesis then picks the order they arrive in and
which ones are retried. Every run of a life is rolled back, so the in-order run and the
shuffled run start from the same database."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import rules as roles
from sla.models import Clock, Ticket, TicketEvent
from tests import factories as f
from tests.sla.conftest import at
from tests.sla.integrations.lives import (
    CLOCK_FIELDS,
    EVENT_FIELDS,
    REST_KINDS,
    STATES,
    TICKET_FIELDS,
    jira_deliveries,
    rest_deliveries,
    servicenow_deliveries,
    zendesk_deliveries,
)

NOW = at(5, 12)
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# A life (tests/sla/integrations/lives.py), ended by its first "closed".
steps = st.tuples(st.sampled_from(STATES), st.integers(1, 4), st.integers(0, 2))
lives = st.lists(steps, min_size=2, max_size=6).map(
    lambda life: life[: next((n + 1 for n, step in enumerate(life) if step[0] == "closed"), len(life))]
)


def arrivals(n: int):
    """An order of arrival of n deliveries, some of them more than once."""
    return st.lists(st.integers(0, n - 1), max_size=3).flatmap(lambda extra: st.permutations([*range(n), *extra]))


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


class _Rollback(Exception):
    pass


def outcome(api, deliveries, order) -> dict:
    """Deliver in `order`, read the ticket, its events and its clocks, and roll it all back."""
    found: dict = {}
    try:
        with transaction.atomic():
            for index in order:
                path, body, headers = deliveries[index]
                response = api.post(path, data=body, content_type="application/json", **headers)
                assert response.status_code in (200, 201), response.content
            found["tickets"] = list(Ticket.objects.values(*TICKET_FIELDS))
            found["events"] = list(TicketEvent.objects.order_by("occurred_at", "sequence").values(*EVENT_FIELDS))
            found["clocks"] = list(Clock.objects.order_by("kind", "cycle").values(*CLOCK_FIELDS))
            raise _Rollback
    except _Rollback:
        pass
    return found


def assert_order_free(api, deliveries, order):
    in_order = outcome(api, deliveries, sorted(set(order)))
    assert in_order["tickets"] and in_order["events"]
    assert outcome(api, deliveries, order) == in_order


# --- ServiceNow ---------------------------------------------------------------------------


@EXAMPLES
@given(data=st.data(), life=lives)
def test_servicenow_snapshots_in_any_order(api, servicenow, data, life):
    deliveries = servicenow_deliveries(life)
    assert_order_free(api, deliveries, data.draw(arrivals(len(deliveries))))


# --- Zendesk ------------------------------------------------------------------------------


@EXAMPLES
@given(data=st.data(), life=lives)
def test_zendesk_events_in_any_order(api, zendesk, data, life):
    deliveries = zendesk_deliveries(life, signed_at=NOW)
    assert_order_free(api, deliveries, data.draw(arrivals(len(deliveries))))


# --- Jira ---------------------------------------------------------------------------------


@EXAMPLES
@given(data=st.data(), life=lives)
def test_jira_deliveries_in_any_order(api, jira, data, life):
    deliveries = jira_deliveries(life)
    assert_order_free(api, deliveries, data.draw(arrivals(len(deliveries))))


# --- REST ---------------------------------------------------------------------------------


@EXAMPLES
@given(data=st.data(), kinds=st.lists(st.sampled_from(REST_KINDS), min_size=1, max_size=7), batch=st.integers(1, 3))
def test_rest_events_in_any_order(api, sla, data, kinds, batch):
    api.force_authenticate(f.UserFactory(username="desk", roles=[roles.INTEGRATIONS]))
    deliveries = rest_deliveries(kinds, batch)
    assert_order_free(api, deliveries, data.draw(arrivals(len(deliveries))))
