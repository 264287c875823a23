"""The e-mail that tells both sides a review is ready: its link, nothing else (the document is
read on the page, printed, or downloaded as a PDF). Each address is claimed once per review (a
ReviewEmail row) before it is sent to: a second run, a retry or another worker sends nothing to
an address already claimed. A failed send releases its claim and the task retries with backoff."""

from __future__ import annotations

import logging
from datetime import datetime

from django.template.loader import render_to_string
from django.urls import reverse

from portal.reviews.models import Review, ReviewEmail
from portal.reviews.periods import Period
from portal.reviews.services import review_recipients
from sla.notifications.rendering import EmailParts, absolute_url
from sla.notifications.transport import DeliveryError, email_send

logger = logging.getLogger(__name__)


def review_url(review: Review) -> str:
    period = Period(review.period, review.period_start)
    if review.service_id is not None:
        path = reverse("portal:service_review", kwargs={"slug": review.service.slug, "period": period.code})
    else:
        path = reverse("portal:unit_review", kwargs={"slug": review.business_unit.slug, "period": period.code})
    return absolute_url(path)


def review_email_render(review: Review) -> EmailParts:
    subject = review.service or review.business_unit
    period = Period(review.period, review.period_start)
    context = {"review": review, "subject": subject, "period": period, "url": review_url(review)}
    return EmailParts(
        subject=f"Service review ready: {subject.name}, {period.label}",
        text=render_to_string("portal/reviews/email/ready.txt", context),
        html=render_to_string("portal/reviews/email/ready.html", context),
    )


class ReviewNotSent(OSError):
    """Some addresses could not be sent to this time (the mail server refused or was not there);
    their claims are released, so the task's retry sends to them and to no one else."""


def review_notify(*, review_id: int, now: datetime) -> list[str]:
    """E-mail the review's link to both sides, each address once; the addresses sent to by this
    run ([] when every address was already done, or the review is gone). Raises ReviewNotSent
    (an OSError: the task retries it with backoff) when any address failed; the others stay sent.
    Each address is claimed (a ReviewEmail row, unique per review) before its e-mail goes, so a
    second run, a retry or another worker never sends it again; `notified_at` is set once every
    address is done."""
    review = Review.objects.select_related("service", "business_unit").filter(pk=review_id).first()
    if review is None or review.notified_at is not None:
        return []
    parts = review_email_render(review)
    sent, failed = [], []
    for email in dict.fromkeys(person.email for person in review_recipients(review)):
        claim, claimed = ReviewEmail.objects.get_or_create(review=review, email=email, defaults={"claimed_at": now})
        if not claimed:
            continue  # sent, or being sent, by another run
        try:
            email_send(to=email, parts=parts)
        except DeliveryError as exc:
            logger.warning("review %s: e-mail to %s not sent (will retry): %s", review_id, email, exc)
            claim.delete()
            failed.append(email)
            continue
        ReviewEmail.objects.filter(pk=claim.pk).update(sent_at=now)
        sent.append(email)
    if failed:
        raise ReviewNotSent(f"review {review_id}: not sent to {len(failed)} of {len(failed) + len(sent)} addresses")
    Review.objects.filter(pk=review_id, notified_at__isnull=True).update(notified_at=now)
    return sent
