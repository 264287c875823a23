"""The watermelon warning read from real rows: Payroll keeps every SLA target while its people are
unhappy (or lose time); the check raises one alert per flagged service, resolves it on recovery;
the board (kind "watermelon"), the risks API and the homes show it."""

from datetime import timedelta

import pytest
import time_machine

from catalog.models import Measure
from feedback.experience.selectors import watermelon_for_service, watermelons
from feedback.experience.services import watermelons_check
from feedback.models import Response
from sla.models import Alert, AlertKind, AlertState, Clock, ClockKind, ClockState, Ticket
from tests import factories as f
from tests.sla.conftest import at
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA (UTC), objective 95 %

NOW = at(20, 12)
START, END = NOW - timedelta(days=90), NOW
pytestmark = pytest.mark.django_db


def kept(sla, count: int, *, breached: int = 0) -> None:
    """`count` P2 resolve clocks stopped this month, `breached` of them late."""
    ticket = Ticket.objects.create(
        source="test", external_id="T", service=sla["service"], priority=2, opened_at=at(2, 9)
    )
    for cycle in range(count):
        Clock.objects.create(
            ticket=ticket,
            kind=ClockKind.RESOLVE,
            cycle=cycle + 1,
            priority=2,
            calendar=sla["always"],
            target_seconds=3600,
            started_at=at(3, 9),
            stopped_at=at(3, 9) + timedelta(minutes=30),
            state=ClockState.BREACHED if cycle < breached else ClockState.MET,
            computed_at=at(3, 10),
        )


def answers(sla, count: int, **values) -> None:
    Response.objects.bulk_create(
        Response(service=sla["service"], business_unit=sla["unit"], submitted_at=at(10, 9), **values)
        for _ in range(count)
    )


def test_green_sla_and_unhappy_people_is_a_watermelon(sla, django_assert_num_queries):
    kept(sla, 20)
    answers(sla, 10, csat=2, nps=3)
    with django_assert_num_queries(4):
        found = watermelon_for_service(service=sla["service"], start=START, end=END)
    assert found.flagged and (found.attainment, found.happiness, found.lost_time) == ("green", "red", "unknown")
    assert found.reasons[1:] == ("CSAT 0% below the red line 70%", "NPS -100 below the red line +0")


def test_the_lights_from_a_review_s_survey_summaries_are_those_read_from_the_answers(sla, django_assert_num_queries):
    """A review passes the month's survey summaries it read anyway: the same happiness and lost
    time (the same answers, counted by feedback.answer_counts), one query fewer."""
    from feedback.selectors import service_feedback_summaries

    kept(sla, 20)
    answers(sla, 10, csat=5, nps=10, lost_time="day")
    answers(sla, 2, csat=2, nps=3, ces=2)
    quiet = f.ServiceFactory(slug="quiet", support_calendar=sla["service"].support_calendar)
    month_start, month_end = at(1, 0), at(1, 0) + timedelta(days=30)  # November 2026, UTC
    ids = [sla["service"].pk, quiet.pk]
    summaries = service_feedback_summaries(
        services=[sla["service"], quiet], now=month_end - timedelta(microseconds=1), period="month", count=2
    )
    surveys = {pk: summary.current for pk, summary in summaries.items()}
    read = watermelons(service_ids=ids, start=month_start, end=month_end)
    with django_assert_num_queries(3):
        given = watermelons(service_ids=ids, start=month_start, end=month_end, surveys=surveys)
    assert given == read
    assert (read[sla["service"].pk].happiness, read[sla["service"].pk].lost_time) == ("green", "red")
    assert (read[quiet.pk].happiness, read[quiet.pk].lost_time) == ("unknown", "unknown")
    with pytest.raises(ValueError, match="not of the watermelon's period"):
        watermelons(service_ids=ids, start=START, end=END, surveys=surveys)


def test_an_agreed_feedback_measure_sets_the_line(sla):
    kept(sla, 20)
    answers(sla, 10, csat=4)  # CSAT 100 %: green against the default line
    assert not watermelon_for_service(service=sla["service"], start=START, end=END).flagged
    Measure.objects.create(
        agreement=sla["agreement"],
        key="csat",
        name="Satisfied users",
        factor="user_experience",
        target=101,  # stricter than anything (no one reaches it): CSAT is red against it
        source="feedback",
        feedback_metric="csat",
    )
    found = watermelon_for_service(service=sla["service"], start=START, end=END)
    assert found.flagged and "below its agreed target" in found.reasons[1]


def test_lost_time_alone_can_make_it_red_and_a_red_sla_is_no_watermelon(sla):
    kept(sla, 20)
    answers(sla, 10, csat=5, lost_time="day")  # happy, but a day lost per ticket
    found = watermelon_for_service(service=sla["service"], start=START, end=END)
    assert found.flagged and found.lost_time == "red" and found.happiness == "green"
    kept_late = f.ServiceFactory(slug="late")
    assert watermelons(service_ids=[kept_late.pk], start=START, end=END)[kept_late.pk].attainment == "unknown"
    Clock.objects.update(state=ClockState.BREACHED)  # the SLA itself is red: nothing hidden
    assert not watermelon_for_service(service=sla["service"], start=START, end=END).flagged


def test_the_check_raises_once_resolves_on_recovery_and_reopens(sla, django_assert_max_num_queries):
    kept(sla, 20)
    answers(sla, 10, csat=1)
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(14):
            first = watermelons_check(now=NOW)
        again = watermelons_check(now=NOW + timedelta(minutes=1))
    assert (first.flagged, first.raised, again.raised) == (1, 1, 0)
    alert = Alert.objects.get(kind=AlertKind.WATERMELON)
    assert alert.key == f"watermelon:{sla['service'].pk}:202611" and alert.service == sla["service"]
    assert "Payroll: green outside, red inside" in alert.subject and "CSAT 0%" in alert.body
    Response.objects.update(csat=5)
    assert watermelons_check(now=NOW).resolved == 1
    assert Alert.objects.get(pk=alert.pk).state == AlertState.RESOLVED
    Response.objects.update(csat=1)
    assert watermelons_check(now=NOW + timedelta(minutes=2)).raised == 0  # reopened, not sent again
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN


def test_the_board_the_api_and_the_homes_show_it(client, sla):
    kept(sla, 20)
    answers(sla, 10, csat=1)
    watermelons_check(now=NOW)
    client.force_login(f.admin_user(username="admin"))
    board = client.get("/board/?kind=watermelon").content.decode()
    assert "Payroll: green outside, red inside" in board
    risks = client.get("/api/v1/risks/?kind=watermelon").json()
    assert [(r["kind"], r["alert_kind"]) for r in risks["results"]] == [("watermelon", "watermelon")]
    client.force_login(sla["rep"])
    home = client.get("/").content.decode()
    assert 'id="home-watermelons"' in home and 'data-testid="watermelon-mark"' in home
    assert "CSAT 0% below the red line 70%" in home
