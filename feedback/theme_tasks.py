"""Comment themes in the background: the nightly discovery of recurring topics among the comments
no theme caught (scheduled by a migration; editable in the admin under Periodic tasks), and the
rematch of every comment after the taxonomy changed. Thin: the work is in feedback.services."""

from __future__ import annotations

from celery import shared_task

from feedback.models import Theme
from feedback.services.discovery import topics_discover
from feedback.services.themes import themes_rematch


@shared_task(name="feedback.discover_themes", ignore_result=True, soft_time_limit=1500, time_limit=1800)
def discover_themes() -> dict:
    """Each night: topics per service and across the catalogue, replacing the last run's. Safe
    when two runs overlap (they queue on a lock and store the same topics)."""
    result = topics_discover()
    return {
        "comments": result.comments,
        "topics": result.topics,
        "service_topics": result.service_topics,
        "seconds": round(result.seconds, 1),
    }


@shared_task(name="feedback.rematch_themes", ignore_result=True, soft_time_limit=1500, time_limit=1800)
def rematch_themes(theme_id: int | None = None) -> dict:
    """After a theme was saved (its id) or the taxonomy changed (None): every comment's themes
    again. A theme deleted meanwhile has nothing left to match."""
    theme = Theme(pk=theme_id) if theme_id is not None else None
    result = themes_rematch(theme=theme)
    return {"comments": result.comments, "matches": result.matches}
