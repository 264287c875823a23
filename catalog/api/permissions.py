"""API permission classes: thin adapters over catalog/rules.py."""

from rest_framework import permissions

from catalog import rules as access


class CatalogueReadable(permissions.BasePermission):
    """Reads: anyone who may read the catalogue. Writes: signed-in users; what they may
    change is decided per object by the view through rules."""

    message = "Sign in to use this endpoint."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return bool(access.can_read_catalogue(request.user) or access.is_admin(request.user))
        return bool(request.user and request.user.is_authenticated)
