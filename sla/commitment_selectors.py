"""Reads of committed results, scoped to who asks (catalog/rules.py: every signed-in reader of
the catalogue sees commitments), with their status at `now` (sla.commitments, pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from sla.commitments import CheckInFact, CommitmentFacts, CommitmentState, commitment_status
from sla.models import CheckIn, Commitment, CommitmentOutcome, Renegotiation
from sla.selectors import service_time_zone

COMMITMENT_RELATIONS = ("service", "service__support_calendar", "service__service_owner", "business_unit", "owner")


def commitment_list(*, user) -> QuerySet[Commitment]:
    """Commitments the user may see, with what a list shows (check-ins for the status)."""
    if not user.has_perm("sla.view_commitment"):
        return Commitment.objects.none()
    return (
        Commitment.objects.select_related(*COMMITMENT_RELATIONS)
        .prefetch_related(Prefetch("check_ins", queryset=CheckIn.objects.only("commitment_id", "at", "percent_done")))
        .order_by("due_on", "pk")
    )


def commitment_detail(*, user, pk: int) -> Commitment:
    """One commitment with its check-ins and renegotiations (and who made them);
    Commitment.DoesNotExist when absent or hidden."""
    return (
        commitment_list(user=user)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.select_related("by").order_by("at", "pk")),
            Prefetch("renegotiations", queryset=Renegotiation.objects.select_related("by").order_by("at", "pk")),
        )
        .get(pk=pk)
    )


def commitment_facts(commitment: Commitment) -> CommitmentFacts:
    return CommitmentFacts(
        committed_on=commitment.committed_on,
        due_on=commitment.due_on,
        check_in_every=commitment.check_in_every,
        grace=commitment.grace,
        outcome=commitment.outcome,
        closed_on=commitment.closed_on,
        time_zone=service_time_zone(commitment.service),
    )


def commitment_state(commitment: Commitment, *, now: datetime) -> CommitmentState:
    """Its status at `now`, from the check-ins already loaded (prefetched) or read now."""
    check_ins = [CheckInFact(at=c.at, percent_done=c.percent_done) for c in commitment.check_ins.all()]
    return commitment_status(commitment_facts(commitment), check_ins, now)


def commitments_with_state(commitments: Iterable[Commitment], *, now: datetime) -> list[Commitment]:
    """The commitments, each with `.state` set (no query beyond the prefetched ones)."""
    found = list(commitments)
    for commitment in found:
        commitment.state = commitment_state(commitment, now=now)
    return found


def commitments_open(*, user, service=None) -> QuerySet[Commitment]:
    queryset = commitment_list(user=user).filter(outcome=CommitmentOutcome.OPEN)
    return queryset.filter(service=service) if service is not None else queryset


def commitments_by_status(commitments: Iterable[Commitment], statuses: Iterable[str]) -> list[Commitment]:
    """Those (with `.state`) whose status is one of `statuses` (the status is computed, not stored)."""
    wanted = set(statuses)
    return [c for c in commitments if c.state.status in wanted]
