"""Reads of the corrections of data points (sla.models.MeasurementCorrection), scoped to who asks
the way the points themselves are (catalog/rules.py 'sla.view_measurements'). A removed point's
history has no point to scope by, so corrections are scoped by their service. And the final
verdict that settles a point's period, after which the point is not changed."""

from __future__ import annotations

from django.db.models import F, QuerySet

from sla.models import MeasureEvaluation, Measurement, MeasurementCorrection
from sla.selectors import measurement_readers_scope


def correction_list(*, user) -> QuerySet[MeasurementCorrection]:
    """Corrections and removals the user may read, newest first: admins and integrations every
    service's; owners (IT or business) their services'; members of a business unit those of the
    services that serve it (as sla.selectors.measurement_list)."""
    base = MeasurementCorrection.objects.select_related("service", "corrected_by").order_by("-corrected_at", "-pk")
    return measurement_readers_scope(base, user=user)


def final_verdict_of(measurement: Measurement) -> MeasureEvaluation | None:
    """The final verdict of the period the point falls in, if it is written: an evaluation of its
    service and measure key whose period holds the point's time and that was computed at or after
    the period's end (as sla.services.evaluation marks a final verdict). With the measure."""
    return (
        MeasureEvaluation.objects.filter(
            service_id=measurement.service_id,
            measure_key=measurement.measure_key,
            period_start__lte=measurement.measured_at,
            period_end__gt=measurement.measured_at,
            computed_at__gte=F("period_end"),
        )
        .select_related("measure")
        .order_by("period_start", "pk")
        .first()
    )
