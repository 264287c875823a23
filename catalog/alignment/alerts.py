"""Overdue requests in the one inbox (sla.Alert): a request IT has not answered 10 business days
after it was made raises one `alignment_request_overdue` alert, owned by the request's owner (who
sees it, may acknowledge it and is e-mailed), keyed by the request so it is raised once; it is
resolved when the request is answered, or on the next check if it was answered some other way.

`alignment_check` (the periodic task catalog.check_alignment, hourly) does that, and writes
today's row of every unit's share of agreement. Idempotent, and safe on two workers at once:
alerts are unique by key, snapshots by unit and day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from catalog.alignment import status
from catalog.alignment.models import MissingServiceRequest, RequestState
from sla.models import Alert, AlertKind, AlertSeverity, AlertState
from sla.services.alerts import AlertDraft, alerts_raise

LIVE_ALERT_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)
CHUNK = 500
KEY_PREFIX = "alignment_request:"


def request_alert_key(request_id: int) -> str:
    return f"{KEY_PREFIX}{request_id}:overdue"


def request_alert_draft(request: MissingServiceRequest, *, due_at: datetime) -> AlertDraft:
    """The overdue alert of a request (its unit loaded)."""
    unit = request.business_unit
    requested = timezone.localtime(request.requested_at)
    return AlertDraft(
        key=request_alert_key(request.pk),
        kind=AlertKind.ALIGNMENT_REQUEST_OVERDUE,
        severity=AlertSeverity.WARNING,
        subject=f"{unit.name} relies on “{request.title}”: no answer from IT for 10 business days",
        body=(
            f"{unit.name} asked on {requested:%a %d %b %Y} about something it relies on that the catalogue lacks.\n"
            "Answer it: add it to the catalogue, say where it already lives, or decline with a reason."
        ),
        service_id=None,
        ticket_id=None,
        clock_id=None,
        due_at=due_at,
        owner_id=request.owner_id,
        details={
            "request_id": request.pk,
            "business_unit_id": unit.pk,
            "business_unit": unit.name,
            "title": request.title,
        },
    )


def missing_service_request_alerts_resolve(*, request_ids: list[int], now: datetime) -> int:
    """The live overdue alerts of these requests are resolved (they were answered)."""
    return Alert.objects.filter(
        key__in=[request_alert_key(pk) for pk in request_ids], state__in=LIVE_ALERT_STATES
    ).update(state=AlertState.RESOLVED, resolved_at=now)


def alerts_follow_owner(*, request_id: int, owner_id: int) -> None:
    """A request given to someone else: its live alert is theirs to act on."""
    Alert.objects.filter(key=request_alert_key(request_id), state__in=LIVE_ALERT_STATES).update(owner_id=owner_id)


@dataclass
class AlignmentCheckSummary:
    checked: int = 0
    raised: int = 0
    resolved: int = 0
    snapshots: int = 0


def alignment_check(now: datetime | None = None, *, chunk_size: int = CHUNK) -> AlignmentCheckSummary:
    """Alerts for unanswered requests past 10 business days (once each); live ones whose request
    was answered or deleted are resolved; today's share of agreement for every unit."""
    from catalog.alignment.services import alignment_snapshots_record

    now = now or timezone.now()
    summary = AlignmentCheckSummary(resolved=_resolve_stale(now))
    spec = status.default_calendar_spec()
    # 10 business days are at least 10 calendar days: older requests are the only candidates.
    candidates = MissingServiceRequest.objects.filter(
        state=RequestState.OPEN, requested_at__lte=now - timedelta(days=status.OVERDUE_AFTER_BUSINESS_DAYS)
    )
    last_pk = 0
    while True:
        with transaction.atomic():
            chunk = candidates.filter(pk__gt=last_pk).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                chunk = chunk.select_for_update(skip_locked=True, of=("self",))
            requests = list(chunk.select_related("business_unit")[:chunk_size])
            if not requests:
                break
            last_pk = requests[-1].pk
            drafts = []
            for request in requests:
                due_at = status.request_due_at(request.requested_at, spec=spec)
                if now > due_at:
                    drafts.append(request_alert_draft(request, due_at=due_at))
            summary.checked += len(requests)
            summary.raised += len(alerts_raise(drafts, now=now))
    summary.snapshots = alignment_snapshots_record(now=now)
    return summary


def _resolve_stale(now: datetime) -> int:
    live = dict(
        Alert.objects.filter(kind=AlertKind.ALIGNMENT_REQUEST_OVERDUE, state__in=LIVE_ALERT_STATES).values_list(
            "pk", "key"
        )
    )
    if not live:
        return 0
    still_open = {
        request_alert_key(pk)
        for pk in MissingServiceRequest.objects.filter(
            pk__in=[int(key.split(":")[1]) for key in live.values() if key.split(":")[1].isdigit()],
            state=RequestState.OPEN,
        ).values_list("pk", flat=True)
    }
    stale = [pk for pk, key in live.items() if key not in still_open]
    return Alert.objects.filter(pk__in=stale, state__in=LIVE_ALERT_STATES).update(
        state=AlertState.RESOLVED, resolved_at=now
    )
