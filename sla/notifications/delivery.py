"""Writes of notifications: the delivery log rows, and claiming, sending and marking each of them.

Safe to run twice at once: the rows are created idempotently on their unique key, and a
delivery is sent only by the worker whose conditional update moved it to `sending`. Nothing here
enqueues Celery tasks; callers (sla.tasks.notifications, the admin) enqueue the ids returned.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Service
from sla.models import (
    Alert,
    AlertKind,
    AlertSeverity,
    AlertState,
    DeliveryChannel,
    DeliveryStatus,
    NotificationDelivery,
    WebhookEndpoint,
)
from sla.notifications.recipients import alert_recipients, alert_webhook_endpoints
from sla.notifications.rendering import alert_email_render, webhook_request
from sla.notifications.transport import DeliveryError, email_send, webhook_post

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_BACKOFF_SECONDS = 120  # waits 2, 4, 8, 16, 32 minutes: about an hour of trying in all
RETRY_BACKOFF_MAX_SECONDS = 3600
# A row left `sending` this long lost its worker (killed, or past the task's hard time limit).
SENDING_LEASE = timedelta(minutes=5)
# The resend sweep leaves work alone until Celery's own retry is clearly lost.
OVERDUE_GRACE = timedelta(minutes=10)
# An alert whose delivery log is not written this long after it opened lost its message; older
# than a day, telling people now would be noise.
UNNOTIFIED_GRACE = timedelta(minutes=2)
UNNOTIFIED_MAX_AGE = timedelta(days=1)
SKIPPED = "skipped"
ERROR_MAX_CHARS = 2000

ALERT_RELATED = (
    "service__service_owner",
    "service__business_owner",
    "ticket__service__service_owner",
    "ticket__service__business_owner",
    "clock__calendar",
    "owner",
)
CALENDAR_PREFETCH = ("clock__calendar__working_intervals", "clock__calendar__closures")


@dataclass(frozen=True)
class DeliveryOutcome:
    delivery_id: int
    status: str  # a DeliveryStatus, or SKIPPED when another worker has it or it is finished
    retry_in: int | None = None  # seconds until the next attempt, when it failed and will retry


@dataclass(frozen=True)
class WebhookTestResult:
    ok: bool
    response_status: int | None
    message: str


def retry_delay_seconds(attempts: int) -> int:
    """Exponential backoff after the `attempts`-th failed attempt (1-based)."""
    return min(RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))


def notification_deliveries_create(*, alert_id: int) -> list[int]:
    """Write the delivery log rows of an alert (once per target, however often called).

    Returns the ids of its deliveries still pending, for the caller to enqueue.
    """
    alert = (
        Alert.objects.select_related(*ALERT_RELATED).prefetch_related(*CALENDAR_PREFETCH).filter(pk=alert_id).first()
    )
    if alert is None:
        logger.warning("Alert %s does not exist (deleted, or not committed yet): nothing to notify.", alert_id)
        return []
    rows = [
        NotificationDelivery(
            alert=alert,
            channel=DeliveryChannel.EMAIL,
            target=recipient.email.strip().lower(),
            recipient_name=recipient.name[:200],
            recipient_roles=", ".join(recipient.roles),
            recipient_time_zone=recipient.time_zone,
        )
        for recipient in alert_recipients(alert)
    ]
    rows += [
        NotificationDelivery(
            alert=alert, channel=DeliveryChannel.WEBHOOK, target=f"webhook:{endpoint.pk}", endpoint=endpoint
        )
        for endpoint in alert_webhook_endpoints(alert)
    ]
    NotificationDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    Alert.objects.filter(pk=alert_id, notified_at__isnull=True).update(notified_at=timezone.now())
    pending = NotificationDelivery.objects.filter(alert_id=alert_id, status=DeliveryStatus.PENDING)
    return list(pending.order_by("pk").values_list("pk", flat=True))


def _send(delivery: NotificationDelivery, *, sent_at: datetime) -> int | None:
    """Send one delivery; returns the HTTP status for webhooks. Raises DeliveryError."""
    alert = delivery.alert
    if delivery.channel == DeliveryChannel.EMAIL:
        parts = alert_email_render(
            alert,
            recipient_name=delivery.recipient_name,
            roles=tuple(role for role in delivery.recipient_roles.split(", ") if role),
            time_zone=delivery.recipient_time_zone,
        )
        email_send(to=delivery.target, parts=parts, headers={"X-Accord-Alert": alert.key})
        return None
    endpoint = delivery.endpoint
    if endpoint is None:
        raise DeliveryError("The webhook endpoint was deleted.", permanent=True)
    if not endpoint.active:
        raise DeliveryError(f"The webhook endpoint “{endpoint.name}” is inactive.", permanent=True)
    body, headers = webhook_request(
        webhook_format=endpoint.format, secret=endpoint.secret, alert=alert, delivery_id=delivery.pk, sent_at=sent_at
    )
    return webhook_post(url=endpoint.url, body=body, headers=headers)


def _finish(delivery: NotificationDelivery, **changes) -> None:
    # Fenced by claimed_at: a worker that outlived its lease must not overwrite its successor's result.
    updated = NotificationDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=delivery.claimed_at
    ).update(**changes)
    if not updated:
        logger.warning("Delivery %s was taken over by another worker; its result is theirs.", delivery.pk)


def notification_deliver(*, delivery_id: int) -> DeliveryOutcome:
    """Claim a pending or failed delivery, send it, and record the outcome in the delivery log.

    Returns SKIPPED without sending when the delivery is being sent by someone else, already
    finished, or gone. A failure is `failed` with `retry_in` set, or `gave_up` after MAX_ATTEMPTS
    attempts or when retrying cannot help.
    """
    claimed_at = timezone.now()
    claimable = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=claimed_at - SENDING_LEASE
    )
    claimed = NotificationDelivery.objects.filter(claimable, pk=delivery_id).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=claimed_at, next_attempt_at=None
    )
    delivery = (
        NotificationDelivery.objects.select_related(*(f"alert__{name}" for name in ALERT_RELATED), "endpoint")
        .prefetch_related(*(f"alert__{name}" for name in CALENDAR_PREFETCH))
        .filter(pk=delivery_id)
        .first()
        if claimed
        else None
    )
    if delivery is None:
        return DeliveryOutcome(delivery_id, SKIPPED)
    try:
        response_status = _send(delivery, sent_at=claimed_at)
    except DeliveryError as exc:
        return _failure_record(delivery, error=str(exc), response_status=exc.response_status, permanent=exc.permanent)
    except Exception as exc:  # a bug must not leave the row `sending`; it is logged with its traceback
        logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        return _failure_record(delivery, error=f"{exc.__class__.__name__}: {exc}", response_status=None)
    _finish(
        delivery,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        response_status=response_status,
        last_error="",
    )
    return DeliveryOutcome(delivery_id, DeliveryStatus.SENT)


def _failure_record(
    delivery: NotificationDelivery, *, error: str, response_status: int | None, permanent: bool = False
) -> DeliveryOutcome:
    give_up = permanent or delivery.attempts >= MAX_ATTEMPTS
    retry_in = None if give_up else retry_delay_seconds(delivery.attempts)
    logger.warning(
        "Delivery %s (%s to %s), attempt %s: %s",
        delivery.pk,
        delivery.channel,
        delivery.target,
        delivery.attempts,
        error,
    )
    _finish(
        delivery,
        status=DeliveryStatus.GAVE_UP if give_up else DeliveryStatus.FAILED,
        last_error=error[:ERROR_MAX_CHARS],
        response_status=response_status,
        next_attempt_at=None if retry_in is None else timezone.now() + timedelta(seconds=retry_in),
    )
    return DeliveryOutcome(delivery.pk, DeliveryStatus.GAVE_UP if give_up else DeliveryStatus.FAILED, retry_in)


def notification_deliveries_retry(*, delivery_ids: Iterable[int]) -> list[int]:
    """Put failed and given-up deliveries back to pending; returns their ids, for the caller to enqueue.

    Each gets one more attempt now. One that had used all its attempts gives up again if that
    attempt fails too; one that had attempts left carries on with its backoff.
    """
    with transaction.atomic():
        retryable = NotificationDelivery.objects.filter(
            pk__in=list(delivery_ids), status__in=[DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP]
        )
        ids = list(retryable.select_for_update().values_list("pk", flat=True))
        retryable.filter(pk__in=ids).update(status=DeliveryStatus.PENDING, next_attempt_at=None)
    return ids


def notification_deliveries_overdue(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries whose Celery message was evidently lost: pending or failed well past their time,
    or `sending` past the lease. The resend sweep enqueues them again."""
    now = now or timezone.now()
    overdue = NotificationDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING, created_at__lt=now - OVERDUE_GRACE)
        | Q(status=DeliveryStatus.FAILED, next_attempt_at__lt=now - OVERDUE_GRACE)
        | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - SENDING_LEASE)
    )
    return list(overdue.order_by("pk").values_list("pk", flat=True)[:limit])


def alerts_unnotified(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Open alerts whose delivery log was never written: the `alert_notify` message was not
    published (broker down when the alert's transaction committed) or was lost with its worker."""
    now = now or timezone.now()
    unnotified = Alert.objects.filter(
        notified_at__isnull=True,
        state=AlertState.OPEN,
        opened_at__lt=now - UNNOTIFIED_GRACE,
        opened_at__gte=now - UNNOTIFIED_MAX_AGE,
    )
    return list(unnotified.order_by("pk").values_list("pk", flat=True)[:limit])


def alert_synthetic(*, service: Service | None, now: datetime) -> Alert:
    """An unsaved alert that looks like a real clock warning, for testing an endpoint."""
    return Alert(
        key=f"test:{uuid.uuid4()}",
        kind=AlertKind.CLOCK_WARNING,
        severity=AlertSeverity.WARNING,
        subject="Test notification from Accord",
        body="This is a test: the endpoint is set up. Real alerts look like this one.",
        service=service,
        due_at=now + timedelta(hours=1),
        opened_at=now,
        details={"test": True, "clock_kind": "resolve", "target_seconds": 4 * 3600, "elapsed_seconds": 3 * 3600},
    )


def webhook_endpoint_test(*, endpoint: WebhookEndpoint) -> WebhookTestResult:
    """POST a synthetic alert to the endpoint now, in its format and signed with its secret.

    Nothing is written to the delivery log; the result says what the endpoint answered.
    """
    now = timezone.now()
    service = endpoint.services.order_by("name").first() or Service.objects.order_by("name").first()
    body, headers = webhook_request(
        webhook_format=endpoint.format,
        secret=endpoint.secret,
        alert=alert_synthetic(service=service, now=now),
        delivery_id="test",
        sent_at=now,
        test=True,
    )
    try:
        status = webhook_post(url=endpoint.url, body=body, headers=headers)
    except DeliveryError as exc:
        return WebhookTestResult(ok=False, response_status=exc.response_status, message=str(exc))
    return WebhookTestResult(ok=True, response_status=status, message=f"HTTP {status}")
