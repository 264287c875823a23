"""Writes of catalogue alignment: a unit's marks, its requests for what the catalogue lacks, IT's
answers, and the daily history of the share of agreement. Keyword-only arguments; bad input
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
from django.utils.text import slugify

from catalog import rules as access
from catalog.alignment import selectors, status
from catalog.alignment.alerts import alerts_follow_owner, missing_service_request_alerts_resolve
from catalog.alignment.models import (
    MAX_COST,
    MAX_USERS,
    AlignmentSnapshot,
    MissingServiceRequest,
    RequestSource,
    RequestState,
    ServiceMark,
)
from catalog.models import BusinessUnit, Category, Lifecycle, Service
from catalog.services import service_create

TEXT_MAX_LENGTH = 5000
ANSWER_OUTCOMES = (RequestState.ADDED, RequestState.EXISTS, RequestState.DECLINED)


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


def _mark(unit_id: int, service_id: int, actor, now) -> None:
    ServiceMark.objects.get_or_create(
        business_unit_id=unit_id, service_id=service_id, defaults={"marked_by": actor, "marked_at": now}
    )


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


def missing_service_request_update(*, request: MissingServiceRequest, **fields: Any) -> MissingServiceRequest:
    """The unit corrects its request while IT has not answered it."""
    unknown = set(fields) - {"title", "description", "source", "annual_cost", "users_affected"}
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    cleaned = _request_fields(fields, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        changed = MissingServiceRequest.objects.filter(pk=request.pk, state=RequestState.OPEN).update(**cleaned)
        if not changed:
            raise ValidationError("IT has answered this request; it cannot change any more.")
    for name, value in cleaned.items():
        setattr(request, name, value)
    return request


def missing_service_request_assign(*, request: MissingServiceRequest, owner: AbstractBaseUser) -> MissingServiceRequest:
    """Give an unanswered request to another IT person (its overdue alert follows them)."""
    errors: dict[str, list[str]] = {}
    _check_it_person(owner, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        changed = MissingServiceRequest.objects.filter(pk=request.pk, state=RequestState.OPEN).update(owner=owner)
        if not changed:
            raise ValidationError("This request has been answered; it has no one left to answer it.")
        alerts_follow_owner(request_id=request.pk, owner_id=owner.pk)
    request.owner = owner
    return request


def missing_service_request_answer(
    *,
    request: MissingServiceRequest,
    actor: AbstractBaseUser,
    outcome: str,
    answer: str = "",
    service: Service | None = None,
    category: Category | None = None,
    service_name: str = "",
    serve_unit: bool = False,
    now=None,
) -> MissingServiceRequest:
    """IT's answer, once:

    - "added": a proposed service is created for it (named `service_name` or the request's title,
      in `category`, owned by `actor`, serving the unit), linked, and marked for the unit;
    - "exists": it already lives in `service`, linked and marked for the unit (`serve_unit`: IT
      also lists the unit among those the service serves); `answer` says where and how;
    - "declined": `answer` gives the reason.

    The request's overdue alert, if any, is resolved in the same transaction."""
    now = now or timezone.now()
    if outcome != RequestState.EXISTS:
        service = None  # only "exists" links a service of the caller's choosing
    errors: dict[str, list[str]] = {}
    if outcome not in ANSWER_OUTCOMES:
        errors.setdefault("outcome", []).append(f"Choose one of: {', '.join(ANSWER_OUTCOMES)}.")
    answer = _text(
        answer,
        field="answer",
        label="The reason" if outcome == RequestState.DECLINED else "The explanation",
        errors=errors,
        required=outcome in (RequestState.DECLINED, RequestState.EXISTS),
        max_length=TEXT_MAX_LENGTH,
    )
    if outcome == RequestState.EXISTS:
        if service is None:
            errors.setdefault("service", []).append("Name the service where it already lives.")
        elif service.lifecycle == Lifecycle.RETIRED:
            errors.setdefault("service", []).append(f"{service.name} is retired: it cannot be where this lives.")
    if outcome == RequestState.ADDED and category is None:
        errors.setdefault("category", []).append("Choose the category the new service goes in.")
    name = (service_name or request.title).strip()[:160]
    if outcome == RequestState.ADDED and name and Service.objects.filter(name__iexact=name).exists():
        errors.setdefault("service_name", []).append(
            f"A service named “{name}” exists already: answer that it is already in the catalogue, "
            "or give the new service another name."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        claimed = MissingServiceRequest.objects.filter(pk=request.pk, state=RequestState.OPEN).update(
            state=outcome, answer=answer, answered_by=actor, answered_at=now
        )
        if claimed != 1:
            raise ValidationError("This request has been answered already.")
        unit = request.business_unit
        if outcome == RequestState.ADDED:
            summary = (request.description.splitlines()[0] if request.description else request.title)[:240]
            service = service_create(
                actor=actor,
                name=name,
                slug=_free_slug(name),
                category=category,
                summary=summary or name,
                description=request.description,
                lifecycle=Lifecycle.PROPOSED,
                business_units=[unit],
            )
        if service is not None:
            MissingServiceRequest.objects.filter(pk=request.pk).update(service=service)
            _mark(unit.pk, service.pk, actor, now)
            if outcome == RequestState.EXISTS and serve_unit:
                service.business_units.add(unit)
        missing_service_request_alerts_resolve(request_ids=[request.pk], now=now)
        alignment_snapshot_record(unit=unit, now=now)
    request.refresh_from_db()
    return request


def _free_slug(name: str) -> str:
    base = slugify(name)[:150] or "service"
    slug, n = base, 2
    while Service.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


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
