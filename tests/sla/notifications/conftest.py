"""Notifications tests: a service with its owners, tickets, clocks and alerts made directly,
and a real HTTP receiver on 127.0.0.1 that records what it is sent."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sla.models import Alert, AlertKind, AlertSeverity, Clock, ClockKind, ClockState, Ticket, WebhookEndpoint
from sla.services import calendar_create
from tests import factories as f

SITE_URL = "https://accord.example.com"
NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)  # a Wednesday; London is on BST (+01:00)
_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.TIME_ZONE = "Europe/London"
    settings.DEFAULT_FROM_EMAIL = "Accord <accord@example.com>"


@pytest.fixture
def people(db):
    return {
        "owner": f.service_owner(username="olivia", email="olivia@example.com", first_name="Olivia", last_name="Owen"),
        "business": f.business_user(username="bea", email="bea@example.com", first_name="Bea", last_name="Baker"),
        "assignee": f.UserFactory(username="alex", email="alex@example.com", first_name="Alex", last_name="Agent"),
    }


@pytest.fixture
def service(people):
    return f.ServiceFactory(
        name="Payroll", slug="payroll", service_owner=people["owner"], business_owner=people["business"]
    )


@pytest.fixture
def always(db):
    return calendar_create(name="Always", time_zone="UTC", is_24x7=True)


@pytest.fixture
def office(db):
    return calendar_create(name="Office", time_zone="UTC", hours=dict.fromkeys(range(5), "09:00-17:00"))


def ticket_make(service, **fields) -> Ticket:
    values = {
        "source": "servicenow",
        "external_id": f"INC{next(_keys):07d}",
        "priority": 2,
        "title": "Payslips not generated",
        "assignee": "Alex Agent",
        "assignee_email": "alex@example.com",
        "opened_at": NOW - timedelta(hours=3),
    } | fields
    return Ticket.objects.create(service=service, **values)


def clock_make(ticket, calendar, *, target=timedelta(hours=4), due_at=None, **fields) -> Clock:
    values = {
        "kind": ClockKind.RESOLVE,
        "priority": ticket.priority or 3,
        "target_seconds": int(target.total_seconds()),
        "started_at": ticket.opened_at,
        "due_at": due_at or ticket.opened_at + target,
        "state": ClockState.RUNNING,
        "counting": True,
        "computed_at": ticket.opened_at,
    } | fields
    return Clock.objects.create(ticket=ticket, calendar=calendar, **values)


def alert_make(
    *, kind=AlertKind.CLOCK_WARNING, severity=AlertSeverity.WARNING, service=None, ticket=None, clock=None, **fields
) -> Alert:
    values = {
        "key": f"test:{next(_keys)}",
        "subject": "P2 ticket at risk: 75% of the time to resolve used",
        "body": "Act before the deadline to keep the agreed target.",
        "opened_at": NOW,
        "due_at": clock.due_at if clock else None,
    } | fields
    return Alert.objects.create(
        kind=kind,
        severity=severity,
        service=service if service is not None or ticket is None else ticket.service,
        ticket=ticket,
        clock=clock,
        **values,
    )


def endpoint_make(url: str, **fields) -> WebhookEndpoint:
    services = fields.pop("services", [])
    endpoint = WebhookEndpoint.objects.create(
        name=fields.pop("name", f"Endpoint {next(_keys)}"), url=url, secret=fields.pop("secret", "s3cret"), **fields
    )
    endpoint.services.set(services)
    return endpoint


@dataclass
class Received:
    path: str
    headers: object  # http.client.HTTPMessage: case-insensitive .get()
    body: bytes


@dataclass
class Receiver:
    """What the local HTTP server was sent, and how it answers (statuses in turn, then 200)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.requests.append(Received(self.path, self.headers, body))
                status = state.statuses.pop(0) if state.statuses else 200
            if state.delay:
                time.sleep(state.delay)
            reply = b"ok" if status < 300 else b"<h1>boom</h1>\n  something broke"
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "https://elsewhere.example.com/hook")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/accord"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)
