"""Success measures: what success means, in the business's own words, defined on an agreement
version. Their data (measurements) and verdicts (evaluations) live in the sla app."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from catalog.models.agreements import Agreement


class SuccessFactor(models.TextChoices):
    ENGAGEMENT = "engagement", "Engagement"
    URGENCY = "urgency", "Urgency"
    OWNERSHIP = "ownership", "Ownership"
    PACE = "pace", "Pace"
    RESULTS = "results", "Results"
    USER_EXPERIENCE = "user_experience", "User experience"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class MeasurePeriod(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class Aggregation(models.TextChoices):
    MEAN = "mean", "Mean"
    MEDIAN = "median", "Median"
    P90 = "p90", "90th percentile"
    SUM = "sum", "Sum"
    COUNT = "count", "Count"
    PERCENT = "percent", "Percentage of events meeting a condition"
    LAST = "last", "Last value"


class Comparison(models.TextChoices):
    LT = "lt", "less than"
    LTE = "lte", "at most"
    GT = "gt", "more than"
    GTE = "gte", "at least"
    EQ = "eq", "equal to"


class MeasureSource(models.TextChoices):
    MANUAL = "manual", "Entered by the owner"
    PUSHED = "pushed", "Pushed by an integration"
    TICKETS = "tickets", "Derived from tickets"
    FEEDBACK = "feedback", "Derived from feedback"


class TicketMetric(models.TextChoices):
    """Measures Accord derives from ticket clocks (sla app)."""

    RESOLVED_IN_TIME = "resolved_in_time", "Share of tickets resolved within target"
    ENGAGE_TIME = "engage_time", "Mean business time to engage (hours)"
    OWNER_WITHIN = "owner_within", "Share of tickets with an owner within a time"
    UPDATES_KEPT = "updates_kept", "Share of update intervals kept"


class FeedbackMetric(models.TextChoices):
    CSAT = "csat", "CSAT (share of 4 and 5 answers)"
    NPS = "nps", "NPS (promoters minus detractors)"
    CES = "ces", "CES (mean effort score, 1-7)"


class Measure(models.Model):
    """One success measure of an agreement version. `key` names the measure across versions,
    so its history of data and verdicts carries over when the agreement is revised."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="measures")
    key = models.SlugField(max_length=80, help_text="Stable name across versions, e.g. 'payslips-on-time'.")
    name = models.CharField(max_length=160, help_text="In the business's words.")
    description = models.TextField(blank=True, help_text="What success means, and why it matters.")
    factor = models.CharField(max_length=20, choices=SuccessFactor.choices)
    unit = models.CharField(max_length=40, blank=True, help_text="%, hours, days, points, …")
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    target = models.DecimalField(max_digits=14, decimal_places=4)
    warning_level = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="At risk once past this level, before the target itself is missed.",
    )
    valid_min = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    valid_max = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    period = models.CharField(max_length=8, choices=MeasurePeriod.choices, default=MeasurePeriod.MONTH)
    aggregation = models.CharField(max_length=8, choices=Aggregation.choices, default=Aggregation.MEAN)
    condition = models.CharField(
        max_length=3, choices=Comparison.choices, blank=True, help_text="Percentage measures: an event meets …"
    )
    condition_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    source = models.CharField(max_length=10, choices=MeasureSource.choices, default=MeasureSource.MANUAL)
    ticket_metric = models.CharField(max_length=20, choices=TicketMetric.choices, blank=True)
    ticket_priority = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Tickets measures: only this priority (empty: all)."
    )
    ticket_within = models.DurationField(
        null=True, blank=True, help_text="'Owner within' measures: the time allowed, e.g. 30 minutes."
    )
    feedback_metric = models.CharField(max_length=10, choices=FeedbackMetric.choices, blank=True)
    min_points = models.PositiveIntegerField(
        default=5, help_text="Below this many data points in a period: 'not enough data', never a verdict."
    )
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "key"], name="measure_key_unique_per_agreement"),
            models.CheckConstraint(
                condition=Q(valid_min__isnull=True)
                | Q(valid_max__isnull=True)
                | Q(valid_min__lt=models.F("valid_max")),
                name="measure_valid_range_ordered",
            ),
            # At risk before missed: the warning level on the safe side of the target
            # (catalog.services.measure_rules says so in words; this is the last line).
            models.CheckConstraint(
                condition=Q(warning_level__isnull=True)
                | Q(direction=Direction.HIGHER, warning_level__gte=models.F("target"))
                | Q(direction=Direction.LOWER, warning_level__lte=models.F("target")),
                name="measure_warning_on_the_safe_side",
            ),
            models.CheckConstraint(
                condition=Q(ticket_priority__isnull=True) | Q(ticket_priority__gte=1, ticket_priority__lte=5),
                name="measure_ticket_priority_1_5",
            ),
            models.CheckConstraint(
                condition=Q(ticket_within__isnull=True) | Q(ticket_within__gt=timedelta(0)),
                name="measure_ticket_within_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    direction__in=Direction.values,
                    period__in=MeasurePeriod.values,
                    aggregation__in=Aggregation.values,
                    source__in=MeasureSource.values,
                ),
                name="measure_choices_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agreement})"

    def clean(self) -> None:
        """The shape of a definition (field combinations); the services check the rest."""
        errors = {}
        counts_events = self.aggregation == Aggregation.PERCENT and self.source in (
            MeasureSource.MANUAL,
            MeasureSource.PUSHED,
        )
        if counts_events and (not self.condition or self.condition_value is None):
            errors["condition"] = "A percentage measure says which events count: a comparison and a value."
        if self.source == MeasureSource.TICKETS and not self.ticket_metric:
            errors["ticket_metric"] = "Choose what to derive from tickets."
        if self.source == MeasureSource.FEEDBACK and not self.feedback_metric:
            errors["feedback_metric"] = "Choose the feedback score."
        if self.ticket_metric == TicketMetric.OWNER_WITHIN and not self.ticket_within:
            errors["ticket_within"] = "Say within how long a ticket must have an owner."
        if errors:
            raise ValidationError(errors)
