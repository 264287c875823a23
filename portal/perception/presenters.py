"""What the perception pages show, as pure functions of feedback.perception's results (no
queries): per factor, both views in words and as bar widths, the gap with its sign, and what it
says."""

from __future__ import annotations

from dataclasses import dataclass

from feedback.perception import RATING_MAX, FactorGap, GapEntry, Perception
from portal.measure_definitions.presenters import FACTOR_QUESTIONS

MINUS = "\N{MINUS SIGN}"


def number(value: float) -> str:
    """3 -> '3', 4.5 -> '4.5', 13/3 -> '4.33' (two decimals at most, as the API)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", MINUS)


def signed(gap: float) -> str:
    """+1, -1.5 (with a minus sign), 0."""
    text = number(gap)
    return text if text == "0" or text.startswith(MINUS) else f"+{text}"


def answers(count: int) -> str:
    return f"{count} answer" if count == 1 else f"{count} answers"


@dataclass(frozen=True)
class FactorRow:
    factor: str
    label: str
    question: str
    it_text: str  # "4 out of 5" / "Not rated"
    it_width: int  # bar length, percent of the scale
    business_text: str  # "3.4 out of 5"
    business_detail: str  # "from 12 answers" / "from 2 answers: too few for a gap (3 needed)"
    business_width: int
    enough: bool
    gap_text: str  # "+1", "-1.5" (minus sign), a dash when there is no gap
    reading: str  # "it_higher", "business_higher", "agreed" or ""
    reading_text: str
    summary: str  # the whole row in one sentence, for the bars' text alternative


def _width(value: float | None) -> int:
    return 0 if value is None else round(100 * value / RATING_MAX)


def factor_row(factor: FactorGap, *, min_responses: int) -> FactorRow:
    it_text = f"{factor.it} out of {RATING_MAX}" if factor.it is not None else "Not rated"
    if factor.business_mean is None:
        business_text, business_detail = "No answers", ""
    else:
        business_text = f"{number(factor.business_mean)} out of {RATING_MAX}"
        business_detail = f"from {answers(factor.business_count)}"
        if not factor.enough:
            business_detail += f": too few for a gap ({min_responses} needed)"
    gap_text = signed(factor.gap) if factor.gap is not None else "–"
    summary = f"{factor.label}: IT’s view {it_text.lower()}; the business’s view {business_text.lower()}"
    summary += f" {business_detail}" if business_detail else ""
    summary += f". Gap {gap_text}: {factor.reading_text.lower()}." if factor.gap is not None else "."
    return FactorRow(
        factor=factor.factor,
        label=factor.label,
        question=FACTOR_QUESTIONS[factor.factor],
        it_text=it_text,
        it_width=_width(factor.it),
        business_text=business_text,
        business_detail=business_detail,
        business_width=_width(factor.business_mean),
        enough=factor.enough,
        gap_text=gap_text,
        reading=factor.reading or "",
        reading_text=factor.reading_text,
        summary=summary,
    )


def factor_rows(perception: Perception) -> list[FactorRow]:
    return [factor_row(factor, min_responses=perception.min_responses) for factor in perception.factors]


def overall_text(perception: Perception) -> str:
    """One sentence on the whole quarter."""
    if perception.overall_gap is None:
        if not perception.it_assessed and not perception.has_business_view:
            return "Neither IT nor the business has rated this quarter yet."
        if not perception.it_assessed:
            return "IT has not rated this quarter yet, so there is no gap to show."
        if not perception.has_business_view:
            return "No relationship survey answers about this quarter yet, so there is no gap to show."
        return f"Too few answers yet for a gap: each factor needs {perception.min_responses}."
    gap = perception.overall_gap
    if round(gap, 2) > 0:
        return f"On average IT rates itself {number(gap)} points higher than the business does."
    if round(gap, 2) < 0:
        return f"On average the business rates IT {number(-gap)} points higher than IT rates itself."
    return "On average IT and the business see the service the same way."


@dataclass(frozen=True)
class GapLine:
    service: object
    factor: FactorRow


def gap_lines(entries: list[GapEntry], *, min_responses: int) -> list[GapLine]:
    return [GapLine(service=e.service, factor=factor_row(e.factor, min_responses=min_responses)) for e in entries]
