"""Prometheus metrics. Two kinds:

- Counted in the process that does the work (requests, task durations, tasks not queued). With
  several processes on a machine (gunicorn workers, a Celery worker), set PROMETHEUS_MULTIPROC_DIR
  to one empty directory shared by them, wiped at each start: /metrics then sums every process's
  files. Without it each process counts alone (fine for one process, as in `make demo`).
- Read from the database and the broker when /metrics is scraped (queue depth, alerts raised by
  kind, clocks due and the check lag): the same on every web server, whatever process raised what.

docs/deploy.md → Metrics lists them and says how access is controlled.
"""

from __future__ import annotations

import logging
import os

from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "accord_http_requests",
    "HTTP requests served, by route (the URL pattern) and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "accord_http_request_duration_seconds",
    "Time to serve a request, by route.",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASK_SECONDS = Histogram(
    "accord_task_duration_seconds",
    "Time a Celery task ran, by task and outcome.",
    ["task", "state"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300),
)
ENQUEUE_FAILURES = Counter(
    "accord_tasks_not_queued", "Task messages that could not be published (broker down).", ["task"]
)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "(unmatched)"
    return match.route.replace("^", "").replace("$", "")  # the router's regex routes read as paths


def request_observe(request: HttpRequest, response: HttpResponse, duration: float) -> str:
    route = route_of(request)
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    REQUEST_SECONDS.labels(request.method, route).observe(duration)
    return route


def task_observe(*, task: str, state: str, duration: float) -> None:
    TASK_SECONDS.labels(task, state).observe(duration)


class StateCollector(Collector):
    """What the database and the broker say at scrape time."""

    def describe(self):
        return []  # read only when scraped, not when registered

    def collect(self):
        from config.ops.health import backlog, broker_queue_depth

        try:
            depth = broker_queue_depth()
        except Exception as exc:
            logger.warning("Queue depth not read: %s", exc.__class__.__name__)
        else:
            queue = GaugeMetricFamily("accord_queue_depth", "Messages waiting in the broker queue.", labels=["queue"])
            for name, count in depth.items():
                queue.add_metric([name], count)
            yield queue

        from django.db.models import Count

        from sla.models import Alert

        alerts = CounterMetricFamily(
            "accord_alerts_raised", "Alerts raised since the start, by kind (rows in the alert inbox).", labels=["kind"]
        )
        for row in Alert.objects.order_by().values("kind").annotate(n=Count("id")):
            alerts.add_metric([row["kind"]], row["n"])
        yield alerts

        state = backlog()
        yield GaugeMetricFamily("accord_clocks_due", "SLA clocks due for a check and not yet checked.", value=state.due)
        yield GaugeMetricFamily(
            "accord_ingestion_lag_seconds",
            "How long the oldest stored event has waited for its check (0: the checks keep up).",
            value=state.lag.total_seconds(),
        )
        yield GaugeMetricFamily(
            "accord_ticket_observations_pending",
            "Ticket events accepted (202) whose tickets a worker has not derived yet.",
            value=state.observations_pending,
        )
        yield GaugeMetricFamily(
            "accord_ticket_derivation_lag_seconds",
            "How long the oldest accepted ticket event has waited for its derivation (0: none waiting).",
            value=state.derivation_lag.total_seconds(),
        )
        yield GaugeMetricFamily(
            "accord_ticket_observations_failed",
            "Ticket events a worker could not derive (each with its reason, in the admin).",
            value=state.observations_failed,
        )
        yield GaugeMetricFamily(
            "accord_alerts_unnotified",
            "Open alerts whose notification was not started yet (the resend sweep does it).",
            value=state.unnotified,
        )


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        scraped = CollectorRegistry()
        multiprocess.MultiProcessCollector(scraped)
    else:
        scraped = CollectorRegistry(auto_describe=True)
        for collector in (REQUESTS, REQUEST_SECONDS, TASK_SECONDS, ENQUEUE_FAILURES):
            scraped.register(collector)
    scraped.register(StateCollector())
    return scraped
