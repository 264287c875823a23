"""Schedule the check of detractor follow-ups every hour (django-celery-beat's database
scheduler: the interval can be changed, or the task disabled, in the admin under Periodic tasks)."""

from django.db import migrations

NAME = "Check detractor follow-ups"
TASK = "feedback.check_follow_ups"
DESCRIPTION = (
    "Alerts for follow-ups of unhappy answers not contacted by their due date; "
    "resolves them once the customer has been contacted."
)


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "interval": every_hour, "description": DESCRIPTION}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_surveys_and_loop"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
