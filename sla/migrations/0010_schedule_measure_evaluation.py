"""Schedule the evaluation of success measures every 15 minutes (django-celery-beat's database
scheduler: the interval can be changed, or the task disabled, in the admin under Periodic
tasks)."""

from django.db import migrations

EVALUATION_TASK_NAME = "Evaluate success measures"


def schedule_evaluation(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15_minutes, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=EVALUATION_TASK_NAME,
        defaults={
            "task": "sla.evaluate_measures",
            "interval": every_15_minutes,
            "description": "Actual, status and forecast of every success measure in force; alerts when one is "
            "at risk or missed.",
        },
    )


def unschedule_evaluation(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=EVALUATION_TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0009_schedule_commitment_checks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_evaluation, unschedule_evaluation)]
