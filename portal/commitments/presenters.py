"""What the commitment pages show, as pure functions of data (no queries): the status badge and
the progress chart, drawn by Chart.js like every chart of the portal (portal/charts.py, docs/charts.md).

The chart: one label per day something happened (committed, each check-in, the due date and
those renegotiated away, the forecast's day, today); percentage done on the y axis. Check-ins are
a line of points from (committed on, 0%); the forecast is a dashed line from the last check-in to
100%; the due date is a point at 100% (earlier due dates, before renegotiation, in grey). Its
table says the same, a row per day, with what happened that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from portal.charts import Chart, _dataset
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


def progress_chart(
    *,
    committed_on: date,
    due_on: date,
    check_ins: Sequence[tuple[date, int]],
    forecast_done_on: date | None,
    today: date,
    earlier_due_dates: Sequence[date] = (),
    closed_on: date | None = None,
) -> Chart:
    """The progress chart (portal/charts.py conventions), one label per day something happened:
    committed, each check-in, the due date and those renegotiated away, the forecast's day, today.
    `check_ins` are (local day, percent done), oldest first."""
    events: dict[date, list[str]] = defaultdict(list)
    events[committed_on].append("committed")
    for day, percent in check_ins:
        events[day].append(f"check-in, {percent}% done")
    events[due_on].append("due")
    for day in earlier_due_dates:
        events[day].append("was due, before renegotiation")
    forecast_on = None
    if forecast_done_on is not None and check_ins and check_ins[-1][1] < 100 and closed_on is None:
        forecast_on = forecast_done_on
        events[forecast_on].append("done at this pace (forecast)")
    if closed_on is not None:
        events[closed_on].append("closed")
    elif today >= committed_on:
        events[today].append("today")
    days = sorted(events)
    done = {committed_on: 0, **dict(check_ins)}  # the last check-in of a day wins
    progress = [done.get(day) for day in days]
    forecast = [None] * len(days)
    if forecast_on is not None:
        last_day, last_percent = check_ins[-1]
        forecast[days.index(last_day)] = last_percent
        forecast[days.index(forecast_on)] = 100
    due = [100 if day == due_on else None for day in days]
    earlier = [100 if day in earlier_due_dates else None for day in days]
    labels = [_day(day) for day in days]
    datasets = [
        _dataset("Progress reported", progress, "series", 0, span=True),
        _dataset("Forecast at this pace", forecast, "target", 0, span=True),
        _dataset(f"Due: done by {_day(due_on)}", due, "forecast", 1),
    ]
    if earlier_due_dates:
        datasets.append(_dataset("Earlier due dates, before renegotiation", earlier, "forecast", 5))
    return Chart(
        id="chart-commitment-progress",
        title="Progress: share done at each check-in, against the due date",
        summary="Line chart: the share done reported at each check-in, the forecast at this pace dashed to 100%, "
        f"the due date as a point at 100%. {_describe(committed_on, due_on, check_ins, forecast_on)} "
        "The table below gives every value.",
        spec={
            "type": "line",
            "labels": labels,
            "unit": "%",
            "y": {"min": 0, "max": 100, "title": "Done (%)"},
            "datasets": datasets,
        },
        columns=("Day", "Done", "Forecast at this pace", "What happened"),
        rows=tuple(
            (
                label,
                "–" if reported is None else f"{reported}%",
                "–" if projected is None else f"{projected}%",
                _sentence("; ".join(events[day])),
            )
            for label, day, reported, projected in zip(labels, days, progress, forecast, strict=True)
        ),
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


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
