"""Python's cycle collector held off around the bulk paths (ticket-event and measurement batches,
the measure evaluation pass).

Those paths build hundreds of thousands of small dicts, tuples and dataclasses that make no
reference cycles and live until the request or pass ends; yet each time enough of them outlive
the young generations, CPython's collector walks the whole heap to find nothing (about 0.1 s of
CPU every few batches of 1,000 rows; a third of an evaluation pass's Python time). Reference
counting still frees everything, and the collector resumes afterwards if it was on."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
