"""Overdue follow-up alerts record their follow-up's owner (`sla.Alert.owner`), so that the
person e-mailed about them sees them in the inbox and may acknowledge them. Alerts whose
follow-up is gone keep no owner."""

from django.db import migrations

BATCH = 1000


def backfill_owners(apps, schema_editor):
    Alert = apps.get_model("sla", "Alert")
    FollowUp = apps.get_model("feedback", "FollowUp")
    alerts = Alert.objects.filter(kind="follow_up_overdue", owner__isnull=True).values_list("pk", "details")
    last = 0
    while True:
        rows = list(alerts.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        last = rows[-1][0]
        wanted = [(pk, (details or {}).get("follow_up_id")) for pk, details in rows]
        owners = dict(
            FollowUp.objects.filter(pk__in={f for _, f in wanted if isinstance(f, int)}).values_list("pk", "owner_id")
        )
        by_owner = {}
        for pk, follow_up_id in wanted:
            if follow_up_id in owners:
                by_owner.setdefault(owners[follow_up_id], []).append(pk)
        for owner_id, pks in by_owner.items():
            Alert.objects.filter(pk__in=pks).update(owner_id=owner_id)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0004_schedule_theme_discovery"),
        ("sla", "0012_alert_owner"),
    ]

    operations = [migrations.RunPython(backfill_owners, migrations.RunPython.noop)]
