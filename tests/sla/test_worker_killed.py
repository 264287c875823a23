"""A worker killed (SIGKILL) in the middle of a check pass and of a measure evaluation, another
worker started: no alert lost, none raised or sent twice.

Real processes: Celery workers on Redis, the test's PostgreSQL database, a webhook receiver on
loopback and e-mail written to files. What makes it work (docs/deploy.md, Faults):
- late acknowledgement: a task's message stays in Redis, unacknowledged, until the task is done,
  so a worker killed mid-task leaves it there, and Redis hands it to another worker once its
  visibility timeout has passed (2 s here, 65 min in production);
- each chunk of work is one transaction: the killed worker's open transaction is rolled back
  by PostgreSQL, and what it committed before stays;
- every task is safe to run twice: clocks are claimed with a conditional update, evaluations
  are upserts, alerts have unique keys, and each (alert, target) delivery row is written once.

The kill is not timed: the worker stops at a fault point (config/ops/faults.py) inside the
chunk's transaction, with its alerts written but not committed, and says so in a file; the
test kills it then."""

import os
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from sla.models import Alert, AlertKind, NotificationDelivery
from sla.models.notifications import DeliveryStatus, WebhookEndpoint
from sla.services import ticket_events_ingest
from tests.sla.conftest import event
from tests.sla.evaluation_helpers import add_measure, push
from tests.sla.workers import WORKER_OPTIONS, broker_drained, needs_worker, receiver, send_to_worker, workers

__all__ = ["receiver"]  # the fixture, used by name

pytestmark = [
    *needs_worker,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Every worker: a killed worker's message is handed out again 2 s after it was delivered, and
# workers look for such messages every second.
WORKER_ENV = {
    "CELERY_VISIBILITY_TIMEOUT": "2",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}


@pytest.fixture
def fault(tmp_path, receiver):
    """Worker settings: e-mail to files, the fault point's folder, and the webhook receiver's
    endpoint (every alert is POSTed to it)."""
    url, received = receiver
    WebhookEndpoint.objects.create(name="Receiver", url=url, secret="")
    (tmp_path / "mail").mkdir()
    env = {**WORKER_ENV, "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}", "ACCORD_FAULT_DIR": str(tmp_path)}
    return {"env": env, "dir": tmp_path, "received": received}


def kill_at(start, fault, point: str, task_id_of) -> tuple[str, object]:
    """Start a worker that stops at `point`, send it its task, kill it there; the task's id."""
    first = start(**fault["env"], ACCORD_FAULT_PAUSE_AT=point)
    task_id = task_id_of()
    reached = fault["dir"] / f"{point.partition('#')[0]}.reached"
    first.wait_for(reached.exists, f"the fault point {point}")
    assert int(reached.read_text()) == first.process.pid  # the task runs in the worker process itself
    return task_id, first


def finish_on_a_new_worker(start, fault, task_id: str, expected_alerts: int):
    """Start another worker; wait until it ran the killed worker's task again, every alert is
    notified and nothing is left in the broker."""
    second = start(**fault["env"])
    second.wait_for(lambda: second.succeeded(task_id), "the killed worker's task to run again")

    def settled() -> bool:
        deliveries = NotificationDelivery.objects.all()
        return (
            broker_drained()
            and Alert.objects.count() == expected_alerts
            and Alert.objects.filter(notified_at__isnull=True).count() == 0
            and not deliveries.exclude(status=DeliveryStatus.SENT).exists()
            and len(fault["received"]) >= expected_alerts
        )

    second.wait_for(settled, "every alert to be sent")
    return second


def assert_each_alert_told_once(fault, alerts: list[Alert]) -> None:
    """One webhook POST per alert, one e-mail per e-mail delivery, each delivery sent at its
    first attempt."""
    import json

    posted = Counter(json.loads(body)["alert"]["id"] for _, body in fault["received"])
    assert posted == Counter(alert.pk for alert in alerts)
    deliveries = NotificationDelivery.objects.filter(alert__in=alerts)
    assert set(deliveries.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
    emails = deliveries.filter(channel="email")
    assert emails.exists()
    written = "".join(path.read_text() for path in (fault["dir"] / "mail").iterdir())
    assert written.count("\nSubject: ") == emails.count()


def open_p1_tickets(count: int) -> None:
    """P1 tickets (24x7, engage within 30 min) opened 17 minutes ago: past their 50% warning."""
    opened = timezone.now() - timedelta(minutes=17)
    for i in range(count):
        where = {"service": "payroll", "business_unit": "finance", "priority": 1}
        ticket_events_ingest(events=[event("opened", opened, external_id=f"INC-{i}", **where)], now=opened)


def test_a_worker_killed_in_a_check_pass(sla, fault):
    open_p1_tickets(7)
    # Chunks of 2 and one helper: the first worker takes the pass, asks a helper, commits one
    # chunk (2 alerts) and is killed in its second, with 2 more alerts written, not committed.
    env = {"SLA_CHECK_CHUNK": "2", "SLA_CHECK_PARALLELISM": "2"}
    with workers(**env) as start:
        task_id, first = kill_at(start, fault, "sla.check_chunk#2", lambda: send_to_worker("sla.run_checks"))
        first.kill()
        assert Alert.objects.count() == 2  # the second chunk's transaction died with the worker

        finish_on_a_new_worker(start, fault, task_id, expected_alerts=7)

    alerts = list(Alert.objects.all())
    assert len(alerts) == len({a.key for a in alerts}) == 7
    assert {(a.kind, a.ticket.external_id) for a in alerts} == {(AlertKind.CLOCK_WARNING, f"INC-{i}") for i in range(7)}
    assert_each_alert_told_once(fault, alerts)


def test_a_pool_process_killed_in_a_check_pass_is_run_again_by_its_worker(sla, fault):
    """The other way a task loses its process: a prefork worker's pool process killed (out of
    memory, say). The worker sees it lost and puts the message back at once
    (task_reject_on_worker_lost); a new pool process runs the task again."""
    open_p1_tickets(3)
    prefork = [option for option in WORKER_OPTIONS if option != "--pool=solo"] + ["--pool=prefork", "--concurrency=1"]
    with workers(SLA_CHECK_CHUNK="2", SLA_CHECK_PARALLELISM="1") as start:
        # A visibility timeout of an hour: only the worker's own reject can bring the message back.
        env = {**fault["env"], "CELERY_VISIBILITY_TIMEOUT": "3600"}
        worker = start(prefork, **env, ACCORD_FAULT_PAUSE_AT="sla.check_chunk#2")
        task_id = send_to_worker("sla.run_checks")
        reached = fault["dir"] / "sla.check_chunk.reached"
        worker.wait_for(reached.exists, "the fault point")
        pool_process = int(reached.read_text())
        assert pool_process != worker.process.pid
        os.kill(pool_process, signal.SIGKILL)
        assert Alert.objects.count() == 2

        worker.wait_for(lambda: worker.succeeded(task_id), "the task to run again")
        assert any("WorkerLostError" in line for line in worker.lines)
        worker.wait_for(
            lambda: broker_drained() and len(fault["received"]) >= 3 and Alert.objects.count() == 3,
            "every alert to be sent",
        )
        worker.wait_for(
            lambda: not NotificationDelivery.objects.exclude(status=DeliveryStatus.SENT).exists(), "deliveries"
        )

    assert_each_alert_told_once(fault, list(Alert.objects.all()))


def test_a_worker_killed_in_a_measure_evaluation(sla, fault):
    # Five measures whose November was all late: each gets its "missed" alert once December starts.
    for i in range(5):
        measure = add_measure(sla["agreement"], key=f"m-{i}", name=f"Measure {i}")
        push(measure, [(datetime(2026, 11, d, 10, j, tzinfo=UTC), 15) for d in (2, 3, 4) for j in range(3)])
    now = datetime(2026, 12, 1, 0, 30, tzinfo=UTC).isoformat()
    # Chunks of 2: the first worker sends the other two chunks to the queue, evaluates the first
    # one itself and is killed before it commits.
    with workers(SLA_EVALUATION_CHUNK="2") as start:
        task_id, first = kill_at(
            start, fault, "sla.measures_evaluate#1", lambda: send_to_worker("sla.evaluate_measures", now_iso=now)
        )
        first.kill()
        assert not Alert.objects.exists()

        second = finish_on_a_new_worker(start, fault, task_id, expected_alerts=5)
        # The pass ran again in full (its chunks sent twice); the second run raised nothing new.
        assert sum("sla.evaluate_measures[" in line and "succeeded" in line for line in second.lines) >= 5

    alerts = list(Alert.objects.all())
    assert sorted(a.key for a in alerts) == sorted(
        f"measure:{pk}:20261101:missed" for pk in sla["agreement"].measures.values_list("pk", flat=True)
    )
    assert_each_alert_told_once(fault, alerts)
