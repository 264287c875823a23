"""The compose file's stack, started as it says (docs/deploy/compose.yaml), without Docker.

No Docker engine runs on this machine or in CI, so the images are not built here. What can go
wrong in the file itself is checked by running it on the host: every Accord service's own
command line and environment, as compose would interpolate them (production settings: DEBUG
off, the secret key required), with the hosts `db` and `redis` pointed at the local PostgreSQL
(a database of the test's own, which the `migrate` service creates the tables in) and Redis.
Then: `migrate` finishes, `web` passes its own healthcheck and /readyz names the database, the
broker and the cache as up, `worker` answers a ping over the broker, and `beat` sends the
scheduled SLA check pass, which the worker runs.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import yaml

from tests.sla.workers import REDIS_URL, ROOT, Process, needs_worker, workers

pytestmark = needs_worker
COMPOSE = ROOT / "docs" / "deploy" / "compose.yaml"
ACCORD_SERVICES = ("migrate", "web", "worker", "beat")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}`."""

    def one(match: re.Match) -> str:
        name, kind, rest = match.group(1), match.group(2), match.group(3)
        if variables.get(name):
            return variables[name]
        if kind == "?":
            raise AssertionError(f"compose would refuse to start: {rest}")
        return rest or ""

    return re.sub(r"\$\{(\w+)(?::([-?])([^}]*))?\}", one, value)


def test_interpolation_follows_compose():
    assert interpolate("${A:-x}/${B}", {"B": "b"}) == "x/b"
    assert interpolate("${A:-x}", {"A": "a"}) == "a"
    with pytest.raises(AssertionError, match="set SECRET_KEY"):
        interpolate("${SECRET_KEY:?set SECRET_KEY}", {})


def on_this_host(url: str, *, user: str | None = None, path: str | None = None, host_names=("db", "redis")) -> str:
    parts = urlsplit(url)
    assert parts.hostname in host_names, url
    netloc = f"{user or parts.username}@127.0.0.1:{parts.port}" if parts.scheme.startswith("postgres") else None
    local = urlsplit(REDIS_URL) if parts.scheme == "redis" else None
    return urlunsplit(
        (
            parts.scheme,
            netloc or local.netloc,
            path if path is not None else (local.path if local else parts.path),
            "",
            "",
        )
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database():
    """An empty database of the test's own: the stack's `migrate` fills it."""
    admin_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    name = f"accord_compose_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_compose_stack_starts_and_its_parts_find_each_other(database, tmp_path):
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", *ACCORD_SERVICES}
    assert all(services[name].get("build") for name in ACCORD_SERVICES), "each runs Accord's image"

    port, metrics = free_port(), tmp_path / "metrics"
    metrics.mkdir()
    variables = {"SECRET_KEY": secrets.token_urlsafe(50)}
    environment = {name: interpolate(str(value), variables) for name, value in services["web"]["environment"].items()}
    assert environment["DEBUG"] == "0"
    db_user = urlsplit(os.environ["DATABASE_URL"]).username or "postgres"
    environment["DATABASE_URL"] = on_this_host(environment["DATABASE_URL"], user=db_user, path=f"/{database}")
    environment["CELERY_BROKER_URL"] = on_this_host(environment["CELERY_BROKER_URL"])
    environment["CACHE_URL"] = on_this_host(environment["CACHE_URL"])
    environment["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    # As in the image: the venv's python, gunicorn and celery first on PATH; nothing else of ours.
    environment |= {"PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}", "HOME": str(tmp_path)}

    def command(name: str) -> list[str]:
        line = shlex.join(services[name]["command"])
        line = line.replace("/metrics", str(metrics)).replace("0.0.0.0:8000", f"127.0.0.1:{port}")
        return shlex.split(line)

    started: list[Process] = []
    with workers():  # the Redis database alone, emptied (tests/sla/workers.py)
        try:
            migrate = Process("migrate", command("migrate"), environment)
            assert migrate.process.wait(timeout=300) == 0, migrate.log()

            # The check pass (scheduled every minute by a migration) last ran a day ago: due now.
            with psycopg.connect(environment["DATABASE_URL"]) as connection:
                connection.execute(
                    "UPDATE django_celery_beat_periodictask SET last_run_at = now() - interval '1 day' "
                    "WHERE task = 'sla.run_checks'"
                )
            for name in ("web", "worker", "beat"):
                started.append(Process(name, command(name), environment))
            web, worker, beat = started

            healthcheck = [part.replace(":8000", f":{port}") for part in services["web"]["healthcheck"]["test"][1:]]

            def healthy() -> bool:
                return subprocess.run(healthcheck, env=environment, capture_output=True).returncode == 0  # noqa: S603

            web.wait_for(healthy, "web's healthcheck", timeout=180)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=30) as answer:
                ready = json.load(answer)
            assert ready["status"] == "ok" and ready["failing"] == [], ready
            assert set(ready["checks"]) >= {"database", "broker", "cache"}

            worker.wait_for(lambda: any(" ready." in line for line in worker.lines), "the worker to start", timeout=180)
            celery = str(ROOT / ".venv" / "bin" / "celery")
            ping = subprocess.run(  # noqa: S603 - a fixed command line
                [celery, "-A", "config", "inspect", "ping", "--timeout", "10"],
                cwd=ROOT,
                env=environment,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert "pong" in ping.stdout, ping.stdout + ping.stderr

            worker.wait_for(
                lambda: any("sla.run_checks[" in line and " succeeded in " in line for line in worker.lines),
                f"the check pass sent by beat; beat's log:\n{beat.log()}",
                timeout=180,
            )
        finally:
            for process in started:
                process.stop()
