"""Access checks shared by the portal's views. The rules themselves live in
catalog/rules.py; this only turns a refusal into the right response (403, 404, or a redirect)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect

from catalog import selectors as catalog_selectors
from catalog.models import Service


def require_perm(request, perm: str, obj=None, *, message: str) -> None:
    """PermissionDenied(message) unless the user has `perm` (on `obj`)."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(message)


def catalogue_reader(view):
    """Only for people who may read the catalogue; anonymous visitors of a private
    catalogue are sent to sign in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("catalog.view_service"):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("You may not read the service catalogue.")
        return view(request, *args, **kwargs)

    return wrapper


def form_action(page: str, *, page_takes_arguments: bool = True):
    """For a view that only takes a form's POST. A GET (the address bookmarked, or typed again
    after a page with errors was shown at it) goes to `page`, the URL name of the page with the
    form, given the view's own arguments (unless the page takes none), instead of a blank 405."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return redirect(page, *args, **kwargs) if page_takes_arguments else redirect(page)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        wrapper.allowed_methods = ("post",)  # what it answers; a GET is only sent on (tests/api/test_path_sweep.py)
        return wrapper

    return decorator


def service_or_404(user, slug: str) -> Service:
    """The service of `slug` if `user` may see it; otherwise 404, as if there were none."""
    try:
        return catalog_selectors.service_list(user=user).prefetch_related(None).get(slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None
