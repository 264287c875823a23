"""Charts drawn in the browser by Chart.js (portal/static/portal/vendor/chartjs/), from data the
page carries in a json_script element; static/portal/charts.js finds each canvas and draws it
(no inline script: the pages run under a strict Content-Security-Policy).

Each chart here is a pure function of data the selectors read: it returns a `Chart`, which says
what the template needs — the spec for charts.js (`spec`), a one-line summary for the canvas's
accessible name, and the same numbers as a table (`columns`, `rows`), the chart's text
alternative, shown when scripts are off and one click away when they are on.

The spec charts.js reads (kept small and declarative so the drawing stays in one static file):
    {"type": "line" | "bar", "labels": [...], "unit": "%" | "" | "hours",
     "y": {"min": n?, "max": n?, "title": "..."}, "horizontal": bool,
     "datasets": [{"label": "...", "data": [n | null, ...], "style": STYLE, "colour": i, "span": bool?}]}
STYLE: "series" (a line with points), "target" (dashed, no points), "band-low" / "band-high"
(a shaded band between the two, e.g. a confidence interval), "forecast" (points only, with
"low"/"high" lists drawn as whiskers), "bar". "span": the line crosses the labels where the dataset
has no value (off by default: a gap is a period without data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from catalog.models import Priority
from feedback import scores
from feedback.selectors import FeedbackSummary
from portal.scorecard.presenters import number
from sla.scorecard_selectors import MeasureCard
from sla.series_selectors import AttainmentSeries, TicketLoadSeries


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: the canvas's and its data's ids derive from it
    title: str
    summary: str  # the canvas's accessible name: what the chart shows, in one sentence
    spec: dict
    columns: tuple[str, ...]  # the table alternative: header row ...
    rows: tuple[tuple[str, ...], ...] = field(default=())  # ... and one row per label

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def has_data(self) -> bool:
        return any(v is not None for d in self.spec["datasets"] for v in d["data"])


def _dataset(label: str, data: Sequence[float | None], style: str, colour: int = 0, **extra) -> dict:
    return {"label": label, "data": list(data), "style": style, "colour": colour, **extra}


def _priority_label(priority: int) -> str:
    try:
        return Priority(priority).label
    except ValueError:
        return f"P{priority}"


# --- SLA attainment per month and priority ----------------------------------------------------


def attainment_chart(series: AttainmentSeries, *, chart_id: str = "chart-attainment") -> Chart:
    datasets, columns, by_label = [], ["Month"], []
    for colour, track in enumerate(series.tracks):
        name = _priority_label(track.priority)
        datasets.append(_dataset(f"{name} within target", [m.percent for m in track.months], "series", colour))
        columns.append(f"{name} within target")
        if track.objective_percent is not None:
            datasets.append(
                _dataset(f"{name} objective", [track.objective_percent] * len(series.labels), "target", colour)
            )
            columns.append(f"{name} objective")
    for i, label in enumerate(series.labels):
        row = [label]
        for track in series.tracks:
            month = track.months[i]
            if month.percent is None:
                row.append("no outcomes")
            else:
                row.append(f"{number(month.percent, '%')} ({month.met} of {month.total})")
            if track.objective_percent is not None:
                row.append(number(track.objective_percent, "%"))
        by_label.append(tuple(row))
    first, last = (series.labels[0], series.labels[-1]) if series.labels else ("", "")
    return Chart(
        id=chart_id,
        title="Clocks within target, per month and priority, against the objective",
        summary=f"Line chart: the share of clocks that kept their target each month from {first} to {last}, "
        "one line per priority, the agreed objective dashed. The table below gives every value.",
        spec={
            "type": "line",
            "labels": list(series.labels),
            "unit": "%",
            "y": {"min": 0, "max": 100, "title": "Within target (%)"},
            "datasets": datasets,
        },
        columns=tuple(columns),
        rows=tuple(by_label),
    )


# --- Open and at-risk tickets -----------------------------------------------------------------


def ticket_load_chart(series: TicketLoadSeries, *, chart_id: str = "chart-ticket-load") -> Chart:
    return Chart(
        id=chart_id,
        title="Open tickets and tickets at risk, day by day",
        summary=f"Line chart: open tickets and those at risk at the end of each day from {series.labels[0]} to "
        "today. The table below gives every value.",
        spec={
            "type": "line",
            "labels": list(series.labels),
            "unit": "",
            "y": {"min": 0, "title": "Tickets"},
            "datasets": [
                _dataset("Open", series.open, "series", 0),
                _dataset("At risk or breached", series.at_risk, "series", 1),
            ],
        },
        columns=("Day", "Open", "At risk or breached"),
        rows=tuple(
            (label, str(o), str(r)) for label, o, r in zip(series.labels, series.open, series.at_risk, strict=True)
        ),
    )


# --- Feedback scores with their confidence band -----------------------------------------------


def feedback_chart(summary: FeedbackSummary, kind: str) -> Chart:
    from portal.feedback_scores.presenters import score_text

    track = summary.track(kind)
    labels = [p.label + (" (so far)" if p.current else "") for p in summary.periods]
    values = [r.score.value for r in track.history]
    lows = [r.score.low if r.score.value is not None else None for r in track.history]
    highs = [r.score.high if r.score.value is not None else None for r in track.history]
    medians = [r.median for r in track.history]
    rows = []
    for label, ranked in zip(labels, track.history, strict=True):
        s = ranked.score
        value = score_text(kind, s.value) if s.value is not None else (s.note or "no responses")
        band = "–"
        if s.low is not None and s.high is not None and s.value is not None:
            band = f"{score_text(kind, s.low)} to {score_text(kind, s.high)}"
        rows.append((label, value, band, str(s.responses), score_text(kind, ranked.median)))
    name = scores.LABELS[kind]
    confidence = f"{summary.confidence:.0%}"
    return Chart(
        id=f"chart-feedback-{kind}",
        title=f"{name} by {summary.period}, with its {confidence} confidence band",
        summary=f"Line chart: {name} each {summary.period} with a shaded {confidence} confidence band and the median "
        "across services dashed; periods without enough responses are gaps. The table below gives every value.",
        spec={
            "type": "line",
            "labels": labels,
            "unit": "%" if kind == scores.CSAT else "",
            "y": {"min": scores.SCALES[kind][0], "max": scores.SCALES[kind][1], "title": name},
            "datasets": [
                _dataset(f"Likely lowest ({confidence})", lows, "band-low", 0),
                _dataset(f"Likely highest ({confidence})", highs, "band-high", 0),
                _dataset(name, values, "series", 0),
                _dataset("Median across services", medians, "target", 5),
            ],
        },
        columns=("Period", name, f"{confidence} confidence interval", "Responses", "Median across services"),
        rows=tuple(rows),
    )


# --- A measure against its target, with the forecast ------------------------------------------


def measure_chart(measure: MeasureCard) -> Chart:
    unit = measure.measure.unit
    labels = [p.label + (" (so far)" if p.current else "") for p in measure.history]
    values = [p.value for p in measure.history]
    last = len(labels) - 1
    forecast = [None] * len(labels)
    low = [None] * len(labels)
    high = [None] * len(labels)
    if measure.forecast is not None:
        forecast[last] = measure.forecast
        low[last] = measure.forecast_low if measure.forecast_low is not None else measure.forecast
        high[last] = measure.forecast_high if measure.forecast_high is not None else measure.forecast
    direction = "at least" if measure.measure.direction == "higher" else "at most"
    rows = []
    for i, period in enumerate(measure.history):
        value = number(period.value, unit) if period.value is not None else "not enough data"
        outlook = "–"
        if i == last and measure.forecast is not None:
            outlook = number(measure.forecast, unit)
            if measure.forecast_low is not None and measure.forecast_high is not None:
                outlook += f" (likely {number(measure.forecast_low, unit)} to {number(measure.forecast_high, unit)})"
        rows.append((labels[i], value, period.status_label, outlook))
    name = measure.measure.name
    return Chart(
        id=f"measure-chart-{measure.measure.pk}",
        title=f"{name}: each period against its target ({direction} {number(measure.target, unit)})",
        summary=f"Line chart: {name} per period, the target dashed, the forecast for the period's end as a point "
        "with its likely range. The table below gives every value.",
        spec={
            "type": "line",
            "labels": labels,
            "unit": unit,
            "y": {"title": unit or name},
            "datasets": [
                _dataset(name, values, "series", 0),
                _dataset(f"Target ({direction})", [measure.target] * len(labels), "target", 1),
                _dataset("Forecast at the period's end", forecast, "forecast", 2, low=low, high=high),
            ],
        },
        columns=("Period", name, "Status", "Forecast at the period's end"),
        rows=tuple(rows),
    )


# --- Error budget remaining -------------------------------------------------------------------


def error_budget_chart(measures: Sequence[MeasureCard], *, chart_id: str = "chart-error-budget") -> Chart | None:
    """The share of each measure's error budget left this period (measures judged by a budget
    only); None when no measure has one."""
    with_budget = [m for m in measures if m.budget and m.budget.get("used_share") is not None]
    if not with_budget:
        return None
    labels, remaining, rows = [], [], []
    for m in with_budget:
        used = float(m.budget["used_share"])
        left = max(0.0, round(100 * (1 - used), 1))
        labels.append(m.measure.name)
        remaining.append(left)
        allowed = m.budget.get("allowed_misses")
        gone = m.budget.get("exhausted_on") or ""
        rows.append(
            (
                m.measure.name,
                number(left, "%"),
                f"{m.budget.get('misses', 0)} of {number(allowed) if allowed is not None else '–'}",
                f"gone by {gone} at this pace" if gone else "lasts the period at this pace",
            )
        )
    return Chart(
        id=chart_id,
        title="Error budget remaining this period",
        summary="Bar chart: the share of each measure's error budget (the misses its target allows this period) "
        "still unused. The table below gives every value.",
        spec={
            "type": "bar",
            "horizontal": True,
            "labels": labels,
            "unit": "%",
            "y": {"min": 0, "max": 100, "title": "Budget left (%)"},
            "datasets": [_dataset("Budget left", remaining, "bar", 0)],
        },
        columns=("Measure", "Budget left", "Misses so far, of those allowed", "At this pace"),
        rows=tuple(rows),
    )
