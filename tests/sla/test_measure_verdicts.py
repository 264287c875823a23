"""Verdicts from counts (no database): the budget computed from the tallies the database returns
is forecasting.error_budget computed from every point."""

import math
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla import forecasting as fc
from sla import measure_verdicts as mv
from sla.measure_data import Series, Tally, Windows, burn_widths


def tallies(points, elapsed):
    """What the grouped query returns for these points `elapsed` into the period."""
    seen = [p for p in points if p.at <= elapsed]

    def tally(inside):
        return Tally(len(inside), sum(1 for p in inside if p.value >= 0.5))

    recent = {w: tally([p for p in seen if p.at > elapsed - w]) for w in burn_widths()}
    misses = [p.at for p in seen if p.value < 0.5]
    return tally(seen), recent, (min(misses) if misses else None)


point_lists = st.lists(
    st.builds(
        fc.Point,
        at=st.floats(min_value=0.0005, max_value=1, allow_nan=False),
        value=st.sampled_from([0.0, 1.0]),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(
    points=point_lists,
    elapsed=st.floats(min_value=0.01, max_value=1),
    target=st.sampled_from([0, 50, 90, 95, 99.5, 100]),
    history=st.one_of(st.none(), st.floats(min_value=1, max_value=500)),
)
def test_the_budget_from_counts_is_the_budget_from_points(points, elapsed, target, history):
    points = [p for p in points if p.at <= elapsed]
    seen, recent, first_miss = tallies(points, elapsed)
    expected = fc.error_budget(points, target_percent=target, elapsed=elapsed, history_volume=history)
    got = mv.budget_from_tallies(
        seen=seen,
        recent=recent,
        first_miss_at=first_miss,
        target_percent=target,
        elapsed=elapsed,
        history_volume=history,
    )
    if expected is None:
        assert got is None
        return
    for name in ("expected_volume", "allowed_misses", "misses", "used_share", "burn_rate", "exhausted_at"):
        a, b = getattr(got, name), getattr(expected, name)
        if a is None or b is None or math.isinf(a) or math.isinf(b):
            assert a == b, name
        else:
            assert a == pytest.approx(b), name
    assert got.alerts == expected.alerts


def test_history_volume_ignores_past_periods_without_data():
    assert mv.history_volume((120, 0, 0)) == 120
    assert mv.history_volume((100, 140, 0)) == 120
    assert mv.history_volume((0, 0, 0)) is None


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(93.125, "%", "93.1%"), (95, "%", "95%"), (4.0, "hours", "4 hours"), (1234.56, "", "1,234.6"), (None, "%", "–")],
)
def test_numbers_in_words(value, unit, text):
    assert mv.fmt(value, unit) == text


def windows_at(now):
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    return Windows("month", "UTC", now, (start, end), ((datetime(2026, 10, 1, tzinfo=UTC), start),), burn_widths())


def rule(kind, direction="higher", target=100.0, min_points=1):
    return mv.Rule(kind=kind, direction=direction, target=target, warning=None, min_points=min_points, unit="")


def test_running_totals_are_judged_at_their_pace():
    # 40 claims by the 11th (a third of the month): on course for 120, above a target of 100.
    days = {date(2026, 11, d): Tally(4, 0, 4.0) for d in range(1, 11)}
    series = Series(current=Tally(40, 0, 40.0), days=days)
    now = datetime(2026, 11, 11, tzinfo=UTC)
    on_course = mv.verdict(rule("count"), series, windows_at(now), final=False)
    assert on_course.status == "met" and on_course.forecast.value == pytest.approx(120, rel=0.05)
    # Lower is better, at most 50 in the month: 40 already, 120 at this pace.
    over = mv.verdict(rule("count", direction="lower", target=50), series, windows_at(now), final=False)
    assert over.status == "at_risk" and "at this pace it ends short" in over.reason


def test_a_sum_or_count_with_no_data_is_zero_not_unknown():
    over = windows_at(datetime(2026, 12, 1, tzinfo=UTC))
    verdict = mv.verdict(rule("count", min_points=0), Series(), over, final=True)
    assert (verdict.actual, verdict.status) == (0.0, "missed")
