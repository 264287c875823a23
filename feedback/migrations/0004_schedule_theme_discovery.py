"""Schedule the discovery of recurring topics among uncaught comments every night at 02:30 in the
site's time zone (django-celery-beat's database scheduler: the time can be changed, or the task
disabled, in the admin under Periodic tasks)."""

from django.conf import settings
from django.db import migrations

NAME = "Discover comment topics"
TASK = "feedback.discover_themes"
DESCRIPTION = (
    "Finds recurring terms and phrases among the last year's comments that no theme caught, per service "
    "and across the catalogue, and replaces the discovered topics."
)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "crontab": nightly, "description": DESCRIPTION}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_schedule_surveys"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
