"""Schedule the watermelon check (SLA green, happiness or lost time red) every 6 hours
(django-celery-beat's database scheduler: the interval can be changed, or the task disabled, in
the admin under Periodic tasks)."""

from django.db import migrations

NAME = "Check watermelons"
TASK = "feedback.check_watermelons"
DESCRIPTION = (
    "Alerts for services whose SLA attainment is green while their feedback scores or the work time "
    "their tickets cost people are red (green outside, red inside)."
)


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_6_hours, _ = IntervalSchedule.objects.get_or_create(every=6, period="hours")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "interval": every_6_hours, "description": DESCRIPTION}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0006_response_lost_time"),
        ("sla", "0019_alert_kind_watermelon"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
