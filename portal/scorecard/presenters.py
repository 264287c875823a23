"""What the scorecard pages show, as pure functions of the scorecard (no queries): badges that
say each status in words and with a sign (never colour alone), numbers with their unit, and
sparklines drawn as inline SVG with a text alternative.

A sparkline: one point per period (oldest left, the period in progress right, drawn hollow: its
value is so far), the target as a dashed line, the forecast band for the period's end as a bar
at the right edge. Periods without a verdict (not enough data) leave a gap in the points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sla import scorecard as card
from sla.scorecard_selectors import FactorCard, MeasureCard, PeriodValue, Scorecard

# Badge classes of the portal's stylesheet (accord.css), by status; marks for those who cannot
# tell the colours apart.
BADGE_CLASSES = {
    card.MET: "badge--standing-on-track",
    card.AT_RISK: "badge--risk-at-risk",
    card.MISSED: "badge--risk-breached",
    card.NO_DATA: "",
    card.NO_MEASURES: "",
}
MARKS = {card.MET: "✓", card.AT_RISK: "!", card.MISSED: "✗", card.NO_DATA: "?", card.NO_MEASURES: "–"}
TREND_MARKS = {card.IMPROVING: "↗", card.STEADY: "→", card.WORSENING: "↘"}


@dataclass(frozen=True)
class Badge:
    status: str
    css: str
    mark: str
    label: str


def status_badge(status: str) -> Badge:
    return Badge(status=status, css=BADGE_CLASSES[status], mark=MARKS[status], label=card.STATUS_LABELS[status])


def number(value: float | None, unit: str = "") -> str:
    """97.5%, 4 hours, 1,250: at most one decimal, none when whole."""
    if value is None:
        return "–"
    text = f"{value:,.1f}".removesuffix(".0")
    if text == "-0":
        text = "0"
    if not unit:
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


# --- Sparklines --------------------------------------------------------------------------------

WIDTH, HEIGHT = 160, 40
PAD_X, PAD_Y = 6, 5
BAND_GAP = 10  # room at the right for the forecast band


@dataclass(frozen=True)
class SparkPoint:
    x: float
    y: float
    label: str
    current: bool


@dataclass(frozen=True)
class Band:
    x: float
    y_top: float
    y_bottom: float
    y_forecast: float
    label: str


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: tuple[SparkPoint, ...]
    target_y: float
    band: Band | None
    description: str  # the text alternative: every period's value, the target and the forecast

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def sparkline(
    history: Sequence[PeriodValue],
    *,
    name: str,
    target: float,
    unit: str,
    forecast: float | None = None,
    low: float | None = None,
    high: float | None = None,
) -> Sparkline:
    values = [p.value for p in history if p.value is not None]
    band_values = [v for v in (forecast, low, high) if v is not None]
    lowest = min([*values, *band_values, target])
    highest = max([*values, *band_values, target])
    spread = highest - lowest or max(abs(target), 1.0) * 0.1
    lowest, highest = lowest - spread * 0.1, highest + spread * 0.1
    top, bottom = PAD_Y, HEIGHT - PAD_Y
    left, right = PAD_X, WIDTH - PAD_X - BAND_GAP
    step = (right - left) / max(len(history) - 1, 1)

    def y(value: float) -> float:
        return bottom - (bottom - top) * (value - lowest) / (highest - lowest)

    points = tuple(
        SparkPoint(left + step * index, y(period.value), _period_text(period, unit), period.current)
        for index, period in enumerate(history)
        if period.value is not None
    )
    band = None
    if forecast is not None:
        band = Band(
            x=WIDTH - PAD_X,
            y_top=y(max(high if high is not None else forecast, forecast)),
            y_bottom=y(min(low if low is not None else forecast, forecast)),
            y_forecast=y(forecast),
            label=_forecast_text(forecast, low, high, unit),
        )
    return Sparkline(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        target_y=y(target),
        band=band,
        description=_describe(history, name=name, target=target, unit=unit, band=band),
    )


def _period_text(period: PeriodValue, unit: str) -> str:
    if period.value is None:
        return f"{period.label}: {card.STATUS_LABELS[card.NO_DATA].lower()}"
    so_far = " so far" if period.current else ""
    return f"{period.label}: {number(period.value, unit)}{so_far} ({period.status_label.lower()})"


def _forecast_text(forecast: float, low: float | None, high: float | None, unit: str) -> str:
    text = f"forecast {number(forecast, unit)}"
    if low is not None and high is not None and (low, high) != (forecast, forecast):
        text += f" (likely between {number(low, unit)} and {number(high, unit)})"
    return text


def _describe(history: Sequence[PeriodValue], *, name: str, target: float, unit: str, band: Band | None) -> str:
    periods = "; ".join(_period_text(p, unit) for p in history)
    text = f"{name}, by period: {periods}. Target {number(target, unit)}."
    if band is not None:
        text += f" At the period’s end: {band.label}."
    return text


# --- The scorecard, for templates ---------------------------------------------------------------


@dataclass(frozen=True)
class MeasureView:
    card: MeasureCard
    badge: Badge
    actual: str
    target: str
    forecast: str  # "" without a forecast
    trend: str  # "" without a trend
    sparkline: Sparkline
    budget_gone_on: str  # ISO date when the error budget runs out at this pace, else ""

    @property
    def chart_id(self) -> str:
        return f"sparkline-{self.card.measure.pk}"

    @property
    def chart(self):
        """The Chart.js chart of the web page (the sparkline stays for pages without script)."""
        from portal.charts import measure_chart  # portal.charts reads this module's number()

        return measure_chart(self.card)


@dataclass(frozen=True)
class FactorView:
    card: FactorCard
    badge: Badge
    measures: tuple[MeasureView, ...]
    trend: str
    note: str  # said beside a known status: measures without enough data


def measure_view(measure: MeasureCard) -> MeasureView:
    unit = measure.measure.unit
    forecast = ""
    if measure.forecast is not None:
        forecast = _forecast_text(measure.forecast, measure.forecast_low, measure.forecast_high, unit)
        forecast = forecast[0].upper() + forecast[1:]
    trend = f"{TREND_MARKS[measure.trend]} {measure.trend_label}" if measure.trend else ""
    return MeasureView(
        card=measure,
        badge=status_badge(measure.status),
        actual=number(measure.current.actual, unit),
        target=("at least " if measure.measure.direction == "higher" else "at most ") + number(measure.target, unit),
        forecast=forecast,
        trend=trend,
        sparkline=sparkline(
            measure.history,
            name=measure.measure.name,
            target=measure.target,
            unit=unit,
            forecast=measure.forecast,
            low=measure.forecast_low,
            high=measure.forecast_high,
        ),
        budget_gone_on=str(measure.budget.get("exhausted_on") or "") if measure.budget else "",
    )


def factor_views(scorecard: Scorecard) -> list[FactorView]:
    views = []
    for factor in scorecard.factors:
        note = ""
        if factor.without_data and factor.status not in (card.NO_DATA, card.NO_MEASURES):
            count = factor.without_data
            note = f"{count} measure{'s' if count != 1 else ''} without enough data"
        views.append(
            FactorView(
                card=factor,
                badge=status_badge(factor.status),
                measures=tuple(measure_view(m) for m in factor.measures),
                trend=f"{TREND_MARKS[factor.trend]} {factor.trend_label}" if factor.trend else "",
                note=note,
            )
        )
    return views
