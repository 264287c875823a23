"""Real processes for end-to-end tests: Celery workers on Redis (REDIS_URL) that use the test's
PostgreSQL database, and a local webhook receiver. Used by test_end_to_end.py and
test_worker_killed.py.

A worker is another process, so it sees only committed data: the tests that use one are
transactional (django_db(transaction=True, serialized_rollback=True)). They run one at a time
on the Redis database (a file lock): `make test` runs tests side by side, and workers of two
tests on one queue would take each other's messages."""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")

needs_worker = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15"),
]


# --pool=solo: the task runs in the worker process itself, so killing it kills the task. No
# mingle, gossip or heartbeat: a test's workers have no neighbour to wait for.
WORKER_OPTIONS = ["--pool=solo", "--loglevel=INFO", "--without-mingle", "--without-gossip", "--without-heartbeat"]


class Process:
    """A process of the product's own (a worker, a web server), its output lines collected."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.process = subprocess.Popen(  # noqa: S603  (a fixed command line)
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(iter(self.process.stdout.readline, "")), daemon=True).start()

    def log(self) -> str:
        return "".join(self.lines[-60:])

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
        """Poll `condition` (a state the test observes, never a duration) until it holds."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, f"the {self.name} exited while waiting for {what}:\n{self.log()}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}; {self.name} log:\n{self.log()}"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class Worker(Process):
    """One `celery worker` process on the test's database and REDIS_URL."""

    def __init__(self, options: list[str] = WORKER_OPTIONS, **env: str) -> None:
        db = connection.settings_dict
        database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        super().__init__(
            "worker",
            [sys.executable, "-m", "celery", "-A", "config", "worker", *options],
            {
                **os.environ,
                "DEBUG": "1",
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": REDIS_URL,
                "CELERY_TASK_ALWAYS_EAGER": "0",
                **env,
            },
        )
        self.wait_for(lambda: any(" ready." in line for line in self.lines), "the worker to start")

    def succeeded(self, task_id: str) -> bool:
        return any(f"[{task_id}] succeeded" in line for line in self.lines)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgement, the database connection dropped mid-transaction."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@contextmanager
def workers(**env: str) -> Iterator[Callable[..., Worker]]:
    """Start workers with `start(**more_env)`; all are stopped at the end. Holds the Redis
    database alone meanwhile, and empties it first (no message of an earlier test is left)."""
    import redis

    lock_path = Path(tempfile.gettempdir()) / f"accord-redis-{hashlib.sha256(REDIS_URL.encode()).hexdigest()[:12]}.lock"
    started: list[Worker] = []
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        redis.Redis.from_url(REDIS_URL).flushdb()
        try:
            yield lambda *options, **more: started.append(Worker(*options, **{**env, **more})) or started[-1]
        finally:
            for worker in started:
                worker.stop()


def broker_drained() -> bool:
    """No message waiting in the queue, and none delivered but unacknowledged (kombu's Redis
    transport keeps those in the `unacked` hash until the task is done)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def send_to_worker(task_name: str, **kwargs) -> str:
    """Publish a task to Redis (the test process itself runs tasks eagerly); its id."""
    from config.celery import app

    with app.connection_for_write(REDIS_URL) as broker:
        return app.send_task(task_name, kwargs=kwargs, connection=broker).id


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """A webhook receiver on loopback: its URL, and the (headers, body) it was sent."""
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/accord", Receiver.received
    server.shutdown()
