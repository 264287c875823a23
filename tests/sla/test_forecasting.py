"""The arithmetic of early warning, on cases worked by hand."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla import forecasting as fc
from sla.forecasting import Point


def evenly(values, until=1.0):
    """Points spread evenly over (0, until]."""
    n = len(values)
    return [Point(at=until * (i + 1) / n, value=v) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("mean", 4.0), ("median", 3.0), ("p90", 7.6), ("sum", 20.0), ("count", 5.0), ("last", 10.0)],
)
def test_aggregations(kind, expected):
    # p90 of 1, 2, 3, 4, 10: rank 0.9 x 4 = 3.6, so 4 + 0.6 x (10 - 4) = 7.6 (percentile_cont).
    assert fc.aggregate(kind, evenly([1, 2, 3, 4, 10])) == pytest.approx(expected)


def test_percentage_is_the_share_of_points_meeting_the_condition():
    assert fc.aggregate("percent", evenly([1, 1, 0, 1, 1])) == 80.0
    assert fc.aggregate("mean", []) is None


def test_error_budget_with_the_volume_so_far_scaled_to_the_period():
    # Half-way, 100 tickets, 3 missed, target 95%: expect 200, allow 10, used 30%, burn 0.6.
    points = evenly([0] * 3 + [1] * 97, until=0.5)
    budget = fc.error_budget(points, target_percent=95, elapsed=0.5)
    assert budget.expected_volume == pytest.approx(200)
    assert budget.allowed_misses == pytest.approx(10)
    assert (budget.misses, budget.used_share, budget.burn_rate) == (3, pytest.approx(0.3), pytest.approx(0.6))
    assert budget.exhausted_at == pytest.approx(0.5 * 10 / 3)  # after the period ends: fine
    assert budget.alerts == ()  # the misses came early, and none lately


def test_error_budget_with_history_and_exhaustion_inside_the_period():
    points = evenly([1] * 92 + [0] * 8, until=0.5)
    budget = fc.error_budget(points, target_percent=95, elapsed=0.5, history_volume=150)
    assert budget.allowed_misses == pytest.approx(7.5)
    assert budget.used_share == pytest.approx(8 / 7.5)
    assert budget.exhausted_at == pytest.approx(0.5 * 7.5 / 8)  # 0.469: already gone, before now
    assert "fast" in budget.alerts  # 8 misses in the last stretch: burning fast in both windows


def test_burn_alerts_need_both_windows():
    # Misses only long ago in the long window, none in the short one: no alert.
    points = [Point(at=0.40 + i * 0.001, value=0) for i in range(5)] + evenly([1] * 60, until=0.5)
    budget = fc.error_budget(points, target_percent=90, elapsed=0.5)
    assert budget.alerts == ()


def test_low_volume_guard():
    assert fc.error_budget(evenly([0, 1, 1]), target_percent=95, elapsed=0.5) is None
    assert fc.trend_forecast("mean", evenly([1, 2, 3]), elapsed=0.5) is None


def test_trend_forecasts():
    flat = evenly([2.0] * 10, until=0.5)
    assert fc.trend_forecast("sum", flat, elapsed=0.5).value == pytest.approx(40)
    assert fc.trend_forecast("count", flat, elapsed=0.5).value == pytest.approx(20)
    rising = [Point(at=t / 20, value=10 * t / 20) for t in range(1, 11)]  # value = 10 x time
    forecast = fc.trend_forecast("mean", rising, elapsed=0.5)
    # Observed mean 2.75; the rest of the period centres on 7.5 and weighs half: 5.125.
    assert forecast.value == pytest.approx(5.125)
    assert forecast.low == forecast.value == forecast.high  # a perfect line leaves no doubt
    noisy = [Point(at=p.at, value=p.value + (0.5 if i % 2 else -0.5)) for i, p in enumerate(rising)]
    band = fc.trend_forecast("mean", noisy, elapsed=0.5)
    assert band.low < band.value < band.high
    assert band.value == pytest.approx(5.125, abs=0.3)
    assert fc.trend_forecast("last", rising, elapsed=0.5).value == pytest.approx(10)


def test_a_finished_period_forecasts_itself():
    points = evenly([3, 4, 5, 6, 7])
    assert fc.trend_forecast("median", points, elapsed=1.0) == fc.Forecast(5, 5, 5)


@pytest.mark.parametrize(
    ("actual", "forecast", "over", "budget_alerts", "expected"),
    [
        (None, None, False, (), "no_data"),
        (96, 96, True, (), "met"),
        (94, 94, True, (), "missed"),
        (94, 96, False, (), "at_risk"),  # below target now: never 'missed' before the end
        (96.5, 96, False, (), "at_risk"),  # past the warning level (97)
        (98, 94, False, (), "at_risk"),  # the forecast misses
        (98, 98, False, ("fast",), "at_risk"),  # the budget burns too fast
        (98, 98, False, (), "met"),
    ],
)
def test_measure_status(actual, forecast, over, budget_alerts, expected):
    budget = fc.Budget(100, 5, 1, 0.2, 0.4, None, budget_alerts)
    status = fc.measure_status(
        actual=actual,
        forecast=fc.Forecast(forecast, forecast, forecast) if forecast is not None else None,
        target=95,
        warning=97,
        direction="higher",
        period_over=over,
        budget=budget,
    )
    assert status == expected


def test_lower_is_better():
    assert (
        fc.measure_status(actual=3, forecast=None, target=4, warning=3.5, direction="lower", period_over=False) == "met"
    )
    assert (
        fc.measure_status(actual=5, forecast=None, target=4, warning=None, direction="lower", period_over=True)
        == "missed"
    )


def test_commitment_forecast_from_check_ins():
    # 20% after 10 days, 40% after 20: 2% a day, so 100% after 50 days, on 20 February.
    result = fc.commitment_forecast(
        committed_on=date(2026, 1, 1),
        due_on=date(2026, 2, 15),
        check_ins=[(date(2026, 1, 11), 20), (date(2026, 1, 21), 40)],
        today=date(2026, 1, 21),
    )
    assert result == fc.CommitmentForecast(done_on=date(2026, 2, 20), late=True)
    stuck = fc.commitment_forecast(
        committed_on=date(2026, 1, 1),
        due_on=date(2026, 3, 1),
        check_ins=[(date(2026, 1, 11), 0)],
        today=date(2026, 1, 11),
    )
    assert stuck == fc.CommitmentForecast(done_on=None, late=True)
    assert (
        fc.commitment_forecast(
            committed_on=date(2026, 1, 1), due_on=date(2026, 3, 1), check_ins=[], today=date(2026, 1, 2)
        )
        is None
    )


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=50))
def test_percentile_lies_between_the_extremes_and_matches_the_median_at_half(values):
    points = evenly(values)
    assert min(values) <= fc.aggregate("p90", points) <= max(values)
    assert fc.percentile(values, 0.5) == pytest.approx(fc.aggregate("median", points), rel=1e-9, abs=1e-6)
