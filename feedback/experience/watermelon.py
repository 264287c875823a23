"""The watermelon warning: green outside, red inside. A service whose SLA attainment is green
while the people it serves are unhappy, or lose time to it, over the same period. Pure
functions of data (no database, no clock); the reads are in feedback.experience.selectors.

Each side is a light, green, red or unknown (no verdict), using the thresholds the scorecard
already uses:

- SLA attainment: per priority and clock kind, the share of clocks that kept their target
  against the agreed objective (sla.selectors.Attainment.on_track). Green when every
  priority and kind with an objective and an outcome in the period is on track; red when one
  is not; unknown when none has both.
- Happiness: CSAT, NPS and CES over the period, each with enough answers (the feedback's
  low-volume guard, settings.FEEDBACK_MIN_RESPONSES), against the target of the service's agreed
  feedback measure for that score (the scorecard's light for it), or without such a measure
  against the settings' red lines (WATERMELON_RED_CSAT 70 %, WATERMELON_RED_NPS 0,
  WATERMELON_RED_CES 4). Red when one score is below its line; green when at least one score
  has a verdict and none is below; unknown otherwise.
- Lost time: red when the average hours lost per answer is above settings.LOST_TIME_RED_HOURS
  with at least the low-volume guard of answers (feedback.experience.lost_time.lost_time_red).

A watermelon: attainment green, and happiness or lost time red.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from feedback import scores
from feedback.experience.lost_time import LostTimeSummary, hours_text, lost_time_red

GREEN, RED, UNKNOWN = "green", "red", "unknown"
LIGHT_LABELS = {GREEN: "Green", RED: "Red", UNKNOWN: "No verdict"}
LABEL = "Green outside, red inside"


@dataclass(frozen=True)
class Outcome:
    """One priority and clock kind's clocks in the period."""

    priority: int
    kind: str
    met: int
    breached: int
    objective_percent: float | None

    @property
    def percent(self) -> float | None:
        total = self.met + self.breached
        return 100 * self.met / total if total else None


@dataclass(frozen=True)
class Line:
    """Where a score turns red: below `red_below`; `agreed` when it is a measure's target."""

    red_below: float
    agreed: bool


@dataclass(frozen=True)
class Watermelon:
    service_id: int
    start: datetime
    end: datetime
    attainment: str
    happiness: str
    lost_time: str
    reasons: tuple[str, ...]  # in words: what is green outside and what is red inside

    @property
    def flagged(self) -> bool:
        return is_watermelon(attainment=self.attainment, happiness=self.happiness, lost_time=self.lost_time)

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons)


def attainment_light(outcomes: list[Outcome]) -> tuple[str, str]:
    """(light, reason): the period's attainment against the agreed objectives."""
    judged = [o for o in outcomes if o.objective_percent is not None and o.percent is not None]
    if not judged:
        return UNKNOWN, "no SLA outcome against an agreed objective"
    missed = [o for o in judged if o.percent < o.objective_percent]
    if missed:
        worst = min(missed, key=lambda o: o.percent - o.objective_percent)
        return RED, f"P{worst.priority} {worst.kind} {_pct(worst.percent)} against {_pct(worst.objective_percent)}"
    met = sum(o.met for o in judged)
    total = sum(o.met + o.breached for o in judged)
    return GREEN, f"SLA attainment green: {met} of {total} clocks kept their target, every objective met"


def happiness_light(values: Mapping[str, float | None], lines: Mapping[str, Line]) -> tuple[str, list[str]]:
    """(light, reasons) from each score's value (None: not enough answers) and its red line."""
    known = {kind: value for kind, value in values.items() if value is not None and kind in lines}
    if not known:
        return UNKNOWN, []
    below = []
    for kind in scores.KINDS:
        if kind in known and known[kind] < lines[kind].red_below:
            line = lines[kind]
            whose = "its agreed target" if line.agreed else "the red line"
            below.append(
                f"{scores.LABELS[kind]} {_score(kind, known[kind])} below {whose} {_score(kind, line.red_below)}"
            )
    return (RED, below) if below else (GREEN, [])


def lost_time_light(summary: LostTimeSummary, *, red_hours: float, min_answers: int) -> tuple[str, list[str]]:
    red = lost_time_red(summary, red_hours=red_hours, min_answers=min_answers)
    if red is None:
        return UNKNOWN, []
    if not red:
        return GREEN, []
    return RED, [
        f"{hours_text(summary.average)} of work lost per answer (above {hours_text(red_hours)}, "
        f"{summary.answers} answers)"
    ]


def is_watermelon(*, attainment: str, happiness: str, lost_time: str) -> bool:
    return attainment == GREEN and RED in (happiness, lost_time)


def watermelon(
    *,
    service_id: int,
    start: datetime,
    end: datetime,
    outcomes: list[Outcome],
    values: Mapping[str, float | None],
    lines: Mapping[str, Line],
    lost: LostTimeSummary,
    red_hours: float,
    min_answers: int,
) -> Watermelon:
    """The three lights of one service over [start, end) and, when it is a watermelon, why."""
    attainment, outside = attainment_light(outcomes)
    happiness, unhappy = happiness_light(values, lines)
    lost_light, lost_reasons = lost_time_light(lost, red_hours=red_hours, min_answers=min_answers)
    reasons = (outside, *unhappy, *lost_reasons) if attainment == GREEN else ()
    return Watermelon(
        service_id=service_id,
        start=start,
        end=end,
        attainment=attainment,
        happiness=happiness,
        lost_time=lost_light,
        reasons=reasons,
    )


def _pct(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0") + "%"


def _score(kind: str, value: float) -> str:
    if kind == scores.CSAT:
        return _pct(value)
    if kind == scores.NPS:
        return f"{value:+.0f}"
    return f"{value:.1f}"
