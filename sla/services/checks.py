"""The check pass: look at the clocks that are due (`next_check_at <= now`), and only those.

Safe to run on many workers at once: each chunk is claimed with `SELECT … FOR UPDATE SKIP
LOCKED` where the database has it (PostgreSQL), and every clock is claimed again with a
conditional update on the `next_check_at` it was read with, so a clock changed meanwhile (by a
new event, or by another worker) is left alone. Alerts carry unique keys, so even a clock
evaluated twice raises its alert once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from config.ops.faults import pause_point
from sla.models import Clock
from sla.services.alerts import alerts_raise, clock_evaluate

DEFAULT_CHUNK = 200


@dataclass
class CheckResult:
    checked: int = 0
    alerts: int = 0
    chunks: int = 0
    stopped: bool = False  # at the deadline, with clocks perhaps still due: another task goes on


def clocks_check_due(
    *,
    now: datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    max_chunks: int | None = None,
    deadline: float | None = None,
) -> CheckResult:
    """Evaluate every due clock at `now`, a chunk per transaction, until none is due. With a
    `deadline` (a `time.monotonic()` instant) no chunk is started after it (the first always is,
    so each call makes progress) and the result says `stopped`: a task keeps within its time
    limit however many clocks are due and however loaded the machine, and hands the rest on."""
    now = now or timezone.now()
    result = CheckResult()
    while max_chunks is None or result.chunks < max_chunks:
        if deadline is not None and result.chunks and time.monotonic() >= deadline:
            result.stopped = True
            break
        checked, alerts = _check_chunk(now, chunk_size)
        if not checked:
            break
        result.checked += checked
        result.alerts += alerts
        result.chunks += 1
    return result


def _check_chunk(now: datetime, chunk_size: int) -> tuple[int, int]:
    with transaction.atomic():
        due = Clock.objects.filter(next_check_at__lte=now).order_by("next_check_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        clocks = list(due.select_related("ticket", "ticket__service")[:chunk_size])
        if not clocks:
            return 0, 0
        claimed, drafts = [], []
        for clock in clocks:
            seen = clock.next_check_at
            draft = clock_evaluate(clock, now=now)
            won = Clock.objects.filter(pk=clock.pk, next_check_at=seen).update(
                state=clock.state,
                breached_at=clock.breached_at,
                last_warned_share=clock.last_warned_share,
                next_check_at=clock.next_check_at,
            )
            if won:
                claimed.append(clock)
                if draft is not None:
                    drafts.append(draft)
        alerts = alerts_raise(drafts, now=now)
        pause_point("sla.check_chunk")  # tests: a worker killed with the chunk's alerts not committed
        return len(clocks), len(alerts)
