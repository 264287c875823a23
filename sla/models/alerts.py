"""Alerts: one inbox for the whole product (SLA clocks now; measures, commitments, agreement
reviews and feedback follow-ups add their kinds)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AlertKind(models.TextChoices):
    CLOCK_WARNING = "clock_warning", "SLA clock at risk"
    CLOCK_BREACH = "clock_breach", "SLA target missed"
    MEASURE_AT_RISK = "measure_at_risk", "Success measure at risk"
    MEASURE_MISSED = "measure_missed", "Success measure missed"
    COMMITMENT_AT_RISK = "commitment_at_risk", "Commitment at risk"
    COMMITMENT_STALE = "commitment_stale", "Commitment check-in overdue"
    COMMITMENT_MISSED = "commitment_missed", "Commitment missed"
    AGREEMENT_REVIEW_DUE = "agreement_review_due", "Agreement review due"
    FOLLOW_UP_OVERDUE = "follow_up_overdue", "Detractor follow-up overdue"
    ALIGNMENT_REQUEST_OVERDUE = "alignment_request_overdue", "Catalogue request unanswered"
    WATERMELON = "watermelon", "Green outside, red inside"


# What a business unit's members see of their units' risks besides their own alerts (the rule
# `sla.view_alert` in catalog/rules.py and sla.alert_selectors.alert_list): a ticket's clocks when the
# ticket is their unit's (the tickets they may open); a service's measures, agreement reviews and
# watermelons (what its scorecard shows them), and its commitments (every signed-in reader sees
# commitments) when their unit uses the service. Never a detractor's follow-up (one person's
# feedback) nor a catalogue request (its alert names no service; the unit's own page shows it).
UNIT_TICKET_ALERT_KINDS = (AlertKind.CLOCK_WARNING, AlertKind.CLOCK_BREACH)
UNIT_SERVICE_ALERT_KINDS = (
    AlertKind.MEASURE_AT_RISK,
    AlertKind.MEASURE_MISSED,
    AlertKind.AGREEMENT_REVIEW_DUE,
    AlertKind.WATERMELON,
)
COMMITMENT_ALERT_KINDS = (AlertKind.COMMITMENT_AT_RISK, AlertKind.COMMITMENT_STALE, AlertKind.COMMITMENT_MISSED)


class AlertSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Alert(models.Model):
    """One thing someone should know about, for the whole product: one inbox.

    `key` makes each alert fire once: e.g. ``clock:42:warn:0.75`` or ``clock:42:breach``.
    `owner` is the person who carries its subject (None when only the service's people do, as
    for measures and agreement reviews), set by whoever raises the alert.
    It is written in the same transaction as the change that caused it; notifications are sent
    after that transaction commits.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.WARNING)
    state = models.CharField(max_length=14, choices=AlertState.choices, default=AlertState.OPEN)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    ticket = models.ForeignKey("sla.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    clock = models.ForeignKey("sla.Clock", on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    due_at = models.DateTimeField(null=True, blank=True, help_text="When the thing at risk falls due.")
    details = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its delivery log was written. Empty past a grace: the message that should have "
        "done it was lost (broker down, worker killed), and the resend sweep does it.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who carries the alert's subject: the ticket's assignee, the commitment's or the "
        "follow-up's owner. They see the alert and may acknowledge it, besides the service's people.",
    )

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=AlertKind.values, severity__in=AlertSeverity.values, state__in=AlertState.values
                ),
                name="alert_choices_known",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "service"]),
            models.Index(fields=["kind", "state"]),
        ]

    def __str__(self) -> str:
        return self.subject
