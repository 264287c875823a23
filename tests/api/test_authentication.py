import pytest

from catalog.tokens import api_token_expiry, api_token_issue, api_token_revoke
from tests import factories as f

pytestmark = pytest.mark.django_db


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_bearer_key_authenticates_as_its_user(api):
    owner = f.service_owner(username="jira-bot")
    f.CategoryFactory(slug="c")
    _, key = api_token_issue(user=owner, name="Jira")
    response = api.post(
        "/api/v1/services/", {"name": "X", "category": "c", "summary": "s"}, format="json", **bearer(key)
    )
    assert response.status_code == 201, response.content
    assert response.json()["service_owner"]["username"] == "jira-bot"


@pytest.mark.parametrize("problem", ["wrong", "expired", "revoked", "inactive", "malformed"])
def test_a_bad_key_is_a_401_with_a_message(api, problem):
    user = f.service_owner(is_active=problem != "inactive")
    token, key = api_token_issue(user=user, name="k", expires_at=api_token_expiry(days=30))
    if problem == "wrong":
        key = key[:-4] + "abcd"
    elif problem == "expired":
        token.expires_at = api_token_expiry(days=-1)
        token.save(update_fields=["expires_at"])
    elif problem == "revoked":
        api_token_revoke(token=token)
    headers = {"HTTP_AUTHORIZATION": "Bearer"} if problem == "malformed" else bearer(key)
    response = api.get("/api/v1/services/", **headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/agreements/{id}/sign/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html
