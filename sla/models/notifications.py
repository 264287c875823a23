"""Telling people about alerts: outbound webhooks configured in the admin, and the delivery log.

Every alert notifies each target (an e-mail address or a webhook endpoint) at most once: one
`NotificationDelivery` row per (alert, channel, target), created before anything is sent and then
claimed, sent and marked by the delivery task (sla.tasks.notifications).
"""

from __future__ import annotations

import secrets

from django.core.validators import URLValidator
from django.db import models

from sla.models.alerts import AlertSeverity


def webhook_secret_new() -> str:
    """A fresh shared secret for a new endpoint (the admin can replace it with the receiver's)."""
    return secrets.token_urlsafe(32)


class WebhookFormat(models.TextChoices):
    GENERIC = "generic", "Generic JSON, signed with HMAC-SHA256"
    SLACK = "slack", "Slack-compatible text"


class WebhookEndpoint(models.Model):
    """An outbound webhook: where alerts are POSTed, in which format, and which alerts."""

    name = models.CharField(max_length=120, unique=True)
    url = models.URLField(
        "URL",
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="http:// or https:// address that receives a POST for each alert.",
    )
    format = models.CharField(max_length=10, choices=WebhookFormat.choices, default=WebhookFormat.GENERIC)
    secret = models.CharField(
        max_length=200,
        blank=True,
        default=webhook_secret_new,
        help_text="Shared secret: generic JSON bodies are signed with it (X-Accord-Signature). "
        "Leave empty to send unsigned. Slack-compatible bodies are never signed.",
    )
    active = models.BooleanField(default=True)
    alert_kinds = models.JSONField(
        default=list,
        blank=True,
        help_text="Only alerts of these kinds; none ticked means every kind.",
    )
    min_severity = models.CharField(
        "minimum severity",
        max_length=10,
        choices=AlertSeverity.choices,
        default=AlertSeverity.INFO,
    )
    services = models.ManyToManyField(
        "catalog.Service",
        blank=True,
        related_name="webhook_endpoints",
        help_text="Only alerts about these services; none chosen means every service.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.name


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, will retry"
    GAVE_UP = "gave_up", "Gave up"


class NotificationDelivery(models.Model):
    """One notification of one alert to one target, and how its sending went: the delivery log.

    `target` is the e-mail address (lower case) or ``webhook:<endpoint id>``; with the alert and
    the channel it is unique, so an alert notifies each target once however often it is processed.
    """

    alert = models.ForeignKey("sla.Alert", on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    target = models.CharField(max_length=320)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_roles = models.CharField(
        max_length=200, blank=True, help_text="Why this person is told, e.g. 'assignee, service owner'."
    )
    recipient_time_zone = models.CharField(max_length=64, blank=True, help_text="Empty: the site's time zone.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the latest attempt started.")
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "notification delivery"
        verbose_name_plural = "notification deliveries"
        constraints = [
            models.UniqueConstraint(fields=["alert", "channel", "target"], name="notification_delivery_once"),
            models.CheckConstraint(
                condition=models.Q(channel__in=DeliveryChannel.values, status__in=DeliveryStatus.values),
                name="notification_delivery_choices_known",
            ),
            # Sent means when: the resend sweep and the delivery log rely on it.
            models.CheckConstraint(
                condition=~models.Q(status=DeliveryStatus.SENT) | models.Q(sent_at__isnull=False),
                name="notification_delivery_sent_has_when",
            ),
        ]
        indexes = [
            # The sweep re-enqueues what is due again; it reads only unfinished rows.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="notification_delivery_due",
                condition=models.Q(status__in=["pending", "sending", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.target} for alert {self.alert_id}: {self.status}"
