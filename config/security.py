"""The Content-Security-Policy, set by django-csp from settings.CONTENT_SECURITY_POLICY.

Accord's own pages get the strict policy as it stands. The Django admin and the API's browsable
pages are third-party templates (django-import-export, django-simple-history, DRF, Swagger UI)
that put `style=` attributes and a `<style>` block in their markup; there, and only there, inline
styles are allowed (`style-src 'self' 'unsafe-inline'`). Scripts stay 'self'-only everywhere:
an inline style cannot run code, an inline script can.
"""

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts

THIRD_PARTY_HTML_PREFIXES = ("/admin/", "/api/")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request=request, response=response, report_only=report_only)
        if request.path_info.startswith(THIRD_PARTY_HTML_PREFIXES):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts
