"""What the agreement page shows about its success measures, as pure functions of the
measures (no queries): grouped by success factor, each in words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from catalog import measure_text
from catalog.models import MeasureSource, SuccessFactor

# What each factor asks, in the business's words: the line under its heading.
FACTOR_QUESTIONS = {
    SuccessFactor.ENGAGEMENT: "Does IT respond when we need it?",
    SuccessFactor.URGENCY: "Is urgent work done fast?",
    SuccessFactor.OWNERSHIP: "Does someone own each problem?",
    SuccessFactor.PACE: "Do we hear how things progress, when we were told we would?",
    SuccessFactor.RESULTS: "Is what was promised delivered?",
    SuccessFactor.USER_EXPERIENCE: "How do people find the service?",
}


@dataclass(frozen=True)
class MeasureRow:
    key: str
    name: str
    description: str
    target: str  # "at least 95%"
    warning: str  # "at risk below 98%", or ""
    period: str  # "each month"
    counted: str  # "share of P1 tickets resolved within their target"
    source: str  # "Derived from tickets"
    pending: str  # where a derived measure's data comes from, or ""


@dataclass(frozen=True)
class MeasureGroup:
    factor: str
    label: str
    question: str
    rows: list[MeasureRow]


def measure_row(measure) -> MeasureRow:
    warning = measure_text.warning_text(measure)
    pending = "From the answers to the service's surveys." if measure.source == MeasureSource.FEEDBACK else ""
    return MeasureRow(
        key=measure.key,
        name=measure.name,
        description=measure.description,
        target=measure_text.target_text(measure),
        warning=f"at risk {warning}" if warning else "",
        period=measure_text.period_text(measure),
        counted=measure_text.counted_text(measure),
        source=measure_text.source_text(measure),
        pending=pending,
    )


def measure_groups(measures: Iterable) -> list[MeasureGroup]:
    """The measures by success factor, in the factors' order, each group in the measures' order."""
    by_factor: dict[str, list[MeasureRow]] = {}
    for measure in measures:
        by_factor.setdefault(measure.factor, []).append(measure_row(measure))
    return [
        MeasureGroup(factor=factor, label=label, question=FACTOR_QUESTIONS[factor], rows=by_factor[factor])
        for factor, label in SuccessFactor.choices
        if factor in by_factor
    ]
