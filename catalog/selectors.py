"""Reads of the catalogue, scoped to the user who asks (the rules of catalog/rules.py,
expressed as querysets)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.text import capfirst

from catalog import rules as access
from catalog.durations import duration_human
from catalog.measure_text import MEASURE_FIELD_LABELS, measure_field_text, measure_summary
from catalog.models import (
    AGREEMENT_TERMS,
    OPEN_STATUSES,
    SIGNED_STATUSES,
    Agreement,
    AgreementStatus,
    BusinessUnit,
    Category,
    Measure,
    Membership,
    Priority,
    Service,
    UrgencyTarget,
)

User = AbstractBaseUser | AnonymousUser


def service_list(*, user: User) -> QuerySet[Service]:
    """Services the user may see, with what a list shows loaded in a fixed number of queries."""
    if not access.can_read_catalogue(user) and not access.is_admin(user):
        return Service.objects.none()
    return Service.objects.select_related(
        "category", "service_owner", "business_owner", "support_calendar"
    ).prefetch_related(Prefetch("business_units", queryset=BusinessUnit.objects.only("id", "name", "slug")))


def service_search(queryset: QuerySet[Service], text: str) -> QuerySet[Service]:
    """Every word must appear in the name, summary, description, keywords or category."""
    for word in text.split()[:10]:
        queryset = queryset.filter(
            Q(name__icontains=word)
            | Q(summary__icontains=word)
            | Q(keywords__icontains=word)
            | Q(description__icontains=word)
            | Q(category__name__icontains=word)
        )
    return queryset


def service_detail(*, user: User, slug: str) -> Service:
    """The service page's data; raises Service.DoesNotExist when absent or hidden."""
    return (
        service_list(user=user)
        .prefetch_related(
            Prefetch("depends_on", queryset=Service.objects.only("id", "name", "slug", "lifecycle")),
            Prefetch("dependents", queryset=Service.objects.only("id", "name", "slug", "lifecycle")),
        )
        .get(slug=slug)
    )


def category_list(*, user: User) -> QuerySet[Category]:
    if not access.can_read_catalogue(user) and not access.is_admin(user):
        return Category.objects.none()
    return Category.objects.all()


def business_unit_list(*, user: User) -> QuerySet[BusinessUnit]:
    if not access.can_read_catalogue(user) and not access.is_admin(user):
        return BusinessUnit.objects.none()
    return BusinessUnit.objects.all()


def agreement_list(*, user: User) -> QuerySet[Agreement]:
    """Agreements the user may see: signed versions for every catalogue reader; open
    versions for the service owner; proposed ones also for whoever signs for the business."""
    base = Agreement.objects.select_related(
        "service",
        "service__support_calendar",
        "service__service_owner",
        "service__business_owner",
        "business_unit",
        "it_signed_by",
        "business_signed_by",
        "proposed_by",
        "created_by",
    )
    if access.is_admin(user):
        return base
    visible = Q(pk__in=[])
    if access.can_read_catalogue(user):
        visible |= Q(status__in=SIGNED_STATUSES)
    if user.is_authenticated:
        representative = Exists(
            Membership.objects.filter(user=user, business_unit=OuterRef("business_unit"), is_representative=True)
        )
        visible |= Q(service__service_owner=user)
        visible |= Q(status=AgreementStatus.PROPOSED) & (
            Q(representative) | Q(business_unit__isnull=True, service__business_owner=user)
        )
    return base.filter(visible)


def agreements_in_force(*, user: User, service: Service) -> list[Agreement]:
    return list(agreement_list(user=user).filter(service=service, status=AgreementStatus.AGREED))


def agreements_open(*, user: User, service: Service) -> list[Agreement]:
    return list(agreement_list(user=user).filter(service=service, status__in=OPEN_STATUSES))


def agreements_awaiting_signature(*, user: User) -> QuerySet[Agreement]:
    """Proposed versions the user could sign now (either side) and has not."""
    if not user.is_authenticated:
        return Agreement.objects.none()
    representative = Exists(
        Membership.objects.filter(user=user, business_unit=OuterRef("business_unit"), is_representative=True)
    )
    return (
        agreement_list(user=user)
        .filter(status=AgreementStatus.PROPOSED)
        .filter(
            Q(service__service_owner=user, it_signed_by__isnull=True)
            | Q(representative, business_signed_by__isnull=True)
            | Q(business_unit__isnull=True, service__business_owner=user, business_signed_by__isnull=True)
        )
        .exclude(Q(it_signed_by=user) | Q(business_signed_by=user))
    )


def agreement_previous_version(*, agreement: Agreement, user: User | None = None) -> Agreement | None:
    """The version before `agreement` for the same service and audience. Pass `user` to
    skip versions they may not see: a withdrawn draft must not leak through a diff."""
    versions = agreement_list(user=user) if user is not None else Agreement.objects.all()
    return (
        versions.filter(
            service_id=agreement.service_id,
            business_unit_id=agreement.business_unit_id,
            version__lt=agreement.version,
        )
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class FieldChange:
    """One value that differs, shown as people read it (e.g. "1h" → "30 min")."""

    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class TermChange:
    """A difference between two versions: a term (kind "term", with a line diff), the
    priority matrix (kind "priority_matrix", `fields` one per cell), the urgency target
    of one priority (kind "urgency_target": `change` says added, removed or changed, and
    `fields` lists the values that differ), or one success measure by its key (kind
    "measure", likewise)."""

    field: str
    label: str
    old: str
    new: str
    diff: list[str]  # unified diff lines, without the file headers
    kind: str = "term"
    priority: int | None = None
    change: str = "changed"
    fields: list[FieldChange] = dataclass_field(default_factory=list)


TARGET_FIELD_LABELS = {
    "engage_within": "Engage within",
    "update_every": "Update every",
    "resolve_within": "Resolve within",
    "calendar": "Calendar",
    "objective_percent": "Objective",
    "warning_shares": "Warnings at",
}
IMPACT_LABELS = ("high", "medium", "low")


def agreement_diff(*, old: Agreement, new: Agreement) -> list[TermChange]:
    """What differs between two versions: the terms, each with a line diff, then the
    priority matrix, then the urgency targets by priority, then the success measures by key
    (in the newer version's order, removed ones last)."""
    changes = []
    for name in AGREEMENT_TERMS:
        before, after = _term_text(getattr(old, name)), _term_text(getattr(new, name))
        if before == after:
            continue
        # capfirst, not str.capitalize(): that would turn "IT responsibilities" into "It ...".
        label = str(capfirst(Agreement._meta.get_field(name).verbose_name))
        changes.append(TermChange(field=name, label=label, old=before, new=after, diff=_line_diff(before, after)))
    matrix = _matrix_change(old.priority_matrix, new.priority_matrix)
    if matrix is not None:
        changes.append(matrix)
    changes += _target_changes(_targets_by_priority(old), _targets_by_priority(new))
    changes += _measure_changes(_measures_by_key(old), _measures_by_key(new))
    return changes


def target_field_text(target: UrgencyTarget, name: str) -> str:
    """A target's value as the pages and the diff show it."""
    value = getattr(target, name)
    if name in ("engage_within", "update_every", "resolve_within"):
        return duration_human(value) if value is not None else "none"
    if name == "calendar":
        return value.name if value is not None else "the service's support calendar"
    if name == "objective_percent":
        return f"{Decimal(value).normalize():f}%"
    if name == "warning_shares":
        return ", ".join(f"{share}%" for share in value) or "none"
    return str(value)


def matrix_text(matrix) -> str:
    """The matrix as lines of text: "Impact high: P1 P2 P3" (urgency high, medium, low)."""
    return "\n".join(
        f"Impact {IMPACT_LABELS[index]}: {' '.join(f'P{cell}' for cell in row)}" for index, row in enumerate(matrix)
    )


def _line_diff(before: str, after: str) -> list[str]:
    return list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2))[2:]


def _matrix_change(old, new) -> TermChange | None:
    if old == new:
        return None
    cells = [
        FieldChange(
            field=f"impact_{impact + 1}_urgency_{urgency + 1}",
            label=f"Impact {IMPACT_LABELS[impact]}, urgency {IMPACT_LABELS[urgency]}",
            old=f"P{old[impact][urgency]}",
            new=f"P{new[impact][urgency]}",
        )
        for impact in range(3)
        for urgency in range(3)
        if old[impact][urgency] != new[impact][urgency]
    ]
    before, after = matrix_text(old), matrix_text(new)
    return TermChange(
        field="priority_matrix",
        label="Priority matrix",
        old=before,
        new=after,
        diff=_line_diff(before, after),
        kind="priority_matrix",
        fields=cells,
    )


def _item_change(before, after, labels: dict[str, str], text) -> tuple[str, list[FieldChange], list[str]] | None:
    """How one item of a set (a priority's target, a measure) differs between two versions:
    "added", "removed" or "changed"; its fields (when changed, only those that differ), each
    value as `text(item, field)` shows it; and the diff lines. None when nothing differs."""
    fields = [
        FieldChange(
            field=name,
            label=label,
            old=text(before, name) if before else "",
            new=text(after, name) if after else "",
        )
        for name, label in labels.items()
    ]
    if before and after:
        fields = [f for f in fields if f.old != f.new]
        if not fields:
            return None
    change = "changed" if before and after else "added" if after else "removed"
    diff = [f"-{f.label}: {f.old}" for f in fields if f.old] + [f"+{f.label}: {f.new}" for f in fields if f.new]
    return change, fields, diff


def _targets_by_priority(agreement: Agreement) -> dict[int, UrgencyTarget]:
    if agreement.pk is None:
        return {}
    prefetched = "urgency_targets" in getattr(agreement, "_prefetched_objects_cache", {})
    targets = agreement.urgency_targets.all() if prefetched else agreement.urgency_targets.select_related("calendar")
    return {target.priority: target for target in targets}


def _target_changes(old: dict[int, UrgencyTarget], new: dict[int, UrgencyTarget]) -> list[TermChange]:
    changes = []
    for priority in sorted(set(old) | set(new)):
        before, after = old.get(priority), new.get(priority)
        differs = _item_change(before, after, TARGET_FIELD_LABELS, target_field_text)
        if differs is None:
            continue
        change, fields, diff = differs
        changes.append(
            TermChange(
                field=f"urgency_targets.P{priority}",
                label=f"{Priority(priority).label} target",
                old=_target_summary(before),
                new=_target_summary(after),
                diff=diff,
                kind="urgency_target",
                priority=priority,
                change=change,
                fields=fields,
            )
        )
    return changes


def _target_summary(target: UrgencyTarget | None) -> str:
    if target is None:
        return ""
    return "; ".join(f"{label}: {target_field_text(target, name)}" for name, label in TARGET_FIELD_LABELS.items())


def _measures_by_key(agreement: Agreement) -> dict[str, Measure]:
    if agreement.pk is None:
        return {}
    prefetched = "measures" in getattr(agreement, "_prefetched_objects_cache", {})
    measures = agreement.measures.all() if prefetched else agreement.measures.order_by("position", "name")
    return {measure.key: measure for measure in measures}


def _measure_changes(old: dict[str, Measure], new: dict[str, Measure]) -> list[TermChange]:
    changes = []
    for key in [*new, *(key for key in old if key not in new)]:
        before, after = old.get(key), new.get(key)
        differs = _item_change(before, after, MEASURE_FIELD_LABELS, measure_field_text)
        if differs is None:
            continue
        change, fields, diff = differs
        changes.append(
            TermChange(
                field=f"measures.{key}",
                label=f"Measure “{(after or before).name}”",
                old=measure_summary(before) if before else "",
                new=measure_summary(after) if after else "",
                diff=diff,
                kind="measure",
                change=change,
                fields=fields,
            )
        )
    return changes


def _term_text(value) -> str:
    """A term as comparable text. Line endings and trailing spaces are not changes:
    browsers send textareas with CRLF, and a copied term must not show as changed."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "\n".join(line.rstrip() for line in str(value).splitlines()).strip("\n")
