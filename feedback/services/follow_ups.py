"""Detractor follow-ups: an unhappy answer is called back by the service owner, on time.

A detractor's answer (NPS 0-6, CSAT 1-2, CES 1-3) opens a follow-up for the service owner, due in
two business days of the service's support calendar. The owner records the call
(`follow_up_contacted`: what came of it) and closes the follow-up with what IT learned
(`follow_up_close`). A follow-up still not contacted after its due date is overdue:
`follow_ups_check` (hourly) raises one `follow_up_overdue` alert for it in the one inbox, keyed
by the follow-up and its due date, and resolves it once the customer has been contacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from feedback.models import FollowUp, FollowUpState, Response
from sla.business_time import CalendarSpec, add_business_time, zone_from_name
from sla.calendars import calendar_spec, weekly_working_time
from sla.models import Alert, AlertKind, AlertSeverity, AlertState
from sla.selectors import service_time_zone
from sla.services.alerts import AlertDraft, alerts_raise

BUSINESS_DAYS_TO_FOLLOW_UP = 2
LIVE_ALERT_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)
CLOCK_SKEW = timedelta(minutes=5)  # a "contacted at" a little ahead of our clock is accepted
CHUNK = 500
TEXT_MAX_LENGTH = 5000


def business_days(spec: CalendarSpec, count: int) -> timedelta:
    """`count` business days as working time: the calendar's average working day (8 hours on
    Monday-Friday 09:00-17:00; 24 hours on a 24x7 calendar)."""
    week = weekly_working_time(spec)
    working_days = 7 if spec.always_open else sum(1 for day in spec.week if day)
    return count * week / max(working_days, 1)


def follow_up_due(*, response: Response) -> datetime:
    calendar = response.service.support_calendar
    spec = (
        calendar_spec(calendar)
        if calendar is not None
        else CalendarSpec.weekly(settings.TIME_ZONE, dict.fromkeys(range(5), "09:00-17:00"))
    )
    return add_business_time(spec, response.submitted_at, business_days(spec, BUSINESS_DAYS_TO_FOLLOW_UP))


def follow_up_open_if_detractor(*, response: Response) -> FollowUp | None:
    """A follow-up for the service owner when the answer is a detractor's (NPS 0-6, CSAT 1-2,
    CES 1-3), due in two business days of the service's support calendar."""
    if not response.is_detractor:
        return None
    follow_up, _ = FollowUp.objects.get_or_create(
        response=response,
        defaults={
            "service": response.service,
            "owner": response.service.service_owner,
            "due_at": follow_up_due(response=response),
        },
    )
    return follow_up


# --- Status (pure) ----------------------------------------------------------------------------


def follow_up_is_overdue(follow_up: FollowUp, *, now: datetime) -> bool:
    """Still not contacted after its due date (kept at its instant, missed just after)."""
    return follow_up.state == FollowUpState.OPEN and now > follow_up.due_at


def follow_up_alert_key(follow_up: FollowUp) -> str:
    """One alert per follow-up and due date."""
    return f"follow_up:{follow_up.pk}:overdue:{follow_up.due_at:%Y%m%dT%H%M%S}"


def follow_up_scores(response: Response) -> str:
    """The answers that made it a detractor's, e.g. "NPS 3, CSAT 2"."""
    scores = [(name.upper(), getattr(response, name)) for name in ("nps", "csat", "ces")]
    return ", ".join(f"{name} {value}" for name, value in scores if value is not None)


def follow_up_alert_draft(follow_up: FollowUp) -> AlertDraft:
    """The overdue alert of a follow-up (its service and response loaded)."""
    response = follow_up.response
    service = follow_up.service
    zone = service_time_zone(service)
    due = follow_up.due_at.astimezone(zone_from_name(zone)).strftime("%a %d %b %H:%M")
    who = response.respondent_email or "the customer"
    return AlertDraft(
        key=follow_up_alert_key(follow_up),
        kind=AlertKind.FOLLOW_UP_OVERDUE,
        severity=AlertSeverity.WARNING,
        subject=f"{service.name}: call back {who} ({follow_up_scores(response)}), due {due} ({zone})",
        body=(
            f"An unhappy answer of {response.submitted_at.astimezone(zone_from_name(zone)):%d %b %Y} has not been "
            "followed up in time.\nCall the customer back, record what came of it and what IT learned."
        ),
        service_id=follow_up.service_id,
        ticket_id=response.ticket_id,
        clock_id=None,
        due_at=follow_up.due_at,
        owner_id=follow_up.owner_id,  # the owner calls back: sees and may acknowledge it
        details={
            "follow_up_id": follow_up.pk,
            "response_id": response.pk,
            "owner": follow_up.owner.get_username() if follow_up.owner_id else None,
            "scores": follow_up_scores(response),
        },
    )


# --- Writes -----------------------------------------------------------------------------------


def follow_up_contacted(
    *,
    follow_up: FollowUp,
    actor: AbstractBaseUser,
    outcome: str,
    at: datetime | None = None,
    now: datetime | None = None,
) -> FollowUp:
    """The customer was called back at `at` (default now): what came of it. Its overdue alert,
    if any, is resolved. Only a follow-up still to contact can be marked contacted."""
    now = now or timezone.now()
    at = at or now
    outcome = (outcome or "").strip()
    problems: dict[str, list[str]] = {}
    if not outcome:
        problems["outcome"] = ["Say what came of the call: what was agreed with the customer."]
    elif len(outcome) > TEXT_MAX_LENGTH:
        problems["outcome"] = [f"Keep the outcome to {TEXT_MAX_LENGTH:,} characters."]
    if timezone.is_naive(at):
        problems["contacted_at"] = ["Give the time with a time zone or UTC offset."]
    elif at > now + CLOCK_SKEW:
        problems["contacted_at"] = ["Record a call once it has happened, not in the future."]
    with transaction.atomic():
        locked = _locked(follow_up)
        if locked.state != FollowUpState.OPEN:
            raise ValidationError(_not_open_message(locked))
        if "contacted_at" not in problems and at < locked.response.submitted_at:
            problems["contacted_at"] = ["The customer cannot be called back before they answered."]
        if problems:
            raise ValidationError(problems)
        locked.state, locked.contacted_at, locked.outcome = FollowUpState.CONTACTED, at, outcome
        locked._history_user = actor
        locked.save(update_fields=["state", "contacted_at", "outcome"])
        follow_up_alerts_resolve(follow_up_ids=[locked.pk], now=now)
    _copy(locked, follow_up)
    return follow_up


def follow_up_close(
    *,
    follow_up: FollowUp,
    actor: AbstractBaseUser,
    learned: str,
    outcome: str = "",
    now: datetime | None = None,
) -> FollowUp:
    """Closed with what IT learned (required). `outcome` replaces the one recorded with the
    call; closing a follow-up never marked contacted records the call now, with this outcome
    (then required). Its overdue alert, if any, is resolved."""
    now = now or timezone.now()
    learned, outcome = (learned or "").strip(), (outcome or "").strip()
    problems: dict[str, list[str]] = {}
    if not learned:
        problems["learned"] = ["Say what IT learned from this customer: it is what closing the loop is for."]
    elif len(learned) > TEXT_MAX_LENGTH:
        problems["learned"] = [f"Keep what was learned to {TEXT_MAX_LENGTH:,} characters."]
    if len(outcome) > TEXT_MAX_LENGTH:
        problems["outcome"] = [f"Keep the outcome to {TEXT_MAX_LENGTH:,} characters."]
    with transaction.atomic():
        locked = _locked(follow_up)
        if locked.state == FollowUpState.CLOSED:
            raise ValidationError(_not_open_message(locked))
        if not outcome and not locked.outcome and "outcome" not in problems:
            problems["outcome"] = ["Say what came of the call: what was agreed with the customer."]
        if problems:
            raise ValidationError(problems)
        fields = ["state", "learned", "closed_at"]
        if locked.contacted_at is None:
            locked.contacted_at = now
            fields.append("contacted_at")
        if outcome:
            locked.outcome = outcome
            fields.append("outcome")
        locked.state, locked.learned, locked.closed_at = FollowUpState.CLOSED, learned, now
        locked._history_user = actor
        locked.save(update_fields=fields)
        follow_up_alerts_resolve(follow_up_ids=[locked.pk], now=now)
    _copy(locked, follow_up)
    return follow_up


def follow_up_alerts_resolve(*, follow_up_ids: list[int], now: datetime) -> int:
    """The live overdue alerts of these follow-ups are resolved."""
    keys = [f"follow_up:{pk}:overdue:" for pk in follow_up_ids]
    resolved = 0
    for prefix in keys:
        resolved += Alert.objects.filter(
            kind=AlertKind.FOLLOW_UP_OVERDUE, key__startswith=prefix, state__in=LIVE_ALERT_STATES
        ).update(state=AlertState.RESOLVED, resolved_at=now)
    return resolved


@dataclass
class FollowUpCheckSummary:
    checked: int = 0
    raised: int = 0
    resolved: int = 0


def follow_ups_check(now: datetime | None = None, *, chunk_size: int = CHUNK) -> FollowUpCheckSummary:
    """Every follow-up still to contact after its due date gets its overdue alert (once per
    follow-up and due date); live overdue alerts whose follow-up was contacted, closed or
    given a later due date are resolved. Idempotent, and safe on two workers at once: each chunk
    of follow-ups is locked (SKIP LOCKED on PostgreSQL), as the writes above lock theirs."""
    now = now or timezone.now()
    summary = FollowUpCheckSummary()
    summary.resolved = _resolve_stale(now)
    last_pk = 0
    while True:
        with transaction.atomic():
            chunk = FollowUp.objects.filter(state=FollowUpState.OPEN, due_at__lt=now, pk__gt=last_pk).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                chunk = chunk.select_for_update(skip_locked=True, of=("self",))
            follow_ups = list(chunk.select_related("service__support_calendar", "response", "owner")[:chunk_size])
            if not follow_ups:
                return summary
            last_pk = follow_ups[-1].pk
            drafts = [follow_up_alert_draft(f) for f in follow_ups if follow_up_is_overdue(f, now=now)]
            wanted = [d.key for d in drafts]
            # Resolved earlier and overdue again (a follow-up put back to "to contact"): reopened,
            # not sent again.
            Alert.objects.filter(key__in=wanted, state=AlertState.RESOLVED).update(
                state=AlertState.OPEN, resolved_at=None, acknowledged_at=None, acknowledged_by=None
            )
            summary.checked += len(follow_ups)
            summary.raised += len(alerts_raise(drafts, now=now))


def _resolve_stale(now: datetime) -> int:
    """Live overdue alerts whose follow-up is gone, no longer to contact, or due at another time."""
    live = dict(
        Alert.objects.filter(kind=AlertKind.FOLLOW_UP_OVERDUE, state__in=LIVE_ALERT_STATES).values_list("pk", "key")
    )
    if not live:
        return 0
    ids = {int(key.split(":")[1]) for key in live.values() if key.count(":") >= 3 and key.split(":")[1].isdigit()}
    still_wanted = {
        follow_up_alert_key(f)
        for f in FollowUp.objects.filter(pk__in=ids).only("pk", "state", "due_at")
        if follow_up_is_overdue(f, now=now)
    }
    stale = [pk for pk, key in live.items() if key not in still_wanted]
    return Alert.objects.filter(pk__in=stale, state__in=LIVE_ALERT_STATES).update(
        state=AlertState.RESOLVED, resolved_at=now
    )


def _locked(follow_up: FollowUp) -> FollowUp:
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("response", "service", "owner")
        .get(pk=follow_up.pk)
    )


def _not_open_message(follow_up: FollowUp) -> str:
    if follow_up.state == FollowUpState.CLOSED:
        return f"This follow-up was closed on {follow_up.closed_at:%d %b %Y}; it cannot change any more."
    return (
        f"The customer was contacted already ({follow_up.contacted_at:%d %b %Y}); "
        "close the follow-up with what IT learned."
    )


def _copy(source: FollowUp, target: FollowUp) -> None:
    """The caller's instance shows what was written."""
    if target is not source:
        for name in ("state", "contacted_at", "outcome", "learned", "closed_at"):
            setattr(target, name, getattr(source, name))
