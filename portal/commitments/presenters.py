"""What the commitment pages show, as pure functions of data (no queries): the status badge and
the progress chart, drawn as inline SVG (no JavaScript library).

The chart: days from the commitment to the latest of the due date, the forecast and today on
the x axis; percentage done on the y axis. Check-ins are a line of points from (committed on,
0%); the forecast is a dashed line from the last check-in to 100%; the due date is a vertical
line (earlier due dates, before renegotiation, are dotted); today is marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sla.commitments import AT_RISK, DELIVERED, MISSED, NEW, ON_TRACK, STALE, STATUS_LABELS, WITHDRAWN

# Badge classes of the portal's stylesheet, by status (no new CSS needed).
BADGE_CLASSES = {
    NEW: "badge--proposed",
    ON_TRACK: "badge--standing-on-track",
    AT_RISK: "badge--risk-at-risk",
    STALE: "badge--risk-at-risk",
    MISSED: "badge--risk-breached",
    DELIVERED: "badge--agreed",
    WITHDRAWN: "badge--withdrawn",
}
BADGE_MARKS = {ON_TRACK: "✓", DELIVERED: "✓", AT_RISK: "!", STALE: "!", MISSED: "✗"}


@dataclass(frozen=True)
class Badge:
    css: str
    mark: str  # a sign besides the colour, for those who cannot tell colours apart
    label: str


def status_badge(status: str) -> Badge:
    return Badge(css=BADGE_CLASSES[status], mark=BADGE_MARKS.get(status, ""), label=STATUS_LABELS[status])


WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36  # room for the axis labels


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str  # for the point's <title>


@dataclass(frozen=True)
class VerticalLine:
    x: float
    label: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class ProgressChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    points: list[ChartPoint]
    forecast: tuple[ChartPoint, ChartPoint] | None
    due: VerticalLine
    earlier_dues: list[VerticalLine] = field(default_factory=list)
    today: VerticalLine | None = None
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    description: str = ""

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def progress_chart(
    *,
    committed_on: date,
    due_on: date,
    check_ins: Sequence[tuple[date, int]],
    forecast_done_on: date | None,
    today: date,
    earlier_due_dates: Sequence[date] = (),
    closed_on: date | None = None,
) -> ProgressChart:
    """The chart's geometry in SVG units. `check_ins` are (local day, percent done)."""
    end_day = closed_on or today
    last_day = max([due_on, end_day, *(d for d, _ in check_ins), *earlier_due_dates, forecast_done_on or due_on])
    span = max((last_day - committed_on).days, 1)
    left, right, top, bottom = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM

    def x(day: date) -> float:
        return left + (right - left) * (day - committed_on).days / span

    def y(percent: float) -> float:
        return bottom - (bottom - top) * percent / 100

    points = [ChartPoint(x(committed_on), y(0), f"Committed on {_day(committed_on)}")]
    points += [ChartPoint(x(day), y(percent), f"{percent}% on {_day(day)}") for day, percent in check_ins]
    forecast = None
    if forecast_done_on is not None and check_ins and check_ins[-1][1] < 100 and closed_on is None:
        last_day_, last_percent = check_ins[-1]
        forecast = (
            ChartPoint(x(last_day_), y(last_percent), ""),
            ChartPoint(x(forecast_done_on), y(100), f"Forecast: done by {_day(forecast_done_on)}"),
        )
    description = _describe(committed_on, due_on, check_ins, forecast_done_on if forecast else None)
    return ProgressChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        points=points,
        forecast=forecast,
        due=VerticalLine(x(due_on), f"Due {_day(due_on)}"),
        earlier_dues=[VerticalLine(x(d), f"Was due {_day(d)}") for d in earlier_due_dates],
        today=VerticalLine(x(today), "Today") if closed_on is None and committed_on <= today <= last_day else None,
        x_ticks=[Tick(x(committed_on), _short(committed_on)), Tick(x(last_day), _short(last_day))],
        y_ticks=[Tick(y(p), f"{p}%") for p in (0, 50, 100)],
        description=description,
    )


def _describe(committed_on, due_on, check_ins, forecast_done_on) -> str:
    text = f"Committed on {_day(committed_on)}, due {_day(due_on)}."
    if check_ins:
        day, percent = check_ins[-1]
        text += f" {len(check_ins)} check-in{'s' if len(check_ins) != 1 else ''}; the last, on {_day(day)}, {percent}%."
    else:
        text += " No check-in yet."
    if forecast_done_on:
        text += f" At this pace done by {_day(forecast_done_on)}."
    return text


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _short(day: date) -> str:
    return f"{day.day} {day:%b}"
