"""Feedback scores as pure functions of counts (no database): CSAT, NPS and CES, their confidence
intervals, the low-volume guard, the trend over periods, and a service's rank among others.

- CSAT: the share of answers of 4 or 5 (out of 5), in percent. Interval: Wilson's score interval
  for a proportion (it stays inside 0-100 and is honest near the edges, where the textbook
  normal interval is not).
- NPS: the share of promoters (9-10) minus the share of detractors (0-6), in points from -100 to
  +100. Each answer scores +1, 0 or -1 and the NPS is 100 times their mean, so its interval is
  the normal approximation with the variance of those scores, clamped to -100..+100.
- CES: the mean answer on 1-7 ("IT made it easy for me to handle my request": higher is
  better). Interval: Student's t with n - 1 degrees of freedom, clamped to 1..7.

The low-volume guard: with fewer answers than `min_responses` (default 10) in a period a score
is "not enough responses": no value, no interval, no rank. A score whose answers all agree has
an interval of no width (the variance is zero): the guard, not the interval, says how far to
trust a handful of answers.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import binomtest, norm
from scipy.stats import t as student_t

CSAT, NPS, CES = "csat", "nps", "ces"
KINDS = (CSAT, NPS, CES)
LABELS = {CSAT: "CSAT", NPS: "NPS", CES: "CES"}
QUESTIONS = {
    CSAT: "Share of answers of 4 or 5 out of 5 to “How satisfied are you …?”",
    NPS: "Promoters (9-10) minus detractors (0-6) to “How likely are you to recommend …?”",
    CES: "Mean answer, 1-7, to “IT made it easy for me to handle my request”",
}
SCALES = {CSAT: (0.0, 100.0), NPS: (-100.0, 100.0), CES: (1.0, 7.0)}
UNITS = {CSAT: "%", NPS: "points", CES: "out of 7"}

MIN_RESPONSES = 10  # fewer answers than this in a period: "not enough responses"
CONFIDENCE = 0.95
NOT_ENOUGH = "not enough responses"

IMPROVING, STEADY, WORSENING = "improving", "steady", "worsening"
TREND_LABELS = {IMPROVING: "Improving", STEADY: "Steady", WORSENING: "Worsening"}
TREND_MIN_PERIODS = 2
TREND_TOLERANCE = 0.025  # of the scale's width: CSAT 2.5 points, NPS 5 points, CES 0.15


@dataclass(frozen=True)
class Answers:
    """One score's answers in one period, as the database counts them. `favourable`: CSAT 4-5 or
    NPS promoters; `unfavourable`: NPS detractors; `total` and `squares`: CES sums."""

    responses: int = 0
    favourable: int = 0
    unfavourable: int = 0
    total: float = 0.0
    squares: float = 0.0


@dataclass(frozen=True)
class Score:
    kind: str
    value: float | None  # None: no answers, or not enough
    low: float | None  # the confidence interval; None without a value
    high: float | None
    responses: int
    enough: bool  # the low-volume guard passed
    note: str  # "" when enough; else "no responses" or "not enough responses: 4 of 10"


# --- Formulas ------------------------------------------------------------------------------------


def _check(count: int, *parts: int) -> None:
    if count < 0 or any(p < 0 for p in parts) or sum(parts) > count:
        raise ValueError(f"counts must be non-negative and add up to at most {count}: {parts}")


def csat(satisfied: int, responses: int) -> float | None:
    """The share of 4 and 5 answers, in percent; None without answers."""
    _check(responses, satisfied)
    return 100 * satisfied / responses if responses else None


def nps(promoters: int, detractors: int, responses: int) -> float | None:
    """Promoters' share minus detractors' share, in points (-100..100); None without answers."""
    _check(responses, promoters, detractors)
    return 100 * (promoters - detractors) / responses if responses else None


def ces(total: float, responses: int) -> float | None:
    """The mean answer on 1-7; None without answers."""
    _check(responses)
    if responses and not 1 <= total / responses <= 7:
        raise ValueError(f"a CES mean lies between 1 and 7; got {total} over {responses} answers")
    return total / responses if responses else None


# --- Confidence intervals ------------------------------------------------------------------------


def csat_interval(satisfied: int, responses: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """Wilson's score interval for the share of 4-5 answers, in percent."""
    _check(responses, satisfied)
    if not responses:
        return None
    ci = binomtest(satisfied, responses).proportion_ci(confidence_level=confidence, method="wilson")
    return 100 * float(ci.low), 100 * float(ci.high)


def nps_interval(
    promoters: int, detractors: int, responses: int, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Normal approximation with the variance of the +1/0/-1 scores, clamped to -100..100."""
    _check(responses, promoters, detractors)
    if not responses:
        return None
    promoting, detracting = promoters / responses, detractors / responses
    mean = promoting - detracting
    variance = max(promoting + detracting - mean**2, 0.0)  # E[x²] - E[x]², x in {+1, 0, -1}
    half = _z(confidence) * math.sqrt(variance / responses)
    return max(100 * (mean - half), -100.0), min(100 * (mean + half), 100.0)


def ces_interval(
    total: float, squares: float, responses: int, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Student's t interval for the mean answer, clamped to 1..7. None below two answers (no
    spread to go on)."""
    _check(responses)
    if responses < 2:
        return None
    mean = total / responses
    variance = max((squares - total * total / responses) / (responses - 1), 0.0)  # the sample variance
    half = float(student_t.ppf(1 - (1 - confidence) / 2, responses - 1)) * math.sqrt(variance / responses)
    return max(mean - half, 1.0), min(mean + half, 7.0)


def _z(confidence: float) -> float:
    return float(norm.ppf(1 - (1 - confidence) / 2))


# --- A score with its guard ----------------------------------------------------------------------


def value_of(kind: str, answers: Answers) -> float | None:
    if kind == CSAT:
        return csat(answers.favourable, answers.responses)
    if kind == NPS:
        return nps(answers.favourable, answers.unfavourable, answers.responses)
    if kind == CES:
        return ces(answers.total, answers.responses)
    raise ValueError(f"unknown score {kind!r}; expected csat, nps or ces")


def interval_of(kind: str, answers: Answers, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    if kind == CSAT:
        return csat_interval(answers.favourable, answers.responses, confidence)
    if kind == NPS:
        return nps_interval(answers.favourable, answers.unfavourable, answers.responses, confidence)
    if kind == CES:
        return ces_interval(answers.total, answers.squares, answers.responses, confidence)
    raise ValueError(f"unknown score {kind!r}; expected csat, nps or ces")


def guard_note(responses: int, min_responses: int = MIN_RESPONSES) -> str:
    """ "" when there are enough answers, else what is missing, in words."""
    if responses >= min_responses:
        return ""
    if responses == 0:
        return "no responses"
    return f"{NOT_ENOUGH}: {responses} of {min_responses}"


def score(
    kind: str,
    answers: Answers,
    *,
    min_responses: int = MIN_RESPONSES,
    confidence: float = CONFIDENCE,
    interval: bool = True,
) -> Score:
    """The score with its interval (`interval` False: the value only, for ranking many
    services), or "not enough responses" below `min_responses`."""
    if min_responses < 1:
        raise ValueError("min_responses must be at least 1")
    note = guard_note(answers.responses, min_responses)
    if note:
        return Score(kind, None, None, None, answers.responses, False, note)
    value = value_of(kind, answers)
    bounds = interval_of(kind, answers, confidence) if interval else None
    low, high = bounds if bounds is not None else (None, None)
    return Score(kind, value, low, high, answers.responses, True, "")


# --- Across periods and services -----------------------------------------------------------------


def trend(
    kind: str,
    values: Sequence[float | None],
    *,
    min_periods: int = TREND_MIN_PERIODS,
    tolerance: float = TREND_TOLERANCE,
) -> str | None:
    """Improving, steady or worsening over `values` (oldest first; None where a period had not
    enough responses): the least-squares line through the known values, steady when it moves
    less than `tolerance` of the scale's width across them. None with fewer than `min_periods`
    known values. Higher is better for all three scores."""
    known = [(float(x), value) for x, value in enumerate(values) if value is not None]
    if len(known) < max(min_periods, 2):
        return None
    xs = [x for x, _ in known]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(y for _, y in known)
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    slope = math.fsum((x - mean_x) * (y - mean_y) for x, y in known) / sxx
    change = slope * (xs[-1] - xs[0])
    low, high = SCALES[kind]
    if abs(change) <= tolerance * (high - low):
        return STEADY
    return IMPROVING if change > 0 else WORSENING


def rank(value: float, values: Sequence[float]) -> int:
    """1 for the best of `values` (which include `value`); equal scores share a rank (1, 2, 2, 4)."""
    return 1 + sum(1 for other in values if other > value)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st …"""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
