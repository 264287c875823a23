"""The three roles as groups. Admins get every model permission of Accord's apps; the
finer, per-object rules live in catalog/rules.py."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ACCORD_APPS = ("catalog", "sla", "feedback")


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins, _ = Group.objects.get_or_create(name="Admins")
    Group.objects.get_or_create(name="Service owners")
    Group.objects.get_or_create(name="Business users")
    admins.permissions.add(*Permission.objects.filter(content_type__app_label__in=ACCORD_APPS))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Admins", "Service owners", "Business users"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
