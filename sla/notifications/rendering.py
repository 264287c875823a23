"""What notifications say: e-mails (text and HTML), webhook bodies (generic JSON, Slack) and signatures.

Everything here is computed from an alert (saved or synthetic) and reads no more than its
related service, ticket and clock, so rendering the same alert twice gives the same message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from catalog.models import Service
from sla.business_time import business_time_between, zone_from_name
from sla.calendars import calendar_spec
from sla.models import Alert, AlertSeverity, ClockKind, Ticket, WebhookFormat
from sla.notifications.recipients import alert_service

SIGNATURE_HEADER = "X-Accord-Signature"
DELIVERY_HEADER = "X-Accord-Delivery"
TIMESTAMP_HEADER = "X-Accord-Timestamp"
EVENT_HEADER = "X-Accord-Event"
EVENT_ALERT_OPENED = "alert.opened"
EVENT_TEST = "alert.test"

# Pages that may show an alert or a ticket, most specific first; the first that exists is linked.
ALERT_URL_NAMES = (("portal:alert", True), ("alert-detail", True))
TICKET_URL_NAMES = (("portal:ticket", True), ("ticket-detail", True))

SLACK_ICONS = {AlertSeverity.INFO: ":information_source:", AlertSeverity.CRITICAL: ":rotating_light:"}


@dataclass(frozen=True)
class ClockFigures:
    """An SLA clock as it stood when the alert was raised, in business seconds."""

    kind_label: str
    target_seconds: int
    elapsed_seconds: int
    remaining_seconds: int  # 0 once due
    overdue_seconds: int  # 0 until due

    @property
    def share_used(self) -> float:
        return self.elapsed_seconds / self.target_seconds if self.target_seconds else 1.0


@dataclass(frozen=True)
class EmailParts:
    subject: str
    text: str
    html: str


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _first_url(names: tuple[tuple[str, bool], ...], pk: int | None) -> str | None:
    for name, needs_pk in names:
        if needs_pk and pk is None:
            continue
        try:
            return absolute_url(reverse(name, kwargs={"pk": pk} if needs_pk else None))
        except NoReverseMatch:
            continue
    return None


def service_url(service: Service | None) -> str | None:
    return absolute_url(service.get_absolute_url()) if service is not None else None


def ticket_url(ticket: Ticket | None) -> str | None:
    return _first_url(TICKET_URL_NAMES, ticket.pk) if ticket is not None else None


def alert_url(alert: Alert) -> str:
    """The alert's page, else the page of its service, else the site."""
    return _first_url(ALERT_URL_NAMES, alert.pk) or service_url(alert_service(alert)) or absolute_url("/")


def duration_text(seconds: float) -> str:
    """Business time as hours and minutes: '3 h 05 min', '45 min', 'under a minute'."""
    minutes = int(max(seconds, 0) // 60)
    if minutes == 0:
        return "under a minute" if seconds > 0 else "0 min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def local_time_text(moment: datetime | None, time_zone: str = "") -> str:
    """'Tue 03 Mar 2026, 14:30 GMT' in `time_zone` (default: the site's TIME_ZONE)."""
    if moment is None:
        return ""
    local = moment.astimezone(zone_from_name(time_zone or settings.TIME_ZONE))
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()}"


def _known_zone(name: str) -> bool:
    try:
        zone_from_name(name)
    except ValueError:
        return False
    return True


def iso_utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment is not None else None


def clock_figures(alert: Alert) -> ClockFigures | None:
    """The alert's clock as it stood at the alert's opening: target, business time used and left.

    Counted on the clock's calendar from its due time, because the clock row's elapsed time is
    only as fresh as the ticket's last event. Alerts without a clock row may give
    `target_seconds`/`elapsed_seconds`/`clock_kind` in their details.
    """
    clock = alert.clock if alert.clock_id is not None else None
    details = alert.details if isinstance(alert.details, dict) else {}
    if clock is None:
        if details.get("target_seconds") is None:
            return None
        kind, target = details.get("clock_kind") or details.get("clock") or "", int(details["target_seconds"])
        remaining = target - int(details.get("elapsed_seconds", 0))
    else:
        kind, target = clock.kind, clock.target_seconds
        if clock.due_at is not None and alert.opened_at is not None:
            spec = calendar_spec(clock.calendar)
            if alert.opened_at <= clock.due_at:
                remaining = int(business_time_between(spec, alert.opened_at, clock.due_at).total_seconds())
            else:
                remaining = -int(business_time_between(spec, clock.due_at, alert.opened_at).total_seconds())
        else:  # paused, or stopped: its stored elapsed time is exact
            remaining = target - int(clock.elapsed_seconds)
    label = ClockKind(kind).label if kind in ClockKind.values else str(kind).replace("_", " ").capitalize()
    return ClockFigures(
        kind_label=label or "SLA clock",
        target_seconds=target,
        elapsed_seconds=target - remaining,
        remaining_seconds=max(remaining, 0),
        overdue_seconds=max(-remaining, 0),
    )


def at_risk_text(alert: Alert) -> str:
    """What is at risk, in a few words: the clock and its ticket, or the kind of alert."""
    figures = clock_figures(alert)
    ticket = alert.ticket if alert.ticket_id is not None else None
    if figures and ticket is not None:
        return f"{figures.kind_label} of ticket {ticket.external_id} ({ticket.priority_label})"
    if ticket is not None:
        return f"Ticket {ticket.external_id} ({ticket.priority_label})"
    return alert.get_kind_display()


def reason_text(roles: tuple[str, ...], *, service: Service | None, ticket: Ticket | None) -> str:
    """Why someone receives the e-mail: 'the assignee of ticket INC1 and the service owner of Payroll'."""
    of = {"assignee": f" of ticket {ticket.external_id}" if ticket else ""}
    parts = [f"the {role}{of.get(role, f' of {service.name}' if service else '')}" for role in roles]
    return " and ".join(filter(None, [", ".join(parts[:-1]), parts[-1]])) if parts else ""


def email_subject(alert: Alert) -> str:
    # Headers cannot carry line breaks, and long subjects get cut by mail clients anyway.
    return f"[Accord] {' '.join(alert.subject.split())}"[:250]


def alert_email_render(
    alert: Alert, *, recipient_name: str = "", roles: tuple[str, ...] = (), time_zone: str = ""
) -> EmailParts:
    service = alert_service(alert)
    ticket = alert.ticket if alert.ticket_id is not None else None
    zone = time_zone if _known_zone(time_zone) else settings.TIME_ZONE
    context = {
        "alert": alert,
        "subject": " ".join(alert.subject.split()),
        "recipient_name": recipient_name,
        "reason": reason_text(roles, service=service, ticket=alert.ticket if alert.ticket_id is not None else None),
        "service": service,
        "service_url": service_url(service),
        "ticket": ticket,
        "ticket_url": ticket_url(ticket),
        "alert_url": alert_url(alert),
        "at_risk": at_risk_text(alert),
        "due_at": local_time_text(alert.due_at, zone),
        "opened_at": local_time_text(alert.opened_at, zone),
        "time_zone": zone,
        "clock": clock_figures(alert),
    }
    figures = context["clock"]
    if figures is not None:
        context |= {
            "target": duration_text(figures.target_seconds),
            "elapsed": duration_text(figures.elapsed_seconds),
            "remaining": duration_text(figures.remaining_seconds),
            "overdue": duration_text(figures.overdue_seconds) if figures.overdue_seconds else "",
            "share_used": f"{figures.share_used:.0%}",
        }
    return EmailParts(
        subject=email_subject(alert),
        text=render_to_string("sla/email/alert.txt", context),
        html=render_to_string("sla/email/alert.html", context),
    )


def alert_webhook_payload(alert: Alert, *, event: str, sent_at: datetime) -> dict[str, Any]:
    """The generic JSON body: the alert with its service, ticket and clock, and links to them."""
    service = alert_service(alert)
    ticket = alert.ticket if alert.ticket_id is not None else None
    figures = clock_figures(alert)
    return {
        "event": event,
        "alert": {
            "id": alert.pk,
            "key": alert.key,
            "kind": alert.kind,
            "severity": alert.severity,
            "state": alert.state,
            "subject": alert.subject,
            "body": alert.body,
            "service": {"slug": service.slug, "name": service.name, "url": service_url(service)} if service else None,
            "ticket": {
                "id": ticket.pk,
                "source": ticket.source,
                "external_id": ticket.external_id,
                "title": ticket.title,
                "priority": ticket.priority,
                "state": ticket.state,
                "assignee": ticket.assignee,
                "url": ticket_url(ticket),
            }
            if ticket
            else None,
            "clock": {
                "id": alert.clock_id,
                "kind_label": figures.kind_label,
                "target_seconds": figures.target_seconds,
                "elapsed_seconds": figures.elapsed_seconds,
                "remaining_seconds": figures.remaining_seconds,
                "overdue_seconds": figures.overdue_seconds,
            }
            if figures
            else None,
            "due_at": iso_utc(alert.due_at),
            "opened_at": iso_utc(alert.opened_at),
            "details": alert.details or {},
            "url": alert_url(alert),
        },
        "sent_at": iso_utc(sent_at),
    }


def slack_escape(text: str) -> str:
    """Slack's mrkdwn treats &, < and > as markup: https://api.slack.com/reference/surfaces/formatting."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str | None, text: str) -> str:
    return f"<{url}|{slack_escape(text)}>" if url else slack_escape(text)


def alert_slack_payload(alert: Alert, *, test: bool = False) -> dict[str, str]:
    """A Slack-compatible body (also taken by Mattermost, Rocket.Chat, Teams workflows): one mrkdwn text."""
    service = alert_service(alert)
    ticket = alert.ticket if alert.ticket_id is not None else None
    figures = clock_figures(alert)
    icon = SLACK_ICONS.get(alert.severity, ":warning:")
    lines = [f"{icon} *{_slack_link(alert_url(alert), ' '.join(alert.subject.split()))}*"]
    if test:
        lines[0] += " _(test notification)_"
    if alert.body:
        lines.append(slack_escape(alert.body[:500]))
    facts = []
    if service is not None:
        facts.append(f"*Service:* {_slack_link(service_url(service), service.name)}")
    if ticket is not None:
        label = f"{ticket.external_id} {ticket.title}".strip()
        facts.append(f"*Ticket:* {_slack_link(ticket_url(ticket), label)} ({ticket.priority_label})")
    if alert.due_at is not None:
        facts.append(f"*Due:* {slack_escape(local_time_text(alert.due_at))}")
    if figures is not None:
        left = (
            f"*Overdue by:* {duration_text(figures.overdue_seconds)}"
            if figures.overdue_seconds
            else f"*Left:* {duration_text(figures.remaining_seconds)}"
        )
        facts.append(
            f"{left} of {duration_text(figures.target_seconds)} ({slack_escape(figures.kind_label)}, business time)"
        )
    if facts:
        lines.append("  ·  ".join(facts))
    return {"text": "\n".join(lines)}


def webhook_signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the body under the secret>`, as sent in X-Accord-Signature."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_request(
    *, webhook_format: str, secret: str, alert: Alert, delivery_id: int | str, sent_at: datetime, test: bool = False
) -> tuple[bytes, dict[str, str]]:
    """The body and headers POSTed to an endpoint."""
    event = EVENT_TEST if test else EVENT_ALERT_OPENED
    if webhook_format == WebhookFormat.SLACK:
        payload: dict[str, Any] = alert_slack_payload(alert, test=test)
    else:
        payload = alert_webhook_payload(alert, event=event, sent_at=sent_at)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Accord-Webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
        TIMESTAMP_HEADER: str(int(sent_at.timestamp())),
    }
    if secret and webhook_format != WebhookFormat.SLACK:
        headers[SIGNATURE_HEADER] = webhook_signature(secret, body)
    return body, headers
