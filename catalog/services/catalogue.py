"""Writes to the catalogue: services and what they depend on.

A service's `annual_cost` and `cost_drivers` are not set here: they follow its cost drivers,
written by catalog.costs.services.service_cost_set."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify

from catalog.models import AgreementStatus, BusinessUnit, Service, ServiceDependency, UrgencyTarget
from catalog.services.common import check_known_fields, enqueue_open_clocks_recompute

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
    "keywords",
    "support_calendar",
)


def service_create(
    *,
    actor: AbstractBaseUser | None,
    business_units: Iterable[BusinessUnit] = (),
    depends_on: Iterable[Service] = (),
    **fields: Any,
) -> Service:
    check_known_fields(fields, SERVICE_FIELDS)
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
    """Change a service. A new support calendar makes its open tickets' clocks count in it."""
    check_known_fields(fields, SERVICE_FIELDS)
    # From the database: a ModelForm has already set the new value on the instance.
    stored_calendar_id = (
        Service.objects.filter(pk=service.pk).values_list("support_calendar_id", flat=True).first()
        if "support_calendar" in fields
        else None
    )
    for name, value in fields.items():
        setattr(service, name, value)
    service.full_clean()
    calendar_changed = "support_calendar" in fields and service.support_calendar_id != stored_calendar_id
    if calendar_changed and service.support_calendar_id is None:
        _check_support_calendar_not_relied_on(service)
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
        if calendar_changed:
            service_open_clocks_recompute(service=service)
    return service


def service_open_clocks_recompute(*, service: Service) -> None:
    """After the service's support calendar changed (here or in the admin): once the change
    commits, its open tickets' clocks are recomputed in the background."""
    enqueue_open_clocks_recompute(service_ids=[service.pk])


def _check_support_calendar_not_relied_on(service: Service) -> None:
    """A target without a calendar of its own counts in the support calendar: one that is
    agreed or awaiting signature must keep it."""
    relying = (
        UrgencyTarget.objects.filter(
            agreement__service=service,
            agreement__status__in=(AgreementStatus.PROPOSED, AgreementStatus.AGREED),
            calendar__isnull=True,
        )
        .select_related("agreement__business_unit")
        .order_by("agreement__business_unit__name", "priority")
    )
    names = sorted({f"{t.agreement.audience} (version {t.agreement.version})" for t in relying})
    if names:
        raise ValidationError(
            {
                "support_calendar": (
                    f"Targets agreed or proposed with {', '.join(names)} count in the support calendar; "
                    "keep a support calendar, or choose another."
                )
            }
        )


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
