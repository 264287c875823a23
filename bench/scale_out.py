"""Scale-out of the background passes over real Celery workers (Redis broker, PostgreSQL): the
measure evaluation (`sla.evaluate_measures`, split into chunks of SLA_EVALUATION_CHUNK measures,
one task each) and the check pass (`sla.run_checks`, with helpers `sla.check_due_clocks` taking
chunks of SLA_CHECK_CHUNK clocks with SKIP LOCKED), each timed from dispatch to its last task done,
with one worker process (concurrency 1) and with two. Goal: the evaluation with two workers in at
most 0.6x the time of one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/scale_out.py [--measures 10000] [--measurements 1000000] [--clocks 40000]
        [--due 20000] [--json PATH]

Data: bench/measures.py's measures and measurements, bench/sla.py's running clocks. Between runs
the passes' writes are undone (evaluations and alerts deleted, the due clocks due again), so each
run does the same work. Workers: bench/_celery_worker.py (alert notifications left out). Exit
status 0 when the evaluation's ratio meets the goal.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"  # dispatch for real, before bench._django sets it
os.environ.setdefault("CELERY_BROKER_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))

from bench._django import ROOT, django_database, vendor

GOAL = 0.6
# Celery's own line or the project's format: the time, then "Task <name>[<id>] succeeded" (or
# "raised": a check task past its time limit ends so; the clocks it left are checked by the others).
SUCCEEDED = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}).*Task (sla\.[a-z_]+)\[[^\]]+\] (?:succeeded|raised)")
EVALUATION_TASKS = ("sla.evaluate_measures",)
CHECK_TASKS = ("sla.run_checks", "sla.check_due_clocks")
RECEIVED = re.compile(r"Task (sla\.[a-z_]+)\[[^\]]+\] received")


def worker_environment() -> dict:
    from django.db import connection

    database = connection.settings_dict
    url = f"postgres://{database['USER']}"
    if database.get("PASSWORD"):
        url += f":{database['PASSWORD']}"
    url += f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    environment = dict(os.environ)
    environment.update(DATABASE_URL=url, CELERY_TASK_ALWAYS_EAGER="0", LOG_FORMAT="text", DEBUG="1")
    return environment


class Workers:
    """`count` worker processes of concurrency 1, each logging to a file of its own."""

    def __init__(self, count: int, folder: Path, environment: dict) -> None:
        folder.mkdir()
        self.logs = [folder / f"worker-{count}-{n}.log" for n in range(count)]
        self.processes = [
            subprocess.Popen(  # noqa: S603 - our own script
                [sys.executable, str(ROOT / "bench" / "_celery_worker.py"), f"bench{count}-{n}", "1"],
                cwd=ROOT,
                env=environment,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
                # Each worker in a session of its own, as separately started services are: Linux
                # shares CPU time fairly between sessions (autogroups), so two workers in one
                # session would share one worker's slice of a busy machine.
                start_new_session=True,
            )
            for n, log in enumerate(self.logs)
        ]
        deadline = time.monotonic() + 90
        while not all(" ready." in log.read_text() for log in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                self.stop()
                raise SystemExit(f"a worker did not start; see {self.logs}")
            time.sleep(0.2)

    def succeeded(self) -> list[tuple[datetime, str]]:
        done = []
        for log in self.logs:
            for line in log.read_text().splitlines():
                if match := SUCCEEDED.search(line):
                    done.append((datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f"), match[2]))  # noqa: DTZ007
        return done

    def received(self, names: tuple[str, ...]) -> int:
        return sum(
            1
            for log in self.logs
            for line in log.read_text().splitlines()
            if (match := RECEIVED.search(line)) and match[1] in names
        )

    def done(self, names: tuple[str, ...]) -> list[datetime]:
        return [at for at, name in self.succeeded() if name in names]

    def wait_for(self, names: tuple[str, ...], expected: int, *, timeout: float) -> datetime:
        """The time the `expected`-th task of these names (counted from the workers' start) finished."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.done(names)
            if len(done) >= expected:
                return max(done)
            time.sleep(0.1)
        raise SystemExit(f"only {len(self.done(names))} of {expected} {names} tasks done in {timeout:.0f} s")

    def per_worker(self) -> list[int]:
        return [sum(1 for line in log.read_text().splitlines() if SUCCEEDED.search(line)) for log in self.logs]

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=60)


def log_now() -> datetime:
    """Now as the workers' log lines write it (local time, naive), to subtract their times from."""
    return datetime.now()  # noqa: DTZ005 - compared with the naive local times of the log lines


def build(args) -> dict:
    import bench.sla as sla_bench
    from bench.measures import MEASURES_PER_SERVICE, write_measurements
    from bench.measures import build as build_measures

    described = build_measures(args.measures // MEASURES_PER_SERVICE)
    write_measurements(described, args.measurements)
    # Clocks due now in real time: run_checks checks at timezone.now().
    from django.utils import timezone

    sla_bench.NOW = timezone.now().replace(microsecond=0)
    service, office, _ = sla_bench.setup_sla()
    sla_bench.grow_running_clocks(args.clocks, args.due, service, office)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"measures": len(described)}


def undo_writes(due_clock_ids: list[int]) -> None:
    """What a pass wrote, undone: the next run does the same work."""
    from django.db import connection

    from sla.models import Alert, Clock, MeasureEvaluation, NotificationDelivery

    NotificationDelivery.objects.all().delete()
    Alert.objects.all().delete()
    MeasureEvaluation.objects.all().delete()
    from django.utils import timezone

    Clock.objects.filter(pk__in=due_clock_ids).update(
        next_check_at=timezone.now() - timedelta(seconds=1), last_warned_share=0, state="running"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sla_measureevaluation")
        cursor.execute("VACUUM ANALYZE sla_clock")
        cursor.execute("VACUUM ANALYZE sla_alert")


def purge_queue() -> None:
    from config.celery import app

    app.control.purge()


def time_evaluation(workers: Workers, *, now: datetime, chunks: int) -> float:
    from sla.tasks.measures import evaluate_measures

    dispatched = log_now()
    evaluate_measures.delay(now_iso=now.isoformat())
    finished = workers.wait_for(EVALUATION_TASKS, chunks, timeout=1800)
    return (finished - dispatched).total_seconds()


def time_checks(workers: Workers, *, tasks: int) -> float:
    from sla.tasks.checks import run_checks

    dispatched = log_now()
    run_checks.delay()
    finished = workers.wait_for(CHECK_TASKS, tasks, timeout=1800)
    # A task whose time budget ran out (SLA_CHECK_TASK_BUDGET) handed the rest to another:
    # the pass ends when every check task received has finished.
    # (Settled when two looks half a second apart agree: a task handed on is queued before the
    # task handing it on logs its end, and received a moment later.)
    settled = 0
    while settled < 2:
        time.sleep(0.5)
        received = workers.received(CHECK_TASKS)
        settled = settled + 1 if received <= len(workers.done(CHECK_TASKS)) else 0
        if not settled:
            finished = workers.wait_for(CHECK_TASKS, received, timeout=1800)
    return (finished - dispatched).total_seconds()


def measure(args) -> dict:
    from django.conf import settings
    from django.utils import timezone

    from bench.measures import NOW as EVALUATION_NOW
    from sla.models import Clock, MeasureEvaluation

    built = build(args)
    due_ids = list(Clock.objects.filter(next_check_at__lte=timezone.now()).values_list("pk", flat=True))
    chunks = math.ceil(built["measures"] / settings.SLA_EVALUATION_CHUNK)
    check_tasks = 1 + max(min(settings.SLA_CHECK_PARALLELISM - 1, len(due_ids) // settings.SLA_CHECK_CHUNK), 0)
    environment = worker_environment()
    result = {
        "measures": built["measures"],
        "measurements": args.measurements,
        "due_clocks": len(due_ids),
        "evaluation_chunk": settings.SLA_EVALUATION_CHUNK,
        "evaluation_tasks": chunks,
        "check_chunk": settings.SLA_CHECK_CHUNK,
        "check_tasks": check_tasks,
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="accord-scale-") as folder:
        for run, count in enumerate(args.order):
            undo_writes(due_ids)
            purge_queue()  # what the set-up queued (notifications and the like) is not the pass
            workers = Workers(count, Path(folder) / str(run), environment)
            try:
                evaluation = time_evaluation(workers, now=EVALUATION_NOW, chunks=chunks)
                evaluations = MeasureEvaluation.objects.count()
                checks = time_checks(workers, tasks=check_tasks)
                still_due = Clock.objects.filter(pk__in=due_ids, next_check_at__lte=timezone.now()).count()
                result["runs"].append(
                    {
                        "workers": count,
                        "evaluation_seconds": evaluation,
                        "evaluations": evaluations,
                        "check_seconds": checks,
                        "clocks_left_due": still_due,
                        "tasks_per_worker": workers.per_worker(),
                    }
                )
            finally:
                workers.stop()
    return result


def best(result: dict, workers: int, key: str) -> float:
    return min(run[key] for run in result["runs"] if run["workers"] == workers)


def report(result: dict) -> bool:
    print(
        f"Scale-out on {result['database']}: {result['measures']:,} measures ({result['measurements']:,} "
        f"measurements) in {result['evaluation_tasks']} tasks of {result['evaluation_chunk']}; "
        f"{result['due_clocks']:,} due clocks, chunks of {result['check_chunk']}, {result['check_tasks']} tasks"
    )
    print(f"{'workers':>7} {'evaluation s':>12} {'evaluations':>11} {'check pass s':>12} {'left due':>8}  tasks done")
    for run in result["runs"]:
        print(
            f"{run['workers']:>7} {run['evaluation_seconds']:>12.2f} {run['evaluations']:>11,} "
            f"{run['check_seconds']:>12.2f} {run['clocks_left_due']:>8}  {run['tasks_per_worker']}"
        )
    evaluation = best(result, 2, "evaluation_seconds") / best(result, 1, "evaluation_seconds")
    checks = best(result, 2, "check_seconds") / best(result, 1, "check_seconds")
    same = len({run["evaluations"] for run in result["runs"]}) == 1
    none_left = all(run["clocks_left_due"] == 0 for run in result["runs"])
    result.update(evaluation_ratio=evaluation, check_ratio=checks)
    print(f"two workers / one (best of each): evaluation {evaluation:.2f}x (goal <= {GOAL}), check pass {checks:.2f}x")
    print(
        f"same evaluations written by every run: {'yes' if same else 'NO'}; every due clock checked: "
        f"{'yes' if none_left else 'NO'}"
    )
    ok = evaluation <= GOAL and same and none_left
    print("PASS" if ok else "FAIL")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--measurements", type=int, default=1_000_000)
    parser.add_argument("--clocks", type=int, default=40_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--order", default="1,2", help="worker counts, in the order run (e.g. 1,2,1,2)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.order = [int(n) for n in args.order.split(",")]
    if not {1, 2} <= set(args.order):
        parser.error("--order must include 1 and 2")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL=postgres://… and REDIS_URL=redis://…: real workers on PostgreSQL and Redis")
    with django_database():
        result = measure(args)
        result["database"] = vendor()
    ok = report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
