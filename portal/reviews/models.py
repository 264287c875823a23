"""A review (one per subject and period) and the actions agreed at it.

The document itself is not stored: it is read from the live data each time (selectors.py), so a
correction to a ticket or a measurement shows in every review that covers it. What is stored is
what only the meeting produces: the actions, who carries them and by when.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReviewPeriod(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class Review(models.Model):
    """The review of one service, or of one business unit across its services, for one period
    (its first local day: the 1st of a month or of a quarter's first month)."""

    service = models.ForeignKey(
        "catalog.Service", on_delete=models.CASCADE, null=True, blank=True, related_name="reviews"
    )
    business_unit = models.ForeignKey(
        "catalog.BusinessUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="reviews"
    )
    period = models.CharField(max_length=8, choices=ReviewPeriod.choices)
    period_start = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When every address of both sides was e-mailed its link (ReviewEmail)."
    )

    class Meta:
        app_label = "portal"
        ordering = ["-period_start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False, business_unit__isnull=True)
                | Q(service__isnull=True, business_unit__isnull=False),
                name="review_one_subject",
            ),
            models.CheckConstraint(condition=Q(period__in=ReviewPeriod.values), name="review_period_known"),
            models.UniqueConstraint(
                fields=["service", "period", "period_start"],
                condition=Q(service__isnull=False),
                name="review_once_per_service_period",
            ),
            models.UniqueConstraint(
                fields=["business_unit", "period", "period_start"],
                condition=Q(business_unit__isnull=False),
                name="review_once_per_unit_period",
            ),
        ]

    def __str__(self) -> str:
        subject = self.service or self.business_unit
        return f"Review of {subject}, {self.period} of {self.period_start:%Y-%m-%d}"


class ReviewAction(models.Model):
    """Something agreed at a review: what, who carries it, by when; done or dropped later."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "portal"
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ActionStatus.values), name="review_action_status_known"),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True) | (~Q(status="open") & Q(closed_on__isnull=False)),
                name="review_action_closed_when_not_open",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ReviewEmail(models.Model):
    """One address told a review is ready: claimed (the row exists) before the e-mail is sent,
    marked sent after. A run, a retry or another worker that finds the row sends nothing to that
    address; a send that fails releases its claim (the row goes) so the retry sends it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField()
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "portal"
        ordering = ["review", "email"]
        constraints = [models.UniqueConstraint(fields=["review", "email"], name="review_email_once")]

    def __str__(self) -> str:
        return f"{self.review}: {self.email}"
