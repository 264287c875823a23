"""Observations stored by a large REST batch wait, pending, for a worker to derive their tickets
(sla.services.ticket_derivation); one refused there keeps its reason in `failure`. The sweep that
derives what was left pending (its task message lost, the broker down) runs every minute
(django-celery-beat's database scheduler: editable in the admin under Periodic tasks)."""

from django.db import migrations, models

SWEEP_NAME = "Derive pending ticket observations"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": "sla.derive_pending_observations",
            "interval": every_minute,
            "description": "Derives the tickets of ticket events accepted but not derived yet (their task lost).",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0022_ticket_tables_fewer_indexes'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.AddField(
            model_name='ticketobservation',
            name='failure',
            field=models.TextField(blank=True, db_default='', default='', help_text='Why its derivation on a worker refused it (then it does not count; its key stays taken).'),
        ),
        migrations.AddField(
            model_name='ticketobservation',
            name='pending',
            field=models.BooleanField(db_default=False, default=False, help_text='Stored, not yet derived into its ticket (a worker does it).'),
        ),
        migrations.AddIndex(
            model_name='ticketobservation',
            index=models.Index(condition=models.Q(('pending', True)), fields=['received_at'], name='ticket_observation_pending'),
        ),
        migrations.AddIndex(
            model_name='ticketobservation',
            index=models.Index(condition=models.Q(('failure', ''), _negated=True), fields=['received_at'], name='ticket_observation_failed'),
        ),
        migrations.RunPython(schedule, unschedule),
    ]
