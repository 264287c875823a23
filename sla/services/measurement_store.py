"""Writing a batch of data points that sla.services.measurements has checked: all or nothing,
points already stored counted as duplicates, in a constant number of queries.

Most batches are new points, so the first attempt writes every point without looking for stored
ones, and leaves it to the unique key (service, measure, sender id) to refuse a point still
stored; the look costs as much as the write. A removed point is no longer in the table: the
history of the batch's measures, read after the write, tells. Then, or on any refusal, the
transaction is rolled back and the batch written the careful way: the points its sender ids
name are read first, counted as duplicates or refused as a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import psycopg
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction

from sla.services import measurement_rows

if TYPE_CHECKING:
    from sla.services.measurements import MeasurementInput

ATTEMPTS = 4


@dataclass
class RecordResult:
    created: int = 0
    duplicates: int = 0


def number_text(value) -> str:
    """A number as people write it: 10 not 10.0000, 0.5 not 5E-1."""
    return format(float(value), ".15g")


def points_store(
    *,
    items: list[MeasurementInput],
    first_seen: dict[tuple[int, str, str], int],
    instants: list[datetime],
    services: dict,
    recorded_by: int | None,
    source: str,
    problems,
    repeats: int,
) -> RecordResult:
    """Store the batch's distinct points (`first_seen`: (service id, key, sender id) -> the
    index of its first row); `repeats` rows repeated a point within the batch."""
    new_indexes = sorted(first_seen.values())
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                if attempt == 0:
                    return _store_as_new(items, first_seen, instants, services, recorded_by, source, repeats)
                return _store(items, new_indexes, instants, services, recorded_by, source, problems, repeats)
        except IntegrityError as error:
            if _names_a_missing_row(error):
                # The service (or the sender's account) was deleted after the batch was checked.
                raise ValidationError(
                    {"service": ["The service was deleted while these points were being stored; nothing was stored."]}
                ) from None
            # The first attempt assumed every point new and the unique key refused one (a retry,
            # an overlapping window), nothing written. A refusal later means a concurrent batch
            # stored one of these points after we looked: look again (its rows are committed now).
            if attempt == ATTEMPTS - 1:
                raise
        except _NotAllNew:
            pass  # a point of the batch was removed since it was sent: the careful way tells
        except OperationalError as error:
            # Two batches writing the same new points in different orders can each wait for the
            # other; PostgreSQL ends one. Its transaction is rolled back: try again.
            if not isinstance(error.__cause__, psycopg.errors.DeadlockDetected) or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _names_a_missing_row(error: IntegrityError) -> bool:
    """The integrity triggers' refusal (sla/models/measurement_integrity.py), not the unique key's."""
    if isinstance(error.__cause__, psycopg.errors.ForeignKeyViolation):
        return True
    return "FOREIGN KEY constraint failed" in str(error)


class _NotAllNew(Exception):
    """A point of the batch was removed since it was first sent: the batch must be looked at."""


def _store_as_new(items, first_seen, instants, services, recorded_by, source, repeats: int) -> RecordResult:
    """Every point written without looking first; the unique key refuses a point still stored.
    A removed point is no longer in the table: its history, read after the write, tells. Read
    after, not before: our write of a point waits for a removal of it under way, so a removal
    committed at any time before our write ends is in the history we read."""
    rows = []
    for index in first_seen.values():
        item = items[index]
        rows.append(
            (services[item.service].pk, item.measure, float(item.value), instants[index], item.sender_id, item.note)
        )
    measurement_rows.rows_insert(rows, source=source, recorded_by=recorded_by)
    corrected = measurement_rows.corrected_points(
        service_ids={key[0] for key in first_seen}, keys={key[1] for key in first_seen}
    )
    if any(key in first_seen for key in corrected):
        raise _NotAllNew
    return RecordResult(created=len(rows), duplicates=repeats)


def _store(items, new_indexes, instants, services, recorded_by, source, problems, repeats: int) -> RecordResult:
    stored = _stored_points([items[i] for i in new_indexes], services)
    rows: list[tuple] = []
    duplicates = repeats
    for index in new_indexes:
        item = items[index]
        service_id = services[item.service].pk
        known = stored.get((service_id, item.measure, item.sender_id)) if stored else None
        if known is None:
            rows.append((service_id, item.measure, float(item.value), instants[index], item.sender_id, item.note))
        elif known.is_sent_again(float(item.value), instants[index]):
            duplicates += 1
        elif known.value is None:
            problems.add(
                index,
                "sender_id",
                f"Sender id {item.sender_id!r} named a point at {known.measured_at.isoformat()} that was removed; "
                "one sender id names one data point: give a new point a new id.",
            )
        else:
            problems.add(
                index,
                "sender_id",
                f"Sender id {item.sender_id!r} was already used for {number_text(known.value)} at "
                f"{known.measured_at.isoformat()}; one sender id names one data point: give a new point a new id.",
            )
    problems.raise_if_any()
    measurement_rows.rows_insert(rows, source=source, recorded_by=recorded_by)
    return RecordResult(created=len(rows), duplicates=duplicates)


@dataclass
class _Known:
    """A point a sender id already names: its value now (None: removed) and time, and every value
    it has had (as sent, and before each correction)."""

    value: float | None
    measured_at: datetime
    values: set[float]

    def is_sent_again(self, value: float, instant: datetime) -> bool:
        return instant == self.measured_at and value in self.values


def _stored_points(items: list[MeasurementInput], services) -> dict[tuple[int, str, str], _Known]:
    """(service id, measure key, sender id) -> the point already stored under it, or corrected
    or removed since: one query for the points and their correction history together."""
    if not items:
        return {}
    wanted = {(services[i.service].pk, i.measure, i.sender_id) for i in items}
    found: dict[tuple[int, str, str], _Known] = {}
    for s, m, i, value, at, row_kind in measurement_rows.rows_stored(wanted):
        if (s, m, i) not in wanted:
            continue
        known = found.setdefault((s, m, i), _Known(value=None, measured_at=at, values=set()))
        known.values.add(value)
        if row_kind == 0:
            known.value, known.measured_at = value, at
    return found
