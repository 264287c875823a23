"""Words for the themes pages: each theme's periods, share, average score and trends as people
read them ("12 comments, 25% of all", "average 64 of 100", "↑ more often")."""

from __future__ import annotations

from dataclasses import dataclass

from feedback.theme_selectors import (
    FALLING,
    IMPROVING,
    MIN_SCORED,
    RISING,
    STEADY,
    WORSENING,
    ServiceCount,
    ThemeOverview,
    ThemePeriod,
    ThemeRow,
)

ARROWS = {RISING: "↑", FALLING: "↓", STEADY: "→", IMPROVING: "↑", WORSENING: "↓"}
SHARE_WORDS = {RISING: "more often", FALLING: "less often", STEADY: "steady"}
SCORE_WORDS = {IMPROVING: "improving", WORSENING: "worsening", STEADY: "steady"}


@dataclass(frozen=True)
class Cell:
    comments: int
    share: str  # "25% of comments", or ""
    average: str  # "average 64", "too few scores", or ""
    detractors: str  # "3 unhappy", or ""


@dataclass(frozen=True)
class ThemeLine:
    name: str
    description: str
    cells: list[Cell]  # oldest period first
    comments: int
    average: str
    share_trend: str
    score_trend: str
    services: tuple[ServiceCount, ...]


def theme_lines(overview: ThemeOverview) -> list[ThemeLine]:
    return [_line(row) for row in overview.rows]


def _line(row: ThemeRow) -> ThemeLine:
    return ThemeLine(
        name=row.theme.name,
        description=row.theme.description,
        cells=[_cell(period) for period in row.periods],
        comments=row.comments,
        average=score_text(row.average),
        share_trend=_trend_text(row.share_trend, SHARE_WORDS),
        score_trend=_trend_text(row.score_trend, SCORE_WORDS),
        services=row.services,
    )


def _cell(period: ThemePeriod) -> Cell:
    if not period.comments:
        return Cell(0, "", "", "")
    if period.average is not None:
        average = f"average {score_text(period.average)}"
    elif period.scored:
        average = f"too few scores ({period.scored} of {MIN_SCORED})"
    else:
        average = "no scores"
    return Cell(
        comments=period.comments,
        share=f"{period.share:.0f}% of comments" if period.share is not None else "",
        average=average,
        detractors=f"{period.detractors} unhappy" if period.detractors else "",
    )


def score_text(score: float | None) -> str:
    """A 0-100 score as a whole number, or a dash."""
    return "–" if score is None else f"{score:.0f}"


def _trend_text(trend: str | None, words: dict[str, str]) -> str:
    if trend is None:
        return "not enough data"
    return f"{ARROWS[trend]} {words[trend]}"
