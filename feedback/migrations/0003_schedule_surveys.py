"""Schedule the surveys (django-celery-beat's database scheduler: times can be changed, or a task
disabled, in the admin under Periodic tasks):
- event surveys every 15 minutes (invite after resolved tickets, send what is due, expire);
- relationship surveys at 08:00 on the first day of each quarter, in the site's time zone."""

from django.conf import settings
from django.db import migrations

EVENT_NAME = "Send event surveys"
RELATIONSHIP_NAME = "Send quarterly relationship surveys"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15_minutes, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=EVENT_NAME,
        defaults={
            "task": "feedback.schedule_event_surveys",
            "interval": every_15_minutes,
            "description": "Invites the requesters of tickets resolved at least the service's delay ago (at most "
            "once per person in the fatigue period), sends survey e-mails that are due, expires old invitations.",
        },
    )
    quarterly, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="8",
        day_of_month="1",
        month_of_year="1,4,7,10",
        day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=RELATIONSHIP_NAME,
        defaults={
            "task": "feedback.send_relationship_surveys",
            "crontab": quarterly,
            "description": "Each member of a business unit rates each service that serves the unit on the six "
            "success factors (one e-mail per person).",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[EVENT_NAME, RELATIONSHIP_NAME]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_schedule_follow_up_checks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
