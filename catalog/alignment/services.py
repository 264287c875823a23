"""Writes of catalogue alignment: a unit's marks, its requests for what the catalogue lacks (IT's
answers are in answers.py), and the daily history of the share of agreement. Keyword-only arguments; bad input
raises ValidationError with field -> messages before anything is written."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog import rules as access
from catalog.alignment import history, selectors, status
from catalog.alignment.alerts import alerts_follow_owner, missing_service_request_alerts_resolve
from catalog.alignment.models import (
    MAX_COST,
    MAX_USERS,
    AlignmentSnapshot,
    MissingServiceRequest,
    RequestEventKind,
    RequestSource,
    RequestState,
    ServiceMark,
)
from catalog.models import BusinessUnit, Lifecycle, Service

TEXT_MAX_LENGTH = 5000


# --- Marks ---------------------------------------------------------------------------------------


def service_marks_set(
    *, unit: BusinessUnit, services: Iterable[Service], actor: AbstractBaseUser | None, now=None
) -> list[int]:
    """The unit's own list becomes exactly `services` (retired ones refused). Marks kept keep
    who made them and when. Returns the marked service ids; today's snapshot follows."""
    now = now or timezone.now()
    wanted = {service.pk: service for service in services}
    retired = sorted(s.name for s in wanted.values() if s.lifecycle == Lifecycle.RETIRED)
    if retired:
        raise ValidationError({"services": [f"{', '.join(retired)}: retired, no longer provided."]})
    with transaction.atomic():
        BusinessUnit.objects.select_for_update().filter(pk=unit.pk).first()  # one writer per unit at a time
        have = set(ServiceMark.objects.filter(business_unit=unit).values_list("service_id", flat=True))
        ServiceMark.objects.filter(business_unit=unit).exclude(service_id__in=list(wanted)).delete()
        ServiceMark.objects.bulk_create(
            [
                ServiceMark(business_unit=unit, service_id=pk, marked_by=actor, marked_at=now)
                for pk in sorted(set(wanted) - have)
            ],
            ignore_conflicts=True,
        )
        alignment_snapshot_record(unit=unit, now=now)
    return sorted(wanted)


def _mark(unit_id: int, service_id: int, actor, now) -> bool:
    """Mark the service for the unit; True when the mark is new (the unit had not marked it)."""
    _, created = ServiceMark.objects.get_or_create(
        business_unit_id=unit_id, service_id=service_id, defaults={"marked_by": actor, "marked_at": now}
    )
    return created


# --- Requests ------------------------------------------------------------------------------------


def _text(value: Any, *, field: str, label: str, errors: dict, required: bool, max_length: int) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.setdefault(field, []).append(f"{label} is required.")
    elif len(text) > max_length:
        errors.setdefault(field, []).append(f"{label} is longer than {max_length:,} characters.")
    return text


def _cost(value: Any, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errors.setdefault("annual_cost", []).append("Give the annual cost as a number, e.g. 1200 or 1200.50.")
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_COST:
        errors.setdefault("annual_cost", []).append(f"The annual cost must be between 0 and {MAX_COST:,}.")
    elif amount != amount.quantize(Decimal("0.01")):
        errors.setdefault("annual_cost", []).append("The annual cost has at most two decimal places.")
    else:
        return amount
    return None


def _users(value: Any, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        value = "not a number"
    try:
        count = int(str(value).strip())
    except ValueError:
        errors.setdefault("users_affected", []).append("Give the number of people as a whole number.")
        return None
    if not 0 <= count <= MAX_USERS:
        errors.setdefault("users_affected", []).append(f"The number of people must be between 0 and {MAX_USERS:,}.")
        return None
    return count


def _request_fields(fields: dict[str, Any], errors: dict) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "title" in fields:
        cleaned["title"] = _text(
            fields["title"], field="title", label="What you rely on", errors=errors, required=True, max_length=160
        )
    if "description" in fields:
        cleaned["description"] = _text(
            fields["description"],
            field="description",
            label="The description",
            errors=errors,
            required=False,
            max_length=TEXT_MAX_LENGTH,
        )
    if "source" in fields:
        source = str(fields["source"] or "")
        if source not in RequestSource.values:
            errors.setdefault("source", []).append(f"Choose one of: {', '.join(RequestSource.values)}.")
        cleaned["source"] = source
    if "annual_cost" in fields:
        cleaned["annual_cost"] = _cost(fields["annual_cost"], errors)
    if "users_affected" in fields:
        cleaned["users_affected"] = _users(fields["users_affected"], errors)
    return cleaned


def default_request_owner() -> AbstractBaseUser | None:
    """Who answers a new request unless IT gives it to someone else: the catalogue's manager, the
    first active member of the Admins group (by username), else the first active superuser."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return users.filter(groups__name=access.ADMINS).first() or users.filter(is_superuser=True).first()


def _check_it_person(owner, errors: dict) -> None:
    if owner is None:
        return
    if not (access.is_admin(owner) or access.is_it_staff(owner)):
        errors.setdefault("owner", []).append(
            f"{owner.get_username()} is not in IT: give the request to a service owner or an admin."
        )


def missing_service_request_create(
    *,
    unit: BusinessUnit,
    actor: AbstractBaseUser | None,
    title: str,
    description: str = "",
    source: str = RequestSource.UNLISTED,
    annual_cost: Any = None,
    users_affected: Any = None,
    owner: AbstractBaseUser | None = None,
    now=None,
) -> MissingServiceRequest:
    """The unit relies on something the catalogue lacks. It is given to `owner` (default: the
    catalogue's manager, default_request_owner) to answer within 10 business days."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    cleaned = _request_fields(
        {
            "title": title,
            "description": description,
            "source": source,
            "annual_cost": annual_cost,
            "users_affected": users_affected,
        },
        errors,
    )
    owner = owner or default_request_owner()
    _check_it_person(owner, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = MissingServiceRequest.objects.create(
            business_unit=unit, requested_by=actor, requested_at=now, owner=owner, **cleaned
        )
        alignment_snapshot_record(unit=unit, now=now)
    return request


def missing_service_request_update(
    *, request: MissingServiceRequest, actor: AbstractBaseUser | None = None, note: str = "", now=None, **fields: Any
) -> MissingServiceRequest:
    """The unit corrects its request while IT has not answered it (its history says what changed)."""
    now = now or timezone.now()
    unknown = set(fields) - {"title", "description", "source", "annual_cost", "users_affected"}
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    cleaned = _request_fields(fields, errors)
    note = history.note_clean(note, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = MissingServiceRequest.objects.select_for_update().filter(pk=request.pk).first()
        if current is None or current.state != RequestState.OPEN:
            raise ValidationError("IT has answered this request, or it was withdrawn; it cannot change any more.")
        changes = history.changes_between({name: getattr(current, name) for name in cleaned}, cleaned)
        if changes:
            MissingServiceRequest.objects.filter(pk=request.pk).update(**cleaned)
            history.request_event_record(
                request=current, kind=RequestEventKind.EDITED, actor=actor, now=now, note=note, changes=changes
            )
    for name, value in cleaned.items():
        setattr(request, name, value)
    return request


def missing_service_request_assign(
    *,
    request: MissingServiceRequest,
    owner: AbstractBaseUser,
    actor: AbstractBaseUser | None = None,
    note: str = "",
    now=None,
) -> MissingServiceRequest:
    """Give an unanswered request to another IT person (its overdue alert follows them)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    _check_it_person(owner, errors)
    if owner is not None and owner.pk == request.owner_id:
        errors.setdefault("owner", []).append(f"The request is {owner.get_username()}'s already.")
    note = history.note_clean(note, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = MissingServiceRequest.objects.select_for_update().filter(pk=request.pk).first()
        if current is None or current.state != RequestState.OPEN:
            raise ValidationError("This request has been answered or withdrawn; it has no one left to answer it.")
        MissingServiceRequest.objects.filter(pk=request.pk).update(owner=owner)
        alerts_follow_owner(request_id=request.pk, owner_id=owner.pk)
        history.request_event_record(
            request=current,
            kind=RequestEventKind.ASSIGNED,
            actor=actor,
            now=now,
            note=note,
            changes={"owner": [history.shown(current.owner), history.shown(owner)]},
        )
    request.owner = owner
    return request


def missing_service_request_withdraw(
    *, request: MissingServiceRequest, actor: AbstractBaseUser | None, note: str = "", now=None
) -> MissingServiceRequest:
    """The unit no longer needs IT's answer (it asked by mistake, or stopped relying on it). Only
    while unanswered; its overdue alert, if any, is resolved, and the share's difference goes."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    note = history.note_clean(note, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        withdrawn = MissingServiceRequest.objects.filter(pk=request.pk, state=RequestState.OPEN).update(
            state=RequestState.WITHDRAWN, withdrawn_at=now
        )
        if withdrawn != 1:
            raise ValidationError("IT has answered this request, or it was withdrawn already.")
        history.request_event_record(
            request=request,
            kind=RequestEventKind.WITHDRAWN,
            actor=actor,
            now=now,
            note=note,
            changes={"state": [RequestState.OPEN.label, RequestState.WITHDRAWN.label]},
        )
        missing_service_request_alerts_resolve(request_ids=[request.pk], now=now)
        alignment_snapshot_record(unit=request.business_unit, now=now)
    request.state, request.withdrawn_at = RequestState.WITHDRAWN, now
    return request


# --- History ---------------------------------------------------------------------------------------


def alignment_snapshot_record(*, unit: BusinessUnit, now=None) -> AlignmentSnapshot | None:
    """Today's row of the unit's share of agreement (the site's time zone), written only when
    it changed. Returns the row written, None when today's was already right."""
    now = now or timezone.now()
    comparison = selectors.comparisons([unit.pk])[unit.pk]
    return _snapshot_write(unit.pk, comparison, now)


def _snapshot_write(unit_id: int, comparison: status.Comparison, now) -> AlignmentSnapshot | None:
    values = {
        "agreed": len(comparison.agreed),
        "it_only": len(comparison.it_only),
        "unit_only": len(comparison.unit_only),
        "open_requests": comparison.open_requests,
        "share": comparison.share,
    }
    day = timezone.localdate(now)
    current = AlignmentSnapshot.objects.filter(business_unit_id=unit_id, day=day).first()
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        return None
    snapshot, _ = AlignmentSnapshot.objects.update_or_create(
        business_unit_id=unit_id, day=day, defaults={**values, "recorded_at": now}
    )
    return snapshot


def alignment_snapshots_record(*, now=None) -> int:
    """Today's row for every unit (the daily pass: the history has a point each day even
    when nothing changed). Returns how many rows were written."""
    now = now or timezone.now()
    unit_ids = list(BusinessUnit.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for unit_id, comparison in selectors.comparisons(unit_ids).items():
        with transaction.atomic():
            written += _snapshot_write(unit_id, comparison, now) is not None
    return written
