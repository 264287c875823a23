"""Data points of success measures and the verdict for each period."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MeasurementSource(models.TextChoices):
    MANUAL = "manual", "Entered in the portal"
    CSV = "csv", "Uploaded as CSV"
    API = "api", "Pushed through the API"


class Measurement(models.Model):
    """One data point of a service's measure (named by its key, stable across agreement
    versions). `sender_id` makes a repeat of the same point change nothing."""

    # No index of their own: the unique key and the series index both start with the service, and
    # a key's index of LIKE patterns served no query; each index costs a bulk insert its share.
    # No foreign key constraints (db_constraint=False) on the service and the recorder: a deferred
    # constraint checks each row at COMMIT (two checks a point, 10,000 for a batch of 5,000, most of
    # the batch's time); triggers check each statement's rows at once, cascade the deletes and
    # hold the same integrity on PostgreSQL and SQLite (sla/models/measurement_integrity.py,
    # migration 0025). Django's on_delete below still runs first when the ORM deletes.
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.CASCADE,
        related_name="measurements",
        db_index=False,
        db_constraint=False,
    )
    measure_key = models.SlugField(max_length=80, db_index=False)
    value = models.FloatField()
    measured_at = models.DateTimeField()
    sender_id = models.CharField(max_length=200, help_text="The sender's id for this data point.")
    source = models.CharField(max_length=8, choices=MeasurementSource.choices, default=MeasurementSource.API)
    note = models.CharField(max_length=500, blank=True)
    # Indexed: a user's deletion sets it to NULL through it (the trigger, like the ORM).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "measure_key", "sender_id"], name="measurement_sender_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=MeasurementSource.values), name="measurement_source_known"
            ),
        ]
        indexes = [
            models.Index(fields=["service", "measure_key", "measured_at"], name="measurement_series"),
            models.Index(fields=["measure_key"], name="measurement_key"),  # ?measure= across services
        ]

    def __str__(self) -> str:
        return f"{self.service_id}/{self.measure_key} = {self.value} at {self.measured_at:%Y-%m-%d %H:%M}"


REASON_MAX = 500


class MeasurementCorrection(models.Model):
    """A data point corrected (a new value) or removed (`new_value` None), with the reason: the
    history of a point, kept when the point itself is removed. What identified the point (service,
    measure, sender id, time) is copied, so a sender re-sending it is still recognised."""

    measurement = models.ForeignKey(
        Measurement, on_delete=models.SET_NULL, null=True, blank=True, related_name="corrections"
    )
    # Kept as long as the service is, like its points.
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="measurement_corrections")
    measure_key = models.SlugField(max_length=80)
    sender_id = models.CharField(max_length=200)
    measured_at = models.DateTimeField()
    old_value = models.FloatField()
    new_value = models.FloatField(null=True, blank=True, help_text="Empty: the point was removed.")
    reason = models.CharField(max_length=REASON_MAX)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    corrected_at = models.DateTimeField()

    class Meta:
        ordering = ["corrected_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="measurement_correction_has_reason"),
        ]
        indexes = [
            models.Index(fields=["service", "measure_key", "sender_id"], name="measurement_correction_point"),
            models.Index(fields=["service", "-corrected_at"], name="measurement_correction_recent"),
        ]

    def __str__(self) -> str:
        after = "removed" if self.removed else self.new_value
        return f"{self.service_id}/{self.measure_key} {self.sender_id}: {self.old_value} → {after}"

    @property
    def removed(self) -> bool:
        return self.new_value is None


class MeasureStatus(models.TextChoices):
    MET = "met", "Met"
    AT_RISK = "at_risk", "At risk"
    MISSED = "missed", "Missed"
    NO_DATA = "no_data", "Not enough data"


class MeasureEvaluation(models.Model):
    """A measure's value, status and forecast for one period, as last evaluated."""

    # No index of their own: the unique (measure, period_start) and the history index (service,
    # measure_key, period_start) lead with them. An evaluation pass writes 10,000s of rows, and
    # each index more is written for every one of them.
    measure = models.ForeignKey("catalog.Measure", on_delete=models.CASCADE, related_name="evaluations", db_index=False)
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.CASCADE, related_name="measure_evaluations", db_index=False
    )
    measure_key = models.SlugField(max_length=80, db_index=False)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    actual = models.FloatField(null=True, blank=True)
    volume = models.PositiveIntegerField(default=0, help_text="Data points in the period so far.")
    status = models.CharField(max_length=8, choices=MeasureStatus.choices, default=MeasureStatus.NO_DATA)
    reason = models.CharField(max_length=300, blank=True, help_text="Why this status, in words.")
    forecast = models.FloatField(null=True, blank=True)
    forecast_low = models.FloatField(null=True, blank=True)
    forecast_high = models.FloatField(null=True, blank=True)
    budget = models.JSONField(
        default=dict, blank=True, help_text="Percentage measures: allowed misses, used share, burn rate, alerts."
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["service", "measure_key", "-period_start"]
        constraints = [
            # Per definition: two business units' agreements may define the same key differently.
            models.UniqueConstraint(fields=["measure", "period_start"], name="measure_evaluation_one_per_period"),
            models.CheckConstraint(
                condition=models.Q(period_start__lt=models.F("period_end")), name="measure_evaluation_period_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MeasureStatus.values), name="measure_evaluation_status_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "period_end"]),
            models.Index(fields=["service", "measure_key", "period_start"], name="measure_evaluation_history"),
        ]

    def __str__(self) -> str:
        return f"{self.measure_key} {self.period_start:%Y-%m-%d}: {self.status}"
