"""How a follow-up's status reads on a page: pure functions of the follow-up and `now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feedback.models import FollowUp, FollowUpState
from feedback.services.follow_ups import follow_up_is_overdue


@dataclass(frozen=True)
class Badge:
    label: str
    css: str
    mark: str = ""


def follow_up_badge(follow_up: FollowUp, *, now: datetime) -> Badge:
    """Overdue stands out (not contacted after its due date); the rest say where it is."""
    if follow_up_is_overdue(follow_up, now=now):
        return Badge("Overdue", "badge--risk-breached", "!")
    if follow_up.state == FollowUpState.OPEN:
        return Badge("To contact", "badge--alert-open")
    if follow_up.state == FollowUpState.CONTACTED:
        return Badge("Contacted, to close", "badge--clock-running")
    return Badge("Closed", "badge--alert-resolved", "✓")
