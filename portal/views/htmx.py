"""What the portal's views that answer htmx requests (a fragment for the service page, say)
share."""

from django.utils.cache import patch_vary_headers


def vary_on_htmx(response):
    """Say that the response differs for htmx requests (a fragment, not the page), so that no
    cache serves one for the other."""
    patch_vary_headers(response, ("HX-Request",))
    return response
