"""A service's scorecard and the maturity of its agreements, as pure functions of data (no
database): the reads are in sla.scorecard_selectors.

Status of a factor: the worst of its measures' statuses this period, in the order

    missed > at_risk > met > no_data

"Not enough data" ranks lowest: it is the absence of a verdict, not a verdict, so it never
hides a known one (a factor with one measure met and one without data shows "Met", and says
how many measures had no data beside it). A factor whose measures all lack data shows "Not
enough data"; a factor with no measure at all shows "No measures".

Trend of a measure: the direction of its last finished periods' values (a least-squares line
through them), read against the measure's direction: improving, steady or worsening. Steady
when the line moves less than `TREND_TOLERANCE` of the measure's scale (its target, or the
values' typical size when larger) across the window. Fewer than `TREND_MIN_PERIODS` values with a
verdict: no trend. A factor's trend is the balance of its measures' trends.

Forecast outlook of a measure: where its forecast for the period's end falls against the
target, band included: met (the whole band meets it), at_risk (the forecast meets it but the
band crosses it), missed (the forecast misses it). A factor's outlook is the worst of them.

Maturity of an agreement (cumulative levels):

    Bronze  an owner on each side (the service's IT owner and a business owner named) and at
            least one success measure defined
    Silver  Bronze, signed by both sides, and data arriving for every measure (in the current
            or the last period)
    Gold    Silver, and every target met `GOLD_RUN` finished periods running
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sla.forecasting import AT_RISK, HIGHER, MET, MISSED, NO_DATA, meets

NO_MEASURES = "none"
STATUS_ORDER = (MISSED, AT_RISK, MET, NO_DATA)  # worst first
STATUS_LABELS = {
    MISSED: "Missed",
    AT_RISK: "At risk",
    MET: "Met",
    NO_DATA: "Not enough data",
    NO_MEASURES: "No measures",
}

# Named enums of the API schema (config/settings.py SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
FACTOR_STATUS_CHOICES = [(status, STATUS_LABELS[status]) for status in (*STATUS_ORDER, NO_MEASURES)]
OUTLOOK_CHOICES = [(MET, "Met"), (AT_RISK, "At risk"), (MISSED, "Missed")]

IMPROVING, STEADY, WORSENING = "improving", "steady", "worsening"
TREND_LABELS = {IMPROVING: "Improving", STEADY: "Steady", WORSENING: "Worsening"}
TREND_MIN_PERIODS = 3
TREND_TOLERANCE = 0.02

OUTLOOK_LABELS = {
    MET: "Forecast to meet the target",
    AT_RISK: "Forecast close to the target",
    MISSED: "Forecast to miss the target",
}


def factor_status(statuses: Iterable[str]) -> str:
    """The worst of a factor's measure statuses (see the module's docstring for the order)."""
    present = set(statuses)
    if not present:
        return NO_MEASURES
    unknown = present - set(STATUS_ORDER)
    if unknown:
        raise ValueError(f"unknown measure status {sorted(unknown)[0]!r}")
    return next(status for status in STATUS_ORDER if status in present)


def trend(
    values: Sequence[float | None],
    *,
    direction: str,
    target: float,
    min_periods: int = TREND_MIN_PERIODS,
    tolerance: float = TREND_TOLERANCE,
) -> str | None:
    """Improving, steady or worsening over `values` (oldest first, None where a period had no
    verdict); None with fewer than `min_periods` values."""
    known = [(float(x), value) for x, value in enumerate(values) if value is not None]
    if len(known) < min_periods:
        return None
    xs, ys = [x for x, _ in known], [y for _, y in known]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in known) / sxx
    change = slope * (xs[-1] - xs[0])  # how far the line moves across the window
    scale = max(abs(target), statistics.fmean(abs(y) for y in ys))
    if abs(change) <= tolerance * scale:
        return STEADY
    better = change > 0 if direction == HIGHER else change < 0
    return IMPROVING if better else WORSENING


def factor_trend(trends: Iterable[str | None]) -> str | None:
    """The balance of the measures' trends: more improving than worsening is improving, and so
    on; a tie is steady. None when no measure has a trend."""
    known = [t for t in trends if t is not None]
    if not known:
        return None
    balance = known.count(IMPROVING) - known.count(WORSENING)
    return IMPROVING if balance > 0 else WORSENING if balance < 0 else STEADY


def forecast_outlook(
    *, value: float | None, low: float | None, high: float | None, target: float, direction: str
) -> str | None:
    """Met, at_risk or missed for a forecast with its band; None without a forecast."""
    if value is None:
        return None
    if not meets(value, target, direction):
        return MISSED
    weak_edge = low if direction == HIGHER else high
    if weak_edge is not None and not meets(weak_edge, target, direction):
        return AT_RISK
    return MET


def factor_outlook(outlooks: Iterable[str | None]) -> str | None:
    known = {o for o in outlooks if o is not None}
    return next((o for o in STATUS_ORDER if o in known), None)


def met_run(finished: Sequence[tuple[str, bool]]) -> int:
    """How many finished periods in a row, from the latest back, have a settled verdict of met.
    `finished` is (status, settled) per period, latest first; a period without a row is
    (no_data, False). Settled: computed after the period ended, so it can no longer change."""
    run = 0
    for status, settled in finished:
        if status != MET or not settled:
            break
        run += 1
    return run


# --- Maturity ---------------------------------------------------------------------------------

BRONZE, SILVER, GOLD = "bronze", "silver", "gold"
LEVELS = (BRONZE, SILVER, GOLD)
LEVEL_LABELS = {BRONZE: "Bronze", SILVER: "Silver", GOLD: "Gold"}
LEVEL_CHOICES = list(LEVEL_LABELS.items())
GOLD_RUN = 3


@dataclass(frozen=True)
class MeasureRecord:
    """What maturity needs to know of one measure of the agreement."""

    name: str
    data_arriving: bool  # data in the current or the last period
    met_run: int  # finished periods in a row whose settled verdict is met (see met_run)


@dataclass(frozen=True)
class MaturityFacts:
    it_owner: bool
    business_owner: bool
    it_signed: bool
    business_signed: bool
    measures: tuple[MeasureRecord, ...]


@dataclass(frozen=True)
class Maturity:
    level: str | None  # bronze, silver, gold; None below Bronze
    reasons: tuple[str, ...]  # what earns the level
    next_level: str | None  # None at Gold
    missing: tuple[str, ...]  # what the next level still needs

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level] if self.level else "Not yet Bronze"

    @property
    def next_label(self) -> str:
        return LEVEL_LABELS[self.next_level] if self.next_level else ""


def _names(records: Iterable[MeasureRecord]) -> str:
    return ", ".join(r.name for r in records)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def agreement_maturity(facts: MaturityFacts) -> Maturity:
    """Bronze, Silver or Gold (or none yet), why, and what the next level needs."""
    measures = facts.measures
    gaps: dict[str, list[str]] = {BRONZE: [], SILVER: [], GOLD: []}
    earned: dict[str, list[str]] = {BRONZE: [], SILVER: [], GOLD: []}

    if facts.it_owner and facts.business_owner:
        earned[BRONZE].append("The service has an IT owner and a business owner.")
    else:
        if not facts.it_owner:
            gaps[BRONZE].append("Name the service's IT owner.")
        if not facts.business_owner:
            gaps[BRONZE].append("Name a business owner for the service.")
    if measures:
        earned[BRONZE].append(f"{_plural(len(measures), 'success measure')} defined.")
    else:
        gaps[BRONZE].append("Define at least one success measure.")

    if facts.it_signed and facts.business_signed:
        earned[SILVER].append("Signed by both sides.")
    else:
        if not facts.it_signed:
            gaps[SILVER].append("The signature for IT.")
        if not facts.business_signed:
            gaps[SILVER].append("The signature for the business.")
    silent = [m for m in measures if not m.data_arriving]
    if measures and not silent:
        earned[SILVER].append(f"Data arriving for {'the measure' if len(measures) == 1 else 'every measure'}.")
    elif silent:
        gaps[SILVER].append(f"Data in the current or last period for: {_names(silent)}.")

    short = [m for m in measures if m.met_run < GOLD_RUN]
    if measures and not short:
        earned[GOLD].append(f"Every target met {GOLD_RUN} periods running.")
    elif short:
        runs = "; ".join(f"{m.name} ({_plural(m.met_run, 'period')})" for m in short)
        gaps[GOLD].append(f"Targets met {GOLD_RUN} finished periods running, so far: {runs}.")

    level = None
    for candidate in LEVELS:
        if gaps[candidate]:
            break
        level = candidate
    reached = LEVELS[: LEVELS.index(level) + 1] if level else ()
    next_level = None if level == GOLD else LEVELS[len(reached)]
    return Maturity(
        level=level,
        reasons=tuple(reason for lvl in reached for reason in earned[lvl]),
        next_level=next_level,
        missing=tuple(gaps[next_level]) if next_level else (),
    )
