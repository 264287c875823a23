"""Hand-worked cases of the business-time clock (docs/business-time.md); no database."""

import copy
import os
import pickle
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sla.business_time import (
    CalendarSpec,
    NoWorkingTimeError,
    add_business_time,
    business_time_between,
    is_working_time,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
WEEKDAYS = range(5)

OFFICE = CalendarSpec.weekly(
    "Europe/London",
    dict.fromkeys(WEEKDAYS, "09:00-17:00"),
    holiday_country="GB",
    holiday_subdivision="ENG",
    name="UK office",
)
LUNCH = CalendarSpec.weekly("Europe/London", dict.fromkeys(WEEKDAYS, "08:00-12:00, 13:00-17:30"))
NIGHTS = CalendarSpec.weekly(
    "Europe/London", dict.fromkeys(range(7), "00:00-06:00, 22:00-24:00"), closed_dates={date(2025, 12, 25)}
)
LONDON_24X7 = CalendarSpec.twenty_four_seven("Europe/London")
NEW_YORK_24X7 = CalendarSpec.twenty_four_seven("America/New_York")
LONDON_ALL_DAY = CalendarSpec.weekly("Europe/London", dict.fromkeys(range(7), "00:00-24:00"))
NEW_YORK_ALL_DAY = CalendarSpec.weekly("America/New_York", dict.fromkeys(range(7), "00:00-24:00"))


def london(*args, **kwargs) -> datetime:
    return datetime(*args, tzinfo=LONDON, **kwargs)


def new_york(*args, **kwargs) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK, **kwargs)


def check_add(calendar, start, duration, expected):
    """add gives the expected instant, and between gives the duration back (rule 6)."""
    result = add_business_time(calendar, start, duration)
    # Compare in UTC: datetimes of one zone compare by wall clock, blind to the repeated hour.
    assert result.tzinfo is UTC
    assert result == expected.astimezone(UTC), f"{start} + {duration} = {result}, expected {expected}"
    assert business_time_between(calendar, start, result) == duration


# --- Office hours ---------------------------------------------------------------------


def test_friday_afternoon_plus_two_hours_is_monday_ten():
    check_add(OFFICE, london(2025, 6, 6, 16), 2 * H, london(2025, 6, 9, 10))


def test_work_ending_at_closing_time_is_due_at_closing_time():
    check_add(OFFICE, london(2025, 6, 6, 16), H, london(2025, 6, 6, 17))
    check_add(OFFICE, london(2025, 6, 6, 9), 8 * H, london(2025, 6, 6, 17))


def test_lunch_break():
    check_add(LUNCH, london(2025, 6, 9, 11), H, london(2025, 6, 9, 12))  # due at 12:00, not 13:00
    check_add(LUNCH, london(2025, 6, 9, 11), H + MIN, london(2025, 6, 9, 13, 1))
    check_add(LUNCH, london(2025, 6, 9, 12, 30), 30 * MIN, london(2025, 6, 9, 13, 30))
    assert business_time_between(LUNCH, london(2025, 6, 9, 8), london(2025, 6, 10, 8)) == 8.5 * H


def test_start_on_a_public_holiday_counts_from_the_next_opening():
    # Christmas 2025 is a Thursday, Boxing Day a Friday: the next opening is Monday 29th.
    check_add(OFFICE, london(2025, 12, 25, 10), H, london(2025, 12, 29, 10))


def test_weekend_start_counts_from_monday():
    check_add(OFFICE, london(2025, 6, 7, 12), H, london(2025, 6, 9, 10))
    assert business_time_between(OFFICE, london(2025, 6, 7), london(2025, 6, 9)) == timedelta(0)


def test_midnight_starts_and_ends():
    check_add(OFFICE, london(2025, 6, 9), 8 * H, london(2025, 6, 9, 17))
    check_add(OFFICE, london(2025, 6, 6, 23, 59, 59), timedelta(seconds=1), london(2025, 6, 9, 9, 0, 1))
    late = CalendarSpec.weekly("Europe/London", {0: "22:00-24:00", 1: "00:00-02:00"})
    check_add(late, london(2025, 6, 9, 23), 2 * H, london(2025, 6, 10, 1))  # 24:00 Monday runs into Tuesday


def test_zero_duration_returns_start_even_when_closed():
    for start in (london(2025, 6, 7, 12), london(2025, 12, 25, 10), new_york(2025, 11, 2, 1, 30, fold=1)):
        assert add_business_time(OFFICE, start, timedelta(0)) is start


def test_seconds_and_microseconds_are_kept():
    check_add(OFFICE, london(2025, 6, 9, 9, 0, 30), 60 * MIN, london(2025, 6, 9, 10, 0, 30))
    check_add(
        OFFICE, london(2025, 6, 9, 16, 59, 59, 500_000), timedelta(seconds=1), london(2025, 6, 10, 9, 0, 0, 500_000)
    )
    assert business_time_between(OFFICE, london(2025, 6, 9, 9, 0, 0), london(2025, 6, 9, 9, 0, 17)) == timedelta(
        seconds=17
    )


def test_three_hundred_working_hours_across_easter():
    # 3 March 2025 + 300 h: 34 working days to Thursday 17 April (272 h; Good Friday and Easter
    # Monday are bank holidays), then 22, 23, 24 April (24 h) and 4 h on Friday 25 April.
    check_add(OFFICE, london(2025, 3, 3, 9), 300 * H, london(2025, 4, 25, 13))


def test_dates_years_ahead_use_that_years_holidays():
    check_add(OFFICE, london(2031, 12, 24, 16), 2 * H, london(2031, 12, 29, 10))
    check_add(OFFICE, london(2035, 12, 31, 16), 2 * H, london(2036, 1, 2, 10))  # 1 January 2036 closed
    check_add(OFFICE, london(2040, 3, 29, 16), 2 * H, london(2040, 4, 3, 10))  # Easter 2040


def test_subdivision_holidays_apply():
    scotland = CalendarSpec.weekly(
        "Europe/London", dict.fromkeys(WEEKDAYS, "09:00-17:00"), holiday_country="GB", holiday_subdivision="SCT"
    )
    check_add(OFFICE, london(2024, 12, 31, 16), 2 * H, london(2025, 1, 2, 10))
    check_add(scotland, london(2024, 12, 31, 16), 2 * H, london(2025, 1, 3, 10))  # 2 January closed in Scotland


def test_extra_closure_dates():
    closed_monday = CalendarSpec.weekly(
        "Europe/London", dict.fromkeys(WEEKDAYS, "09:00-17:00"), closed_dates={date(2025, 6, 9)}
    )
    check_add(closed_monday, london(2025, 6, 6, 16), 2 * H, london(2025, 6, 10, 10))


# --- Inputs are instants --------------------------------------------------------------


def test_inputs_with_other_offsets_are_converted_not_reinterpreted():
    india = timezone(timedelta(hours=5, minutes=30))
    start = datetime(2025, 6, 9, 14, 30, tzinfo=india)  # = 09:00 UTC = 10:00 in London
    result = add_business_time(OFFICE, start, 2 * H)
    assert result == datetime(2025, 6, 9, 11, tzinfo=UTC)
    assert result.astimezone(LONDON) == london(2025, 6, 9, 12)
    assert business_time_between(OFFICE, start, datetime(2025, 6, 9, 11, tzinfo=UTC)) == 2 * H


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="naive"):
        add_business_time(OFFICE, datetime(2025, 6, 9, 10), H)
    with pytest.raises(ValueError, match="end is a naive datetime"):
        business_time_between(OFFICE, london(2025, 6, 9), datetime(2025, 6, 10))
    with pytest.raises(TypeError, match="aware datetime"):
        add_business_time(OFFICE, date(2025, 6, 9), H)


def test_negative_or_non_timedelta_durations_are_rejected():
    with pytest.raises(ValueError, match="negative"):
        add_business_time(OFFICE, london(2025, 6, 9), -timedelta(seconds=1))
    with pytest.raises(TypeError, match="timedelta"):
        add_business_time(OFFICE, london(2025, 6, 9), 3600)


def test_between_is_zero_when_end_is_not_after_start():
    assert business_time_between(OFFICE, london(2025, 6, 9, 12), london(2025, 6, 9, 10)) == timedelta(0)
    assert business_time_between(OFFICE, london(2025, 6, 9, 12), london(2025, 6, 9, 12)) == timedelta(0)


def test_between_counts_start_but_not_end():
    assert business_time_between(OFFICE, london(2025, 6, 9, 16), london(2025, 6, 9, 17)) == H
    assert is_working_time(OFFICE, london(2025, 6, 9, 9))
    assert not is_working_time(OFFICE, london(2025, 6, 9, 17))


def test_a_calendar_without_working_time_is_an_error_not_a_hang():
    empty = CalendarSpec(time_zone="Europe/London", name="Empty")
    with pytest.raises(NoWorkingTimeError, match="Empty has no working hours"):
        add_business_time(empty, london(2025, 6, 9), H)
    assert business_time_between(empty, london(2025, 6, 9), london(2026, 6, 9)) == timedelta(0)
    assert add_business_time(empty, london(2025, 6, 9), timedelta(0)) == london(2025, 6, 9)


def test_closures_covering_every_working_day_for_years_are_an_error():
    monday_only = CalendarSpec.weekly(
        "UTC",
        {0: "09:00-10:00"},
        closed_dates={date(2025, 1, 6) + timedelta(weeks=n) for n in range(600)},
    )
    with pytest.raises(NoWorkingTimeError, match="no working time for"):
        add_business_time(monday_only, datetime(2025, 1, 1, tzinfo=UTC), H)


def test_a_calendar_must_be_a_spec():
    with pytest.raises(TypeError, match="calendar_spec"):
        add_business_time("UK office", london(2025, 6, 9), H)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_zone": "Europe/Londn"}, "Unknown time zone"),
        ({"time_zone": "UTC", "week": ((),) * 6}, "7 days"),
        ({"time_zone": "UTC", "week": (((9 * 3600, 8 * 3600),),) + ((),) * 6}, "Monday: 09:00-08:00 ends before"),
        ({"time_zone": "UTC", "week": ((),) + (((0, 7200), (3600, 9000)),) + ((),) * 5}, "Tuesday: .* overlaps"),
        ({"time_zone": "UTC", "week": (((0, 90_000),),) + ((),) * 6}, "outside 00:00-24:00"),
        ({"time_zone": "UTC", "holiday_country": "XX"}, "Unknown holiday country 'XX'"),
        ({"time_zone": "UTC", "holiday_country": "GB", "holiday_subdivision": "ZZ"}, "Unknown subdivision 'ZZ'"),
    ],
)
def test_bad_specs_are_rejected_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CalendarSpec(**kwargs)


def test_equal_specs_are_equal_and_hash_alike():
    again = CalendarSpec.weekly(
        "Europe/London", dict.fromkeys(WEEKDAYS, "09:00-17:00"), holiday_country="GB", holiday_subdivision="ENG"
    )
    assert again == OFFICE
    assert hash(again) == hash(OFFICE)
    assert again != LUNCH


def test_a_spec_survives_pickling_in_another_process_and_copying():
    # String hashes differ between processes, so a spec must not carry its cached hash across.
    script = (
        "import pickle, sys; from tests.sla.test_business_time import OFFICE; "
        "sys.stdout.write(pickle.dumps(OFFICE).hex())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    pickled = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    unpickled = pickle.loads(bytes.fromhex(pickled))  # noqa: S301 - our own subprocess's output
    for copied in (unpickled, copy.deepcopy(OFFICE)):
        assert copied == OFFICE
        assert hash(copied) == hash(OFFICE)
        assert {OFFICE: "found"}[copied] == "found"
        assert copied.name == "UK office"
        check_add(copied, london(2025, 6, 6, 16), 2 * H, london(2025, 6, 9, 10))


# --- Daylight saving time: real elapsed time ------------------------------------------


def test_office_hours_across_the_london_clock_changes():
    # Clocks go forward on Sunday 30 March 2025 and back on Sunday 26 October 2025.
    check_add(OFFICE, london(2025, 3, 28, 16), 2 * H, datetime(2025, 3, 31, 9, tzinfo=UTC))  # 10:00 BST
    check_add(OFFICE, london(2025, 10, 24, 16), 2 * H, datetime(2025, 10, 27, 10, tzinfo=UTC))  # 10:00 GMT


def test_office_hours_across_the_new_york_clock_changes():
    office = CalendarSpec.weekly("America/New_York", dict.fromkeys(WEEKDAYS, "09:00-17:00"))
    check_add(office, new_york(2025, 3, 7, 16), 2 * H, new_york(2025, 3, 10, 10))
    check_add(office, new_york(2025, 10, 31, 16), 2 * H, new_york(2025, 11, 3, 10))


@pytest.mark.parametrize("calendar", [LONDON_24X7, LONDON_ALL_DAY], ids=["24x7", "00:00-24:00 daily"])
def test_a_round_the_clock_day_in_london_is_23_24_or_25_hours(calendar):
    assert business_time_between(calendar, london(2025, 3, 30), london(2025, 3, 31)) == 23 * H
    assert business_time_between(calendar, london(2025, 6, 1), london(2025, 6, 2)) == 24 * H
    assert business_time_between(calendar, london(2025, 10, 26), london(2025, 10, 27)) == 25 * H
    check_add(calendar, london(2025, 3, 30), 24 * H, london(2025, 3, 31, 1))
    check_add(calendar, london(2025, 10, 26), 24 * H, london(2025, 10, 26, 23))


@pytest.mark.parametrize("calendar", [NEW_YORK_24X7, NEW_YORK_ALL_DAY], ids=["24x7", "00:00-24:00 daily"])
def test_a_round_the_clock_day_in_new_york_is_23_or_25_hours(calendar):
    assert business_time_between(calendar, new_york(2025, 3, 9), new_york(2025, 3, 10)) == 23 * H
    assert business_time_between(calendar, new_york(2025, 11, 2), new_york(2025, 11, 3)) == 25 * H
    # 01:30 on 2 November happens twice; fold=1 is the second time, an hour later.
    first, second = new_york(2025, 11, 2, 1, 30), new_york(2025, 11, 2, 1, 30, fold=1)
    assert business_time_between(calendar, first, second) == H
    check_add(calendar, first, H, second)


def test_the_skipped_hour_never_counts_and_the_repeated_hour_counts_twice():
    early_sunday = CalendarSpec.weekly("Europe/London", {6: "01:00-03:00"})
    # 30 March: 01:00-02:00 does not exist locally, so only 02:00-03:00 BST is worked.
    assert business_time_between(early_sunday, london(2025, 3, 30), london(2025, 3, 31)) == H
    check_add(early_sunday, london(2025, 3, 30), H, london(2025, 3, 30, 3))
    # 26 October: 01:00-02:00 happens in BST then again in GMT.
    assert business_time_between(early_sunday, london(2025, 10, 26), london(2025, 10, 27)) == 3 * H
    check_add(early_sunday, london(2025, 10, 26), H, london(2025, 10, 26, 1, fold=1))


def test_night_shift_hours_on_clock_change_nights():
    assert business_time_between(NIGHTS, london(2025, 3, 30), london(2025, 3, 30, 12)) == 5 * H
    assert business_time_between(NIGHTS, london(2025, 10, 26), london(2025, 10, 26, 12)) == 7 * H
    check_add(NIGHTS, london(2025, 10, 26), 2 * H, london(2025, 10, 26, 1, fold=1))  # 01:00 GMT, the 2nd 01:00
    check_add(NIGHTS, london(2025, 10, 26), H, london(2025, 10, 26, 1))  # 01:00 BST, the first


def test_a_skipped_local_date_has_no_working_time():
    # Samoa skipped 30 December 2011 (UTC-10 to UTC+14).
    apia = CalendarSpec.weekly("Pacific/Apia", dict.fromkeys(range(7), "00:00-24:00"))
    start, end = (
        datetime(2011, 12, 29, tzinfo=ZoneInfo("Pacific/Apia")),
        datetime(2011, 12, 31, tzinfo=ZoneInfo("Pacific/Apia")),
    )
    assert business_time_between(apia, start, end) == 24 * H


def test_half_hour_daylight_saving_on_lord_howe_island():
    lord_howe = CalendarSpec.weekly("Australia/Lord_Howe", dict.fromkeys(range(7), "00:00-24:00"))
    zone = ZoneInfo("Australia/Lord_Howe")
    day = business_time_between(lord_howe, datetime(2025, 10, 5, tzinfo=zone), datetime(2025, 10, 6, tzinfo=zone))
    assert day == timedelta(hours=23, minutes=30)


# --- Closed dates and night shifts (rule 7) -------------------------------------------


def test_closing_25_december_closes_that_dates_night_hours():
    # The shift that began on the 24th ends at 00:00 on the 25th; nothing counts on the 25th.
    check_add(NIGHTS, london(2025, 12, 24, 22), 2 * H, london(2025, 12, 25))
    check_add(NIGHTS, london(2025, 12, 24, 22), 3 * H, london(2025, 12, 26, 1))
    assert business_time_between(NIGHTS, london(2025, 12, 25), london(2025, 12, 26)) == timedelta(0)
    assert business_time_between(NIGHTS, london(2025, 12, 24), london(2025, 12, 27)) == 16 * H


def test_round_the_clock_with_closures_is_expressible_as_all_day_intervals():
    except_christmas = CalendarSpec.weekly(
        "Europe/London", dict.fromkeys(range(7), "00:00-24:00"), closed_dates={date(2025, 12, 25)}
    )
    check_add(except_christmas, london(2025, 12, 24, 12), 24 * H, london(2025, 12, 26, 12))
