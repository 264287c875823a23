"""Schedule the checks of commitments and agreement reviews every hour (django-celery-beat's
database scheduler: the interval can be changed, or a task disabled, in the admin under
Periodic tasks)."""

from django.db import migrations

TASKS = {
    "Check commitments": (
        "sla.check_commitments",
        "Alerts for commitments at risk, with a check-in overdue, or missed; records a missed outcome "
        "once the due date and its grace have passed.",
    ),
    "Check agreement reviews": (
        "sla.check_agreement_reviews",
        "Alerts for agreements in force whose review date is within 30 days.",
    ),
}


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    for name, (task, description) in TASKS.items():
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": every_hour, "description": description}
        )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(TASKS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0008_measurements_commitments"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
