"""API permission classes: thin adapters over catalog/rules.py."""

from rest_framework import exceptions, permissions

from catalog import rules as access
from catalog.models import ApiScope, ApiToken


class CatalogueReadable(permissions.BasePermission):
    """Reads: anyone who may read the catalogue. Writes: signed-in users; what they may
    change is decided per object by the view through rules."""

    message = "Sign in to use this endpoint."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return bool(access.can_read_catalogue(request.user) or access.is_admin(request.user))
        return bool(request.user and request.user.is_authenticated)


def required_scope(request, view) -> str:
    """The scope an API key needs for this request: `read` for every safe method; for writes,
    the view's `api_key_scope` (the ingestion endpoints say `ingest`), else `manage`."""
    if request.method in permissions.SAFE_METHODS:
        return ApiScope.READ
    return getattr(view, "api_key_scope", ApiScope.MANAGE)


class ApiKeyScope(permissions.BasePermission):
    """A request made with an API key needs the key's scope for it, on top of the user's rights
    (which the other permission classes and the rules check). Sessions have no scopes."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = required_scope(request, view)
        if needed not in token.scopes:
            raise exceptions.PermissionDenied(
                f"This API key lacks the '{needed}' scope (it has: {', '.join(sorted(token.scopes))}).",
                code="missing_scope",
            )
        return True
