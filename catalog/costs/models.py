"""A service's cost of provision: its drivers (what the money is spent on) and the rule that
shares the total out to the business units the service serves."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

MAX_AMOUNT = Decimal("9999999999.99")  # fits max_digits=12, decimal_places=2


class AllocationRule(models.TextChoices):
    EQUAL = "equal", "Equal shares"
    HEADCOUNT = "headcount", "By headcount"
    TICKETS = "tickets", "By ticket volume (last 12 months)"


class ServiceCost(models.Model):
    """One per service: how its cost is shared. The annual cost is the sum of its drivers."""

    service = models.OneToOneField("catalog.Service", on_delete=models.CASCADE, related_name="cost")
    allocation_rule = models.CharField(max_length=12, choices=AllocationRule.choices, default=AllocationRule.EQUAL)
    note = models.TextField(blank=True, help_text="Where the figures come from, for the people who read them.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "catalog"
        verbose_name = "service cost"
        constraints = [
            models.CheckConstraint(
                condition=Q(allocation_rule__in=AllocationRule.values), name="service_cost_rule_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Cost of {self.service}"


class CostDriver(models.Model):
    """One line of a service's annual cost: what, how much a year, and its unit of measure
    (e.g. 310 user licences, 12 TB of storage, 2.5 FTE)."""

    service_cost = models.ForeignKey(ServiceCost, on_delete=models.CASCADE, related_name="drivers")
    name = models.CharField(max_length=160)
    amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)],
        help_text="Annual amount.",
    )
    quantity = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)],
        help_text="How many units of measure (optional).",
    )
    unit_of_measure = models.CharField(max_length=60, blank=True, help_text="e.g. user licences, TB, FTE.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        app_label = "catalog"
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="cost_driver_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0), name="cost_driver_quantity_not_negative"
            ),
            models.UniqueConstraint(fields=["service_cost", "name"], name="cost_driver_name_unique_per_service"),
        ]

    def __str__(self) -> str:
        return self.name
