"""Schedule the SLA check pass every minute (django-celery-beat's database scheduler: the
interval can be changed, or the task disabled, in the admin under Periodic tasks)."""

from django.db import migrations

CHECK_TASK_NAME = "Check SLA clocks"


def schedule_checks(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=CHECK_TASK_NAME,
        defaults={
            "task": "sla.run_checks",
            "interval": every_minute,
            "description": "Warns before SLA targets are missed and records breaches (only due clocks are read).",
        },
    )


def unschedule_checks(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=CHECK_TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0005_integrations"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_checks, unschedule_checks)]
