"""Celery tasks of the portal (Celery's autodiscovery imports this module); each lives in its
package."""

from portal.reviews.tasks import prepare_reviews, review_notify  # noqa: F401  (service reviews)
