"""Property tests: the clock against a brute-force oracle that walks the timeline minute by minute.

The oracle applies the definition directly: an instant is working time when its local wall-clock
time lies in an interval of its local weekday and its local date is not closed. Random calendars
use whole-minute boundaries and tz offsets change on whole minutes, so working status is constant
within each UTC minute; the oracle still handles starts and durations with seconds and
microseconds by counting partial minutes.
"""

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sla.business_time import CalendarSpec, add_business_time, business_time_between

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",  # +05:30, no DST
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45/+13:45
    "America/Sao_Paulo",  # had DST changes at midnight (2018-11-04, 2019-02-17)
    "America/Havana",  # changes at 00:00 and 01:00
    "Pacific/Apia",  # skipped 30 December 2011
    "Europe/Dublin",  # "negative" DST in the tz database
]
HOLIDAY_REGIONS = [("", ""), ("", ""), ("GB", "ENG"), ("US", "NY")]
MINUTE = timedelta(minutes=1)
ORACLE_LIMIT = timedelta(days=60)
PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _transitions(zone_name: str, year: int) -> list[datetime]:
    """UTC instants near which the zone's offset changes in a year (hourly scan)."""
    zone = ZoneInfo(zone_name)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(zone).utcoffset()
    found = []
    while moment.year == year:
        offset = moment.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(moment)
            previous = offset
        moment += timedelta(hours=1)
    return found


SPECIAL_YEARS = {"Pacific/Apia": [2011], "America/Sao_Paulo": [2018, 2019], "Europe/Dublin": [1971]}
COMMON_INSTANTS = [
    datetime(2025, 12, 25, tzinfo=UTC),
    datetime(2024, 2, 29, tzinfo=UTC),
    datetime(2030, 1, 1, tzinfo=UTC),
]
# Per zone: instants where its offset changes, so that walks often cross a clock change.
INTERESTING_INSTANTS = {
    zone: [t for year in [2025, *SPECIAL_YEARS.get(zone, [])] for t in _transitions(zone, year)] + COMMON_INSTANTS
    for zone in ZONES
}


# --- The oracle ---------------------------------------------------------------------------


@cache
def _holidays(country: str, subdivision: str, year: int) -> set:
    return set(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


def oracle_is_working_minute(spec: CalendarSpec, minute: datetime) -> bool:
    local = minute.astimezone(ZoneInfo(spec.time_zone))
    day = local.date()
    if day in spec.closed_dates:
        return False
    if spec.holiday_country and day in _holidays(spec.holiday_country, spec.holiday_subdivision, day.year):
        return False
    second_of_day = local.hour * 3600 + local.minute * 60
    return any(start <= second_of_day < end for start, end in spec.week[local.weekday()])


def _minute_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def oracle_add(spec: CalendarSpec, start: datetime, duration: timedelta) -> datetime:
    moment = start.astimezone(UTC)
    if not duration:
        return moment
    remaining = duration
    minute = _minute_floor(moment)
    while True:
        assert minute - start < ORACLE_LIMIT, "oracle walked too far; keep generated cases smaller"
        next_minute = minute + MINUTE
        if oracle_is_working_minute(spec, minute):
            available = next_minute - moment
            if remaining <= available:
                return moment + remaining
            remaining -= available
        moment = minute = next_minute


def oracle_between(spec: CalendarSpec, start: datetime, end: datetime) -> timedelta:
    moment, end = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    minute = _minute_floor(moment)
    while minute < end:
        next_minute = minute + MINUTE
        if oracle_is_working_minute(spec, minute):
            total += min(next_minute, end) - max(minute, moment)
        minute = next_minute
    return total


def test_oracle_agrees_with_a_hand_worked_case():
    office = CalendarSpec.weekly("Europe/London", dict.fromkeys(range(5), "09:00-17:00"))
    start = datetime(2025, 3, 28, 16, tzinfo=ZoneInfo("Europe/London"))
    assert oracle_add(office, start, timedelta(hours=2)) == datetime(2025, 3, 31, 9, tzinfo=UTC)
    assert oracle_between(office, start, datetime(2025, 3, 31, 9, tzinfo=UTC)) == timedelta(hours=2)


# --- Strategies ------------------------------------------------------------------------


@st.composite
def weekday_intervals(draw) -> tuple[tuple[int, int], ...]:
    if draw(st.integers(0, 9)) == 0:
        return ((0, 86_400),)
    boundaries = sorted(draw(st.lists(st.integers(0, 1440), unique=True, max_size=6)))
    if len(boundaries) % 2:
        boundaries.pop()
    return tuple((boundaries[i] * 60, boundaries[i + 1] * 60) for i in range(0, len(boundaries), 2))


@st.composite
def instants(draw, zone: str = "UTC") -> datetime:
    if draw(st.booleans()):
        base = draw(st.sampled_from(INTERESTING_INSTANTS[zone]))
        moment = base + draw(st.integers(-3 * 1440, 3 * 1440)) * MINUTE
    else:
        moment = draw(st.datetimes(datetime(2000, 1, 1), datetime(2040, 12, 31), timezones=st.just(UTC)))
        moment = moment.replace(second=0, microsecond=0)
    precision = draw(st.sampled_from(["minute", "minute", "second", "microsecond"]))
    if precision == "second":
        moment += timedelta(seconds=draw(st.integers(0, 59)))
    elif precision == "microsecond":
        moment += timedelta(microseconds=draw(st.integers(0, 60_000_000 - 1)))
    # Give it in some zone or other: inputs are instants whatever their offset.
    return moment.astimezone(ZoneInfo(draw(st.sampled_from(ZONES))))


@st.composite
def calendars_and_starts(draw) -> tuple[CalendarSpec, datetime]:
    week = tuple(draw(weekday_intervals()) for _ in range(7))
    weekly_seconds = sum(end - start for day in week for start, end in day)
    assume(weekly_seconds >= 3 * 3600)  # keeps the oracle's walks short
    zone = draw(st.sampled_from(ZONES))
    start = draw(instants(zone))
    local_start = start.astimezone(ZoneInfo(zone)).date()
    closures = draw(st.lists(st.integers(-2, 20), max_size=4))
    country, subdivision = draw(st.sampled_from(HOLIDAY_REGIONS))
    spec = CalendarSpec(
        time_zone=zone,
        week=week,
        holiday_country=country,
        holiday_subdivision=subdivision,
        closed_dates=frozenset(local_start + timedelta(days=offset) for offset in closures),
    )
    return spec, start


def durations(max_seconds: int):
    whole_minutes = st.integers(0, max_seconds // 60).map(lambda n: n * MINUTE)
    exact = st.integers(0, max_seconds * 1_000_000).map(lambda n: timedelta(microseconds=n))
    return st.one_of(whole_minutes, exact, st.just(timedelta(0)))


def _weekly(spec: CalendarSpec) -> int:
    return sum(end - start for day in spec.week for start, end in day)


# --- Properties ------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(case=calendars_and_starts(), data=st.data())
def test_add_agrees_with_the_oracle(case, data):
    spec, start = case
    duration = data.draw(durations(min(_weekly(spec), 40 * 3600)))
    expected = oracle_add(spec, start, duration)
    result = add_business_time(spec, start, duration)
    # Compare in UTC: an aware datetime in a repeated hour never equals one of another zone (PEP 495).
    assert result.astimezone(UTC) == expected
    if duration:
        assert result.tzinfo is UTC
    else:
        assert result is start


@PROPERTY_SETTINGS
@given(case=calendars_and_starts(), length=durations(4 * 86_400))
def test_between_agrees_with_the_oracle(case, length):
    spec, start = case
    end = start.astimezone(UTC) + length
    assert business_time_between(spec, start, end) == oracle_between(spec, start, end)
    assert business_time_between(spec, end, start) == timedelta(0)


@settings(max_examples=300, deadline=None)
@given(case=calendars_and_starts(), duration=durations(300 * 3600))
def test_between_start_and_deadline_is_the_duration(case, duration):
    spec, start = case
    assert business_time_between(spec, start, add_business_time(spec, start, duration)) == duration


@settings(max_examples=300, deadline=None)
@given(case=calendars_and_starts(), length=durations(10 * 86_400))
def test_a_deadline_is_the_earliest_instant(case, length):
    # Work measured up to any instant is due no later than that instant: work that ends at a
    # closing time is due then, not at the next opening.
    spec, start = case
    end = start.astimezone(UTC) + length
    worked = business_time_between(spec, start, end)
    deadline = add_business_time(spec, start, worked)
    assert deadline <= end
    if worked:
        assert business_time_between(spec, start, deadline - timedelta(microseconds=1)) < worked


@settings(max_examples=300, deadline=None)
@given(case=calendars_and_starts(), first=durations(60 * 3600), second=durations(60 * 3600), shift=durations(86_400))
def test_deadlines_and_measures_are_monotonic(case, first, second, shift):
    spec, start = case
    short, long = sorted([first, second])
    assert add_business_time(spec, start, short) <= add_business_time(spec, start, long)
    # Shift the instant, in UTC: wall-clock arithmetic in the zone drops `fold` and can move a
    # start in the repeated hour of a clock change backwards.
    later = start.astimezone(UTC) + shift
    assert add_business_time(spec, start, long) <= add_business_time(spec, later, long)
    end = add_business_time(spec, start, long)
    assert business_time_between(spec, start, end) <= business_time_between(spec, start, end + shift)
    assert business_time_between(spec, later, end) <= business_time_between(spec, start, end)


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), data=st.data(), duration=durations(1_000 * 3600))
def test_round_the_clock_spec_agrees_with_all_day_intervals(zone, data, duration):
    start = data.draw(instants(zone))
    always = CalendarSpec.twenty_four_seven(zone)
    all_day = CalendarSpec(time_zone=zone, week=(((0, 86_400),),) * 7)
    assert add_business_time(always, start, duration).astimezone(UTC) == add_business_time(
        all_day, start, duration
    ).astimezone(UTC)
    end = start + duration
    assert business_time_between(always, start, end) == business_time_between(all_day, start, end)
