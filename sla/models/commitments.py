"""Committed results (the Results factor): what IT promised to deliver, by when, and how it is
going, told early and honestly."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class CommitmentOutcome(models.TextChoices):
    OPEN = "open", "Open"
    DELIVERED = "delivered", "Delivered"
    MISSED = "missed", "Missed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Commitment(models.Model):
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="commitments")
    business_unit = models.ForeignKey(
        "catalog.BusinessUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        help_text="Who it was promised to; empty: every unit the service serves.",
    )
    title = models.CharField(max_length=200)
    definition_of_done = models.TextField(help_text="What done means, so both sides agree when it is.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commitments")
    committed_on = models.DateField()
    due_on = models.DateField()
    check_in_every = models.DurationField(default=timedelta(days=7), help_text="How often the owner reports progress.")
    grace = models.DurationField(
        default=timedelta(days=2), help_text="How late a check-in may be before the commitment is stale."
    )
    outcome = models.CharField(max_length=10, choices=CommitmentOutcome.choices, default=CommitmentOutcome.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    closing_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=F("committed_on")), name="commitment_due_after_committed"),
            models.CheckConstraint(condition=Q(check_in_every__gt=timedelta(0)), name="commitment_cadence_positive"),
            models.CheckConstraint(condition=Q(grace__gte=timedelta(0)), name="commitment_grace_not_negative"),
            models.CheckConstraint(condition=Q(outcome__in=CommitmentOutcome.values), name="commitment_outcome_known"),
        ]
        indexes = [models.Index(fields=["outcome", "due_on"])]

    def __str__(self) -> str:
        return self.title


class CheckIn(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="check_ins")
    at = models.DateTimeField()
    percent_done = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(100)])
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["commitment", "at"]
        constraints = [
            models.CheckConstraint(condition=Q(percent_done__lte=100), name="check_in_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment}: {self.percent_done}% on {self.at:%Y-%m-%d}"


class Renegotiation(models.Model):
    """A new date, agreed with the business and told with its reason. History is kept."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="renegotiations")
    at = models.DateTimeField()
    old_due_on = models.DateField()
    new_due_on = models.DateField()
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["commitment", "at"]

    def __str__(self) -> str:
        return f"{self.commitment}: {self.old_due_on} → {self.new_due_on}"
