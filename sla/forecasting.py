"""The arithmetic of early warning, as pure functions of numbers and times (no database).

- `aggregate`: a period's value from its data points (mean, median, p90, sum, count,
  percentage meeting a condition, last value).
- `error_budget`: for percentage measures, the misses the target allows, how fast they are being
  used (burn rate), multi-window burn alerts in the manner of the SRE workbook, adapted to
  business periods, and the date the budget runs out at the current pace.
- `trend_forecast`: for mean, median, p90, sum, count and last-value measures, where the period
  will end up if the trend so far continues, with an uncertainty band.
- `measure_status`: met, at risk, missed or no data, from the value, its forecast and the targets.
- `commitment_forecast`: when a committed result will be done, from its check-ins.

Every function refuses to give a verdict from too few data points (the low-volume guard).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MEAN, MEDIAN, P90, SUM, COUNT, PERCENT, LAST = "mean", "median", "p90", "sum", "count", "percent", "last"
AGGREGATIONS = (MEAN, MEDIAN, P90, SUM, COUNT, PERCENT, LAST)
MET, AT_RISK, MISSED, NO_DATA = "met", "at_risk", "missed", "no_data"
HIGHER, LOWER = "higher", "lower"
MIN_POINTS = 5  # fewer points than this: "not enough data", never a verdict
Z80 = 1.2816  # an 80% band: wide enough to be honest, narrow enough to be useful


@dataclass(frozen=True)
class Point:
    """One data point: when (as a share of the period, 0 at its start, 1 at its end) and its
    value. For percentage measures `value` is 1 when the point met the condition, else 0."""

    at: float
    value: float


def aggregate(kind: str, points: Sequence[Point]) -> float | None:
    if not points:
        return None
    values = [p.value for p in points]
    if kind == MEAN:
        return statistics.fmean(values)
    if kind == MEDIAN:
        return statistics.median(values)
    if kind == P90:
        return percentile(values, 0.9)
    if kind == SUM:
        return math.fsum(values)
    if kind == COUNT:
        return float(len(values))
    if kind == PERCENT:
        return 100 * math.fsum(values) / len(values)
    if kind == LAST:
        return max(points, key=lambda p: p.at).value
    raise ValueError(f"unknown aggregation {kind!r}")


def percentile(values: Sequence[float], share: float) -> float:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = share * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- Error budgets (percentage measures) ---------------------------------------------------


@dataclass(frozen=True)
class BurnWindow:
    """Alert when the burn rate over the last `long` share of the period, and over the last
    `short` share (so the alert stops soon after the burning does), both reach `rate`."""

    name: str
    rate: float
    long: float
    short: float


# The SRE workbook pages at 14.4x over 1 h (5 min) and 6x over 6 h (30 min) of a 30-day window.
# Business measures see tens of events a day, not thousands a minute, so the windows are longer
# shares of the period and the rates lower: "fast" means the whole budget would go in about ten
# days at this pace, seen over the last two days; "slow" that it would go before the period ends,
# seen over the last week.
DEFAULT_BURN_WINDOWS = (
    BurnWindow("fast", rate=3.0, long=1 / 15, short=1 / 60),
    BurnWindow("slow", rate=1.0, long=1 / 4, short=1 / 16),
)


@dataclass(frozen=True)
class Budget:
    expected_volume: float
    allowed_misses: float
    misses: int
    used_share: float  # of the allowed misses
    burn_rate: float | None  # used share / elapsed share; 1.0 is exactly on budget
    exhausted_at: float | None  # share of the period at which it runs out at the current pace
    alerts: tuple[str, ...]  # names of the burn windows firing


def error_budget(
    points: Sequence[Point],
    *,
    target_percent: float,
    elapsed: float,
    history_volume: float | None = None,
    windows: Sequence[BurnWindow] = DEFAULT_BURN_WINDOWS,
    min_points: int = MIN_POINTS,
) -> Budget | None:
    """The error budget of a percentage measure `elapsed` (0-1] into its period. Expected volume
    comes from past periods when known (`history_volume`), else the volume so far scaled up to
    the whole period. None when there are too few points to judge."""
    if len(points) < min_points or elapsed <= 0:
        return None
    seen = [p for p in points if p.at <= elapsed]
    volume = history_volume if history_volume else len(seen) / elapsed
    allowed = (1 - target_percent / 100) * volume
    misses = sum(1 for p in seen if p.value < 0.5)
    used = misses / allowed if allowed > 0 else (math.inf if misses else 0.0)
    burn = used / elapsed if math.isfinite(used) else math.inf
    exhausted = None
    if misses and allowed > 0:
        exhausted = elapsed * allowed / misses  # the pace so far, carried on
    elif allowed <= 0 and misses:
        exhausted = min(p.at for p in seen if p.value < 0.5)
    firing = tuple(
        w.name
        for w in windows
        if _window_burn(seen, elapsed, w.long, target_percent) >= w.rate
        and _window_burn(seen, elapsed, w.short, target_percent) >= w.rate
    )
    return Budget(
        expected_volume=volume,
        allowed_misses=allowed,
        misses=misses,
        used_share=used,
        burn_rate=burn,
        exhausted_at=exhausted,
        alerts=firing,
    )


def _window_burn(points: Sequence[Point], now: float, width: float, target_percent: float) -> float:
    """Error rate in the window over the allowed error rate (the SRE burn rate)."""
    inside = [p for p in points if now - width < p.at <= now]
    if not inside:
        return 0.0
    error_rate = sum(1 for p in inside if p.value < 0.5) / len(inside)
    allowed_rate = 1 - target_percent / 100
    return error_rate / allowed_rate if allowed_rate > 0 else (math.inf if error_rate else 0.0)


# --- Trend forecasts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    value: float
    low: float
    high: float


def trend_forecast(
    kind: str, points: Sequence[Point], *, elapsed: float, min_points: int = MIN_POINTS
) -> Forecast | None:
    """Where the period's aggregate ends if the trend of the points so far carries on (an
    ordinary least-squares line over time) and the volume keeps its pace; an 80% band."""
    if len(points) < min_points or elapsed <= 0:
        return None
    if elapsed >= 1:
        value = aggregate(kind, points)
        return Forecast(value, value, value)
    n = len(points)
    remaining = n * (1 - elapsed) / elapsed  # points still to come at the pace so far
    line = _fit([p.at for p in points], [p.value for p in points])
    middle = (elapsed + 1) / 2
    projected = line.at(middle)
    spread = line.residual_sd
    if kind == COUNT:
        value = n / elapsed
        half = Z80 * math.sqrt(n) / elapsed
        return Forecast(value, max(value - half, n), value + half)
    if kind == SUM:
        observed = math.fsum(p.value for p in points)
        value = observed + remaining * projected
        half = Z80 * math.sqrt(remaining * spread**2 + (remaining * line.se_at(middle)) ** 2)
        return Forecast(value, value - half, value + half)
    if kind == LAST:
        value = line.at(1.0)
        half = Z80 * math.sqrt(spread**2 + line.se_at(1.0) ** 2)
        return Forecast(value, value - half, value + half)
    if kind == PERCENT:
        observed = math.fsum(p.value for p in points)
        share = min(max((observed + remaining * min(max(projected, 0), 1)) / (n + remaining), 0), 1)
        half = Z80 * math.sqrt(share * (1 - share) / (n + remaining))
        return Forecast(100 * share, 100 * max(share - half, 0), 100 * min(share + half, 1))
    # mean, median, p90: the part still to come moves the aggregate by its weight.
    current = aggregate(kind, points)
    weight = remaining / (n + remaining)
    drift = projected - line.at(mean([p.at for p in points]))
    value = current + weight * drift
    half = Z80 * math.sqrt((spread**2) / (n + remaining) + (weight * line.se_at(middle)) ** 2)
    return Forecast(value, value - half, value + half)


@dataclass(frozen=True)
class _Line:
    intercept: float
    slope: float
    mean_x: float
    sxx: float
    n: int
    residual_sd: float

    def at(self, x: float) -> float:
        return self.intercept + self.slope * x

    def se_at(self, x: float) -> float:
        """Standard error of the fitted line at x."""
        if self.n < 3 or self.sxx == 0:
            return self.residual_sd
        return self.residual_sd * math.sqrt(1 / self.n + (x - self.mean_x) ** 2 / self.sxx)


def mean(values: Sequence[float]) -> float:
    """statistics.fmean of a list, without its generator bookkeeping (the same number: the
    exact sum over the count); an evaluation pass fits a line for most of 10,000 measures."""
    return math.fsum(values) / len(values)


def _fit(xs: Sequence[float], ys: Sequence[float]) -> _Line:
    n = len(xs)
    mean_x, mean_y = mean(xs), mean(ys)
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    slope = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    intercept = mean_y - slope * mean_x
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
    dof = max(n - 2, 1)
    sd = math.sqrt(math.fsum(r * r for r in residuals) / dof)
    return _Line(intercept, slope, mean_x, sxx, n, sd)


# --- Status ------------------------------------------------------------------------------------


def meets(value: float, target: float, direction: str) -> bool:
    return value >= target if direction == HIGHER else value <= target


def measure_status(
    *,
    actual: float | None,
    forecast: Forecast | None,
    target: float,
    warning: float | None,
    direction: str,
    period_over: bool,
    budget: Budget | None = None,
) -> str:
    """met, at_risk, missed or no_data. Over: the actual decides. In progress: at risk as soon
    as the actual is past the warning level, the forecast misses the target, or the error
    budget is burning too fast; never missed before the period ends."""
    if actual is None:
        return NO_DATA
    if period_over:
        return MET if meets(actual, target, direction) else MISSED
    if budget is not None and (budget.alerts or budget.used_share >= 1):
        return AT_RISK
    if not meets(actual, target, direction):
        return AT_RISK
    if warning is not None and not meets(actual, warning, direction):
        return AT_RISK
    if forecast is not None and not meets(forecast.value, target, direction):
        return AT_RISK
    return MET


# --- Committed results -------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentForecast:
    done_on: date | None  # None: no progress to extrapolate
    late: bool


def commitment_forecast(
    *, committed_on: date, due_on: date, check_ins: Sequence[tuple[date, float]], today: date
) -> CommitmentForecast | None:
    """When 100% will be reached if progress carries on as in the check-ins so far (a line
    through (committed on, 0%) and every check-in). None with no check-in yet."""
    if not check_ins:
        return None
    latest = max(check_ins, key=lambda c: c[0])
    if latest[1] >= 100:
        return CommitmentForecast(done_on=latest[0], late=latest[0] > due_on)
    xs = [0.0] + [(day - committed_on).days for day, _ in check_ins]
    ys = [0.0] + [percent for _, percent in check_ins]
    line = _fit(xs, ys)
    if line.slope <= 0:
        return CommitmentForecast(done_on=None, late=True)
    days = (100 - line.intercept) / line.slope
    done_on = committed_on + timedelta(days=math.ceil(days))
    done_on = max(done_on, today)
    return CommitmentForecast(done_on=done_on, late=done_on > due_on)


def share_of_period(moment: datetime, start: datetime, end: datetime) -> float:
    """Where `moment` falls in [start, end), as a share from 0 to 1 (clamped)."""
    total = (end - start).total_seconds()
    return min(max((moment - start).total_seconds() / total, 0.0), 1.0) if total > 0 else 1.0
