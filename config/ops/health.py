"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database, the broker
and the cache each answer), with the backlog that shows how far the checks are behind."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

BROKER_TIMEOUT_SECONDS = 2
QUEUES = ("celery",)


@dataclass(frozen=True)
class Backlog:
    due: int  # clocks due for a check
    lag: timedelta  # how long the oldest due clock has waited
    unnotified: int  # open alerts whose delivery log is not written yet
    observations_pending: int = 0  # ticket events accepted, their tickets not derived yet
    derivation_lag: timedelta = timedelta(0)  # how long the oldest of them has waited
    observations_failed: int = 0  # ticket events a worker could not derive (reasons in the admin)


def database_check() -> None:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker_connection():
    from config.celery import app

    # The URL the tasks are published to (CELERY_BROKER_URL, or CELERY_BROKER_WRITE_URL when set).
    return app.connection_for_write(connect_timeout=BROKER_TIMEOUT_SECONDS)


def broker_check() -> None:
    with _broker_connection() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)


def broker_queue_depth() -> dict[str, int]:
    """Messages waiting in each queue (not those a worker holds unacknowledged)."""
    with _broker_connection() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
        channel = broker.default_channel
        # Declaring is idempotent and answers the count (a queue never used yet is created empty).
        return {
            queue: channel.queue_declare(queue=queue, durable=True, auto_delete=False).message_count for queue in QUEUES
        }


def cache_check() -> None:
    key, token = "accord:readyz", uuid.uuid4().hex
    cache.set(key, token, 30)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not return what was written")


def backlog(*, now=None) -> Backlog:
    from django.db.models import Count, Min

    from sla.models import Alert, AlertState, Clock, TicketObservation
    from sla.notifications.delivery import UNNOTIFIED_GRACE, UNNOTIFIED_MAX_AGE

    now = now or timezone.now()
    due = Clock.objects.filter(next_check_at__lte=now).aggregate(n=Count("id"), oldest=Min("next_check_at"))
    unnotified = Alert.objects.filter(
        notified_at__isnull=True,
        state=AlertState.OPEN,
        opened_at__lt=now - UNNOTIFIED_GRACE,
        opened_at__gte=now - UNNOTIFIED_MAX_AGE,
    ).count()
    lag = now - due["oldest"] if due["oldest"] else timedelta(0)
    # Both through partial indexes: only pending and failed observations are read.
    pending = TicketObservation.objects.filter(pending=True).aggregate(n=Count("id"), oldest=Min("received_at"))
    failed = TicketObservation.objects.exclude(failure="").count()
    return Backlog(
        due=due["n"],
        lag=lag,
        unnotified=unnotified,
        observations_pending=pending["n"],
        derivation_lag=max(now - pending["oldest"], timedelta(0)) if pending["oldest"] else timedelta(0),
        observations_failed=failed,
    )


CHECKS = {"database": database_check, "broker": broker_check, "cache": cache_check}


def readiness() -> tuple[bool, dict]:
    """Each dependency checked, named, timed; the backlog when the database answers."""
    results: dict[str, dict] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            results[name] = {"ok": False, "error": exc.__class__.__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    ready = all(result["ok"] for result in results.values())
    body: dict = {
        "status": "ok" if ready else "unavailable",
        "failing": [name for name, result in results.items() if not result["ok"]],
        "checks": results,
    }
    if results["database"]["ok"]:
        state = backlog()
        body["backlog"] = {
            "clocks_due": state.due,
            "check_lag_seconds": round(state.lag.total_seconds(), 1),
            "alerts_unnotified": state.unnotified,
            "ticket_observations_pending": state.observations_pending,
            "derivation_lag_seconds": round(state.derivation_lag.total_seconds(), 1),
            "ticket_observations_failed": state.observations_failed,
        }
    return ready, body
