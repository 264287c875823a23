"""Agreements: versions of a service's terms with a business unit (or all), signed by both
sides, and the urgency targets each version promises."""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from catalog.models.catalogue import BusinessUnit, Service
from catalog.priorities import validate_priority_matrix


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed"
    SUPERSEDED = "superseded", "Superseded"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.PROPOSED)
SIGNED_STATUSES = (AgreementStatus.AGREED, AgreementStatus.SUPERSEDED)
# The agreement's terms: what a diff compares, what is frozen once agreed.
AGREEMENT_TERMS = (
    "scope",
    "exclusions",
    "it_responsibilities",
    "business_responsibilities",
    "effective_from",
    "review_by",
)


def itil_priority_matrix() -> list[list[int]]:
    """ITIL's default: high impact and high urgency is P1, low and low is P5."""
    return [[1, 2, 3], [2, 3, 4], [3, 4, 5]]


# NULL business unit means "all business units"; unique constraints treat NULLs as
# distinct, so they compare a coalesced key instead.
_UNIT_KEY = Coalesce("business_unit", Value(0))


class Agreement(models.Model):
    """One version of a service's terms with one business unit (or all of them)."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="agreements")
    business_unit = models.ForeignKey(
        BusinessUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        help_text="Empty: the agreement covers all business units.",
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)

    scope = models.TextField(blank=True, help_text="What the service covers under this agreement.")
    exclusions = models.TextField(blank=True, help_text="What it does not cover.")
    it_responsibilities = models.TextField("IT responsibilities", blank=True)
    business_responsibilities = models.TextField(blank=True)
    effective_from = models.DateField(null=True, blank=True)
    review_by = models.DateField(null=True, blank=True)
    priority_matrix = models.JSONField(
        default=itil_priority_matrix,
        validators=[validate_priority_matrix],
        help_text="Priority (1-5) by impact (rows, 1 high to 3 low) and urgency (columns, 1 high to 3 low).",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    it_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    it_signed_at = models.DateTimeField(null=True, blank=True)
    business_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    business_signed_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    withdrawal_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["service__name", "business_unit__name", "-version"]
        constraints = [
            models.UniqueConstraint(F("service"), _UNIT_KEY, F("version"), name="agreement_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="agreement_version_from_1"),
            models.CheckConstraint(condition=Q(status__in=AgreementStatus.values), name="agreement_status_known"),
            models.UniqueConstraint(
                F("service"),
                _UNIT_KEY,
                condition=Q(status=AgreementStatus.AGREED),
                name="agreement_one_in_force",
                violation_error_message="Another version of this agreement is already in force.",
            ),
            models.UniqueConstraint(
                F("service"),
                _UNIT_KEY,
                condition=Q(status__in=OPEN_STATUSES),
                name="agreement_one_open_version",
                violation_error_message="This agreement already has a version in draft or proposed.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=SIGNED_STATUSES)
                | Q(it_signed_by__isnull=False, business_signed_by__isnull=False, agreed_at__isnull=False),
                name="agreement_signed_by_both_sides",
            ),
            models.CheckConstraint(
                condition=Q(it_signed_by__isnull=True)
                | Q(business_signed_by__isnull=True)
                | ~Q(it_signed_by=F("business_signed_by")),
                name="agreement_signed_by_two_people",
                violation_error_message="One person cannot sign for both sides.",
            ),
            models.CheckConstraint(
                condition=~Q(status=AgreementStatus.SUPERSEDED)
                | Q(superseded_at__isnull=False, superseded_by__isnull=False),
                name="agreement_superseded_records_by_what",
            ),
            models.CheckConstraint(
                condition=~Q(status=AgreementStatus.WITHDRAWN) | Q(withdrawn_at__isnull=False),
                name="agreement_withdrawn_records_when",
            ),
            models.CheckConstraint(
                condition=Q(review_by__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(review_by__gt=F("effective_from")),
                name="agreement_review_after_effective",
            ),
        ]
        indexes = [models.Index(fields=["status", "review_by"])]

    def __str__(self) -> str:
        return f"{self.service} – {self.audience} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("portal:agreement", kwargs={"pk": self.pk})

    @property
    def audience(self) -> str:
        return self.business_unit.name if self.business_unit_id else "all business units"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Priority(models.IntegerChoices):
    P1 = 1, "P1 – critical"
    P2 = 2, "P2 – high"
    P3 = 3, "P3 – moderate"
    P4 = 4, "P4 – low"
    P5 = 5, "P5 – planning"


def default_warning_shares() -> list[int]:
    return [50, 75]


class UrgencyTarget(models.Model):
    """What an agreement version promises for one priority: how fast IT engages, how often it
    updates the customer while the ticket is open, how fast it resolves, counted in business
    time on a calendar, and the share of tickets that must meet it each calendar month."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="urgency_targets")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    engage_within = models.DurationField(help_text="First response or assignment to an owner (Engagement).")
    update_every = models.DurationField(
        null=True, blank=True, help_text="Update the customer at least this often while open (Pace). Empty: none."
    )
    resolve_within = models.DurationField(help_text="Time to resolve.")
    calendar = models.ForeignKey(
        "sla.Calendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the service's support calendar. E.g. 24x7 for P1.",
    )
    objective_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=95,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Share of tickets within target per calendar month.",
    )
    warning_shares = models.JSONField(
        default=default_warning_shares, help_text="Warn when these percentages of the allowed time are used."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "priority"], name="urgency_target_one_per_priority"),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=5), name="urgency_target_priority_1_5"),
            # A target of no time at all cannot be met: the services refuse it, and so does the database.
            models.CheckConstraint(
                condition=Q(engage_within__gt=timedelta(0), resolve_within__gt=timedelta(0)),
                name="urgency_target_times_positive",
            ),
            models.CheckConstraint(
                condition=Q(update_every__isnull=True) | Q(update_every__gt=timedelta(0)),
                name="urgency_target_update_every_positive",
            ),
            models.CheckConstraint(
                condition=Q(objective_percent__gte=0, objective_percent__lte=100),
                name="urgency_target_objective_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} P{self.priority}"
