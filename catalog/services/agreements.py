"""Writes of the agreements' lifecycle: draft, edit, propose, sign, withdraw.

A new draft starts from the version in force (terms, priority matrix, urgency targets and
success measures); when a version comes into force or ends, the open tickets' clocks follow
in the background.
"""

from __future__ import annotations

from typing import Any

import rules
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from catalog.dates import YEARS_AHEAD, YEARS_BACK, years_from
from catalog.models import AGREEMENT_TERMS, Agreement, AgreementStatus, BusinessUnit, Service
from catalog.services.common import check_known_fields, enqueue_open_clocks_recompute, lock_agreement
from catalog.services.measures import measures_copy
from catalog.services.targets import (
    agreement_priority_matrix_set,
    priority_matrix_problems,
    urgency_targets_copy,
    urgency_targets_problems_to_propose,
)


def agreement_draft_create(
    *,
    service: Service,
    business_unit: BusinessUnit | None,
    actor: AbstractBaseUser,
    priority_matrix: list[list[int]] | None = None,
    **terms: Any,
) -> Agreement:
    """Start the next version for (service, business unit). Terms not given, the priority
    matrix (unless given), the urgency targets and the success measures are copied from the
    version in force, so a revision starts from what was agreed."""
    check_known_fields(terms, AGREEMENT_TERMS)
    with transaction.atomic():
        # Lock the service row: versions of its agreements are numbered one at a time.
        Service.objects.select_for_update().filter(pk=service.pk).first()
        versions = Agreement.objects.filter(service=service, business_unit=business_unit)
        if versions.filter(status__in=(AgreementStatus.DRAFT, AgreementStatus.PROPOSED)).exists():
            raise ValidationError(
                "This agreement already has a version in draft or proposed; edit or withdraw it first."
            )
        in_force = versions.filter(status=AgreementStatus.AGREED).first()
        base = {name: getattr(in_force, name) for name in AGREEMENT_TERMS} if in_force else {}
        agreement = Agreement(
            service=service,
            business_unit=business_unit,
            version=(versions.aggregate(v=Max("version"))["v"] or 0) + 1,
            created_by=actor,
            **{**base, **terms},
        )
        if priority_matrix is not None:
            agreement.priority_matrix = priority_matrix
        elif in_force is not None:
            agreement.priority_matrix = [list(row) for row in in_force.priority_matrix]
        _clean_terms(agreement, extra_errors=priority_matrix_problems(agreement.priority_matrix))
        agreement.save()
        if in_force is not None:
            urgency_targets_copy(source=in_force, to=agreement)
            measures_copy(source=in_force, to=agreement)
    return agreement


def agreement_update(
    *, agreement: Agreement, priority_matrix: list[list[int]] | None = None, **terms: Any
) -> Agreement:
    """Change a draft's terms and, when given, its priority matrix, together or not at all."""
    check_known_fields(terms, AGREEMENT_TERMS)
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        if agreement.status != AgreementStatus.DRAFT:
            raise ValidationError(
                f"Version {agreement.version} is {agreement.get_status_display().lower()} and cannot be "
                "edited; only a draft can. Draft the next version to change agreed terms."
            )
        for name, value in terms.items():
            setattr(agreement, name, value)
        matrix_errors = priority_matrix_problems(priority_matrix) if priority_matrix is not None else {}
        _clean_terms(agreement, extra_errors=matrix_errors)
        agreement.save(update_fields=[*terms, "updated_at"])
        if priority_matrix is not None:
            agreement = agreement_priority_matrix_set(agreement=agreement, matrix=priority_matrix)
    return agreement


def agreement_propose(*, agreement: Agreement, actor: AbstractBaseUser) -> Agreement:
    """Draft -> proposed: the terms are ready for both sides to sign."""
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        _require_status(agreement, AgreementStatus.DRAFT, "proposed")
        errors = {}
        if not agreement.scope.strip():
            errors["scope"] = "Say what the agreement covers before proposing it."
        if agreement.effective_from is None:
            errors["effective_from"] = "Set the date the agreement takes effect."
        if agreement.review_by is None:
            errors["review_by"] = "Set the date by which the agreement is reviewed."
        target_problems = urgency_targets_problems_to_propose(agreement)
        if target_problems:
            errors["urgency_targets"] = target_problems
        if errors:
            raise ValidationError(errors)
        agreement.status = AgreementStatus.PROPOSED
        agreement.proposed_at = timezone.now()
        agreement.proposed_by = actor
        agreement.save(update_fields=["status", "proposed_at", "proposed_by", "updated_at"])
    return agreement


def agreement_return_to_draft(*, agreement: Agreement) -> Agreement:
    """Proposed -> draft, to change terms; any signature given is cleared."""
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        _require_status(agreement, AgreementStatus.PROPOSED, "returned to draft")
        agreement.status = AgreementStatus.DRAFT
        agreement.proposed_at = agreement.proposed_by = None
        agreement.it_signed_by = agreement.it_signed_at = None
        agreement.business_signed_by = agreement.business_signed_at = None
        agreement.save(
            update_fields=[
                "status",
                "proposed_at",
                "proposed_by",
                "it_signed_by",
                "it_signed_at",
                "business_signed_by",
                "business_signed_at",
                "updated_at",
            ]
        )
    return agreement


def agreement_sign(*, agreement: Agreement, actor: AbstractBaseUser) -> Agreement:
    """Sign a proposed version for the side `actor` speaks for. The second signature
    makes it agreed and supersedes the version in force, in the same transaction; once
    that commits, the service's open tickets count against the new targets."""
    with transaction.atomic():
        # The service row is the mutex for one (service, unit)'s versions: two
        # sign-offs at once are serialised, so the second sees the first's work.
        Service.objects.select_for_update().filter(pk=agreement.service_id).first()
        agreement = lock_agreement(agreement)
        _require_status(agreement, AgreementStatus.PROPOSED, "signed")
        side = _signing_side(agreement, actor)
        now = timezone.now()
        setattr(agreement, f"{side}_signed_by", actor)
        setattr(agreement, f"{side}_signed_at", now)
        fields = [f"{side}_signed_by", f"{side}_signed_at", "updated_at"]
        if agreement.it_signed_by_id and agreement.business_signed_by_id:
            _supersede_in_force(agreement, now)
            agreement.status = AgreementStatus.AGREED
            agreement.agreed_at = now
            fields += ["status", "agreed_at"]
            enqueue_open_clocks_recompute(service_ids=[agreement.service_id])
        try:
            with transaction.atomic():
                agreement.save(update_fields=fields)
        except IntegrityError as exc:  # the constraint is the last line of defence
            raise ValidationError("Another version of this agreement came into force at the same time.") from exc
    return agreement


def agreement_withdraw(*, agreement: Agreement, actor: AbstractBaseUser, reason: str = "") -> Agreement:
    """Withdraw a draft or proposed version, or end the one in force (a reason is then
    required, since the business loses its agreed terms, and its open tickets' clocks
    stop counting against them)."""
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.PROPOSED, AgreementStatus.AGREED):
            raise ValidationError(
                f"Version {agreement.version} is {agreement.get_status_display().lower()}; it cannot be withdrawn."
            )
        was_in_force = agreement.status == AgreementStatus.AGREED
        if was_in_force and not reason.strip():
            raise ValidationError({"reason": "Say why an agreement in force is withdrawn."})
        agreement.status = AgreementStatus.WITHDRAWN
        agreement.withdrawn_at = timezone.now()
        agreement.withdrawn_by = actor
        agreement.withdrawal_reason = reason.strip()
        agreement.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
        if was_in_force:
            enqueue_open_clocks_recompute(service_ids=[agreement.service_id])
    return agreement


def agreement_signing_side(*, agreement: Agreement, actor: AbstractBaseUser) -> str | None:
    """'it' or 'business': the side `actor` may still sign now, or None."""
    try:
        return _signing_side(agreement, actor)
    except (PermissionDenied, ValidationError):
        return None


def _signing_side(agreement: Agreement, actor: AbstractBaseUser) -> str:
    may_it = rules.has_perm("catalog.sign_agreement_for_it", actor, agreement)
    may_business = rules.has_perm("catalog.sign_agreement_for_business", actor, agreement)
    if not (may_it or may_business):
        business = (
            f"a representative of {agreement.audience}"
            if agreement.business_unit_id
            else "the service's business owner (for all business units)"
        )
        raise PermissionDenied(f"Only the service owner (IT) or {business} may sign this agreement.")
    if may_it and not agreement.it_signed_by_id:
        if agreement.business_signed_by_id == actor.pk:
            raise PermissionDenied("You signed for the business side; someone else must sign for IT.")
        return "it"
    if may_business and not agreement.business_signed_by_id:
        if agreement.it_signed_by_id == actor.pk:
            raise PermissionDenied("You signed for IT; someone else must sign for the business side.")
        return "business"
    if actor.pk in (agreement.it_signed_by_id, agreement.business_signed_by_id):
        raise ValidationError("You have already signed this version; it awaits the other side.")
    side, signer = ("IT", agreement.it_signed_by) if may_it else (agreement.audience, agreement.business_signed_by)
    name = signer.get_full_name() or signer.get_username()
    raise ValidationError(f"{name} has already signed for {side}; this version awaits the other side.")


def _supersede_in_force(agreement: Agreement, now) -> None:
    previous = (
        # Ordered by pk: the default ordering joins the (nullable) business unit, which
        # PostgreSQL refuses to lock.
        Agreement.objects.select_for_update(of=("self",))
        .order_by("pk")
        .filter(
            service_id=agreement.service_id,
            business_unit_id=agreement.business_unit_id,
            status=AgreementStatus.AGREED,
        )
        .exclude(pk=agreement.pk)
        .first()
    )
    if previous is not None:
        previous.status = AgreementStatus.SUPERSEDED
        previous.superseded_at = now
        previous.superseded_by = agreement
        previous.save(update_fields=["status", "superseded_at", "superseded_by", "updated_at"])


def _clean_terms(agreement: Agreement, extra_errors: dict[str, list[str]] | None = None) -> None:
    """Field checks, plus the date order the database would otherwise refuse with an
    IntegrityError. The uniqueness constraints are the callers' business (they lock)."""
    errors: dict[str, list[str]] = {}
    try:
        agreement.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
    errors.update(extra_errors or {})
    start, review = agreement.effective_from, agreement.review_by
    if start is not None and review is not None and review <= start and "review_by" not in errors:
        errors["review_by"] = [
            f"The review date must be after the date the agreement takes effect ({start.isoformat()})."
        ]
    for field, message in _dates_out_of_reach(start, review, timezone.localdate()).items():
        errors.setdefault(field, [message])
    if errors:
        raise ValidationError(errors)


def _dates_out_of_reach(start, review, today) -> dict[str, str]:
    """An agreement takes effect within ten years of today, and is reviewed within ten years of
    taking effect (of today, while it has no date): further off, nobody can be held to it."""
    errors = {}
    earliest, latest = years_from(today, -YEARS_BACK), years_from(today, YEARS_AHEAD)
    if start is not None and not earliest <= start <= latest:
        errors["effective_from"] = (
            f"An agreement takes effect within {YEARS_BACK} years of today: "
            f"between {earliest:%d %b %Y} and {latest:%d %b %Y}."
        )
    last_review = years_from(start if start is not None and "effective_from" not in errors else today, YEARS_AHEAD)
    if review is not None and not earliest <= review <= last_review:
        errors["review_by"] = (
            f"Review the agreement within {YEARS_AHEAD} years: between {earliest:%d %b %Y} and {last_review:%d %b %Y}."
        )
    return errors


def _require_status(agreement: Agreement, status: str, verb: str) -> None:
    if agreement.status != status:
        raise ValidationError(
            f"Version {agreement.version} is {agreement.get_status_display().lower()}; "
            f"only a {AgreementStatus(status).label.lower()} version can be {verb}."
        )
