"""Schedule the check of catalogue alignment every hour (django-celery-beat's database scheduler:
the interval can be changed, or the task disabled, in the admin under Periodic tasks)."""

from django.db import migrations

NAME = "Check catalogue alignment"
TASK = "catalog.check_alignment"
DESCRIPTION = (
    "Alerts for business units' requests IT has not answered in 10 business days (resolved once answered); "
    "today's share of agreement between each unit's list and IT's."
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
        ("catalog", "0010_alignment"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
