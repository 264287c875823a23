"""The Content-Security-Policy, set by django-csp from settings.CONTENT_SECURITY_POLICY.

Accord's own pages get the strict policy as it stands. The Django admin and the API's browsable
pages are third-party templates (django-import-export, django-simple-history, DRF, Swagger UI)
that put `style=` attributes and a `<style>` block in their markup; there, and only there, inline
styles are allowed (`style-src 'self' 'unsafe-inline'`). Scripts stay 'self'-only everywhere:
an inline style cannot run code, an inline script can.
"""

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

THIRD_PARTY_HTML_PREFIXES = ("/admin/", "/api/")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request=request, response=response, report_only=report_only)
        if request.path_info.startswith(THIRD_PARTY_HTML_PREFIXES):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts


def client_ip(request) -> str:
    """The caller's address, one answer for the API throttles, the login lockout (django-axes)
    and the survey pages' rate limit. REMOTE_ADDR, unless RATELIMIT_IP_META_KEY names the header
    a trusted proxy sets (e.g. HTTP_X_REAL_IP); in a list (X-Forwarded-For) the right-most entry
    is the one that proxy added, the others are the client's to invent."""
    key = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    value = request.META.get(key) or request.META.get("REMOTE_ADDR") or ""
    return value.split(",")[-1].strip()


def login_lockout_response(request, original_response, credentials):
    """django-axes' answer to a locked-out sign-in (portal and admin alike): a page that says
    why and for how long, as a 429 with Retry-After."""
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit
    from django.shortcuts import render

    cool_off = get_cool_off(request)
    response = render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": get_failure_limit(request, credentials),
            "username": get_client_username(request, credentials) or "",
            "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
        },
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
