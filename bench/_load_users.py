"""The people and tools of bench/load.py, run by locust as a library in a process of its own
(locust patches the standard library with gevent at import; the orchestrator keeps Django's).

    python bench/_load_users.py PLAN.json RESULT.json

PLAN: {"host", "seconds", "integrations", "readers", "max_events", "max_measurements", "key",
"sessions": [...], "services": [[service, unit], ...], "pages": [...], "measures": [[service, key,
low, high], ...]}. RESULT: per request kind, the count, failures, requests/s and percentiles, and
the events and data points the integrations sent and had accepted (201)."""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, task
from locust.env import Environment
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._load_payloads import measurements, ticket_events

PLAN: dict = {}
SENT = {"events": 0, "measurements": 0}
RUN = {"stopping": False, "in_flight": 0}  # at the end no new request starts and none is cut off
NUMBERS = itertools.count()  # ticket numbers and sender ids, unique in the run


class Integration(HttpUser):
    """A ticketing or monitoring tool: lists of ticket events or data points, with an API key."""

    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.client.headers["Authorization"] = f"Bearer {PLAN['key']}"

    def send(self, url: str, body: list[dict], *, name: str, counter: str) -> None:
        if RUN["stopping"] or SENT[counter] >= PLAN[f"max_{counter}"]:
            raise StopUser()
        RUN["in_flight"] += 1
        try:
            with self.client.post(url, json=body, name=name, catch_response=True) as r:
                if r.status_code == 201 and r.json().get("created") == len(body):
                    SENT[counter] += len(body)
                else:
                    r.failure(f"{r.status_code}: {r.text[:200]}")
        finally:
            RUN["in_flight"] -= 1

    @task
    def post_ticket_events(self) -> None:
        events = ticket_events(PLAN, self.rng, NUMBERS)
        self.send("/api/v1/ticket-events/", events, name="POST ticket events", counter="events")

    @task
    def post_measurements(self) -> None:
        points = measurements(PLAN, self.rng, NUMBERS)
        self.send("/api/v1/measurements/", points, name="POST measurements", counter="measurements")


class BusinessUser(HttpUser):
    """A signed-in person reading pages: home, catalogue, a service, its scorecard, the board."""

    wait_time = between(0.5, 2.0)
    sessions = itertools.count()

    def on_start(self) -> None:
        self.rng = random.Random()
        session = PLAN["sessions"][next(self.sessions) % len(PLAN["sessions"])]
        # The session cookie by hand: with DEBUG off it is marked Secure, and this is plain HTTP.
        self.client.headers["Cookie"] = f"sessionid={session}"

    def page(self, url: str, name: str) -> None:
        if RUN["stopping"]:
            raise StopUser()
        RUN["in_flight"] += 1
        try:
            with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
                if r.status_code != 200:
                    r.failure(f"{r.status_code} on {url}")
        finally:
            RUN["in_flight"] -= 1

    @task(2)
    def home(self) -> None:
        self.page("/", "GET home")

    @task
    def catalogue(self) -> None:
        self.page("/catalogue/", "GET catalogue")

    @task(2)
    def service(self) -> None:
        self.page(f"/services/{self.rng.choice(PLAN['pages'])}/", "GET service page")

    @task(2)
    def scorecard(self) -> None:
        self.page(f"/services/{self.rng.choice(PLAN['pages'])}/scorecard/", "GET scorecard")

    @task
    def board(self) -> None:
        self.page("/board/", "GET board")


def run(plan: dict) -> dict:
    PLAN.update(plan)
    Integration.fixed_count, BusinessUser.fixed_count = plan["integrations"], plan["readers"]
    env = Environment(user_classes=[Integration, BusinessUser], host=plan["host"])
    runner = env.create_local_runner()
    runner.start(plan["integrations"] + plan["readers"], spawn_rate=100)
    gevent.sleep(plan["seconds"])
    RUN["stopping"] = True
    drain_until = time.monotonic() + 60
    while RUN["in_flight"] and time.monotonic() < drain_until:
        gevent.sleep(0.05)
    runner.quit()
    runner.greenlet.join()
    kinds = {}
    for entry in env.stats.entries.values():
        kinds[entry.name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.total_rps,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
        }
    total = env.stats.total
    errors = [f"{e.method} {e.name}: {e.error} ({e.occurrences}x)" for e in env.stats.errors.values()]
    return {
        "kinds": kinds,
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.total_rps,
        "errors": errors[:20],
        "sent": dict(SENT),
    }


if __name__ == "__main__":
    plan_path, result_path = sys.argv[1], sys.argv[2]
    with open(plan_path) as plan_file:
        result = run(json.load(plan_file))
    with open(result_path, "w") as result_file:
        json.dump(result, result_file, indent=2)
