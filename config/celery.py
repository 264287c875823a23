"""The Celery app. Settings come from Django settings under the CELERY_ namespace."""

from __future__ import annotations

import functools
import logging
import os
import time

from celery import Celery, signals
from celery.contrib.django.task import DjangoTask
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger("accord.tasks")


class AccordTask(DjangoTask):
    """DjangoTask (delay_on_commit: enqueue once the transaction that made the work commits),
    with a broker that may be down: the data is already committed, so a message that cannot
    be published is logged and counted, never turned into an error for the caller. The
    periodic passes catch up from the database (clocks are due by `next_check_at`, measures are
    all evaluated every pass, alerts without a delivery log are notified by the resend sweep)."""

    def apply_async_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(functools.partial(self.apply_async_or_log, *args, **kwargs))

    def delay_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(functools.partial(self.apply_async_or_log, args, kwargs))

    def apply_async_or_log(self, args=None, kwargs=None, **options):
        try:
            return self.apply_async(args, kwargs, **options)
        except (OperationalError, OSError) as exc:  # kombu wraps the transport's connection errors
            from config.ops.metrics import ENQUEUE_FAILURES

            ENQUEUE_FAILURES.labels(task=self.name).inc()
            logger.warning(
                "Task %s not queued (broker unavailable: %s); the periodic passes catch up.",
                self.name,
                exc.__class__.__name__,
                extra={"task": self.name, "error": str(exc)[:300]},
            )
            return None


app = Celery("accord", task_cls=AccordTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Task durations for /metrics (config.ops.metrics): measured around every task this process runs.
_task_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_start(task_id=None, **_):
    _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_end(task_id=None, task=None, state=None, **_):
    started = _task_started.pop(task_id, None)
    if started is not None and task is not None:
        from config.ops.metrics import task_observe

        task_observe(task=task.name, state=state or "UNKNOWN", duration=time.perf_counter() - started)
