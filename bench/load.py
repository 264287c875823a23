"""Load test: gunicorn serving Accord on PostgreSQL, on loopback only, for a bounded time and count.
Integrations post ticket events (POST /api/v1/ticket-events/, 20 a request) and measurements
(POST /api/v1/measurements/, 50 a request) in parallel with an API key, while signed-in business
users read pages (home, catalogue, a service page, its scorecard, the board). Locust drives them,
as a library, in a process of its own (bench/_load_users.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord .venv/bin/python bench/load.py [--seconds 60]
        [--integrations 4] [--readers 8] [--web-workers 3] [--json PATH]

It makes its own throwaway database (test_<name>, destroyed afterwards) with the demo
organisation, an integration's ingest key and the readers' sessions, collects the static files
into a temporary folder, starts gunicorn on 127.0.0.1 with production settings (DEBUG off) and the
API throttles raised for the run, and stops it at the end. Celery tasks queue on REDIS_URL's
broker (nobody consumes them) and are purged afterwards. Prints requests/s and p50/p95/p99 per
kind of request, the errors, and the events and data points stored against those sent. Exit
status 1 when any request failed or a count differs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import ROOT, django_database, vendor
from bench._load_payloads import SENDER_PREFIX, SOURCE

LOOPBACK = "127.0.0.1"
RAISED_RATE = "1000000/min"  # the API throttles, out of the way of the run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def prepare(secret_key: str) -> dict:
    """The demo organisation, an integration with an ingest key, the readers' sessions, and what
    the users will name: services with a business unit they serve, and measures to feed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from catalog.models import AgreementStatus, Measure, Service
    from catalog.rules import BUSINESS_USERS, INTEGRATIONS, SERVICE_OWNERS
    from catalog.tokens import api_token_issue

    os.environ.setdefault("DEMO_PASSWORD", "load-test-" + secrets.token_hex(8))
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=StringIO())
    User = get_user_model()
    bot = User.objects.create_user("load-bot")
    bot.groups.add(Group.objects.get(name=INTEGRATIONS))
    _, key = api_token_issue(user=bot, name="load test", scopes=["ingest"])
    readers = list(
        User.objects.filter(groups__name__in=[BUSINESS_USERS, SERVICE_OWNERS], is_active=True)
        .distinct()
        .order_by("username")[:8]
    )
    sessions = []
    with override_settings(SECRET_KEY=secret_key):  # the server's: sessions are signed with it
        for reader in readers:
            client = Client()
            client.force_login(reader)
            sessions.append(client.cookies["sessionid"].value)
    services = [
        [service.slug, unit.slug]
        for service in Service.objects.prefetch_related("business_units").exclude(lifecycle="retired")
        for unit in service.business_units.all()[:1]
    ]
    measures = [
        [
            m.agreement.service.slug,
            m.key,
            float(m.valid_min or 0),
            float(m.valid_max if m.valid_max is not None else 100),
        ]
        for m in Measure.objects.select_related("agreement__service").filter(
            source="pushed", agreement__status=AgreementStatus.AGREED
        )
    ]
    assert services and measures and sessions, (len(services), len(measures), len(sessions))
    return {
        "key": key,
        "sessions": sessions,
        "services": services,
        "pages": sorted({slug for slug, _ in services}),
        "measures": measures,
    }


def server_environment(static_root: str, *, secret_key: str) -> dict:
    from django.conf import settings
    from django.db import connection

    database = connection.settings_dict
    url = f"postgres://{database['USER']}"
    if database.get("PASSWORD"):
        url += f":{database['PASSWORD']}"
    url += f"@{database['HOST'] or LOOPBACK}:{database['PORT'] or 5432}/{database['NAME']}"
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "DEBUG"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS=LOOPBACK,
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=static_root,
        CACHE_URL=redis,
        CELERY_BROKER_URL=redis,
        API_THROTTLE_KEY_RATE=RAISED_RATE,
        API_THROTTLE_ANONYMOUS_RATE=RAISED_RATE,
        API_THROTTLE_WEBHOOK_RATE=RAISED_RATE,
        LOG_FORMAT="text",
    )
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    return environment


def start_gunicorn(environment: dict, *, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(command, cwd=ROOT, env=environment, check=True)  # noqa: S603 - our own manage.py
    server = subprocess.Popen(  # noqa: S603 - gunicorn from this virtualenv, on loopback only
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{LOOPBACK}:{port}", "--workers", str(workers)],
        cwd=ROOT,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not get ready; its log: {log}")


def stored() -> dict:
    from sla.models import Measurement, TicketEvent

    return {
        "events": TicketEvent.objects.filter(ticket__source=SOURCE).count(),
        "measurements": Measurement.objects.filter(sender_id__startswith=SENDER_PREFIX).count(),
    }


def purge_queued_tasks(environment: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "purge", "-f"],
        cwd=ROOT,
        env=environment,
        check=False,
        capture_output=True,
    )


def run(args) -> dict:
    secret_key = secrets.token_urlsafe(50)
    plan = prepare(secret_key)
    with tempfile.TemporaryDirectory(prefix="accord-load-") as folder:
        environment = server_environment(str(Path(folder) / "static"), secret_key=secret_key)
        port = free_port()
        log = Path(folder) / "gunicorn.log"
        server = start_gunicorn(environment, port=port, workers=args.web_workers, log=log)
        ready_at = len(log.read_text().splitlines())  # what it said while starting is not the run's
        try:
            plan.update(
                host=f"http://{LOOPBACK}:{port}",
                seconds=args.seconds,
                integrations=args.integrations,
                readers=args.readers,
                max_events=args.max_events,
                max_measurements=args.max_measurements,
            )
            plan_path, result_path = Path(folder) / "plan.json", Path(folder) / "result.json"
            plan_path.write_text(json.dumps(plan))
            subprocess.run(  # noqa: S603 - our own script
                [sys.executable, str(ROOT / "bench" / "_load_users.py"), str(plan_path), str(result_path)],
                cwd=ROOT,
                check=True,
                timeout=args.seconds + 120,
            )
            result = json.loads(result_path.read_text())
        finally:
            server.terminate()
            server.wait(timeout=30)
            purge_queued_tasks(environment)
        said = log.read_text().splitlines()[ready_at:]
        server_errors = [line for line in said if " ERROR " in line or "Traceback" in line]
    result.update(stored=stored(), server_errors=server_errors[:10], database=vendor(), args=vars(args))
    return result


def report(result: dict) -> bool:
    args = result["args"]
    print(
        f"Load test: {args['seconds']} s, {args['integrations']} integrations and {args['readers']} readers, "
        f"gunicorn with {args['web_workers']} workers on {LOOPBACK}, {result['database']}"
    )
    print(f"{'request':<22} {'count':>7} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for name, kind in sorted(result["kinds"].items()):
        print(
            f"{name:<22} {kind['requests']:>7} {kind['failures']:>5} {kind['rps']:>7.1f} "
            f"{kind['p50_ms']:>7.0f} {kind['p95_ms']:>7.0f} {kind['p99_ms']:>7.0f}"
        )
    print(f"{'all':<22} {result['requests']:>7} {result['failures']:>5} {result['rps']:>7.1f}")
    for error in result["errors"] + result["server_errors"]:
        print(f"  error: {error}")
    sent, kept = result["sent"], result["stored"]
    counts_ok = sent == kept
    print(
        f"ticket events: sent {sent['events']:,}, stored {kept['events']:,}; "
        f"data points: sent {sent['measurements']:,}, stored {kept['measurements']:,}"
    )
    ok = result["failures"] == 0 and not result["server_errors"] and counts_ok and result["requests"] > 0
    print(f"Goal: no error, and every event and data point sent is stored. {'PASS' if ok else 'FAIL'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long the users run (default 60)")
    parser.add_argument("--integrations", type=int, default=4)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--max-events", type=int, default=200_000, help="the integrations stop after this many")
    parser.add_argument("--max-measurements", type=int, default=500_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not 1 <= args.seconds <= 600:
        parser.error("--seconds must be between 1 and 600")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL=postgres://…: the load test runs on PostgreSQL")
    with django_database():
        result = run(args)
    ok = report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
