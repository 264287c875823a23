"""The e-mail that tells both sides a review is ready: its link, nothing else (the document is
read on the page, printed, or downloaded as a PDF). Claimed once per review by a conditional
update of `notified_at`; a second run, or another worker, finds it claimed and sends nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from django.template.loader import render_to_string
from django.urls import reverse

from portal.reviews.models import Review
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


def review_notify(*, review_id: int, now: datetime) -> list[str]:
    """E-mail the review's link to both sides, once; the addresses sent to ([] when another run
    had claimed it, or the review is gone)."""
    if Review.objects.filter(pk=review_id, notified_at__isnull=True).update(notified_at=now) != 1:
        return []
    review = Review.objects.select_related("service", "business_unit").get(pk=review_id)
    parts = review_email_render(review)
    sent = []
    for person in review_recipients(review):
        try:
            email_send(to=person.email, parts=parts)
        except DeliveryError as exc:  # one refused address does not stop the others
            logger.warning("review %s: e-mail to %s not sent: %s", review_id, person.email, exc)
            continue
        sent.append(person.email)
    return sent
