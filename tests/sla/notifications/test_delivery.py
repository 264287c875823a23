"""The delivery log: each target once, only one sender per delivery, sent after commit, nothing lost."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app
from sla.models import Alert, AlertKind, AlertSeverity, DeliveryChannel, DeliveryStatus, NotificationDelivery
from sla.notifications import notification_deliver, notification_deliveries_create, notification_deliveries_overdue
from sla.notifications.delivery import OVERDUE_GRACE, SENDING_LEASE, SKIPPED, UNNOTIFIED_GRACE
from sla.services.alerts import AlertDraft, alerts_raise
from sla.tasks.notifications import alert_notify, deliver_notification, notifications_resend_overdue
from tests.sla.notifications.conftest import alert_make, clock_make, endpoint_make, ticket_make


@pytest.fixture
def breach(service, always):
    ticket = ticket_make(service)
    clock = clock_make(ticket, always)
    return alert_make(kind=AlertKind.CLOCK_BREACH, severity=AlertSeverity.CRITICAL, ticket=ticket, clock=clock)


def log(alert):
    return sorted(NotificationDelivery.objects.filter(alert=alert).values_list("channel", "target", "status"))


def test_one_delivery_per_person_and_endpoint(receiver, breach):
    endpoint = endpoint_make(receiver.url)

    assert alert_notify.delay(breach.pk).get() == 4

    assert log(breach) == [
        (DeliveryChannel.EMAIL, "alex@example.com", DeliveryStatus.SENT),
        (DeliveryChannel.EMAIL, "bea@example.com", DeliveryStatus.SENT),
        (DeliveryChannel.EMAIL, "olivia@example.com", DeliveryStatus.SENT),
        (DeliveryChannel.WEBHOOK, f"webhook:{endpoint.pk}", DeliveryStatus.SENT),
    ]
    owner = NotificationDelivery.objects.get(alert=breach, target="olivia@example.com")
    assert (owner.recipient_name, owner.recipient_roles) == ("Olivia Owen", "service owner")


def test_notifying_an_alert_twice_sends_nothing_twice(receiver, breach):
    endpoint_make(receiver.url)

    alert_notify.delay(breach.pk)
    first = log(breach)
    assert alert_notify.delay(breach.pk).get() == 0

    assert log(breach) == first
    assert NotificationDelivery.objects.filter(alert=breach).count() == 4
    assert len(mail.outbox) == 3
    assert len(receiver.requests) == 1


def test_rows_written_twice_before_sending_stay_one_each(breach):
    first = notification_deliveries_create(alert_id=breach.pk)
    second = notification_deliveries_create(alert_id=breach.pk)

    assert first == second and len(first) == 3
    assert NotificationDelivery.objects.filter(alert=breach).count() == 3


def test_a_missing_alert_notifies_nobody(db):
    assert alert_notify.delay(987654).get() == 0
    assert NotificationDelivery.objects.count() == 0


def test_a_finished_delivery_is_never_sent_again(breach):
    [delivery_id, *_] = notification_deliveries_create(alert_id=breach.pk)
    assert notification_deliver(delivery_id=delivery_id).status == DeliveryStatus.SENT

    assert notification_deliver(delivery_id=delivery_id).status == SKIPPED
    assert deliver_notification.delay(delivery_id).get() == SKIPPED

    assert len(mail.outbox) == 1
    assert NotificationDelivery.objects.get(pk=delivery_id).attempts == 1


def test_a_second_worker_arriving_during_the_send_does_not_send(monkeypatch, receiver, breach):
    """Re-entrant on one connection, so it runs on SQLite too; the PostgreSQL test below uses threads."""
    endpoint_make(receiver.url)
    notification_deliveries_create(alert_id=breach.pk)
    delivery = NotificationDelivery.objects.get(alert=breach, channel=DeliveryChannel.WEBHOOK)
    from sla.notifications import delivery as module

    real_post, meanwhile = module.webhook_post, []

    def post_while_another_worker_tries(**kwargs):
        meanwhile.append(notification_deliver(delivery_id=delivery.pk).status)
        return real_post(**kwargs)

    monkeypatch.setattr(module, "webhook_post", post_while_another_worker_tries)

    assert deliver_notification.delay(delivery.pk).get() == DeliveryStatus.SENT

    assert meanwhile == [SKIPPED]
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_delivering_at_once_send_once(receiver, breach):
    receiver.delay = 0.3  # the first worker is still sending when the second one claims
    endpoint_make(receiver.url)
    notification_deliveries_create(alert_id=breach.pk)
    delivery = NotificationDelivery.objects.get(alert=breach, channel=DeliveryChannel.WEBHOOK)
    barrier, outcomes = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            # Called, not .apply()'d: Celery's apply() flips a process-wide 'no joining results'
            # flag and restores it on exit, which two threads at once leave set.
            outcomes.append(deliver_notification(delivery.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(outcomes) == sorted([DeliveryStatus.SENT, SKIPPED])
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_a_delivery_left_sending_by_a_dead_worker_is_taken_over_after_the_lease(breach):
    [delivery_id, *_] = notification_deliveries_create(alert_id=breach.pk)
    now = timezone.now()
    NotificationDelivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=1
    )
    assert notification_deliver(delivery_id=delivery_id).status == SKIPPED  # its worker may still be at it

    NotificationDelivery.objects.filter(pk=delivery_id).update(claimed_at=now - SENDING_LEASE - timedelta(seconds=1))
    assert notification_deliver(delivery_id=delivery_id).status == DeliveryStatus.SENT

    assert NotificationDelivery.objects.get(pk=delivery_id).attempts == 2
    assert len(mail.outbox) == 1


def test_a_worker_that_outlived_its_lease_does_not_overwrite_its_successor(monkeypatch, breach):
    [delivery_id, *_] = notification_deliveries_create(alert_id=breach.pk)
    successor_claim = timezone.now() + timedelta(minutes=6)
    from sla.notifications import delivery as module

    def slow_send(**kwargs):
        # Meanwhile the lease ran out and another worker claimed the row.
        NotificationDelivery.objects.filter(pk=delivery_id).update(claimed_at=successor_claim, attempts=2)

    monkeypatch.setattr(module, "email_send", slow_send)

    notification_deliver(delivery_id=delivery_id)

    delivery = NotificationDelivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.claimed_at, delivery.sent_at) == (DeliveryStatus.SENDING, successor_claim, None)


def test_notifications_go_out_only_after_the_alert_commits(django_capture_on_commit_callbacks, service, always):
    ticket = ticket_make(service)
    clock = clock_make(ticket, always)
    draft = AlertDraft(
        key=f"ticket:{ticket.pk}:resolve:1:breach",
        kind=AlertKind.CLOCK_BREACH,
        severity=AlertSeverity.CRITICAL,
        subject="Missed",
        body="",
        service_id=service.pk,
        ticket_id=ticket.pk,
        clock_id=clock.pk,
        due_at=clock.due_at,
        details={},
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            alerts_raise([draft], now=timezone.now())
            raise RuntimeError("the check pass failed after writing the alert")
        assert callbacks == []  # rolled back: nothing to tell

        [alert_id] = alerts_raise([draft], now=timezone.now())
        assert mail.outbox == [] and NotificationDelivery.objects.count() == 0  # the writer does not wait

    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["alex@example.com", "bea@example.com", "olivia@example.com"]
    assert NotificationDelivery.objects.filter(alert_id=alert_id, status=DeliveryStatus.SENT).count() == 3


def test_overdue_deliveries_are_found_and_resent(receiver, breach):
    endpoint_make(receiver.url)
    notification_deliveries_create(alert_id=breach.pk)
    now = timezone.now()
    rows = {d.target: d for d in NotificationDelivery.objects.filter(alert=breach)}
    lost = now - OVERDUE_GRACE - timedelta(minutes=1)
    NotificationDelivery.objects.filter(pk=rows["alex@example.com"].pk).update(created_at=lost)  # pending, lost
    NotificationDelivery.objects.filter(pk=rows["olivia@example.com"].pk).update(
        status=DeliveryStatus.FAILED, attempts=1, next_attempt_at=lost
    )
    NotificationDelivery.objects.filter(pk=rows["bea@example.com"].pk).update(
        status=DeliveryStatus.FAILED,
        attempts=1,
        next_attempt_at=now + timedelta(minutes=2),  # Celery has it
    )
    webhook = next(d for d in rows.values() if d.channel == DeliveryChannel.WEBHOOK)
    NotificationDelivery.objects.filter(pk=webhook.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_at=now - SENDING_LEASE - timedelta(seconds=1)
    )

    assert notification_deliveries_overdue(now=now) == sorted(
        [rows["alex@example.com"].pk, rows["olivia@example.com"].pk, webhook.pk]
    )
    assert notifications_resend_overdue.delay().get() == 3

    assert sorted(m.to[0] for m in mail.outbox) == ["alex@example.com", "olivia@example.com"]
    assert len(receiver.requests) == 1
    assert notification_deliveries_overdue() == []


def test_the_resend_sweep_run_twice_sends_nothing_twice(receiver, breach):
    """The alert's notify message was lost (never published): the first sweep notifies it, the
    second finds nothing to do."""
    endpoint_make(receiver.url)
    assert notifications_resend_overdue.delay().get() == 0  # within its grace: not lost yet
    Alert.objects.filter(pk=breach.pk).update(opened_at=timezone.now() - UNNOTIFIED_GRACE - timedelta(minutes=1))

    assert notifications_resend_overdue.delay().get() == 1
    sent = (len(mail.outbox), len(receiver.requests))
    assert sent == (3, 1)
    assert notifications_resend_overdue.delay().get() == 0
    assert (len(mail.outbox), len(receiver.requests)) == sent
    assert set(NotificationDelivery.objects.filter(alert=breach).values_list("attempts", flat=True)) == {1}


def test_query_counts_do_not_grow_with_endpoints(receiver, breach, django_assert_max_num_queries):
    for n in range(5):
        endpoint_make(f"{receiver.url}/{n}")

    with django_assert_max_num_queries(8):
        ids = notification_deliveries_create(alert_id=breach.pk)
    assert len(ids) == 8
    with django_assert_max_num_queries(6):
        notification_deliver(delivery_id=ids[-1])


def test_the_resend_sweep_is_scheduled_and_names_a_real_task(db):
    periodic = PeriodicTask.objects.get(name="Resend overdue notifications")

    assert periodic.task in app.tasks
    assert (periodic.interval.every, periodic.interval.period, periodic.enabled) == (5, "minutes", True)
