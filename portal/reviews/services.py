"""Writes of reviews: preparing a review once per subject and period, recording the actions
agreed at it and closing them, and preparing a month's reviews for the whole catalogue.

Preparing is safe to run again and on many workers at once: the database's unique constraints
decide who creates a review (the others find it); the e-mails of a new review are queued after
the commit, each address claimed once before it is sent to (portal/reviews/mail.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from catalog.models import AgreementStatus, BusinessUnit, Membership, Service
from portal.reviews.models import ActionStatus, Review, ReviewAction
from portal.reviews.periods import Period

TEXT_MAX = 2000


def review_prepare(
    *, period: Period, service: Service | None = None, business_unit: BusinessUnit | None = None
) -> tuple[Review, bool]:
    """The review of `service` or `business_unit` (one of them) for `period`, created when
    missing; (review, created). A concurrent creator loses on the unique constraint and reads
    the winner's row."""
    if (service is None) == (business_unit is None):
        raise ValueError("a review is of a service or of a business unit, not both or neither")
    subject = {"service": service} if service is not None else {"business_unit": business_unit}
    found = Review.objects.filter(**subject, period=period.kind, period_start=period.start).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return Review.objects.create(**subject, period=period.kind, period_start=period.start), True
    except IntegrityError:
        return Review.objects.get(**subject, period=period.kind, period_start=period.start), False


def review_action_people(*, service: Service | None = None, business_unit: BusinessUnit | None = None):
    """Who may carry an action: both sides of the table. For a service, its owner, its business
    owner and the members of the units it serves; for a unit, its members and the owners of the
    services it uses."""
    User = get_user_model()
    if service is not None:
        who = (
            Q(pk=service.service_owner_id)
            | Q(pk=service.business_owner_id)
            | Q(memberships__business_unit__services=service)
        )
    else:
        who = Q(memberships__business_unit=business_unit) | Q(owned_services__business_units=business_unit)
    return User.objects.filter(who, is_active=True).distinct().order_by("first_name", "last_name", "username")


def review_action_record(
    *,
    period: Period,
    text: str,
    owner,
    due_on: date,
    by,
    service: Service | None = None,
    business_unit: BusinessUnit | None = None,
) -> ReviewAction:
    """An action agreed at the review of the subject for `period` (the review is prepared if it
    was not). ValidationError (by field) for an empty text, an owner from neither side, or a due
    date before the period began."""
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = "Say what was agreed."
    elif len(text) > TEXT_MAX:
        errors["text"] = f"At most {TEXT_MAX} characters."
    if owner is None or not review_action_people(service=service, business_unit=business_unit).filter(pk=owner.pk):
        errors["owner"] = "The owner must be someone on either side of this review."
    if not isinstance(due_on, date) or due_on < period.start:
        errors["due_on"] = f"The due date cannot be before the period began ({period.start:%-d %b %Y})."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        review, _created = review_prepare(period=period, service=service, business_unit=business_unit)
        return ReviewAction.objects.create(review=review, text=text, owner=owner, due_on=due_on, created_by=by)


def review_action_close(*, action: ReviewAction, status: str, today: date) -> bool:
    """Mark an open action done or dropped; False when it was already closed (a second click, or
    another person first: the conditional update decides)."""
    if status not in (ActionStatus.DONE, ActionStatus.DROPPED):
        raise ValidationError({"status": "An action is closed as done or dropped."})
    changed = ReviewAction.objects.filter(pk=action.pk, status=ActionStatus.OPEN).update(status=status, closed_on=today)
    return changed == 1


@dataclass(frozen=True)
class Prepared:
    period: Period
    created: list[int]  # ids of the reviews this run created
    existing: int


def reviews_prepare_month(*, period: Period, now: datetime) -> Prepared:
    """Every review of `period`: one per service with an agreement in force, one per business
    unit that uses any of them. Run again, it creates nothing. The new reviews' e-mails are
    queued after the commit."""
    from portal.reviews import tasks

    services = Service.objects.filter(agreements__status=AgreementStatus.AGREED).distinct().order_by("pk")
    units = BusinessUnit.objects.filter(services__in=services).distinct().order_by("pk")
    created, existing = [], 0
    with transaction.atomic():
        for subject in [{"service": s} for s in services] + [{"business_unit": u} for u in units]:
            review, new = review_prepare(period=period, **subject)
            if new:
                created.append(review.pk)
            else:
                existing += 1
        for pk in created:
            tasks.review_notify.delay_on_commit(pk)
    return Prepared(period=period, created=created, existing=existing)


def review_recipients(review: Review) -> list:
    """Both sides: for a service, its owner and business owner (IT and the business's owner) and
    the representatives of the units it serves; for a unit, its representatives and the owners of
    the services it uses. Active people with an e-mail address, each once."""
    User = get_user_model()
    if review.service_id is not None:
        service = review.service
        who = (
            Q(pk=service.service_owner_id)
            | Q(pk=service.business_owner_id)
            | Q(
                pk__in=Membership.objects.filter(business_unit__services=service, is_representative=True).values(
                    "user_id"
                )
            )
        )
    else:
        who = Q(
            pk__in=Membership.objects.filter(business_unit=review.business_unit_id, is_representative=True).values(
                "user_id"
            )
        ) | Q(owned_services__business_units=review.business_unit_id, owned_services__agreements__status="agreed")
    return list(User.objects.filter(who, is_active=True).exclude(email="").distinct().order_by("pk"))
