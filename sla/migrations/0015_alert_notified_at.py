from django.db import migrations, models
from django.db.models import F


def existing_alerts_count_as_notified(apps, schema_editor):
    # Alerts raised before this field existed were notified (or never will be): the resend sweep
    # must not tell people about them again.
    apps.get_model("sla", "Alert").objects.update(notified_at=F("opened_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0014_integration_default_priority"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="notified_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its delivery log was written. Empty past a grace: the message that should have "
                "done it was lost (broker down, worker killed), and the resend sweep does it.",
                null=True,
            ),
        ),
        migrations.RunPython(existing_alerts_count_as_notified, migrations.RunPython.noop, elidable=True),
    ]
