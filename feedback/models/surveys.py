"""Surveys: per-service settings, invitations with single-use links, and responses."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

COMMENT_MAX_LENGTH = 2000


class SurveyKind(models.TextChoices):
    CSAT = "csat", "CSAT: satisfaction, 1-5"
    NPS = "nps", "NPS: likely to recommend, 0-10"
    CES = "ces", "CES: easy to handle, 1-7"


class SurveySettings(models.Model):
    """How a service asks for feedback. Questions may be worded for the service."""

    service = models.OneToOneField("catalog.Service", on_delete=models.CASCADE, related_name="survey_settings")
    event_surveys = models.BooleanField(default=True, help_text="Ask after each resolved ticket.")
    event_kinds = models.JSONField(default=list, help_text="Which scores an event survey asks: csat, nps, ces.")
    event_delay = models.DurationField(default=timedelta(hours=24), help_text="Wait this long after the resolution.")
    fatigue_days = models.PositiveSmallIntegerField(
        default=30, help_text="Ask the same person at most once in this many days (all services together)."
    )
    relationship_surveys = models.BooleanField(
        default=True, help_text="Each quarter, members of the units it serves rate it on the six success factors."
    )
    ask_comment = models.BooleanField(default=True, help_text="Offer a comment box with each survey.")
    csat_question = models.CharField(max_length=300, blank=True)
    nps_question = models.CharField(max_length=300, blank=True)
    ces_question = models.CharField(max_length=300, blank=True)
    invitation_valid_for = models.DurationField(default=timedelta(days=14))
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "survey settings"
        constraints = [
            # The bounds feedback.services.surveys states (EVENT_DELAY_DAYS, INVITATION_VALID_DAYS,
            # FATIGUE_DAYS), so no writer can store settings that schedule nonsense.
            models.CheckConstraint(
                condition=Q(
                    event_delay__gte=timedelta(0),
                    event_delay__lte=timedelta(days=7),
                    invitation_valid_for__gte=timedelta(days=1),
                    invitation_valid_for__lte=timedelta(days=90),
                    fatigue_days__lte=365,
                ),
                name="survey_settings_within_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"Surveys of {self.service}"


class InvitationKind(models.TextChoices):
    EVENT = "event", "After a ticket"
    RELATIONSHIP = "relationship", "Quarterly relationship survey"


class InvitationStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    RESPONDED = "responded", "Responded"
    EXPIRED = "expired", "Expired"
    FAILED = "failed", "Could not be sent"


class Invitation(models.Model):
    """One person asked once. The link carries a signed token naming this row and its nonce;
    `responded_at` makes it single-use."""

    kind = models.CharField(max_length=12, choices=InvitationKind.choices)
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="survey_invitations")
    ticket = models.ForeignKey(
        "sla.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="survey_invitations"
    )
    business_unit = models.ForeignKey(
        "catalog.BusinessUnit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField(null=True, blank=True, help_text="Relationship surveys: the quarter.")
    kinds = models.JSONField(default=list, help_text="Scores asked: csat, nps, ces; factors for relationship surveys.")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    nonce = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.SCHEDULED)
    send_after = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InvitationKind.values, status__in=InvitationStatus.values),
                name="invitation_choices_known",
            ),
            # A relationship survey names its quarter: a NULL would slip past the one-per-quarter
            # constraint below.
            models.CheckConstraint(
                condition=~Q(kind="relationship") | Q(period_start__isnull=False),
                name="invitation_relationship_has_its_quarter",
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(kind="event"), name="invitation_one_event_survey_per_ticket"
            ),
            models.UniqueConstraint(
                fields=["service", "email", "period_start"],
                condition=Q(kind="relationship"),
                name="invitation_one_relationship_survey_per_quarter",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "send_after"]),
            models.Index(fields=["email", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.email} about {self.service}"


class LostTime(models.TextChoices):
    """How much work time the ticket cost the person, as the event survey asks it (optional).
    The hours each answer counts for: feedback.experience.lost_time.LOST_HOURS."""

    NONE = "none", "None"
    UNDER_HOUR = "under_1h", "Less than an hour"
    HOURS = "1_4h", "1 to 4 hours"
    DAY = "day", "About a day"
    MORE = "more", "More than a day"


class ResponseSource(models.TextChoices):
    WEB = "web", "Answered on Accord's page"
    API = "api", "Collected by another tool"


class Response(models.Model):
    """One person's answers. Scores outside their scale are refused (and the database says so)."""

    invitation = models.OneToOneField(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="response"
    )
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="feedback_responses")
    ticket = models.ForeignKey(
        "sla.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback_responses"
    )
    business_unit = models.ForeignKey(
        "catalog.BusinessUnit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=InvitationKind.choices, default=InvitationKind.EVENT)
    source = models.CharField(max_length=4, choices=ResponseSource.choices, default=ResponseSource.WEB)
    external_id = models.CharField(max_length=200, blank=True, help_text="The other tool's id (idempotency).")
    respondent_email = models.EmailField(blank=True)
    csat = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    nps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    ces = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    factor_ratings = models.JSONField(
        default=dict, blank=True, help_text="Relationship surveys: success factor -> rating 1-5."
    )
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    lost_time = models.CharField(
        max_length=8,
        choices=LostTime.choices,
        blank=True,
        default="",
        help_text="Event surveys, optional: the work time the ticket cost the person ('' when not answered).",
    )
    submitted_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5), name="response_csat_1_5"
            ),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__gte=0, nps__lte=10), name="response_nps_0_10"
            ),
            models.CheckConstraint(condition=Q(ces__isnull=True) | Q(ces__gte=1, ces__lte=7), name="response_ces_1_7"),
            models.CheckConstraint(
                condition=Q(lost_time__in=["", *LostTime.values]), name="response_lost_time_choices"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=InvitationKind.values, source__in=ResponseSource.values),
                name="response_choices_known",
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~Q(external_id=""), name="response_external_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["service", "submitted_at"]),
            models.Index(fields=["respondent_email", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"Response about {self.service} on {self.submitted_at:%Y-%m-%d}"

    @property
    def is_detractor(self) -> bool:
        """NPS 0-6, CSAT 1-2, CES 1-3: someone to call back."""
        return (
            (self.nps is not None and self.nps <= 6)
            or (self.csat is not None and self.csat <= 2)
            or (self.ces is not None and self.ces <= 3)
        )
