"""API throttles (DRF, counted in the shared cache): per API key, per anonymous address, and per
address for the ticket tools' signed webhooks. Rates come from settings.API_THROTTLE_RATES, read
at each request (docs/api.md: Throttling). Over the rate: 429 with Retry-After, in the error format."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from catalog.models import ApiToken
from config.security import client_ip


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope) or None  # empty: no limit

    def get_ident(self, request) -> str:
        return client_ip(request)


class ApiKeyRateThrottle(_SettingsRateThrottle):
    """Each key its own budget, however many addresses it calls from."""

    scope = "key"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class AnonymousRateThrottle(_SettingsRateThrottle):
    """Callers with neither a key nor a session, counted by address."""

    scope = "anonymous"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WebhookRateThrottle(_SettingsRateThrottle):
    """The signed webhooks (no key, no session), by address, with a budget of their own."""

    scope = "webhook"

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
