"""Writes to the catalogue: services and the lifecycle of their agreements.

Every function takes keyword-only arguments, validates before it writes, and writes in
one transaction, so bad input leaves nothing half-written. Validation problems raise
Django's ValidationError (field -> messages); missing rights raise PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import rules
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import (
    AGREEMENT_TERMS,
    Agreement,
    AgreementStatus,
    BusinessUnit,
    Service,
    ServiceDependency,
)

SERVICE_FIELDS = (
    "name",
    "slug",
    "category",
    "summary",
    "description",
    "how_to_request",
    "service_owner",
    "business_owner",
    "lifecycle",
    "criticality",
    "annual_cost",
    "cost_drivers",
    "keywords",
)


# --- Services -----------------------------------------------------------------------


def service_create(
    *,
    actor: AbstractBaseUser | None,
    business_units: Iterable[BusinessUnit] = (),
    depends_on: Iterable[Service] = (),
    **fields: Any,
) -> Service:
    _check_known_fields(fields, SERVICE_FIELDS)
    if not fields.get("slug") and fields.get("name"):
        fields["slug"] = slugify(fields["name"])[:160]
    if actor is not None and "service_owner" not in fields:
        fields["service_owner"] = actor
    service = Service(**fields)
    service.full_clean()
    with transaction.atomic():
        _save_service(service)
        service.business_units.set(business_units)
        service_dependencies_set(service=service, depends_on=depends_on)
    return service


def service_update(
    *,
    service: Service,
    business_units: Iterable[BusinessUnit] | None = None,
    depends_on: Iterable[Service] | None = None,
    **fields: Any,
) -> Service:
    _check_known_fields(fields, SERVICE_FIELDS)
    for name, value in fields.items():
        setattr(service, name, value)
    service.full_clean()
    depends_on = None if depends_on is None else list(depends_on)
    with transaction.atomic():
        if depends_on:
            # Graph lock before the row update: a rename locks this row against new
            # references, which someone holding the graph lock may be about to add.
            _lock_dependency_graph()
        if fields:
            _save_service(service, update_fields=[*fields, "updated_at"])
        if business_units is not None:
            service.business_units.set(business_units)
        if depends_on is not None:
            service_dependencies_set(service=service, depends_on=depends_on)
    return service


def _save_service(service: Service, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            service.save(**kwargs)
    except IntegrityError:
        # Someone else took the name or slug between full_clean() and now: give the
        # message full_clean() would give a moment later, not a server error.
        service.validate_unique()
        raise


def service_dependencies_set(*, service: Service, depends_on: Iterable[Service]) -> None:
    """Replace what `service` depends on, refusing self-dependencies and cycles."""
    wanted = {s.pk: s for s in depends_on}
    if service.pk in wanted:
        raise ValidationError({"depends_on": "A service cannot depend on itself."})
    with transaction.atomic():
        if wanted:  # removing edges cannot close a cycle
            _lock_dependency_graph()
        cycle = _dependency_cycle(service, set(wanted))
        if cycle:
            names = " → ".join(Service.objects.in_bulk(cycle)[pk].name for pk in cycle)
            raise ValidationError({"depends_on": f"This would create a dependency cycle: {names}."})
        current = set(service.dependency_links.values_list("depends_on_id", flat=True))
        service.dependency_links.filter(depends_on_id__in=current - set(wanted)).delete()
        # One by one, not bulk_create: save() is what records the change in history.
        for pk in sorted(set(wanted) - current):
            ServiceDependency.objects.create(service=service, depends_on_id=pk)


def _lock_dependency_graph() -> None:
    """One writer of the dependency graph at a time, until the transaction ends.

    A cycle can close through two edges added at once by different people (A→B and
    B→A), each check passing before the other commits; row locks cannot prevent that,
    since the rows involved are not known in advance. SHARE ROW EXCLUSIVE conflicts
    with itself and with other writers but lets readers through. SQLite needs nothing:
    it has one writer at a time anyway (and Accord opens its transactions IMMEDIATE).
    """
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ServiceDependency._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def _dependency_cycle(service: Service, targets: set[int]) -> list[int] | None:
    """The path back to `service` if it were to depend on `targets`, else None."""
    if service.pk is None or not targets:
        return None
    edges: dict[int, list[int]] = {}
    for src, dst in ServiceDependency.objects.exclude(service=service).values_list("service_id", "depends_on_id"):
        edges.setdefault(src, []).append(dst)
    edges[service.pk] = sorted(targets)
    # Depth-first search from service; a path that returns to it is the cycle.
    stack: list[tuple[int, list[int]]] = [(service.pk, [service.pk])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        for nxt in edges.get(node, ()):
            if nxt == service.pk:
                return [*path, nxt]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


# --- Agreements ---------------------------------------------------------------------


def agreement_draft_create(
    *,
    service: Service,
    business_unit: BusinessUnit | None,
    actor: AbstractBaseUser,
    **terms: Any,
) -> Agreement:
    """Start the next version for (service, business unit). Terms not given are
    copied from the version in force, so a revision starts from what was agreed."""
    _check_known_fields(terms, AGREEMENT_TERMS)
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
        _clean_terms(agreement)
        agreement.save()
    return agreement


def agreement_update(*, agreement: Agreement, **terms: Any) -> Agreement:
    _check_known_fields(terms, AGREEMENT_TERMS)
    with transaction.atomic():
        agreement = _lock(agreement)
        if agreement.status != AgreementStatus.DRAFT:
            raise ValidationError(
                f"Version {agreement.version} is {agreement.get_status_display().lower()} and cannot be "
                "edited; only a draft can. Draft the next version to change agreed terms."
            )
        for name, value in terms.items():
            setattr(agreement, name, value)
        _clean_terms(agreement)
        agreement.save(update_fields=[*terms, "updated_at"])
    return agreement


def agreement_propose(*, agreement: Agreement, actor: AbstractBaseUser) -> Agreement:
    """Draft -> proposed: the terms are ready for both sides to sign."""
    with transaction.atomic():
        agreement = _lock(agreement)
        _require_status(agreement, AgreementStatus.DRAFT, "proposed")
        errors = {}
        if not agreement.scope.strip():
            errors["scope"] = "Say what the agreement covers before proposing it."
        if agreement.effective_from is None:
            errors["effective_from"] = "Set the date the agreement takes effect."
        if agreement.review_by is None:
            errors["review_by"] = "Set the date by which the agreement is reviewed."
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
        agreement = _lock(agreement)
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
    makes it agreed and supersedes the version in force, in the same transaction."""
    with transaction.atomic():
        # The service row is the mutex for one (service, unit)'s versions: two
        # sign-offs at once are serialised, so the second sees the first's work.
        Service.objects.select_for_update().filter(pk=agreement.service_id).first()
        agreement = _lock(agreement)
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
        try:
            with transaction.atomic():
                agreement.save(update_fields=fields)
        except IntegrityError as exc:  # the constraint is the last line of defence
            raise ValidationError("Another version of this agreement came into force at the same time.") from exc
    return agreement


def agreement_withdraw(*, agreement: Agreement, actor: AbstractBaseUser, reason: str = "") -> Agreement:
    """Withdraw a draft or proposed version, or end the one in force (a reason is then
    required, since the business loses its agreed terms)."""
    with transaction.atomic():
        agreement = _lock(agreement)
        if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.PROPOSED, AgreementStatus.AGREED):
            raise ValidationError(
                f"Version {agreement.version} is {agreement.get_status_display().lower()}; it cannot be withdrawn."
            )
        if agreement.status == AgreementStatus.AGREED and not reason.strip():
            raise ValidationError({"reason": "Say why an agreement in force is withdrawn."})
        agreement.status = AgreementStatus.WITHDRAWN
        agreement.withdrawn_at = timezone.now()
        agreement.withdrawn_by = actor
        agreement.withdrawal_reason = reason.strip()
        agreement.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
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


def _lock(agreement: Agreement) -> Agreement:
    # of=("self",): lock only the agreement row. Without it PostgreSQL refuses the query
    # (FOR UPDATE cannot apply to the nullable side of the business-unit outer join),
    # and it would also lock the service and unit rows, serialising unrelated work.
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("service", "business_unit")
        .get(pk=agreement.pk)
    )


def _clean_terms(agreement: Agreement) -> None:
    """Field checks, plus the date order the database would otherwise refuse with an
    IntegrityError. The uniqueness constraints are the callers' business (they lock)."""
    errors: dict[str, list[str]] = {}
    try:
        agreement.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
    start, review = agreement.effective_from, agreement.review_by
    if start is not None and review is not None and review <= start and "review_by" not in errors:
        errors["review_by"] = [
            f"The review date must be after the date the agreement takes effect ({start.isoformat()})."
        ]
    if errors:
        raise ValidationError(errors)


def _require_status(agreement: Agreement, status: str, verb: str) -> None:
    if agreement.status != status:
        raise ValidationError(
            f"Version {agreement.version} is {agreement.get_status_display().lower()}; "
            f"only a {AgreementStatus(status).label.lower()} version can be {verb}."
        )


def _check_known_fields(given: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(unknown)}")
