"""Celery tasks of the catalog app (Celery's autodiscovery imports this module). Thin: the work
is in the domain packages. Periodic ones are scheduled by migrations (django-celery-beat)."""

from catalog.alignment.tasks import check_alignment  # noqa: F401  (catalogue alignment)
