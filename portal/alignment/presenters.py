"""The share of agreement over time as a chart (portal/charts.py conventions: drawn by
static/portal/charts.js from json_script data, its numbers as a table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalog.alignment.models import MissingServiceRequestEvent, RequestSource
from catalog.alignment.selectors import HistoryPoint
from portal.charts import Chart, _dataset


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def alignment_chart(history: Sequence[HistoryPoint], *, unit_name: str) -> Chart:
    labels = [point.day.strftime("%d %b %Y") for point in history]
    values = [_percent(point.share) for point in history]
    known = [v for v in values if v is not None]
    if known:
        summary = (
            f"Share of agreement between {unit_name}'s list and IT's, day by day: "
            f"{known[0]:g}% on {labels[values.index(known[0])]}, {known[-1]:g}% on the last day."
        )
    else:
        summary = f"No share of agreement recorded yet for {unit_name}."
    return Chart(
        id="chart-alignment",
        title="Share of agreement over time",
        summary=summary,
        spec={
            "type": "line",
            "labels": labels,
            "unit": "%",
            "y": {"min": 0, "max": 100, "title": "Services both sides agree on (%)"},
            "datasets": [_dataset("Share of agreement", values, "series", 0)],
        },
        columns=("Day", "Share of agreement", "On both lists", "Differences"),
        rows=tuple(
            (
                label,
                "no services listed" if value is None else f"{value:g}%",
                str(point.agreed),
                str(point.differences),
            )
            for label, value, point in zip(labels, values, history, strict=True)
        ),
    )


# --- A request's history ---------------------------------------------------------------------------

CHANGE_LABELS = {
    "title": "What the unit relies on",
    "source": "Who provides it",
    "description": "What it is used for",
    "annual_cost": "Annual cost",
    "users_affected": "People who rely on it",
    "owner": "IT owner",
    "state": "Decision",
    "service": "Service",
    "answer": "Explanation or reason",
}


@dataclass(frozen=True)
class ChangeLine:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class EventView:
    event: MissingServiceRequestEvent
    lines: tuple[ChangeLine, ...]


def _shown_source(value: str) -> str:
    return RequestSource(value).label if value in RequestSource.values else value


def request_history(events: Sequence[MissingServiceRequestEvent]) -> list[EventView]:
    """Each change with its fields in words, in the order CHANGE_LABELS gives."""
    views = []
    for event in events:
        lines = []
        for field, label in CHANGE_LABELS.items():
            if field not in event.changes:
                continue
            before, after = event.changes[field]
            if field == "source":
                before, after = _shown_source(before), _shown_source(after)
            lines.append(ChangeLine(label=label, before=before or "(none)", after=after or "(none)"))
        views.append(EventView(event=event, lines=tuple(lines)))
    return views
