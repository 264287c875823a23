"""Celery tasks that tell people about alerts. Thin: the work is in sla.notifications.

Enqueue with `alert_notify.delay_on_commit(alert.id)` from the transaction that writes the
alert, so nothing is sent for an alert that was rolled back and the writer never waits.
"""

from __future__ import annotations

from celery import shared_task

from sla.notifications import (
    MAX_ATTEMPTS,
    alerts_unnotified,
    notification_deliver,
    notification_deliveries_create,
    notification_deliveries_overdue,
)

# One attempt waits at most 10 s for a webhook; the limits only stop a wedged mail server.
DELIVERY_SOFT_TIME_LIMIT = 60
DELIVERY_TIME_LIMIT = 90


@shared_task(acks_late=True, ignore_result=True)
def alert_notify(alert_id: int) -> int:
    """Write the alert's delivery log rows (once) and enqueue each pending delivery."""
    delivery_ids = notification_deliveries_create(alert_id=alert_id)
    for delivery_id in delivery_ids:
        deliver_notification.delay(delivery_id)
    return len(delivery_ids)


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=DELIVERY_SOFT_TIME_LIMIT,
    time_limit=DELIVERY_TIME_LIMIT,
    # The delivery row counts attempts and decides when to give up; this only bounds a runaway chain.
    max_retries=MAX_ATTEMPTS,
)
def deliver_notification(self, delivery_id: int) -> str:
    """Send one delivery; on failure retry with exponential backoff until it is sent or gave up."""
    outcome = notification_deliver(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(acks_late=True, ignore_result=True)
def notifications_resend_overdue() -> int:
    """Enqueue again the deliveries whose message was lost, and notify the alerts whose
    `alert_notify` message was never published or was lost (periodic; see docs/notifications.md)."""
    alert_ids = alerts_unnotified()
    for alert_id in alert_ids:
        alert_notify.delay(alert_id)
    delivery_ids = notification_deliveries_overdue()
    for delivery_id in delivery_ids:
        deliver_notification.delay(delivery_id)
    return len(alert_ids) + len(delivery_ids)
