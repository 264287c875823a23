from django.apps import AppConfig
from django.db.models.signals import post_migrate

ACCORD_APPS = ("catalog", "sla", "feedback")


def grant_admins_every_permission(sender, **kwargs) -> None:
    """Keep the Admins group holding every model permission of Accord's apps, including
    those of models added by later migrations."""
    from django.contrib.auth.models import Group, Permission

    admins = Group.objects.filter(name="Admins").first()
    if admins is not None:
        admins.permissions.add(*Permission.objects.filter(content_type__app_label__in=ACCORD_APPS))


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Service catalogue"

    def ready(self) -> None:
        post_migrate.connect(grant_admins_every_permission, dispatch_uid="accord_admin_permissions")
