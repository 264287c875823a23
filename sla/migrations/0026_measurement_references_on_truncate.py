"""TRUNCATE of the service or user table reaches the measurements again (PostgreSQL): a statement
trigger AFTER TRUNCATE deletes every point with the services, and forgets every recorder with the
users, as TRUNCATE ... CASCADE did through the foreign keys that 0025 replaced by triggers (row
triggers do not fire on TRUNCATE). Nothing to do on SQLite (sla/models/measurement_integrity.py)."""

from django.conf import settings
from django.db import migrations

from sla.models import measurement_integrity


def _run(apps, schema_editor, which):
    tables = measurement_integrity.tables_from(apps)
    for sql in which(schema_editor.connection.vendor, tables, schema_editor.quote_name):
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor):
    _run(apps, schema_editor, measurement_integrity.truncate_statements_install)


def remove(apps, schema_editor):
    _run(apps, schema_editor, measurement_integrity.truncate_statements_remove)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0025_measurement_references_by_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(install, remove, elidable=False)]
