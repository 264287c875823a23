"""Alerts of committed results and agreement reviews, in the one inbox (sla.models.Alert).

Each alert fires once per subject and period (its unique key) and is resolved when the subject
recovers:

- `commitment:{id}:{due date}:at_risk`   the forecast passes the due date, or no progress
- `commitment:{id}:stale:{expected at}`  a check-in is late past its grace (one per missed check-in)
- `commitment:{id}:{due date}:missed`    the due date passed and it was not reported done
- `agreement:{id}:review:{review date}`  an agreed version's review is due within 30 days (or overdue)

A renegotiated date is a new period: the old date's alerts are resolved and the new date's raised
if they apply. An alert resolved and needed again in the same period is reopened, not sent again.
A missed commitment's alert stays open until someone acknowledges it: there is nothing left to
recover, only the business to tell.

`commitments_check` (the periodic pass) also records the outcome "missed" once the due date
and the grace after it have both passed: the grace leaves the owner time to record a delivery
that happened in time. Each chunk of open commitments is locked (SKIP LOCKED on PostgreSQL) so
that passes running at once, and check-ins arriving meanwhile, never write the same row twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import Agreement, AgreementStatus
from sla.commitment_selectors import commitment_facts, commitment_state
from sla.commitments import MISSED, CommitmentState, due_end, local_date
from sla.models import Alert, AlertKind, AlertSeverity, AlertState, Commitment, CommitmentOutcome
from sla.selectors import service_time_zone
from sla.services.alerts import AlertDraft, alerts_raise

LIVE_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)
REVIEW_NOTICE = timedelta(days=30)
CHUNK = 200


@dataclass
class CheckSummary:
    checked: int = 0
    raised: int = 0
    resolved: int = 0
    closed_missed: int = 0


# --- Commitments ----------------------------------------------------------------------------


def commitment_alert_drafts(commitment: Commitment, state: CommitmentState) -> list[AlertDraft]:
    """The alerts that should be live for `commitment` in `state`."""
    period = f"commitment:{commitment.pk}:{commitment.due_on:%Y%m%d}"
    due = f"{commitment.due_on.day} {commitment.due_on:%b %Y}"
    who = f"{commitment.service.name}: “{commitment.title}”"
    audience = commitment.business_unit.name if commitment.business_unit_id else "the business"
    base = {
        "service_id": commitment.service_id,
        "ticket_id": None,
        "clock_id": None,
        "owner_id": commitment.owner_id,  # the owner sees and may acknowledge it
        "details": {
            "commitment_id": commitment.pk,
            "title": commitment.title,
            "due_on": commitment.due_on.isoformat(),
            "status": state.status,
            "percent_done": state.percent_done,
            "forecast_done_on": state.forecast_done_on.isoformat() if state.forecast_done_on else None,
        },
    }
    deadline = due_end(commitment_facts(commitment))
    if state.status == MISSED:
        return [
            AlertDraft(
                key=f"{period}:missed",
                kind=AlertKind.COMMITMENT_MISSED,
                severity=AlertSeverity.CRITICAL,
                subject=f"{who} missed its due date ({due})",
                body=f"{state.reason}\nTell {audience} now, and agree what happens next.",
                due_at=deadline,
                **base,
            )
        ]
    drafts = []
    if state.at_risk:
        drafts.append(
            AlertDraft(
                key=f"{period}:at_risk",
                kind=AlertKind.COMMITMENT_AT_RISK,
                severity=AlertSeverity.WARNING,
                subject=f"{who} is at risk (due {due})",
                body=f"{state.reason}\nAct now, or renegotiate the date with {audience} and say why: "
                "early and honestly.",
                due_at=deadline,
                **base,
            )
        )
    if state.stale and state.next_check_in_due is not None:
        drafts.append(
            AlertDraft(
                key=f"commitment:{commitment.pk}:stale:{state.next_check_in_due:%Y%m%dT%H%M%S}",
                kind=AlertKind.COMMITMENT_STALE,
                severity=AlertSeverity.WARNING,
                subject=f"{who}: check-in overdue (due {due})",
                body=f"{state.reason}\nCheck in with the progress so far: {audience} cannot tell how it is going.",
                due_at=state.stale_after,
                **base,
            )
        )
    return drafts


def commitment_alerts_sync(
    commitments: Sequence[Commitment], *, now: datetime, states: dict[int, CommitmentState] | None = None
) -> tuple[int, int]:
    """Raise the alerts each commitment needs now, reopen those needed again, resolve the rest.
    In the caller's transaction; notifications go after it commits. (raised, resolved)"""
    if not commitments:
        return 0, 0
    drafts: list[AlertDraft] = []
    for commitment in commitments:
        state = (states or {}).get(commitment.pk) or commitment_state(commitment, now=now)
        drafts += commitment_alert_drafts(commitment, state)
    wanted = [d.key for d in drafts]
    mine = reduce(or_, (Q(key__startswith=f"commitment:{c.pk}:") for c in commitments))
    resolved = (
        Alert.objects.filter(mine, state__in=LIVE_STATES)
        .exclude(key__in=wanted)
        .update(state=AlertState.RESOLVED, resolved_at=now)
    )
    _reopen(wanted)
    return len(alerts_raise(drafts, now=now)), resolved


def _reopen(keys: list[str]) -> None:
    if keys:
        Alert.objects.filter(key__in=keys, state=AlertState.RESOLVED).update(
            state=AlertState.OPEN, resolved_at=None, acknowledged_at=None, acknowledged_by=None
        )


def commitments_check(*, now: datetime | None = None, chunk_size: int = CHUNK) -> CheckSummary:
    """Every open commitment at `now`: alerts raised or resolved; outcome "missed" recorded
    once past its due date and grace. Idempotent."""
    now = now or timezone.now()
    summary = CheckSummary()
    last_pk = 0
    while True:
        with transaction.atomic():
            chunk = Commitment.objects.filter(outcome=CommitmentOutcome.OPEN, pk__gt=last_pk).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                chunk = chunk.select_for_update(skip_locked=True, of=("self",))
            commitments = list(
                chunk.select_related("service", "service__support_calendar", "business_unit").prefetch_related(
                    "check_ins"
                )[:chunk_size]
            )
            if not commitments:
                return summary
            last_pk = commitments[-1].pk
            states = {}
            for commitment in commitments:
                state = commitment_state(commitment, now=now)
                if state.closes_missed_at is not None and now >= state.closes_missed_at:
                    _record_missed(commitment, now)
                    summary.closed_missed += 1
                    state = commitment_state(commitment, now=now)
                states[commitment.pk] = state
            raised, resolved = commitment_alerts_sync(commitments, now=now, states=states)
            summary.checked += len(commitments)
            summary.raised += raised
            summary.resolved += resolved


def _record_missed(commitment: Commitment, now: datetime) -> None:
    commitment.outcome = CommitmentOutcome.MISSED
    commitment.closed_on = local_date(now, service_time_zone(commitment.service))
    commitment.closing_note = "Recorded as missed: the due date and its grace passed without a delivery."
    commitment._change_reason = "Past its due date and grace"
    commitment.save(update_fields=["outcome", "closed_on", "closing_note"])


# --- Agreement reviews ----------------------------------------------------------------------


def agreement_review_draft(agreement: Agreement, *, today) -> AlertDraft:
    review = agreement.review_by
    days = (review - today).days
    when = (
        f"in {days} day{'s' if days != 1 else ''}"
        if days > 0
        else "today"
        if days == 0
        else f"{-days} day{'s' if days != -1 else ''} ago"
    )
    return AlertDraft(
        key=f"agreement:{agreement.pk}:review:{review:%Y%m%d}",
        kind=AlertKind.AGREEMENT_REVIEW_DUE,
        severity=AlertSeverity.WARNING,
        subject=f"{agreement.service.name}: agreement with {agreement.audience} (v{agreement.version}) "
        f"is due for review {when} ({review.day} {review:%b %Y})",
        body="Review the terms and targets with the business and agree the next version (or a new review date).",
        service_id=agreement.service_id,
        ticket_id=None,
        clock_id=None,
        due_at=None,
        owner_id=None,  # the service's people: its owner reviews it with the business
        details={"agreement_id": agreement.pk, "version": agreement.version, "review_by": review.isoformat()},
    )


def agreement_reviews_check(*, now: datetime | None = None) -> CheckSummary:
    """An alert for each agreed version whose review date is within 30 days (or past), once
    per version and review date; resolved once a newer version is agreed (this one is no longer
    in force) or its review date moves."""
    now = now or timezone.now()
    summary = CheckSummary()
    with transaction.atomic():
        # A day's margin for the zones ahead of UTC; each service's own "today" decides below.
        soon = local_date(now, "UTC") + REVIEW_NOTICE + timedelta(days=1)
        agreements = Agreement.objects.filter(
            status=AgreementStatus.AGREED, review_by__isnull=False, review_by__lte=soon
        ).select_related("service", "service__support_calendar", "business_unit")
        drafts = []
        for agreement in agreements:
            summary.checked += 1
            today = local_date(now, service_time_zone(agreement.service))
            if agreement.review_by - today <= REVIEW_NOTICE:
                drafts.append(agreement_review_draft(agreement, today=today))
        wanted = [d.key for d in drafts]
        summary.resolved = (
            Alert.objects.filter(kind=AlertKind.AGREEMENT_REVIEW_DUE, state__in=LIVE_STATES)
            .exclude(key__in=wanted)
            .update(state=AlertState.RESOLVED, resolved_at=now)
        )
        _reopen(wanted)
        summary.raised = len(alerts_raise(drafts, now=now))
    return summary
