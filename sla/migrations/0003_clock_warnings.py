from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_tickets_clocks_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="clock",
            name="counting",
            field=models.BooleanField(
                default=False, help_text="Using up time at computed_at (not paused or stopped)."
            ),
        ),
        migrations.AddField(
            model_name="clock",
            name="last_warned_share",
            field=models.FloatField(default=0, help_text="The highest warning share already alerted."),
        ),
    ]
