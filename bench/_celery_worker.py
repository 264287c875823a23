"""A Celery worker for bench/scale_out.py: the project's app, with alert notifications left out
(as in bench/measures.py: they are not the pass being timed, and would queue between its chunks).

    python bench/_celery_worker.py NAME [CONCURRENCY]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

import sla.services.alerts  # noqa: E402
from config.celery import app  # noqa: E402

sla.services.alerts._notify_after_commit = lambda alert_ids: None

if __name__ == "__main__":
    name, concurrency = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "1"
    app.worker_main(
        [
            "worker",
            f"--hostname={name}@%h",
            f"--concurrency={concurrency}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
