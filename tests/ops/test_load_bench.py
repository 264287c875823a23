"""What bench/load.py's integrations send is accepted whole by the API (201, every item created)
and a second list is new again: the load test's "stored == sent" rests on this."""

import itertools
import random

import pytest
from rest_framework.test import APIClient

from bench._load_payloads import SENDER_PREFIX, SOURCE, measurements, ticket_events
from catalog import rules as roles
from sla.models import Measurement, TicketEvent
from tests import factories as f
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA
from tests.sla.test_measurements import add_measure

pytestmark = pytest.mark.django_db


def test_the_load_tests_lists_are_stored_whole(sla):
    measure = add_measure(sla["agreement"])
    plan = {
        "services": [["payroll", "finance"]],
        "measures": [["payroll", measure.key, float(measure.valid_min or 0), float(measure.valid_max or 100)]],
    }
    api = APIClient()
    api.force_authenticate(f.UserFactory(username="load-bot", roles=[roles.INTEGRATIONS]))
    rng, numbers = random.Random(1), itertools.count()
    sent = {"events": 0, "points": 0}
    for _ in range(2):
        events, points = ticket_events(plan, rng, numbers), measurements(plan, rng, numbers)
        for url, body, counter in (
            ("/api/v1/ticket-events/", events, "events"),
            ("/api/v1/measurements/", points, "points"),
        ):
            response = api.post(url, body, format="json")
            assert response.status_code == 201, response.content[:500]
            assert response.json()["created"] == len(body)
            sent[counter] += len(body)
    assert TicketEvent.objects.filter(ticket__source=SOURCE).count() == sent["events"] == 40
    assert Measurement.objects.filter(sender_id__startswith=SENDER_PREFIX).count() == sent["points"] == 100
