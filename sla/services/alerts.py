"""Alerts: decided from a clock and `now`, written once (unique key), told after commit.

`clock_evaluate` is pure over a Clock row and `now`: it moves a running clock past its deadline
to breached, picks the warning or breach to raise, and sets when the clock must next be looked
at. `alerts_raise` writes the alerts in the caller's transaction and queues their
notifications for after it commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sla import bulk_sql
from sla.models import Alert, AlertKind, AlertSeverity, AlertState, Clock, ClockKind, ClockState
from sla.selectors import ticket_assignee_user_ids

TICK = timedelta(microseconds=1)  # a deadline is kept at its instant and missed just after
LIVE_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


@dataclass(frozen=True)
class AlertDraft:
    """An alert to raise, before it is a row."""

    key: str
    kind: str
    severity: str
    subject: str
    body: str
    service_id: int | None
    ticket_id: int | None
    clock_id: int | None
    due_at: datetime | None
    details: dict
    # Who carries the subject (the commitment's or follow-up's owner). Left None on an alert
    # about a ticket's clock, `alerts_raise` fills in the ticket's assignee.
    owner_id: int | None = None


def clock_is_live(clock: Clock) -> bool:
    return clock.stopped_at is None and clock.state in (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)


def clock_evaluate(clock: Clock, *, now: datetime) -> AlertDraft | None:
    """Bring `clock` up to `now` (state, last_warned_share, next_check_at); return the alert
    to raise, if any. At most one: a breach outranks warnings, the highest share outranks lower."""
    draft = None
    if clock_is_live(clock):
        if clock.state == ClockState.RUNNING and clock.due_at is not None and now > clock.due_at:
            clock.state = ClockState.BREACHED
            clock.breached_at = clock.due_at
        if clock.state == ClockState.BREACHED:
            draft = _breach(clock)
        else:
            crossed = [share for share, at in _thresholds(clock) if at is not None and at <= now]
            crossed = [share for share in crossed if share > clock.last_warned_share]
            if crossed:
                clock.last_warned_share = max(crossed)
                draft = _warning(clock, clock.last_warned_share)
    clock.next_check_at = _next_check(clock, now)
    return draft


def _next_check(clock: Clock, now: datetime) -> datetime | None:
    if not clock_is_live(clock) or not clock.counting or clock.state == ClockState.BREACHED:
        return None  # nothing can happen until an event arrives
    moments = [at for share, at in _thresholds(clock) if at is not None and share > clock.last_warned_share]
    if clock.due_at is not None:
        moments.append(clock.due_at + TICK)
    later = [m for m in moments if m > now]
    return min(later) if later else None


def _thresholds(clock: Clock) -> list[tuple[float, datetime | None]]:
    return [(float(share), parse_datetime(at) if at else None) for share, at in clock.warning_shares]


def _label(clock: Clock) -> str:
    kind = ClockKind(clock.kind).label.lower()
    return f"{kind} (update {clock.cycle})" if clock.kind == ClockKind.UPDATE else kind


def _base(clock: Clock) -> dict:
    ticket = clock.ticket
    return {
        "service_id": ticket.service_id,
        "ticket_id": ticket.pk,
        "clock_id": clock.pk,
        "due_at": clock.due_at,
        "details": {
            "clock": clock.kind,
            "cycle": clock.cycle,
            "priority": clock.priority,
            "target_seconds": clock.target_seconds,
            "ticket": str(ticket),
        },
    }


def _who(clock: Clock) -> str:
    ticket = clock.ticket
    return f"P{clock.priority} ticket {ticket.external_id} ({ticket.service.name})"


def _warning(clock: Clock, share: float) -> AlertDraft:
    due = timezone.localtime(clock.due_at).strftime("%a %d %b %H:%M") if clock.due_at else "when work resumes"
    return AlertDraft(
        key=f"ticket:{clock.ticket_id}:{clock.kind}:{clock.cycle}:warn:{round(share * 100)}",
        kind=AlertKind.CLOCK_WARNING,
        severity=AlertSeverity.WARNING if share >= 0.75 else AlertSeverity.INFO,
        subject=f"{_who(clock)}: {round(share * 100)}% of the {_label(clock)} used, due {due}",
        body=f"{clock.ticket.title}\nAct before {due} to keep the agreed target.",
        **_base(clock),
    )


def _breach(clock: Clock) -> AlertDraft:
    due = timezone.localtime(clock.due_at).strftime("%a %d %b %H:%M") if clock.due_at else "earlier"
    return AlertDraft(
        key=f"ticket:{clock.ticket_id}:{clock.kind}:{clock.cycle}:breach",
        kind=AlertKind.CLOCK_BREACH,
        severity=AlertSeverity.CRITICAL,
        subject=f"{_who(clock)} missed its {_label(clock)} (due {due})",
        body=f"{clock.ticket.title}\nThe agreed target was missed; tell the customer and agree what happens next.",
        **_base(clock),
    )


# From this many drafts on PostgreSQL, alerts are written from binary arrays (sla.bulk_sql) and
# the INSERT returns the new ones: an evaluation pass raises thousands at once, and the ORM's
# INSERT (a placeholder per value) and read-back then cost more than judging them. Smaller
# batches, the usual case, keep the ORM's way.
BULK_FROM = 500
ALERT_COLUMNS = (
    "key",
    "kind",
    "severity",
    "state",
    "subject",
    "body",
    "service_id",
    "ticket_id",
    "clock_id",
    "due_at",
    "details",
    "opened_at",
    "owner_id",
)


def alerts_raise(drafts: Sequence[AlertDraft], *, now: datetime) -> list[int]:
    """Write alerts not raised before (by key), in the caller's transaction; notify after commit.

    Each alert records its owner: the draft's, or for a ticket's clock the ticket's assignee
    when that is an Accord user. A live alert raised again whose subject changed hands (a
    commitment or a follow-up given to someone else, a ticket reassigned) follows it to the new
    owner; resolved alerts keep theirs."""
    if not drafts:
        return []
    drafts = _with_assignees(drafts)
    owners = {d.key: d.owner_id for d in drafts}
    if bulk_sql.on_postgres() and len(drafts) >= BULK_FROM:
        inserted = bulk_sql.rows_upsert(
            model=Alert,
            columns=ALERT_COLUMNS,
            rows=[_alert_row(d, now) for d in sorted(drafts, key=lambda d: d.key)],  # locked in one order
            conflict=["key"],
            returning=["id", "key"],
        )
        new_ids = [pk for pk, _ in inserted]
        raised = {key for _, key in inserted}
        earlier = Alert.objects.filter(key__in=[key for key in owners if key not in raised])
    else:
        Alert.objects.bulk_create(
            [Alert(**dict(zip(ALERT_COLUMNS, _alert_row(d, now), strict=True))) for d in drafts],
            ignore_conflicts=True,
        )
        new_ids, earlier = [], Alert.objects.filter(key__in=list(owners))
    moved = defaultdict(list)
    for pk, key, opened_at, state, owner_id in earlier.values_list("pk", "key", "opened_at", "state", "owner_id"):
        if opened_at == now:
            new_ids.append(pk)
        elif state in LIVE_STATES and owner_id != owners[key]:
            moved[owners[key]].append(pk)
    for owner_id, pks in sorted(moved.items(), key=lambda item: item[0] or 0):
        Alert.objects.filter(pk__in=sorted(pks), state__in=LIVE_STATES).update(owner_id=owner_id)
    _notify_after_commit(new_ids)
    return new_ids


def _alert_row(d: AlertDraft, now: datetime) -> tuple:
    """A new alert, as ALERT_COLUMNS."""
    return (
        d.key,
        d.kind,
        d.severity,
        AlertState.OPEN,
        d.subject[:300],
        d.body,
        d.service_id,
        d.ticket_id,
        d.clock_id,
        d.due_at,
        d.details,
        now,
        d.owner_id,
    )


def _with_assignees(drafts: Sequence[AlertDraft]) -> list[AlertDraft]:
    """Drafts about a ticket's clock, with no owner given, get the ticket's assignee."""
    ticket_ids = {d.ticket_id for d in drafts if d.clock_id is not None and d.owner_id is None}
    if not ticket_ids:
        return list(drafts)
    assignees = ticket_assignee_user_ids(ticket_ids=ticket_ids)
    return [
        replace(d, owner_id=assignees.get(d.ticket_id)) if d.clock_id is not None and d.owner_id is None else d
        for d in drafts
    ]


def _notify_after_commit(alert_ids: Iterable[int]) -> None:
    from sla.tasks.notifications import alert_notify

    for alert_id in alert_ids:
        alert_notify.delay_on_commit(alert_id)


def alerts_resolve_for_clocks(*, clock_ids: Iterable[int], now: datetime) -> int:
    """The clocks stopped: their open alerts are resolved."""
    return Alert.objects.filter(
        clock_id__in=list(clock_ids), state__in=[AlertState.OPEN, AlertState.ACKNOWLEDGED]
    ).update(state=AlertState.RESOLVED, resolved_at=now)


def alert_acknowledge(*, alert: Alert, actor: AbstractBaseUser, now: datetime | None = None) -> Alert:
    """Someone has seen it and is on it. Only an open alert can be acknowledged."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Alert.objects.filter(pk=alert.pk, state=AlertState.OPEN).update(
            state=AlertState.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor
        )
        alert.refresh_from_db()
        if not changed:
            raise ValidationError(
                f"This alert is {alert.get_state_display().lower()}; only an open alert can be acknowledged."
            )
    return alert
