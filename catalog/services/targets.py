"""Writes of what an agreement version promises per priority: urgency targets and the
priority matrix. Only a draft's can change; each call validates everything first and
writes in one transaction.

A target is given as keyword values (or a mapping of them, for a whole set):
priority 1-5, engage_within, resolve_within and optionally update_every (timedeltas,
business time), calendar (a Calendar, or None for the service's support calendar),
objective_percent (0-100) and warning_shares (strictly increasing whole percentages 1-99).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.durations import duration_human
from catalog.models import Agreement, Priority, UrgencyTarget
from catalog.priorities import validate_priority_matrix
from catalog.services.common import lock_agreement, require_draft_targets

TARGET_FIELDS = (
    "engage_within",
    "update_every",
    "resolve_within",
    "calendar",
    "objective_percent",
    "warning_shares",
)
TARGET_INPUT_FIELDS = ("priority", *TARGET_FIELDS)
DEFAULT_OBJECTIVE_PERCENT = Decimal(95)
DEFAULT_WARNING_SHARES = (50, 75)
# Longer targets are a typing mistake, and would make every clock computation walk a year.
LONGEST_TARGET = timedelta(days=365)
DURATION_LABELS = {
    "engage_within": "The time to engage",
    "update_every": "The update interval",
    "resolve_within": "The time to resolve",
}


def urgency_target_set(
    *,
    agreement: Agreement,
    priority: int,
    engage_within: timedelta,
    resolve_within: timedelta,
    update_every: timedelta | None = None,
    calendar=None,
    objective_percent: Decimal | int | float | str = DEFAULT_OBJECTIVE_PERCENT,
    warning_shares: Sequence[int] = DEFAULT_WARNING_SHARES,
) -> UrgencyTarget:
    """Create or replace the target of one priority on a draft."""
    given = {
        "priority": priority,
        "engage_within": engage_within,
        "resolve_within": resolve_within,
        "update_every": update_every,
        "calendar": calendar,
        "objective_percent": objective_percent,
        "warning_shares": warning_shares,
    }
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        require_draft_targets(agreement)
        values, errors = target_values_clean(given)
        _check_calendars_exist([values], errors, key=lambda index, field: field)
        if errors:
            raise ValidationError(errors)
        return _write(agreement, values, agreement.urgency_targets.filter(priority=values["priority"]).first())


def urgency_target_remove(*, agreement: Agreement, priority: int) -> None:
    """Remove a draft's target for one priority (tickets at that priority get no clocks)."""
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        require_draft_targets(agreement)
        target = agreement.urgency_targets.filter(priority=priority).first()
        if target is None:
            raise ValidationError({"priority": f"Version {agreement.version} has no target for P{priority}."})
        target.delete()


def urgency_targets_replace(*, agreement: Agreement, targets: Sequence[Mapping[str, Any]]) -> list[UrgencyTarget]:
    """Make a draft's targets exactly `targets` (one mapping per priority): priorities not
    given are removed. All or nothing; problems are keyed "targets[<index>].<field>"."""
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        require_draft_targets(agreement)
        cleaned, errors = urgency_targets_clean(targets)
        if errors:
            raise ValidationError(errors)
        existing = {target.priority: target for target in agreement.urgency_targets.all()}
        wanted = {values["priority"] for values in cleaned}
        for priority, target in existing.items():
            if priority not in wanted:
                target.delete()  # one by one: delete() is what history records
        return [_write(agreement, values, existing.get(values["priority"])) for values in cleaned]


def urgency_targets_clean(targets: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """A whole set checked without writing: the normalised values and the problems, keyed
    "targets[<index>].<field>" (forms use it to put each problem beside its field)."""
    cleaned, errors = [], {}
    seen: dict[int, int] = {}
    for index, given in enumerate(targets):
        unknown = sorted(set(given) - set(TARGET_INPUT_FIELDS))
        if unknown:
            raise TypeError(f"Unknown fields: {', '.join(unknown)}")
        values, problems = target_values_clean(given)
        priority = values.get("priority")
        if priority in seen:
            problems["priority"] = [f"P{priority} is given twice (also at position {seen[priority] + 1})."]
        elif priority is not None:
            seen[priority] = index
        errors.update({f"targets[{index}].{field}": messages for field, messages in problems.items()})
        cleaned.append(values)
    _check_calendars_exist(cleaned, errors, key=lambda index, field: f"targets[{index}].{field}")
    return cleaned, errors


def agreement_service_levels_set(
    *, agreement: Agreement, priority_matrix: Sequence[Sequence[int]], targets: Sequence[Mapping[str, Any]]
) -> Agreement:
    """A draft's priority matrix and its whole set of targets, together or not at all
    (the portal's form edits both). Every problem is reported at once."""
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        require_draft_targets(agreement)
        _, errors = urgency_targets_clean(targets)
        errors.update(priority_matrix_problems(priority_matrix))
        if errors:
            raise ValidationError(errors)
        agreement = agreement_priority_matrix_set(agreement=agreement, matrix=priority_matrix)
        urgency_targets_replace(agreement=agreement, targets=targets)
    return agreement


def agreement_priority_matrix_set(*, agreement: Agreement, matrix: Sequence[Sequence[int]]) -> Agreement:
    """Set a draft's priority matrix: three rows (impact high, medium, low) of three
    priorities (urgency high, medium, low)."""
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        require_draft_targets(agreement)
        errors = priority_matrix_problems(matrix)
        if errors:
            raise ValidationError(errors)
        agreement.priority_matrix = [list(row) for row in matrix]
        agreement.save(update_fields=["priority_matrix", "updated_at"])
    return agreement


def priority_matrix_problems(matrix: object) -> dict[str, list[str]]:
    try:
        validate_priority_matrix(matrix)
    except ValidationError as error:
        return {"priority_matrix": error.messages}
    return {}


def urgency_targets_copy(*, source: Agreement, to: Agreement) -> None:
    """Copy the targets of `source` onto the new version `to` (in the caller's transaction)."""
    for target in source.urgency_targets.all():
        UrgencyTarget.objects.create(
            agreement=to,
            priority=target.priority,
            **{field: getattr(target, field) for field in TARGET_FIELDS},
        )


def urgency_targets_problems_to_propose(agreement: Agreement) -> list[str]:
    """Why the version's targets could not be kept as they stand: each needs a calendar to
    count in, its own or the service's support calendar."""
    if agreement.service.support_calendar_id is not None:
        return []
    missing = sorted(agreement.urgency_targets.filter(calendar__isnull=True).values_list("priority", flat=True))
    return [
        f"P{priority} has no calendar to count in: choose one for the target, or give the service a support calendar."
        for priority in missing
    ]


# --- Validation ------------------------------------------------------------------------


def target_values_clean(given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The values of one target, normalised, and the problems found (field -> messages).
    Fields not given take their defaults; the calendar's existence is checked by callers."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    priority = given.get("priority")
    if isinstance(priority, bool) or not isinstance(priority, int) or priority not in Priority.values:
        errors["priority"] = [f"Give a priority from 1 (P1) to 5 (P5), not {priority!r}."]
    else:
        values["priority"] = priority
    prefix = f"P{priority}: " if "priority" in values else ""

    for field, label in DURATION_LABELS.items():
        value = given.get(field)
        if value is None:
            if field != "update_every":
                errors[field] = [f"{prefix}{label} is required."]
            values[field] = None
        elif not isinstance(value, timedelta):
            errors[field] = [f"{prefix}{label} must be a duration."]
        elif value <= timedelta(0):
            errors[field] = [f"{prefix}{label} must be more than zero."]
        elif value > LONGEST_TARGET:
            errors[field] = [f"{prefix}{label} must be at most 365 days, not {duration_human(value)}."]
        elif value.microseconds:
            errors[field] = [f"{prefix}{label} must be in whole seconds."]
        else:
            values[field] = value
    engage, resolve = values.get("engage_within"), values.get("resolve_within")
    if engage and resolve and engage > resolve:
        errors["engage_within"] = [
            f"{prefix}The time to engage ({duration_human(engage)}) cannot be longer than "
            f"the time to resolve ({duration_human(resolve)})."
        ]

    from sla.models import Calendar  # the sla app builds on the catalogue, not the reverse

    values["calendar"] = given.get("calendar")
    if values["calendar"] is not None and not isinstance(values["calendar"], Calendar):
        errors["calendar"] = [f"{prefix}Choose a calendar, or none for the service's support calendar."]

    objective = given.get("objective_percent", DEFAULT_OBJECTIVE_PERCENT)
    try:
        if isinstance(objective, bool):
            raise InvalidOperation
        objective = Decimal(str(objective))
        if not objective.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        errors["objective_percent"] = [f"{prefix}The objective must be a percentage, e.g. 95."]
    else:
        if not 0 <= objective <= 100:
            errors["objective_percent"] = [f"{prefix}The objective must be between 0 and 100%, not {objective}."]
        elif objective != objective.quantize(Decimal("0.01")):
            errors["objective_percent"] = [f"{prefix}Give the objective with at most two decimals."]
        else:
            values["objective_percent"] = objective

    shares = given.get("warning_shares", DEFAULT_WARNING_SHARES)
    problem = _warning_shares_problem(shares)
    if problem:
        errors["warning_shares"] = [f"{prefix}{problem}"]
    else:
        values["warning_shares"] = list(shares)
    return values, errors


def _warning_shares_problem(shares: object) -> str:
    if not isinstance(shares, list | tuple) or not shares:
        return "Give the warnings as percentages of the allowed time, e.g. 50, 75."
    if any(isinstance(s, bool) or not isinstance(s, int) for s in shares):
        return "Warnings must be whole percentages, e.g. 50, 75."
    if any(not 1 <= s <= 99 for s in shares):
        return "Warnings must be between 1% and 99% of the allowed time (the breach is 100%)."
    if any(later <= earlier for earlier, later in pairwise(shares)):
        return "List the warnings in increasing order, each once, e.g. 50, 75."
    return ""


def _check_calendars_exist(cleaned: list[dict[str, Any]], errors: dict[str, list[str]], *, key) -> None:
    from sla.models import Calendar  # the sla app builds on the catalogue, not the reverse

    given = {values["calendar"].pk for values in cleaned if values.get("calendar") is not None}
    known = set(Calendar.objects.filter(pk__in=given).values_list("pk", flat=True)) if given else set()
    for index, values in enumerate(cleaned):
        calendar = values.get("calendar")
        if calendar is not None and calendar.pk not in known:
            errors.setdefault(key(index, "calendar"), []).append(f"The calendar “{calendar}” no longer exists.")


def _write(agreement: Agreement, values: dict[str, Any], target: UrgencyTarget | None) -> UrgencyTarget:
    fields = {field: values[field] for field in TARGET_FIELDS}
    if target is None:
        return UrgencyTarget.objects.create(agreement=agreement, priority=values["priority"], **fields)
    for field, value in fields.items():
        setattr(target, field, value)
    target.save(update_fields=list(TARGET_FIELDS))
    return target
