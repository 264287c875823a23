"""Fault points: named places in a task where a test may stop a worker, so that it can kill the
worker exactly there (tests/sla/test_worker_killed.py) instead of guessing with sleeps.

Off unless the settings name a point (ACCORD_FAULT_PAUSE_AT, read only with DEBUG on): in
production `pause_point` is one settings lookup and returns."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from django.conf import settings

_reached: Counter[str] = Counter()


def pause_point(name: str) -> None:
    """With FAULT_PAUSE_AT = "<name>#<n>" (n defaults to 1): the n-th time this process gets
    here, write FAULT_DIR/<name>.reached (this process's id) and wait until FAULT_DIR/<name>.release
    exists; a test kills the worker meanwhile. Once per folder: no stop once the file exists."""
    spec = settings.FAULT_PAUSE_AT
    if not spec:
        return
    wanted, _, nth = spec.partition("#")
    if name != wanted:
        return
    _reached[name] += 1
    if _reached[name] != int(nth or 1):
        return
    folder = Path(settings.FAULT_DIR)
    reached = folder / f"{name}.reached"
    if reached.exists():
        return  # once per folder: the task run again (by a new pool process) goes through
    reached.write_text(str(os.getpid()))
    release = folder / f"{name}.release"
    while not release.exists():  # a signal from the test, not a timing: it waits as long as it must
        time.sleep(0.05)
