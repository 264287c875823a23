"""Malformed path parameters, swept over the whole URL configuration (issue 15).

For every route with a path parameter (the API's and the portal's pages, every app; Django's
admin is its own), every method it allows, each malformed value in each parameter (the others
real), as each kind of person (anonymous, a business user, the service's owner, an admin): the
answer is a refusal (400, 401, 403, 404, 405; a portal page may send a stranger to the sign-in
page), never a 5xx; under /api/ in the API's one error format; and no row in any table changes.

The routes are read from the URL configuration, so a new one is swept without being listed here.
The people and the objects their real parameters name are made once for the module.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, unquote

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from tests import factories as f
from tests.sla.test_measurements import add_measure

pytestmark = pytest.mark.django_db

MALFORMED = (
    "null,null",
    "-1",
    "0",
    "99999999999999999999",
    "%00",
    "x" * 300,
    "ü€😀",
)
ROLES = ("anonymous", "business user", "service owner", "admin")
REFUSALS = frozenset({400, 401, 403, 404, 405})
WRITES = ("post", "put", "patch", "delete")
SIGN_IN = ("/accounts/login/", "/admin/login/")
PARAMETER = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


# --- The URL configuration -------------------------------------------------------------------


def _walk(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def methods_of(callback) -> list[str]:
    """What the view answers besides OPTIONS and HEAD: a DRF view set's actions, a class's
    handlers, a portal form action's POST (its GET only sends a person on to the form's page,
    portal/views/access.py), and GET and POST for another function (its decorators refuse the rest)."""
    if getattr(callback, "allowed_methods", None):
        return list(callback.allowed_methods)
    if getattr(callback, "actions", None):  # DRF adds "head" to it at the first GET
        return sorted(set(callback.actions) - {"options", "head"})
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        names = getattr(view_class, "http_method_names", [])
        return [name for name in names if name not in ("options", "head") and hasattr(view_class, name)]
    return ["get", "post"]


def routes_with_parameters() -> list[tuple[str, list[str], list[str]]]:
    """(pattern, its parameters, its methods) for every route that takes a path parameter."""
    found = []
    for pattern, callback in _walk(get_resolver()):
        if pattern.startswith("admin/"):
            continue  # Django's admin: its own routes and tests
        names = [a or b for a, b in PARAMETER.findall(pattern)]
        if names:
            found.append((pattern, names, methods_of(callback)))
    return found


def address(pattern: str, values: dict[str, str]) -> str:
    """The route's address with these (already URL-encoded) parameter values."""
    path = PARAMETER.sub(lambda m: f"\0{m[1] or m[2]}\0", pattern)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "")
    path = re.sub(r"\0(\w+)\0", lambda m: values.get(m[1], "1"), path)  # "1": a parameter new to the sweep
    return "/" + path


def tries(names: list[str], real: dict[str, str]):
    """Each malformed value in each parameter, the others real."""
    for name in names:
        for value in MALFORMED:
            encoded = value if value == "%00" else quote(value, safe=",")
            yield {**real, name: encoded}


# --- The people and the objects the real parameters name --------------------------------------


@pytest.fixture(scope="module")
def sweep(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        owner = f.service_owner(username="sweep-owner")
        service = f.ServiceFactory(slug="payroll", service_owner=owner)
        agreement = f.AgreementFactory(service=service)
        measure = add_measure(agreement)
        people = {
            "anonymous": None,
            "business user": f.business_user(username="sweep-business"),
            "service owner": owner,
            "admin": f.admin_user(username="sweep-admin"),
        }
        clients = {}
        for role in ROLES:
            client = Client(raise_request_exception=False)
            if people[role] is not None:
                client.force_login(people[role])
            clients[role] = client
        real = {
            "slug": service.slug,
            "pk": str(agreement.pk),
            "key": measure.key,
            "priority": "1",
            "quarter": "2026-Q4",
            "period": "2026-Q4",
            "token": "not-a-signed-token",
            "format": "json",
        }
        yield {"clients": clients, "real": real}
        transaction.set_rollback(True)


def routed(url: str) -> bool:
    try:
        resolve(unquote(url))
    except Resolver404:
        return False
    return True


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def problem(response, url: str) -> str | None:
    status = response.status_code
    if url.startswith("/api/"):
        if status not in REFUSALS:
            return f"answered {status}"
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if not (isinstance(body, dict) and body.get("type") and body.get("errors")):
            return f"{status} not in the API's error format: {response.content[:120]!r}"
        return None
    if status in REFUSALS:
        return None
    if status in (301, 302, 303) and response.get("Location", "").startswith(SIGN_IN):
        return None
    return f"answered {status}"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, settings):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)
    settings.FEEDBACK_SURVEY_RATE = "100000/m"  # the survey page's limit per address would answer 429


def test_the_sweep_sees_the_routes_that_take_ids():
    """The walk finds the API's and the portal's routes with ids, slugs and other parameters."""
    patterns = [pattern for pattern, _, _ in routes_with_parameters()]
    assert any("follow-ups/(?P<pk>" in p for p in patterns)
    assert "agreements/<int:pk>/" in patterns
    assert any("self-assessments/<str:quarter>/" in p for p in patterns)
    assert any("measures/(?P<key>" in p for p in patterns)


@pytest.mark.parametrize("part", ["api", "portal"])
def test_malformed_path_parameters_are_refused_and_write_nothing(sweep, part):
    wrong: list[str] = []
    before = row_counts()
    for pattern, names, methods in routes_with_parameters():
        if pattern.startswith("api/") != (part == "api"):
            continue
        for values in tries(names, sweep["real"]):
            url = address(pattern, values)
            # An address no route matches is refused before anyone or any method is looked at:
            # one call says so (this keeps the sweep quick).
            matched = routed(url)
            for role in ROLES if matched else ROLES[-1:]:
                client = sweep["clients"][role]
                for method in methods if matched else methods[:1]:
                    call = getattr(client, method)
                    if method in WRITES and url.startswith("/api/"):
                        response = call(url, data="{}", content_type="application/json")
                    else:
                        response = call(url)
                    found = problem(response, url)
                    if found:
                        wrong.append(f"{role}: {method.upper()} {url[:100]} {found}")
    after = row_counts()
    written = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
    assert not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong)
    assert not written, f"rows changed (before, after): {written}"
