"""Schedule the preparation of the monthly service reviews every morning at 06:15 in the site's
time zone, Monday to Friday (django-celery-beat's database scheduler: the time can be changed, or
the task disabled, in the admin under Periodic tasks). The task itself only creates a month's
reviews from the first business day of the next month on, once."""

from django.conf import settings
from django.db import migrations

NAME = "Prepare the monthly service reviews"
TASK = "portal.prepare_reviews"
DESCRIPTION = (
    "On the first business day of the month (and, if that run was missed, the next ones), creates last "
    "month's review of every service with an agreement in force and of every business unit using one, "
    "and e-mails both sides the link. Runs again create nothing."
)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    weekday_mornings, _ = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="6",
        day_of_month="*",
        month_of_year="*",
        day_of_week="1-5",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "crontab": weekday_mornings, "description": DESCRIPTION}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_reviews"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
