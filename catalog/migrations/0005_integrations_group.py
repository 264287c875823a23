from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="Integrations")


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Integrations").delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_priority_matrix_validation")]

    operations = [migrations.RunPython(create_group, remove_group)]
