"""Celery tasks of the sla app (autodiscovered through this package)."""
