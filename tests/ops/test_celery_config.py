"""The Celery settings that make a lost worker lose no work (docs/deploy.md, Faults); the
worker-kill tests (tests/sla/test_worker_killed.py) show them at work on real processes."""

import json
import os
import subprocess
import sys
from pathlib import Path

from config.celery import app
from sla.notifications.delivery import RETRY_BACKOFF_MAX_SECONDS

ROOT = Path(__file__).resolve().parents[2]


def test_a_message_is_acknowledged_once_its_task_is_done():
    assert app.conf.task_acks_late is True  # a worker killed mid-task leaves its message to another
    assert app.conf.task_reject_on_worker_lost is True  # a pool process killed: its message is requeued
    assert app.conf.worker_prefetch_multiplier == 1  # a worker holds no more messages than it runs


def test_on_redis_a_lost_message_comes_back_after_the_longest_countdown():
    """Redis gives an unacknowledged message to another worker after the visibility timeout; a
    retry waiting for its countdown is unacknowledged too, so the timeout must exceed the longest
    countdown or the retry would run twice."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "PYTEST_"))}
    env.update(DEBUG="1", CELERY_BROKER_URL="redis://127.0.0.1:6379/0", DJANGO_SETTINGS_MODULE="config.settings")
    script = (
        "import django, json; django.setup()\n"
        "from config.celery import app\n"
        "print(json.dumps(app.conf.broker_transport_options))\n"
    )
    result = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    options = json.loads(result.stdout.strip().splitlines()[-1])
    assert options["visibility_timeout"] > RETRY_BACKOFF_MAX_SECONDS
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 300
