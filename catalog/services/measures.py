"""Writes of an agreement version's success measures. Only a draft's can change; each call
validates everything first and writes in one transaction.

A measure is given as keyword values (or a mapping of them, for a whole set): `key` (a slug,
stable across versions), `name`, `factor` and `target` are required; the rest take defaults.
For measures derived from tickets or feedback, the aggregation, unit and direction follow
from the metric (leave them out, or give the same); a contradicting value is refused rather
than silently replaced. The rules, field by field, are in catalog.services.measure_rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from catalog.models import Agreement, AgreementStatus, Measure
from catalog.services.common import lock_agreement
from catalog.services.measure_rules import (
    MEASURE_FIELDS,
    MOST_MEASURES,
    check_measure_fields,
    measure_values_clean,
    measures_clean,
)

# --- Writes ----------------------------------------------------------------------------


def measure_set(*, agreement: Agreement, key: str, position: int | None = None, **fields: Any) -> Measure:
    """Create or replace the draft's measure `key`: fields not given take their defaults (a
    PUT, not a PATCH). A new measure goes last unless `position` is given."""
    check_measure_fields(fields)
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        require_draft_measures(agreement)
        values, errors = measure_values_clean({"key": key, **fields})
        if errors:
            raise ValidationError(errors)
        current = agreement.measures.filter(key=values["key"]).first()
        if current is None and agreement.measures.count() >= MOST_MEASURES:
            raise ValidationError({"key": f"An agreement has at most {MOST_MEASURES} measures; remove one first."})
        if position is None:
            if current is not None:
                position = current.position
            else:
                last = agreement.measures.aggregate(last=Max("position"))["last"]
                position = 0 if last is None else last + 1
        return _write(agreement, values, current, position)


def measure_remove(*, agreement: Agreement, key: str) -> None:
    """Remove one measure from a draft."""
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        require_draft_measures(agreement)
        measure = agreement.measures.filter(key=key).first()
        if measure is None:
            raise ValidationError({"key": f"Version {agreement.version} has no measure “{key}”."})
        measure.delete()


def measures_replace(*, agreement: Agreement, measures: Sequence[Mapping[str, Any]]) -> list[Measure]:
    """Make a draft's measures exactly `measures`, in that order: keys not given are removed.
    All or nothing; problems are keyed "measures[<index>].<field>"."""
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        require_draft_measures(agreement)
        cleaned, errors = measures_clean(measures)
        if errors:
            raise ValidationError(errors)
        existing = {measure.key: measure for measure in agreement.measures.all()}
        wanted = {values["key"] for values in cleaned}
        for key, measure in existing.items():
            if key not in wanted:
                measure.delete()  # one by one: delete() is what history records
        return [
            _write(agreement, values, existing.get(values["key"]), position) for position, values in enumerate(cleaned)
        ]


def measures_copy(*, source: Agreement, to: Agreement) -> None:
    """Copy the measures of `source` onto the new version `to` (in the caller's transaction)."""
    for measure in source.measures.all():
        Measure.objects.create(  # one by one, as history records them
            agreement=to,
            key=measure.key,
            position=measure.position,
            **{field: getattr(measure, field) for field in MEASURE_FIELDS},
        )


def require_draft_measures(agreement: Agreement) -> None:
    """Measures are part of what a version promises: they change while it is a draft."""
    if agreement.status == AgreementStatus.DRAFT:
        return
    hint = (
        "Return it to draft to change them."
        if agreement.status == AgreementStatus.PROPOSED
        else "Draft the next version to change them."
    )
    raise ValidationError(
        f"Version {agreement.version} is {agreement.get_status_display().lower()}; its measures are fixed. {hint}"
    )


def _write(agreement: Agreement, values: dict[str, Any], measure: Measure | None, position: int) -> Measure:
    fields = {field: values[field] for field in MEASURE_FIELDS}
    if measure is None:
        return Measure.objects.create(agreement=agreement, key=values["key"], position=position, **fields)
    changed = [field for field, value in fields.items() if getattr(measure, field) != value]
    if measure.position != position:
        changed.append("position")
    for field, value in fields.items():
        setattr(measure, field, value)
    measure.position = position
    if changed:
        measure.save(update_fields=changed)
    return measure
