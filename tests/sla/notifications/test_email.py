"""E-mail notifications: what they say (text and HTML), to whom, and when the mail server refuses."""

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from sla.models import AlertKind, AlertSeverity, DeliveryStatus, NotificationDelivery
from sla.notifications import MAX_ATTEMPTS, alert_email_render
from sla.notifications.rendering import duration_text, ticket_url
from sla.tasks.notifications import alert_notify
from tests.sla.notifications.conftest import SITE_URL, alert_make, clock_make, ticket_make


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"alex@example.com": (550, b"No such user")})


def message_to(address):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message


@pytest.fixture
def warning(service, always):
    ticket = ticket_make(service, external_id="INC0012345", title="Payslips not generated")
    clock = clock_make(ticket, always, target=timedelta(hours=4))  # due 11:00 UTC, the alert is at 10:00
    return alert_make(ticket=ticket, clock=clock, subject="P2 ticket INC0012345: 75% of the time to resolve used")


def test_a_warning_e_mails_the_assignee_and_the_service_owner_once_each(warning):
    alert_notify.delay(warning.pk)

    assert sorted(m.to[0] for m in mail.outbox) == ["alex@example.com", "olivia@example.com"]
    message = message_to("alex@example.com")
    assert message.subject == "[Accord] P2 ticket INC0012345: 75% of the time to resolve used"
    assert message.from_email == "Accord <accord@example.com>"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.extra_headers["X-Accord-Alert"] == warning.key


def test_the_text_says_what_is_at_risk_when_it_is_due_and_how_much_time_is_left(warning):
    alert_notify.delay(warning.pk)

    text = message_to("alex@example.com").body
    assert "Hello Alex Agent," in text
    assert "Act before the deadline to keep the agreed target." in text
    assert "At risk:    Time to resolve of ticket INC0012345 (P2)" in text
    assert "Service:    Payroll" in text
    assert "Ticket:     INC0012345 – Payslips not generated (P2), assigned to Alex Agent" in text
    # 11:00 UTC in July is 12:00 in London (BST), the site's time zone.
    assert "Due at:     Wed 15 Jul 2026, 12:00 BST (Europe/London)" in text
    assert "Target:     4 h 00 min of business time (Time to resolve)" in text
    assert "Elapsed:    3 h 00 min (75% of the target)" in text
    assert "Remaining:  1 h 00 min" in text
    assert f"Service page:  {SITE_URL}/services/payroll/" in text
    assert f"Ticket:        {ticket_url(warning.ticket)}" in text
    assert ticket_url(warning.ticket).startswith(SITE_URL + "/")
    assert "You receive this because you are the assignee of ticket INC0012345." in text
    owner_text = message_to("olivia@example.com").body
    assert "Hello Olivia Owen," in owner_text
    assert "You receive this because you are the service owner of Payroll." in owner_text
    assert "&" not in text.replace("&amp;", "")  # plain text is not HTML-escaped


def test_the_html_part_has_the_same_facts_and_real_links(warning):
    alert_notify.delay(warning.pk)

    message = message_to("alex@example.com")
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'<a href="{SITE_URL}/services/payroll/"' in html
    assert f'<a href="{ticket_url(warning.ticket)}"' in html
    assert "Wed 15 Jul 2026, 12:00 BST" in html
    assert "<strong>1 h 00 min</strong>" in html
    assert "http://" not in html and "//cdn" not in html  # nothing loaded from elsewhere


def test_subjects_and_bodies_are_escaped_in_html_and_kept_in_text(service, always):
    ticket = ticket_make(service, title="<script>alert(1)</script> & co")
    alert = alert_make(ticket=ticket, clock=clock_make(ticket, always), subject="A <b>bold</b>\nsubject")

    parts = alert_email_render(alert)

    assert parts.subject == "[Accord] A <b>bold</b> subject"  # one line: headers cannot break
    assert "<script>" not in parts.html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in parts.html
    assert "A &lt;b&gt;bold&lt;/b&gt; subject" in parts.html
    assert "<script>alert(1)</script> & co" in parts.text


def test_business_time_left_skips_the_weekend(service, office):
    friday_4pm = datetime(2026, 7, 17, 16, 0, tzinfo=UTC)
    ticket = ticket_make(service, opened_at=datetime(2026, 7, 17, 10, 0, tzinfo=UTC))
    # 8 business hours from Friday 10:00: 7 on Friday, the last one on Monday 09:00-10:00.
    clock = clock_make(ticket, office, target=timedelta(hours=8), due_at=datetime(2026, 7, 20, 10, 0, tzinfo=UTC))
    alert = alert_make(ticket=ticket, clock=clock, opened_at=friday_4pm)

    text = alert_email_render(alert).text

    assert "Elapsed:    6 h 00 min (75% of the target)" in text
    assert "Remaining:  2 h 00 min" in text
    assert "Due at:     Mon 20 Jul 2026, 11:00 BST (Europe/London)" in text


def test_a_breach_says_how_long_overdue_and_tells_the_business_owner(service, always):
    ticket = ticket_make(service)
    clock = clock_make(ticket, always, target=timedelta(hours=2))  # due 09:00 UTC; the alert is at 10:00
    alert = alert_make(
        kind=AlertKind.CLOCK_BREACH, severity=AlertSeverity.CRITICAL, ticket=ticket, clock=clock, subject="Missed"
    )

    alert_notify.delay(alert.pk)

    assert len(mail.outbox) == 3
    text = message_to("bea@example.com").body
    assert "Overdue by: 1 h 00 min" in text and "Remaining" not in text
    assert "Elapsed:    3 h 00 min (150% of the target)" in text
    assert "You receive this because you are the business owner of Payroll." in text


def test_due_time_is_shown_in_the_recipient_s_time_zone(warning):
    assert "Due at:     Wed 15 Jul 2026, 07:00 EDT (America/New_York)" in (
        alert_email_render(warning, time_zone="America/New_York").text
    )
    # An unknown zone falls back to the site's rather than failing the delivery.
    assert "12:00 BST (Europe/London)" in alert_email_render(warning, time_zone="Mars/Olympus").text


def test_alert_without_clock_or_ticket_says_its_kind(service):
    alert = alert_make(kind="agreement_review_due", severity=AlertSeverity.INFO, service=service, subject="Review due")

    alert_notify.delay(alert.pk)

    [message] = mail.outbox
    assert message.to == ["olivia@example.com"]
    assert "At risk:    Agreement review due" in message.body
    assert "Target:" not in message.body and "Ticket:" not in message.body


def test_a_refusing_mail_server_is_retried_then_given_up_with_the_reason(settings, warning):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"

    alert_notify.delay(warning.pk)

    deliveries = NotificationDelivery.objects.filter(alert=warning)
    assert {(d.status, d.attempts) for d in deliveries} == {(DeliveryStatus.GAVE_UP, MAX_ATTEMPTS)}
    assert all("Mail server refused the message" in d.last_error for d in deliveries)
    assert all("No such user" in d.last_error for d in deliveries)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 min"), (30, "under a minute"), (59 * 60, "59 min"), (3600, "1 h 00 min"), (26 * 3600 + 300, "26 h 05 min")],
)
def test_durations_read_as_hours_and_minutes(seconds, text):
    assert duration_text(seconds) == text
