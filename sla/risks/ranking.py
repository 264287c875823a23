"""How the early-warning board ranks what can go wrong: by business impact, then by time left.
Pure functions of an alert's facts and `now` (no queries).

Business impact = the service's criticality weight x how far gone the item is:

- criticality weight: tier 1 (business critical) 4, tier 2 3, tier 3 2, tier 4 1;
- how far gone: 1.0 once missed or breached (a clock breached, a measure or commitment
  missed, a follow-up or a catalogue request overdue, or anything whose due time has passed); otherwise by severity,
  critical 0.8, warning 0.6, info 0.3. An acknowledged item counts half: someone is on it.

Time left: until the item falls due (negative once past), None when it has no due time; items
of equal impact sort soonest first, those without a due time last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sla.models import AlertKind, AlertSeverity, AlertState

CRITICALITY_WEIGHT = {1: 4, 2: 3, 3: 2, 4: 1}
GONE_KINDS = frozenset(
    {
        AlertKind.CLOCK_BREACH,
        AlertKind.MEASURE_MISSED,
        AlertKind.COMMITMENT_MISSED,
        AlertKind.FOLLOW_UP_OVERDUE,
        AlertKind.ALIGNMENT_REQUEST_OVERDUE,
    }
)
SEVERITY_GONE = {AlertSeverity.CRITICAL: 0.8, AlertSeverity.WARNING: 0.6, AlertSeverity.INFO: 0.3}
ACKNOWLEDGED_FACTOR = 0.5
IMPACT = "impact"
TIME_LEFT = "time_left"
SORTS = (IMPACT, TIME_LEFT)


@dataclass(frozen=True)
class Standing:
    impact: float  # 0 (nothing) to 4 (a business-critical service, already missed)
    gone: float  # how far gone, 0 to 1
    time_left: timedelta | None

    @property
    def overdue(self) -> bool:
        return self.time_left is not None and self.time_left < timedelta(0)


def how_far_gone(*, kind: str, severity: str, due_at: datetime | None, now: datetime) -> float:
    if kind in GONE_KINDS or (due_at is not None and due_at <= now):
        return 1.0
    return SEVERITY_GONE.get(severity, SEVERITY_GONE[AlertSeverity.WARNING])


def standing(
    *, kind: str, severity: str, state: str, criticality: int | None, due_at: datetime | None, now: datetime
) -> Standing:
    gone = how_far_gone(kind=kind, severity=severity, due_at=due_at, now=now)
    weight = CRITICALITY_WEIGHT.get(criticality, 1) if criticality is not None else 1
    impact = weight * gone * (ACKNOWLEDGED_FACTOR if state == AlertState.ACKNOWLEDGED else 1.0)
    return Standing(impact=round(impact, 2), gone=gone, time_left=None if due_at is None else due_at - now)


def sort_key(item_standing: Standing, *, sort: str = IMPACT, opened_at: datetime | None = None) -> tuple:
    """Highest impact first then soonest due (IMPACT), or soonest due first then impact
    (TIME_LEFT); no due time last; then the oldest first."""
    left = item_standing.time_left
    no_due = left is None
    seconds = left.total_seconds() if left is not None else 0.0
    opened = opened_at.timestamp() if opened_at else 0.0
    if sort == TIME_LEFT:
        return (no_due, seconds, -item_standing.impact, opened)
    return (-item_standing.impact, no_due, seconds, opened)
