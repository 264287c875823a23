"""Survey e-mails: what they say (text and HTML) and sending them, once.

An e-mail is claimed by a conditional update that moves its invitations from `scheduled` or
`failed` to `sent` (fenced by `sent_at`, the claim's instant); only the worker whose update
matched sends. A failure moves them back to `failed`, with the attempt counted, the error kept and
the next attempt's time in `send_after`. A worker killed mid-send leaves them `sent`: losing one
survey e-mail is better than asking someone twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from feedback.models import Invitation, InvitationKind, InvitationStatus
from feedback.services.invitations import MAX_ATTEMPTS
from feedback.services.surveys import (
    event_survey_intro,
    quarter_label,
    survey_questions,
    survey_settings_for_services,
)
from feedback.tokens import invitation_token
from sla.notifications.delivery import retry_delay_seconds
from sla.notifications.rendering import EmailParts, absolute_url, local_time_text
from sla.notifications.transport import DeliveryError, email_send
from sla.selectors import service_time_zone

logger = logging.getLogger(__name__)

SENT, FAILED, SKIPPED = "sent", "failed", "skipped"
ERROR_MAX_CHARS = 2000


@dataclass(frozen=True)
class SendOutcome:
    status: str  # sent, failed (retry_in set when it will be tried again), skipped
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry_in: int | None = None


def invitation_url(invitation: Invitation) -> str:
    return absolute_url(reverse("feedback:survey", kwargs={"token": invitation_token(invitation)}))


def _subject(text: str) -> str:
    return " ".join(text.split())[:250]


def invitation_email_render(invitations: list[Invitation]) -> EmailParts:
    """One e-mail to one person: an event survey about a ticket, or the quarter's relationship
    survey listing each service with its own link."""
    first = invitations[0]
    settings_of = survey_settings_for_services(i.service_id for i in invitations)
    zone = service_time_zone(first.service)
    context = {
        "name": first.name,
        "expires_at": local_time_text(max(i.expires_at for i in invitations), zone),
        "site_url": absolute_url("/"),
    }
    if first.kind == InvitationKind.RELATIONSHIP:
        quarter = quarter_label(first.period_start) if first.period_start else "this quarter"
        context |= {
            "quarter": quarter,
            "business_unit": first.business_unit,
            "surveys": [
                {"service": i.service, "url": invitation_url(i)}
                for i in sorted(invitations, key=lambda i: i.service.name.lower())
            ],
        }
        subject = (
            f"How is IT doing for you? {len(invitations)} service{'s' if len(invitations) != 1 else ''}, {quarter}"
        )
        template = "feedback/email/relationship_invitation"
    else:
        ticket = first.ticket
        questions = survey_questions(invitation=first, settings=settings_of[first.service_id])
        url = invitation_url(first)
        first_question = questions[0] if questions else None
        context |= {
            "service": first.service,
            "ticket": ticket,
            "intro": event_survey_intro(ticket),
            "resolved_at": local_time_text(ticket.resolved_at, zone) if ticket and ticket.resolved_at else "",
            "url": url,
            "question_count": len(questions),
            "first_question": first_question,
            # One tap on a score opens the page with it ticked; nothing is recorded until they send.
            "quick_answers": [(value, f"{url}?{first_question.name}={value}") for value in first_question.choices]
            if first_question
            else [],
            "fatigue_days": settings_of[first.service_id].fatigue_days,
        }
        title = " ".join(ticket.title.split()) if ticket and ticket.title else first.service.name
        subject = f"Are you now able to carry on? About “{title}”"
        template = "feedback/email/event_invitation"
    context["subject"] = _subject(subject)
    return EmailParts(
        subject=context["subject"],
        text=render_to_string(f"{template}.txt", context),
        html=render_to_string(f"{template}.html", context),
    )


def invitations_send(*, invitation_ids: list[int], now: datetime | None = None) -> SendOutcome:
    """Claim and send the invitations (one e-mail per address among them). Skipped when someone
    else has them, they were sent or answered, or they have expired."""
    claimed_at = now or timezone.now()
    claimed = Invitation.objects.filter(
        pk__in=list(invitation_ids),
        status__in=[InvitationStatus.SCHEDULED, InvitationStatus.FAILED],
        attempts__lt=MAX_ATTEMPTS,
        send_after__lte=claimed_at,
        expires_at__gt=claimed_at,
        responded_at__isnull=True,
    ).update(status=InvitationStatus.SENT, sent_at=claimed_at, attempts=F("attempts") + 1, last_error="")
    if not claimed:
        return SendOutcome(SKIPPED)
    mine = list(
        Invitation.objects.filter(pk__in=list(invitation_ids), status=InvitationStatus.SENT, sent_at=claimed_at)
        .select_related("service__support_calendar", "ticket", "business_unit")
        .order_by("pk")
    )
    by_email: dict[str, list[Invitation]] = {}
    for invitation in mine:
        by_email.setdefault(invitation.email, []).append(invitation)
    sent, failed, retry_in = [], [], None
    for email, invitations in by_email.items():
        ids = [i.pk for i in invitations]
        try:
            email_send(
                to=email,
                parts=invitation_email_render(invitations),
                headers={"X-Accord-Survey": ",".join(map(str, ids))},
            )
        except Exception as exc:  # a bug must not leave them `sent` unsent; logged with its traceback
            if not isinstance(exc, DeliveryError):
                logger.exception("Survey e-mail %s failed unexpectedly", ids)
            delay = _failure_record(invitations, claimed_at=claimed_at, error=f"{exc}")
            failed += ids
            if delay is not None:
                retry_in = delay if retry_in is None else min(retry_in, delay)
        else:
            sent += ids
    if failed:
        return SendOutcome(FAILED, sent=sent, failed=failed, retry_in=retry_in)
    return SendOutcome(SENT, sent=sent)


def _failure_record(invitations: list[Invitation], *, claimed_at: datetime, error: str) -> int | None:
    """Back to `failed`; returns seconds to the next attempt, None when this was the last one."""
    attempts = max(i.attempts for i in invitations)
    delay = retry_delay_seconds(attempts) if attempts < MAX_ATTEMPTS else None
    Invitation.objects.filter(
        pk__in=[i.pk for i in invitations], status=InvitationStatus.SENT, sent_at=claimed_at
    ).update(
        status=InvitationStatus.FAILED,
        sent_at=None,
        last_error=error[:ERROR_MAX_CHARS],
        send_after=claimed_at + timedelta(seconds=delay or 0),
    )
    logger.warning("Survey e-mail to %s failed (attempt %s): %s", invitations[0].email, attempts, error)
    return delay
