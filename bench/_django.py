"""Django set-up for benchmarks that need the database: a throwaway database (like the test
runner's: `test_<name>`), migrated, destroyed at the end. Uses DATABASE_URL when set."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@contextmanager
def django_database() -> Iterator[None]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")  # only to allow the development SECRET_KEY
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()  # DEBUG off, locmem e-mail, as in production-like timing
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def vendor() -> str:
    from django.db import connection

    return connection.vendor


def median_ms(action: Callable[[], object], *, runs: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def median_cpu_ms(action: Callable[[], object], *, runs: int) -> float:
    """This process's CPU time per request: what the page costs, whatever else the machine is
    doing (the wall-clock median is the goal; on a shared, loaded machine read this beside it)."""
    samples = []
    for _ in range(runs):
        started = time.process_time()
        action()
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def page_figures(client, url: str, *, runs: int) -> dict:
    """A page's queries, median wall-clock and median CPU milliseconds, fetched by `client`."""
    return {
        "queries": count_queries(lambda: client.get(url)),
        "median_ms": median_ms(lambda: client.get(url), runs=runs),
        "cpu_ms": median_cpu_ms(lambda: client.get(url), runs=runs),
    }


def count_queries(action: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)
