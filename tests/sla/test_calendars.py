"""Calendar rows: validation, services, the adapter to the clock, and the admin."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from sla.business_time import CalendarSpec, add_business_time
from sla.calendar_fields import ClockTimeFormField
from sla.calendars import calendar_list, calendar_spec, calendar_specs, closed_dates_upcoming, week_summary
from sla.models import Calendar, ClosureDate, WorkingInterval
from sla.services import calendar_create, calendar_create_standard, calendar_working_hours_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
OFFICE_HOURS = dict.fromkeys(range(5), "09:00-17:00")


def messages(error: ValidationError) -> dict[str, list[str]]:
    return error.value.message_dict


# --- Model validation -----------------------------------------------------------------


def test_time_zone_must_be_an_iana_name():
    calendar = Calendar(name="Office", slug="office", time_zone="Europe/Londres")
    with pytest.raises(ValidationError) as error:
        calendar.full_clean()
    assert "Unknown time zone 'Europe/Londres'" in messages(error)["time_zone"][0]


def test_holiday_country_must_be_known_to_the_holidays_package():
    calendar = Calendar(name="Office", slug="office", holiday_country="XX")
    with pytest.raises(ValidationError) as error:
        calendar.full_clean()
    assert "holiday_country" in messages(error)


def test_holiday_subdivision_must_belong_to_the_country():
    calendar = Calendar(name="Office", slug="office", holiday_country="GB", holiday_subdivision="BAV")
    with pytest.raises(ValidationError) as error:
        calendar.full_clean()
    message = messages(error)["holiday_subdivision"][0]
    assert "Unknown subdivision 'BAV' for GB" in message
    assert "ENG (England)" in message


def test_holiday_subdivision_may_be_given_by_name():
    calendar = Calendar(name="Office", slug="office", holiday_country="GB", holiday_subdivision="england")
    calendar.full_clean()
    assert calendar.holiday_subdivision == "ENG"


def test_subdivision_needs_a_country():
    calendar = Calendar(name="Office", slug="office", holiday_subdivision="ENG")
    with pytest.raises(ValidationError) as error:
        calendar.full_clean()
    assert "country" in messages(error)["holiday_subdivision"][0]


def test_a_24x7_calendar_has_no_holidays():
    calendar = Calendar(name="Always", slug="always", is_24x7=True, holiday_country="GB")
    with pytest.raises(ValidationError) as error:
        calendar.full_clean()
    assert "24x7" in messages(error)["holiday_country"][0]


def test_working_interval_must_end_after_it_starts():
    calendar = calendar_create(name="Office", hours=OFFICE_HOURS)
    interval = WorkingInterval(calendar=calendar, weekday=5, start=22 * 60, end=6 * 60)
    with pytest.raises(ValidationError) as error:
        interval.full_clean()
    assert "two intervals" in messages(error)["end"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingInterval.objects.create(calendar=calendar, weekday=5, start=600, end=600)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingInterval.objects.create(calendar=calendar, weekday=5, start=600, end=1441)


# --- Services -------------------------------------------------------------------------


def test_calendar_create_writes_hours_and_closures():
    calendar = calendar_create(
        name="Support desk",
        time_zone="Europe/London",
        holiday_country="gb",
        holiday_subdivision="ENG",
        hours={0: "08:00-12:00, 13:00-17:30", 4: "08:00-12:00", 6: "22:00-24:00"},
        closures=[(date(2025, 12, 24), "Shutdown")],
    )
    assert calendar.slug == "support-desk"
    assert calendar.holiday_country == "GB"
    rows = [(i.weekday, i.start, i.end) for i in calendar.working_intervals.order_by("weekday", "start")]
    assert rows == [(0, 480, 720), (0, 780, 1050), (4, 480, 720), (6, 1320, 1440)]
    assert [c.name for c in calendar.closures.all()] == ["Shutdown"]


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({0: "09:00-12:00, 11:00-17:00"}, "Monday: 09:00-12:00 overlaps 11:00-17:00."),
        ({1: "22:00-06:00"}, "Tuesday: 22:00-06:00 ends before it starts"),
        ({2: "9 to 5"}, "Wednesday: '9 to 5' is not an interval"),
        ({3: "09:00-25:00"}, "'25:00' is not a time of day"),
        ({4: "09:00:30-17:00"}, "whole minutes"),
        ({7: "09:00-17:00"}, "Weekday 7 is not 0 (Monday) to 6 (Sunday)."),
        ({}, "at least one weekday"),
    ],
)
def test_calendar_create_rejects_bad_hours_and_writes_nothing(hours, message):
    with pytest.raises(ValidationError) as error:
        calendar_create(name="Bad", hours=hours)
    assert any(message in text for text in messages(error)["hours"]), messages(error)
    assert not Calendar.objects.exists()


def test_calendar_create_reports_every_problem_at_once():
    with pytest.raises(ValidationError) as error:
        calendar_create(name="Bad", time_zone="Mars/Olympus", holiday_country="ZZ", hours={0: "nope"})
    assert set(messages(error)) >= {"time_zone", "holiday_country", "hours"}


def test_a_24x7_calendar_takes_no_hours_or_closures():
    with pytest.raises(ValidationError) as error:
        calendar_create(name="Always", is_24x7=True, hours=OFFICE_HOURS)
    assert "24x7" in messages(error)["is_24x7"][0]
    with pytest.raises(ValidationError):
        calendar_create(name="Always", is_24x7=True, closures=[(date(2025, 12, 25), "Christmas")])
    assert not Calendar.objects.exists()


def test_calendar_create_rejects_a_duplicate_closure_date():
    with pytest.raises(ValidationError) as error:
        calendar_create(name="Office", hours=OFFICE_HOURS, closures=[(date(2025, 1, 2), "a"), (date(2025, 1, 2), "b")])
    assert "twice" in messages(error)["closures"][0]


def test_calendar_working_hours_set_replaces_the_hours():
    calendar = calendar_create(name="Office", hours=OFFICE_HOURS)
    calendar_working_hours_set(calendar=calendar, hours={5: "10:00-14:00"})
    assert [(i.weekday, i.start, i.end) for i in calendar.working_intervals.all()] == [(5, 600, 840)]
    with pytest.raises(ValidationError):
        calendar_working_hours_set(calendar=calendar, hours={5: "14:00-10:00"})
    assert calendar.working_intervals.count() == 1


def test_standard_calendars():
    office = calendar_create_standard(kind="uk-office-hours")
    always = calendar_create_standard(kind="24x7", time_zone="UTC")
    assert (office.name, office.slug, office.time_zone) == ("UK office hours", "uk-office-hours", "Europe/London")
    assert week_summary(calendar_spec(office)) == "Mon–Fri 09:00–17:00"
    assert calendar_spec(always) == CalendarSpec.twenty_four_seven("UTC")
    friday = datetime(2025, 12, 24, 16, tzinfo=LONDON)  # Christmas Eve, then two bank holidays
    assert add_business_time(calendar_spec(office), friday, timedelta(hours=2)) == datetime(
        2025, 12, 29, 10, tzinfo=LONDON
    )
    with pytest.raises(ValidationError) as error:
        calendar_create_standard(kind="uk-office-hours")
    assert "slug" in messages(error)
    with pytest.raises(ValidationError):
        calendar_create_standard(kind="martian")


# --- From rows to the clock -----------------------------------------------------------


def test_calendar_spec_matches_a_hand_built_spec(django_assert_max_num_queries):
    calendar = calendar_create(
        name="Office",
        holiday_country="GB",
        holiday_subdivision="ENG",
        hours={**OFFICE_HOURS, 0: "09:00-12:00, 13:00-17:00"},
        closures=[(date(2025, 8, 1), "Summer party")],
    )
    calendar = Calendar.objects.get(pk=calendar.pk)
    with django_assert_max_num_queries(2):
        spec = calendar_spec(calendar)
    expected = CalendarSpec.weekly(
        "Europe/London",
        {**OFFICE_HOURS, 0: "09:00-12:00, 13:00-17:00"},
        holiday_country="GB",
        holiday_subdivision="ENG",
        closed_dates={date(2025, 8, 1)},
    )
    assert spec == expected
    assert spec.name == "Office"


def test_specs_of_many_calendars_in_three_queries(django_assert_max_num_queries):
    ids = [calendar_create(name=f"Office {n}", hours=OFFICE_HOURS).pk for n in range(5)]
    ids.append(calendar_create_standard(kind="24x7").pk)
    with django_assert_max_num_queries(3):
        specs = calendar_specs(ids)
    assert set(specs) == set(ids)
    with django_assert_max_num_queries(3):
        prefetched = list(calendar_list())
    with django_assert_max_num_queries(0):
        by_name = {calendar.name: calendar_spec(calendar) for calendar in prefetched}
    assert by_name["Office 3"].week[0] == ((9 * 3600, 17 * 3600),)
    assert by_name["24x7"].always_open


def test_upcoming_closed_dates_name_holidays_and_closures():
    calendar = calendar_create(
        name="Office",
        holiday_country="GB",
        holiday_subdivision="ENG",
        hours=OFFICE_HOURS,
        closures=[(date(2025, 12, 24), "Shutdown")],
    )
    names = {c.date: c.name for c in calendar.closures.all()}
    upcoming = closed_dates_upcoming(calendar_spec(calendar), today=date(2025, 12, 1), limit=3, closure_names=names)
    assert upcoming == [
        (date(2025, 12, 24), "Shutdown"),
        (date(2025, 12, 25), "Christmas Day"),
        (date(2025, 12, 26), "Boxing Day"),
    ]


# --- HH:MM form field -----------------------------------------------------------------


@pytest.mark.parametrize(("text", "minutes"), [("09:00", 540), ("9:30", 570), ("00:00", 0), ("24:00", 1440)])
def test_clock_time_field_reads_hh_mm(text, minutes):
    assert ClockTimeFormField().clean(text) == minutes


@pytest.mark.parametrize("text", ["24:01", "25:00", "09:60", "nine", "09:00:30"])
def test_clock_time_field_rejects_other_text(text):
    with pytest.raises(ValidationError):
        ClockTimeFormField().clean(text)


def test_clock_time_field_shows_minutes_as_hh_mm():
    assert ClockTimeFormField().prepare_value(1440) == "24:00"
    assert ClockTimeFormField().prepare_value(545) == "09:05"


# --- Admin ----------------------------------------------------------------------------


@pytest.fixture
def admin_client_logged_in(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _admin_post_data(**overrides):
    data = {
        "name": "Service desk",
        "slug": "service-desk",
        "description": "",
        "time_zone": "Europe/London",
        "holiday_country": "GB",
        "holiday_subdivision": "ENG",
        "working_intervals-TOTAL_FORMS": "2",
        "working_intervals-INITIAL_FORMS": "0",
        "working_intervals-0-weekday": "0",
        "working_intervals-0-start": "08:00",
        "working_intervals-0-end": "12:00",
        "working_intervals-1-weekday": "0",
        "working_intervals-1-start": "13:00",
        "working_intervals-1-end": "24:00",
        "closures-TOTAL_FORMS": "1",
        "closures-INITIAL_FORMS": "0",
        "closures-0-date": "2025-12-24",
        "closures-0-name": "Shutdown",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_calendar_with_inlines(admin_client_logged_in):
    form = admin_client_logged_in.get(reverse("admin:sla_calendar_add"))
    assert form.status_code == 200
    assert 'placeholder="HH:MM"' in form.content.decode()
    response = admin_client_logged_in.post(reverse("admin:sla_calendar_add"), _admin_post_data())
    assert response.status_code == 302, response.context["errors"] if response.context else response
    calendar = Calendar.objects.get(slug="service-desk")
    assert week_summary(calendar_spec(calendar)) == "Mon 08:00–12:00, 13:00–24:00"
    assert ClosureDate.objects.filter(calendar=calendar, name="Shutdown").exists()


def test_admin_rejects_overlapping_intervals_and_saves_nothing(admin_client_logged_in):
    data = _admin_post_data(**{"working_intervals-1-start": "11:00"})
    response = admin_client_logged_in.post(reverse("admin:sla_calendar_add"), data)
    assert response.status_code == 200
    assert "Monday: 08:00-12:00 overlaps 11:00-24:00." in response.content.decode()
    assert not Calendar.objects.exists()


def test_admin_rejects_a_bad_time_of_day(admin_client_logged_in):
    data = _admin_post_data(**{"working_intervals-1-end": "25:00"})
    response = admin_client_logged_in.post(reverse("admin:sla_calendar_add"), data)
    assert response.status_code == 200
    assert "between 00:00 and 24:00" in response.content.decode()
    assert not Calendar.objects.exists()


def test_admin_rejects_hours_on_a_24x7_calendar(admin_client_logged_in):
    data = _admin_post_data(is_24x7="on", holiday_country="", holiday_subdivision="", **{"closures-TOTAL_FORMS": "0"})
    response = admin_client_logged_in.post(reverse("admin:sla_calendar_add"), data)
    assert response.status_code == 200
    assert "A 24x7 calendar counts every instant: remove its working hours" in response.content.decode()
    assert not Calendar.objects.exists()


def test_admin_list_and_change_page_describe_the_calendar(admin_client_logged_in):
    calendar = calendar_create_standard(kind="uk-office-hours")
    ClosureDate.objects.create(calendar=calendar, date=date(2025, 12, 24), name="Shutdown")
    listing = admin_client_logged_in.get(reverse("admin:sla_calendar_changelist")).content.decode()
    assert "Mon–Fri 09:00–17:00" in listing
    assert "GB / ENG" in listing
    with time_machine.travel(datetime(2025, 12, 1, 12, tzinfo=UTC), tick=False):
        page = admin_client_logged_in.get(reverse("admin:sla_calendar_change", args=[calendar.pk])).content.decode()
    assert "40:00 hours a week" in page
    assert "Wed 24 Dec 2025 – Shutdown" in page
    assert "Thu 25 Dec 2025 – Christmas Day" in page
    assert 'value="09:00"' in page
    assert "ENG (England)" in page
