"""Celery tasks of the feedback app (Celery's autodiscovery imports this module). Thin: the work is
in feedback.services. Periodic ones are scheduled by migrations (django-celery-beat: editable in
the admin under Periodic tasks)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from feedback.follow_up_tasks import check_follow_ups  # noqa: F401  (detractor follow-ups)
from feedback.services.invitations import (
    MAX_ATTEMPTS,
    event_invitations_schedule,
    invitation_groups_due,
    invitations_expire,
    relationship_invitations_create,
)
from feedback.services.survey_mail import invitations_send
from feedback.services.surveys import quarter_of, quarter_parse
from feedback.theme_tasks import discover_themes, rematch_themes  # noqa: F401  (comment themes)

# One attempt is one SMTP conversation; the limits only stop a wedged mail server.
SEND_SOFT_TIME_LIMIT = 60
SEND_TIME_LIMIT = 90


@shared_task(
    bind=True,
    name="feedback.send_invitations",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
    # The invitations count their attempts and decide when to give up; this only bounds a runaway chain.
    max_retries=MAX_ATTEMPTS,
)
def send_invitations(self, invitation_ids: list[int]) -> str:
    """One survey e-mail (one invitation, or a person's relationship surveys); on failure retried
    with exponential backoff (2, 4, 8, 16 minutes) until sent or out of attempts."""
    outcome = invitations_send(invitation_ids=invitation_ids)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="feedback.schedule_event_surveys", ignore_result=True, soft_time_limit=240, time_limit=300)
def schedule_event_surveys() -> dict:
    """Every 15 minutes: expire old invitations, invite the requesters of tickets resolved long
    enough ago, and send what is due (new ones, and any whose message was lost or whose retry is
    due). Safe when two runs overlap."""
    now = timezone.now()
    expired = invitations_expire(now=now)
    groups = event_invitations_schedule(now=now)
    resent = [group for group in invitation_groups_due(now=now) if group not in groups]
    for group in groups + resent:
        send_invitations.delay(group)
    return {"expired": expired, "invited": len(groups), "resent": len(resent)}


@shared_task(name="feedback.send_relationship_surveys", ignore_result=True, soft_time_limit=600, time_limit=660)
def send_relationship_surveys(quarter: str | None = None) -> dict:
    """On the first day of each quarter: each business unit member rates the services that serve
    the unit. Running it again in the same quarter sends nothing twice."""
    quarter_start = quarter_parse(quarter) if quarter else quarter_of(timezone.now())
    groups = relationship_invitations_create(quarter_start=quarter_start)
    for group in groups:
        send_invitations.delay(group)
    return {"quarter": quarter_start.isoformat(), "emails": len(groups)}


@shared_task(name="feedback.check_watermelons", ignore_result=True, soft_time_limit=300, time_limit=330)
def check_watermelons() -> dict:
    """Services green outside, red inside (SLA green, happiness or lost time red): alerts raised
    and resolved (feedback.experience.services). Idempotent."""
    from feedback.experience.services import watermelons_check

    summary = watermelons_check()
    return {"checked": summary.checked, "flagged": summary.flagged, "raised": summary.raised}
