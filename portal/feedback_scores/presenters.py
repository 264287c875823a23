"""What the feedback section of the service page shows, as pure functions of the summary
(feedback.selectors.FeedbackSummary; no queries): each score in words with its unit, its
interval, the guard's note, rank, median, trend arrow, and a sparkline of the recent periods.

A sparkline: one point per period (oldest left, the period in progress right, drawn hollow: its
value is so far), each with its confidence interval as a pale bar; a period without enough
responses leaves a gap. The dashed line is the median across services this period. Its <title>
says every value in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedback import scores
from feedback.selectors import FeedbackSummary, PeriodSummary, RankedScore, ScoreTrack
from portal.scorecard.presenters import number

TREND_MARKS = {scores.IMPROVING: "↗", scores.STEADY: "→", scores.WORSENING: "↘"}
PERIOD_WORDS = {"week": "week", "month": "month", "quarter": "quarter"}

WIDTH, HEIGHT = 160, 40
PAD_X, PAD_Y = 6, 5


def score_text(kind: str, value: float | None) -> str:
    """70%, +30, -12.5, 0, 5.6: at most one decimal."""
    if value is None:
        return "–"
    if kind == scores.CSAT:
        return number(value, "%")
    text = number(value)
    return f"+{text}" if kind == scores.NPS and text != "0" and value > 0 else text


# --- Sparklines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SparkPoint:
    x: float
    y: float
    y_low: float | None
    y_high: float | None
    current: bool


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: tuple[SparkPoint, ...]
    median_y: float | None
    description: str

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def sparkline(kind: str, periods: Sequence[PeriodSummary], history: Sequence[RankedScore]) -> Sparkline:
    known = [(i, r.score) for i, r in enumerate(history) if r.score.value is not None]
    median = history[-1].median if history else None
    levels = [s.value for _, s in known]
    levels += [x for _, s in known for x in (s.low, s.high) if x is not None]
    if median is not None:
        levels.append(median)
    lowest, highest = (min(levels), max(levels)) if levels else scores.SCALES[kind]
    spread = highest - lowest or (scores.SCALES[kind][1] - scores.SCALES[kind][0]) * 0.05
    lowest, highest = lowest - spread * 0.1, highest + spread * 0.1
    top, bottom = PAD_Y, HEIGHT - PAD_Y
    step = (WIDTH - 2 * PAD_X) / max(len(history) - 1, 1)

    def y(value: float | None) -> float | None:
        return None if value is None else bottom - (bottom - top) * (value - lowest) / (highest - lowest)

    points = tuple(SparkPoint(PAD_X + step * i, y(s.value), y(s.low), y(s.high), periods[i].current) for i, s in known)
    return Sparkline(WIDTH, HEIGHT, points, y(median), _describe(kind, periods, history))


def _describe(kind: str, periods: Sequence[PeriodSummary], history: Sequence[RankedScore]) -> str:
    parts = []
    for period, ranked in zip(periods, history, strict=True):
        s = ranked.score
        so_far = " so far" if period.current else ""
        if s.value is None:
            parts.append(f"{period.label}: {s.note}")
        elif s.low is not None and s.high is not None:
            interval = f"likely {score_text(kind, s.low)} to {score_text(kind, s.high)}"
            parts.append(f"{period.label}: {score_text(kind, s.value)}{so_far} ({interval}, {s.responses} responses)")
        else:
            parts.append(f"{period.label}: {score_text(kind, s.value)}{so_far} ({s.responses} responses)")
    text = f"{scores.LABELS[kind]} by period: {'; '.join(parts)}."
    median = history[-1].median if history else None
    if median is not None:
        text += f" Median across services this period: {score_text(kind, median)}."
    return text


# --- The section, for templates ------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    kind: str
    label: str
    definition: str
    value: str  # "70%", "+30", "5.6", or a dash without a value
    enough: bool
    interval: str  # "likely 39.7% to 89.2%" (the confidence interval), "" without one
    responses: str  # "10 responses"
    note: str  # "Not enough responses: 4 of 10", "No responses yet"
    rank: str  # "2nd of 3 services", ""
    median: str  # "65%", or a dash
    previous: str  # "Q3 2026: 50%", ""
    trend: str  # "↗ Improving", ""
    sparkline: Sparkline

    @property
    def chart_id(self) -> str:
        return f"feedback-sparkline-{self.kind}"


def _note(score: scores.Score, current: bool) -> str:
    if score.enough:
        return ""
    if score.responses == 0:
        return "No responses yet" if current else "No responses"
    return score.note[0].upper() + score.note[1:]


def score_row(track: ScoreTrack, periods: Sequence[PeriodSummary]) -> ScoreRow:
    kind, ranked = track.kind, track.current
    s = ranked.score
    interval = ""
    if s.low is not None and s.high is not None:
        interval = f"likely {score_text(kind, s.low)} to {score_text(kind, s.high)}"
    previous = ""
    if track.previous is not None and len(periods) > 1:
        before = track.previous.score
        shown = score_text(kind, before.value) if before.value is not None else _note(before, False).lower()
        previous = f"{periods[-2].label}: {shown}"
    return ScoreRow(
        kind=kind,
        label=scores.LABELS[kind],
        definition=scores.QUESTIONS[kind],
        value=score_text(kind, s.value),
        enough=s.enough,
        interval=interval,
        responses=f"{s.responses} response{'s' if s.responses != 1 else ''}",
        note=_note(s, True),
        rank=ranked.rank_text,
        median=score_text(kind, ranked.median),
        previous=previous,
        trend=f"{TREND_MARKS[track.trend]} {scores.TREND_LABELS[track.trend]}" if track.trend else "",
        sparkline=sparkline(kind, periods, track.history),
    )


@dataclass(frozen=True)
class SectionView:
    rows: tuple[ScoreRow, ...]
    period_word: str  # "quarter"
    current_label: str  # "Q4 2026"
    responses: str  # "10 responses so far"
    response_rate: str  # "Response rate 75% (3 of 4 invitations sent this quarter answered)", ""
    confidence: str  # "95%"


def section_view(summary: FeedbackSummary) -> SectionView:
    current = summary.current
    word = PERIOD_WORDS[summary.period]
    rate = ""
    if current.response_rate is not None:
        rate = (
            f"Response rate {number(current.response_rate, '%')} ({current.invitations_answered} of "
            f"{current.invitations_sent} invitations sent this {word} answered)"
        )
    return SectionView(
        rows=tuple(score_row(t, summary.periods) for t in summary.tracks),
        period_word=word,
        current_label=current.label,
        responses=f"{current.responses} response{'s' if current.responses != 1 else ''} so far",
        response_rate=rate,
        confidence=f"{summary.confidence:.0%}",
    )
