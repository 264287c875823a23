"""Notifications for alerts: who is told (recipients), what they are told (rendering), and how
(transport), with the delivery log written and worked through by `delivery`.

The entry point is the Celery task sla.tasks.notifications.alert_notify(alert_id), enqueued
after the transaction that wrote the alert commits. docs/notifications.md describes it for users.
"""

from sla.notifications.delivery import (
    MAX_ATTEMPTS,
    DeliveryOutcome,
    WebhookTestResult,
    alerts_unnotified,
    notification_deliver,
    notification_deliveries_create,
    notification_deliveries_overdue,
    notification_deliveries_retry,
    retry_delay_seconds,
    webhook_endpoint_test,
)
from sla.notifications.recipients import Recipient, alert_recipients, alert_webhook_endpoints, recipient_roles
from sla.notifications.rendering import (
    alert_email_render,
    alert_slack_payload,
    alert_webhook_payload,
    webhook_request,
    webhook_signature,
)
from sla.notifications.transport import DeliveryError, webhook_post

__all__ = [
    "MAX_ATTEMPTS",
    "DeliveryError",
    "DeliveryOutcome",
    "Recipient",
    "WebhookTestResult",
    "alert_email_render",
    "alert_recipients",
    "alert_slack_payload",
    "alert_webhook_endpoints",
    "alert_webhook_payload",
    "alerts_unnotified",
    "notification_deliver",
    "notification_deliveries_create",
    "notification_deliveries_overdue",
    "notification_deliveries_retry",
    "recipient_roles",
    "retry_delay_seconds",
    "webhook_endpoint_test",
    "webhook_post",
    "webhook_request",
    "webhook_signature",
]
