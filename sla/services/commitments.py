"""Writes of committed results: make a commitment, report progress, and close it honestly
(delivered, renegotiated to a new date with the reason, or withdrawn).

Every write locks the commitment's row, checks it is still open, and brings its alerts up to
date in the same transaction (a check-in that puts it back on track resolves its "at risk"
alert). Problems raise django ValidationError with messages naming the field; nothing is
half-written.

Decisions:
- A check-in may lower the percentage done only with a note saying why (scope grew, work was
  found wanting): progress going backwards is news the business must be able to read.
- The due date changes only by renegotiation: a new date after today and a reason, kept as a
  `Renegotiation` row. Alerts are per due date, so the new date starts afresh.
- Delivery may be recorded on an earlier day (not before the commitment, not in the future);
  a delivery after the due date is recorded as delivered, late.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.dates import YEARS_AHEAD, YEARS_BACK, years_from
from catalog.models import BusinessUnit, Service
from sla.commitments import local_date
from sla.models import CheckIn, Commitment, CommitmentOutcome, Renegotiation
from sla.selectors import service_time_zone
from sla.services.commitment_alerts import commitment_alerts_sync

MIN_CHECK_IN_EVERY = timedelta(days=1)
MAX_CHECK_IN_EVERY = timedelta(days=92)
MAX_GRACE = timedelta(days=31)
EDITABLE_FIELDS = ("title", "definition_of_done", "owner", "business_unit", "check_in_every", "grace")
COPIED_FIELDS = ("title", "definition_of_done", "owner_id", "business_unit_id", "check_in_every", "grace")
COPIED_FIELDS += ("due_on", "outcome", "closed_on", "closing_note")


def commitment_create(
    *,
    service: Service,
    actor: AbstractBaseUser,
    title: str,
    definition_of_done: str,
    owner: AbstractBaseUser,
    due_on: date,
    committed_on: date | None = None,
    business_unit: BusinessUnit | None = None,
    check_in_every: timedelta = timedelta(days=7),
    grace: timedelta = timedelta(days=2),
    now: datetime | None = None,
) -> Commitment:
    """IT commits to a result for `service`, promised to `business_unit` (None: every unit)."""
    today = _today(service, now)
    committed_on = committed_on or today
    commitment = Commitment(
        service=service,
        business_unit=business_unit,
        title=(title or "").strip(),
        definition_of_done=(definition_of_done or "").strip(),
        owner=owner,
        committed_on=committed_on,
        due_on=due_on,
        check_in_every=check_in_every,
        grace=grace,
    )
    errors = commitment_problems(commitment)
    if committed_on > today:
        errors.setdefault("committed_on", []).append("A commitment cannot be made on a future day.")
    elif committed_on < years_from(today, -YEARS_BACK):
        errors.setdefault("committed_on", []).append(
            f"Record commitments made in the last {YEARS_BACK} years, since {years_from(today, -YEARS_BACK):%d %b %Y}."
        )
    if due_on is not None and due_on < today:
        errors.setdefault("due_on", []).append("The due date has passed: promise a date from today on.")
    elif due_on is not None and due_on > years_from(today, YEARS_AHEAD):
        errors.setdefault("due_on", []).append(_too_far(today))
    if errors:
        raise ValidationError(errors)
    commitment._history_user = actor
    commitment.save()
    return commitment


def commitment_update(*, commitment: Commitment, actor: AbstractBaseUser, now: datetime | None = None, **fields):
    """Change what it says, who owns it, to whom it was promised or its check-in cadence.
    Not when closed; not its dates (the due date moves by renegotiation)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown & {"due_on"}:
        raise ValidationError(
            {"due_on": ["Move the due date by renegotiating it: the new date and the reason, told to the business."]}
        )
    if unknown:
        raise ValidationError({name: ["This cannot be changed."] for name in sorted(unknown)})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_open(commitment, doing="edited")
        if not fields:
            return commitment
        for name, value in fields.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        errors = commitment_problems(locked)
        if errors:
            raise ValidationError(errors)
        locked._history_user = actor
        locked.save(update_fields=list(fields))
        commitment_alerts_sync([locked], now=now)
    _copy(locked, commitment)
    return commitment


def check_in_record(
    *, commitment: Commitment, actor: AbstractBaseUser, percent_done: int, note: str = "", now: datetime | None = None
) -> CheckIn:
    """Progress so far, told now. Refused on a closed commitment."""
    now = now or timezone.now()
    note = (note or "").strip()
    if isinstance(percent_done, bool) or not isinstance(percent_done, int) or not 0 <= percent_done <= 100:
        raise ValidationError({"percent_done": ["Give the percentage done as a whole number from 0 to 100."]})
    with transaction.atomic():
        locked = _locked_open(commitment, doing="checked in on")
        previous = locked.check_ins.order_by("-at", "-pk").first()
        if previous is not None and percent_done < previous.percent_done and not note:
            raise ValidationError(
                {
                    "note": [
                        f"Progress went down from {previous.percent_done}% to {percent_done}%: "
                        "say why in the note, so the business reads it from you."
                    ]
                }
            )
        check_in = CheckIn.objects.create(commitment=locked, at=now, percent_done=percent_done, note=note, by=actor)
        commitment_alerts_sync([locked], now=now)
    return check_in


def commitment_deliver(
    *,
    commitment: Commitment,
    actor: AbstractBaseUser,
    delivered_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Commitment:
    """Done, as the definition of done says. Its open alerts are resolved."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_open(commitment, doing="delivered")
        today = _today(locked.service, now)
        delivered_on = delivered_on or today
        if delivered_on > today:
            raise ValidationError({"delivered_on": ["Record a delivery once it has happened, not on a future day."]})
        if delivered_on < locked.committed_on:
            committed = f"{locked.committed_on:%d %b %Y}"
            raise ValidationError({"delivered_on": [f"It was committed on {committed}; delivery cannot be earlier."]})
        _close(locked, actor, CommitmentOutcome.DELIVERED, delivered_on, (note or "").strip(), now)
    _copy(locked, commitment)
    return commitment


def commitment_renegotiate(
    *, commitment: Commitment, actor: AbstractBaseUser, new_due_on: date, reason: str, now: datetime | None = None
) -> Renegotiation:
    """A new date, agreed with the business, with the reason; the old date stays in the history."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _locked_open(commitment, doing="renegotiated")
        today = _today(locked.service, now)
        errors: dict[str, list[str]] = {}
        if not reason:
            errors["reason"] = ["Say why the date moves: the business needs the reason, not only the date."]
        if new_due_on is None or new_due_on <= today:
            errors["new_due_on"] = [f"Give a new due date after today ({today:%d %b %Y})."]
        elif new_due_on == locked.due_on:
            errors["new_due_on"] = [f"It is already due on {new_due_on:%d %b %Y}."]
        elif new_due_on > years_from(today, YEARS_AHEAD):
            errors["new_due_on"] = [_too_far(today)]
        if errors:
            raise ValidationError(errors)
        renegotiation = Renegotiation.objects.create(
            commitment=locked, at=now, old_due_on=locked.due_on, new_due_on=new_due_on, reason=reason, by=actor
        )
        locked.due_on = new_due_on
        locked._history_user = actor
        locked._change_reason = "Renegotiated"
        locked.save(update_fields=["due_on"])
        commitment_alerts_sync([locked], now=now)
    _copy(locked, commitment)
    return renegotiation


def commitment_withdraw(
    *, commitment: Commitment, actor: AbstractBaseUser, reason: str, now: datetime | None = None
) -> Commitment:
    """No longer pursued (agreed with the business); the reason is kept."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why it is withdrawn."]})
    with transaction.atomic():
        locked = _locked_open(commitment, doing="withdrawn")
        _close(locked, actor, CommitmentOutcome.WITHDRAWN, _today(locked.service, now), reason, now)
    _copy(locked, commitment)
    return commitment


# --- helpers --------------------------------------------------------------------------------


def _today(service: Service, now: datetime | None) -> date:
    return local_date(now or timezone.now(), service_time_zone(service))


def _too_far(today: date) -> str:
    return f"Promise a date within {YEARS_AHEAD} years, by {years_from(today, YEARS_AHEAD):%d %b %Y}."


def commitment_problems(commitment: Commitment) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not commitment.title:
        errors["title"] = ["Give the commitment a title."]
    elif len(commitment.title) > 200:
        errors["title"] = ["Keep the title within 200 characters."]
    if not commitment.definition_of_done:
        errors["definition_of_done"] = ["Say what done means, so both sides agree when it is."]
    if commitment.owner_id is None or not commitment.owner.is_active:
        errors["owner"] = ["Name an active person who owns it."]
    if (
        commitment.business_unit_id is not None
        and not commitment.service.business_units.filter(pk=commitment.business_unit_id).exists()
    ):
        errors["business_unit"] = [f"{commitment.service.name} does not serve {commitment.business_unit.name}."]
    if commitment.due_on is None:
        errors["due_on"] = ["Give the due date."]
    elif commitment.committed_on is not None and commitment.due_on < commitment.committed_on:
        errors["due_on"] = ["The due date cannot be before the day it was committed."]
    every = commitment.check_in_every
    if every is None or not MIN_CHECK_IN_EVERY <= every <= MAX_CHECK_IN_EVERY:
        errors["check_in_every"] = ["Check in at least every 92 days and at most once a day."]
    if commitment.grace is None or not timedelta(0) <= commitment.grace <= MAX_GRACE:
        errors["grace"] = ["Give a grace period from none to 31 days."]
    return errors


def _locked_open(commitment: Commitment, *, doing: str) -> Commitment:
    """The commitment's row, locked for this transaction; refused unless it is still open."""
    locked = Commitment.objects.select_for_update(of=("self",)).select_related("service__support_calendar")
    locked = locked.get(pk=commitment.pk)
    if locked.outcome != CommitmentOutcome.OPEN:
        outcome = CommitmentOutcome(locked.outcome).label.lower()
        raise ValidationError(f"“{locked.title}” is {outcome}; a closed commitment cannot be {doing}.")
    return locked


def _close(locked: Commitment, actor, outcome: str, closed_on: date, note: str, now: datetime) -> None:
    locked.outcome, locked.closed_on, locked.closing_note = outcome, closed_on, note
    locked._history_user = actor
    locked.save(update_fields=["outcome", "closed_on", "closing_note"])
    commitment_alerts_sync([locked], now=now)


def _copy(source: Commitment, target: Commitment) -> None:
    """The caller's instance shows what was written."""
    if target is not source:
        for name in COPIED_FIELDS:
            setattr(target, name, getattr(source, name))
