"""The share of agreement over time as a chart (portal/charts.py conventions: drawn by
static/portal/charts.js from json_script data, its numbers as a table)."""

from __future__ import annotations

from collections.abc import Sequence

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
