"""How a review reads its facts: pure functions of data and `today` (no database, no clock).

- A commitment in a period: delivered (on or before its due date), late (delivered after it, or
  still open past it), missed, withdrawn, renegotiated (its due date moved during the period, with
  the reasons), due (open, due in the period and not yet past), or next (due in the period after).
- An action agreed at a review: done, dropped, overdue (open past its due date) or open.
- SLA attainment per priority, across the clock kinds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sla.attainment import PriorityCounts

DELIVERED, LATE, MISSED, WITHDRAWN = "delivered", "late", "missed", "withdrawn"
RENEGOTIATED, DUE = "renegotiated", "due"
COMMITMENT_LABELS = {
    DELIVERED: "Delivered on time",
    LATE: "Late",
    MISSED: "Missed",
    WITHDRAWN: "Withdrawn",
    RENEGOTIATED: "Renegotiated",
    DUE: "Due, still open",
}
OPEN, DONE, DROPPED, OVERDUE = "open", "done", "dropped", "overdue"
ACTION_LABELS = {OPEN: "Open", DONE: "Done", DROPPED: "Dropped", OVERDUE: "Overdue"}


@dataclass(frozen=True)
class CommitmentFacts:
    outcome: str  # open, delivered, missed, withdrawn (sla.models.CommitmentOutcome)
    due_on: date
    closed_on: date | None
    closing_note: str
    renegotiations: Sequence[tuple[date, date, date, str]]  # (on, old due, new due, reason)


@dataclass(frozen=True)
class CommitmentReading:
    kind: str
    reasons: tuple[str, ...]  # why late, missed, withdrawn or renegotiated, in the owner's words

    @property
    def label(self) -> str:
        return COMMITMENT_LABELS[self.kind]

    @property
    def is_miss(self) -> bool:
        return self.kind in (LATE, MISSED)


def commitment_reading(facts: CommitmentFacts, *, start: date, end: date, today: date) -> CommitmentReading:
    """What a commitment did in [start, end) (dates), as of `today`."""
    moved = tuple(
        f"Due {old:%-d %b} → {new:%-d %b %Y}: {reason}"
        for on, old, new, reason in facts.renegotiations
        if start <= on < end
    )
    note = (facts.closing_note,) if facts.closing_note else ()
    if facts.outcome == "delivered" and facts.closed_on is not None:
        if facts.closed_on <= facts.due_on:
            return CommitmentReading(DELIVERED, moved)
        return CommitmentReading(LATE, (*note, *moved))
    if facts.outcome == "missed":
        return CommitmentReading(MISSED, (*note, *moved))
    if facts.outcome == "withdrawn":
        return CommitmentReading(WITHDRAWN, (*note, *moved))
    if facts.due_on < min(today, end):
        return CommitmentReading(LATE, moved)
    if moved:
        return CommitmentReading(RENEGOTIATED, moved)
    return CommitmentReading(DUE, ())


def action_state(*, status: str, due_on: date, today: date) -> str:
    if status in (DONE, DROPPED):
        return status
    return OVERDUE if due_on < today else OPEN


class PriorityAttainment(PriorityCounts):
    """One priority's clocks of every kind, summed (attainment_by_priority)."""


def attainment_by_priority(rows: Iterable) -> list[PriorityAttainment]:
    """sla.selectors.Attainment rows (per priority and clock kind) summed per priority."""
    found: dict[int, PriorityAttainment] = {}
    for row in rows:
        before = found.get(row.priority, PriorityAttainment(row.priority, 0, 0, row.objective_percent))
        found[row.priority] = PriorityAttainment(
            row.priority, before.met + row.met, before.breached + row.breached, row.objective_percent
        )
    return [found[p] for p in sorted(found)]
