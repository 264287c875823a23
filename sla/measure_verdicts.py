"""A measure's verdict for one period from its series (sla.measure_data): actual value, status,
forecast or error budget, and the reason in words. Pure: no database, `now` comes in the
windows.

- Percentage measures are judged by their error budget (sla.forecasting's arithmetic, here
  from the counts the database returns rather than from every point: `budget_from_tallies`
  gives the same numbers as `forecasting.error_budget`, which the tests check on random data).
  For "lower is better" percentages (e.g. share of tickets reopened), the points meeting the
  condition are the misses and the budget is the target itself.
- The others by a trend fitted on daily values (`forecasting.trend_forecast`); running totals
  (sum, count) are judged at their pace, not on the part of the period gone so far.
- The low-volume guard: fewer points than the measure's `min_points` is "not enough data".
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from catalog.models import Direction, FeedbackMetric, Measure, MeasureSource, TicketMetric
from sla import forecasting as fc
from sla.measure_data import Series, Tally, Windows, finite
from sla.periods import period_label

if TYPE_CHECKING:
    from sla.measure_data.in_force import MeasureInForce

CUMULATIVE = (fc.SUM, fc.COUNT)
QUANTILES = {fc.MEDIAN: "median", fc.P90: "p90", fc.LAST: "last"}
FEEDBACK_PENDING = "feedback arrives with the feedback module"


@dataclass(frozen=True)
class Rule:
    """What a verdict needs of a measure definition."""

    kind: str  # one of forecasting.AGGREGATIONS
    direction: str
    target: float
    warning: float | None
    min_points: int
    unit: str


def rule_for(measure: Measure | MeasureInForce) -> Rule:
    kind = measure.aggregation
    if measure.source == MeasureSource.TICKETS:
        # Engage time is a mean of business hours; the other ticket metrics are shares.
        kind = fc.MEAN if measure.ticket_metric == TicketMetric.ENGAGE_TIME else fc.PERCENT
    elif measure.source == MeasureSource.FEEDBACK:
        # CSAT is the share of 4-5 answers; NPS and CES are means (sla.measure_data.feedback_series).
        kind = fc.PERCENT if measure.feedback_metric == FeedbackMetric.CSAT else fc.MEAN
    fallback = "points" if measure.source == MeasureSource.FEEDBACK else "hours" if kind == fc.MEAN else ""
    unit = measure.unit or ("%" if kind == fc.PERCENT else fallback)
    return Rule(
        kind=str(kind),
        direction=str(measure.direction),
        target=float(measure.target),
        warning=float(measure.warning_level) if measure.warning_level is not None else None,
        min_points=measure.min_points,
        unit=unit,
    )


@dataclass(frozen=True)
class Verdict:
    actual: float | None
    volume: int
    status: str
    reason: str
    forecast: fc.Forecast | None = None
    budget: dict | None = None
    budget_gone: str = ""  # "budget gone by 18 Nov at this pace" / "budget used up on 12 Nov"


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:,.1f}".removesuffix(".0")
    if not unit:
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def no_data(reason: str, volume: int = 0, actual: float | None = None) -> Verdict:
    return Verdict(actual=actual, volume=volume, status=fc.NO_DATA, reason=reason)


FEEDBACK_VERDICT = no_data(FEEDBACK_PENDING)


def verdict(rule: Rule, series: Series, windows: Windows, *, final: bool) -> Verdict:
    """The current period so far (`final` False) or the period just finished (True)."""
    window = "prev" if final else "cur"
    tally = series.previous if final else series.current
    start, end = windows.previous if final else windows.current
    elapsed = 1.0 if final else windows.elapsed
    actual = _actual(rule.kind, tally, series.quantiles.get((window, QUANTILES.get(rule.kind, ""))))
    if tally.count == 0 and actual is None:
        return no_data("no data in the period" if final else "no data yet")
    if tally.count < rule.min_points:
        return no_data(f"not enough data: {tally.count} of {rule.min_points} points", tally.count, actual)

    budget = budget_json = None
    gone = ""
    if rule.kind == fc.PERCENT:
        budget = _budget(rule, series, windows, final=final, elapsed=elapsed)
        if budget is not None:
            gone = _budget_gone(budget, start, end, windows.time_zone)
            budget_json = _budget_json(budget, start, end, windows.time_zone, series, final)
    forecast = None if final else _forecast(rule.kind, series, windows, actual)
    judged = actual
    if not final and rule.kind in CUMULATIVE:
        pace = forecast.value if forecast is not None else actual / max(elapsed, 1e-9)
        judged = max(actual, pace) if rule.direction == Direction.LOWER else pace
    status = fc.measure_status(
        actual=judged,
        forecast=forecast if rule.kind not in (fc.PERCENT, *CUMULATIVE) else None,
        target=rule.target,
        warning=rule.warning,
        direction=rule.direction,
        period_over=final,
        budget=budget,
    )
    if final:
        forecast = fc.Forecast(actual, actual, actual)
    label = period_label(windows.period, start, windows.time_zone) if final else ""
    reason = _reason(rule, status, actual, judged, forecast, budget, gone, label)
    return Verdict(
        actual=actual,
        volume=tally.count,
        status=status,
        reason=reason[:300],
        forecast=forecast,
        budget=budget_json,
        budget_gone=gone,
    )


def _actual(kind: str, tally: Tally, quantile: float | None) -> float | None:
    if kind == fc.SUM:
        return tally.total
    if kind == fc.COUNT:
        return float(tally.count)
    if not tally.count:
        return None
    if kind == fc.MEAN:
        return tally.total / tally.count
    if kind == fc.PERCENT:
        return 100 * tally.ok / tally.count
    return quantile


# --- Error budgets -------------------------------------------------------------------------------


def budget_from_tallies(
    *,
    seen: Tally,
    recent: dict[float, Tally],
    first_miss_at: float | None,
    target_percent: float,
    elapsed: float,
    history_volume: float | None = None,
    windows=fc.DEFAULT_BURN_WINDOWS,
    min_points: int = fc.MIN_POINTS,
) -> fc.Budget | None:
    """forecasting.error_budget from counts: `seen` this period so far (ok = met the
    condition), `recent[width]` in its last `width` share, `first_miss_at` as a share."""
    if seen.count < min_points or elapsed <= 0:
        return None
    volume = history_volume if history_volume else seen.count / elapsed
    allowed = (1 - target_percent / 100) * volume
    misses = seen.count - seen.ok
    used = misses / allowed if allowed > 0 else (math.inf if misses else 0.0)
    burn = used / elapsed if math.isfinite(used) else math.inf
    exhausted = None
    if misses and allowed > 0:
        exhausted = elapsed * allowed / misses
    elif allowed <= 0 and misses:
        exhausted = first_miss_at
    allowed_rate = 1 - target_percent / 100

    def window_burn(width: float) -> float:
        inside = recent.get(width, Tally())
        if not inside.count:
            return 0.0
        error_rate = (inside.count - inside.ok) / inside.count
        return error_rate / allowed_rate if allowed_rate > 0 else (math.inf if error_rate else 0.0)

    firing = tuple(w.name for w in windows if window_burn(w.long) >= w.rate and window_burn(w.short) >= w.rate)
    return fc.Budget(
        expected_volume=volume,
        allowed_misses=allowed,
        misses=misses,
        used_share=used,
        burn_rate=burn,
        exhausted_at=exhausted,
        alerts=firing,
    )


def history_volume(counts: tuple[int, ...]) -> float | None:
    """The mean volume of the past periods that had data (a measure new last month is not
    averaged with the empty months before it)."""
    seen = [c for c in counts if c]
    return statistics.fmean(seen) if seen else None


def _flip(tally: Tally) -> Tally:
    return Tally(tally.count, tally.count - tally.ok, tally.total)


def _budget(rule: Rule, series: Series, windows: Windows, *, final: bool, elapsed: float) -> fc.Budget | None:
    higher = rule.direction == Direction.HIGHER
    start, end = windows.previous if final else windows.current
    if final:
        # Over: the real volume is known; the burn windows no longer matter.
        seen, recent, first_miss = series.previous, {}, None
        volume = None
    else:
        seen, recent = series.current, series.recent
        first_miss = series.first_miss if higher else series.first_hit
        volume = history_volume(series.history_counts)
    if not higher:
        seen, recent = _flip(seen), {w: _flip(t) for w, t in recent.items()}
    return budget_from_tallies(
        seen=seen,
        recent=recent,
        first_miss_at=fc.share_of_period(first_miss, start, end) if first_miss else None,
        target_percent=rule.target if higher else 100 - rule.target,
        elapsed=elapsed,
        history_volume=volume,
        min_points=rule.min_points,
    )


def _moment(share: float, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * share


def _budget_gone(budget: fc.Budget, start: datetime, end: datetime, time_zone: str) -> str:
    if budget.exhausted_at is None or budget.exhausted_at > 1:
        return ""
    day = _moment(budget.exhausted_at, start, end).astimezone(ZoneInfo(time_zone))
    if budget.used_share >= 1:
        return f"budget used up on {day:%-d %b}"
    return f"budget gone by {day:%-d %b} at this pace"


def _budget_json(
    budget: fc.Budget, start: datetime, end: datetime, time_zone: str, series: Series, final: bool
) -> dict:
    exhausted_on = None
    if budget.exhausted_at is not None and budget.exhausted_at <= 1:
        exhausted_on = _moment(budget.exhausted_at, start, end).astimezone(ZoneInfo(time_zone)).date().isoformat()
    return {
        "expected_volume": finite(budget.expected_volume),
        "volume_from": "the period" if final else ("history" if history_volume(series.history_counts) else "pace"),
        "allowed_misses": finite(budget.allowed_misses),
        "misses": budget.misses,
        "used_share": finite(budget.used_share),
        "burn_rate": finite(budget.burn_rate),
        "exhausted_at": finite(budget.exhausted_at),
        "exhausted_on": exhausted_on,
        "alerts": list(budget.alerts),
    }


# --- Trends --------------------------------------------------------------------------------------


def _day_points(series: Series, windows: Windows, value) -> list[fc.Point]:
    """One point per local day with data, placed at the middle of the part of the day inside
    the period so far."""
    shares = _day_shares(windows)
    points = []
    for day, tally in sorted(series.days.items()):
        at = shares.get(day)
        if at is None:
            at = shares[day] = _day_share(day, windows)
        points.append(fc.Point(at=at, value=value(tally)))
    return points


@lru_cache(maxsize=64)  # one per group of a pass: the same few dozen days for all its measures
def _day_shares(windows: Windows) -> dict[date, float]:
    return {}


def _day_share(day: date, windows: Windows) -> float:
    zone = ZoneInfo(windows.time_zone)
    start, end = windows.current
    first = max(datetime.combine(day, time(0), tzinfo=zone), start)
    last = min(datetime.combine(day, time(23, 59, 59), tzinfo=zone), windows.now)
    middle = first + (last - first) / 2 if last > first else first
    return fc.share_of_period(middle, start, end)


def _forecast(kind: str, series: Series, windows: Windows, actual: float | None) -> fc.Forecast | None:
    """Fitted on daily values (a trend needs two days): daily sums or counts for running
    totals; otherwise daily means (shares for percentages) give the drift, added to the actual
    the database computed (so medians keep their own level)."""
    if actual is None or len(series.days) < 2:
        return None
    elapsed = windows.elapsed
    if kind in CUMULATIVE:
        points = _day_points(series, windows, (lambda t: t.total) if kind == fc.SUM else (lambda t: float(t.count)))
        return fc.trend_forecast(fc.SUM, points, elapsed=elapsed, min_points=2)
    if kind == fc.PERCENT:
        points = _day_points(series, windows, lambda t: 100 * t.ok / t.count)
    else:
        points = _day_points(series, windows, lambda t: t.total / t.count)
    if kind == fc.LAST:
        return fc.trend_forecast(fc.LAST, points, elapsed=elapsed, min_points=2)
    trend = fc.trend_forecast(fc.MEAN, points, elapsed=elapsed, min_points=2)
    if trend is None:
        return None
    shift = actual - fc.mean([p.value for p in points])
    low, value, high = trend.low + shift, trend.value + shift, trend.high + shift
    if kind == fc.PERCENT:
        low, value, high = (min(max(x, 0.0), 100.0) for x in (low, value, high))
    return fc.Forecast(value, low, high)


# --- Words ---------------------------------------------------------------------------------------


def _reason(rule, status, actual, judged, forecast, budget, gone, final_label) -> str:
    """Why this status, in words: the actual against the target, then what decided it."""
    against = f"{fmt(actual, rule.unit)} against a target of {fmt(rule.target, rule.unit)}"
    if final_label:
        label = final_label
        return f"{label}: {against}, {'met' if status == fc.MET else 'missed'}"
    details = []
    if budget is not None:
        used = budget.used_share
        details.append(
            "error budget used up"
            if used >= 1
            else f"{used:.0%} of the error budget used"
            if math.isfinite(used)
            else ""
        )
        if budget.alerts:
            details.append(f"burning {' and '.join(budget.alerts)}")
        if gone and used < 1:
            details.append(gone)
    elif status == fc.AT_RISK:
        if not fc.meets(judged, rule.target, rule.direction):
            details.append("at this pace it ends short" if rule.kind in CUMULATIVE else "past the target")
        elif rule.warning is not None and not fc.meets(judged, rule.warning, rule.direction):
            details.append(f"past the warning level of {fmt(rule.warning, rule.unit)}")
    if forecast is not None and rule.kind != fc.PERCENT:
        details.append(
            f"forecast {fmt(forecast.value, rule.unit)} (likely {fmt(forecast.low, rule.unit)}"
            f" to {fmt(forecast.high, rule.unit)}) at the period's end"
        )
    return "; ".join([against, *[d for d in details if d]])
