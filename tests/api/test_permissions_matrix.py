"""Every endpoint against every kind of caller: anonymous, a business user, a unit's
representative, another service's owner, the service's owner, an admin."""

import pytest

from tests.api.conftest import login

ACTORS = ["anonymous", "reader", "rep", "other_owner", "owner", "admin"]


def _new_service(world):
    return {"name": "Expenses", "category": world["service"].category.slug, "summary": "Claim expenses."}


# (name, method, url builder, body builder, expected status per actor)
CASES = [
    ("list services", "get", lambda w: "/api/v1/services/", None, [200, 200, 200, 200, 200, 200]),
    ("service detail", "get", lambda w: "/api/v1/services/payroll/", None, [200, 200, 200, 200, 200, 200]),
    ("create service", "post", lambda w: "/api/v1/services/", _new_service, [401, 403, 403, 201, 201, 201]),
    (
        "update service",
        "patch",
        lambda w: "/api/v1/services/payroll/",
        lambda w: {"summary": "Pay people."},
        [401, 403, 403, 403, 200, 200],
    ),
    ("list business units", "get", lambda w: "/api/v1/business-units/", None, [200] * 6),
    ("business unit detail", "get", lambda w: "/api/v1/business-units/finance/", None, [200] * 6),
    (
        "create business unit",
        "post",
        lambda w: "/api/v1/business-units/",
        lambda w: {"name": "Legal", "slug": "legal"},
        [401, 403, 403, 403, 403, 201],
    ),
    (
        "update business unit",
        "patch",
        lambda w: "/api/v1/business-units/finance/",
        lambda w: {"description": "Money."},
        [401, 403, 403, 403, 403, 200],
    ),
    ("list categories", "get", lambda w: "/api/v1/categories/", None, [200] * 6),
    (
        "create category",
        "post",
        lambda w: "/api/v1/categories/",
        lambda w: {"name": "Security", "slug": "security"},
        [401, 403, 403, 403, 403, 201],
    ),
    ("list agreements", "get", lambda w: "/api/v1/agreements/", None, [200] * 6),
    ("agreement in force", "get", lambda w: f"/api/v1/agreements/{w['agreed'].pk}/", None, [200] * 6),
    (
        "proposed agreement",
        "get",
        lambda w: f"/api/v1/agreements/{w['proposed'].pk}/",
        None,
        [404, 404, 200, 404, 200, 200],
    ),
    ("draft agreement", "get", lambda w: f"/api/v1/agreements/{w['draft'].pk}/", None, [404, 404, 404, 404, 200, 200]),
    (
        "draft next version",
        "post",
        lambda w: "/api/v1/agreements/",
        lambda w: {"service": "payroll", "business_unit": None, "scope": "Everyone."},
        [401, 403, 403, 403, 201, 201],
    ),
    (
        "edit draft",
        "patch",
        lambda w: f"/api/v1/agreements/{w['draft'].pk}/",
        lambda w: {"exclusions": "Bonuses."},
        [401, 404, 404, 404, 200, 200],
    ),
    (
        "propose draft",
        "post",
        lambda w: f"/api/v1/agreements/{w['draft'].pk}/propose/",
        None,
        [401, 404, 404, 404, 200, 200],
    ),
    (
        "sign proposed",
        "post",
        lambda w: f"/api/v1/agreements/{w['proposed'].pk}/sign/",
        None,
        [401, 404, 200, 404, 200, 403],
    ),
    (
        "return proposed to draft",
        "post",
        lambda w: f"/api/v1/agreements/{w['proposed'].pk}/return-to-draft/",
        None,
        [401, 404, 403, 404, 200, 200],
    ),
    (
        "withdraw draft",
        "post",
        lambda w: f"/api/v1/agreements/{w['draft'].pk}/withdraw/",
        None,
        [401, 404, 404, 404, 200, 200],
    ),
    (
        "diff with previous version",
        "get",
        lambda w: f"/api/v1/agreements/{w['proposed'].pk}/diff/",
        None,
        [404, 404, 200, 404, 200, 200],
    ),
    ("schema", "get", lambda w: "/api/schema/", None, [200] * 6),
]

PARAMS = [
    pytest.param(method, url, body, actor, expected[i], id=f"{name}-{actor}")
    for name, method, url, body, expected in CASES
    for i, actor in enumerate(ACTORS)
]


@pytest.mark.parametrize(("method", "url", "body", "actor", "expected"), PARAMS)
def test_permissions_matrix(api, world, method, url, body, actor, expected):
    client = login(api, world["users"][actor])
    kwargs = {"format": "json"}
    if body is not None:
        kwargs["data"] = body(world)
    response = getattr(client, method)(url(world), **kwargs)
    assert response.status_code == expected, response.content[:500]
    if expected in (401, 403):
        error = response.json()
        assert error["type"] == "client_error"
        assert error["errors"][0]["detail"]


def test_anonymous_cannot_read_when_the_catalogue_is_private(api, world, settings):
    settings.CATALOGUE_PUBLIC = False
    assert api.get("/api/v1/services/").status_code == 401
    login(api, world["users"]["reader"])
    assert api.get("/api/v1/services/").status_code == 200
