"""Lost time: the work time a ticket cost the person who raised it, as the event survey asks it
(optional: none, less than an hour, 1 to 4 hours, about a day, more than a day). Pure functions
of answer counts (no database); the reads are in feedback.experience.selectors.

The hours each answer counts for are defined here and only here:

    none 0 · less than an hour 0.5 · 1 to 4 hours 2.5 · about a day 8 · more than a day 16

A band counts for its middle (0.5 for "less than an hour", 2.5 for "1 to 4 hours"); "about a day"
is one working day of 8 hours; "more than a day" is open-ended and counts for two working days, a
deliberately low reading (nobody's lost week is inflated by a guess).

Per service or business unit over a period: the answers carrying a lost time, the total hours,
the average per answer, and (with a loaded hourly cost, settings.LOST_TIME_HOURLY_COST) the cost
of that lost time. Lost time is "red" when the average per answer is above
settings.LOST_TIME_RED_HOURS (default 2 hours) with at least the feedback's low-volume guard
of answers (settings.FEEDBACK_MIN_RESPONSES): a handful of bad days is not a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from feedback.models import LostTime

LOST_HOURS: dict[str, float] = {
    LostTime.NONE: 0.0,
    LostTime.UNDER_HOUR: 0.5,
    LostTime.HOURS: 2.5,
    LostTime.DAY: 8.0,
    LostTime.MORE: 16.0,
}
RED_HOURS = 2.0  # the default of settings.LOST_TIME_RED_HOURS
CENT = Decimal("0.01")


@dataclass(frozen=True)
class LostTimeSummary:
    answers: int  # responses that said how much time they lost
    hours: float  # their total

    @property
    def average(self) -> float | None:
        """Hours lost per answer; None without answers."""
        return self.hours / self.answers if self.answers else None

    def cost(self, hourly_cost: Decimal | None) -> Decimal | None:
        """The cost of the lost hours at `hourly_cost`; None without a cost or without answers."""
        if not hourly_cost or not self.answers:
            return None
        return (Decimal(str(self.hours)) * hourly_cost).quantize(CENT, rounding=ROUND_HALF_UP)


NO_LOST_TIME = LostTimeSummary(answers=0, hours=0.0)


@dataclass(frozen=True)
class CostedLostTime:
    """Lost time with its cost at the loaded hourly cost, for pages (templates pass no arguments)."""

    summary: LostTimeSummary
    hourly_cost: Decimal | None

    @property
    def hours(self) -> str:
        return hours_text(self.summary.hours) if self.summary.answers else "–"

    @property
    def average(self) -> str:
        return hours_text(self.summary.average)

    @property
    def cost(self) -> Decimal | None:
        return self.summary.cost(self.hourly_cost)


def lost_hours(answer: str) -> float:
    """The hours one answer counts for; ValueError naming the choices for anything else."""
    try:
        return LOST_HOURS[answer]
    except KeyError:
        raise ValueError(f"unknown lost time {answer!r}; expected one of {', '.join(LOST_HOURS)}") from None


def lost_time_summary(counts: Mapping[str, int]) -> LostTimeSummary:
    """From answer -> how many gave it ('' for no answer is ignored)."""
    answers = hours = 0
    for answer, count in counts.items():
        if not answer:
            continue
        if count < 0:
            raise ValueError(f"a count cannot be negative: {answer!r} {count}")
        answers += count
        hours += lost_hours(answer) * count
    return LostTimeSummary(answers=answers, hours=float(hours))


def lost_time_combined(summaries: list[LostTimeSummary]) -> LostTimeSummary:
    return LostTimeSummary(answers=sum(s.answers for s in summaries), hours=sum(s.hours for s in summaries))


def lost_time_red(summary: LostTimeSummary, *, red_hours: float, min_answers: int) -> bool | None:
    """True when the average lost per answer is above `red_hours`; None (no verdict) with fewer
    than `min_answers` answers."""
    if summary.answers < max(min_answers, 1):
        return None
    return summary.average > red_hours


def hours_text(hours: float | None) -> str:
    """'2.5 h', '16 h'; a dash for nothing."""
    if hours is None:
        return "–"
    return f"{hours:,.1f}".removesuffix(".0") + " h"
