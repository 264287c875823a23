"""Correcting a data point of a success measure: a new value, or its removal, with the reason.

The owner who typed a wrong value, a tool that sent one, or an admin fixes it here (the same
right as recording: 'sla.record_measurements' on the service). Every correction is a
MeasurementCorrection row, kept when the point is removed, so the history of a number the
business reads can always be told. Rules:

- the new value is checked like a point sent anew: a finite number, inside the valid range of
  every definition of the measure that takes data (sla.services.measurements' checks);
- a reason is required (at most 500 characters); the same value is "nothing to correct";
- a point in a period whose final verdict is written (an evaluation computed at or after the
  period's end, as sla.services.evaluation marks it) is not changed: the verdict stands;
- all-or-nothing, with the point's row locked, so two corrections at once are taken one after
  the other (the second sees the first's value);
- once committed, the measures in force for the key are evaluated again (Celery), so the
  scorecard shows the correction without waiting for the 15-minute pass.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Service
from sla.correction_selectors import final_verdict_of
from sla.models import MeasureEvaluation, Measurement, MeasurementCorrection
from sla.models.measurements import REASON_MAX
from sla.periods import period_label
from sla.selectors import measures_accepting_data, measures_in_force, service_time_zone
from sla.services.measurements import (
    SENT_SOURCES,
    MeasurementInput,
    _check_measure,
    _check_shape,
    _Problems,
    number_text,
)


def measurement_correct(
    *,
    measurement: Measurement,
    value: float,
    reason: str,
    actor: AbstractBaseUser,
    now: datetime | None = None,
) -> MeasurementCorrection:
    """Give the point a new value; the old one and the reason are kept. `measurement` shows the
    new value afterwards."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(measurement, actor)
        errors = _value_problems(locked, value)
        errors.update(_reason_problems(reason))
        if not errors and float(value) == locked.value:
            errors["value"] = [f"The point's value is already {number_text(value)}: nothing to correct."]
        if errors:
            raise ValidationError(errors)
        _refuse_if_settled(locked)
        correction = _history(locked, new_value=float(value), reason=reason, actor=actor, now=now)
        locked.value = float(value)
        locked.save(update_fields=["value"])
        _evaluate_again(locked)
    measurement.value = locked.value
    return correction


def measurement_remove(
    *,
    measurement: Measurement,
    reason: str,
    actor: AbstractBaseUser,
    now: datetime | None = None,
) -> MeasurementCorrection:
    """Remove the point; its history (this removal included) is kept. Its sender id stays spent:
    sending the point again changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(measurement, actor)
        errors = _reason_problems(reason)
        if errors:
            raise ValidationError(errors)
        _refuse_if_settled(locked)
        correction = _history(locked, new_value=None, reason=reason, actor=actor, now=now)
        _evaluate_again(locked)
        locked.delete()
    return correction


# --- helpers --------------------------------------------------------------------------------


def _locked(measurement: Measurement, actor) -> Measurement:
    """The point's row, locked for this transaction, once the actor may record for its service."""
    locked = (
        Measurement.objects.select_for_update(of=("self",))
        .select_related("service__support_calendar")
        .filter(pk=measurement.pk)
        .first()
    )
    if locked is None:
        raise ValidationError("This data point was removed meanwhile; nothing was changed.")
    require_may_correct(actor=actor, service=locked.service)
    return locked


def require_may_correct(*, actor, service: Service) -> None:
    """PermissionDenied unless `actor` may correct the points of `service`: whoever may record
    them ('sla.record_measurements': admins, integrations, the service's owner)."""
    if actor is None or not actor.has_perm("sla.record_measurements", service):
        raise PermissionDenied(f"You may not correct measurements of {service.name}.")


def _value_problems(locked: Measurement, value) -> dict[str, list[str]]:
    """The checks a point sent anew goes through: a finite number, within the valid range of
    every definition of its measure that takes data."""
    item = MeasurementInput(
        service=locked.service.slug,
        measure=locked.measure_key,
        value=value,
        measured_at=locked.measured_at,
        sender_id=locked.sender_id,
    )
    problems = _Problems(many=False)
    _check_shape(0, item, problems)
    if 0 not in problems:
        definitions = measures_accepting_data(service_ids=[locked.service_id])
        _check_measure(0, item, locked.service, definitions.get((locked.service_id, locked.measure_key), []), problems)
    # A measure no version defines (or that is derived) is about the point, not the value typed.
    return {
        (name if name == "value" else NON_FIELD_ERRORS): [message]
        for name, message in problems.by_row.get(0, {}).items()
    }


def _reason_problems(reason: str) -> dict[str, list[str]]:
    reason = (reason or "").strip()
    if not reason:
        return {"reason": ["Say why: the reason is kept with the point's history."]}
    if len(reason) > REASON_MAX:
        return {"reason": [f"Keep the reason within {REASON_MAX} characters (it has {len(reason):,})."]}
    return {}


def _refuse_if_settled(locked: Measurement) -> None:
    """A point in a period whose final verdict is written is not changed."""
    final = final_verdict_of(locked)
    if final is not None:
        raise ValidationError(settled_message(final, locked.service))


def settled_message(final: MeasureEvaluation, service: Service) -> str:
    label = period_label(final.measure.period, final.period_start, service_time_zone(service))
    return (
        f"{label} already has its final verdict for “{final.measure.name}”: "
        f"{final.get_status_display().lower()}. A point of a settled period cannot be corrected or removed."
    )


def _history(locked: Measurement, *, new_value: float | None, reason: str, actor, now: datetime):
    return MeasurementCorrection.objects.create(
        measurement=locked,
        service=locked.service,
        measure_key=locked.measure_key,
        sender_id=locked.sender_id,
        measured_at=locked.measured_at,
        old_value=locked.value,
        new_value=new_value,
        reason=reason.strip(),
        corrected_by=actor if actor.is_authenticated else None,
        corrected_at=now,
    )


def _evaluate_again(locked: Measurement) -> None:
    """Once this transaction commits: evaluate the measures in force that the point feeds."""
    from sla.tasks.measures import evaluate_measures  # the tasks import these services

    ids = sorted(
        measures_in_force()
        .filter(agreement__service_id=locked.service_id, key=locked.measure_key, source__in=SENT_SOURCES)
        .values_list("pk", flat=True)
    )
    if ids:
        evaluate_measures.delay_on_commit(measure_ids=ids)
