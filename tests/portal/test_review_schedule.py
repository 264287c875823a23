"""The monthly service reviews are prepared by a periodic task that the migration
portal/0002_schedule_reviews.py schedules (django-celery-beat's database scheduler): every
weekday morning at 06:15 in the site's time zone, editable in the admin, naming a task the
workers know."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_review_preparation_is_scheduled_on_weekday_mornings_and_editable():
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    task = PeriodicTask.objects.get(task="portal.prepare_reviews")
    assert task.name == "Prepare the monthly service reviews" and task.enabled
    assert task.interval is None and task.one_off is False
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("15", "6", "1-5")
    assert (crontab.day_of_month, crontab.month_of_year) == ("*", "*")
    assert str(crontab.timezone) == settings.TIME_ZONE
    app.loader.import_default_modules()
    assert "portal.prepare_reviews" in app.tasks  # the name beat sends is one a worker runs
