"""What the SLA pages show, as pure functions of data and `now` (no queries)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sla.models import Clock, ClockKind, ClockState, TicketEvent
from sla.selectors import Attainment, LiveClock

KINDS = (ClockKind.ENGAGE, ClockKind.UPDATE, ClockKind.RESOLVE)

ON_TRACK = "on-track"
OFF_TRACK = "off-track"
NO_OUTCOMES = "no-outcomes"
NO_OBJECTIVE = "no-objective"
STANDING_LABELS = {
    ON_TRACK: "On track",
    OFF_TRACK: "Off track",
    NO_OUTCOMES: "No outcomes yet",
    NO_OBJECTIVE: "No objective agreed",
}


def month_bounds(now: datetime, time_zone: str) -> tuple[datetime, datetime]:
    """The calendar month around `now` in `time_zone`: [the 1st at 00:00, the next 1st at 00:00)."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(local.year, local.month, 1, tzinfo=zone), datetime(year, month, 1, tzinfo=zone)


# --- Attainment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetSummary:
    """What the agreements in force promise for one priority: which clocks have a target,
    and the objective (the highest when several agreements differ, as sla.selectors does)."""

    kinds: frozenset[str]
    objective_percent: float


@dataclass(frozen=True)
class AttainmentCell:
    """One clock kind of one priority this period."""

    kind: str
    met: int
    missed: int
    percent: float | None
    objective_percent: float | None

    @property
    def label(self) -> str:
        return ClockKind(self.kind).label

    @property
    def standing(self) -> str:
        if self.percent is None:
            return NO_OUTCOMES
        if self.objective_percent is None:
            return NO_OBJECTIVE
        return ON_TRACK if self.percent >= self.objective_percent else OFF_TRACK

    @property
    def standing_label(self) -> str:
        return STANDING_LABELS[self.standing]


@dataclass(frozen=True)
class PriorityAttainment:
    priority: int
    cells: list[AttainmentCell]

    @property
    def label(self) -> str:
        return f"P{self.priority}"


def attainment_table(outcomes: Iterable[Attainment], targets: dict[int, TargetSummary]) -> list[PriorityAttainment]:
    """Rows P1..P5 that have targets or outcomes; in each, the clock kinds that have a target
    or an outcome, in the order engage, update, resolve."""
    by_key = {(o.priority, o.kind): o for o in outcomes}
    priorities = sorted({p for p, _ in by_key} | set(targets))
    table = []
    for priority in priorities:
        summary = targets.get(priority)
        cells = []
        for kind in KINDS:
            outcome = by_key.get((priority, kind))
            if outcome is None and (summary is None or kind not in summary.kinds):
                continue
            objective = outcome.objective_percent if outcome else None
            if objective is None and summary is not None:
                objective = summary.objective_percent
            cells.append(
                AttainmentCell(
                    kind=kind,
                    met=outcome.met if outcome else 0,
                    missed=outcome.breached if outcome else 0,
                    percent=outcome.percent if outcome else None,
                    objective_percent=objective,
                )
            )
        table.append(PriorityAttainment(priority=priority, cells=cells))
    return table


# --- Time, as people read it ------------------------------------------------------------------


def duration_words(delta: timedelta) -> str:
    """Wall-clock time: 'under a minute', '45 min', '3 h 05 min', '2 d 4 h'."""
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes == 0:
        return "under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def business_duration_words(delta: timedelta) -> str:
    """Business time in hours and minutes ('26 h 30 min'): a business day is not 24 hours."""
    minutes = int(max(delta.total_seconds(), 0) // 60)
    if minutes == 0:
        return "under a minute" if delta.total_seconds() > 0 else "0 min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def due_phrase(due_at: datetime | None, now: datetime) -> str:
    if due_at is None:
        return "no deadline while paused"
    if due_at >= now:
        return f"due in {duration_words(due_at - now)}"
    return f"overdue by {duration_words(now - due_at)}"


def clock_label(clock: Clock) -> str:
    """'Time to resolve', 'Update interval (update 2)'."""
    label = ClockKind(clock.kind).label
    return f"{label} (update {clock.cycle})" if clock.kind == ClockKind.UPDATE else label


def clock_order(clock: Clock) -> tuple[int, int]:
    """Engage, update, resolve: the order a ticket meets them."""
    return KINDS.index(ClockKind(clock.kind)), clock.cycle


def event_summary(event: TicketEvent) -> str:
    """'Opened as P2', 'Assigned to Kim', 'Priority changed to P1', 'Customer updated'."""
    if event.kind == "opened":
        return f"Opened as P{event.priority}" if event.priority else "Opened"
    if event.kind == "priority_changed" and event.priority:
        return f"Priority changed to P{event.priority}"
    text = event.kind.replace("_", " ").capitalize()
    return f"{text} to {event.assignee}" if event.assignee else text


# --- Clocks at risk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    """A live clock as the pages show it."""

    live: LiveClock
    now: datetime

    @property
    def clock(self) -> Clock:
        return self.live.clock

    @property
    def ticket(self):
        return self.live.clock.ticket

    @property
    def label(self) -> str:
        return clock_label(self.clock)

    @property
    def state(self) -> str:
        return self.live.state

    @property
    def state_label(self) -> str:
        return ClockState(self.live.state).label

    @property
    def breached(self) -> bool:
        return self.live.state == ClockState.BREACHED

    @property
    def percent_used(self) -> int:
        return round(100 * self.live.share_used)

    @property
    def risk_label(self) -> str:
        """'Breached', or 'At risk: 80% used'."""
        return "Breached" if self.breached else f"At risk: {self.percent_used}% used"

    @property
    def risk(self) -> str:
        return "breached" if self.breached else "at-risk"

    @property
    def due_phrase(self) -> str:
        return due_phrase(self.clock.due_at, self.now)

    @property
    def target_words(self) -> str:
        return business_duration_words(self.live.target)

    @property
    def elapsed_words(self) -> str:
        return business_duration_words(self.live.elapsed)

    @property
    def remaining_words(self) -> str:
        return business_duration_words(self.live.remaining)

    @property
    def overrun_words(self) -> str:
        """Business time used beyond the target ('' when within it)."""
        over = self.live.elapsed - self.live.target
        return business_duration_words(over) if over > timedelta(0) else ""
