"""What bench/load.py's integrations send: lists of ticket events and of data points, valid and
new each time (fresh ticket numbers and sender ids), for the services and measures of the plan.
No locust here, so tests/ops/test_load_bench.py can post them through the API."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

EVENTS_PER_REQUEST = 20  # 4 tickets: opened, assigned, customer_updated, customer_updated, resolved
POINTS_PER_REQUEST = 50
STEPS = ("opened", "assigned", "customer_updated", "customer_updated", "resolved")
SOURCE = "loadtest"  # the tickets' source, to count what was stored
SENDER_PREFIX = "load-"  # the data points' sender ids, likewise


def ticket_events(plan: dict, rng: random.Random, numbers: Iterator[int]) -> list[dict]:
    now = datetime.now(UTC).replace(microsecond=0)
    events = []
    for _ in range(EVENTS_PER_REQUEST // len(STEPS)):
        ticket = f"LOAD{next(numbers):08d}"
        service, unit = rng.choice(plan["services"])
        opened = now - timedelta(hours=rng.randint(1, 48))
        for step, kind in enumerate(STEPS):
            event = {
                "source": SOURCE,
                "external_id": ticket,
                "kind": kind,
                "occurred_at": (opened + timedelta(minutes=15 * step)).isoformat(),
                "idempotency_key": f"{ticket}:{step}",
            }
            if kind == "opened":
                event.update(service=service, business_unit=unit, impact=rng.randint(1, 3), urgency=2, title="Load")
            events.append(event)
    return events


def measurements(plan: dict, rng: random.Random, numbers: Iterator[int]) -> list[dict]:
    now = datetime.now(UTC).replace(microsecond=0)
    points = []
    for _ in range(POINTS_PER_REQUEST):
        service, key, low, high = rng.choice(plan["measures"])
        points.append(
            {
                "service": service,
                "measure": key,
                "value": round(rng.uniform(low, high), 2),
                "measured_at": (now - timedelta(minutes=rng.randint(1, 60 * 24 * 7))).isoformat(),
                "sender_id": f"{SENDER_PREFIX}{next(numbers):09d}",
            }
        )
    return points
