"""The business-time clock: pure functions of a calendar spec and instants, no database.

The rules are in /docs/business-time.md (from the shared spec). In short: a calendar is a time
zone, weekly local working intervals ``[from, to)`` per weekday (``to`` may be 24:00) and closed
local dates (public holidays from the ``holidays`` package plus extra closures). An instant is
working time when its local wall-clock time lies in an interval of its local weekday and its local
date is not closed. Time passes in UTC, so DST gaps never count and repeated hours count twice.

How it is fast: for each calendar spec a ``_Clock`` caches, per UTC day, the working spans of that
day as UTC instants (built once from the zone's offsets, the weekly intervals and the closed
dates). Adding and measuring then walks spans and whole days, never minutes. Chunking by UTC day
rather than by local date keeps the spans in time order in every zone, even where a local date
repeats after clocks go back across midnight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

SECONDS_PER_DAY = 86_400
ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)
ONE_HOUR = timedelta(hours=1)
ONE_SECOND = timedelta(seconds=1)
# A walk that meets this many consecutive UTC days without working time stops with an error
# instead of looping: weekly hours minus closures cannot legitimately be empty for ten years.
MAX_IDLE_DAYS = 3_660

Interval = tuple[int, int]  # seconds since local midnight, [start, end), end <= 86400
Week = tuple[tuple[Interval, ...], ...]  # Monday .. Sunday
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class NoWorkingTimeError(ValueError):
    """The calendar has no working time in which a duration could elapse."""


@dataclass(frozen=True)
class CalendarSpec:
    """Everything the clock needs to know about a calendar; frozen and hashable (a cache key)."""

    time_zone: str
    week: Week = ((),) * 7
    holiday_country: str = ""
    holiday_subdivision: str = ""
    closed_dates: frozenset[date] = frozenset()
    always_open: bool = False
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise inputs once, here
        set_(self, "zone", zone_from_name(self.time_zone))
        set_(self, "week", validate_week(self.week))
        set_(self, "closed_dates", frozenset(self.closed_dates))
        if self.holiday_country or self.holiday_subdivision:
            validate_holiday_region(self.holiday_country, self.holiday_subdivision)
        set_(
            self,
            "_hash",
            hash(
                (
                    self.time_zone,
                    self.week,
                    self.holiday_country,
                    self.holiday_subdivision,
                    self.closed_dates,
                    self.always_open,
                )
            ),
        )

    def __hash__(self) -> int:  # cached: specs are hashed on every call of the clock
        return self._hash

    def __reduce__(self):  # rebuild on unpickling: the cached hash of str is per process
        fields = (self.time_zone, self.week, self.holiday_country, self.holiday_subdivision, self.closed_dates)
        return (_rebuild_spec, (*fields, self.always_open, self.name))

    @classmethod
    def weekly(cls, time_zone: str, hours: Mapping[int, str], **kwargs) -> CalendarSpec:
        """Build from text, e.g. ``{0: "09:00-12:00, 13:00-17:30", 5: "10:00-14:00"}``."""
        week = [[] for _ in range(7)]
        for weekday, text in hours.items():
            week[weekday] = [parse_interval(part) for part in text.split(",") if part.strip()]
        return cls(time_zone=time_zone, week=tuple(tuple(day) for day in week), **kwargs)

    @classmethod
    def twenty_four_seven(cls, time_zone: str = "UTC", **kwargs) -> CalendarSpec:
        return cls(time_zone=time_zone, always_open=True, **kwargs)

    @property
    def has_working_time(self) -> bool:
        return self.always_open or any(self.week)

    def is_closed(self, day: date) -> bool:
        """Is this local date closed (extra closure or public holiday)?"""
        if day in self.closed_dates:
            return True
        return bool(self.holiday_country) and day in holiday_dates(
            self.holiday_country, self.holiday_subdivision, day.year
        )

    def describe(self) -> str:
        return self.name or f"calendar in {self.time_zone}"


def _rebuild_spec(*args) -> CalendarSpec:
    return CalendarSpec(*args)


# --- Validation shared with the models and forms ----------------------------------------


def zone_from_name(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"Unknown time zone {name!r}; use an IANA name such as 'Europe/London'.") from None


def format_clock(seconds: int) -> str:
    """Seconds since local midnight as HH:MM (or HH:MM:SS); 86400 is 24:00."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


_CLOCK_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def parse_clock(text: str) -> int:
    """'HH:MM' or 'HH:MM:SS' (00:00 to 24:00) as seconds since local midnight."""
    match = _CLOCK_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time of day; use HH:MM, e.g. 09:00 or 24:00.")
    hours, minutes, secs = int(match[1]), int(match[2]), int(match[3] or 0)
    value = hours * 3600 + minutes * 60 + secs
    if minutes > 59 or secs > 59 or value > SECONDS_PER_DAY:
        raise ValueError(f"{text!r} is not a time of day between 00:00 and 24:00.")
    return value


def parse_interval(text: str) -> Interval:
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"{text!r} is not an interval; use HH:MM-HH:MM, e.g. 09:00-17:00.")
    return parse_clock(start), parse_clock(end)


def interval_problems(intervals: Iterable[Interval]) -> list[str]:
    """Messages for bad intervals of one weekday: out of range, empty, overlapping."""
    problems = []
    ordered = sorted(intervals)
    for start, end in ordered:
        if not (0 <= start < SECONDS_PER_DAY and 0 < end <= SECONDS_PER_DAY):
            problems.append(f"{format_clock(start)}-{format_clock(end)} is outside 00:00-24:00.")
        elif start >= end:
            problems.append(
                f"{format_clock(start)}-{format_clock(end)} ends before it starts; "
                "a shift across midnight is two intervals, e.g. 22:00-24:00 and 00:00-06:00 the next day."
            )
    for (s1, e1), (s2, e2) in pairwise(ordered):
        if s2 < e1:
            problems.append(f"{format_clock(s1)}-{format_clock(e1)} overlaps {format_clock(s2)}-{format_clock(e2)}.")
    return problems


def validate_week(week: Iterable[Iterable[Interval]]) -> Week:
    days = tuple(tuple(sorted((int(s), int(e)) for s, e in day)) for day in week)
    if len(days) != 7:
        raise ValueError(f"A week has 7 days of intervals (Monday first), got {len(days)}.")
    for weekday, day in enumerate(days):
        problems = interval_problems(day)
        if problems:
            raise ValueError(f"{WEEKDAY_NAMES[weekday]}: {' '.join(problems)}")
    return days


@lru_cache(maxsize=1)
def _supported_regions() -> dict[str, list[str]]:
    return holidays.list_supported_countries()


def validate_holiday_region(country: str, subdivision: str = "") -> None:
    """Raise ValueError naming the problem unless the holidays package knows country/subdivision."""
    regions = _supported_regions()
    if not country:
        raise ValueError("A holiday subdivision needs a country.")
    if len(country) != 2 or country not in regions:
        raise ValueError(
            f"Unknown holiday country {country!r}; use a two-letter ISO 3166 code the holidays package "
            "supports, e.g. GB, US, FR."
        )
    if subdivision and subdivision not in regions[country]:
        known = ", ".join(regions[country]) or "none"
        raise ValueError(f"Unknown subdivision {subdivision!r} for {country}; known subdivisions: {known}.")


@lru_cache(maxsize=4096)
def holiday_dates(country: str, subdivision: str, year: int) -> frozenset[date]:
    """Public holidays (observed days included) of one year, loaded lazily per year."""
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


# --- The clock --------------------------------------------------------------------------


def _utc_day_start(ordinal: int) -> datetime:
    return datetime.fromordinal(ordinal).replace(tzinfo=UTC)


@lru_cache(maxsize=65_536)
def _offset_segments(time_zone: str, ordinal: int) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """The UTC day split where the zone's UTC offset changes: (from, to, offset) pieces.

    Offsets are sampled every hour and a change is bisected to the second (tz transitions fall
    on whole seconds); two transitions within one hour do not occur in the tz database.
    """
    zone = ZoneInfo(time_zone)
    day_start = _utc_day_start(ordinal)
    points = [day_start + ONE_HOUR * hour for hour in range(25)]
    offsets = [point.astimezone(zone).utcoffset() for point in points]
    segments = []
    segment_start, segment_offset = day_start, offsets[0]
    for hour in range(1, 25):
        if offsets[hour] == segment_offset:
            continue
        low, high = points[hour - 1], points[hour]  # offset(low) == segment_offset != offset(high)
        while high - low > ONE_SECOND:
            middle = low + (high - low) // 2
            if middle.astimezone(zone).utcoffset() == segment_offset:
                low = middle
            else:
                high = middle
        if high > segment_start:
            segments.append((segment_start, high, segment_offset))
        segment_start, segment_offset = high, offsets[hour]
    end = points[24]
    if end > segment_start:
        segments.append((segment_start, end, segment_offset))
    return tuple(segments)


class _Clock:
    """Per-spec cache: UTC day ordinal -> (first start, last end, total, spans) of working time."""

    __slots__ = ("chunks", "spec")

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.chunks: dict[int, tuple] = {}

    def chunk(self, ordinal: int) -> tuple:
        found = self.chunks.get(ordinal)
        if found is None:
            found = self.chunks[ordinal] = self._build(ordinal)
        return found

    def _build(self, ordinal: int) -> tuple:
        spec = self.spec
        spans: list[list[datetime]] = []
        for seg_start, seg_end, offset in _offset_segments(spec.time_zone, ordinal):
            wall_start = (seg_start + offset).replace(tzinfo=None)
            wall_end = (seg_end + offset).replace(tzinfo=None)
            day = wall_start.date()
            last_day = (wall_end - timedelta(microseconds=1)).date()
            while day <= last_day:
                intervals = spec.week[day.weekday()]
                if intervals and not spec.is_closed(day):
                    midnight = datetime.combine(day, time())
                    for start, end in intervals:
                        wall_from = max(midnight + timedelta(seconds=start), wall_start)
                        wall_to = min(midnight + timedelta(seconds=end), wall_end)
                        if wall_from < wall_to:
                            utc_from = (wall_from - offset).replace(tzinfo=UTC)
                            utc_to = (wall_to - offset).replace(tzinfo=UTC)
                            if spans and spans[-1][1] == utc_from:
                                spans[-1][1] = utc_to  # contiguous (e.g. 24:00 then 00:00): one span
                            else:
                                spans.append([utc_from, utc_to])
                day += ONE_DAY
        if not spans:
            return (None, None, ZERO, ())
        frozen = tuple((start, end) for start, end in spans)
        total = sum((end - start for start, end in frozen), ZERO)
        return (frozen[0][0], frozen[-1][1], total, frozen)


@lru_cache(maxsize=256)
def _clock(spec: CalendarSpec) -> _Clock:
    return _Clock(spec)


def _as_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be an aware datetime, got {type(value).__name__}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} is a naive datetime ({value.isoformat()}); business time needs an aware datetime "
            "with a time zone or UTC offset."
        )
    return value.astimezone(UTC)


def _check_spec(calendar: CalendarSpec) -> CalendarSpec:
    if not isinstance(calendar, CalendarSpec):
        raise TypeError(
            f"calendar must be a CalendarSpec, got {type(calendar).__name__}; "
            "build one from a Calendar with sla.calendars.calendar_spec(calendar)."
        )
    return calendar


def add_business_time(calendar: CalendarSpec, start: datetime, duration: timedelta) -> datetime:
    """The earliest instant by which ``duration`` of working time has elapsed since ``start``.

    The result is an aware datetime in UTC (an instant: convert it with ``astimezone`` or
    ``timezone.localtime`` for display). A zero duration returns ``start`` itself, even outside
    working time; otherwise counting begins at the next opening, and work ending exactly at a
    closing time is due at that closing time.
    """
    spec = _check_spec(calendar)
    moment = _as_utc(start, "start")
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, got {type(duration).__name__}.")
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration}.")
    if not duration:
        return start
    if spec.always_open:
        return moment + duration
    if not spec.has_working_time:
        raise NoWorkingTimeError(f"{spec.describe()} has no working hours, so no duration can elapse.")

    clock = _clock(spec)
    chunks = clock.chunks
    remaining = duration
    ordinal = moment.toordinal()
    idle_days = 0
    while True:
        chunk = chunks.get(ordinal) or clock.chunk(ordinal)
        first_start, last_end, total, spans = chunk
        ordinal += 1
        if first_start is None or last_end <= moment:
            idle_days += 1
            if idle_days > MAX_IDLE_DAYS:
                raise NoWorkingTimeError(
                    f"{spec.describe()} has no working time for {MAX_IDLE_DAYS} days after {start.isoformat()}."
                )
            continue
        idle_days = 0
        if moment <= first_start and total < remaining:
            remaining -= total  # the whole day's work fits: skip its spans
            moment = last_end
            continue
        for span_start, span_end in spans:
            if span_end <= moment:
                continue
            if span_start > moment:
                moment = span_start
            available = span_end - moment
            if remaining <= available:
                return moment + remaining
            remaining -= available
            moment = span_end


def business_time_between(calendar: CalendarSpec, start: datetime, end: datetime) -> timedelta:
    """Working time in ``[start, end)``; zero when ``end <= start``."""
    spec = _check_spec(calendar)
    begin = _as_utc(start, "start")
    finish = _as_utc(end, "end")
    if finish <= begin:
        return ZERO
    if spec.always_open:
        return finish - begin
    if not spec.has_working_time:
        return ZERO

    clock = _clock(spec)
    chunks = clock.chunks
    total = ZERO
    ordinal = begin.toordinal()
    last_ordinal = finish.toordinal()
    while ordinal <= last_ordinal:
        chunk = chunks.get(ordinal) or clock.chunk(ordinal)
        ordinal += 1
        first_start, last_end, day_total, spans = chunk
        if first_start is None:
            continue
        if begin <= first_start and last_end <= finish:
            total += day_total
            continue
        for span_start, span_end in spans:
            if span_end <= begin:
                continue
            if span_start >= finish:
                break
            total += min(span_end, finish) - max(span_start, begin)
    return total


def is_working_time(calendar: CalendarSpec, instant: datetime) -> bool:
    """Does this instant count as working time?"""
    moment = _as_utc(instant, "instant")
    return business_time_between(calendar, moment, moment + timedelta(microseconds=1)) > ZERO
