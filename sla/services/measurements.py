"""Measurements in: data points of success measures, from the portal's form, a CSV upload or
the API.

`measurements_record` is the single way data points enter Accord. It checks every row first
and writes in one transaction: either every new point of a batch is stored or none is. A point
is named by its sender's id (unique per service and measure): sending it again changes nothing;
sending the same id with another value or time is refused, since one id names one point.

A point corrected or removed since (sla.services.measurement_corrections) keeps its history, and
the history counts: re-sending the point as it was sent (a retry, a file uploaded again) is a
duplicate and changes nothing, so a sender cannot undo a correction or bring back a removed point.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from math import isfinite
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.models import Measure, MeasureSource, Service
from sla.selectors import measures_accepting_data, service_time_zone
from sla.services import measurement_store
from sla.services.measurement_store import RecordResult, number_text

MAX_BATCH = 5_000
CLOCK_SKEW = timedelta(minutes=5)  # a sender's clock may run this far ahead of ours
# Nothing was measured for an agreement before this; a point at year 1 with an offset east of UTC
# would even be stored before year 1 by PostgreSQL and could no longer be read back.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
SENT_SOURCES = frozenset({MeasureSource.MANUAL, MeasureSource.PUSHED})
MAX_ROWS_REPORTED = 50  # a batch of 5,000 bad rows is answered with the first 50 and a count
SENDER_ID_MAX, NOTE_MAX = 200, 500


@dataclass(frozen=True)
class LocalPeriod:
    """A day, ISO week, month or quarter named without a time: the point is stored at its
    start, local midnight in the service's time zone."""

    first_day: date
    label: str  # as written: "2026-11-02", "2026-W45", "2026-11", "2026-Q4"

    @classmethod
    def of_day(cls, day: date) -> LocalPeriod:
        return cls(first_day=day, label=day.isoformat())


class MeasurementInput(NamedTuple):
    """One data point as a sender gives it: the service (slug), the measure (key), a value, when
    it was measured (an aware datetime, or a LocalPeriod) and the sender's id for it. (A named
    tuple: as immutable as a frozen dataclass, and built in a fifth of its time, which a batch of
    5,000 pays 5,000 times.)"""

    service: str
    measure: str
    value: float
    measured_at: datetime | LocalPeriod
    sender_id: str
    note: str = ""


_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)


def measured_at_parse(text: str) -> datetime | LocalPeriod | None:
    """ISO 8601 instant (naive if written without an offset: callers decide), or a day
    (2026-11-02), ISO week (2026-W45), month (2026-11) or quarter (2026-Q4). None if neither."""
    text = text.strip()
    try:
        if len(text) > 10:  # longer than any day, week, month or quarter: an instant, or nothing
            return parse_datetime(text)
        if match := _DAY.match(text):
            return LocalPeriod(date(*map(int, match.groups())), text)
        if match := _MONTH.match(text):
            return LocalPeriod(date(int(match[1]), int(match[2]), 1), text)
        if match := _QUARTER.match(text):
            return LocalPeriod(date(int(match[1]), 3 * int(match[2]) - 2, 1), text.upper())
        if match := _WEEK.match(text):
            return LocalPeriod(date.fromisocalendar(int(match[1]), int(match[2]), 1), text.upper())
        return parse_datetime(text)
    except ValueError:
        return None


class _Problems:
    """Problems of a batch, named by row ("rows[3].value"), or by field for a single point."""

    def __init__(self, many: bool) -> None:
        self.many = many
        self.by_row: dict[int, dict[str, str]] = {}

    def add(self, index: int, name: str, message: str) -> None:
        self.by_row.setdefault(index, {}).setdefault(name, message)

    def __contains__(self, index: int) -> bool:
        return index in self.by_row

    def raise_if_any(self) -> None:
        if not self.by_row:
            return
        messages: dict[str, list[str]] = {}
        rows = sorted(self.by_row)
        for index in rows[:MAX_ROWS_REPORTED]:
            for name, message in self.by_row[index].items():
                messages[f"rows[{index}].{name}" if self.many else name] = [message]
        if len(rows) > MAX_ROWS_REPORTED:
            rest = len(rows) - MAX_ROWS_REPORTED
            messages["rows"] = [f"…and {rest:,} more rows with problems; nothing was recorded."]
        raise ValidationError(messages)


def measurements_record(
    *,
    items: Sequence[MeasurementInput],
    actor,
    source: str,
    now: datetime | None = None,
    many: bool = True,
) -> RecordResult:
    """Store a batch of data points all-or-nothing; points already stored are counted as
    duplicates and change nothing. `actor` must hold 'sla.record_measurements' on every
    service named (None: a trusted caller such as a management command). `many=False` names
    problems by field alone. A constant number of queries, whatever the batch size."""
    now = now or timezone.now()
    problems = _Problems(many)
    if not items:
        raise ValidationError({"rows": ["Send at least one measurement."]})
    if len(items) > MAX_BATCH:
        raise ValidationError({"rows": [f"Send at most {MAX_BATCH:,} measurements at once, not {len(items):,}."]})
    for index, item in enumerate(items):
        if not _well_formed(item):
            _check_shape(index, item, problems)
    problems.raise_if_any()

    services = Service.objects.select_related("support_calendar").in_bulk(
        {item.service for item in items}, field_name="slug"
    )
    for index, item in enumerate(items):
        if item.service not in services:
            problems.add(index, "service", f"Unknown service {item.service!r}.")
    problems.raise_if_any()
    if actor is not None:
        for service in sorted(services.values(), key=lambda s: s.name):
            if not actor.has_perm("sla.record_measurements", service):
                raise PermissionDenied(f"You may not record measurements for {service.name}.")

    definitions = measures_accepting_data(service_ids=[s.pk for s in services.values()])
    zones = {slug: ZoneInfo(service_time_zone(service)) for slug, service in services.items()}
    service_ids = {slug: service.pk for slug, service in services.items()}
    instants: list[datetime] = []
    latest = now + CLOCK_SKEW
    ranges: dict[tuple[int, str], str | list[_Range]] = {}  # by service and key: a problem, or the ranges
    for index, item in enumerate(items):
        key = (service_ids[item.service], item.measure)
        if (accepted := ranges.get(key)) is None:
            service = services[item.service]
            accepted = ranges[key] = _accepted_ranges(item.measure, service, definitions.get(key, []))
        if type(accepted) is str:
            problems.add(index, "measure", accepted)
        else:
            _check_value(index, float(item.value), accepted, problems)
        instant = item.measured_at
        if type(instant) is not datetime:
            instant = _instant(instant, zones[item.service])
        instants.append(instant)
        if instant > latest:
            _refuse_future(index, item, instant, zones[item.service], problems)
        if instant < EARLIEST:
            problems.add(index, "measured_at", f"{_when(item)} is before 1970; send measurements taken since then.")
    problems.raise_if_any()

    # Same sender id twice in the batch: one point if the content agrees, else a mistake.
    first_seen: dict[tuple[int, str, str], int] = {}
    repeats: list[int] = []
    for index, item in enumerate(items):
        key = (service_ids[item.service], item.measure, item.sender_id)
        if key not in first_seen:
            first_seen[key] = index
            continue
        earlier = first_seen[key]
        if items[earlier].value == float(item.value) and instants[earlier] == instants[index]:
            repeats.append(index)
        else:
            problems.add(
                index,
                "sender_id",
                f"Sender id {item.sender_id!r} is also used by rows[{earlier}] for a different point; "
                "one sender id names one data point.",
            )
    problems.raise_if_any()

    recorded_by = actor.pk if actor is not None and actor.is_authenticated else None
    return measurement_store.points_store(
        items=items,
        first_seen=first_seen,
        instants=instants,
        services=services,
        recorded_by=recorded_by,
        source=source,
        problems=problems,
        repeats=len(repeats),
    )


def _well_formed(item: MeasurementInput) -> bool:
    """Nothing for _check_shape to say, in one expression: most points of a batch are, and a call
    with its checks one by one cost a fifth of a batch's checking. Anything less plain (an int, a
    zone other than a fixed offset, a period) goes to _check_shape."""
    _, measure, value, measured_at, sender_id, note = item
    return (
        type(sender_id) is str
        and 0 < len(sender_id) <= SENDER_ID_MAX
        and not sender_id.isspace()
        and bool(measure)
        and type(value) is float
        and isfinite(value)
        and type(measured_at) is datetime
        and type(measured_at.tzinfo) is dt_timezone  # a fixed offset: aware
        and len(note) <= NOTE_MAX
    )


def _check_shape(index: int, item: MeasurementInput, problems: _Problems) -> None:
    sender_id = item.sender_id.strip() if isinstance(item.sender_id, str) else ""
    if not sender_id:
        problems.add(index, "sender_id", "Give the sender's id for this point (it makes a repeat harmless).")
    elif len(item.sender_id) > SENDER_ID_MAX:
        problems.add(index, "sender_id", f"At most {SENDER_ID_MAX} characters.")
    if not item.measure:
        problems.add(index, "measure", "Name the measure by its key.")
    if isinstance(item.value, bool) or not isinstance(item.value, int | float) or not math.isfinite(item.value):
        problems.add(index, "value", f"{item.value!r} is not a finite number.")
    if isinstance(item.measured_at, datetime):
        if timezone.is_naive(item.measured_at):
            problems.add(index, "measured_at", "Give the time with a time zone or UTC offset, e.g. 2026-11-02T09:00Z.")
    elif not isinstance(item.measured_at, LocalPeriod):
        problems.add(index, "measured_at", "Give when it was measured: a time, a day, a week, a month or a quarter.")
    if len(item.note) > NOTE_MAX:
        problems.add(index, "note", f"At most {NOTE_MAX} characters.")


@dataclass(frozen=True)
class _Range:
    """A measure's valid range, as a sent value is checked against it."""

    low: float | None
    high: float | None
    name: str


def _accepted_ranges(key: str, service: Service, definitions: list[Measure]) -> str | list[_Range]:
    """The valid ranges of every definition of a key that accepts data, or why none does."""
    if not definitions:
        return (
            f"Unknown measure {key!r} for {service.name}: no agreement version of the service "
            "(draft, proposed or agreed) defines it."
        )
    accepting = [m for m in definitions if m.source in SENT_SOURCES]
    if not accepting:
        derived = definitions[0]
        return f"'{derived.name}' is {derived.get_source_display().lower()}: Accord computes it, it is not sent."
    return [
        _Range(
            low=float(m.valid_min) if m.valid_min is not None else None,
            high=float(m.valid_max) if m.valid_max is not None else None,
            name=m.name,
        )
        for m in accepting
    ]


def _check_value(index: int, value: float, ranges: list[_Range], problems: _Problems) -> None:
    for valid in ranges:
        if (valid.low is not None and value < valid.low) or (valid.high is not None and value > valid.high):
            outside = _range_text(valid.low, valid.high)
            problems.add(index, "value", f"{number_text(value)} is outside {outside} of '{valid.name}'.")
            return


def _check_measure(index: int, item, service: Service, definitions: list[Measure], problems: _Problems) -> None:
    """One point's measure and value (a correction's new value)."""
    accepted = _accepted_ranges(item.measure, service, definitions)
    if type(accepted) is str:
        problems.add(index, "measure", accepted)
    else:
        _check_value(index, float(item.value), accepted, problems)


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"the valid range {number_text(low)} to {number_text(high)}"
    if low is not None:
        return f"the valid range (at least {number_text(low)})"
    return f"the valid range (at most {number_text(high)})"


def _instant(measured_at: datetime | LocalPeriod, zone: ZoneInfo) -> datetime:
    if isinstance(measured_at, LocalPeriod):
        return datetime.combine(measured_at.first_day, time(0), tzinfo=zone)
    return measured_at


def _when(item) -> str:
    return item.measured_at.label if isinstance(item.measured_at, LocalPeriod) else item.measured_at.isoformat()


def _refuse_future(index: int, item, instant: datetime, zone: ZoneInfo, problems) -> None:
    if isinstance(item.measured_at, LocalPeriod):
        problems.add(
            index,
            "measured_at",
            f"{item.measured_at.label} has not started yet (it starts on {instant:%d %B %Y} in {zone.key}); "
            "send a period's data once it has begun.",
        )
    else:
        problems.add(
            index, "measured_at", f"{instant.isoformat()} is in the future; send a measurement once it is taken."
        )
