"""The measurements' service and recorder checked by triggers, once per statement, instead of by
deferred foreign keys checked row by row at COMMIT (issue 12: 10,000 checks for a batch of 5,000
points, most of its time). The triggers keep the same integrity: refused when the service or
user does not exist, cascade / set null when it is deleted (sla/models/measurement_integrity.py).
The foreign keys are dropped first, then the triggers installed; backwards the triggers go and
the foreign keys come back (checking the rows already there)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from sla.models import measurement_integrity


def _statements(apps, schema_editor, which):
    tables = measurement_integrity.tables_from(apps)
    return which(schema_editor.connection.vendor, tables, schema_editor.quote_name)


def install(apps, schema_editor):
    for sql in _statements(apps, schema_editor, measurement_integrity.statements_install):
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    for sql in _statements(apps, schema_editor, measurement_integrity.statements_remove):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0014_annual_cost_from_drivers'),
        ('sla', '0024_ticket_observation_attached_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='measurement',
            name='recorded_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='measurement',
            name='service',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='measurements', to='catalog.service'),
        ),
        migrations.RunPython(install, remove, elidable=False),
    ]
