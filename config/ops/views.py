"""/healthz, /readyz and /metrics. None of them needs a session or a signed-in user."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from config.ops.health import readiness
from config.ops.metrics import registry


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves requests. It touches no dependency, so a database outage
    does not get every web process restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database, the broker and the cache all answer; 503 naming the
    ones that do not. The backlog says how far the checks are behind the stored events."""
    ready, body = readiness()
    return JsonResponse(body, status=200 if ready else 503)


def metrics_allowed(request: HttpRequest) -> bool:
    """`Authorization: Bearer <METRICS_TOKEN>`, or a signed-in staff member, or (only without a
    token) a caller from METRICS_ALLOWED_NETWORKS: loopback by default with DEBUG on, none in
    production, where a proxy on the same machine makes every caller look like loopback."""
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode()):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return True
    if token:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return JsonResponse(
            {
                "type": "client_error",
                "errors": [
                    {
                        "code": "permission_denied",
                        "detail": "Metrics are for the monitoring system: a METRICS_TOKEN bearer token "
                        "or a staff member's session.",
                        "attr": None,
                    }
                ],
            },
            status=403,
        )
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
