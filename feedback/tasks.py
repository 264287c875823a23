"""Celery tasks of the feedback app (Celery's autodiscovery imports this module)."""

from feedback.follow_up_tasks import check_follow_ups  # noqa: F401  (detractor follow-ups)
