"""A ticket's SLA clocks, derived from its event history: one pure, deterministic function.

`derive_clocks(history, targets, now)` replays the events in `occurred_at` order and returns
every clock of the ticket as it stands at `now`. The same history, targets and `now` always
give the same clocks, so `recompute_clocks` can rebuild them exactly and late or out-of-order
events need no special handling: they are simply placed where they belong in the replay.

The clocks (docs/sla.md tells users the same):
- **engage** runs from the opening until the first assignment to an owner or first response.
- **update** (the Pace factor) runs in cycles: the first starts at engagement, each response or
  customer update ends the current cycle and starts the next; a reopen starts a new cycle;
  resolving ends the current cycle.
- **resolve** runs from the opening until resolved (or closed without a resolution); a reopen
  resumes it with the time already used.
- Paused time (waiting on the customer or a vendor) counts for no clock.
- The ticket's latest priority sets every target, counted from the opening: a priority change
  is retroactive.
- A cancelled ticket cancels its running clocks.
Time is counted in business time on each target's calendar (sla.business_time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sla.business_time import CalendarSpec, add_business_time, business_time_between

ENGAGE, UPDATE, RESOLVE = "engage", "update", "resolve"
RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"

OPENED = "opened"
ASSIGNED = "assigned"
RESPONDED = "responded"
CUSTOMER_UPDATED = "customer_updated"
PAUSED_EVENT = "paused"
RESUMED = "resumed"
PRIORITY_CHANGED = "priority_changed"
RESOLVED = "resolved"
REOPENED = "reopened"
CLOSED = "closed"
CANCELLED_EVENT = "cancelled"
EVENT_KINDS = (
    OPENED,
    ASSIGNED,
    RESPONDED,
    CUSTOMER_UPDATED,
    PAUSED_EVENT,
    RESUMED,
    PRIORITY_CHANGED,
    RESOLVED,
    REOPENED,
    CLOSED,
    CANCELLED_EVENT,
)
DEFAULT_WARNING_SHARES = (0.5, 0.75)


@dataclass(frozen=True)
class HistoryEvent:
    """What the clocks need of one ticket event. `sequence` breaks ties between events at the
    same instant (the order they were received in)."""

    kind: str
    occurred_at: datetime
    sequence: int = 0
    priority: int | None = None


@dataclass(frozen=True)
class Targets:
    """The agreed targets for one priority. A target of None means no such clock."""

    calendar: CalendarSpec
    engage: timedelta | None = None
    update: timedelta | None = None
    resolve: timedelta | None = None
    warning_shares: tuple[float, ...] = DEFAULT_WARNING_SHARES

    def for_kind(self, kind: str) -> timedelta | None:
        return {ENGAGE: self.engage, UPDATE: self.update, RESOLVE: self.resolve}[kind]


@dataclass(frozen=True)
class ClockState:
    kind: str
    cycle: int
    priority: int
    target: timedelta
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None  # None while paused: the deadline moves when work resumes
    elapsed: timedelta  # business time used, up to the stop or `now`
    state: str
    # (share of the target, the instant that share is used up, or None while unknown)
    thresholds: tuple[tuple[float, datetime | None], ...] = field(default=())
    counting: bool = False  # using up time at `now`: neither paused nor stopped

    @property
    def remaining(self) -> timedelta:
        return max(self.target - self.elapsed, timedelta(0))

    @property
    def share_used(self) -> float:
        return self.elapsed / self.target if self.target else 1.0

    @property
    def is_live(self) -> bool:
        return self.state in (RUNNING, PAUSED) or (self.state == BREACHED and self.stopped_at is None)


@dataclass
class _Span:
    """The life of one clock: when it started, the stretches it ran, when it stopped."""

    kind: str
    cycle: int
    started_at: datetime
    running: list[list[datetime | None]] = field(default_factory=list)  # [start, end or None]
    stopped_at: datetime | None = None
    cancelled: bool = False

    def run(self, at: datetime) -> None:
        if not self.running or self.running[-1][1] is not None:
            self.running.append([at, None])

    def halt(self, at: datetime) -> None:
        if self.running and self.running[-1][1] is None:
            self.running[-1][1] = at

    def stop(self, at: datetime, *, cancelled: bool = False) -> None:
        self.halt(at)
        self.stopped_at = at
        self.cancelled = cancelled

    @property
    def is_running(self) -> bool:
        return bool(self.running) and self.running[-1][1] is None


def derive_clocks(
    *,
    history: Iterable[HistoryEvent],
    targets: Callable[[int], Targets | None],
    now: datetime,
) -> list[ClockState]:
    """Every clock of one ticket at `now`. `targets(priority)` gives the agreed targets, or
    None when the agreement sets none for that priority (then there are no clocks)."""
    # The opening sorts first among events at the same instant: a tool that opens and
    # assigns in one save sends both with one timestamp.
    events = sorted(history, key=lambda e: (e.occurred_at, e.kind != OPENED, e.sequence))
    events = [e for e in events if e.occurred_at <= now]
    if not events or events[0].kind != OPENED:
        return []
    priority = _latest_priority(events)
    agreed = targets(priority) if priority is not None else None
    if agreed is None:
        return []
    spans = _replay(events)
    clocks = []
    for span in spans:
        target = agreed.for_kind(span.kind)
        if target is None:
            continue
        clocks.append(_evaluate(span, priority, target, agreed, now))
    return clocks


def _latest_priority(events: Sequence[HistoryEvent]) -> int | None:
    priority = None
    for event in events:
        if event.kind in (OPENED, PRIORITY_CHANGED) and event.priority is not None:
            priority = event.priority
    return priority


def _replay(events: Sequence[HistoryEvent]) -> list[_Span]:
    opened_at = events[0].occurred_at
    engage = _Span(ENGAGE, 1, opened_at)
    resolve = _Span(RESOLVE, 1, opened_at)
    engage.run(opened_at)
    resolve.run(opened_at)
    updates: list[_Span] = []
    paused = resolved = finished = False

    def current_update() -> _Span | None:
        return updates[-1] if updates and updates[-1].stopped_at is None else None

    def start_update(at: datetime) -> None:
        span = _Span(UPDATE, len(updates) + 1, at)
        if not paused:
            span.run(at)
        updates.append(span)

    for event in events[1:]:
        at, kind = event.occurred_at, event.kind
        if finished:
            break  # closed or cancelled: nothing after counts
        if kind in (ASSIGNED, RESPONDED) and engage.stopped_at is None and not resolved:
            engage.stop(at)
            start_update(at)
        elif kind in (RESPONDED, CUSTOMER_UPDATED) and not resolved and engage.stopped_at is not None:
            update = current_update()
            if update is not None:
                update.stop(at)
            start_update(at)
        elif kind == PAUSED_EVENT and not paused and not resolved:
            paused = True
            for span in (engage, resolve, current_update()):
                if span is not None and span.stopped_at is None:
                    span.halt(at)
        elif kind == RESUMED and paused:
            paused = False
            if not resolved:
                for span in (engage, resolve, current_update()):
                    if span is not None and span.stopped_at is None:
                        span.run(at)
        elif kind in (RESOLVED, CLOSED) and not resolved:
            resolved, paused = True, False
            for span in (engage, resolve, current_update()):
                if span is not None and span.stopped_at is None:
                    span.stop(at)
            finished = kind == CLOSED
        elif kind == CLOSED:
            finished = True
        elif kind == REOPENED and resolved:
            resolved = False
            resolve.stopped_at = None
            resolve.run(at)
            if engage.stopped_at is not None:
                start_update(at)
        elif kind == CANCELLED_EVENT:
            for span in (engage, resolve, current_update()):
                if span is not None and span.stopped_at is None:
                    span.stop(at, cancelled=True)
            finished = True
    return [engage, *updates, resolve]


def _evaluate(span: _Span, priority: int, target: timedelta, agreed: Targets, now: datetime) -> ClockState:
    calendar = agreed.calendar
    # Each stretch is measured once, for the time used and for every instant walked below.
    lengths = [business_time_between(calendar, start, end if end is not None else now) for start, end in span.running]
    elapsed = sum(lengths, timedelta(0))
    open_ended = span.is_running
    due_at = _instant_at(calendar, span.running, lengths, target, stopped=span.stopped_at is not None)
    thresholds = tuple(
        (share, _instant_at(calendar, span.running, lengths, target * share)) for share in agreed.warning_shares
    )
    late = elapsed > target or (due_at is not None and (span.stopped_at or now) > due_at)
    if span.cancelled:
        state = CANCELLED
    elif span.stopped_at is not None:
        state = BREACHED if late else MET
    elif late:
        state = BREACHED
    else:
        state = RUNNING if open_ended else PAUSED
    return ClockState(
        kind=span.kind,
        cycle=span.cycle,
        priority=priority,
        target=target,
        started_at=span.started_at,
        stopped_at=span.stopped_at,
        due_at=due_at,
        elapsed=elapsed,
        state=state,
        thresholds=thresholds,
        counting=open_ended and not span.cancelled and span.stopped_at is None,
    )


def _instant_at(
    calendar: CalendarSpec,
    running: Sequence[Sequence[datetime | None]],
    lengths: Sequence[timedelta],
    amount: timedelta,
    *,
    stopped: bool = False,
) -> datetime | None:
    """The instant at which the clock has used `amount` of business time, walking its running
    stretches (`lengths`: the business time of each). A clock that stopped first was due where
    it would have run on to; a paused one has no such instant yet (None)."""
    used = timedelta(0)
    for (start, end), stretch in zip(running, lengths, strict=True):
        if end is None:
            return add_business_time(calendar, start, amount - used)
        if used + stretch >= amount:
            return add_business_time(calendar, start, amount - used)
        used += stretch
    if stopped and running:
        return add_business_time(calendar, running[-1][1], amount - used)
    return None
