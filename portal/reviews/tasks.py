"""Background work for reviews. Thin: the logic is in services.py and mail.py; tasks take ids."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from portal.reviews.periods import ClosedDays, month_to_prepare


@shared_task(name="portal.prepare_reviews", ignore_result=True, soft_time_limit=600, time_limit=900)
def prepare_reviews() -> dict:
    """Scheduled every morning (a data migration registers it with django-celery-beat): from the
    first business day of a month on (a weekday that is not a public holiday or closure of the
    reviews' calendar, selectors.review_calendar), the month before's reviews exist. Only the
    first run of the month creates (and e-mails) anything."""
    from portal.reviews.selectors import review_calendar
    from portal.reviews.services import reviews_prepare_month

    now = timezone.now()
    period = month_to_prepare(timezone.localdate(now), ClosedDays(review_calendar()))
    if period is None:
        return {"period": None, "created": 0}
    prepared = reviews_prepare_month(period=period, now=now)
    return {"period": period.code, "created": len(prepared.created), "existing": prepared.existing}


@shared_task(
    name="portal.review_notify",
    ignore_result=True,
    soft_time_limit=120,
    time_limit=180,
    # The mail server refused or was unreachable (smtplib's errors are OSErrors; mail.ReviewNotSent
    # is one): again after about 1, 2, 4 … minutes, at most an hour apart, six times. Addresses
    # already sent to are claimed, so a retry sends only to those that failed.
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
)
def review_notify(review_id: int) -> int:
    from portal.reviews import mail

    return len(mail.review_notify(review_id=review_id, now=timezone.now()))
