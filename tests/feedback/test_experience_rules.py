"""Lost time and the watermelon warning as pure functions (no database)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from feedback.experience import watermelon as melon
from feedback.experience.lost_time import (
    LOST_HOURS,
    NO_LOST_TIME,
    LostTimeSummary,
    hours_text,
    lost_hours,
    lost_time_combined,
    lost_time_red,
    lost_time_summary,
)
from feedback.models import LostTime

START, END = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
DEFAULT_LINES = {
    "csat": melon.Line(red_below=70.0, agreed=False),
    "nps": melon.Line(red_below=0.0, agreed=False),
    "ces": melon.Line(red_below=4.0, agreed=False),
}


# --- Lost time ---------------------------------------------------------------------------------


def test_every_answer_has_its_hours_and_nothing_else_does():
    assert set(LOST_HOURS) == set(LostTime.values)
    assert [lost_hours(v) for v in LostTime.values] == [0.0, 0.5, 2.5, 8.0, 16.0]
    with pytest.raises(ValueError, match="unknown lost time 'week'"):
        lost_hours("week")


def test_a_summary_counts_answers_and_hours_and_ignores_the_unanswered():
    summary = lost_time_summary({"": 7, "none": 2, "under_1h": 2, "1_4h": 1, "day": 1, "more": 0})
    assert (summary.answers, summary.hours) == (6, 11.5)
    assert summary.average == pytest.approx(11.5 / 6)
    assert NO_LOST_TIME.average is None
    with pytest.raises(ValueError):
        lost_time_summary({"day": -1})


def test_the_cost_is_hours_times_the_hourly_cost_rounded_to_cents():
    summary = LostTimeSummary(answers=3, hours=10.5)
    assert summary.cost(Decimal("62.50")) == Decimal("656.25")
    assert summary.cost(None) is None and summary.cost(Decimal(0)) is None
    assert NO_LOST_TIME.cost(Decimal(60)) is None


def test_lost_time_is_red_above_the_line_with_enough_answers():
    heavy = LostTimeSummary(answers=10, hours=25.0)  # 2.5 h an answer
    assert lost_time_red(heavy, red_hours=2.0, min_answers=10) is True
    assert lost_time_red(heavy, red_hours=2.5, min_answers=10) is False  # at the line is not above it
    assert lost_time_red(heavy, red_hours=2.0, min_answers=11) is None  # too few answers to say
    assert lost_time_combined([heavy, LostTimeSummary(answers=2, hours=1.0)]) == LostTimeSummary(12, 26.0)
    assert hours_text(2.5) == "2.5 h" and hours_text(16.0) == "16 h" and hours_text(None) == "–"


# --- The watermelon ----------------------------------------------------------------------------


def outcome(met, breached, objective=95.0, priority=2, kind="resolve"):
    return melon.Outcome(priority=priority, kind=kind, met=met, breached=breached, objective_percent=objective)


def test_attainment_is_green_only_when_every_objective_is_met():
    assert melon.attainment_light([outcome(19, 1), outcome(10, 0, priority=1)])[0] == melon.GREEN
    light, reason = melon.attainment_light([outcome(19, 1), outcome(8, 2, priority=1)])
    assert light == melon.RED and reason == "P1 resolve 80% against 95%"
    assert melon.attainment_light([outcome(5, 0, objective=None)])[0] == melon.UNKNOWN  # no objective agreed
    assert melon.attainment_light([outcome(0, 0)])[0] == melon.UNKNOWN  # no outcome in the period
    assert melon.attainment_light([])[0] == melon.UNKNOWN


def test_happiness_is_red_when_a_score_is_below_its_line():
    light, reasons = melon.happiness_light({"csat": 55.0, "nps": 10.0, "ces": None}, DEFAULT_LINES)
    assert light == melon.RED and reasons == ["CSAT 55% below the red line 70%"]
    agreed = {**DEFAULT_LINES, "nps": melon.Line(red_below=30.0, agreed=True)}
    assert melon.happiness_light({"nps": 20.0}, agreed) == (melon.RED, ["NPS +20 below its agreed target +30"])
    assert melon.happiness_light({"csat": 70.0, "ces": 5.5}, DEFAULT_LINES) == (melon.GREEN, [])
    assert melon.happiness_light({"csat": None, "nps": None}, DEFAULT_LINES) == (melon.UNKNOWN, [])


def judge(outcomes, values, lost=NO_LOST_TIME):
    return melon.watermelon(
        service_id=1,
        start=START,
        end=END,
        outcomes=outcomes,
        values=values,
        lines=DEFAULT_LINES,
        lost=lost,
        red_hours=2.0,
        min_answers=10,
    )


@pytest.mark.parametrize(
    ("outcomes", "values", "lost", "flagged"),
    [
        ([outcome(20, 0)], {"csat": 50.0}, NO_LOST_TIME, True),  # green outside, unhappy inside
        ([outcome(20, 0)], {"csat": 90.0}, LostTimeSummary(10, 40.0), True),  # happy, but losing 4 h a ticket
        ([outcome(20, 0)], {"csat": 90.0}, LostTimeSummary(10, 10.0), False),  # green all through
        ([outcome(10, 10)], {"csat": 50.0}, LostTimeSummary(10, 40.0), False),  # red outside: no secret
        ([], {"csat": 50.0}, NO_LOST_TIME, False),  # nothing to be green about
        ([outcome(20, 0)], {"csat": None}, LostTimeSummary(3, 40.0), False),  # too few answers to say
    ],
)
def test_a_watermelon_is_green_outside_and_red_inside(outcomes, values, lost, flagged):
    assert judge(outcomes, values, lost).flagged is flagged


def test_a_watermelon_says_why_in_words():
    found = judge([outcome(20, 0)], {"csat": 50.0}, LostTimeSummary(10, 40.0))
    assert (found.attainment, found.happiness, found.lost_time) == (melon.GREEN, melon.RED, melon.RED)
    assert found.reasons == (
        "SLA attainment green: 20 of 20 clocks kept their target, every objective met",
        "CSAT 50% below the red line 70%",
        "4 h of work lost per answer (above 2 h, 10 answers)",
    )
    assert judge([outcome(1, 1)], {"csat": 50.0}).reasons == ()  # nothing to explain
