"""Closing the loop: detractor follow-ups, comment themes, and IT's view of itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from feedback.models.surveys import Response


class FollowUpState(models.TextChoices):
    OPEN = "open", "To contact"
    CONTACTED = "contacted", "Contacted"
    CLOSED = "closed", "Closed"


class FollowUp(models.Model):
    """An unhappy answer, called back by the service owner before `due_at`."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="follow_ups")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=FollowUpState.choices, default=FollowUpState.OPEN)
    contacted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What was agreed with the customer.")
    learned = models.TextField(blank=True, help_text="What IT learned, for the service's improvement.")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["state", "due_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=FollowUpState.values), name="follow_up_state_known"),
            # Contacted or closed: the overdue check stops on it, and the call's time is what proves it.
            models.CheckConstraint(
                condition=models.Q(state=FollowUpState.OPEN) | models.Q(contacted_at__isnull=False),
                name="follow_up_contacted_has_when",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up of {self.response}"


class Theme(models.Model):
    """A theme of the taxonomy (edited in the admin): comments containing one of its phrases
    belong to it."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    phrases = models.TextField(help_text="One phrase per line; a comment containing any of them is in the theme.")
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phrase_list(self) -> list[str]:
        return [line.strip().lower() for line in self.phrases.splitlines() if line.strip()]


class ThemeMatch(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="theme_matches")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="matches")
    phrase = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "theme"], name="theme_match_unique")]

    def __str__(self) -> str:
        return f"{self.theme}: {self.phrase}"


class DiscoveredTopic(models.Model):
    """A recurring term or phrase among comments no theme caught, found by the last discovery run."""

    label = models.CharField(max_length=200, help_text="Its most characteristic terms.")
    terms = models.JSONField(default=list)
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.CASCADE, null=True, blank=True, related_name="discovered_topics"
    )
    responses = models.ManyToManyField(Response, related_name="discovered_topics", blank=True)
    size = models.PositiveIntegerField(default=0)
    average_score = models.FloatField(null=True, blank=True)
    discovered_at = models.DateTimeField()

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return self.label


class SelfAssessment(models.Model):
    """IT's own view of a service for a quarter, on the six success factors (1-5)."""

    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="self_assessments")
    period_start = models.DateField(help_text="First day of the quarter.")
    ratings = models.JSONField(help_text="Success factor -> rating 1-5.")
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["service", "period_start"], name="self_assessment_one_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"IT's view of {self.service}, quarter from {self.period_start}"
