"""The perception gap: IT's view of a service against the business's, per success factor.

Pure functions of data (no queries, no clock). Each quarter the service owner rates the
service 1-5 on the six success factors (IT's view, a SelfAssessment); members of the business
units it serves rate it on the same factors in the relationship survey (the business's view,
Response.factor_ratings).

Decisions:
- gap = IT's rating minus the business's mean rating. Positive: IT rates itself higher than
  the business does (the dangerous case: IT believes it does better than it is felt to do);
  negative: the business rates IT higher than IT rates itself.
- The business's mean counts only the respondents who rated that factor; a factor rated by
  fewer than MIN_RESPONSES people shows its mean and count but gets no gap (a single unhappy
  answer is not "the business's view").
- The overall gap is the mean of the factor gaps that could be computed (None when none
  could), i.e. IT's mean minus the business's mean over the same factors.
- Quarters are named "2026-Q4" in URLs and the API, "Q4 2026" on pages, and stored as their
  first day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from catalog.models import SuccessFactor

MIN_RESPONSES = 3
RATING_MIN, RATING_MAX = 1, 5
FACTORS: tuple[str, ...] = tuple(SuccessFactor.values)
FACTOR_LABELS: dict[str, str] = dict(SuccessFactor.choices)

IT_HIGHER, BUSINESS_HIGHER, AGREED = "it_higher", "business_higher", "agreed"
READINGS = {
    IT_HIGHER: "IT rates itself higher than the business does",
    BUSINESS_HIGHER: "The business rates IT higher than IT rates itself",
    AGREED: "Both views agree",
}
READING_CHOICES = list(READINGS.items())

_QUARTER = re.compile(r"^\s*(\d{4})-?Q([1-4])\s*$", re.IGNORECASE)


# --- Quarters ---------------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    """The first day of the quarter containing `day`."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_parse(text: str) -> date:
    """'2026-Q4' -> date(2026, 10, 1); ValueError naming the expected form otherwise."""
    match = _QUARTER.match(text or "")
    if not match:
        raise ValueError(f"Give the quarter as year and quarter, e.g. 2026-Q4, not {text!r}.")
    year, number = int(match.group(1)), int(match.group(2))
    if year < 2000:
        raise ValueError(f"{text.strip()} is too long ago; give a quarter from 2000 on.")
    return date(year, 3 * (number - 1) + 1, 1)


def quarter_code(start: date) -> str:
    """date(2026, 10, 1) -> '2026-Q4'."""
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def quarter_label(start: date) -> str:
    """date(2026, 10, 1) -> 'Q4 2026'."""
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def quarter_shift(start: date, quarters: int) -> date:
    """The quarter `quarters` after (negative: before) the one starting on `start`."""
    index = start.year * 4 + (start.month - 1) // 3 + quarters
    return date(index // 4, 3 * (index % 4) + 1, 1)


def quarter_end(start: date) -> date:
    """The first day after the quarter."""
    return quarter_shift(start, 1)


# --- The two views and the gap ------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """The business's answers on one factor: their total and how many there were."""

    total: int = 0
    count: int = 0

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


def tally_ratings(ratings: Iterable[Mapping[str, int]]) -> dict[str, Tally]:
    """Per factor, the total and count of the ratings given (skipped factors are not counted)."""
    totals = dict.fromkeys(FACTORS, 0)
    counts = dict.fromkeys(FACTORS, 0)
    for answer in ratings:
        for factor, rating in answer.items():
            if factor in totals and rating is not None:
                totals[factor] += rating
                counts[factor] += 1
    return {factor: Tally(totals[factor], counts[factor]) for factor in FACTORS}


@dataclass(frozen=True)
class FactorGap:
    factor: str
    label: str
    it: int | None  # IT's rating, None when IT has not rated the quarter
    business_mean: float | None  # None when nobody rated the factor
    business_count: int
    enough: bool  # at least `min_responses` business answers
    gap: float | None  # it - business_mean; None without IT's view or enough answers

    @property
    def reading(self) -> str | None:
        if self.gap is None:
            return None
        return reading_of(self.gap)

    @property
    def reading_text(self) -> str:
        return READINGS[self.reading] if self.reading else ""


@dataclass(frozen=True)
class Perception:
    factors: tuple[FactorGap, ...]
    it_assessed: bool
    respondents: int  # relationship responses in the quarter (whatever factors they rated)
    min_responses: int
    overall_gap: float | None

    @property
    def has_business_view(self) -> bool:
        return any(factor.business_count for factor in self.factors)

    @property
    def gaps(self) -> tuple[FactorGap, ...]:
        """The factors with a gap."""
        return tuple(factor for factor in self.factors if factor.gap is not None)


def reading_of(gap: float) -> str:
    # Means are exact fractions of small integers; round away float noise before comparing.
    rounded = round(gap, 9)
    if rounded > 0:
        return IT_HIGHER
    if rounded < 0:
        return BUSINESS_HIGHER
    return AGREED


def perception_gap(
    *,
    it_ratings: Mapping[str, int] | None,
    business: Mapping[str, Tally],
    respondents: int,
    min_responses: int = MIN_RESPONSES,
) -> Perception:
    """Both views side by side for one service and quarter, with the gap per factor."""
    factors = []
    for factor in FACTORS:
        it = (it_ratings or {}).get(factor)
        tally = business.get(factor, Tally())
        enough = tally.count >= min_responses
        gap = it - tally.mean if it is not None and enough else None
        factors.append(
            FactorGap(
                factor=factor,
                label=FACTOR_LABELS[factor],
                it=it,
                business_mean=tally.mean,
                business_count=tally.count,
                enough=enough,
                gap=gap,
            )
        )
    gaps = [factor.gap for factor in factors if factor.gap is not None]
    return Perception(
        factors=tuple(factors),
        it_assessed=it_ratings is not None,
        respondents=respondents,
        min_responses=min_responses,
        overall_gap=sum(gaps) / len(gaps) if gaps else None,
    )


@dataclass(frozen=True)
class GapEntry:
    """One line of the catalogue's list of largest gaps."""

    service: object  # catalog.models.Service (kept opaque: this module is pure)
    quarter: date
    factor: FactorGap


def largest_gaps(perceptions: Iterable[tuple[object, date, Perception]], *, limit: int) -> list[GapEntry]:
    """The `limit` largest gaps by size (either way), largest first; ties by service name,
    then in the factors' order."""
    entries = [
        GapEntry(service=service, quarter=quarter, factor=factor)
        for service, quarter, perception in perceptions
        for factor in perception.gaps
    ]
    entries.sort(
        key=lambda entry: (
            -round(abs(entry.factor.gap), 9),
            str(getattr(entry.service, "name", entry.service)),
            FACTORS.index(entry.factor.factor),
        )
    )
    return entries[:limit]
